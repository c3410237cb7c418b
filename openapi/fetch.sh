#!/usr/bin/env bash
# Puts verified copies of the pinned Kubernetes OpenAPI specs into the cache.
#
#   openapi/fetch.sh [VERSION...]      (default: every version in versions.txt)
#
# Each spec comes from the folder named by K8S_OPENAPI_MIRROR (default:
# ../shared/openapi beside the checkout, when it exists), where it is called
# k8s-VERSION.json, or else is downloaded from its upstream URL. Its sha256
# must match versions.txt. Copies land in K8S_OPENAPI_CACHE (default
# openapi/cache, git-ignored) as k8s-VERSION.json; their paths are printed.
# With K8S_OPENAPI_OFFLINE=1 it never downloads (the tests set it, so that an
# offline machine does not wait on a download that cannot succeed).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${K8S_OPENAPI_CACHE:-$here/cache}
mirror=${K8S_OPENAPI_MIRROR:-}
if [ -z "$mirror" ] && [ -d "$here/../../shared/openapi" ]; then
  mirror=$(cd "$here/../../shared/openapi" && pwd)
fi

die() { echo "fetch.sh: $*" >&2; exit 1; }

lookup() { # version -> "sha256 url"
  awk -v v="$1" '$1 == v { print $2, $3; found = 1 } END { exit !found }' "$here/versions.txt"
}

versions=("$@")
if [ ${#versions[@]} -eq 0 ]; then
  mapfile -t versions < <(awk '!/^#/ && NF { print $1 }' "$here/versions.txt")
fi

mkdir -p "$cache"
for v in "${versions[@]}"; do
  pin=$(lookup "$v") || die "version $v is not pinned in $here/versions.txt"
  want=${pin%% *}
  url=${pin#* }
  dest="$cache/k8s-$v.json"
  if [ -f "$dest" ] && [ "$(sha256sum "$dest" | cut -d' ' -f1)" = "$want" ]; then
    echo "$dest"
    continue
  fi
  tmp="$dest.tmp.$$"
  if [ -n "$mirror" ] && [ -f "$mirror/k8s-$v.json" ]; then
    src="$mirror/k8s-$v.json"
    cp "$src" "$tmp"
  elif [ "${K8S_OPENAPI_OFFLINE:-}" = 1 ]; then
    die "no copy of k8s-$v.json in ${mirror:-(no mirror)} or $cache, and downloads are off (K8S_OPENAPI_OFFLINE=1)"
  else
    src=$url
    command -v curl >/dev/null || die "no mirror copy of k8s-$v.json and no curl to download $url"
    curl -fsSL --retry 3 -o "$tmp" "$url" || { rm -f "$tmp"; die "cannot download $url"; }
  fi
  got=$(sha256sum "$tmp" | cut -d' ' -f1)
  if [ "$got" != "$want" ]; then
    rm -f "$tmp"
    die "checksum mismatch for k8s-$v.json from $src: sha256 $got, pinned $want"
  fi
  mv "$tmp" "$dest"
  echo "$dest"
done
