/* Discovery: the API server's resources, read with the runtime's own
 * descriptors (documents_internal.h). */
#include <stdio.h>
#include <string.h>

#include "documents_internal.h"
#include "internal.h"
#include "k8s/discovery.h"

/* GETs path and decodes the reply as type. */
static k8s_code fetch(k8s_client *c, k8s_arena *a, const char *path, const k8s_type *type, void **out,
                      k8s_error *err)
{
    char *text;
    k8s_code rc = k8s_request(c, a, "GET", path, NULL, NULL, &text, err);
    if (rc)
        return rc;
    rc = k8s_json_decode(type, text, strlen(text), a, out, NULL, err);
    if (rc && rc != K8S_ENOMEM) {
        char msg[sizeof err->message];
        memcpy(msg, err->message, sizeof msg);
        snprintf(err->message, sizeof err->message, "%.60s is not a valid %s: %.150s", path, type->name, msg);
        err->code = rc = K8S_EBADREPLY;
    }
    return rc;
}

static const char *list_path(k8s_arena *a, const char *gv)
{
    bool core = !strchr(gv, '/');
    size_t n = strlen(gv) + 8;
    char *p = k8s_arena_alloc(a, n);
    if (p)
        snprintf(p, n, "%s/%s", core ? "/api" : "/apis", gv);
    return p;
}

/* Fills r from one entry of a group-version's list. */
static bool to_resource(k8s_arena *a, const char *gv, const api_resource *src, k8s_resource *r)
{
    const char *slash = strchr(gv, '/');
    r->group = slash ? k8s_arena_strndup(a, gv, (size_t)(slash - gv)) : "";
    r->version = slash ? slash + 1 : gv;
    r->resource = src->name;
    r->kind = src->kind;
    r->namespaced = src->namespaced;
    r->type = r->list_type = NULL;
    return r->group != NULL;
}

k8s_code k8s_discover_kind(k8s_client *c, k8s_arena *a, const char *api_version, const char *kind,
                           k8s_resource **out, k8s_error *err)
{
    *out = NULL;
    if (err)
        memset(err, 0, sizeof *err);
    const char *path = api_version && kind ? list_path(a, api_version) : NULL;
    if (!path) {
        return k8s_fail(err, K8S_EINVAL, "an apiVersion and a kind are needed");
    }
    resource_list *list;
    k8s_code rc = fetch(c, a, path, &k8s_resource_list_desc, (void **)&list, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < list->resources_len; i++) {
        api_resource *r = &list->resources[i];
        if (!r->name || strchr(r->name, '/') || !r->kind || strcmp(r->kind, kind) != 0)
            continue;
        k8s_resource *res = k8s_arena_alloc(a, sizeof *res);
        if (!res || !to_resource(a, api_version, r, res))
            return K8S_ENOMEM;
        res->kind = k8s_arena_strdup(a, kind);
        *out = res;
        return K8S_OK;
    }
    return k8s_fail(err, K8S_ENOTFOUND, "the server serves no %.100s in %.100s", kind, api_version);
}

typedef struct collector {
    k8s_api_resource *items;
    size_t n, cap;
} collector;

static k8s_code add_list(k8s_client *c, k8s_arena *a, const char *gv, collector *col, k8s_error *err)
{
    resource_list *list;
    const char *path = list_path(a, gv);
    k8s_code rc = path ? fetch(c, a, path, &k8s_resource_list_desc, (void **)&list, err) : K8S_ENOMEM;
    if (rc)
        return rc;
    for (size_t i = 0; i < list->resources_len; i++) {
        api_resource *r = &list->resources[i];
        if (!r->name || strchr(r->name, '/'))
            continue; /* a subresource */
        if (col->n == col->cap) {
            size_t cap = col->cap ? col->cap * 2 : 64;
            k8s_api_resource *ni = k8s_arena_alloc(a, cap * sizeof *ni);
            if (!ni)
                return K8S_ENOMEM;
            if (col->n)
                memcpy(ni, col->items, col->n * sizeof *ni);
            col->items = ni;
            col->cap = cap;
        }
        k8s_api_resource *out = &col->items[col->n++];
        if (!to_resource(a, gv, r, &out->resource))
            return K8S_ENOMEM;
        out->verbs = r->verbs;
        out->verbs_len = r->verbs_len;
        out->shortNames = r->shortNames;
        out->shortNames_len = r->shortNames_len;
    }
    return K8S_OK;
}

k8s_code k8s_discover(k8s_client *c, k8s_arena *a, k8s_api_resource **out, size_t *n, k8s_error *err)
{
    *out = NULL;
    *n = 0;
    if (err)
        memset(err, 0, sizeof *err);
    api_versions *core;
    group_list *groups;
    collector col = {0};
    k8s_code rc = fetch(c, a, "/api", &k8s_api_versions_desc, (void **)&core, err);
    if (!rc)
        rc = fetch(c, a, "/apis", &k8s_group_list_desc, (void **)&groups, err);
    for (size_t i = 0; !rc && i < core->versions_len; i++)
        rc = add_list(c, a, core->versions[i], &col, err);
    for (size_t g = 0; !rc && g < groups->groups_len; g++)
        for (size_t v = 0; !rc && v < groups->groups[g].versions_len; v++)
            if (groups->groups[g].versions[v].groupVersion)
                rc = add_list(c, a, groups->groups[g].versions[v].groupVersion, &col, err);
    if (rc == K8S_ENOMEM)
        k8s_error_set(err, rc, NULL, NULL, NULL, "out of memory");
    if (!rc) {
        *out = col.items;
        *n = col.n;
    }
    return rc;
}
