#!/usr/bin/env bash
# Every pinned spec generates a tree that compiles with warnings as errors
# (as C11), and where Kubernetes' conformance fixtures exist for the version
# (1.34, 1.35), its types round-trip all of them. The version this build is
# for (K8S_KUBE_VERSION) is left out: the build itself compiles its tree and
# the conformance test runs its fixtures. The other trees are compiled in one
# project, k8s::core once, in parallel, and kept in the build folder, so a
# second run recompiles only what changed.
#   usage: check_specs.sh K8SGEN
set -euo pipefail
. "$(dirname "$0")/lib.sh"
k8sgen=$1
work="$K8S_BINARY_DIR/spec-trees"
mkdir -p "$work"
trees=()
for v in $(awk '!/^#/ && NF { print $1 }' "$K8S_SOURCE_DIR/openapi/versions.txt"); do
  [ "$v" != "${K8S_KUBE_VERSION:-}" ] || continue
  spec=$(spec_for "$v") || exit $? # 77 (skipped) with the reason, or 1 on a bad copy
  "$k8sgen" --spec "$spec" --out "$work/k8s-$v" >/dev/null
  trees+=("$work/k8s-$v")
done
trees_arg=$(IFS=';'; echo "${trees[*]}")
cmake -S "$K8S_SOURCE_DIR/tests/tree/project" -B "$work/build" "-DTREES=$trees_arg" \
      -DK8S_SOURCE_DIR="$K8S_SOURCE_DIR" -DCMAKE_BUILD_TYPE= >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; echo "the spec trees' project does not configure"; exit 1; }
cmake --build "$work/build" -j2 >"$work/build.log" 2>&1 ||
  { grep -E 'error|warning' "$work/build.log" | head -n 40; echo "a generated tree does not build (log: $work/build.log)"; exit 1; }
for tree in "${trees[@]}"; do
  v=${tree##*/k8s-}
  if [ -d "${K8S_SHARED_DIR:-/nonexistent}/conformance/k8s-$v" ]; then
    "$work/build/conformance-$v" >"$work/conformance-$v.log" 2>&1 ||
      { cat "$work/conformance-$v.log"; echo "Kubernetes $v conformance failed"; exit 1; }
    echo "Kubernetes $v: generated, compiled with -Werror, $(grep -o '[0-9]* fixtures, 0 failed' "$work/conformance-$v.log")"
  else
    echo "Kubernetes $v: generated and compiled with -Werror (no conformance fixtures for it)"
  fi
done
