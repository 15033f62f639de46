#!/bin/sh
# tests/helpers/testca.sh: a throw-away certificate authority and a server
# certificate for 127.0.0.1 and localhost, for tests of HTTPS clients and
# servers (s2-gateway --cert/--key, s2-load's TLS verification).
#
#   testca.sh DIR    writes DIR/ca.pem (the CA certificate to trust),
#                    DIR/server.pem and DIR/server.key (for the server)
#                    and DIR/other-ca.pem (a CA that did not sign it)
set -eu
dir=${1:?usage: testca.sh DIR}
mkdir -p "$dir"
cd "$dir"
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
# shellcheck disable=SC2086
openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj '/CN=segpipe test CA' \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
# shellcheck disable=SC2086
openssl req $ec -keyout server.key -out server.csr -subj '/CN=127.0.0.1' 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
	-extfile server.ext -out server.pem 2>/dev/null
# shellcheck disable=SC2086
openssl req -x509 $ec -keyout other-ca.key -out other-ca.pem -days 2 -subj '/CN=another CA' 2>/dev/null
rm -f server.csr server.ext ca.srl
chmod 600 ./*.key
