#!/usr/bin/env bash
# k8sgen on small hand-written specs: a valid one whose tree must compile
# as C and C++ and behave (widget.c), and broken ones that must fail with a
# message naming the definition.
#   usage: check_snippets.sh K8SGEN
set -uo pipefail
k8sgen=$1
here=$(cd "$(dirname "$0")" && pwd)
src=$K8S_SOURCE_DIR
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# --- the valid snippet
if "$k8sgen" --spec "$here/widget.json" --out "$work/tree" --k8s-version 0.1 >"$work/out" 2>&1; then
  h="$work/tree/include/k8s/demo/v1.h"
  for want in 'char \*_ref;' 'bool has_default_;' 'char \*namespace_;' 'char \*linux_;' \
              'int32_t x_kubernetes_thing;' 'bool has_count;' 'k8s_bytes blob;' \
              'k8s_int_or_string port;' 'char \*\*tags;' 'size_t tags_len;' \
              'k8s_demo_v1_part \*parts;' 'k8s_string_entry \*labels;' \
              'k8s_demo_v1_part_entry \*byName;' 'k8s_string_list_entry \*lists;' \
              '/\*\* Name names it. More text that is left out. \*/' '/\*\* A comment with \* / inside it. \*/' \
              '/\*\* Widget is a test object with every kind of field. It has a second sentence. \*/' \
              '#include "k8s/meta/v1.h"'; do
    grep -q -- "$want" "$h" || fail "header lacks: $want"
  done
  grep -q 'K8S_VALUE(k8s_demo_v1_widget, name, "name", K8S_KIND_STRING, K8S_FIELD_REQUIRED, NULL)' \
    "$work/tree/src/demo_v1.c" || fail "name is not marked required"
  # deprecation marks: what the spec says of itself, not mentions of others
  for want in 'char *oldName K8S_DEPRECATED("Deprecated: use name instead.");' \
              'int32_t legacy K8S_DEPRECATED("DEPRECATED: a \"quoted\" notice?\? with a trigraph.");' \
              'typedef struct k8s_demo_v1_old k8s_demo_v1_old K8S_DEPRECATED("Deprecated: This API is deprecated in v0.2+.");'; do
    grep -qF -- "$want" "$h" || fail "header lacks: $want"
  done
  grep -E 'policy|deprecatedCount;' "$h" | grep -q K8S_DEPRECATED && fail "a mention of deprecation was taken for a mark"
  grep -q 'DO NOT EDIT' "$h" || fail "no banner"

  grep -q "$(sha256sum "$here/widget.json" | cut -d' ' -f1)" "$h" || fail "banner lacks the spec sha256"
  inc="-I$work/tree/include -I$src/runtime/include"
  # k8s::core is compiled here too (K8S_CORE_SOURCES), so the program does not
  # depend on how the build was configured (sanitizers); the snippet has no calls
  cc -std=c11 -Wall -Wextra -Werror -Wpedantic $inc "$here/widget.c" "$work"/tree/src/*.c $K8S_CORE_SOURCES \
     $(pkg-config --cflags --libs yaml-0.1) -lm -o "$work/widget" 2>"$work/cc.log" || { cat "$work/cc.log"; fail "C build"; }
  [ -x "$work/widget" ] && { "$work/widget" || fail "widget checks"; }
  # users are warned of deprecated declarations, unless they ask not to be;
  # the headers themselves and {0} initializers stay quiet (clang too)
  printf '#include <k8s/demo/v1.h>\nint main(void) { k8s_demo_v1_widget w = {0}; k8s_demo_v1_part p = {0}; (void)p;\n  return w.oldName != 0; }\n' >"$work/dep.c"
  printf '#include <k8s/demo/v1.h>\nint main(void) { k8s_demo_v1_widget w = {0}; return w.name != 0; }\n' >"$work/quiet.c"
  for c in cc clang-14; do
    command -v $c >/dev/null || continue
    $c -std=c11 -Wall -Wextra -Werror $inc -fsyntax-only "$work/quiet.c" || fail "$c: the headers or {0} warn"
    $c -std=c11 -Wall -Wextra -Werror $inc -fsyntax-only "$work/dep.c" 2>"$work/dep.log" && fail "$c: no warning for a deprecated field"
    grep -q "oldName.*deprecated: Deprecated: use name instead" "$work/dep.log" || fail "$c: warning lacks the notice: $(cat "$work/dep.log")"
    $c -std=c11 -Wall -Wextra -Werror -DK8S_NO_DEPRECATION_WARNINGS $inc -fsyntax-only "$work/dep.c" || fail "$c: K8S_NO_DEPRECATION_WARNINGS"
  done
  # the headers are C++ too: the whole committed 1.35 tree and the snippet's
  echo '#include <k8s/api.h>
int main() { k8s_core_v1_pod p = k8s_core_v1_pod(); return p.metadata != nullptr; }' >"$work/cxx.cc"
  c++ -std=c++11 -Wall -Wextra -Werror -fsyntax-only -I"$src/generated/k8s-1.35/include" \
      -I"$src/runtime/include" "$work/cxx.cc" || fail "the 1.35 headers do not compile as C++"
  c++ -std=c++11 -Wall -Wextra -Werror -fsyntax-only $inc -x c++ "$here/widget.c" || fail "snippet headers as C++"
  # what k8sc check knows of it (generator/knowledge.c), and the same as C
  "$k8sgen" --spec "$here/widget.json" --k8s-version 0.1 --dump-knowledge >"$work/widget.knowledge" &&
    diff -u "$here/widget.knowledge" "$work/widget.knowledge" || fail "--dump-knowledge differs from widget.knowledge"
  cp "$here/widget.json" "$work/k8s-0.1.json"
  "$k8sgen" --knowledge "$work/knowledge.c" --spec "$work/k8s-0.1.json" --spec "$work/k8s-0.1.json" &&
    printf '#include <stdio.h>\n#include "k8sc_check.h"\nint main(void) { fputs(k8sc_knowledge, stdout); return 0; }\n' >"$work/print.c" &&
    cc -std=c11 -Wall -Wextra -Werror -I"$src/tools" "$work/print.c" "$work/knowledge.c" -o "$work/print" &&
    "$work/print" >"$work/twice.knowledge" || fail "--knowledge: C source"
  cmp -s "$work/twice.knowledge" <(cat "$here/widget.knowledge" "$here/widget.knowledge") ||
    fail "--knowledge: the C source does not hold the knowledge of each spec"
else
  cat "$work/out"
  fail "k8sgen rejected widget.json"
fi

# --- broken specs: "name | spec | expected message"
expect_error() {
  local name=$1 spec=$2 want=$3
  printf '%s' "$spec" >"$work/$name.json"
  if "$k8sgen" --spec "$work/$name.json" --out "$work/t-$name" --k8s-version 0.1 >"$work/$name.log" 2>&1; then
    fail "$name: k8sgen accepted it"
  elif ! grep -qF -- "$want" "$work/$name.log"; then
    fail "$name: message lacks \"$want\": $(cat "$work/$name.log")"
  else
    echo "ok: $name: $(head -n 1 "$work/$name.log")"
  fi
}
D='{"swagger":"2.0","definitions":{'
expect_error dangling "$D\"io.k8s.api.a.v1.A\":{\"type\":\"object\",\"properties\":{\"b\":{\"\$ref\":\"#/definitions/io.k8s.api.a.v1.Missing\"}}}}}" \
  'io.k8s.api.a.v1.A.b: dangling $ref "#/definitions/io.k8s.api.a.v1.Missing"'
expect_error unknown_type "$D\"io.k8s.api.a.v1.A\":{\"type\":\"object\",\"properties\":{\"b\":{\"type\":\"frobnicate\"}}}}}" \
  'io.k8s.api.a.v1.A.b: unknown type "frobnicate"'
expect_error special "$D\"io.k8s.api.a.v1.Odd\":{\"type\":\"string\"}}}" \
  'io.k8s.api.a.v1.Odd: definition of type string needs an entry in overrides.c'
expect_error nested_array "$D\"io.k8s.api.a.v1.A\":{\"type\":\"object\",\"properties\":{\"m\":{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}}}}" \
  'io.k8s.api.a.v1.A.m: arrays of arrays are not supported'
expect_error member_clash "$D\"io.k8s.api.a.v1.A\":{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"f_len\":{\"type\":\"string\"}}}}}" \
  'io.k8s.api.a.v1.A: two members would be named f_len'
expect_error type_clash "$D\"io.k8s.api.a.v1.PodIP\":{\"type\":\"object\"},\"io.k8s.api.a.v1.PodIp\":{\"type\":\"object\"}}}" \
  'two generated declarations would be named k8s_a_v1_pod_ip'
expect_error kind_clash "$D\"io.k8s.api.a.v1.A\":{\"type\":\"object\",\"x-kubernetes-group-version-kind\":[{\"group\":\"\",\"version\":\"v1\",\"kind\":\"K\"}]},\"io.k8s.api.a.v1.B\":{\"type\":\"object\",\"x-kubernetes-group-version-kind\":[{\"group\":\"\",\"version\":\"v1\",\"kind\":\"K\"}]}}}" \
  'io.k8s.api.a.v1.A and io.k8s.api.a.v1.B both claim v1 K'
expect_error required "$D\"io.k8s.api.a.v1.A\":{\"type\":\"object\",\"required\":[\"ghost\"],\"properties\":{}}}}" \
  'io.k8s.api.a.v1.A: required property ghost is not defined'
expect_error bad_map "$D\"io.k8s.api.a.v1.A\":{\"type\":\"object\",\"properties\":{\"m\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}}}}}" \
  'io.k8s.api.a.v1.A.m: maps of int64 are not supported'
expect_error not_json '{"definitions": {' 'not valid JSON'
expect_error no_definitions '{"swagger":"2.0"}' 'no "definitions" object'

"$k8sgen" >/dev/null 2>&1; [ $? -eq 2 ] || fail "no arguments should exit 2"
"$k8sgen" --spec /nonexistent/k8s-1.35.json --out "$work/x" >"$work/missing.log" 2>&1 && fail "missing spec accepted"
grep -q "cannot read /nonexistent/k8s-1.35.json: No such file or directory" "$work/missing.log" || fail "missing spec message: $(cat "$work/missing.log")"
# without a version in its name too: the file is missing, not the version
"$k8sgen" --spec /nonexistent/spec.json --out "$work/x" >"$work/missing.log" 2>&1; [ $? -eq 2 ] || fail "missing spec should exit 2"
grep -q "cannot read /nonexistent/spec.json: No such file or directory" "$work/missing.log" || fail "missing spec message: $(cat "$work/missing.log")"
grep -q "version" "$work/missing.log" && fail "missing spec blamed on the version: $(cat "$work/missing.log")"
exit $failed
