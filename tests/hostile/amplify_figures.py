#!/usr/bin/env python3
"""Amplification figures (tests/ROBUSTNESS.md, "Amplification"): runs verify, list, list
--json, cat, extract and extract --posts on the hostile cases of the given groups, each in a
fresh folder, and prints for each command the case with the most CPU seconds per MB of bundle
and the case with the most bytes written per byte of bundle, with the run's exit status.

Usage: amplify_figures.py AFMT GEN_OUT_DIR [GROUP...]   (GEN_OUT_DIR: gen_hostile's output;
default groups: amplify bomb pageframe valid).  Bytes written are the process's wchar
(/proc/PID/io, read before it is reaped), CPU is user + system (wait4)."""
import os, shutil, subprocess, sys, tempfile, time

afmt, gen = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
groups = sys.argv[3:] or ["amplify", "bomb", "pageframe", "valid"]
pub = os.path.join(gen, "keys", "test.pub")

def run(cmd, cwd, timeout=120):
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + timeout
    while os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        if time.monotonic() > end:
            p.kill()
        time.sleep(0.005)
    io = dict(l.split(": ") for l in open("/proc/%d/io" % p.pid).read().split("\n") if l)
    _, status, ru = os.wait4(p.pid, 0)
    return (os.waitstatus_to_exitcode(status), ru.ru_utime + ru.ru_stime, int(io["wchar"]),
            ru.ru_maxrss)

worst = {}
for line in open(os.path.join(gen, "manifest.tsv")):
    f = line.rstrip("\n").split("\t")
    group, name, file, cathex = f[0], f[1], f[2], f[4]
    if group not in groups:
        continue
    bundle = os.path.join(gen, "cases", file)
    size = os.path.getsize(bundle)
    cid = bytes.fromhex(cathex) if cathex != "-" else b"1"
    tmp = tempfile.mkdtemp(dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    cmds = {
        "verify": [afmt, "verify", "-p", pub, bundle],
        "list": [afmt, "list", bundle],
        "list --json": [afmt, "list", "--json", "-p", pub, bundle],
        "cat": [afmt, "cat", "-p", pub, bundle, cid],
        "extract": [afmt, "extract", "-p", pub, "-C", os.path.join(tmp, "f"), bundle],
        "extract --posts": [afmt, "extract", "--posts", "-p", pub, "-C",
                            os.path.join(tmp, "p"), bundle],
    }
    for label, cmd in cmds.items():
        rc, cpu, wchar, rss = run(cmd, tmp)
        row = (group + "." + name, size, rc, cpu, wchar, rss)
        w = worst.setdefault(label, {"cpu": None, "out": None})
        if w["cpu"] is None or cpu > w["cpu"][3]:
            w["cpu"] = row
        if w["out"] is None or wchar / size > w["out"][4] / w["out"][1]:
            w["out"] = row
        shutil.rmtree(os.path.join(tmp, "f"), ignore_errors=True)
        shutil.rmtree(os.path.join(tmp, "p"), ignore_errors=True)
    shutil.rmtree(tmp, ignore_errors=True)

print("| command | most CPU: case, bundle, CPU (per bundle MB), peak RSS, exit | most written per bundle byte: case, bundle, written, ratio, exit |")
print("|---|---|---|")
for label, w in worst.items():
    c, o = w["cpu"], w["out"]
    print("| `%s` | `%s`, %d B, %.2f s (%.2f s/MB), %d MB, %d | `%s`, %d B, %d B, %.0f:1, %d |" % (
        label, c[0], c[1], c[3], c[3] / (c[1] / 1e6), c[5] // 1024, c[2], o[0], o[1], o[4],
        o[4] / o[1], o[2]))
