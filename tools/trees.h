/* Where the version tools get trees from: a folder the user names, or a
 * pinned Kubernetes version (openapi/versions.txt) generated on demand by
 * k8sgen from a verified copy of its spec into a cache folder. */
#ifndef K8S_TREES_H
#define K8S_TREES_H

#include <stdbool.h>
#include <stddef.h>

#include "k8s/arena.h"

/* The pinned versions, in the order of versions.txt (oldest first). */
typedef struct pinned {
    const char **versions, **sha256;
    size_t n;
} pinned;

/* Reads openapi/versions.txt from K8S_SOURCE_DIR (the environment, else the
 * checkout the tools were built in). */
bool pinned_load(k8s_arena *a, pinned *p, char *err, size_t errlen);
/* Index of version in p, or -1. */
int pinned_index(const pinned *p, const char *version);
/* "1.32, 1.33, ..." */
const char *pinned_list(k8s_arena *a, const pinned *p);

/* The path of a verified copy of the spec of a pinned version: from
 * $K8S_OPENAPI_MIRROR, $K8S_SHARED_DIR/openapi (default ../shared beside the
 * checkout) or openapi/cache, whichever has one whose sha256 matches. */
const char *spec_path(k8s_arena *a, const pinned *p, const char *version, char *err, size_t errlen);

/* The tree for ARG: ARG itself when it is a folder, else the tree of the
 * pinned version ARG, generated into the cache ($K8S_TREE_CACHE, else
 * $XDG_CACHE_HOME/k8s-c or ~/.cache/k8s-c) unless it is there already.
 * *version is set for pinned versions (NULL for folders). Errors are one
 * line: not a folder and not pinned, no spec, k8sgen failed. */
const char *tree_for(k8s_arena *a, const pinned *p, const char *arg, const char **version, char *err, size_t errlen);

/* The cache folder (created). */
const char *cache_dir(k8s_arena *a, char *err, size_t errlen);

/* Holds an exclusive lock on a file of the cache while a tree is generated
 * or parsed, so tools running side by side do not read half-written files.
 * Returns a descriptor for cache_unlock, or -1. */
int cache_lock(const char *cache, const char *name);
void cache_unlock(int fd);

#endif
