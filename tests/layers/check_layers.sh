#!/usr/bin/env bash
# The layers hold: k8s::core (and the generated types) never reach into the
# client, the client never into the controller layer, and k8sc, which only
# decodes and encodes, links no libcurl.
#   usage: check_layers.sh K8SC "CORE_HEADERS" "CLIENT_HEADERS" "CORE_SOURCES" "CONTROLLER_HEADERS"
# (the lists as runtime/CMakeLists.txt has them; ctest passes them)
set -uo pipefail
k8sc=$1 core_headers=" $2 " client_headers=" $3 " core_sources=$4 controller_headers=" $5 "
inc="$K8S_SOURCE_DIR/runtime/include/k8s" src="$K8S_SOURCE_DIR/runtime/src"
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# every public header belongs to exactly one layer
for h in "$inc"/*.h; do
  name=$(basename "$h")
  case "$core_headers$client_headers$controller_headers" in
    *" $name "*" $name "*) fail "$name is in two layers' lists" ;;
    *" $name "*) ;;
    *) fail "$name is in neither layer's list (runtime/CMakeLists.txt)" ;;
  esac
done

# quoted includes of a file, one per line
includes() { sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1"; }
# third-party headers of a file (the client's libraries)
foreign() { grep -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(curl|cjson|wslay|openssl)/' "$1"; }

# core headers include core headers only, and no third-party header
for name in $core_headers; do
  for i in $(includes "$inc/$name"); do
    case "$core_headers" in *" ${i#k8s/} "*) ;; *) fail "core header $name includes $i" ;; esac
  done
done
# client headers include core and client headers only
for name in $client_headers; do
  for i in $(includes "$inc/$name"); do
    case "$core_headers$client_headers" in *" ${i#k8s/} "*) ;; *) fail "client header $name includes $i" ;; esac
  done
done
for h in "$inc"/*.h; do
  grep -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*<' "$h" | grep -vE '<(stdarg|stdbool|stddef|stdint)\.h>' |
    while read -r line; do echo "FAIL: public header $(basename "$h") includes a system header: $line"; done | grep . && failed=1
done

# core sources include core headers, and private headers that do the same
checked=" "
check_source() { # file, who included it
  local f=$1
  case "$checked" in *" $f "*) return ;; esac
  checked="$checked$f "
  foreign "$f" >/dev/null && fail "$(basename "$f") (k8s::core, via $2) includes $(foreign "$f" | head -n 1)"
  for i in $(includes "$f"); do
    case "$i" in
      k8s/*) case "$core_headers" in *" ${i#k8s/} "*) ;; *) fail "$(basename "$f") (k8s::core, via $2) includes $i" ;; esac ;;
      *) if [ -f "$src/$i" ]; then check_source "$src/$i" "$2"; else fail "$(basename "$f") includes $i, not found"; fi ;;
    esac
  done
}
for f in $core_sources; do check_source "$f" "$(basename "$f")"; done
echo "k8s::core: $(echo $core_headers | wc -w) public headers, $(echo $core_sources | wc -w) sources; none reaches into the client"

# the generated types headers include core and types headers only
tree_inc="$K8S_TREE_DIR/include"
n=0
while IFS= read -r h; do
  n=$((n + 1))
  for i in $(includes "$h"); do
    case "$i" in
      *_api.h|k8s/api.h) fail "types header ${h#$tree_inc/} includes $i" ;;
      k8s/*/*|k8s/api_types.h) ;;
      k8s/*) case "$core_headers" in *" ${i#k8s/} "*) ;; *) [ -f "$tree_inc/$i" ] || fail "types header ${h#$tree_inc/} includes $i" ;; esac ;;
      *) fail "types header ${h#$tree_inc/} includes $i" ;;
    esac
  done
done < <(find "$tree_inc" -name '*.h' ! -name '*_api.h' ! -name api.h | sort)
echo "generated types: $n headers; none includes a calls or client header"

# k8sc links no libcurl: not on its link line, not among what it loads
linkline=""
if [ -f "$K8S_BINARY_DIR/tools/CMakeFiles/k8sc.dir/link.txt" ]; then
  linkline=$(cat "$K8S_BINARY_DIR/tools/CMakeFiles/k8sc.dir/link.txt")
elif [ -f "$K8S_BINARY_DIR/build.ninja" ]; then
  linkline=$(awk '/^build [^:]*bin\/k8sc:/ { on = 1 } on && /^$/ { exit } on' "$K8S_BINARY_DIR/build.ninja")
fi
if [ -n "$linkline" ]; then
  echo "$linkline" | grep -qiE 'curl|k8s-client|wslay|crypto' && fail "k8sc's link line names the client's libraries: $linkline"
  echo "k8sc links: $(echo "$linkline" | tr ' ' '\n' | grep -E '^-l|\.(a|so)' | xargs -n1 basename | tr '\n' ' ')"
else
  fail "k8sc's link line not found in $K8S_BINARY_DIR (neither Makefiles nor Ninja)"
fi
needed=$(readelf -d "$k8sc" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
echo "k8sc NEEDED: $needed"
echo "$needed" | grep -qiE 'curl|k8s-client|wslay|crypto|cjson' && fail "k8sc needs a library of the client: $needed"
loaded=$(ldd "$k8sc" | awk '{ print $1 }' | tr '\n' ' ')
echo "$loaded" | grep -qiE 'libcurl|k8s-client|wslay' && fail "k8sc loads the client's libraries: $loaded"
exit $failed
