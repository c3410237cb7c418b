/* Resources and their operations, from the spec's `paths`: each path is
 * taken apart into group, version, namespace scope, plural, name and
 * subresource, and must read back as exactly the path the runtime will
 * build (request.c), so no operation can be called at a wrong URL.
 *
 * Left out, on purpose: the deprecated /watch/ paths (watches are list
 * calls with watch=true), `connect` operations (exec, attach, port-forward,
 * proxy: streams, not requests) and the cluster-wide list of a namespaced
 * resource (a list with the namespace K8S_ALL_NAMESPACES). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8sgen.h"

typedef struct parsed {
    const char *group, *version, *plural, *subresource;
    bool namespaced, named;
} parsed;

/* Query parameters the options struct of each verb carries ("pretty" only
 * changes the reply's whitespace, so no struct has it). */
static const char *const get_params[] = {"pretty", NULL};
static const char *const log_params[] = {"pretty", "container", "follow", "previous", "timestamps",
                                         "sinceSeconds", "sinceTime", "tailLines", "limitBytes",
                                         "insecureSkipTLSVerifyBackend", "stream", NULL};
static const char *const list_params[] = {"pretty", "labelSelector", "fieldSelector", "limit", "continue",
                                          "resourceVersion", "resourceVersionMatch", "timeoutSeconds",
                                          "allowWatchBookmarks", "sendInitialEvents", "watch",
                                          "shardSelector", NULL};
static const char *const write_params[] = {"pretty", "dryRun", "fieldManager", "fieldValidation", NULL};
static const char *const patch_params[] = {"pretty", "dryRun", "fieldManager", "fieldValidation", "force", NULL};
static const char *const delete_params[] = {"pretty", "dryRun", "gracePeriodSeconds", "propagationPolicy",
                                            "orphanDependents",
                                            "ignoreStoreReadErrorWithClusterBreakingPotential", NULL};


/* "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale" */
static bool parse_path(k8s_arena *a, const char *path, parsed *p)
{
    memset(p, 0, sizeof *p);
    char *copy = k8s_arena_strdup(a, path);
    char *segs[16];
    size_t n = 0;
    for (char *t = strtok(copy, "/"); t && n < 16; t = strtok(NULL, "/"))
        segs[n++] = t;
    size_t i = 0;
    if (n >= 2 && strcmp(segs[0], "api") == 0) {
        p->group = "";
        p->version = segs[1];
        i = 2;
    } else if (n >= 3 && strcmp(segs[0], "apis") == 0) {
        p->group = segs[1];
        p->version = segs[2];
        i = 3;
    } else {
        return false;
    }
    if (i + 2 < n && strcmp(segs[i], "namespaces") == 0 && strcmp(segs[i + 1], "{namespace}") == 0) {
        p->namespaced = true;
        i += 2;
    }
    if (i >= n || segs[i][0] == '{')
        return false;
    p->plural = segs[i++];
    if (i < n) {
        if (strcmp(segs[i], "{name}") != 0)
            return false;
        p->named = true;
        i++;
    }
    if (i < n)
        p->subresource = segs[i++];
    return i == n;
}

/* The path request.c builds for these parts. */
static const char *rebuild(k8s_arena *a, const parsed *p)
{
    return arena_printf(a, "%s%s/%s%s/%s%s%s%s", *p->group ? "/apis/" : "/api", p->group, p->version,
                        p->namespaced ? "/namespaces/{namespace}" : "", p->plural, p->named ? "/{name}" : "",
                        p->subresource ? "/" : "", p->subresource ? p->subresource : "");
}

gtype *model_type_for_gvk(const model *m, const char *group, const char *version, const char *kind)
{
    for (size_t i = 0; i < m->ntypes; i++) {
        const gtype *t = &m->types[i];
        for (size_t j = 0; j < t->ngvks; j++)
            if (strcmp(t->gvks[j].group, group) == 0 && strcmp(t->gvks[j].version, version) == 0 &&
                strcmp(t->gvks[j].kind, kind) == 0)
                return (gtype *)t;
    }
    return NULL;
}

static gtype *ref_type(const model *m, const cJSON *schema)
{
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(schema, "$ref");
    const char *prefix = "#/definitions/";
    if (!cJSON_IsString(ref) || strncmp(ref->valuestring, prefix, strlen(prefix)) != 0)
        return NULL;
    const char *def = ref->valuestring + strlen(prefix);
    for (size_t i = 0; i < m->ntypes; i++)
        if (strcmp(m->types[i].def, def) == 0)
            return &m->types[i];
    return NULL;
}

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

/* Checks every query parameter of the operation against its options. */
static void check_list(model *m, const char *where, const cJSON *params, const cJSON *global,
                       const char *const *allowed, const char *const *also)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, params)
    {
        const cJSON *p = item, *ref = cJSON_GetObjectItemCaseSensitive(item, "$ref");
        if (cJSON_IsString(ref)) {
            const char *name = strrchr(ref->valuestring, '/');
            p = cJSON_GetObjectItemCaseSensitive(global, name ? name + 1 : "");
        }
        const cJSON *in = cJSON_GetObjectItemCaseSensitive(p, "in");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
        if (!cJSON_IsString(in) || strcmp(in->valuestring, "query") != 0 || !cJSON_IsString(name))
            continue;
        if (!in_list(allowed, name->valuestring) && !(also && in_list(also, name->valuestring)))
            model_problem(m, "%s: query parameter %s has no place in the client's options", where,
                    name->valuestring);
    }
}

static gres *find_res(gres *list, size_t n, const parsed *p)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].group, p->group) == 0 && strcmp(list[i].version, p->version) == 0 &&
            strcmp(list[i].plural, p->plural) == 0)
            return &list[i];
    return NULL;
}

static void add_op(model *m, gres *r, const gop *op)
{
    gop *ops = k8s_arena_alloc(m->arena, (r->nops + 1) * sizeof *ops);
    if (r->nops)
        memcpy(ops, r->ops, r->nops * sizeof *ops);
    ops[r->nops++] = *op;
    r->ops = ops;
}

typedef struct op_params {
    const cJSON *own, *common, *global; /* the operation's, the path's, the spec's */
} op_params;

static void check_params(model *m, const char *where, const op_params *pp,
                         const char *const *allowed, const char *const *also)
{
    check_list(m, where, pp->own, pp->global, allowed, also);
    check_list(m, where, pp->common, pp->global, allowed, also);
}

/* Makes the typed function(s) of one operation. */
static void make_op(model *m, gres *r, const parsed *p, const char *action, const cJSON *op,
                    const op_params *pp, const char *path, const char *method)
{
    const cJSON *params = pp->own;
    const char *where = arena_printf(m->arena, "%s %s", method, path);
    gop g = {0};
    g.subresource = p->subresource ? k8s_arena_strdup(m->arena, p->subresource) : NULL;
    g.named = p->named;
    const char *sub = g.subresource ? arena_printf(m->arena, "%s_", member_name(m->arena, g.subresource)) : "";
    const char *stem = arena_printf(m->arena, "%s_%s", r->type->c_name, sub);
    const cJSON *responses = cJSON_GetObjectItemCaseSensitive(op, "responses");
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(responses, "200");
    if (!ok)
        ok = cJSON_GetObjectItemCaseSensitive(responses, "201");
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(ok, "schema");
    g.result = ref_type(m, schema);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(schema, "type");
    if (!g.result && !(cJSON_IsString(st) && strcmp(st->valuestring, "string") == 0)) {
        model_problem(m, "%s: the reply's type is neither a definition nor text", where);
        return;
    }
    const cJSON *bp;
    cJSON_ArrayForEach(bp, params)
    {
        const cJSON *in = cJSON_GetObjectItemCaseSensitive(bp, "in");
        if (cJSON_IsString(in) && strcmp(in->valuestring, "body") == 0)
            g.body = ref_type(m, cJSON_GetObjectItemCaseSensitive(bp, "schema"));
    }
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(op, "description");
    const char *summary = first_sentence(m->arena, cJSON_IsString(desc) ? desc->valuestring : NULL);
    g.doc = arena_printf(m->arena, "%s %s%s%s", method, path, summary ? ": " : "", summary ? summary : "");
    /* the operation's own notice, else its kind's: calls on a deprecated kind are */
    g.deprecated = deprecation_notice(m->arena, cJSON_IsString(desc) ? desc->valuestring : NULL);
    if (!g.deprecated)
        g.deprecated = r->type->deprecated;

    if (strcmp(action, "get") == 0) {
        bool log = g.subresource && strcmp(g.subresource, "log") == 0;
        g.verb = "K8S_VERB_GET";
        g.options = log ? "k8s_log_options" : "k8s_get_options";
        check_params(m, where, pp, log ? log_params : get_params, NULL);
        g.fn = arena_printf(m->arena, "%sget", stem);
    } else if (strcmp(action, "list") == 0) {
        g.verb = "K8S_VERB_LIST";
        g.options = "k8s_list_options";
        check_params(m, where, pp, list_params, NULL);
        g.fn = arena_printf(m->arena, "%s_list_get", r->type->c_name);
    } else if (strcmp(action, "post") == 0 || strcmp(action, "put") == 0) {
        bool post = strcmp(action, "post") == 0;
        g.verb = post ? "K8S_VERB_CREATE" : "K8S_VERB_REPLACE";
        g.options = "k8s_write_options";
        check_params(m, where, pp, write_params, NULL);
        g.fn = arena_printf(m->arena, "%s%s", stem, post ? "create" : "replace");
        if (!g.body) {
            model_problem(m, "%s: no body type", where);
            return;
        }
    } else if (strcmp(action, "patch") == 0) {
        g.verb = "K8S_VERB_PATCH";
        g.options = "k8s_patch_options";
        g.body = NULL;
        g.text_body = true;
        check_params(m, where, pp, patch_params, NULL);
        g.fn = arena_printf(m->arena, "%spatch", stem);
        /* server-side apply of a typed object: the same PATCH */
        gop apply = g;
        apply.verb = "K8S_VERB_APPLY";
        apply.text_body = false;
        apply.body = g.result;
        apply.fn = arena_printf(m->arena, "%sapply", stem);
        apply.doc = arena_printf(m->arena, "%s %s: server-side apply (application/apply-patch+yaml)",
                                 method, path);
        add_op(m, r, &g);
        add_op(m, r, &apply);
        return;
    } else if (strcmp(action, "delete") == 0) {
        g.verb = "K8S_VERB_DELETE";
        g.options = "k8s_delete_options";
        check_params(m, where, pp, delete_params, NULL);
        g.fn = arena_printf(m->arena, "%sdelete", stem);
        g.body = NULL; /* DeleteOptions: made from the options */
    } else { /* deletecollection */
        g.verb = "K8S_VERB_DELETE_COLLECTION";
        g.options = "k8s_delete_options";
        g.list_selector = true;
        check_params(m, where, pp, list_params, delete_params);
        g.fn = arena_printf(m->arena, "%s_list_delete", r->type->c_name);
        g.body = NULL;
        /* the spec says Status; servers send the list of what they deleted
         * (and a Status where they do not): the list is the useful type */
        if (r->list_type)
            g.result = r->list_type;
    }
    add_op(m, r, &g);
}

bool model_load_ops(model *m, const cJSON *root)
{
    int before = m->problems;
    const cJSON *paths = cJSON_GetObjectItemCaseSensitive(root, "paths");
    const cJSON *global = cJSON_GetObjectItemCaseSensitive(root, "parameters");
    static const char *const methods[] = {"get", "post", "put", "patch", "delete", NULL};
    static const char *const actions[] = {"get", "list", "post", "put", "patch", "delete", "deletecollection", NULL};
    size_t cap = (size_t)cJSON_GetArraySize(paths) + 1, nres = 0;
    gres *res = k8s_arena_alloc(m->arena, cap * sizeof *res);

    /* first the resources: scope, and the kind from their own (not sub-
     * resource) operations, whose group-version-kind is the object's */
    for (int pass = 0; pass < 2; pass++) {
        const cJSON *item;
        cJSON_ArrayForEach(item, paths)
        {
            const char *path = item->string;
            parsed p;
            if (strstr(path, "/watch/") || strstr(path, "{path}"))
                continue;
            for (const char *const *meth = methods; *meth; meth++) {
                const cJSON *op = cJSON_GetObjectItemCaseSensitive(item, *meth);
                const cJSON *action = cJSON_GetObjectItemCaseSensitive(op, "x-kubernetes-action");
                if (!op || !cJSON_IsString(action) || !in_list(actions, action->valuestring))
                    continue;
                if (!parse_path(m->arena, path, &p) || strcmp(rebuild(m->arena, &p), path) != 0) {
                    model_problem(m, "%s: a path of a shape the client cannot build", path);
                    continue;
                }
                gres *r = find_res(res, nres, &p);
                if (pass == 0) {
                    if (!r) {
                        r = &res[nres++];
                        r->group = k8s_arena_strdup(m->arena, p.group);
                        r->version = k8s_arena_strdup(m->arena, p.version);
                        r->plural = k8s_arena_strdup(m->arena, p.plural);
                    }
                    r->namespaced |= p.namespaced;
                    const cJSON *op_gvk = cJSON_GetObjectItemCaseSensitive(op, "x-kubernetes-group-version-kind");
                    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(op_gvk, "kind");
                    if (!p.subresource && cJSON_IsString(kind) && !r->kind)
                        r->kind = k8s_arena_strdup(m->arena, kind->valuestring);
                    continue;
                }
                if (!r->type)
                    continue; /* reported below */
                if (r->namespaced && !p.namespaced && strcmp(action->valuestring, "list") == 0)
                    continue; /* the all-namespaces list: K8S_ALL_NAMESPACES */
                if (r->namespaced != p.namespaced) {
                    model_problem(m, "%s: scope differs from the resource's other paths", path);
                    continue;
                }
                if (p.subresource && strcmp(p.subresource, "proxy") == 0)
                    continue;
                op_params pp = {cJSON_GetObjectItemCaseSensitive(op, "parameters"),
                                cJSON_GetObjectItemCaseSensitive(item, "parameters"), global};
                make_op(m, r, &p, action->valuestring, op, &pp, path, *meth);
            }
        }
        if (pass == 0) {
            for (size_t i = 0; i < nres; i++) {
                gres *r = &res[i];
                r->type = r->kind ? model_type_for_gvk(m, r->group, r->version, r->kind) : NULL;
                if (!r->type) {
                    /* a resource with only subresource paths, or a kind no definition claims */
                    model_problem(m, "%s/%s %s: no definition for its kind %s", r->group, r->version, r->plural,
                            r->kind ? r->kind : "(unknown)");
                    continue;
                }
                const char *list_kind = arena_printf(m->arena, "%sList", r->kind);
                r->list_type = model_type_for_gvk(m, r->group, r->version, list_kind);
                r->c_name = arena_printf(m->arena, "%s_resource", r->type->c_name);
            }
        }
    }
    /* a resource's functions go with its kind's type */
    for (size_t i = 0; i < nres; i++) {
        gres *r = &res[i];
        if (!r->type || !r->type->pkg)
            continue;
        if (!r->type->resource)
            r->type->resource = r;
        gpkg *p = r->type->pkg;
        gres **nr = k8s_arena_alloc(m->arena, (p->nresources + 1) * sizeof *nr);
        if (p->nresources)
            memcpy(nr, p->resources, p->nresources * sizeof *nr);
        nr[p->nresources++] = r;
        p->resources = nr;
    }
    return m->problems == before;
}
