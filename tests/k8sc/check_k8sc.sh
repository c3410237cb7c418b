#!/usr/bin/env bash
# k8sc, end to end: roundtrip returns every conformance object unchanged
# (JSON and YAML twin), passes unknown objects through, and validate prints
# FILE: path: message with the documented exit codes.   usage: check_k8sc.sh K8SC
set -uo pipefail
k8sc=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# expect CODE OUTFILE CMD...: runs CMD (stdout to OUTFILE, stderr to OUTFILE.err)
# and checks the exit code; has OUTFILE TEXT looks in both.
expect() {
  local code=$1 out=$2; shift 2
  "$@" >"$out" 2>"$out.err"
  local got=$?
  [ "$got" -eq "$code" ] || fail "$* exited $got, not $code: $(head -c 600 "$out" "$out.err")"
}
has() { grep -qF -- "$2" "$1" "$1.err" || fail "output lacks \"$2\": $(head -c 800 "$1" "$1.err")"; }

conf="${K8S_SHARED_DIR:-}/conformance/k8s-1.35"
if [ -d "$conf" ]; then
  n=0
  for f in "$conf"/*.json; do
    expect 0 "$work/out" "$k8sc" roundtrip "$f"
    python3 "$here/same_json.py" "$work/out" "$f" || fail "roundtrip $(basename "$f")"
    expect 0 "$work/out" "$k8sc" roundtrip "${f%.json}.yaml"
    python3 "$here/same_json.py" "$work/out" "$f" || fail "roundtrip $(basename "${f%.json}.yaml")"
    n=$((n + 1))
  done
  echo "roundtrip: $n conformance objects unchanged, from JSON and from YAML"
  # all of them in one YAML stream, from stdin: one JSON document per line
  for f in "$conf"/*.yaml; do cat "$f"; echo "---"; done >"$work/all.yaml"
  "$k8sc" roundtrip - <"$work/all.yaml" >"$work/all.out" 2>"$work/all.err" || fail "stream roundtrip: $(cat "$work/all.err")"
  python3 "$here/same_json.py" "$work/all.out" "$conf"/*.json || fail "stream roundtrip differs"
  # and validate accepts every one of them that is a manifest (a WatchEvent
  # has no apiVersion and kind: roundtrip passes it through untyped)
  expect 0 "$work/out" "$k8sc" validate $(ls "$conf"/*.json | grep -v WatchEvent)
  [ ! -s "$work/out" ] || fail "validate complains about conformance objects: $(head -c 600 "$work/out")"
else
  echo "conformance fixtures not found at $conf: skipping that part"
fi

# objects it has never seen survive
cat >"$work/cr.json" <<'JSON'
{"apiVersion":"stable.example.com/v1","kind":"CronTab","metadata":{"name":"c"},"spec":{"n":12345678901234567890,"x":[{"y":null}]}}
JSON
expect 0 "$work/out" "$k8sc" roundtrip "$work/cr.json"
has "$work/out" '{"apiVersion":"stable.example.com/v1","kind":"CronTab","metadata":{"name":"c"},"spec":{"n":12345678901234567890,"x":[{"y":null}]}}'
has "$work/out" "passed through untyped"
printf '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","futureField":{"a":1}},"spec":{"containers":[{"name":"c","image":"i","newThing":true}]},"newTop":[1]}' >"$work/future.json"
expect 0 "$work/out" "$k8sc" roundtrip "$work/future.json"
python3 "$here/same_json.py" "$work/out" "$work/future.json" || fail "unknown fields were not kept"
printf '{"metadata":{}}' >"$work/nokind.json"
expect 0 "$work/out" "$k8sc" roundtrip "$work/nokind.json"
has "$work/out" "the object has no apiVersion; passed through untyped"
expect 1 "$work/out" "$k8sc" validate "$work/nokind.json"
has "$work/out" "$work/nokind.json: the object has no apiVersion"

# validate: problems as FILE: path: message
cat >"$work/bad.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  bogus: 1
spec:
  replicas: "three"
  selector: {matchLabels: {app: web}}
  template:
    spec:
      containers:
      - image: nginx
        resources: {limits: {cpu: 12Zi}}
        ports: [{containerPort: 99999999999}]
YAML
expect 1 "$work/out" "$k8sc" validate "$work/bad.yaml"
has "$work/out" "$work/bad.yaml: metadata.bogus: warning: unknown field \"bogus\""
has "$work/out" "$work/bad.yaml: spec.replicas: expected an integer, got a string (line 7, column 13)"
has "$work/out" "$work/bad.yaml: spec.template.spec.containers[0].name: required field is missing"
has "$work/out" "$work/bad.yaml: spec.template.spec.containers[0].resources.limits.cpu: quantity \"12Zi\""
has "$work/out" "$work/bad.yaml: spec.template.spec.containers[0].ports[0].containerPort: 99999999999 is out of range for int32"

cat >"$work/good.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: a, extra: x}
data: {k: v}
---
apiVersion: example.com/v1
kind: Widget
spec: {}
YAML
expect 0 "$work/out" "$k8sc" validate "$work/good.yaml"
has "$work/out" "$work/good.yaml#1: metadata.extra: warning: unknown field \"extra\""
has "$work/out" "$work/good.yaml#2: warning: example.com/v1 Widget is not a kind of Kubernetes 1.35; not checked"
expect 1 "$work/out" "$k8sc" validate --strict "$work/good.yaml"
has "$work/out" "$work/good.yaml#1: metadata.extra: unknown field \"extra\""

printf 'a: [1, 2\n' >"$work/broken.yaml"
expect 1 "$work/out" "$k8sc" validate "$work/broken.yaml"
has "$work/out" "$work/broken.yaml: "
has "$work/out" "(line 2, column 1)"
printf '{"apiVersion":"v1","kind":"Pod",' >"$work/cut.json"
expect 1 "$work/out" "$k8sc" validate "$work/cut.json"
has "$work/out" "$work/cut.json: unexpected end of input"
expect 1 "$work/out" "$k8sc" roundtrip "$work/cut.json"
has "$work/out" "unexpected end of input"

# usage and I/O errors exit 2
expect 2 "$work/out" "$k8sc" validate "$work/does-not-exist.yaml"
has "$work/out" "cannot read"
expect 2 "$work/out" "$k8sc" validate
expect 2 "$work/out" "$k8sc" frobnicate
expect 2 "$work/out" "$k8sc"
expect 0 "$work/out" "$k8sc" --help
exit $failed
