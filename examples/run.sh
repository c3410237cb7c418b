#!/usr/bin/env bash
# Runs an example against the bundled test API server (tests/apiserver):
#
#   examples/run.sh build/bin/pod_get
#
# Starts the server on 127.0.0.1 with certificates made for the occasion,
# seeds it with a running Pod "web" (nginx and busybox) in "default", three
# log lines from its container "web", and the Widget custom resource
# definition (examples/crd/widgets.yaml), points KUBECONFIG at it, runs the
# program with the arguments given, and stops the server. Needs node and
# openssl.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: examples/run.sh PROGRAM [ARGS...]" >&2; exit 2; }
for tool in node openssl; do # exit 77: ctest counts the example as skipped
  command -v $tool >/dev/null || { echo "SKIP: run.sh needs $tool for the test API server" >&2; exit 77; }
done
work=$(mktemp -d)
cleanup() { [ -n "${server:-}" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

sh "$here/../tests/apiserver/mkcerts.sh" "$work"
mkfifo "$work/in"
node "$here/../tests/apiserver/server.js" --listen 127.0.0.1:0 --tls-dir "$work" <"$work/in" >"$work/ready" &
server=$!
exec 4>"$work/in" # the server runs while this script holds its stdin open
for _ in $(seq 100); do grep -q port "$work/ready" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' "$work/ready")
[ -n "$url" ] || { echo "run.sh: the test server did not start" >&2; exit 1; }

node - "$url" "$work/ca.crt" "$here/crd/widgets.yaml" <<'JS'
const https = require('https'), fs = require('fs');
const [url, caFile, widgets] = process.argv.slice(2);
const ca = fs.readFileSync(caFile);
function call(method, path, body, yaml) {
  return new Promise((resolve, reject) => {
    const req = https.request(url + path, { method, ca, headers: {
      Authorization: 'Bearer admin-token', 'Content-Type': yaml ? 'application/yaml' : 'application/json' } }, (res) => {
      let data = '';
      res.on('data', (c) => { data += c; });
      res.on('end', () => (res.statusCode < 300 ? resolve(data) : reject(new Error(`${path}: ${res.statusCode} ${data}`))));
    });
    req.on('error', reject);
    if (body) req.write(yaml ? body : JSON.stringify(body));
    req.end();
  });
}
(async () => {
  await call('POST', '/api/v1/namespaces/default/pods', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web' } },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27' }, { name: 'log', image: 'busybox:1.36' }] } });
  await call('POST', '/_test/run-pod', { namespace: 'default', name: 'web' });
  await call('POST', '/_test/logs', { namespace: 'default', pod: 'web', container: 'web',
    lines: ['listening on :80', 'GET /healthz 200', 'GET / 200'] });
  await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', fs.readFileSync(widgets, 'utf8'), true);
})().catch((e) => { console.error(`run.sh: seeding failed: ${e.message}`); process.exit(1); });
JS

cat >"$work/kubeconfig" <<YAML
apiVersion: v1
kind: Config
current-context: demo
clusters:
- name: demo
  cluster:
    server: $url
    certificate-authority: $work/ca.crt
users:
- name: demo
  user:
    token: admin-token
contexts:
- name: demo
  context: {cluster: demo, user: demo, namespace: default}
YAML
KUBECONFIG="$work/kubeconfig" "$@"
