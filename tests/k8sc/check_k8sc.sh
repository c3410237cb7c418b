#!/usr/bin/env bash
# k8sc, end to end: roundtrip returns every conformance object unchanged
# (JSON and YAML twin), passes unknown objects through, and both commands
# print problems as FILE:LINE:COLUMN: PATH: MESSAGE with the documented exit
# codes.   usage: check_k8sc.sh K8SC
# (K8S_TEST_WRAPPER, e.g. valgrind, runs in front of every k8sc.)
set -uo pipefail
k8sc=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }
# Every run is bounded in time and output (20 MB), so a k8sc that loops
# fails instead of hanging or filling the disk.
run() ( ulimit -f 20480; timeout 120 ${K8S_TEST_WRAPPER:-} "$k8sc" "$@" )

# expect CODE OUTFILE ARGS...: runs k8sc ARGS (stdout to OUTFILE, stderr to
# OUTFILE.err) and checks the exit code; has OUTFILE TEXT looks in both,
# hasnt OUTFILE TEXT in neither; lines OUTFILE N counts the lines of both.
expect() {
  local code=$1 out=$2; shift 2
  run "$@" >"$out" 2>"$out.err"
  local got=$?
  [ "$got" -eq "$code" ] || fail "k8sc $* exited $got, not $code: $(head -c 600 "$out" "$out.err")"
}
has() { grep -qF -- "$2" "$1" "$1.err" || fail "output lacks \"$2\": $(head -c 800 "$1" "$1.err")"; }
hasnt() { ! grep -qF -- "$2" "$1" "$1.err" || fail "output has \"$2\": $(head -c 800 "$1" "$1.err")"; }
lines() {
  local n; n=$(cat "$1" "$1.err" | wc -l)
  [ "$n" -eq "$2" ] || fail "$n lines, not $2: $(head -c 800 "$1" "$1.err")"
}
# same LABEL OUTFILE JSONFILE...: the lines of OUTFILE must be those JSON
# documents; all such checks run in one python3 at the end.
same() { local IFS=$'\t'; echo "$*" >>"$work/checks"; }
: >"$work/checks"

conf="${K8S_SHARED_DIR:-}/conformance/k8s-1.35"
if [ -d "$conf" ]; then
  jsons=("$conf"/*.json)
  yamls=()
  for f in "${jsons[@]}"; do yamls+=("${f%.json}.yaml"); done
  # every object from its own JSON file, then from its YAML twin
  expect 0 "$work/json.out" roundtrip "${jsons[@]}"
  same "roundtrip of the JSON fixtures" "$work/json.out" "${jsons[@]}"
  expect 0 "$work/yaml.out" roundtrip "${yamls[@]}"
  same "roundtrip of the YAML fixtures" "$work/yaml.out" "${jsons[@]}"
  echo "roundtrip: ${#jsons[@]} conformance objects, from JSON and from YAML"
  # all of them in one YAML stream, from stdin: one JSON document per line
  for f in "${yamls[@]}"; do cat "$f"; echo "---"; done >"$work/all.yaml"
  run roundtrip - <"$work/all.yaml" >"$work/all.out" 2>"$work/all.err" || fail "stream roundtrip: $(cat "$work/all.err")"
  same "stream roundtrip" "$work/all.out" "${jsons[@]}"
  # and validate accepts every one of them that is a manifest (a WatchEvent
  # has no apiVersion and kind: roundtrip passes it through untyped)
  expect 0 "$work/out" validate $(ls "$conf"/*.json | grep -v WatchEvent)
  [ ! -s "$work/out" ] || fail "validate complains about conformance objects: $(head -c 600 "$work/out")"
else
  echo "conformance fixtures not found at $conf: skipping that part"
fi

# objects it has never seen survive
cat >"$work/cr.json" <<'JSON'
{"apiVersion":"stable.example.com/v1","kind":"CronTab","metadata":{"name":"c"},"spec":{"n":12345678901234567890,"x":[{"y":null}]}}
JSON
expect 0 "$work/out" roundtrip "$work/cr.json"
has "$work/out" '{"apiVersion":"stable.example.com/v1","kind":"CronTab","metadata":{"name":"c"},"spec":{"n":12345678901234567890,"x":[{"y":null}]}}'
has "$work/out" "$work/cr.json:1:1: warning: apiVersion \"stable.example.com/v1\" kind \"CronTab\" is not a kind of Kubernetes 1.35; passed through untyped"
printf '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","futureField":{"a":1}},"spec":{"containers":[{"name":"c","image":"i","newThing":true}]},"newTop":[1]}' >"$work/future.json"
expect 0 "$work/future.out" roundtrip "$work/future.json"
same "unknown fields kept" "$work/future.out" "$work/future.json"
printf '{"metadata":{}}' >"$work/nokind.json"
expect 0 "$work/out" roundtrip "$work/nokind.json"
has "$work/out" "$work/nokind.json:1:1: warning: the object has no apiVersion; passed through untyped"
expect 1 "$work/out" validate "$work/nokind.json"
has "$work/out" "$work/nokind.json:1:1: the object has no apiVersion"

# problems as FILE:LINE:COLUMN: PATH: MESSAGE, from validate (stdout) and
# roundtrip (stderr) alike
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
expect 1 "$work/out" validate "$work/bad.yaml"
has "$work/out" "$work/bad.yaml:5:3: warning: metadata.bogus: unknown field \"bogus\""
has "$work/out" "$work/bad.yaml:7:13: spec.replicas: expected an integer, got a string"
has "$work/out" "$work/bad.yaml:12:9: spec.template.spec.containers[0].name: required field is missing"
has "$work/out" "$work/bad.yaml:13:35: spec.template.spec.containers[0].resources.limits.cpu: quantity \"12Zi\": unknown suffix \"Zi\""
has "$work/out" "$work/bad.yaml:14:33: spec.template.spec.containers[0].ports[0].containerPort: 99999999999 is out of range for int32"
expect 1 "$work/out" roundtrip "$work/bad.yaml"
has "$work/out" "$work/bad.yaml:7:13: spec.replicas: expected an integer, got a string"
lines "$work/out" 1

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
expect 0 "$work/out" validate "$work/good.yaml"
has "$work/out" "$work/good.yaml:3:21: warning: metadata.extra: unknown field \"extra\""
has "$work/out" "$work/good.yaml:6:1: warning: apiVersion \"example.com/v1\" kind \"Widget\" is not a kind of Kubernetes 1.35; not checked"
expect 1 "$work/out" validate --strict "$work/good.yaml"
has "$work/out" "$work/good.yaml:3:21: metadata.extra: unknown field \"extra\""
has "$work/out" "$work/good.yaml:6:1: apiVersion \"example.com/v1\" kind \"Widget\""

printf 'a: [1, 2\n' >"$work/broken.yaml"
expect 1 "$work/out" validate "$work/broken.yaml"
has "$work/out" "$work/broken.yaml:2:1: did not find expected ',' or ']'"
expect 1 "$work/out" roundtrip "$work/broken.yaml"
has "$work/out" "$work/broken.yaml:2:1: did not find expected ',' or ']'"
printf '{"apiVersion":"v1","kind":"Pod",' >"$work/cut.json"
expect 1 "$work/out" validate "$work/cut.json"
has "$work/out" "$work/cut.json:1:33: unexpected end of input"
expect 1 "$work/out" roundtrip "$work/cut.json"
has "$work/out" "$work/cut.json:1:33: unexpected end of input"

# a kind that is not a string is said to be one
printf 'apiVersion: v1\nkind: 5\nmetadata: {name: x}\n' >"$work/kind5.yaml"
for cmd in validate roundtrip; do
  expect 1 "$work/out" $cmd "$work/kind5.yaml"
  has "$work/out" "$work/kind5.yaml:2:7: kind must be a string, got a number"
  hasnt "$work/out" "has no kind"
done

# nesting past the depth limit ends the stream: one problem, no endless loop
# (issue 8: roundtrip printed it forever, validate grew without bound)
{
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n'
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: '
  printf '%.0s[' {1..512}; printf '%.0s]' {1..512}
  printf '\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n'
} >"$work/deep.yaml"
for cmd in validate roundtrip; do
  expect 1 "$work/out" $cmd "$work/deep.yaml"
  has "$work/out" "$work/deep.yaml:8:518: nesting deeper than 512 levels"
done
lines "$work/out" 2 # roundtrip: the first ConfigMap, then the problem

# quantities written as numbers read as Kubernetes reads them
cat >"$work/numbers.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    image: i
    resources:
      requests: {cpu: 0.5, memory: 1e9}
      limits: {cpu: 2, memory: 1000, ephemeral-storage: 18446744073709551615}
YAML
expect 0 "$work/out" validate "$work/numbers.yaml"
lines "$work/out" 0
expect 0 "$work/out" roundtrip "$work/numbers.yaml"
has "$work/out" '"requests":{"cpu":"500m","memory":"1G"}' # YAML's 1e9 is the float 1000000000
has "$work/out" '"limits":{"cpu":"2","memory":"1k","ephemeral-storage":"18446744073709551615"}'
printf '{"apiVersion":"v1","kind":"LimitRange","metadata":{"name":"l"},"spec":{"limits":[{"type":"Container","max":{"cpu":2,"memory":1e9,"ephemeral-storage":12345678901234567890123},"min":{"cpu":0.001,"memory":1.5e3}}]}}' >"$work/numbers.json"
expect 0 "$work/out" validate "$work/numbers.json"
lines "$work/out" 0
expect 0 "$work/out" roundtrip "$work/numbers.json"
has "$work/out" '"max":{"cpu":"2","memory":"1e9","ephemeral-storage":"12345678901234567890123"},"min":{"cpu":"1m","memory":"1500"}'

# no objects: validate says so and fails; roundtrip prints nothing
printf '' >"$work/empty.yaml"
printf ' \n  \n\n' >"$work/blank.yaml"
printf -- '---\n' >"$work/dashes.yaml"
printf -- '# only a comment\n---\n...\n' >"$work/comment.yaml"
for f in empty blank dashes comment; do
  expect 1 "$work/out" validate "$work/$f.yaml"
  has "$work/out" "$work/$f.yaml: no objects"
  expect 0 "$work/out" roundtrip "$work/$f.yaml"
  lines "$work/out" 0
done
expect 1 "$work/out" validate "$work/good.yaml" "$work/empty.yaml"
lines "$work/out" 3

# the input limit: a list over 64 MiB goes through (issue 8: a 153 MB PodList
# was refused), and --max-input sets the limit
value=$(head -c 60000 /dev/zero | tr '\0' x)
{
  printf '{"apiVersion":"v1","kind":"ConfigMapList","metadata":{},"items":['
  for i in $(seq 1 1200); do printf '{"metadata":{"name":"c%d"},"data":{"v":"%s"}},' "$i" "$value"; done
  printf '{"metadata":{"name":"last"}}]}'
} >"$work/big.json"
expect 0 "$work/out" validate "$work/big.json"
lines "$work/out" 0
expect 2 "$work/out" validate --max-input 64Mi "$work/big.json"
has "$work/out" "k8sc: $work/big.json is larger than the input limit of 67108864 bytes (--max-input)"
expect 2 "$work/out" roundtrip --max-input=100 "$work/good.yaml"
has "$work/out" "is larger than the input limit of 100 bytes"
expect 0 "$work/out" validate --max-input 1Ki "$work/good.yaml"
expect 2 "$work/out" validate --max-input 1x "$work/good.yaml"
has "$work/out" "k8sc: --max-input: quantity \"1x\": unknown suffix \"x\""

# usage and I/O errors exit 2
expect 2 "$work/out" validate "$work/does-not-exist.yaml"
has "$work/out" "k8sc: cannot read $work/does-not-exist.yaml: No such file or directory"
expect 2 "$work/out" validate
expect 2 "$work/out" validate --frobnicate "$work/good.yaml"
expect 2 "$work/out" frobnicate
expect 2 "$work/out"
expect 0 "$work/out" --help
has "$work/out" "no objects"
has "$work/out" "--max-input SIZE"

python3 "$here/same_json.py" "$work/checks" || failed=1
exit $failed
