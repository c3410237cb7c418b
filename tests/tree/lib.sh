# Shared by the tree checks: locate a verified spec or skip (exit 77).
# Needs K8S_SOURCE_DIR and K8S_BINARY_DIR (ctest sets them).

# spec_for VERSION -> prints the path of a verified copy, or exits 77 when
# no copy can be had (no ../shared mirror and no network).
spec_for() {
  local cache="$K8S_BINARY_DIR/openapi-cache" out
  if ! out=$(K8S_OPENAPI_CACHE="$cache" "$K8S_SOURCE_DIR/openapi/fetch.sh" "$1" 2>&1); then
    case "$out" in
      *"checksum mismatch"*) echo "$out" >&2; exit 1 ;;
    esac
    echo "SKIP: no copy of the Kubernetes $1 spec ($out)" >&2
    exit 77
  fi
  echo "$out" | tail -n 1
}
