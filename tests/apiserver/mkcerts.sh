#!/bin/sh
# mkcerts.sh DIR - make the test PKI with the openssl CLI:
#   ca.crt/ca.key            a throw-away CA
#   server.crt/server.key    for 127.0.0.1, ::1 and localhost
#   admin.crt/admin.key      client cert CN=admin, O=system:masters
#   norights.crt/norights.key client cert CN=norights
# Nothing here is secret: everything is made at test time.
set -eu
dir=${1:?usage: mkcerts.sh DIR}
mkdir -p "$dir"
cd "$dir"
days=3650

openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days "$days" \
  -subj "/CN=k8s-test-apiserver-ca" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

cat > server.ext <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost
EOF
cat > client.ext <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
EOF

issue() { # name subject extfile
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" \
    -days "$days" -extfile "$3" 2>/dev/null
  rm -f "$1.csr"
}
issue server "/CN=kube-apiserver" server.ext
issue admin "/O=system:masters/CN=admin" client.ext
issue norights "/CN=norights" client.ext
rm -f server.ext client.ext ca.srl
chmod 600 ./*.key
