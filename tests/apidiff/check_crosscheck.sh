#!/usr/bin/env bash
# The libclang view of the C API and the generator's agree: for every pinned
# version the model k8s-apidiff reads from the generated tree's headers is
# the listing k8sgen --dump-model prints, and for every consecutive pair
# (1.32 -> 1.33 -> ... ) the two diffs are the same, every removed and added
# kind, function and field.   usage: check_crosscheck.sh K8S_APIDIFF K8SGEN
set -uo pipefail
apidiff=$1 k8sgen=$2
. "$K8S_SOURCE_DIR/tests/tree/lib.sh"
export K8S_TREE_CACHE=$K8S_BINARY_DIR/k8s-trees
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
versions=$(awk '!/^#/ && NF { print $1 }' "$K8S_SOURCE_DIR/openapi/versions.txt")
prev=
for v in $versions; do
  spec=$(spec_for "$v")
  "$k8sgen" --spec "$spec" --dump-model >"$work/gen-$v.model" || { echo "k8sgen --dump-model $v failed"; exit 1; }
  "$apidiff" --dump "$v" >"$work/clang-$v.model" || { echo "k8s-apidiff --dump $v failed"; exit 1; }
  if ! diff "$work/gen-$v.model" "$work/clang-$v.model" >"$work/d"; then
    echo "FAIL: $v: libclang reads another API than k8sgen made:"; head -n 20 "$work/d"; failed=1
  fi
  if [ -n "$prev" ]; then
    "$apidiff" --format json "$work/gen-$prev.model" "$work/gen-$v.model" >"$work/gen.json"
    "$apidiff" --format json "$prev" "$v" >"$work/clang.json"
    if ! diff "$work/gen.json" "$work/clang.json" >/dev/null; then
      echo "FAIL: $prev -> $v: the diffs differ"; diff "$work/gen.json" "$work/clang.json" | head -n 20; failed=1
    else
      python3 - "$work/clang.json" "$prev" "$v" <<'PY'
import json, sys, collections
d = json.load(open(sys.argv[1]))
c = collections.Counter((x["change"], x["what"]) for x in d["changes"])
print(f'{sys.argv[2]} -> {sys.argv[3]}: agree on ' + ", ".join(
    f'{c[(ch, w)]} {w}s {ch}' for w in ("kind", "function", "member") for ch in ("removed", "added")))
PY
    fi
  fi
  prev=$v
done
exit $failed
