#!/usr/bin/env bash
# The version tools' speed on this machine: k8s-apidiff 1.35 1.36 (target
# under 10 s) and k8s-upgrade-check over examples/ (target under 5 s), each
# cold (empty tree cache: trees generated and parsed) and warm (models
# cached), next to a plain compile of examples/ as the baseline.
#   usage: bench/bench_versions.sh [BUILD_DIR]     (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
export K8S_TREE_CACHE
K8S_TREE_CACHE=$(mktemp -d)
trap 'rm -rf "$K8S_TREE_CACHE"' EXIT
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || [ $? -le 3 ]; t1=$(date +%s.%N); awk "BEGIN { print $t1 - $t0 }"; }
cold_diff=$(secs "$build/bin/k8s-apidiff" 1.35 1.36)
warm_diff=$(secs "$build/bin/k8s-apidiff" 1.35 1.36)
cold_check=$(secs "$build/bin/k8s-upgrade-check" --to 1.36 -p "$build" examples/*.c)
warm_check=$(secs "$build/bin/k8s-upgrade-check" --to 1.36 -p "$build" examples/*.c)
cc_time=$(secs sh -c "for f in examples/*.c; do cc -std=c11 -fsyntax-only -Igenerated/k8s-1.35/include -Iruntime/include \$f; done")
printf 'k8s-apidiff 1.35 1.36:                 %6.2f s cold, %6.2f s warm (target < 10 s)\n' "$cold_diff" "$warm_diff"
printf 'k8s-upgrade-check --to 1.36 examples/: %6.2f s cold, %6.2f s warm (target < 5 s)\n' "$cold_check" "$warm_check"
printf 'baseline: cc -fsyntax-only examples/:  %6.2f s (upgrade-check warm / cc: %.1fx)\n' "$cc_time" \
  "$(awk "BEGIN { print $warm_check / $cc_time }")"
