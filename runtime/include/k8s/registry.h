/* The kind registry: from apiVersion + kind to a type descriptor at run
 * time (manifests, watch events, the dynamic client). Each generated tree
 * provides one (k8s_api_registry in k8s/api.h). */
#ifndef K8S_REGISTRY_H
#define K8S_REGISTRY_H

#include <stddef.h>

#include "k8s/arena.h"
#include "k8s/codec.h"
#include "k8s/error.h"
#include "k8s/resource.h"
#include "k8s/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8s_kind_info {
    const char *api_version; /* "v1", "apps/v1" */
    const char *kind;        /* "Pod" */
    const k8s_type *type;
    const k8s_resource *resource; /* its REST resource; NULL for kinds that have none */
} k8s_kind_info;

typedef struct k8s_registry {
    const char *kubernetes_version; /* "1.35" */
    const char *spec_sha256;        /* of the spec the tree was generated from */
    const k8s_kind_info *kinds;     /* sorted by api_version, then kind (strcmp) */
    size_t nkinds;
} k8s_registry;

/* NULL when the registry has no such kind. */
const k8s_kind_info *k8s_registry_find(const k8s_registry *reg, const char *api_version,
                                       const char *kind);

/* Decodes a JSON object whose type is named by its own apiVersion and kind.
 * *type and *obj are set on success; K8S_EUNKNOWN_KIND when the registry has
 * no such kind (or the document names none). opts apply from the first
 * byte: a problem found while reading apiVersion and kind (malformed JSON,
 * a kind that is not a string) reaches opts->diag like any other. */
k8s_code k8s_registry_decode(const k8s_registry *reg, const char *json, size_t len,
                             k8s_arena *arena, const k8s_kind_info **kind, void **obj,
                             const k8s_decode_options *opts, k8s_error *err);

#ifdef __cplusplus
}
#endif
#endif
