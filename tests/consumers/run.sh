#!/usr/bin/env bash
# Builds and runs one consumer of k8s-c, a tiny project of its own, the way a
# user would get the libraries:   usage: run.sh WAY
#   find_package, find_package_static   the installed CMake package (shared, static), with
#                                        k8s::controller, and a tree of custom resources
#                                        added after it (k8s::demo)
#   pkg_config_shared, pkg_config_static  the installed .pc files, from a Makefile
#   cxx                                  C++, every installed header included
#   add_subdirectory                     the whole checkout, add_subdirectory()  (k8s::api_types)
#   fetchcontent                         a source archive of the checkout, FetchContent  (k8s::api_types)
#   tools                                the installed k8s-apidiff, from a moved copy of the
#                                        prefix: it must run the k8sgen, read the headers and the
#                                        pinned versions of that copy, not the build tree's
#   vendored                             copies of runtime/, the tree and a tree of custom
#                                        resources, an add_subdirectory line each: the codecs
#                                        alone (K8S_BUILD_CLIENT=OFF), then k8s::api and k8s::demo
# The installed ways use the prefix the consumers_install test fills
# (K8S_CONSUMER_PREFIX). ctest sets the environment; a missing tool or
# install skips (77) with the reason.
set -euo pipefail
way=$1
here=$(cd "$(dirname "$0")" && pwd)
work="$K8S_BINARY_DIR/consumers/$way"
prefix=$K8S_CONSUMER_PREFIX
rm -rf "$work"
mkdir -p "$work"
log="$work/log"

skip() { echo "SKIP: $*"; exit 77; }
need() { command -v "$1" >/dev/null || skip "$way needs $1, which is not installed"; }
installed() {
  [ -f "$prefix/include/k8s/api_types.h" ] || skip "no install of k8s-c at $prefix (configure with K8S_INSTALL=ON)"
  flags=$K8S_CONSUMER_FLAGS
}
run_logged() { "$@" >>"$log" 2>&1 || { cat "$log"; echo "FAILED: $*"; exit 1; }; }
# cmake_build SOURCE [ARGS...]: configure and build the project's program,
# unoptimised (quick to compile); with the installed libraries' sanitizer
# flags for the ways that link them (K8S_CONSUMER_FLAGS)
flags=
cmake_build() {
  local src=$1
  shift
  run_logged cmake -S "$src" -B "$work/build" -G "$K8S_CMAKE_GENERATOR" -DCMAKE_C_COMPILER="$K8S_CC" \
             -DCMAKE_CXX_COMPILER="$K8S_CXX" -DCMAKE_BUILD_TYPE= "-DCMAKE_C_FLAGS=$flags" \
             "-DCMAKE_CXX_FLAGS=$flags" "-DCMAKE_EXE_LINKER_FLAGS=$flags" "$@"
  run_logged cmake --build "$work/build" --target consumer -j2
  program="$work/build/consumer"
}
needed() { readelf -d "$program" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' '; }
expect_shared() {
  case " $(needed) " in
    *" libk8s-core.so.$K8S_SOVERSION "*) echo "links the shared libraries: $(needed)" ;;
    *) echo "FAIL: $way should link libk8s-core.so.$K8S_SOVERSION: $(needed)"; exit 1 ;;
  esac
}
expect_static() {
  case " $(needed) " in
    *libk8s-*) echo "FAIL: $way should link the static libraries: $(needed)"; exit 1 ;;
    *) echo "links the static libraries (needs only: $(needed))" ;;
  esac
}

expect_no_curl() {
  case " $(needed) " in
    *libcurl*) echo "FAIL: a codec-only program needs libcurl: $(needed)"; exit 1 ;;
  esac
}

calls=1 controller=1
crd=0 # the program has the Widget of examples/crd/demo too (K8S_CONSUMER_CRD)
case $way in
  find_package|find_package_static)
    installed
    static=OFF
    [ "$way" = find_package ] || static=ON
    cmake_build "$here/find_package" -DCMAKE_PREFIX_PATH="$prefix" -DK8S_USE_STATIC_LIBS=$static \
      -DK8S_CRD_TREE="$K8S_SOURCE_DIR/examples/crd/demo"
    crd=1
    if [ $static = ON ]; then expect_static; else expect_shared; fi ;;
  pkg_config_shared|pkg_config_static)
    need pkg-config
    need make
    installed
    flavour=${way#pkg_config_}
    if [ "$flavour" = static ]; then # what the archives need comes with --static
      libs=" $(PKG_CONFIG_PATH="$prefix/$K8S_CONSUMER_LIBDIR/pkgconfig" pkg-config --static --libs "k8s-api-$K8S_KUBE_VERSION" k8s-controller) "
      for want in -lk8s-controller -lk8s-api-$K8S_KUBE_VERSION -lk8s-api-types-$K8S_KUBE_VERSION -lk8s-client -lk8s-core -lyaml \
                  -lcurl -lcjson -lcrypto -lwslay -pthread; do
        case "$libs" in *" $want "*) ;; *) echo "FAIL: pkg-config --static --libs lacks $want:$libs"; exit 1 ;; esac
      done
    fi
    run_logged env PKG_CONFIG_PATH="$prefix/$K8S_CONSUMER_LIBDIR/pkgconfig" CC="$K8S_CC" LDFLAGS="$flags" \
      CFLAGS="$flags" K8S_KUBE_VERSION="$K8S_KUBE_VERSION" make -C "$work" -f "$here/pkg_config/Makefile" "$flavour"
    program="$work/consumer"
    echo "$(grep -m1 -- "-o consumer" "$log")"
    if [ "$flavour" = static ]; then expect_static; else expect_shared; fi ;;
  cxx)
    need "$K8S_CXX"
    installed
    cmake_build "$here/cxx" -DCMAKE_PREFIX_PATH="$prefix"
    echo "$(grep -o 'Every installed k8s-c header ([0-9]*)' "$work/build/all_headers.h")"
    calls=0 controller=0 ;;
  add_subdirectory)
    cmake_build "$here/add_subdirectory" -DK8S_SOURCE_DIR="$K8S_SOURCE_DIR" -DK8S_KUBE_VERSION="$K8S_KUBE_VERSION" \
      -DK8S_SHARED_DIR="$K8S_SHARED_DIR"
    expect_no_curl # it links k8s::api_types alone
    calls=0 controller=0 ;;
  fetchcontent)
    need tar
    # the archive holds what git holds of the checkout (tracked and new files), else all but build folders
    if git -C "$K8S_SOURCE_DIR" rev-parse --git-dir >/dev/null 2>&1; then
      (cd "$K8S_SOURCE_DIR" && git ls-files -z --cached --others --exclude-standard |
         tar --null --ignore-failed-read -T - -czf "$work/k8s-c.tar.gz" --transform 's,^,k8s-c/,') 2>>"$log"
    else
      tar -czf "$work/k8s-c.tar.gz" -C "$(dirname "$K8S_SOURCE_DIR")" --exclude='build*' --exclude=.git \
          --exclude=cache "$(basename "$K8S_SOURCE_DIR")"
    fi
    cmake_build "$here/fetchcontent" -DK8S_ARCHIVE="$work/k8s-c.tar.gz" -DK8S_KUBE_VERSION="$K8S_KUBE_VERSION" \
      -DK8S_SHARED_DIR="$K8S_SHARED_DIR"
    expect_no_curl # it links k8s::api_types alone
    calls=0 controller=0 ;;
  vendored)
    app="$work/app"
    mkdir -p "$app/third_party"
    cp -r "$K8S_SOURCE_DIR/runtime" "$app/third_party/runtime"
    cp -r "$K8S_TREE_DIR" "$app/third_party/k8s-api"
    cp -r "$K8S_SOURCE_DIR/examples/crd/demo" "$app/third_party/demo-crds"
    cp "$here/vendored/CMakeLists.txt" "$here/consumer.c" "$app/"
    # first the codec alone (no client, no libcurl), then everything
    cmake_build "$app" -DK8S_BUILD_CLIENT=OFF
    expect_no_curl
    "$program" >>"$log" && grep -q "decoded Pod" "$log" && grep -q "decoded Widget" "$log" ||
      { cat "$log"; echo "FAIL: the codec-only build"; exit 1; }
    echo "codec only (K8S_BUILD_CLIENT=OFF): $("$program" | tr '\n' ' ')"
    crd=1
    cmake_build "$app" -DK8S_BUILD_CLIENT=ON ;; # the same build folder: adds the client and the calls
  tools)
    installed
    [ -x "$prefix/bin/k8s-apidiff" ] || skip "k8s-apidiff is not installed (libclang was not found at configure time)"
    specs=${K8S_SHARED_DIR:-$K8S_SOURCE_DIR/../shared}/openapi
    [ -f "$specs/k8s-1.34.json" ] && [ -f "$specs/k8s-1.35.json" ] ||
      skip "no specs of 1.34 and 1.35 in $specs: the installed tools have nothing to generate from"
    moved="$work/moved"
    cp -a "$prefix" "$moved"
    mv "$moved/bin/k8sgen" "$moved/bin/k8sgen.real" # a k8sgen that says it ran
    printf '#!/bin/sh\necho "$*" >>"%s"\nexec "%s" "$@"\n' "$work/k8sgen.calls" "$moved/bin/k8sgen.real" >"$moved/bin/k8sgen"
    chmod +x "$moved/bin/k8sgen"
    versions="$moved/share/k8s-c/openapi/versions.txt" # the copy pins two versions only
    grep -E '^(#|1\.34 |1\.35 )' "$prefix/share/k8s-c/openapi/versions.txt" >"$versions.new"
    mv "$versions.new" "$versions"
    export K8S_TREE_CACHE="$work/cache" K8S_OPENAPI_MIRROR="$specs"
    unset K8S_SOURCE_DIR K8SGEN K8S_SHARED_DIR
    rc=0
    "$moved/bin/k8s-apidiff" 1.34 1.35 >"$work/diff.txt" 2>>"$log" || rc=$?
    [ $rc -le 1 ] && grep -q '^Summary:' "$work/diff.txt" || { cat "$log"; echo "FAIL: k8s-apidiff 1.34 1.35 exited $rc"; exit 1; }
    [ "$(grep -c -- '--spec' "$work/k8sgen.calls" 2>/dev/null)" = 2 ] ||
      { echo "FAIL: the moved install's k8sgen did not make the two trees: $(cat "$work/k8sgen.calls" 2>&1)"; exit 1; }
    "$moved/bin/k8s-apidiff" 1.33 1.35 >/dev/null 2>"$work/unpinned.txt" && { echo "FAIL: 1.33 should not be pinned"; exit 1; }
    grep -q 'pins 1.34, 1.35' "$work/unpinned.txt" ||
      { echo "FAIL: not the moved install's versions.txt: $(cat "$work/unpinned.txt")"; exit 1; }
    echo "a moved install's k8s-apidiff 1.34 1.35: $(grep '^Summary:' "$work/diff.txt" | cut -c1-100)..., with its own k8sgen and versions.txt"
    exit 0 ;;
  *) echo "usage: run.sh WAY (see the comment at its top)" >&2; exit 2 ;;
esac

out=$("$program")
echo "$out"
want="decoded Pod demo/web: Running, image nginx:1.27 (Kubernetes $K8S_KUBE_VERSION)"
[ "$way" != cxx ] || want="C++: Pod "
echo "$out" | grep -qF "$want" || { echo "FAIL: the program did not print \"$want\""; exit 1; }
if [ $calls = 1 ]; then
  echo "$out" | grep -qF "called pod_get with no server: cannot reach the API server" ||
    { echo "FAIL: the API call did not fail as a transport error"; exit 1; }
fi
if [ $crd = 1 ]; then
  want="decoded Widget demo/gizmo: size 3, color blue, part wheel weighs 10%"
  echo "$out" | grep -qF "$want" || { echo "FAIL: the program did not print \"$want\""; exit 1; }
  echo "$out" | grep -qF "called widget_get with no server: cannot reach the API server" ||
    { echo "FAIL: the custom resource's call did not fail as a transport error"; exit 1; }
fi
if [ $controller = 1 ]; then
  echo "$out" | grep -qF "work queue handed out demo/web" ||
    { echo "FAIL: the work queue (k8s::controller) did not hand the key out"; exit 1; }
fi
