/* Kind lookup by binary search over the generated, sorted table. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "k8s/registry.h"

typedef struct key {
    const char *api_version, *kind;
} key;

static int cmp_kind(const void *k, const void *e)
{
    const key *a = k;
    const k8s_kind_info *b = e;
    int c = strcmp(a->api_version, b->api_version);
    return c ? c : strcmp(a->kind, b->kind);
}

const k8s_kind_info *k8s_registry_find(const k8s_registry *reg, const char *api_version,
                                       const char *kind)
{
    if (!reg || !api_version || !kind)
        return NULL;
    key k = {api_version, kind};
    return bsearch(&k, reg->kinds, reg->nkinds, sizeof *reg->kinds, cmp_kind);
}

k8s_code k8s_registry_decode(const k8s_registry *reg, const char *json, size_t len,
                             k8s_arena *arena, const k8s_kind_info **kind, void **obj,
                             const k8s_decode_options *opts, k8s_error *err)
{
    char *api_version = NULL, *kind_name = NULL;
    *kind = NULL;
    *obj = NULL;
    k8s_code rc = k8s_peek_kind_opts(json, len, arena, opts, &api_version, &kind_name, err);
    if (rc)
        return rc;
    const k8s_kind_info *info = k8s_registry_find(reg, api_version, kind_name);
    if (!info) {
        if (!api_version || !kind_name)
            k8s_error_set(err, K8S_EUNKNOWN_KIND, NULL, NULL, NULL,
                          "the object has no %s", !api_version ? "apiVersion" : "kind");
        else
            k8s_error_set(err, K8S_EUNKNOWN_KIND, NULL, NULL, NULL,
                          "apiVersion \"%s\" kind \"%s\" is not a kind of Kubernetes %s",
                          api_version, kind_name, reg->kubernetes_version);
        return K8S_EUNKNOWN_KIND;
    }
    rc = k8s_json_decode(info->type, json, len, arena, obj, opts, err);
    if (*obj)
        *kind = info;
    return rc;
}
