#!/usr/bin/env bash
# The operator at work (README, "Writing a controller"), against the test
# server that examples/run.sh starts:
#
#   examples/run.sh examples/operator/demo.sh build/bin
#
# Two replicas of configmapsync elect a leader. The demo makes a source
# ConfigMap and a ConfigMapSync and watches the copies follow; then the
# leader is stopped (it hands the Lease over) and the other replica carries
# on: retarget, repair, a failure and its recovery, Events, deletion.
set -euo pipefail
bin=$(cd "${1:?usage: demo.sh BINDIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
logs=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$logs"
}
trap cleanup EXIT

for r in replica-1 replica-2; do
  "$bin/configmapsync" --install-crd "$here/configmapsync.yaml" --identity "$r" >"$logs/$r.log" 2>&1 &
  pids+=($!)
done
"$bin/configmapsync_demo" setup
leader=$("$bin/configmapsync_demo" leader)
echo "leader: $leader; stopping it"
i=$((${leader#replica-} - 1))
kill -TERM "${pids[$i]}"
wait "${pids[$i]}"
"$bin/configmapsync_demo" finish
kill -TERM "${pids[$((1 - i))]}"
wait "${pids[$((1 - i))]}" || true
for r in replica-1 replica-2; do sed "s/^/[$r] /" "$logs/$r.log"; done
