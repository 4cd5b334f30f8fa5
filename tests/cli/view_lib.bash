# view_lib.bash - what the tests of `afmt view` share (sourced after
# lib.bash): Debian's chromium, and `page PAGE.html [cdp.py options]`, which
# loads the page in headless Chromium through the DevTools protocol
# (tests/view/cdp.py) and leaves its report in ./page.json; `q FILTER` reads
# that report with jq.
command -v chromium > /dev/null ||
    fail "chromium is not installed: the tests of afmt view need Debian's chromium (make deps)"
command -v jq > /dev/null || fail "jq is not installed (make deps)"
CDP="$SRC/tests/view/cdp.py"
page() {
    local p=$1
    shift
    python3 "$CDP" "$p" "$@" > page.json 2> page.err ||
        { cat page.err >&2; fail "cdp.py could not load $p"; }
}
q() { jq -r "$@" page.json; }
# has FIELD GREP-OPTIONS PATTERN: grep in a field of the report (read whole
# first: grep -q leaving early would fail a pipe under pipefail)
has() { local f=$1; shift; jq -r "$f" page.json > field.txt; grep "$@" field.txt; }
# A page that verified and behaved: VALID, the ok marks, nothing asked for
# but the page itself, no script error.
page_valid() { # PAGE POSTS [cdp.py options]
    local p=$1 n=$2
    shift 2
    page "$p" "$@"
    [ "$(q .state)" = valid ] || fail "$p: badge is '$(q .state)': $(q .text)"
    local g
    g=$(echo "$n" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta') # 2171 -> 2,171, as the page writes it
    has .text -qF " $g of $g posts match the signed root" ||
        fail "$p: badge does not count $n posts: $(q .text)"
    [ "$(q .marks.bad)" = 0 ] || fail "$p: posts marked altered: $(q -c .marks)"
    [ "$(q .marks.ok)" = "$(q ".marks.posts - .marks.withheld")" ] ||
        fail "$p: not every shown post is marked as matching: $(q -c .marks)"
    [ "$(q '.requests | length')" = 1 ] || fail "$p: the page asked for more than itself: $(q -c .requests)"
    [ "$(q '.exceptions | length')" = 0 ] || fail "$p: script errors: $(q -c .exceptions)"
}
