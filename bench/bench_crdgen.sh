#!/usr/bin/env bash
# How long k8sgen takes to make the tree of every CRD in ../shared/crds
# (the target: under 5 s), and how big the tree is, next to the tree of the
# Kubernetes 1.35 OpenAPI spec made in the same run.
#   bench/bench_crdgen.sh [build/bin/k8sgen] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
k8sgen=${1:-$here/../build/bin/k8sgen}
runs=${2:-5}
shared=${K8S_SHARED_DIR:-$here/../../shared}
[ -d "$shared/crds" ] || { echo "no CRDs at $shared/crds (set K8S_SHARED_DIR)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# median wall time in ms of `k8sgen ARGS... --out DIR` over $runs fresh runs
median_ms() {
  local times=() i
  for ((i = 0; i < runs; i++)); do
    rm -rf "$work/out"
    local t0 t1
    t0=$(date +%s%N)
    "$k8sgen" "$@" --out "$work/out" >/dev/null 2>&1
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}
size() { echo "$(find "$1" -type f | wc -l) files, $(cat $(find "$1" -type f) | wc -l) lines, $(du -sk "$1" | cut -f1) KiB"; }

input_kib=$(du -sk "$shared/crds" | cut -f1)
crd_ms=$(median_ms --crd "$shared/crds")
echo "k8sgen --crd ../shared/crds (${input_kib} KiB of YAML, 25 CRDs): ${crd_ms} ms (median of $runs); tree: $(size "$work/out")"
spec=$("$here/../openapi/fetch.sh" 1.35 2>/dev/null | tail -n 1) || spec=""
if [ -n "$spec" ] && [ -f "$spec" ]; then
  spec_ms=$(median_ms --spec "$spec" --k8s-version 1.35)
  echo "k8sgen --spec k8s-1.35.json ($(( $(stat -c %s "$spec") / 1024 )) KiB): ${spec_ms} ms; tree: $(size "$work/out")"
  echo "CRDs / built-in spec: $(awk "BEGIN { printf \"%.2f\", $crd_ms / $spec_ms }")x the time"
else
  echo "(no copy of the 1.35 spec for the baseline: openapi/fetch.sh 1.35)"
fi
