#!/usr/bin/env bash
# k8sgen --crd as a command: inputs (files, folders, -, JSON, Lists, other
# documents), bad input (a message naming the CRD, version and schema path,
# exit 2, the output folder untouched), determinism, rewriting an existing
# tree, and the trees compiling with gcc and clang-14 (-Wall -Wextra
# -Werror -Wpedantic) and as C++.   usage: check_crd.sh K8SGEN
set -uo pipefail
k8sgen=$1
here=$(cd "$(dirname "$0")" && pwd)
src=$K8S_SOURCE_DIR
shared=${K8S_SHARED_DIR:-$src/../shared}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# ---- bad input: "name | YAML | expected message" ----
crd() { # name group kind scope versions-yaml
  printf 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: %s.%s\nspec:\n  group: %s\n  scope: %s\n  names:\n    kind: %s\n    plural: %s\n  versions:\n%s\n' \
    "$3" "$2" "$2" "$4" "$1" "$3" "$5"
}
version() { # name schema-yaml (indented 8)
  printf '  - name: %s\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n%s\n' "$1" "$2"
}
S='        type: object
        properties:
          spec:
            type: object
            properties:'
mkdir -p "$work/out/keep"
echo "mine" >"$work/out/keep/file.txt"
before=$(cd "$work" && find . | sort)
expect_error() {
  local name=$1 want=$2; shift 2
  "$k8sgen" "$@" --out "$work/out/tree" >"$work/$name.log" 2>&1
  local rc=$?
  if [ $rc -ne 2 ]; then
    fail "$name: exit status $rc, not 2: $(cat "$work/$name.log")"
  elif ! grep -qF -- "$want" "$work/$name.log"; then
    fail "$name: message lacks \"$want\": $(cat "$work/$name.log")"
  else
    echo "ok: $name: $(grep -F -- "$want" "$work/$name.log" | head -n 1)"
  fi
  local after
  after=$(cd "$work" && find . ! -name '*.log' ! -name '*.yaml' | sort)
  [ "$after" = "$(echo "$before" | grep -v '\.yaml$')" ] || fail "$name: the output folder changed: $after"
}
bad() { # name expected-message crd-yaml
  printf '%s\n' "$3" >"$work/$1.yaml"
  expect_error "$1" "$2" --crd "$work/$1.yaml"
}
bad no_type 'CRD things.a.example.com, version v1, schema .spec.size: not a structural schema: no type' \
  "$(crd Thing a.example.com things Namespaced "$(version v1 "$S
              size: {description: no type}")")"
bad unknown_type 'CRD things.a.example.com, version v2, schema .spec.items[*]: unknown type "frobnicate"' \
  "$(crd Thing a.example.com things Namespaced "$(version v2 "$S
              items: {type: array, items: {type: frobnicate}}")")"
bad ref 'CRD things.a.example.com, version v1, schema .spec.other: $ref is not allowed' \
  "$(crd Thing a.example.com things Namespaced "$(version v1 "$S
              other: {\$ref: '#/definitions/Other'}")")"
bad junctor_type 'schema .spec.x: not a structural schema: "type" inside a junctor' \
  "$(crd Thing a.example.com things Namespaced "$(version v1 "$S
              x: {type: string, anyOf: [{type: string}, {type: integer}]}")")"
bad junctor_property 'schema .spec.x: not a structural schema: property "b" inside a junctor is not declared outside it' \
  "$(crd Thing a.example.com things Namespaced "$(version v1 "$S
              x: {type: object, properties: {a: {type: string}}, oneOf: [{properties: {b: {}}}]}")")"
bad props_and_map 'schema .spec.x: not a structural schema: properties and additionalProperties together' \
  "$(crd Thing a.example.com things Namespaced "$(version v1 "$S
              x: {type: object, properties: {a: {type: string}}, additionalProperties: {type: string}}")")"
bad list_map_keys 'schema .spec.l: x-kubernetes-list-map-keys names id, not a property of the items' \
  "$(crd Thing a.example.com things Namespaced "$(version v1 "$S
              l: {type: array, x-kubernetes-list-type: map, x-kubernetes-list-map-keys: [id], items: {type: object, properties: {name: {type: string}}}}")")"
bad no_schema 'CRD things.a.example.com, version v1: no schema' \
  "$(crd Thing a.example.com things Namespaced '  - name: v1
    served: true
    storage: true')"
bad root_not_object 'version v1, schema (root): not a structural schema: the root must be of type object' \
  "$(crd Thing a.example.com things Namespaced "$(version v1 '        type: string')")"
bad int_or_string_typed 'schema .spec.p: not a structural schema: x-kubernetes-int-or-string with type string' \
  "$(crd Thing a.example.com things Namespaced "$(version v1 "$S
              p: {type: string, x-kubernetes-int-or-string: true}")")"
bad scope 'spec.scope "Galaxy" is neither Namespaced nor Cluster' \
  "$(crd Thing a.example.com things Galaxy "$(version v1 '        type: object')")"
# conflicting names: two CRDs for one kind; two kinds, one C name; one CRD twice, differently
printf '%s\n---\n%s\n' "$(crd Thing a.example.com things Namespaced "$(version v1 '        type: object')")" \
  "$(crd Thing a.example.com others Namespaced "$(version v1 '        type: object')")" >"$work/same_kind.yaml"
expect_error same_kind 'conflicting names: CRD others.a.example.com (' --crd "$work/same_kind.yaml"
printf '%s\n---\n%s\n' "$(crd HTTPRoute a.example.com httproutes Namespaced "$(version v1 '        type: object')")" \
  "$(crd HttpRoute a.example.com httproutez Namespaced "$(version v1 '        type: object')")" >"$work/same_c.yaml"
expect_error same_c_name 'conflicting names: kind HttpRoute of a.example.com/v1 and HTTPRoute of httproutes.a.example.com make the same C name k8s_a_example_com_v1_http_route' \
  --crd "$work/same_c.yaml"
printf '%s\n' "$(crd Thing a.example.com things Namespaced "$(version v1 '        type: object')")" >"$work/twice1.yaml"
printf '%s\n' "$(crd Thing a.example.com things Cluster "$(version v1 '        type: object')")" >"$work/twice2.yaml"
expect_error defined_twice 'CRD things.a.example.com: conflicting names:' --crd "$work/twice1.yaml" "$work/twice2.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' >"$work/none.yaml"
expect_error no_crd 'no CustomResourceDefinition in the input' --crd "$work/none.yaml"
printf 'apiVersion: v1\nkind: [\n' >"$work/broken.yaml"
expect_error broken_yaml "broken.yaml, document 1:" --crd "$work/broken.yaml"
expect_error missing_file 'cannot read /nonexistent/crds.yaml' --crd /nonexistent/crds.yaml
expect_error bad_name 'would make k8s/client.h' --crd "$here/features.yaml" --name client
expect_error map_nowhere '--map: CRD Gadget.spec.nothing=core/v1.Pod: no served version of a CRD of kind Gadget has an object schema at spec.nothing' \
  --crd "$here/features.yaml" --map Gadget.spec.nothing=core/v1.Pod
expect_error map_scalar '--map Gadget.spec.mode=core/v1.Pod: the schema there is a string, not an object' \
  --crd "$here/features.yaml" --map Gadget.spec.mode=core/v1.Pod
expect_error map_syntax '--map Gadget=x: write' --crd "$here/features.yaml" --map Gadget=x
"$k8sgen" --crd >/dev/null 2>&1; [ $? -eq 2 ] || fail "--crd without a path should exit 2"
[ -z "$(ls -A "$work/out" | grep -v keep)" ] || fail "something was left in the output's folder: $(ls -A "$work/out")"

# ---- inputs ----
"$k8sgen" --crd "$here/features.yaml" --out "$work/a" >"$work/a.log" 2>&1 || fail "features.yaml: $(cat "$work/a.log")"
grep -q 'note: .*features.yaml, document 2: v1 ConfigMap not-a-crd is not a CustomResourceDefinition; skipped' "$work/a.log" ||
  fail "no note for the ConfigMap: $(cat "$work/a.log")"
grep -q '4 CustomResourceDefinitions: .* 10 kinds' "$work/a.log" || fail "summary: $(cat "$work/a.log")"
"$k8sgen" --crd - --out "$work/b" --name a <"$here/features.yaml" >/dev/null 2>&1 || fail "standard input"
diff -r "$work/a" "$work/b" >"$work/diff" || fail "stdin and file give different trees: $(head "$work/diff")"
"$k8sgen" --crd "$here/features.yaml" --out "$work/c" --name a >/dev/null 2>&1
diff -r "$work/a" "$work/c" >/dev/null || fail "two runs differ"
h="$work/a/include/k8s/features_k8sgen_test/v1.h"
grep -q 'Generated by k8sgen from 4 CustomResourceDefinitions (sha256 [0-9a-f]\{64\}). DO NOT EDIT.' "$h" || fail "banner"
for want in 'Default: {"note":"\* / not the end","retries":3}' 'must not end a C comment \* / or start one / \*' \
            '#define K8S_FEATURES_K8SGEN_TEST_V1_GADGET_SPEC_MODE_WITH_DASH "with-dash"' \
            'At .spec.servers\[\*\].' 'null_maybeCount marks an explicit null'; do
  grep -q -- "$want" "$h" || fail "header lacks: $want"
done
! grep -q 'v1alpha1' "$work/a/include/k8s/a.h" "$work/a/include/k8s/a_types.h" || fail "an unserved version was generated"
! grep -q 'k8s_features_k8sgen_test_v1beta1_gadget_status_get' "$work/a/include/k8s/features_k8sgen_test/v1beta1_api.h" ||
  fail "a version without the status subresource has status calls"
grep -q 'k8s_features_k8sgen_test_v1_gadget_scale_replace' "$work/a/include/k8s/features_k8sgen_test/v1_api.h" || fail "no scale calls"
# the types headers need no client: k8s::<name>_types is on k8s::api_types alone
! grep -l '#include "k8s/client.h"\|#include ".*_api.h"' "$work/a/include/k8s/a_types.h" $(find "$work/a/include/k8s" -mindepth 2 -name '*.h' ! -name '*_api.h') ||
  fail "a types header includes a calls or client header"
# a folder (recursively) and a JSON List give the same types
mkdir -p "$work/folder/sub/deeper"
cp "$here/features.yaml" "$work/folder/sub/deeper/x.yml"
echo "not yaml: [" >"$work/folder/sub/README.md" # not a manifest's name: not read
"$k8sgen" --crd "$work/folder" --out "$work/d" --name a >/dev/null 2>&1 || fail "folder"
diff -r "$work/a" "$work/d" >/dev/null || fail "a folder gives another tree"
"$k8sgen" --crd "$here/list.json" --out "$work/e" >"$work/e.log" 2>&1 || fail "JSON List: $(cat "$work/e.log")"
grep -q 'k8s_demo_example_com_v1_gizmo_spec' "$work/e/include/k8s/demo_example_com/v1.h" || fail "JSON List: no Gizmo"
# --map with a qualified kind and an OpenAPI name: the built-in struct, only there
"$k8sgen" --crd "$here/features.yaml" --out "$work/m" \
  --map features.k8sgen.test/v1/Gadget.spec.template=io.k8s.api.core.v1.ConfigMap >"$work/m.log" 2>&1 || fail "--map: $(cat "$work/m.log")"
grep -q 'k8s_core_v1_config_map \*template_;' "$work/m/include/k8s/features_k8sgen_test/v1.h" || fail "--map: no built-in type"
grep -q '#include "k8s/core/v1.h"' "$work/m/include/k8s/features_k8sgen_test/v1.h" || fail "--map: no built-in header"
! grep -q 'gadget_spec_template' "$work/m/include/k8s/features_k8sgen_test/v1.h" || fail "--map: the structural type is still made"
# names that collide: resolved, and the tree compiles (below)
"$k8sgen" --crd "$here/names.yaml" --out "$work/n" >"$work/n.log" 2>&1 || fail "names.yaml: $(cat "$work/n.log")"
for want in 'struct k8s_names_k8sgen_test_v1_int_or_string_2 {' 'struct k8s_names_k8sgen_test_v1_int_or_string_list_2 {' \
            'struct k8s_names_k8sgen_test_v1_int_or_string_spec_desc_2 {' 'struct k8s_names_k8sgen_test_v1_int_or_string_spec_fields_2 {' \
            'struct k8s_names_k8sgen_test_v1_int_or_string_status_get_2 {' 'struct k8s_names_k8sgen_test_v1_int_or_string_2_entry {'; do
  grep -q "$want" "$work/n/include/k8s/names_k8sgen_test/v1.h" || fail "names.yaml: no $want"
done
# a deprecated version: its kind, list and calls carry the API server's warning as
# K8S_DEPRECATED marks (the CRD's deprecationWarning, else "group/version Kind is
# deprecated"); the tree compiles clean, a user's use of them warns
crd Widget dep.example.com widgets Namespaced "$(version v1 "$S
              size: {type: integer}")
$(version v1beta1 "$S
              size: {type: integer}" | sed 's/storage: true/storage: false\n    deprecated: true\n    deprecationWarning: "dep.example.com\/v1beta1 Widget is deprecated; use dep.example.com\/v1 Widget"/')
$(version v1alpha1 "$S
              size: {type: integer}" | sed 's/storage: true/storage: false\n    deprecated: true/')" >"$work/dep.yaml"
"$k8sgen" --crd "$work/dep.yaml" --out "$work/dep" >"$work/dep.log" 2>&1 || fail "dep.yaml: $(cat "$work/dep.log")"
for v in v1beta1 v1alpha1; do
  want="dep.example.com/$v Widget is deprecated"
  [ $v = v1beta1 ] && want="$want; use dep.example.com/v1 Widget"
  grep -q "K8S_DEPRECATED(\"$want\")" "$work/dep/include/k8s/dep_example_com/$v.h" || fail "$v: no mark on the kind: $want"
  grep -q "k8s_dep_example_com_${v}_widget_get(.*K8S_DEPRECATED(\"$want\")\|K8S_DEPRECATED(\"$want\").*k8s_dep_example_com_${v}_widget_get(" \
    "$work/dep/include/k8s/dep_example_com/${v}_api.h" || fail "$v: no mark on the calls"
done
! grep -q K8S_DEPRECATED "$work/dep/include/k8s/dep_example_com/v1.h" "$work/dep/include/k8s/dep_example_com/v1_api.h" ||
  fail "v1 is not deprecated but has marks"
printf '#include "k8s/dep_example_com/v1beta1_api.h"\nint main(void) { k8s_dep_example_com_v1beta1_widget w = {0}; (void)w; return 0; }\n' >"$work/dep_use.c"
if gcc -std=c11 -Wall -Werror -fsyntax-only -I"$work/dep/include" -I"$src/runtime/include" \
     -I"${K8S_TREE_DIR:-$src/generated/k8s-1.35}/include" "$work/dep_use.c" 2>"$work/dep_use.log"; then
  fail "using a deprecated version's kind does not warn"
else
  grep -q "deprecated.*dep.example.com/v1beta1 Widget is deprecated; use" "$work/dep_use.log" ||
    fail "the warning lacks the notice: $(head -n 5 "$work/dep_use.log")"
fi
# rewriting a tree: unchanged files keep their time, stale generated files go, others stay
touch -d '2000-01-01' "$work/a/src/features_k8sgen_test_v1.c"
echo "/* Generated by k8sgen ... DO NOT EDIT. */" >"$work/a/src/gone_v9.c"
echo "hand-written" >"$work/a/src/mine.c"
"$k8sgen" --crd "$here/features.yaml" --out "$work/a" >/dev/null 2>&1 || fail "rewrite"
[ "$(stat -c %Y "$work/a/src/features_k8sgen_test_v1.c")" -lt 1000000000 ] || fail "an unchanged file was rewritten"
[ ! -e "$work/a/src/gone_v9.c" ] || fail "a stale generated file was kept"
[ -e "$work/a/src/mine.c" ] || fail "a file k8sgen did not make was removed"
rm -f "$work/a/src/mine.c"
ls -a "$work" | grep -q 'k8sgen-' && fail "a temporary folder was left: $(ls -a "$work")"

# ---- the trees compile ----
compile() { # tree
  local tree=$1 inc="-I$1/include -I$src/runtime/include -I${K8S_TREE_DIR:-$src/generated/k8s-1.35}/include"
  for cc in gcc clang-14; do
    command -v $cc >/dev/null || { echo "note: $cc not installed"; continue; }
    for f in "$tree"/src/*.c; do
      $cc -std=c11 -Wall -Wextra -Werror -Wpedantic -c $inc "$f" -o "$work/o.o" 2>"$work/cc.log" ||
        { fail "$cc $f: $(head -n 20 "$work/cc.log")"; return; }
    done
  done
  local umbrella
  umbrella=$(ls "$tree"/include/k8s/*.h | head -n 1)
  for cxx in g++ clang++-14; do
    command -v $cxx >/dev/null || continue
    echo "#include \"$umbrella\"
int main() { return 0; }" >"$work/cxx.cc"
    $cxx -std=c++11 -Wall -Wextra -Werror -fsyntax-only $inc "$work/cxx.cc" 2>"$work/cxx.log" ||
      fail "$cxx: the headers of $tree are not C++: $(head -n 10 "$work/cxx.log")"
  done
}
compile "$work/a"
compile "$work/m"
compile "$work/n"
compile "$work/dep"
if [ -d "$shared/crds" ]; then
  start=$(date +%s%N)
  "$k8sgen" --crd "$shared/crds" --out "$work/shared" >"$work/shared.log" 2>&1 || fail "../shared/crds: $(cat "$work/shared.log")"
  end=$(date +%s%N)
  grep -q 'ValidatingAdmissionPolicy safe-upgrades.gateway.networking.k8s.io is not a CustomResourceDefinition; skipped' \
    "$work/shared.log" || fail "no note for the ValidatingAdmissionPolicy"
  echo "../shared/crds: $(tail -n 1 "$work/shared.log" | sed 's/ in .*//'), $(find "$work/shared" -type f | wc -l) files," \
       "$(cat $(find "$work/shared" -type f) | wc -l) lines, generated in $(( (end - start) / 1000000 )) ms"
  compile "$work/shared"
else
  echo "note: no $shared/crds: the real CRDs were not compiled here"
fi
exit $failed
