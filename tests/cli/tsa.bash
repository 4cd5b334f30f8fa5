# tsa.bash - a throwaway certificate authority and time-stamping
# authorities made with the stock openssl command, for the timestamp tests
# (sourced after lib.bash; nothing leaves $T, no network):
#   make_ca NAME                  NAME.key, NAME.pem: a self-signed CA
#   make_tsa NAME CA DAYS         NAME.key, NAME.pem signed by CA (DAYS 0:
#                                 already expired when used), NAME.cnf the
#                                 `openssl ts -reply` configuration
#   tsa_reply NAME REQ OUT        the reply of TSA NAME to request REQ
make_ca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$1.key" -out "$1.pem" -days 3650 -subj "/CN=afmt test $1" \
        -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign 2> /dev/null ||
        fail "openssl cannot make CA $1"
}
make_tsa() {
    local name=$1 ca=$2 days=$3
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$name.key" -out "$name.csr" -subj "/O=afmt tests/CN=$name" 2> /dev/null ||
        fail "openssl cannot make TSA key $name"
    printf '%s\n' 'basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature' \
        'extendedKeyUsage=critical,timeStamping' > "$name.ext"
    openssl x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" -set_serial "$RANDOM" \
        -days "$days" -extfile "$name.ext" -out "$name.pem" 2> /dev/null ||
        fail "openssl cannot sign TSA certificate $name"
    echo 01 > "$name.serial"
    cat > "$name.cnf" <<CNF
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = ./$name.serial
signer_cert = ./$name.pem
signer_key = ./$name.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.2
digests = sha256, sha512
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
CNF
}
tsa_reply() {
    openssl ts -reply -config "$1.cnf" -queryfile "$2" -out "$3" 2> /dev/null ||
        fail "openssl ts -reply failed for $1"
}
