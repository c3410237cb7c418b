#!/usr/bin/env bash
# k8sgen --crd-from-cluster against the bundled test API server (which
# examples/run.sh starts with the Widget CRD installed): the tree is the one
# made from the CRD's file, but for the digest of its input; a group the
# cluster does not have is bad input (exit 2); a cluster that cannot be
# reached is exit 1.   usage: check_from_cluster.sh K8SGEN
set -uo pipefail
k8sgen=$1
run=$K8S_SOURCE_DIR/examples/run.sh
command -v node >/dev/null || { echo "SKIP: node is not installed: no test API server"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }
# every call against one server: run.sh runs this script's k8sgen calls, each
# exit status kept in a file
cat >"$work/calls.sh" <<'SH'
k8sgen=$1 work=$2
"$k8sgen" --crd-from-cluster demo.example.com --out "$work/demo" >"$work/log" 2>&1; echo $? >"$work/demo.rc"
"$k8sgen" --crd-from-cluster demo.example.com/v1 --out "$work/v1" --name demo >/dev/null 2>&1; echo $? >"$work/v1.rc"
"$k8sgen" --crd-from-cluster nothing.example.com --out "$work/none" >"$work/none.log" 2>&1; echo $? >"$work/none.rc"
"$k8sgen" --crd-from-cluster demo.example.com/v9 --out "$work/none" >/dev/null 2>&1; echo $? >"$work/v9.rc"
SH
bash "$run" bash "$work/calls.sh" "$k8sgen" "$work" >"$work/run.log" 2>&1 || fail "the test server: $(cat "$work/run.log")"
[ "$(cat "$work/demo.rc" 2>/dev/null)" = 0 ] || fail "from the cluster: $(cat "$work/log")"
diff -r -I 'sha256' "$K8S_SOURCE_DIR/examples/crd/demo" "$work/demo" >"$work/diff" ||
  fail "the cluster's Widget CRD gives another tree: $(head -n 20 "$work/diff")"
[ "$(cat "$work/v1.rc" 2>/dev/null)" = 0 ] || fail "GROUP/VERSION"
diff -r "$work/demo" "$work/v1" >/dev/null || fail "demo.example.com/v1 and demo.example.com differ"
rc=$(cat "$work/none.rc" 2>/dev/null)
[ "$rc" = 2 ] || fail "a group the cluster lacks: exit $rc"
grep -q "the cluster has no CustomResourceDefinition for nothing.example.com" "$work/none.log" ||
  fail "message: $(cat "$work/none.log")"
[ "$(cat "$work/v9.rc" 2>/dev/null)" = 2 ] || fail "a version the cluster lacks"
[ ! -e "$work/none" ] || fail "an output folder was made"
printf 'apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters: [{name: x, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: x, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: x, user: x}}]\n' >"$work/kubeconfig"
KUBECONFIG="$work/kubeconfig" "$k8sgen" --crd-from-cluster demo.example.com --out "$work/none" >"$work/down.log" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "an unreachable cluster: exit $rc"
grep -q "cannot list the cluster's CustomResourceDefinitions" "$work/down.log" || fail "message: $(cat "$work/down.log")"
[ $failed -eq 0 ] && echo "k8sgen --crd-from-cluster: the same tree as from the file"
exit $failed
