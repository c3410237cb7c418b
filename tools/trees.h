/* Where the version tools get trees from: a folder the user names, or a
 * pinned Kubernetes version (openapi/versions.txt) generated on demand by
 * k8sgen from a verified copy of its spec into a cache folder. */
#ifndef K8S_TREES_H
#define K8S_TREES_H

#include <stdbool.h>
#include <stddef.h>

#include "k8s/arena.h"

/* Where the tools find what they run on: in the build tree, the checkout
 * they were built from; installed, the prefix they are in (bin/k8sgen beside
 * them, include/ and share/k8s-c/openapi/ above them), wherever it was moved.
 * K8S_SOURCE_DIR (a checkout) and K8SGEN override. */
typedef struct tool_paths {
    const char *openapi;        /* the folder of versions.txt and fetch.sh */
    const char *shared_openapi; /* $K8S_SHARED_DIR/openapi, else ../shared/openapi beside a checkout; or NULL */
    const char *k8sgen;
    const char *include; /* the runtime's headers */
} tool_paths;
const tool_paths *tool_paths_get(void);

/* The pinned versions, in the order of versions.txt (oldest first). */
typedef struct pinned {
    const char **versions, **sha256;
    size_t n;
} pinned;

/* Reads versions.txt (tool_paths_get()->openapi). */
bool pinned_load(k8s_arena *a, pinned *p, char *err, size_t errlen);
/* Index of version in p, or -1. */
int pinned_index(const pinned *p, const char *version);
/* "1.32, 1.33, ..." */
const char *pinned_list(k8s_arena *a, const pinned *p);

/* The path of a verified copy of the spec of a pinned version: from
 * $K8S_OPENAPI_MIRROR, $K8S_OPENAPI_CACHE, the shared folder or the cache
 * beside versions.txt, whichever has one whose sha256 matches. */
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
