#!/usr/bin/env bash
# k8sc check on manifests written against 1.32 to 1.35 that use the real
# removals between the pinned versions (check/manifests/): each run's
# standard output, standard error (as "stderr: " lines) and exit status must
# be exactly check/expected/NAME.txt. K8S_UPDATE_EXPECTED=1 rewrites those
# files instead; K8S_TEST_WRAPPER (valgrind in .ci/run) runs k8sc under it.
#   usage: check_check.sh K8SC
set -uo pipefail
k8sc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)/check
read -r -a wrapper <<<"${K8S_TEST_WRAPPER:-}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$here" || exit 1 # file names in the reports are relative to it
failed=0

# run NAME [< FILE] ARGS...: k8sc check ARGS, compared with expected/NAME.txt
run() {
  local name=$1 input=/dev/null
  shift
  if [ "$1" = "<" ]; then input=$2; shift 2; fi
  "${wrapper[@]}" "$k8sc" check "$@" <"$input" >"$work/out" 2>"$work/err"
  local rc=$?
  { cat "$work/out"; sed 's/^/stderr: /' "$work/err"; echo "exit $rc"; } >"$work/$name.txt"
  if [ -n "${K8S_UPDATE_EXPECTED:-}" ]; then
    cp "$work/$name.txt" "expected/$name.txt"
  elif ! diff -u "expected/$name.txt" "$work/$name.txt"; then
    echo "FAIL: k8sc check $* differs from expected/$name.txt"
    failed=1
  fi
}

# A k8sc built without the pinned specs says so, in one line, and exits 2.
"$k8sc" check manifests/whoami.yml >"$work/out" 2>"$work/err"
rc=$?
if grep -q "was built without the specs" "$work/err"; then
  if [ $rc -eq 2 ] && [ "$(wc -l <"$work/err")" -eq 1 ] && [ ! -s "$work/out" ]; then
    echo "SKIP: $(cat "$work/err")"
    exit 77
  fi
  echo "FAIL: without specs: exit $rc, $(cat "$work/out" "$work/err")"
  exit 1
fi

# every kind of finding, through folders (recursively), YAML streams and JSON
run to-1.36 --to 1.36 manifests
# the same manifests for 1.34: what 1.35 removes becomes a warning, what is
# newer than 1.34 is unknown to it
run to-1.34 --to 1.34 manifests
run stdin "<" manifests/scheduling/workload.yaml --to=1.36 -
run newest-by-default manifests/whoami.yml manifests/storage-migration.json
run deprecations-only --to 1.36 manifests/legacy manifests/app/service.yaml
run clean --to 1.36 manifests/app/service.yaml manifests/app/revision.yaml manifests/future-pod.yaml

# bad input: one line on standard error, nothing on standard output, exit 2
run bad-missing-file --to 1.36 manifests/app/service.yaml manifests/nowhere.yaml
run bad-yaml --to 1.36 bad/broken.yaml
run bad-json --to 1.36 bad/cut.json
run bad-duplicate-key --to 1.36 bad/dupkey.yaml
run bad-in-folder --to 1.36 manifests/legacy bad
run bad-version --to 1.99 manifests/whoami.yml
run bad-no-version --to
run bad-option --strict manifests/whoami.yml
run bad-no-files --to 1.36
for f in expected/bad-*.txt; do
  [ "$(grep -vc '^stderr: \|^exit 2$' "$f")" -eq 0 ] && [ "$(grep -c '^stderr: ' "$f")" -eq 1 ] ||
    { echo "FAIL: $f is not one line on standard error and exit 2"; failed=1; }
done
exit $failed
