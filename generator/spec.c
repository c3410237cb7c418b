/* Reads a Swagger 2.0 Kubernetes spec and builds the model: one gtype per
 * definition, its fields resolved to codec kinds, grouped into packages.
 * Every problem names the definition (and property) it was found in. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "k8s/buf.h"
#include "k8sgen.h"

#define SPEC_LIMIT ((size_t)1 << 30) /* the 1.35 spec is 4 MiB */

void model_problem(model *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "k8sgen: %s: ", m->spec_name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    m->problems++;
}

/* A schema's description, kept whole for the header comments; NULL for none. */
static const char *description(model *m, const cJSON *desc)
{
    return cJSON_IsString(desc) && *desc->valuestring ? k8s_arena_strdup(m->arena, desc->valuestring) : NULL;
}

static const char *sha256_hex(k8s_arena *a, const char *data, size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL))
        return NULL;
    char *hex = k8s_arena_alloc(a, mdlen * 2 + 1);
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return hex;
}

static int cmp_type(const void *a, const void *b)
{
    return strcmp(((const gtype *)a)->def, ((const gtype *)b)->def);
}

static gtype *find_type(const model *m, const char *def)
{
    gtype key = {.def = def};
    return bsearch(&key, m->types, m->ntypes, sizeof key, cmp_type);
}

static bool is_version(const char *s)
{
    if (s[0] != 'v' || !isdigit((unsigned char)s[1]))
        return false;
    s++;
    while (isdigit((unsigned char)*s))
        s++;
    if (!*s)
        return true;
    if (strncmp(s, "alpha", 5) == 0)
        s += 5;
    else if (strncmp(s, "beta", 4) == 0)
        s += 4;
    else
        return false;
    if (!isdigit((unsigned char)*s))
        return false;
    while (isdigit((unsigned char)*s))
        s++;
    return *s == '\0';
}

/* The package of a definition: "io.k8s.api.apps.v1" -> group apps, version
 * v1; an unversioned package ("io.k8s.apimachinery.pkg.version") is a group
 * of its own with no version. */
static gpkg *package_for(model *m, const char *def)
{
    const char *dot = strrchr(def, '.');
    size_t plen = dot ? (size_t)(dot - def) : 0;
    for (size_t i = 0; i < m->npkgs; i++)
        if (strlen(m->pkgs[i].path) == plen && strncmp(m->pkgs[i].path, def, plen) == 0)
            return &m->pkgs[i];
    char *path = k8s_arena_strndup(m->arena, def, plen);
    /* split into segments */
    const char *segs[32];
    size_t nseg = 0;
    char *copy = k8s_arena_strdup(m->arena, path);
    for (char *tok = strtok(copy, "."); tok && nseg < 32; tok = strtok(NULL, "."))
        segs[nseg++] = tok;
    if (nseg == 0) {
        model_problem(m, "%s: definition has no package", def);
        return NULL;
    }
    const char *group = segs[nseg - 1], *version = "";
    if (nseg >= 2 && is_version(segs[nseg - 1])) {
        group = segs[nseg - 2];
        version = segs[nseg - 1];
    }
    gpkg *p = &m->pkgs[m->npkgs++];
    memset(p, 0, sizeof *p);
    p->path = path;
    p->group = member_name(m->arena, group);
    p->version = version;
    if (*version) {
        p->id = arena_printf(m->arena, "%s_%s", p->group, version);
        p->header = arena_printf(m->arena, "k8s/%s/%s.h", p->group, version);
        p->api_header = arena_printf(m->arena, "k8s/%s/%s_api.h", p->group, version);
    } else {
        p->id = p->group;
        p->header = arena_printf(m->arena, "k8s/%s.h", p->group);
        p->api_header = arena_printf(m->arena, "k8s/%s_api.h", p->group);
    }
    for (size_t i = 0; i + 1 < m->npkgs; i++)
        if (strcmp(m->pkgs[i].id, p->id) == 0)
            model_problem(m, "packages %s and %s both map to %s", m->pkgs[i].path, path, p->id);
    return p;
}

static const char *kind_label(uint8_t kind)
{
    static const char *const names[] = {
        [K8S_KIND_STRING] = "string", [K8S_KIND_BOOL] = "boolean",  [K8S_KIND_INT32] = "int32",
        [K8S_KIND_INT64] = "int64",   [K8S_KIND_DOUBLE] = "double", [K8S_KIND_BYTES] = "bytes",
        [K8S_KIND_QUANTITY] = "Quantity", [K8S_KIND_TIME] = "Time", [K8S_KIND_MICROTIME] = "MicroTime",
        [K8S_KIND_JSON] = "JSON", [K8S_KIND_OBJECT] = "objects", [K8S_KIND_UNION] = "unions",
        [K8S_KIND_MAP] = "maps",
    };
    return kind < sizeof names / sizeof names[0] && names[kind] ? names[kind] : "values";
}

/* Resolves a property (or item, or map value) schema into f->kind/ref. */
static bool resolve(model *m, const char *where, const cJSON *schema, gfield *f)
{
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(schema, "$ref");
    if (cJSON_IsString(ref)) {
        const char *prefix = "#/definitions/";
        if (strncmp(ref->valuestring, prefix, strlen(prefix)) != 0) {
            model_problem(m, "%s: unsupported $ref \"%s\"", where, ref->valuestring);
            return false;
        }
        gtype *t = find_type(m, ref->valuestring + strlen(prefix));
        if (!t) {
            model_problem(m, "%s: dangling $ref \"%s\"", where, ref->valuestring);
            return false;
        }
        switch (t->role) {
        case ROLE_SCALAR: f->kind = t->scalar_kind; break;
        case ROLE_BUILTIN:
        case ROLE_UNION: f->kind = K8S_KIND_UNION; f->ref = t; break;
        case ROLE_ENTRY: /* crd.c's only */
        case ROLE_OBJECT: f->kind = K8S_KIND_OBJECT; f->ref = t; break;
        }
        return true;
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(schema, "type");
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(schema, "format");
    const char *fmt = cJSON_IsString(format) ? format->valuestring : "";
    if (!type) { /* no type and no $ref: any JSON value */
        f->kind = K8S_KIND_JSON;
        return true;
    }
    if (!cJSON_IsString(type)) {
        model_problem(m, "%s: \"type\" is not a string", where);
        return false;
    }
    const char *ty = type->valuestring;
    if (strcmp(ty, "string") == 0) {
        if (strcmp(fmt, "byte") == 0) {
            f->kind = K8S_KIND_BYTES;
        } else if (strcmp(fmt, "date-time") == 0) {
            f->kind = K8S_KIND_TIME;
        } else if (strcmp(fmt, "int-or-string") == 0) {
            f->kind = K8S_KIND_UNION;
            f->ref = find_type(m, "io.k8s.apimachinery.pkg.util.intstr.IntOrString");
            if (!f->ref) {
                model_problem(m, "%s: int-or-string without the IntOrString definition", where);
                return false;
            }
        } else {
            f->kind = K8S_KIND_STRING;
        }
    } else if (strcmp(ty, "integer") == 0) {
        f->kind = strcmp(fmt, "int32") == 0 ? K8S_KIND_INT32 : K8S_KIND_INT64;
    } else if (strcmp(ty, "number") == 0) {
        f->kind = K8S_KIND_DOUBLE;
    } else if (strcmp(ty, "boolean") == 0) {
        f->kind = K8S_KIND_BOOL;
    } else if (strcmp(ty, "array") == 0) {
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(schema, "items");
        if (!cJSON_IsObject(items)) {
            model_problem(m, "%s: array without items", where);
            return false;
        }
        gfield elem = {0};
        if (!resolve(m, where, items, &elem))
            return false;
        if (elem.array || elem.kind == K8S_KIND_MAP) {
            model_problem(m, "%s: arrays of %s are not supported", where,
                    elem.array ? "arrays" : "maps");
            return false;
        }
        f->kind = elem.kind;
        f->ref = elem.ref;
        f->array = true;
    } else if (strcmp(ty, "object") == 0) {
        const cJSON *ap = cJSON_GetObjectItemCaseSensitive(schema, "additionalProperties");
        if (cJSON_GetObjectItemCaseSensitive(schema, "properties")) {
            model_problem(m, "%s: inline object schemas are not supported", where);
            return false;
        }
        if (!cJSON_IsObject(ap)) { /* an object of anything */
            f->kind = K8S_KIND_JSON;
            return true;
        }
        gfield value = {0};
        if (!resolve(m, where, ap, &value))
            return false;
        bool ok = value.kind == K8S_KIND_STRING || value.kind == K8S_KIND_QUANTITY ||
                  value.kind == K8S_KIND_TIME || value.kind == K8S_KIND_JSON ||
                  value.kind == K8S_KIND_BYTES || value.kind == K8S_KIND_OBJECT ||
                  value.kind == K8S_KIND_UNION;
        if (value.array)
            ok = value.kind == K8S_KIND_STRING;
        if (value.kind == K8S_KIND_UNION && value.ref->role == ROLE_BUILTIN)
            ok = false;
        if (!ok) {
            model_problem(m, "%s: maps of %s%s are not supported", where, value.array ? "arrays of " : "",
                    kind_label(value.kind));
            return false;
        }
        f->kind = K8S_KIND_MAP;
        f->value_kind = value.kind;
        f->array = value.array;
        f->ref = value.ref;
        if (f->ref)
            f->ref->map_value = true;
    } else {
        model_problem(m, "%s: unknown type \"%s\"", where, ty);
        return false;
    }
    return true;
}

bool json_array_has(const cJSON *arr, const char *s)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
            return true;
    }
    return false;
}

/* Member names must be unique in the struct, with the has_/_len members
 * that some fields bring along. */
static void check_members(model *m, const gtype *t)
{
    size_t cap = t->nfields * 2 + 1, n = 0;
    const char **names = k8s_arena_alloc(m->arena, cap * sizeof *names);
    names[n++] = "_unknown";
    for (size_t i = 0; i < t->nfields; i++) {
        const gfield *f = &t->fields[i];
        names[n++] = f->member;
        if (f->array || f->kind == K8S_KIND_MAP)
            names[n++] = arena_printf(m->arena, "%s_len", f->member);
        else if (f->kind == K8S_KIND_BOOL || f->kind == K8S_KIND_INT32 ||
                 f->kind == K8S_KIND_INT64 || f->kind == K8S_KIND_DOUBLE)
            names[n++] = arena_printf(m->arena, "has_%s", f->member);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                model_problem(m, "%s: two members would be named %s", t->def, names[i]);
}

/* The spec lists properties alphabetically; objects read better, and look
 * like what the API server sends, with kind, apiVersion and metadata first.
 * (Order is free: the codec finds fields by name.) */
void model_lead_with_type_meta(gtype *t)
{
    static const char *const lead[] = {"kind", "apiVersion", "metadata"};
    size_t at = 0;
    for (size_t l = 0; l < 3; l++)
        for (size_t i = at; i < t->nfields; i++)
            if (strcmp(t->fields[i].json, lead[l]) == 0) {
                gfield f = t->fields[i];
                memmove(&t->fields[at + 1], &t->fields[at], (i - at) * sizeof f);
                t->fields[at++] = f;
                break;
            }
}

/* Deprecated fields go last: `T x = {0}` initializes the first member, and
 * clang warns when that one is deprecated. */
static void deprecated_last(gtype *t)
{
    gfield *tmp = malloc((t->nfields + 1) * sizeof *tmp);
    if (!tmp)
        return; /* the order is only cosmetic */
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < t->nfields; i++)
            if ((t->fields[i].deprecated != NULL) == pass)
                tmp[n++] = t->fields[i];
    memcpy(t->fields, tmp, n * sizeof *tmp);
    free(tmp);
}

static void build_object(model *m, gtype *t, const cJSON *def)
{
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(def, "properties");
    const cJSON *required = cJSON_GetObjectItemCaseSensitive(def, "required");
    size_t n = (size_t)cJSON_GetArraySize(props);
    if (n > 254) {
        model_problem(m, "%s: %zu properties, more than the codec's 254", t->def, n);
        return;
    }
    t->fields = k8s_arena_alloc(m->arena, (n ? n : 1) * sizeof *t->fields);
    const cJSON *p;
    cJSON_ArrayForEach(p, props)
    {
        gfield *f = &t->fields[t->nfields];
        const char *where = arena_printf(m->arena, "%s.%s", t->def, p->string);
        if (!cJSON_IsObject(p)) {
            model_problem(m, "%s: property schema is not an object", where);
            continue;
        }
        if (!resolve(m, where, p, f))
            continue;
        f->json = k8s_arena_strdup(m->arena, p->string);
        f->member = member_name(m->arena, p->string);
        const cJSON *desc = cJSON_GetObjectItemCaseSensitive(p, "description");
        f->doc = description(m, desc);
        f->deprecated = deprecation_notice(m->arena, f->doc);
        f->required = json_array_has(required, p->string) && !override_not_required(t->def, p->string);
        t->nfields++;
    }
    model_lead_with_type_meta(t);
    deprecated_last(t);
    const cJSON *r;
    cJSON_ArrayForEach(r, required)
    {
        if (!cJSON_IsString(r) || !cJSON_GetObjectItemCaseSensitive(props, r->valuestring))
            model_problem(m, "%s: required property %s is not defined", t->def,
                    cJSON_IsString(r) ? r->valuestring : "(not a string)");
    }
}

static void build_union(model *m, gtype *t, const union_member *members)
{
    size_t n = 0;
    while (members[n].name)
        n++;
    t->fields = k8s_arena_alloc(m->arena, n * sizeof *t->fields);
    for (size_t i = 0; i < n; i++) {
        gfield *f = &t->fields[t->nfields];
        f->json = members[i].name;
        f->member = member_name(m->arena, members[i].name);
        f->kind = members[i].kind;
        f->array = members[i].array;
        if (members[i].ref && !(f->ref = find_type(m, members[i].ref))) {
            model_problem(m, "%s: override names a missing definition %s", t->def, members[i].ref);
            continue;
        }
        t->nfields++;
    }
}

static void read_gvks(model *m, gtype *t, const cJSON *def)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(def, "x-kubernetes-group-version-kind");
    size_t n = (size_t)cJSON_GetArraySize(list);
    t->gvks = k8s_arena_alloc(m->arena, (n ? n : 1) * sizeof *t->gvks);
    const cJSON *g;
    cJSON_ArrayForEach(g, list)
    {
        const cJSON *group = cJSON_GetObjectItemCaseSensitive(g, "group");
        const cJSON *version = cJSON_GetObjectItemCaseSensitive(g, "version");
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(g, "kind");
        if (!cJSON_IsString(group) || !cJSON_IsString(version) || !cJSON_IsString(kind)) {
            model_problem(m, "%s: malformed x-kubernetes-group-version-kind", t->def);
            continue;
        }
        t->gvks[t->ngvks++] = (gvk){k8s_arena_strdup(m->arena, group->valuestring),
                                    k8s_arena_strdup(m->arena, version->valuestring),
                                    k8s_arena_strdup(m->arena, kind->valuestring)};
    }
}

void model_add_dep(model *m, const gpkg *p, gpkg ***deps, size_t *n, gpkg *dep)
{
    if (dep == p)
        return;
    for (size_t i = 0; i < *n; i++)
        if ((*deps)[i] == dep)
            return;
    gpkg **nd = k8s_arena_alloc(m->arena, (*n + 1) * sizeof *nd);
    if (*n)
        memcpy(nd, *deps, *n * sizeof *nd);
    nd[(*n)++] = dep;
    *deps = nd;
}

static int cmp_type_ptr_cname(const void *a, const void *b)
{
    return strcmp((*(gtype *const *)a)->c_name, (*(gtype *const *)b)->c_name);
}

static int cmp_pkg(const void *a, const void *b)
{
    return strcmp(((const gpkg *)a)->id, ((const gpkg *)b)->id);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file-scope name the tree will declare must be unique. */
static void check_global_names(model *m)
{
    size_t n = 0;
    const char **names = k8s_arena_alloc(m->arena, (m->ntypes * 4 + 1) * sizeof *names);
    for (size_t i = 0; i < m->ntypes; i++) {
        const gtype *t = &m->types[i];
        if (t->role != ROLE_OBJECT && t->role != ROLE_UNION)
            continue;
        names[n++] = t->c_name;
        names[n++] = arena_printf(m->arena, "%s_desc", t->c_name);
        if (t->map_value) {
            names[n++] = arena_printf(m->arena, "%s_entry", t->c_name);
            names[n++] = arena_printf(m->arena, "%s_entry_desc", t->c_name);
        }
    }
    size_t extra = 0;
    for (size_t i = 0; i < m->npkgs; i++)
        for (size_t r = 0; r < m->pkgs[i].nresources; r++)
            extra += 1 + 2 * m->pkgs[i].resources[r]->nops;
    const char **all = k8s_arena_alloc(m->arena, (n + extra + 1) * sizeof *all);
    memcpy(all, names, n * sizeof *names);
    names = all;
    for (size_t i = 0; i < m->npkgs; i++)
        for (size_t r = 0; r < m->pkgs[i].nresources; r++) {
            const gres *res = m->pkgs[i].resources[r];
            names[n++] = res->c_name;
            for (size_t o = 0; o < res->nops; o++) {
                names[n++] = res->ops[o].fn;
                names[n++] = arena_printf(m->arena, "%s_async", res->ops[o].fn);
            }
        }
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 1; i < n; i++)
        if (strcmp(names[i], names[i - 1]) == 0)
            model_problem(m, "two generated declarations would be named %s", names[i]);
}

/* Adds the overrides' extra definitions the spec does not have itself. */
static bool add_extra_definitions(model *m, cJSON *defs)
{
    cJSON *extra = cJSON_Parse(override_extra_definitions());
    if (!extra) {
        model_problem(m, "overrides.c: the extra definitions are not valid JSON");
        return false;
    }
    /* only where the spec has what they are made of (meta/v1) */
    bool has_meta = cJSON_GetObjectItemCaseSensitive(defs, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta") &&
                    cJSON_GetObjectItemCaseSensitive(defs, "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta");
    for (cJSON *d = extra->child; has_meta && d; d = d->next)
        if (!cJSON_GetObjectItemCaseSensitive(defs, d->string))
            cJSON_AddItemToObject(defs, d->string, cJSON_Duplicate(d, true));
    cJSON_Delete(extra);
    return true;
}

static bool build(model *m, cJSON *root)
{
    cJSON *defs = cJSON_GetObjectItemCaseSensitive(root, "definitions");
    if (!cJSON_IsObject(defs)) {
        model_problem(m, "no \"definitions\" object");
        return false;
    }
    if (!add_extra_definitions(m, defs))
        return false;
    m->ntypes = (size_t)cJSON_GetArraySize(defs);
    m->types = k8s_arena_alloc(m->arena, (m->ntypes ? m->ntypes : 1) * sizeof *m->types);
    m->pkgs = k8s_arena_alloc(m->arena, (m->ntypes ? m->ntypes : 1) * sizeof *m->pkgs);
    size_t i = 0;
    const cJSON *d;
    cJSON_ArrayForEach(d, defs)
    {
        gtype *t = &m->types[i++];
        t->def = k8s_arena_strdup(m->arena, d->string);
        const char *dot = strrchr(t->def, '.');
        t->name = dot ? dot + 1 : t->def;
    }
    qsort(m->types, m->ntypes, sizeof *m->types, cmp_type);

    /* roles first: resolving fields needs every definition's role */
    for (i = 0; i < m->ntypes; i++) {
        gtype *t = &m->types[i];
        const special_def *sp = override_special(t->def);
        const cJSON *def = cJSON_GetObjectItemCaseSensitive(defs, t->def);
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(def, "type");
        const cJSON *desc = cJSON_GetObjectItemCaseSensitive(def, "description");
        t->doc = description(m, desc);
        t->deprecated = deprecation_notice(m->arena, t->doc);
        t->preserve_unknown = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(def, "x-kubernetes-preserve-unknown-fields"));
        if (sp) {
            t->role = sp->role;
            t->scalar_kind = sp->scalar_kind;
            if (sp->role == ROLE_BUILTIN)
                t->c_name = sp->c_name;
        } else if (type && !(cJSON_IsString(type) && strcmp(type->valuestring, "object") == 0)) {
            model_problem(m, "%s: definition of type %s needs an entry in overrides.c", t->def,
                    cJSON_IsString(type) ? type->valuestring : "(not a string)");
        } else if (!type && !cJSON_GetObjectItemCaseSensitive(def, "properties")) {
            model_problem(m, "%s: definition without a type needs an entry in overrides.c", t->def);
        } else {
            t->role = ROLE_OBJECT;
        }
        if (t->role == ROLE_OBJECT || t->role == ROLE_UNION) {
            t->pkg = package_for(m, t->def);
            if (t->pkg)
                t->c_name = arena_printf(m->arena, "k8s_%s_%s", t->pkg->id, snake_case(m->arena, t->name));
        }
    }
    if (m->problems)
        return false;
    for (i = 0; i < m->ntypes; i++) {
        gtype *t = &m->types[i];
        const cJSON *def = cJSON_GetObjectItemCaseSensitive(defs, t->def);
        read_gvks(m, t, def);
        if (t->role == ROLE_OBJECT)
            build_object(m, t, def);
        else if (t->role == ROLE_UNION)
            build_union(m, t, override_special(t->def)->members);
        if (t->role == ROLE_OBJECT || t->role == ROLE_UNION)
            check_members(m, t);
    }
    /* packages: their types (by C name) and the packages they include */
    qsort(m->pkgs, m->npkgs, sizeof *m->pkgs, cmp_pkg);
    for (i = 0; i < m->ntypes; i++) { /* re-find packages after sorting */
        gtype *t = &m->types[i];
        if (!t->pkg)
            continue;
        t->pkg = package_for(m, t->def);
    }
    for (i = 0; i < m->npkgs; i++)
        m->pkgs[i].types = k8s_arena_alloc(m->arena, m->ntypes * sizeof(gtype *));
    for (i = 0; i < m->ntypes; i++) {
        gtype *t = &m->types[i];
        if (!t->pkg)
            continue;
        t->pkg->types[t->pkg->ntypes++] = t;
        for (size_t j = 0; j < t->nfields; j++) {
            gtype *r = t->fields[j].ref;
            if (r && r->pkg)
                model_add_dep(m, t->pkg, &t->pkg->deps, &t->pkg->ndeps, r->pkg);
        }
    }
    for (i = 0; i < m->npkgs; i++)
        qsort(m->pkgs[i].types, m->pkgs[i].ntypes, sizeof(gtype *), cmp_type_ptr_cname);
    if (m->problems || !model_load_ops(m, root))
        return false;
    /* a package's functions name the body and reply types of its operations */
    for (i = 0; i < m->npkgs; i++) {
        gpkg *p = &m->pkgs[i];
        for (size_t r = 0; r < p->nresources; r++) {
            const gres *res = p->resources[r];
            for (size_t o = 0; o < res->nops; o++) {
                const gop *op = &res->ops[o];
                if (op->body && op->body->pkg)
                    model_add_dep(m, p, &p->api_deps, &p->napi_deps, op->body->pkg);
                if (op->result && op->result->pkg)
                    model_add_dep(m, p, &p->api_deps, &p->napi_deps, op->result->pkg);
            }
        }
    }
    check_global_names(m);
    return m->problems == 0;
}

bool model_load(model *m, const char *spec_path, const char *k8s_version)
{
    m->problems = 0;
    m->spec_name = spec_path;
    m->k8s_version = k8s_version;
    size_t len = 0;
    char *data;
    int e = k8s_read_file(spec_path, SPEC_LIMIT, &data, &len);
    if (e) {
        fprintf(stderr, "k8sgen: cannot read %s: %s\n", spec_path, strerror(e));
        return false;
    }
    m->sha256 = sha256_hex(m->arena, data, len);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(data, len, &end, false);
    if (!root) {
        model_problem(m, "not valid JSON near byte %zu", end ? (size_t)(end - data) : 0);
        free(data);
        return false;
    }
    bool ok = m->sha256 && build(m, root);
    cJSON_Delete(root);
    free(data);
    return ok;
}
