#!/usr/bin/env bash
# Every pinned spec generates a tree that compiles with -Wall -Wextra -Werror
# (as C11); where Kubernetes' conformance fixtures exist for the version
# (1.34, 1.35), the tree generated here must round-trip all of them.
#   usage: check_specs.sh K8SGEN
set -euo pipefail
. "$(dirname "$0")/lib.sh"
k8sgen=$1
work="$K8S_BINARY_DIR/spec-trees"
mkdir -p "$work"
versions=$(awk '!/^#/ && NF { print $1 }' "$K8S_SOURCE_DIR/openapi/versions.txt")
for v in $versions; do
  spec=$(spec_for "$v")
  "$k8sgen" --spec "$spec" --out "$work/k8s-$v"
  cmake -S "$K8S_SOURCE_DIR/tests/tree/project" -B "$work/build-$v" -DTREE="$work/k8s-$v" \
        -DK8S_SOURCE_DIR="$K8S_SOURCE_DIR" -DCMAKE_BUILD_TYPE=Debug >/dev/null
  cmake --build "$work/build-$v" -j2 >"$work/build-$v.log" 2>&1 || { tail -n 40 "$work/build-$v.log"; echo "Kubernetes $v tree does not build"; exit 1; }
  if [ -d "${K8S_SHARED_DIR:-/nonexistent}/conformance/k8s-$v" ]; then
    "$work/build-$v/conformance" >"$work/conformance-$v.log" 2>&1 || { cat "$work/conformance-$v.log"; echo "Kubernetes $v conformance failed"; exit 1; }
    echo "Kubernetes $v: generated, compiled with -Werror, $(grep -o '[0-9]* fixtures, 0 failed' "$work/conformance-$v.log")"
  else
    echo "Kubernetes $v: generated and compiled with -Werror (no conformance fixtures for it)"
  fi
done
