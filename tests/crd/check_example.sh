#!/usr/bin/env bash
# The committed example tree (examples/crd/demo) is exactly what k8sgen
# makes from examples/crd/widgets.yaml today.   usage: check_example.sh K8SGEN
set -euo pipefail
k8sgen=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$k8sgen" --crd "$K8S_SOURCE_DIR/examples/crd/widgets.yaml" --out "$work/demo" >/dev/null
if ! diff -r "$K8S_SOURCE_DIR/examples/crd/demo" "$work/demo" >"$work/diff"; then
  echo "examples/crd/demo is stale: regenerate it (README.md, Custom resources). First differences:"
  head -n 40 "$work/diff"
  exit 1
fi
echo "examples/crd/demo is up to date"
