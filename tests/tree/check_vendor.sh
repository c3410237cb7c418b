#!/usr/bin/env bash
# Vendoring works as README.md says: a project holding only copies of
# runtime/ and generated/k8s-1.35/, with two add_subdirectory lines, builds
# a program that decodes a Pod; one more line adds a tree of custom
# resources (examples/crd/demo) for a program that decodes a Widget.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/app/third_party"
cp -r "$K8S_SOURCE_DIR/runtime" "$work/app/third_party/runtime"
cp -r "$K8S_SOURCE_DIR/generated/k8s-1.35" "$work/app/third_party/k8s-1.35"
cp -r "$K8S_SOURCE_DIR/examples/crd/demo" "$work/app/third_party/demo-crds"
cp "$K8S_SOURCE_DIR/tests/tree/vendor/CMakeLists.txt" "$K8S_SOURCE_DIR/tests/tree/vendor/main.c" \
   "$K8S_SOURCE_DIR/tests/tree/vendor/widget.c" "$work/app/"
cmake -S "$work/app" -B "$work/build" >"$work/log" 2>&1 && cmake --build "$work/build" -j2 >>"$work/log" 2>&1 || { cat "$work/log"; exit 1; }
out=$("$work/build/pod_phase")
echo "$out"
[ "$out" = "demo/web: Running, image nginx:1.27" ]
out=$("$work/build/widget_size")
echo "$out"
[ "$out" = "gizmo: size 3, color blue" ]
