#!/usr/bin/env bash
# fuzz/run.sh SECONDS [HARNESS...]: builds the libFuzzer harnesses if needed
# (clang-14, ASan+UBSan, in build-fuzz/), makes seed corpora from
# $K8S_SHARED_DIR (default ../shared) plus fuzz/seeds/, then runs each
# harness (all by default) for SECONDS on one core, one after the other.
# Prints per harness: executions, exec/s, coverage (libFuzzer's cov and
# ft), corpus size, wall and CPU seconds, and findings; exits 1 if any harness crashed, leaked,
# hung (10 s per input) or broke an invariant. Findings are left in
# build-fuzz/fuzz-work/artifacts/, logs in build-fuzz/fuzz-work/logs/.
#
# Environment: CC (default clang-14), K8S_FUZZ_BUILD (build-fuzz),
# K8S_SHARED_DIR, K8S_FUZZ_ARGS (more libFuzzer flags, e.g. -runs=10000000).
set -euo pipefail
cd "$(dirname "$0")/.."
all=(json yaml kubeconfig watch ws selector values exec_credential)
secs=${1:-}
if ! [[ "$secs" =~ ^[0-9]+$ ]]; then
  echo "usage: fuzz/run.sh SECONDS [${all[*]}]" >&2
  exit 2
fi
shift
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=("${all[@]}")

build=${K8S_FUZZ_BUILD:-build-fuzz}
shared=${K8S_SHARED_DIR:-$PWD/../shared}
cmake -S . -B "$build" -DCMAKE_C_COMPILER="${CC:-clang-14}" -DK8S_FUZZ=ON -DK8S_BUILD_TESTS=OFF \
  -DK8S_SHARED_DIR="$shared" >/dev/null
cmake --build "$build" -j2 --target fuzz >/dev/null
work=$(cd "$build" && pwd)/fuzz-work # K8S_FUZZ_BUILD may be relative or absolute

rm -rf "$work/seeds"
mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts" "$work/logs"
if [ -d "$shared" ]; then
  "$build/bin/fuzz_seeds" "$shared" "$work/seeds"
else
  echo "no $shared: seeds from fuzz/seeds/ only"
fi

dict_of() {
  case $1 in
    json | watch | exec_credential) echo fuzz/json.dict ;;
    yaml | kubeconfig | selector | values) echo "fuzz/$1.dict" ;;
  esac
}

row='%-16s %12s %8s %6s %6s %7s %8s %8s  %s\n'
printf "$row" harness executions exec/s cov ft corpus seconds cpu-s findings
failed=0
for h in "${harnesses[@]}"; do
  corpus=$work/corpus/$h
  mkdir -p "$corpus"
  inputs=("$PWD/fuzz/seeds/$h")
  [ -d "$work/seeds/$h" ] && inputs+=("$work/seeds/$h")
  args=(-max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048
        -artifact_prefix="$work/artifacts/$h-")
  dict=$(dict_of "$h")
  [ -n "$dict" ] && args+=(-dict="$PWD/$dict")
  log=$work/logs/$h.log
  rc=0
  TIMEFORMAT='%0R %0U %0S' # wall, user and system seconds: the machine may be shared
  # shellcheck disable=SC2086 # K8S_FUZZ_ARGS is a list of flags
  { time { "$build/bin/fuzz_$h" "${args[@]}" ${K8S_FUZZ_ARGS:-} "$corpus" "${inputs[@]}" \
      >"$log" 2>&1 || rc=$?; }; } 2>"$log.time"
  read -r took user sys <"$log.time"
  stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  units=$(find "$corpus" -type f | wc -l)
  findings=none
  if [ $rc -ne 0 ]; then
    findings="FAILED (exit $rc): $(grep -m1 -E 'ERROR: |invariant broken|runtime error' "$log" || echo 'see log'); log $log"
    failed=1
  fi
  printf "$row" "$h" "$(stat number_of_executed_units)" "$(stat average_exec_per_sec)" \
    "${cov:-?}" "${ft:-?}" "$units" "$took" $((user + sys)) "$findings"
done
exit $failed
