# Shared by the tree checks: locate a verified spec or skip (exit 77).
# Needs K8S_SOURCE_DIR and K8S_BINARY_DIR (ctest sets them).

# spec_for VERSION -> prints the path of a verified copy: from the cache in
# the build folder, or K8S_OPENAPI_MIRROR (default K8S_SHARED_DIR/openapi).
# Downloads only with K8S_TEST_DOWNLOAD=1; otherwise exits 77 (skipped) at
# once when there is no copy, rather than wait on the network.
spec_for() {
  local cache="$K8S_BINARY_DIR/openapi-cache" out mirror=${K8S_OPENAPI_MIRROR:-}
  [ -n "$mirror" ] || [ ! -d "${K8S_SHARED_DIR:-/nonexistent}/openapi" ] || mirror="$K8S_SHARED_DIR/openapi"
  local offline=1
  [ "${K8S_TEST_DOWNLOAD:-}" = 1 ] && offline=
  if ! out=$(K8S_OPENAPI_CACHE="$cache" K8S_OPENAPI_MIRROR="$mirror" K8S_OPENAPI_OFFLINE=$offline \
             "$K8S_SOURCE_DIR/openapi/fetch.sh" "$1" 2>&1); then
    case "$out" in
      *"checksum mismatch"*) echo "$out" >&2; exit 1 ;;
    esac
    echo "SKIP: no copy of the Kubernetes $1 spec ($out); K8S_TEST_DOWNLOAD=1 lets the tests download it" >&2
    exit 77
  fi
  echo "$out" | tail -n 1
}
