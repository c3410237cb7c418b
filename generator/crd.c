/* The CRD front end: CustomResourceDefinitions -> the same model the
 * OpenAPI front end (spec.c, ops.c) builds, which emit.c then renders.
 *
 * Each served version of a CRD is a package (group/version), its kind a
 * type with a resource and typed calls, and each object schema inside it a
 * struct (crd_schema.c) named by its path (crd_names.c). A problem names
 * the CRD, the version and the path in the object. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crd_internal.h"

__attribute__((format(printf, 3, 4))) void crd_problem(builder *b, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "k8sgen: %s: CRD %s", b->origin, b->crd ? b->crd : "(unnamed)");
    if (b->version)
        fprintf(stderr, ", version %s", b->version);
    if (where)
        fprintf(stderr, ", schema %s", *where ? where : "(root)");
    fputs(": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    b->m->problems++;
}

gtype *crd_new_type(builder *b, const char *c_name, const char *def, role r)
{
    if (b->m->ntypes == b->cap_types) { /* the bound is counted from the schemas */
        fprintf(stderr, "k8sgen: internal error: more types than schema nodes\n");
        abort();
    }
    gtype *t = &b->m->types[b->m->ntypes++];
    t->def = def;
    const char *dot = strrchr(def, '.');
    t->name = dot ? dot + 1 : def;
    t->c_name = c_name;
    t->role = r;
    t->pkg = b->pkg;
    return t;
}

static gpkg *find_pkg(model *m, const char *id)
{
    for (size_t i = 0; i < m->npkgs; i++)
        if (strcmp(m->pkgs[i].id, id) == 0)
            return &m->pkgs[i];
    return NULL;
}

/* A type of a built-in tree: "meta/v1.ObjectMeta" or
 * "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" -> k8s_meta_v1_object_meta
 * in k8s/meta/v1.h, named as spec.c names it. NULL when malformed. */
gtype *crd_external_type(builder *b, const char *spec)
{
    const char *group, *version, *name;
    char *copy = k8s_arena_strdup(b->a, spec);
    char *slash = strchr(copy, '/');
    if (slash) {
        *slash = '\0';
        char *dot = strchr(slash + 1, '.');
        if (!dot)
            return NULL;
        *dot = '\0';
        group = copy, version = slash + 1, name = dot + 1;
    } else {
        char *last = strrchr(copy, '.');
        if (!last)
            return NULL;
        *last = '\0';
        char *v = strrchr(copy, '.');
        if (!v)
            return NULL;
        *v = '\0';
        char *g = strrchr(copy, '.');
        group = g ? g + 1 : copy, version = v + 1, name = last + 1;
    }
    if (!*group || !*name || version[0] != 'v' || !isdigit((unsigned char)version[1]))
        return NULL;
    group = member_name(b->a, group);
    const char *id = arena_printf(b->a, "%s_%s", group, version);
    const char *c_name = arena_printf(b->a, "k8s_%s_%s", id, snake_case(b->a, name));
    gtype *t = smap_get(&b->externals, c_name);
    if (t)
        return t;
    gpkg *p = find_pkg(b->m, id);
    if (!p)
        return NULL; /* packages are made before the types (crd_build_model) */
    gpkg *keep = b->pkg;
    b->pkg = p;
    t = crd_new_type(b, c_name, arena_printf(b->a, "%s/%s.%s", group, version, name), ROLE_OBJECT);
    b->pkg = keep;
    *smap_slot(b->a, &b->externals, c_name, true) = t;
    crd_claim_one(b, c_name);
    return t;
}

/* x-kubernetes-int-or-string: a union of the package, int64 because a
 * CRD's integer has no size (the built-in k8s_int_or_string is int32). */
gtype *crd_int_or_string(builder *b)
{
    if (b->int_or_string)
        return b->int_or_string;
    gtype *t = crd_new_type(b, smap_get(&b->unions, b->pkg->id),
                        arena_printf(b->a, "%s.IntOrString", b->pkg->path), ROLE_UNION);
    t->doc = "x-kubernetes-int-or-string: an integer or a string, as the JSON value is.";
    t->fields = k8s_arena_alloc(b->a, 2 * sizeof *t->fields);
    t->fields[0] = (gfield){.json = "intVal", .member = "intVal", .kind = K8S_KIND_INT64};
    t->fields[1] = (gfield){.json = "strVal", .member = "strVal", .kind = K8S_KIND_STRING};
    t->nfields = 2;
    return b->int_or_string = t;
}

/* ---- kinds, their lists and resources ---- */

/* A served version of a CRD, as the passes over them see it. */
typedef struct served {
    const crd_doc *doc;
    const char *name, *group, *version, *kind, *list_kind, *plural;
    bool namespaced, status, scale;
    const cJSON *schema;
    gpkg *pkg;
    const char *base;       /* C name of the kind */
    const char *deprecated; /* the version is deprecated: the API server's warning, or NULL */
} served;

/* A kind's operations, in the order the OpenAPI spec lists a built-in
 * kind's (so both trees read alike). */
static const struct {
    const char *suffix, *verb, *method, *sub, *options, *summary; /* summary: NULL for apply */
    bool named, text, body, list_result, scale;
} op_table[] = {
    {"list_get", "K8S_VERB_LIST", "get", NULL, "k8s_list_options", "list or watch objects of kind", 0, 0, 0, 1, 0},
    {"create", "K8S_VERB_CREATE", "post", NULL, "k8s_write_options", "create a", 0, 0, 1, 0, 0},
    {"list_delete", "K8S_VERB_DELETE_COLLECTION", "delete", NULL, "k8s_delete_options", "delete collection of", 0,
     0, 0, 1, 0},
    {"get", "K8S_VERB_GET", "get", NULL, "k8s_get_options", "read the specified", 1, 0, 0, 0, 0},
    {"replace", "K8S_VERB_REPLACE", "put", NULL, "k8s_write_options", "replace the specified", 1, 0, 1, 0, 0},
    {"patch", "K8S_VERB_PATCH", "patch", NULL, "k8s_patch_options", "partially update the specified", 1, 1, 0, 0, 0},
    {"apply", "K8S_VERB_APPLY", "patch", NULL, "k8s_patch_options", NULL, 1, 0, 1, 0, 0},
    {"delete", "K8S_VERB_DELETE", "delete", NULL, "k8s_delete_options", "delete a", 1, 0, 0, 0, 0},
    {"scale_get", "K8S_VERB_GET", "get", "scale", "k8s_get_options", "read scale of the specified", 1, 0, 0, 0, 1},
    {"scale_replace", "K8S_VERB_REPLACE", "put", "scale", "k8s_write_options", "replace scale of the specified", 1,
     0, 1, 0, 1},
    {"scale_patch", "K8S_VERB_PATCH", "patch", "scale", "k8s_patch_options",
     "partially update scale of the specified", 1, 1, 0, 0, 1},
    {"scale_apply", "K8S_VERB_APPLY", "patch", "scale", "k8s_patch_options", NULL, 1, 0, 1, 0, 1},
    {"status_get", "K8S_VERB_GET", "get", "status", "k8s_get_options", "read status of the specified", 1, 0, 0, 0,
     0},
    {"status_replace", "K8S_VERB_REPLACE", "put", "status", "k8s_write_options", "replace status of the specified",
     1, 0, 1, 0, 0},
    {"status_patch", "K8S_VERB_PATCH", "patch", "status", "k8s_patch_options",
     "partially update status of the specified", 1, 1, 0, 0, 0},
    {"status_apply", "K8S_VERB_APPLY", "patch", "status", "k8s_patch_options", NULL, 1, 0, 1, 0, 0},
};

static bool has_op(const served *s, size_t i)
{
    const char *sub = op_table[i].sub;
    return !sub || (strcmp(sub, "scale") == 0 ? s->scale : s->status);
}

/* The kind's names (its struct, list, resource, every function) exactly,
 * before any schema takes one: a clash here is two CRDs' kinds. */
static void claim_kind(builder *b, served *s, smap *owners)
{
    const char *base = arena_printf(b->a, "k8s_%s_%s", s->pkg->id, crd_part(b->a, s->kind));
    const char *list = arena_printf(b->a, "%s_list", base), *res = arena_printf(b->a, "%s_resource", base);
    const char *clash = !crd_names_free(b, base) ? base : !crd_names_free(b, list) ? list : NULL;
    for (size_t i = 0; !clash && i < sizeof op_table / sizeof op_table[0]; i++) {
        const char *fn = arena_printf(b->a, "%s_%s", base, op_table[i].suffix);
        if (smap_get(&b->names, fn) || smap_get(&b->names, arena_printf(b->a, "%s_async", fn)))
            clash = fn;
    }
    if (!clash && smap_get(&b->names, res))
        clash = res;
    if (clash) {
        const served *other = smap_get(owners, clash);
        crd_problem(b, NULL, "conflicting names: kind %s of %s/%s and %s%s%s make the same C name %s", s->kind,
                    s->group, s->version, other ? other->kind : "another", other ? " of " : "",
                    other ? other->name : "kind", clash);
        return;
    }
    s->base = base;
    crd_take_names(b, base);
    crd_take_names(b, list);
    crd_claim_one(b, res);
    *smap_slot(b->a, owners, base, true) = s;
    *smap_slot(b->a, owners, list, true) = s;
    for (size_t i = 0; i < sizeof op_table / sizeof op_table[0]; i++) {
        const char *fn = arena_printf(b->a, "%s_%s", base, op_table[i].suffix);
        crd_claim_one(b, fn);
        crd_claim_one(b, arena_printf(b->a, "%s_async", fn));
        *smap_slot(b->a, owners, fn, true) = s;
    }
}

static void add_ops(builder *b, const served *s, gres *r, gtype *scale)
{
    r->ops = k8s_arena_alloc(b->a, sizeof op_table / sizeof op_table[0] * sizeof *r->ops);
    const char *prefix = *s->group ? "/apis/" : "/api";
    for (size_t i = 0; i < sizeof op_table / sizeof op_table[0]; i++) {
        if (!has_op(s, i))
            continue;
        gop *op = &r->ops[r->nops++];
        gtype *obj = op_table[i].scale ? scale : r->type;
        op->fn = arena_printf(b->a, "%s_%s", s->base, op_table[i].suffix);
        op->verb = op_table[i].verb;
        op->subresource = op_table[i].sub;
        op->options = op_table[i].options;
        op->named = op_table[i].named;
        op->list_selector = strcmp(op_table[i].suffix, "list_delete") == 0;
        op->text_body = op_table[i].text;
        op->body = op_table[i].body ? obj : NULL;
        op->result = op_table[i].list_result ? r->list_type : obj;
        op->result_kind = op_table[i].scale ? "Scale" : NULL; /* the kind of a type from the built-in tree */
        const char *path = arena_printf(b->a, "%s%s/%s%s/%s%s%s%s", prefix, s->group, s->version,
                                        s->namespaced ? "/namespaces/{namespace}" : "", s->plural,
                                        op->named ? "/{name}" : "", op->subresource ? "/" : "",
                                        op->subresource ? op->subresource : "");
        const char *method = op_table[i].method;
        op->deprecated = s->deprecated;
        op->doc = op_table[i].summary
                      ? arena_printf(b->a, "%s %s: %s %s", method, path, op_table[i].summary, s->kind)
                      : arena_printf(b->a, "%s %s: server-side apply (application/apply-patch+yaml)", method, path);
    }
}

static void build_kind(builder *b, served *s)
{
    b->origin = s->doc->origin;
    b->crd = s->name;
    b->group = s->group;
    b->version = s->version;
    b->kind = s->kind;
    b->pkg = s->pkg;
    b->int_or_string = NULL;
    for (size_t i = 0; i < b->m->ntypes; i++) /* the package's union, if an earlier kind made it */
        if (b->m->types[i].pkg == s->pkg && b->m->types[i].role == ROLE_UNION &&
            strcmp(b->m->types[i].c_name, smap_get(&b->unions, s->pkg->id)) == 0)
            b->int_or_string = &b->m->types[i];
    if (!s->base)
        return; /* its names clashed (reported) */
    if (!cJSON_IsObject(s->schema)) {
        crd_problem(b, NULL, "no schema (spec.versions[].schema.openAPIV3Schema): a structural schema is required");
        return;
    }
    const char *type = str_at(s->schema, "type");
    if (!type || strcmp(type, "object") != 0) {
        crd_problem(b, "", "not a structural schema: the root must be of type object");
        return;
    }
    if (item(s->schema, "$ref")) {
        crd_problem(b, "", "$ref is not allowed: a CRD's schema is self-contained");
        return;
    }
    b->kind_base = s->base;
    gtype *t = crd_kind_type(b, s->schema, s->base);
    if (!t)
        return;
    t->def = arena_printf(b->a, "%s/%s.%s", s->group, s->version, s->kind);
    t->name = s->kind;
    t->deprecated = s->deprecated;
    t->gvks = k8s_arena_alloc(b->a, sizeof *t->gvks);
    t->gvks[t->ngvks++] = (gvk){s->group, s->version, s->kind};

    gtype *list = crd_new_type(b, arena_printf(b->a, "%s_list", s->base),
                           arena_printf(b->a, "%s/%s.%s", s->group, s->version, s->list_kind), ROLE_OBJECT);
    list->name = s->list_kind;
    list->deprecated = s->deprecated;
    list->doc = arena_printf(b->a, "%s is a list of %s.", s->list_kind, s->kind);
    list->gvks = k8s_arena_alloc(b->a, sizeof *list->gvks);
    list->gvks[list->ngvks++] = (gvk){s->group, s->version, s->list_kind};
    list->fields = k8s_arena_alloc(b->a, 4 * sizeof *list->fields);
    list->fields[0] = (gfield){.json = "kind", .member = "kind", .kind = K8S_KIND_STRING};
    list->fields[1] = (gfield){.json = "apiVersion", .member = "apiVersion", .kind = K8S_KIND_STRING};
    list->fields[2] = (gfield){.json = "metadata", .member = "metadata", .kind = K8S_KIND_OBJECT,
                               .ref = crd_external_type(b, "meta/v1.ListMeta")};
    list->fields[3] = (gfield){.json = "items", .member = "items", .kind = K8S_KIND_OBJECT, .array = true,
                               .required = true, .ref = t, .doc = arena_printf(b->a, "The %s objects.", s->kind)};
    list->nfields = 4;

    gres *r = k8s_arena_alloc(b->a, sizeof *r);
    *r = (gres){s->group, s->version, s->plural, s->kind, s->namespaced, t, list,
                arena_printf(b->a, "%s_resource", s->base), NULL, 0};
    add_ops(b, s, r, s->scale ? crd_external_type(b, "autoscaling/v1.Scale") : NULL);
    t->resource = r;
    gpkg *p = s->pkg;
    gres **nr = k8s_arena_alloc(b->a, (p->nresources + 1) * sizeof *nr);
    if (p->nresources)
        memcpy(nr, p->resources, p->nresources * sizeof *nr);
    nr[p->nresources++] = r;
    p->resources = nr;
}

/* ---- the whole model ---- */

static size_t count_objects(const cJSON *j)
{
    size_t n = cJSON_IsObject(j);
    for (const cJSON *c = j ? j->child : NULL; c; c = c->next)
        n += count_objects(c);
    return n;
}

static int cmp_doc(const void *x, const void *y)
{
    const char *a = str_at(item(((const crd_doc *)x)->json, "metadata"), "name");
    const char *c = str_at(item(((const crd_doc *)y)->json, "metadata"), "name");
    return strcmp(a ? a : "", c ? c : "");
}

static int cmp_pkg_id(const void *x, const void *y)
{
    return strcmp(((const gpkg *)x)->id, ((const gpkg *)y)->id);
}

static int cmp_type_cname(const void *x, const void *y)
{
    return strcmp((*(gtype *const *)x)->c_name, (*(gtype *const *)y)->c_name);
}

/* Reads a CRD's served versions into out (v1, and v1beta1's shared
 * schema and subresources); problems with the CRD as a whole are reported
 * here. Returns how many it added. */
static size_t read_crd(builder *b, const crd_doc *d, served *out)
{
    const cJSON *spec = item(d->json, "spec"), *names = item(spec, "names");
    b->origin = d->origin;
    b->crd = str_at(item(d->json, "metadata"), "name");
    b->version = NULL;
    const char *group = str_at(spec, "group"), *kind = str_at(names, "kind"), *plural = str_at(names, "plural");
    const char *scope = str_at(spec, "scope");
    if (!b->crd || !group || !kind || !plural || !scope) {
        crd_problem(b, NULL,
                    "metadata.name, spec.group, spec.names.kind, spec.names.plural and spec.scope are required");
        return 0;
    }
    if (strcmp(scope, "Namespaced") != 0 && strcmp(scope, "Cluster") != 0) {
        crd_problem(b, NULL, "spec.scope \"%s\" is neither Namespaced nor Cluster", scope);
        return 0;
    }
    const char *list_kind = str_at(names, "listKind");
    const cJSON *versions = item(spec, "versions"), *v;
    cJSON *legacy = NULL;
    if (!cJSON_IsArray(versions) && str_at(spec, "version")) { /* v1beta1 with one version */
        legacy = cJSON_CreateArray();
        cJSON *one = cJSON_CreateObject();
        cJSON_AddStringToObject(one, "name", str_at(spec, "version"));
        cJSON_AddTrueToObject(one, "served");
        cJSON_AddItemToArray(legacy, one);
        versions = legacy;
    }
    size_t n = 0;
    cJSON_ArrayForEach(v, versions)
    {
        const char *name = str_at(v, "name");
        if (!name) {
            crd_problem(b, NULL, "a version without a name");
            continue;
        }
        if (!true_at(v, "served"))
            continue;
        const cJSON *schema = item(item(v, "schema"), "openAPIV3Schema");
        if (!schema)
            schema = item(item(spec, "validation"), "openAPIV3Schema");
        const cJSON *subs = item(v, "subresources");
        if (!subs)
            subs = item(spec, "subresources");
        served *s = &out[n++];
        *s = (served){d,
                      b->crd,
                      group,
                      k8s_arena_strdup(b->a, name),
                      kind,
                      list_kind ? list_kind : arena_printf(b->a, "%sList", kind),
                      plural,
                      strcmp(scope, "Namespaced") == 0,
                      item(subs, "status") != NULL,
                      item(subs, "scale") != NULL,
                      schema,
                      NULL,
                      NULL,
                      NULL};
        if (true_at(v, "deprecated")) /* the warning the API server sends with each request */
            s->deprecated = str_at(v, "deprecationWarning")
                                ? str_at(v, "deprecationWarning")
                                : arena_printf(b->a, "%s/%s %s is deprecated", group, s->version, kind);
    }
    if (!n)
        fprintf(stderr, "k8sgen: note: %s: CRD %s serves no version; nothing to generate\n", d->origin, b->crd);
    cJSON_Delete(legacy);
    return n;
}

static gpkg *add_pkg(builder *b, const char *id, const char *group, const char *version, const char *path)
{
    gpkg *p = find_pkg(b->m, id);
    if (p) {
        if (strcmp(p->path, path) != 0)
            crd_problem(b, NULL, "conflicting names: %s and %s both make the C prefix k8s_%s", p->path, path, id);
        return p;
    }
    p = &b->m->pkgs[b->m->npkgs++];
    memset(p, 0, sizeof *p);
    p->id = id;
    p->group = group;
    p->version = version;
    p->path = path;
    p->header = arena_printf(b->a, "k8s/%s/%s.h", group, version);
    p->api_header = arena_printf(b->a, "k8s/%s/%s_api.h", group, version);
    return p;
}

/* The package of a --map type, made up front like the others. */
static void add_map_pkg(builder *b, crd_map *mp)
{
    const char *t = mp->type, *slash = strchr(t, '/');
    char *copy = k8s_arena_strdup(b->a, t);
    const char *group, *version;
    if (slash) {
        copy[slash - t] = '\0';
        char *dot = strchr(copy + (slash - t) + 1, '.');
        if (dot)
            *dot = '\0';
        group = copy, version = copy + (slash - t) + 1;
    } else {
        char *last = strrchr(copy, '.');
        if (last)
            *last = '\0';
        char *v = strrchr(copy, '.');
        if (v)
            *v = '\0';
        char *g = strrchr(copy, '.');
        group = g ? g + 1 : copy, version = v ? v + 1 : "";
    }
    if (!*group || !*version) {
        b->origin = "--map";
        b->crd = mp->arg;
        crd_problem(b, NULL, "\"%s\" names no built-in type (write group/version.Kind, as core/v1.PodTemplateSpec)", t);
        return;
    }
    group = member_name(b->a, group);
    add_pkg(b, arena_printf(b->a, "%s_%s", group, version), group, version,
            arena_printf(b->a, "%s/%s", group, version));
}

/* p's types header includes the headers of its fields' types; its calls
 * header (calls) those of its bodies' and replies' types. */
static void add_dep_of(builder *b, gpkg *p, const gtype *t, bool calls)
{
    if (t && t->pkg)
        model_add_dep(b->m, p, calls ? &p->api_deps : &p->deps, calls ? &p->napi_deps : &p->ndeps, t->pkg);
}

bool crd_build_model(model *m, crd_doc *docs, size_t ndocs, const crd_options *opts)
{
    builder b = {.m = m, .a = m->arena, .opts = opts};
    m->problems = 0;
    qsort(docs, ndocs, sizeof *docs, cmp_doc); /* input order does not matter */
    size_t nserved = 0, objects = 0, kept = 0;
    for (size_t i = 0; i < ndocs; i++) {
        const char *name = str_at(item(docs[i].json, "metadata"), "name");
        const char *prev = kept ? str_at(item(docs[kept - 1].json, "metadata"), "name") : NULL;
        if (name && prev && strcmp(name, prev) == 0) {
            b.origin = docs[i].origin;
            b.crd = name;
            if (cJSON_Compare(item(docs[i].json, "spec"), item(docs[kept - 1].json, "spec"), true))
                fprintf(stderr, "k8sgen: note: %s: CRD %s is also in %s; read once\n", docs[i].origin, name,
                        docs[kept - 1].origin);
            else
                crd_problem(&b, NULL, "conflicting names: %s defines it differently", docs[kept - 1].origin);
            continue;
        }
        docs[kept++] = docs[i];
        const cJSON *spec = item(docs[i].json, "spec");
        nserved += (size_t)cJSON_GetArraySize(item(spec, "versions")) + 1;
        objects += count_objects(spec);
    }
    ndocs = kept;
    served *all = k8s_arena_alloc(b.a, (nserved + 1) * sizeof *all);
    size_t n = 0;
    for (size_t i = 0; i < ndocs; i++)
        n += read_crd(&b, &docs[i], all + n);

    /* packages first (sorted, so emission order is the same every time) */
    m->pkgs = k8s_arena_alloc(b.a, (n + opts->nmaps + 2) * sizeof *m->pkgs);
    add_pkg(&b, "meta_v1", "meta", "v1", "meta/v1");
    add_pkg(&b, "autoscaling_v1", "autoscaling", "v1", "autoscaling/v1");
    for (size_t i = 0; i < opts->nmaps; i++)
        add_map_pkg(&b, &opts->maps[i]);
    for (size_t i = 0; i < n; i++) {
        const char *g = crd_part(b.a, all[i].group), *v = crd_part(b.a, all[i].version);
        add_pkg(&b, arena_printf(b.a, "%s_%s", g, v), g, v, arena_printf(b.a, "%s/%s", all[i].group, all[i].version));
    }
    qsort(m->pkgs, m->npkgs, sizeof *m->pkgs, cmp_pkg_id);
    for (size_t i = 0; i < n; i++)
        all[i].pkg =
            find_pkg(m, arena_printf(b.a, "%s_%s", crd_part(b.a, all[i].group), crd_part(b.a, all[i].version)));

    b.cap_types = 2 * objects + 4 * n + opts->nmaps + 8;
    m->types = k8s_arena_alloc(b.a, b.cap_types * sizeof *m->types);

    /* the names kinds need, then each package's int-or-string, then schemas */
    smap owners = {0}, kinds = {0};
    for (size_t i = 0; i < n; i++) {
        served *s = &all[i];
        b.origin = s->doc->origin;
        b.crd = s->name;
        b.version = s->version;
        const char *gvk_key = arena_printf(b.a, "%s/%s %s", s->group, s->version, s->kind);
        const char *gvr = arena_printf(b.a, "%s/%s %s", s->group, s->version, s->plural);
        const served *other = smap_get(&kinds, gvk_key) ? smap_get(&kinds, gvk_key) : smap_get(&kinds, gvr);
        if (other) {
            crd_problem(&b, NULL, "conflicting names: CRD %s (%s) also defines %s", other->name, other->doc->origin,
                        smap_get(&kinds, gvk_key) ? gvk_key : gvr);
            continue;
        }
        *smap_slot(b.a, &kinds, gvk_key, true) = s;
        *smap_slot(b.a, &kinds, gvr, true) = s;
        claim_kind(&b, s, &owners);
    }
    for (size_t i = 0; i < m->npkgs; i++) { /* the union and its map entry: after a kind IntOrString */
        const char *base = arena_printf(b.a, "k8s_%s_int_or_string", m->pkgs[i].id), *name = base;
        for (int k = 2; !crd_names_free(&b, name) || !crd_names_free(&b, arena_printf(b.a, "%s_entry", name)); k++)
            name = arena_printf(b.a, "%s_%d", base, k);
        crd_take_names(&b, name);
        crd_take_names(&b, arena_printf(b.a, "%s_entry", name));
        *smap_slot(b.a, &b.unions, m->pkgs[i].id, true) = (void *)name;
    }
    for (size_t i = 0; i < n; i++)
        build_kind(&b, &all[i]);
    for (size_t i = 0; i < opts->nmaps; i++)
        if (!opts->maps[i].used) {
            b.origin = "--map";
            b.crd = opts->maps[i].arg;
            b.version = NULL;
            crd_problem(&b, NULL, "no served version of a CRD of kind %s has an object schema at %s",
                        opts->maps[i].kind, opts->maps[i].path);
        }
    if (m->problems)
        return false;

    /* each package: its types by C name, and the packages it includes */
    for (size_t i = 0; i < m->npkgs; i++)
        m->pkgs[i].types = k8s_arena_alloc(b.a, (m->ntypes + 1) * sizeof(gtype *));
    for (size_t i = 0; i < m->ntypes; i++) {
        gtype *t = &m->types[i];
        if (smap_get(&b.externals, t->c_name))
            continue;
        t->pkg->types[t->pkg->ntypes++] = t;
        for (size_t j = 0; j < t->nfields; j++)
            add_dep_of(&b, t->pkg, t->fields[j].ref, false);
    }
    for (size_t i = 0; i < m->npkgs; i++) {
        gpkg *p = &m->pkgs[i];
        qsort(p->types, p->ntypes, sizeof *p->types, cmp_type_cname);
        for (size_t r = 0; r < p->nresources; r++)
            for (size_t o = 0; o < p->resources[r]->nops; o++) {
                add_dep_of(&b, p, p->resources[r]->ops[o].body, true);
                add_dep_of(&b, p, p->resources[r]->ops[o].result, true);
            }
    }
    m->tree_name = opts->name;
    m->k8s_version = opts->name;
    m->spec_name = "CustomResourceDefinitions";
    m->source = arena_printf(b.a, "%zu CustomResourceDefinition%s", ndocs, ndocs == 1 ? "" : "s");
    m->sha256 = crd_input_sha256(b.a, docs, ndocs, opts);
    return m->sha256 != NULL;
}
