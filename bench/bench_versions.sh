#!/usr/bin/env bash
# The version tools' speed on this machine: k8s-apidiff 1.35 1.36 (target
# under 10 s) and k8s-upgrade-check over examples/ (target under 5 s), each
# cold (empty tree cache: trees generated and parsed) and warm (models
# cached), next to a plain compile of examples/ as the baseline; then
# k8sc check (the knowledge of every pinned version is loaded each run)
# next to k8sc validate over the same manifests.
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

# k8sc check: wall and CPU (user + system) milliseconds a run, averaged
# over several (CPU time is the steadier figure on a shared machine)
ms() { local n=$1 TIMEFORMAT='%R %U %S' t; shift
  t=$( { time for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 || [ $? -le 3 ]; done; } 2>&1 )
  awk -v n="$n" '{ printf "%6.1f ms wall, %5.1f ms CPU", $1 / n * 1000, ($2 + $3) / n * 1000 }' <<<"$t"; }
k8sc=$build/bin/k8sc
versions=$(awk '/^[0-9]/ { print $1 }' openapi/versions.txt | paste -sd' ')
printf 'k8sc check, one object:               %s (mostly loading what it knows of %s)\n' \
  "$(ms 20 "$k8sc" check --to 1.36 tests/k8sc/check/manifests/whoami.yml)" "$versions"
printf 'k8sc validate, one object (baseline): %s\n' "$(ms 20 "$k8sc" validate tests/k8sc/check/manifests/app/service.yaml)"
printf 'k8sc check, tests/k8sc/check/manifests:  %s\n' "$(ms 20 "$k8sc" check --to 1.36 tests/k8sc/check/manifests)"
conf="${K8S_SHARED_DIR:-../shared}/conformance/k8s-1.35"
if [ -d "$conf" ]; then
  n=$(ls "$conf"/*.yaml | wc -l)
  printf 'k8sc check, %d conformance YAML files:    %s\n' "$n" "$(ms 5 "$k8sc" check --to 1.36 "$conf"/*.yaml)"
  printf 'k8sc validate, the same (baseline):      %s\n' "$(ms 5 "$k8sc" validate "$conf"/*.yaml)"
fi
