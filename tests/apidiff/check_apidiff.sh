#!/usr/bin/env bash
# k8s-apidiff's reports and exit codes on the real changes between pinned
# versions, and its one-line errors on bad input.   usage: check_apidiff.sh K8S_APIDIFF
set -uo pipefail
apidiff=$1
export K8S_TREE_CACHE=$K8S_BINARY_DIR/k8s-trees
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

"$apidiff" 1.33 1.36 >"$work/text" 2>"$work/err"
rc=$?
if grep -q "no copy of the Kubernetes" "$work/err"; then echo "SKIP: $(cat "$work/err")"; exit 77; fi
[ $rc -eq 1 ] || fail "1.33 -> 1.36 should exit 1 (removals), got $rc: $(cat "$work/err")"
head -n 3 "$work/text"
for want in \
  '- kind resource.k8s.io/v1alpha3 ResourceClaim (k8s_resource_v1alpha3_resource_claim): in 1.36, resource.k8s.io/v1, resource.k8s.io/v1beta2, resource.k8s.io/v1beta1 have it' \
  '- kind admissionregistration.k8s.io/v1beta1 ValidatingAdmissionPolicy (k8s_admissionregistration_v1beta1_validating_admission_policy): in 1.36, admissionregistration.k8s.io/v1 has it' \
  '- kind storagemigration.k8s.io/v1alpha1 StorageVersionMigration (k8s_storagemigration_v1alpha1_storage_version_migration): in 1.36, storagemigration.k8s.io/v1beta1 has it' \
  '- field k8s_resource_v1alpha3_device_taint_selector.deviceClassName: char *' \
  '== resource/v1alpha3' 'Group-versions removed: ' ; do
  grep -qF -- "$want" "$work/text" || fail "text report lacks: $want"
done
"$apidiff" --format json 1.33 1.36 >"$work/json" || true
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "k8s-apidiff/v1" and d["from"] == "1.33" and d["to"] == "1.36", d["from"]
rm = [x for x in d["changes"] if x["change"] == "removed" and x["what"] == "kind"]
claim = [x for x in rm if x["item"]["apiVersion"] == "resource.k8s.io/v1alpha3" and x["item"]["kind"] == "ResourceClaim"]
assert claim and claim[0]["successors"][0] == "resource.k8s.io/v1", claim
assert d["incompatible"] > 0
print("json: %d changes, %d kinds removed" % (len(d["changes"]), len(rm)))
' "$work/json" || fail "json report"
"$apidiff" --format markdown 1.34 1.35 >"$work/md" || true
grep -q '^# C API changes from Kubernetes 1.34 to 1.35' "$work/md" && grep -q '^## certificates/v1alpha1' "$work/md" ||
  fail "markdown report"
# a tree against the pinned version it was made from: nothing changed
"$apidiff" "$K8S_SOURCE_DIR/generated/k8s-1.35" 1.35 >"$work/same" || fail "generated/k8s-1.35 differs from 1.35"

expect_bad() { # want-substring args...
  local want=$1; shift
  "$apidiff" "$@" >/dev/null 2>"$work/bad.err"
  local rc=$?
  if [ $rc -ne 2 ] || [ "$(wc -l <"$work/bad.err")" -ne 1 ] || ! grep -q -- "$want" "$work/bad.err"; then
    fail "$*: exit $rc, stderr: $(cat "$work/bad.err")"
  else
    echo "ok: $(cat "$work/bad.err")"
  fi
}
expect_bad "1.20 is neither a folder nor a pinned Kubernetes version" 1.20 1.36
expect_bad "not a generated tree" "$work" 1.36
cp -r "$K8S_TREE_CACHE/k8s-1.35" "$work/odd"
sed -i 's/#define K8S_API_LAYOUT [0-9]*/#define K8S_API_LAYOUT 9/' "$work/odd/include/k8s/api_types.h"
expect_bad "made by a k8sgen of an unknown version (tree layout 9" "$work/odd" 1.36
sed -i '/K8S_API_LAYOUT/d' "$work/odd/include/k8s/api_types.h"
expect_bad "made by a k8sgen of an unknown version (include/k8s/api_types.h has no K8S_API_LAYOUT" "$work/odd" 1.36
cp -r "$K8S_TREE_CACHE/k8s-1.35" "$work/broken"
sed -i '2i int k8s_oops(;' "$work/broken/include/k8s/apps/v1.h"
expect_bad "include/k8s/apps/v1.h:2:[0-9]*: error: " "$work/broken" 1.36
expect_bad "--format takes text, json or markdown" --format yaml 1.35 1.36
printf 'not a model\n' >"$work/x.model"
expect_bad "not an API model listing" "$work/x.model" 1.36
exit $failed
