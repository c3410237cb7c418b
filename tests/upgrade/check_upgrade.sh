#!/usr/bin/env bash
# k8s-upgrade-check on the sample programs (written against 1.32, 1.33 and
# 1.35 trees, using real removals): the report and exit status must be the
# expected ones, --fix-out must write the expected fixed sources, and those
# must compile against the 1.36 tree. Then examples/ through the build's
# compile_commands.json, and bad input.
#   usage: check_upgrade.sh K8S_UPGRADE_CHECK K8S_APIDIFF
set -uo pipefail
tool=$1 apidiff=$2
src=$(cd "$K8S_SOURCE_DIR" && pwd -P)
here=$src/tests/upgrade
export K8S_TREE_CACHE=$K8S_BINARY_DIR/k8s-trees
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }
inc="-I$src/runtime/include"

# the trees the samples build with, generated from the pinned specs
for v in 1.32 1.33 1.35 1.36; do
  if ! "$apidiff" --dump "$v" >/dev/null 2>"$work/gen.log"; then
    grep -q "no copy of the Kubernetes" "$work/gen.log" && { echo "SKIP: $(cat "$work/gen.log")"; exit 77; }
    cat "$work/gen.log"; exit 1
  fi
done
tree() { echo "$K8S_TREE_CACHE/k8s-$1/include"; }
compile() { # file tree-version [flags]
  local f=$1 v=$2; shift 2
  case $f in
    *.cc) c++ -std=c++11 -fsyntax-only -Wall -Wextra -Werror "$@" -I"$(tree "$v")" $inc "$f" ;;
    *) cc -std=c11 -fsyntax-only -Wall -Wextra -Werror "$@" -I"$(tree "$v")" $inc "$f" ;;
  esac
}

mkdir -p "$work/fixed"
for sample in dra_claims.c:1.33 policy.c:1.33 whoami.c:1.32 migration.c:1.33 workload.cc:1.35; do
  name=${sample%%:*} v=${sample##*:}
  compile "$here/$name" "$v" -DK8S_NO_DEPRECATION_WARNINGS || fail "$name does not compile against its $v tree"
  "$tool" --to 1.36 --fix-out "$work/fixed" -- -I"$(tree "$v")" $inc "$here/$name" >"$work/$name.out" 2>&1
  echo "exit $?" >>"$work/$name.out"
  sed -i "s|$src/||g" "$work/$name.out"
  diff -u "$here/expected/$name.txt" "$work/$name.out" || fail "$name: report differs from expected/$name.txt"
  if [ -f "$here/expected/fixed/$name" ]; then
    diff -u "$here/expected/fixed/$name" "$work/fixed/$name" || fail "$name: fixed source differs"
    compile "$work/fixed/$name" 1.36 -DK8S_NO_DEPRECATION_WARNINGS || fail "fixed $name does not compile against 1.36"
  elif [ -e "$work/fixed/$name" ]; then
    fail "$name: --fix wrote a file where it should have left it to a person"
  fi
done
# --fix in place rewrites the file itself, as --fix-out wrote it
cp "$here/whoami.c" "$work/whoami.c"
"$tool" --to 1.36 --fix -- -I"$(tree 1.32)" $inc "$work/whoami.c" >/dev/null
diff -u "$here/expected/fixed/whoami.c" "$work/whoami.c" || fail "--fix in place"

# through a compilation database, as a gcc build makes it (warning options clang does not know)
printf '[{"directory": "%s", "file": "dra_claims.c", "command": "cc -std=c11 -Werror -Wlogical-op -Wno-error=maybe-uninitialized -I%s %s -c dra_claims.c -o /tmp/x.o"}]\n' \
  "$here" "$(tree 1.33)" "$inc" >"$work/compile_commands.json"
"$tool" --to 1.36 -p "$work/compile_commands.json" "$here/dra_claims.c" >"$work/db.out" 2>&1
echo "exit $?" >>"$work/db.out"
sed -i "s|$src/||g" "$work/db.out"
diff -u <(grep -v '^fixed\|--fix' "$here/expected/dra_claims.c.txt") "$work/db.out" || fail "-p gives another report"

# examples/ are clean for 1.36
if [ -f "$K8S_BINARY_DIR/compile_commands.json" ]; then
  "$tool" --to 1.36 -p "$K8S_BINARY_DIR" "$src"/examples/*.c >"$work/examples.out" 2>&1
  rc=$?
  cat "$work/examples.out"
  [ $rc -eq 0 ] || fail "examples/ are not clean for 1.36 (exit $rc)"
fi

# bad input: one line on stderr, exit 2
expect_bad() { # want-substring args...
  local want=$1; shift
  "$tool" "$@" >"$work/bad.out" 2>"$work/bad.err"
  local rc=$?
  if [ $rc -ne 2 ] || [ "$(wc -l <"$work/bad.err")" -ne 1 ] || ! grep -q -- "$want" "$work/bad.err"; then
    fail "$*: exit $rc, stderr: $(cat "$work/bad.err")"
  else
    echo "ok: $(cat "$work/bad.err")"
  fi
}
expect_bad "compile_commands.json" --to 1.36 -p "$work/nowhere" "$here/policy.c"
printf '#include <k8s/api.h>\nint f(void) { return k8s_no_such_thing(; }\n' >"$work/broken.c"
expect_bad "broken.c does not compile: .*broken.c:2:" --to 1.36 -- -I"$(tree 1.33)" $inc "$work/broken.c"
expect_bad "1.99 is not a pinned Kubernetes version" --to 1.99 -- -I"$(tree 1.33)" $inc "$here/policy.c"
expect_bad "not newer than 1.35" --to 1.35 -- -I"$(tree 1.35)" $inc "$here/workload.cc"
cp -r "$K8S_TREE_CACHE/k8s-1.33" "$work/odd-tree"
sed -i 's/#define K8S_API_LAYOUT [0-9]*/#define K8S_API_LAYOUT 7/' "$work/odd-tree/include/k8s/api_types.h"
expect_bad "^k8s-upgrade-check: $(cd "$work" && pwd -P)/odd-tree: made by a k8sgen of an unknown version" \
  --to 1.36 -- -I"$work/odd-tree/include" $inc "$here/policy.c"
expect_bad "not an option" --to 1.36 --frobnicate -- "$here/policy.c"
exit $failed
