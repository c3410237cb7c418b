/* The CRD front end: CustomResourceDefinitions -> the same model the
 * OpenAPI front end (spec.c, ops.c) builds, which emit.c then renders.
 *
 * Each served version of a CRD is a package (group/version), its kind a
 * type with a resource and typed calls, and each object schema inside it a
 * struct named by its path (README.md "Naming", which also explains the
 * shortening and collision rules implemented by claim() and the dedupe).
 * Structural-schema rules are checked as the API server checks them; a
 * problem names the CRD, the version and the path in the object. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "k8sgen.h"

typedef struct pending {
    gtype *t;
    const cJSON *node;
    const struct at *pos;
    bool resource;
} pending;

/* ---- a string-keyed hash map in the model's arena ---- */

typedef struct smap {
    const char **keys;
    void **vals;
    size_t cap, n;
} smap;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static void **smap_slot(k8s_arena *a, smap *m, const char *key, bool insert)
{
    if (insert && (m->n + 1) * 2 > m->cap) {
        smap grown = {0};
        grown.cap = m->cap ? m->cap * 2 : 256;
        grown.keys = k8s_arena_alloc(a, grown.cap * sizeof *grown.keys);
        grown.vals = k8s_arena_alloc(a, grown.cap * sizeof *grown.vals);
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i])
                *smap_slot(a, &grown, m->keys[i], true) = m->vals[i];
        *m = grown;
    }
    if (!m->cap)
        return NULL;
    size_t i = hash_str(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    if (!m->keys[i]) {
        if (!insert)
            return NULL;
        m->keys[i] = key;
        m->n++;
    }
    return &m->vals[i];
}

static void *smap_get(smap *m, const char *key)
{
    void **v = smap_slot(NULL, m, key, false);
    return v ? *v : NULL;
}

/* ---- the builder ---- */

typedef struct builder {
    model *m;
    k8s_arena *a;
    const crd_options *opts;
    smap names;  /* file-scope C names taken */
    smap macros; /* enum constant names taken */
    smap shapes; /* scope + schema digest -> gtype, for identical schemas */
    smap externals; /* C name -> gtype of another tree */
    smap unions;    /* package id -> the C name of its int-or-string union */
    size_t cap_types;
    int errors;
    /* what is being read, for messages and scopes */
    const char *origin, *crd, *group, *version, *kind;
    gpkg *pkg;
    gtype *int_or_string; /* of pkg, made when first needed */
    const char *kind_base; /* the kind's C name */
    struct pending *pending; /* structs whose fields are still to make */
    size_t npending, cap_pending;
} builder;

__attribute__((format(printf, 3, 4))) static void problem(builder *b, const char *where, const char *fmt, ...)
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
    b->errors++;
}

static const cJSON *item(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static const char *str_at(const cJSON *obj, const char *key)
{
    const cJSON *v = item(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool true_at(const cJSON *obj, const char *key)
{
    return cJSON_IsTrue(item(obj, key));
}

/* ---- names ---- */

/* One word of a C name from a JSON name or kind: snake_case, runs of
 * characters C cannot hold as one '_', none at either end ("$ref" -> "ref",
 * "x-kubernetes-foo" -> "x_kubernetes_foo", "HTTPRoute" -> "http_route"). */
static const char *part(k8s_arena *a, const char *json)
{
    const char *s = snake_case(a, json);
    char *out = k8s_arena_alloc(a, strlen(s) + 2), *o = out;
    for (; *s; s++) {
        if (*s == '_' && (o == out || o[-1] == '_'))
            continue;
        *o++ = *s;
    }
    while (o > out && o[-1] == '_')
        o--;
    if (o == out)
        *o++ = 'x';
    *o = '\0';
    return out;
}

/* The names a type of C name `base` declares at file scope; a struct that
 * is a map's value declares its entry type's too (base_entry...). */
static const char *const suffixes[] = {"", "_desc", "_fields", "_index"};

static bool names_free(builder *b, const char *base)
{
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
        if (smap_get(&b->names, arena_printf(b->a, "%s%s", base, suffixes[i])))
            return false;
    return true;
}

static void take_names(builder *b, const char *base)
{
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
        *smap_slot(b->a, &b->names, arena_printf(b->a, "%s%s", base, suffixes[i]), true) = (void *)base;
}

/* The wanted name, or when something took it already the first free of
 * wanted_2, wanted_3, ...: the first comer keeps the plain name. */
static const char *claim(builder *b, const char *wanted)
{
    const char *name = wanted;
    for (int n = 2; !names_free(b, name); n++)
        name = arena_printf(b->a, "%s_%d", wanted, n);
    take_names(b, name);
    return name;
}

static bool claim_one(builder *b, const char *name)
{
    if (smap_get(&b->names, name))
        return false;
    *smap_slot(b->a, &b->names, name, true) = (void *)name;
    return true;
}

static const char *upper(k8s_arena *a, const char *s)
{
    char *u = k8s_arena_strdup(a, s);
    for (char *p = u; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return u;
}

/* ---- types ---- */

static gtype *new_type(builder *b, const char *c_name, const char *def, role r)
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
static gtype *external_type(builder *b, const char *spec)
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
    t = new_type(b, c_name, arena_printf(b->a, "%s/%s.%s", group, version, name), ROLE_OBJECT);
    b->pkg = keep;
    *smap_slot(b->a, &b->externals, c_name, true) = t;
    claim_one(b, c_name);
    return t;
}

/* x-kubernetes-int-or-string: a union of the package, int64 because a
 * CRD's integer has no size (the built-in k8s_int_or_string is int32). */
static gtype *int_or_string(builder *b)
{
    if (b->int_or_string)
        return b->int_or_string;
    gtype *t = new_type(b, smap_get(&b->unions, b->pkg->id),
                        arena_printf(b->a, "%s.IntOrString", b->pkg->path), ROLE_UNION);
    t->doc = "x-kubernetes-int-or-string: an integer or a string, as the JSON value is.";
    t->fields = k8s_arena_alloc(b->a, 2 * sizeof *t->fields);
    t->fields[0] = (gfield){.json = "intVal", .member = "intVal", .kind = K8S_KIND_INT64};
    t->fields[1] = (gfield){.json = "strVal", .member = "strVal", .kind = K8S_KIND_STRING};
    t->nfields = 2;
    return b->int_or_string = t;
}

/* ---- what a schema node says ---- */

static const char *const junctors[] = {"allOf", "anyOf", "oneOf", "not"};

/* Inside allOf/anyOf/oneOf/not a structural schema only validates: it
 * declares no types, descriptions, defaults or nullability (except the two
 * int-or-string forms), and names only fields the schema declares outside. */
static void check_junction(builder *b, const cJSON *node, const cJSON *sub, const char *where, bool int_or_string)
{
    static const char *const banned[] = {"type", "description", "default", "nullable", "additionalProperties",
                                         "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource",
                                         "x-kubernetes-int-or-string", "$ref"};
    if (!cJSON_IsObject(sub)) {
        if (cJSON_IsArray(sub)) {
            const cJSON *s;
            cJSON_ArrayForEach(s, sub) check_junction(b, node, s, where, int_or_string);
        }
        return;
    }
    for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++) {
        const cJSON *v = item(sub, banned[i]);
        if (!v)
            continue;
        if (i == 0 && int_or_string && cJSON_IsString(v) &&
            (strcmp(v->valuestring, "integer") == 0 || strcmp(v->valuestring, "string") == 0))
            continue;
        problem(b, where, "not a structural schema: \"%s\" inside a junctor (allOf, anyOf, oneOf, not)", banned[i]);
    }
    const cJSON *props = item(sub, "properties"), *p;
    cJSON_ArrayForEach(p, props)
    {
        if (!item(item(node, "properties"), p->string))
            problem(b, where,
                    "not a structural schema: property \"%s\" inside a junctor is not declared outside it",
                    p->string);
        else
            check_junction(b, item(item(node, "properties"), p->string), p, where, false);
    }
    if (item(sub, "items")) {
        if (!item(node, "items"))
            problem(b, where, "not a structural schema: items inside a junctor are not declared outside it");
        else
            check_junction(b, item(node, "items"), item(sub, "items"), where, false);
    }
    for (size_t j = 0; j < sizeof junctors / sizeof junctors[0]; j++)
        check_junction(b, node, item(sub, junctors[j]), where, int_or_string);
}

/* s on one line, safe inside a C comment. */
static const char *comment_text(k8s_arena *a, const char *s)
{
    char *out = k8s_arena_alloc(a, 2 * strlen(s) + 1), *o = out;
    for (; *s; s++) {
        char c = *s == '\n' || *s == '\r' || *s == '\t' ? ' ' : *s;
        if ((c == '/' && o > out && o[-1] == '*') || (c == '*' && o > out && o[-1] == '/'))
            *o++ = ' ';
        *o++ = c;
    }
    *o = '\0';
    return out;
}

/* Text for a doc comment: the first sentence, then the default. */
static const char *field_doc(builder *b, const cJSON *node)
{
    const char *doc = first_sentence(b->a, str_at(node, "description"));
    const cJSON *def = item(node, "default");
    if (!def)
        return doc;
    char *text = cJSON_PrintUnformatted(def);
    const char *shown = text ? text : "";
    size_t n = strlen(shown);
    const char *d = arena_printf(b->a, "Default: %.*s%s", n > 120 ? 117 : (int)n, shown, n > 120 ? "..." : "");
    free(text);
    d = comment_text(b->a, d);
    return doc ? arena_printf(b->a, "%s %s", doc, d) : d;
}

static const char *c_string(builder *b, const char *s)
{
    k8s_buf out = K8S_BUF_INIT;
    k8s_buf_append_str(&out, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\')
            snprintf(esc, sizeof esc, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f || (*p == '?' && p[1] == '?'))
            snprintf(esc, sizeof esc, "\\%03o", *p);
        else
            snprintf(esc, sizeof esc, "%c", *p);
        k8s_buf_append_str(&out, esc);
    }
    k8s_buf_append_str(&out, "\"");
    const char *r = k8s_arena_strdup(b->a, out.data);
    k8s_buf_free(&out);
    return r;
}

/* The word an enum value gives its constant: its letters and digits
 * (part()), "empty" for "", and for values of symbols only their names
 * ("!=" -> "not_eq"). */
static const char *value_word(k8s_arena *a, const char *v)
{
    static const char *const names[][2] = {{"=", "eq"},   {"!", "not"},   {"~", "tilde"}, {"<", "lt"},
                                           {">", "gt"},   {"*", "star"},  {"+", "plus"},  {"-", "minus"},
                                           {"/", "slash"}, {".", "dot"},  {"%", "percent"}, {"&", "and"},
                                           {"|", "or"},   {"^", "caret"}, {"@", "at"},    {"#", "hash"},
                                           {"$", "dollar"}, {"?", "question"}, {":", "colon"}, {" ", "space"}};
    if (!*v)
        return "empty";
    for (const char *p = v; *p; p++)
        if (isalnum((unsigned char)*p))
            return part(a, v);
    k8s_buf w = K8S_BUF_INIT;
    for (const char *p = v; *p; p++) {
        const char *name = "x";
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (*p == names[i][0][0])
                name = names[i][1];
        if (w.len)
            k8s_buf_append_str(&w, "_");
        k8s_buf_append_str(&w, name);
    }
    const char *word = k8s_arena_strdup(a, w.data);
    k8s_buf_free(&w);
    return word;
}

/* The values of an enum, each with the word its constant will end in
 * (name_consts gives the constants their names). */
static void enum_consts(builder *b, const cJSON *node, const char *where, gfield *f)
{
    const cJSON *values = item(node, "enum"), *v;
    size_t n = (size_t)cJSON_GetArraySize(values);
    if (!n)
        return;
    f->consts = k8s_arena_alloc(b->a, n * sizeof *f->consts);
    cJSON_ArrayForEach(v, values)
    {
        const char *value, *word;
        if (cJSON_IsString(v)) {
            value = c_string(b, v->valuestring);
            word = value_word(b->a, v->valuestring);
        } else if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) &&
                   fabs(v->valuedouble) < 9007199254740992.0) {
            long long i = (long long)v->valuedouble;
            value = arena_printf(b->a, i >= INT32_MIN && i <= INT32_MAX ? "%lld" : "INT64_C(%lld)", i);
            word = arena_printf(b->a, "%s%lld", i < 0 ? "minus_" : "", i < 0 ? -i : i);
        } else {
            if (!cJSON_IsNull(v))
                fprintf(stderr, "k8sgen: note: %s: CRD %s, version %s, schema %s: enum value with no C constant\n",
                        b->origin, b->crd, b->version, where);
            continue;
        }
        f->consts[f->nconsts++] = (gconst){word, value};
    }
}

/* The constants of t's enum fields: K8S_<TYPE>_<FIELD>_<VALUE>, upper
 * case; a name another constant has gets _2, _3, ... */
static void name_consts(builder *b, gtype *t)
{
    for (size_t i = 0; i < t->nfields; i++) {
        gfield *f = &t->fields[i];
        for (size_t k = 0; k < f->nconsts; k++) {
            const char *wanted = upper(b->a, arena_printf(b->a, "%s_%s_%s", t->c_name, part(b->a, f->json),
                                                          f->consts[k].name));
            const char *name = wanted;
            for (int n = 2; smap_get(&b->macros, name); n++)
                name = arena_printf(b->a, "%s_%d", wanted, n);
            *smap_slot(b->a, &b->macros, name, true) = (void *)name;
            f->consts[k].name = name;
        }
    }
}

enum { LIST_ATOMIC = 1, LIST_SET, LIST_MAP }; /* gfield.list_type */

static uint8_t list_type(builder *b, const cJSON *node, const char *where)
{
    static const char *const names[] = {"", "atomic", "set", "map"};
    const char *lt = str_at(node, "x-kubernetes-list-type");
    for (uint8_t i = 1; lt && i < 4; i++)
        if (strcmp(lt, names[i]) == 0)
            return i;
    if (lt)
        problem(b, where, "x-kubernetes-list-type \"%s\" is none of atomic, set, map", lt);
    return 0;
}

static bool map_atomic(builder *b, const cJSON *node, const char *where)
{
    const char *mt = str_at(node, "x-kubernetes-map-type");
    if (mt && strcmp(mt, "atomic") != 0 && strcmp(mt, "granular") != 0)
        problem(b, where, "x-kubernetes-map-type \"%s\" is neither atomic nor granular", mt);
    return mt && strcmp(mt, "atomic") == 0;
}

/* The JSON path without array and map steps: ".spec.rules[*].x" -> "spec.rules.x". */
static const char *plain_path(k8s_arena *a, const char *where)
{
    char *buf = k8s_arena_alloc(a, strlen(where) + 1), *o = buf;
    for (const char *p = where; *p;) {
        if (strncmp(p, "[*]", 3) == 0)
            p += 3;
        else if (strncmp(p, ".*", 2) == 0 && (p[2] == '\0' || p[2] == '.' || p[2] == '['))
            p += 2;
        else
            *o++ = *p++;
    }
    *o = '\0';
    return *buf == '.' ? buf + 1 : buf;
}

static bool map_applies(const builder *b, const crd_map *mp)
{
    return strcmp(mp->kind, b->kind) == 0 && (!mp->group || strcmp(mp->group, b->group) == 0) &&
           (!mp->version || strcmp(mp->version, b->version) == 0);
}

/* The --map option naming this node of the current kind, if any. */
static crd_map *mapping(builder *b, const char *where)
{
    const char *plain = plain_path(b->a, where);
    for (size_t i = 0; i < b->opts->nmaps; i++) {
        crd_map *mp = &b->opts->maps[i];
        if (map_applies(b, mp) && strcmp(mp->path, plain) == 0)
            return mp;
    }
    return NULL;
}

/* Whether some --map names a path below this one: then this schema is not
 * the same as an identical one elsewhere. */
static bool mapped_below(builder *b, const char *where)
{
    const char *plain = plain_path(b->a, where);
    size_t n = strlen(plain);
    for (size_t i = 0; i < b->opts->nmaps; i++) {
        const crd_map *mp = &b->opts->maps[i];
        if (map_applies(b, mp) && (n == 0 || (strncmp(mp->path, plain, n) == 0 && mp->path[n] == '.')))
            return true;
    }
    return false;
}

/* A digest of what makes a schema's type: all of it but the words about
 * the field that holds it (its description, default, nullability). Only
 * types of one kind's version share (crd.c's dedupe rule). */
static const char *shape_key(builder *b, const cJSON *node)
{
    static const char *const skip[] = {"description", "default", "nullable", "example", "title"};
    k8s_buf text = K8S_BUF_INIT;
    const cJSON *c;
    for (c = node->child; c; c = c->next) {
        bool skipped = false;
        for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
            skipped |= strcmp(c->string, skip[i]) == 0;
        if (skipped)
            continue;
        char *v = cJSON_PrintUnformatted(c);
        k8s_buf_append_str(&text, c->string);
        k8s_buf_append_str(&text, "=");
        k8s_buf_append_str(&text, v ? v : "");
        k8s_buf_append_str(&text, "\n");
        free(v);
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(text.data ? text.data : "", text.len, md, &n, EVP_sha256(), NULL);
    k8s_buf_free(&text);
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return arena_printf(b->a, "%s/%s/%s %s", b->group, b->version, b->kind, hex);
}

/* Where a schema node is: the property that leads to it (NULL for array
 * items and map values) below its parent, and the JSON path for messages. */
typedef struct at {
    const struct at *up;
    const char *prop;
    const char *where; /* ".spec.rules[*].matches" */
} at;

static const at *below(builder *b, const at *pos, const char *prop, const char *step)
{
    at *p = k8s_arena_alloc(b->a, sizeof *p);
    *p = (at){pos, prop, arena_printf(b->a, "%s%s%s", pos->where, step, prop ? prop : "")};
    return p;
}

/* Names longer than this keep only the last properties of their path. */
enum { NAME_LIMIT = 80 };

/* The kind's name, then the last k of the n properties on the way to pos,
 * then suffix: k8s_<group>_<version>_<kind>_spec_rules_matches. */
static const char *tail_name(builder *b, const char *const *props, size_t n, size_t k, const char *suffix)
{
    k8s_buf name = K8S_BUF_INIT;
    k8s_buf_append_str(&name, b->kind_base);
    for (size_t i = n - k; i < n; i++) {
        k8s_buf_append_str(&name, "_");
        k8s_buf_append_str(&name, part(b->a, props[i]));
    }
    k8s_buf_append_str(&name, suffix);
    const char *s = k8s_arena_strdup(b->a, name.data);
    k8s_buf_free(&name);
    return s;
}

static size_t path_props(const at *pos, const char **props, size_t max)
{
    size_t n = 0;
    for (const at *p = pos; p; p = p->up)
        n += p->prop != NULL;
    n = n < max ? n : max;
    size_t i = n;
    for (const at *p = pos; p && i; p = p->up)
        if (p->prop)
            props[--i] = p->prop;
    return n;
}

/* How many trailing properties the name of a type at pos keeps: all of
 * them when the name fits NAME_LIMIT, else as many as fit, two at least. */
static size_t kept_props(builder *b, const char *const *props, size_t n, const char *suffix)
{
    size_t k = n;
    while (k > 2 && strlen(tail_name(b, props, n, k, suffix)) > NAME_LIMIT)
        k--;
    return k;
}

/* Claims the name of a new type at pos. A shortened name another type has
 * already gets back properties until it is free; then _2, _3, ... */
static const char *claim_path_name(builder *b, const at *pos, const char *suffix)
{
    const char *props[256];
    size_t n = path_props(pos, props, 256);
    for (size_t k = kept_props(b, props, n, suffix); k < n; k++) {
        const char *name = tail_name(b, props, n, k, suffix);
        if (names_free(b, name)) {
            take_names(b, name);
            return name;
        }
    }
    return claim(b, tail_name(b, props, n, n, suffix));
}

static bool resolve(builder *b, const cJSON *node, const at *pos, gfield *f);

static bool has_flag(const gfield *f)
{
    return !f->array && (f->kind == K8S_KIND_BOOL || f->kind == K8S_KIND_INT32 || f->kind == K8S_KIND_INT64 ||
                         f->kind == K8S_KIND_DOUBLE);
}

static bool member_free(smap *taken, k8s_arena *a, const gfield *f, const char *m)
{
    if (smap_get(taken, m))
        return false;
    if (has_flag(f) && smap_get(taken, arena_printf(a, "has_%s", m)))
        return false;
    if ((f->array || f->kind == K8S_KIND_MAP) && smap_get(taken, arena_printf(a, "%s_len", m)))
        return false;
    return !f->nullable || !smap_get(taken, arena_printf(a, "null_%s", m));
}

/* Member names are the JSON names (names.c's member_name); when one is
 * taken already, by another field or the has_/_len/null_ members a field
 * brings, the later field gets _2, _3, ... */
static void assign_members(builder *b, gtype *t)
{
    smap taken = {0};
    *smap_slot(b->a, &taken, "_unknown", true) = "";
    for (size_t i = 0; i < t->nfields; i++) {
        gfield *f = &t->fields[i];
        const char *base = member_name(b->a, f->json), *m = base;
        for (int k = 2; !member_free(&taken, b->a, f, m); k++)
            m = arena_printf(b->a, "%s_%d", base, k);
        f->member = m;
        *smap_slot(b->a, &taken, m, true) = "";
        if (has_flag(f))
            *smap_slot(b->a, &taken, arena_printf(b->a, "has_%s", m), true) = "";
        if (f->array || f->kind == K8S_KIND_MAP)
            *smap_slot(b->a, &taken, arena_printf(b->a, "%s_len", m), true) = "";
        if (f->nullable)
            *smap_slot(b->a, &taken, arena_printf(b->a, "null_%s", m), true) = "";
    }
}

static bool string_in(const cJSON *arr, const char *s)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
            return true;
    }
    return false;
}

static int field_index(const gtype *t, const char *json)
{
    for (size_t i = 0; i < t->nfields; i++)
        if (strcmp(t->fields[i].json, json) == 0)
            return (int)i;
    return -1;
}

/* Moves field `json` of t to position to, adding `made` when the schema
 * does not have it. */
static void lead_with(gtype *t, size_t to, const char *json, gfield made)
{
    int i = field_index(t, json);
    gfield f = i >= 0 ? t->fields[i] : made;
    if (i < 0)
        i = (int)t->nfields++;
    memmove(&t->fields[to + 1], &t->fields[to], ((size_t)i - to) * sizeof f);
    t->fields[to] = f;
}

/* A struct for an object schema with properties: made at once, its fields
 * filled in later (fill_struct), breadth first, so that of identical
 * schemas the shallowest names the type they share. */
static gtype *new_struct(builder *b, const cJSON *node, const at *pos, const char *c_name, bool resource)
{
    size_t n = (size_t)cJSON_GetArraySize(item(node, "properties")) + (resource ? 3 : 0);
    if (n > 254) {
        problem(b, pos->where, "%zu properties, more than the codec's 254", n);
        return NULL;
    }
    gtype *t = new_type(b, c_name, arena_printf(b->a, "%s/%s.%s%s", b->group, b->version, b->kind, pos->where),
                        ROLE_OBJECT);
    const char *doc = first_sentence(b->a, str_at(node, "description"));
    t->doc = *pos->where ? arena_printf(b->a, "%s%sAt %s.", doc ? doc : "", doc ? " " : "", pos->where) : doc;
    t->fields = k8s_arena_alloc(b->a, (n ? n : 1) * sizeof *t->fields);
    if (b->npending == b->cap_pending) {
        b->cap_pending = b->cap_pending ? 2 * b->cap_pending : 64;
        pending *np = k8s_arena_alloc(b->a, b->cap_pending * sizeof *np);
        if (b->npending)
            memcpy(np, b->pending, b->npending * sizeof *np);
        b->pending = np;
    }
    b->pending[b->npending++] = (pending){t, node, pos, resource};
    return t;
}

/* A resource (a kind's root, or an x-kubernetes-embedded-resource) always
 * has apiVersion, kind and metadata, whose type is the built-in ObjectMeta. */
static void fill_struct(builder *b, const pending *pd)
{
    gtype *t = pd->t;
    const cJSON *props = item(pd->node, "properties"), *required = item(pd->node, "required");
    gtype *object_meta = pd->resource ? external_type(b, "meta/v1.ObjectMeta") : NULL;
    const cJSON *p;
    cJSON_ArrayForEach(p, props)
    {
        gfield f = {.json = p->string};
        if (pd->resource && strcmp(p->string, "metadata") == 0) {
            f.kind = K8S_KIND_OBJECT;
            f.ref = object_meta;
        } else if (!resolve(b, p, below(b, pd->pos, p->string, "."), &f)) {
            continue;
        }
        f.doc = field_doc(b, p);
        f.required = string_in(required, p->string);
        f.nullable = true_at(p, "nullable");
        t->fields[t->nfields++] = f;
    }
    const cJSON *r;
    cJSON_ArrayForEach(r, required)
    {
        if (!cJSON_IsString(r) || !item(props, r->valuestring))
            problem(b, pd->pos->where, "required property %s is not among the properties",
                    cJSON_IsString(r) ? r->valuestring : "(not a string)");
    }
    if (pd->resource) { /* as the API server sends them */
        lead_with(t, 0, "kind", (gfield){.json = "kind", .kind = K8S_KIND_STRING});
        lead_with(t, 1, "apiVersion", (gfield){.json = "apiVersion", .kind = K8S_KIND_STRING});
        lead_with(t, 2, "metadata", (gfield){.json = "metadata", .kind = K8S_KIND_OBJECT, .ref = object_meta});
    }
    assign_members(b, t);
    name_consts(b, t);
}

/* An array or a map inside an array: a union of one member, "items" or
 * "entries", so that it can be an element. */
static gtype *box(builder *b, const gfield *inner, const at *pos)
{
    bool array = inner->array;
    const char *suffix = array ? "_list" : "_map";
    bool nested = inner->ref && inner->ref->role == ROLE_UNION && inner->ref != b->int_or_string;
    const char *c_name = nested ? claim(b, arena_printf(b->a, "%s%s", inner->ref->c_name, suffix))
                                : claim_path_name(b, pos, suffix);
    gtype *t = new_type(b, c_name, arena_printf(b->a, "%s/%s.%s%s[*]", b->group, b->version, b->kind, pos->where),
                        ROLE_UNION);
    t->doc = array ? "An array in an array." : "A map in an array.";
    t->fields = k8s_arena_alloc(b->a, sizeof *t->fields);
    t->fields[0] = *inner;
    t->fields[0].json = t->fields[0].member = array ? "items" : "entries";
    t->fields[0].doc = NULL;
    t->nfields = 1;
    name_consts(b, t);
    return t;
}

static bool resolve_array(builder *b, const cJSON *node, const at *pos, gfield *f)
{
    const cJSON *items = item(node, "items");
    if (!cJSON_IsObject(items)) {
        problem(b, pos->where, items ? "items is not one schema" : "an array without items");
        return false;
    }
    gfield e = {0};
    if (!resolve(b, items, below(b, pos, NULL, "[*]"), &e))
        return false;
    f->list_type = list_type(b, node, pos->where);
    const cJSON *keys = item(node, "x-kubernetes-list-map-keys");
    if (f->list_type == LIST_MAP && (e.kind != K8S_KIND_OBJECT || e.array || !cJSON_IsArray(keys))) {
        problem(b, pos->where, "x-kubernetes-list-type map needs items that are objects and x-kubernetes-list-map-keys");
        return false;
    }
    if (f->list_type == LIST_MAP) {
        size_t n = (size_t)cJSON_GetArraySize(keys), i = 0;
        f->list_map_keys = k8s_arena_alloc(b->a, (n + 1) * sizeof *f->list_map_keys);
        const cJSON *k;
        cJSON_ArrayForEach(k, keys)
        {
            if (!cJSON_IsString(k) || (e.ref->pkg == b->pkg && !item(item(items, "properties"), k->valuestring))) {
                problem(b, pos->where, "x-kubernetes-list-map-keys names %s, not a property of the items",
                        cJSON_IsString(k) ? k->valuestring : "a non-string");
                return false;
            }
            f->list_map_keys[i++] = k->valuestring;
        }
    }
    f->array = true;
    if (true_at(items, "nullable")) { /* null elements: kept exactly, as JSON */
        f->kind = K8S_KIND_JSON;
        return true;
    }
    if (e.array || e.kind == K8S_KIND_MAP) {
        f->kind = K8S_KIND_UNION;
        f->ref = box(b, &e, pos);
        return true;
    }
    f->kind = e.kind;
    f->ref = e.ref;
    f->consts = e.consts;
    f->nconsts = e.nconsts;
    return true;
}

/* A map of v: the runtime's entry types for text, bytes and string lists,
 * a generated struct's own entry type (emitted after it) for objects and
 * unions, and an entry type of its own for anything else. */
static void make_map(builder *b, gfield *f, const gfield *v, const at *pos)
{
    f->kind = K8S_KIND_MAP;
    f->value_kind = v->kind;
    f->consts = v->consts;
    f->nconsts = v->nconsts;
    bool text = v->kind == K8S_KIND_STRING || v->kind == K8S_KIND_QUANTITY || v->kind == K8S_KIND_TIME ||
                v->kind == K8S_KIND_JSON || v->kind == K8S_KIND_BYTES;
    if (!v->array && !v->ref && text)
        return;
    if (v->array && !v->ref && v->kind == K8S_KIND_STRING) {
        f->array = true;
        return;
    }
    if (!v->array && !v->nullable && v->ref && v->ref->pkg == b->pkg && v->ref->role != ROLE_ENTRY) {
        const char *entry = arena_printf(b->a, "%s_entry", v->ref->c_name);
        if (v->ref->map_value || v->ref == b->int_or_string || names_free(b, entry)) {
            if (!v->ref->map_value && v->ref != b->int_or_string)
                take_names(b, entry);
            f->ref = v->ref; /* inline in the entry, as the built-in trees do */
            f->ref->map_value = true;
            return;
        }
    }
    gtype *t = new_type(b, claim_path_name(b, pos, "_entry"),
                        arena_printf(b->a, "%s/%s.%s%s.*", b->group, b->version, b->kind, pos->where), ROLE_ENTRY);
    t->doc = "One entry of a map.";
    t->fields = k8s_arena_alloc(b->a, 2 * sizeof *t->fields);
    t->fields[0] = (gfield){.json = "key", .member = "key", .kind = K8S_KIND_STRING};
    t->fields[1] = *v;
    t->fields[1].json = t->fields[1].member = "value";
    t->fields[1].doc = NULL;
    t->fields[1].nullable = false; /* a null value is an absent one: written back as null */
    t->fields[1].consts = NULL;
    t->fields[1].nconsts = 0;
    t->nfields = 2;
    f->ref = t;
}

static bool resolve_object(builder *b, const cJSON *node, const at *pos, gfield *f)
{
    const cJSON *props = item(node, "properties"), *ap = item(node, "additionalProperties");
    bool embedded = true_at(node, "x-kubernetes-embedded-resource");
    bool preserve = true_at(node, "x-kubernetes-preserve-unknown-fields");
    f->map_atomic = map_atomic(b, node, pos->where);
    if (props && ap && !cJSON_IsFalse(ap)) {
        problem(b, pos->where, "not a structural schema: properties and additionalProperties together");
        return false;
    }
    crd_map *mp = mapping(b, pos->where);
    if (mp) {
        gtype *t = external_type(b, mp->type);
        if (!t) {
            problem(b, pos->where,
                    "--map %s: \"%s\" names no built-in type (write group/version.Kind, as core/v1.PodTemplateSpec)",
                    mp->arg, mp->type);
            return false;
        }
        mp->used++;
        f->kind = K8S_KIND_OBJECT;
        f->ref = t;
        return true;
    }
    if (cJSON_IsObject(props) || (embedded && !preserve)) {
        const char *key = mapped_below(b, pos->where) ? NULL : shape_key(b, node);
        gtype *t = key ? smap_get(&b->shapes, key) : NULL;
        if (!t) {
            t = new_struct(b, node, pos, claim_path_name(b, pos, ""), embedded);
            if (!t)
                return false;
            if (key)
                *smap_slot(b->a, &b->shapes, key, true) = t;
        }
        f->kind = K8S_KIND_OBJECT;
        f->ref = t;
    } else if (cJSON_IsObject(ap)) {
        gfield v = {0};
        if (!resolve(b, ap, below(b, pos, NULL, ".*"), &v))
            return false;
        v.nullable = true_at(ap, "nullable");
        make_map(b, f, &v, pos);
    } else if (cJSON_IsTrue(ap)) {
        f->kind = K8S_KIND_MAP;
        f->value_kind = K8S_KIND_JSON;
    } else { /* free-form (preserve-unknown-fields), or an object the server empties */
        f->kind = K8S_KIND_JSON;
    }
    return true;
}

static bool resolve(builder *b, const cJSON *node, const at *pos, gfield *f)
{
    const char *where = pos->where;
    if (!cJSON_IsObject(node)) {
        problem(b, where, "the schema is not an object");
        return false;
    }
    if (item(node, "$ref")) {
        problem(b, where, "$ref is not allowed: a CRD's schema is self-contained");
        return false;
    }
    bool ios = true_at(node, "x-kubernetes-int-or-string");
    for (size_t j = 0; j < sizeof junctors / sizeof junctors[0]; j++)
        check_junction(b, node, item(node, junctors[j]), where, ios);
    const cJSON *type = item(node, "type");
    if (type && !cJSON_IsString(type)) {
        problem(b, where, "\"type\" is not a string");
        return false;
    }
    const char *ty = type ? type->valuestring : NULL;
    if (ios) {
        if (ty) {
            problem(b, where, "not a structural schema: x-kubernetes-int-or-string with type %s", ty);
            return false;
        }
        f->kind = K8S_KIND_UNION;
        f->ref = int_or_string(b);
        enum_consts(b, node, where, f);
        return true;
    }
    if (true_at(node, "x-kubernetes-embedded-resource") && (!ty || strcmp(ty, "object") != 0)) {
        problem(b, where, "x-kubernetes-embedded-resource needs type: object");
        return false;
    }
    if (!ty) {
        if (true_at(node, "x-kubernetes-preserve-unknown-fields")) {
            f->kind = K8S_KIND_JSON;
            return true;
        }
        problem(b, where, "not a structural schema: no type (nor x-kubernetes-int-or-string or "
                          "x-kubernetes-preserve-unknown-fields)");
        return false;
    }
    if (strcmp(ty, "object") != 0 && strcmp(ty, "array") != 0) {
        crd_map *mp = mapping(b, where);
        if (mp) {
            problem(b, where, "--map %s: the schema there is a %s, not an object", mp->arg, ty);
            return false;
        }
    }
    const char *fmt = str_at(node, "format");
    fmt = fmt ? fmt : "";
    if (strcmp(ty, "string") == 0) {
        f->kind = strcmp(fmt, "byte") == 0        ? K8S_KIND_BYTES
                  : strcmp(fmt, "date-time") == 0 ? K8S_KIND_TIME
                                                  : K8S_KIND_STRING;
    } else if (strcmp(ty, "integer") == 0) {
        f->kind = strcmp(fmt, "int32") == 0 ? K8S_KIND_INT32 : K8S_KIND_INT64;
    } else if (strcmp(ty, "number") == 0) {
        f->kind = K8S_KIND_DOUBLE;
    } else if (strcmp(ty, "boolean") == 0) {
        f->kind = K8S_KIND_BOOL;
    } else if (strcmp(ty, "array") == 0) {
        return resolve_array(b, node, pos, f);
    } else if (strcmp(ty, "object") == 0) {
        return resolve_object(b, node, pos, f);
    } else {
        problem(b, where, "unknown type \"%s\"", ty);
        return false;
    }
    enum_consts(b, node, where, f);
    return true;
}

/* ---- kinds, their lists and resources ---- */

/* A served version of a CRD, as the passes over them see it. */
typedef struct served {
    const crd_doc *doc;
    const char *name, *group, *version, *kind, *list_kind, *plural;
    bool namespaced, status, scale;
    const cJSON *schema;
    gpkg *pkg;
    const char *base; /* C name of the kind */
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
    const char *base = arena_printf(b->a, "k8s_%s_%s", s->pkg->id, part(b->a, s->kind));
    const char *list = arena_printf(b->a, "%s_list", base), *res = arena_printf(b->a, "%s_resource", base);
    const char *clash = !names_free(b, base) ? base : !names_free(b, list) ? list : NULL;
    for (size_t i = 0; !clash && i < sizeof op_table / sizeof op_table[0]; i++) {
        const char *fn = arena_printf(b->a, "%s_%s", base, op_table[i].suffix);
        if (smap_get(&b->names, fn) || smap_get(&b->names, arena_printf(b->a, "%s_async", fn)))
            clash = fn;
    }
    if (!clash && smap_get(&b->names, res))
        clash = res;
    if (clash) {
        const served *other = smap_get(owners, clash);
        problem(b, NULL, "conflicting names: kind %s of %s/%s and %s%s%s make the same C name %s", s->kind, s->group,
                s->version, other ? other->kind : "another", other ? " of " : "", other ? other->name : "kind", clash);
        return;
    }
    s->base = base;
    take_names(b, base);
    take_names(b, list);
    claim_one(b, res);
    *smap_slot(b->a, owners, base, true) = s;
    *smap_slot(b->a, owners, list, true) = s;
    for (size_t i = 0; i < sizeof op_table / sizeof op_table[0]; i++) {
        const char *fn = arena_printf(b->a, "%s_%s", base, op_table[i].suffix);
        claim_one(b, fn);
        claim_one(b, arena_printf(b->a, "%s_async", fn));
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
        problem(b, NULL, "no schema (spec.versions[].schema.openAPIV3Schema): a structural schema is required");
        return;
    }
    const char *type = str_at(s->schema, "type");
    if (!type || strcmp(type, "object") != 0) {
        problem(b, "", "not a structural schema: the root must be of type object");
        return;
    }
    if (item(s->schema, "$ref")) {
        problem(b, "", "$ref is not allowed: a CRD's schema is self-contained");
        return;
    }
    b->kind_base = s->base;
    b->npending = 0;
    at *root = k8s_arena_alloc(b->a, sizeof *root);
    *root = (at){NULL, NULL, ""};
    gtype *t = new_struct(b, s->schema, root, s->base, true);
    if (!t)
        return;
    for (size_t i = 0; i < b->npending; i++) { /* breadth first: the queue grows as it goes */
        pending pd = b->pending[i];
        fill_struct(b, &pd);
    }
    t->def = arena_printf(b->a, "%s/%s.%s", s->group, s->version, s->kind);
    t->name = s->kind;
    t->gvks = k8s_arena_alloc(b->a, sizeof *t->gvks);
    t->gvks[t->ngvks++] = (gvk){s->group, s->version, s->kind};

    gtype *list = new_type(b, arena_printf(b->a, "%s_list", s->base),
                           arena_printf(b->a, "%s/%s.%s", s->group, s->version, s->list_kind), ROLE_OBJECT);
    list->name = s->list_kind;
    list->doc = arena_printf(b->a, "%s is a list of %s.", s->list_kind, s->kind);
    list->gvks = k8s_arena_alloc(b->a, sizeof *list->gvks);
    list->gvks[list->ngvks++] = (gvk){s->group, s->version, s->list_kind};
    list->fields = k8s_arena_alloc(b->a, 4 * sizeof *list->fields);
    list->fields[0] = (gfield){.json = "kind", .member = "kind", .kind = K8S_KIND_STRING};
    list->fields[1] = (gfield){.json = "apiVersion", .member = "apiVersion", .kind = K8S_KIND_STRING};
    list->fields[2] = (gfield){.json = "metadata", .member = "metadata", .kind = K8S_KIND_OBJECT,
                               .ref = external_type(b, "meta/v1.ListMeta")};
    list->fields[3] = (gfield){.json = "items", .member = "items", .kind = K8S_KIND_OBJECT, .array = true,
                               .required = true, .ref = t, .doc = arena_printf(b->a, "The %s objects.", s->kind)};
    list->nfields = 4;

    gres *r = k8s_arena_alloc(b->a, sizeof *r);
    *r = (gres){s->group, s->version, s->plural, s->kind, s->namespaced, t, list,
                arena_printf(b->a, "%s_resource", s->base), NULL, 0};
    add_ops(b, s, r, s->scale ? external_type(b, "autoscaling/v1.Scale") : NULL);
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
        problem(b, NULL, "metadata.name, spec.group, spec.names.kind, spec.names.plural and spec.scope are required");
        return 0;
    }
    if (strcmp(scope, "Namespaced") != 0 && strcmp(scope, "Cluster") != 0) {
        problem(b, NULL, "spec.scope \"%s\" is neither Namespaced nor Cluster", scope);
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
            problem(b, NULL, "a version without a name");
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
                      NULL};
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
            problem(b, NULL, "conflicting names: %s and %s both make the C prefix k8s_%s", p->path, path, id);
        return p;
    }
    p = &b->m->pkgs[b->m->npkgs++];
    memset(p, 0, sizeof *p);
    p->id = id;
    p->group = group;
    p->version = version;
    p->path = path;
    p->header = arena_printf(b->a, "k8s/%s/%s.h", group, version);
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
        problem(b, NULL, "\"%s\" names no built-in type (write group/version.Kind, as core/v1.PodTemplateSpec)", t);
        return;
    }
    group = member_name(b->a, group);
    add_pkg(b, arena_printf(b->a, "%s_%s", group, version), group, version, arena_printf(b->a, "%s/%s", group, version));
}

static void add_dep_of(builder *b, gpkg *p, const gtype *t)
{
    if (t && t->pkg)
        model_add_dep(b->m, p, t->pkg);
}

bool crd_build_model(model *m, crd_doc *docs, size_t ndocs, const crd_options *opts)
{
    builder b = {.m = m, .a = m->arena, .opts = opts};
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
                problem(&b, NULL, "conflicting names: %s defines it differently", docs[kept - 1].origin);
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
        const char *g = part(b.a, all[i].group), *v = part(b.a, all[i].version);
        add_pkg(&b, arena_printf(b.a, "%s_%s", g, v), g, v, arena_printf(b.a, "%s/%s", all[i].group, all[i].version));
    }
    qsort(m->pkgs, m->npkgs, sizeof *m->pkgs, cmp_pkg_id);
    for (size_t i = 0; i < n; i++)
        all[i].pkg = find_pkg(m, arena_printf(b.a, "%s_%s", part(b.a, all[i].group), part(b.a, all[i].version)));

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
            problem(&b, NULL, "conflicting names: CRD %s (%s) also defines %s", other->name, other->doc->origin,
                    smap_get(&kinds, gvk_key) ? gvk_key : gvr);
            continue;
        }
        *smap_slot(b.a, &kinds, gvk_key, true) = s;
        *smap_slot(b.a, &kinds, gvr, true) = s;
        claim_kind(&b, s, &owners);
    }
    for (size_t i = 0; i < m->npkgs; i++) { /* the union and its map entry: after a kind IntOrString */
        const char *base = arena_printf(b.a, "k8s_%s_int_or_string", m->pkgs[i].id), *name = base;
        for (int k = 2; !names_free(&b, name) || !names_free(&b, arena_printf(b.a, "%s_entry", name)); k++)
            name = arena_printf(b.a, "%s_%d", base, k);
        take_names(&b, name);
        take_names(&b, arena_printf(b.a, "%s_entry", name));
        *smap_slot(b.a, &b.unions, m->pkgs[i].id, true) = (void *)name;
    }
    for (size_t i = 0; i < n; i++)
        build_kind(&b, &all[i]);
    for (size_t i = 0; i < opts->nmaps; i++)
        if (!opts->maps[i].used) {
            b.origin = "--map";
            b.crd = opts->maps[i].arg;
            b.version = NULL;
            problem(&b, NULL, "no served version of a CRD of kind %s has an object schema at %s", opts->maps[i].kind,
                    opts->maps[i].path);
        }
    if (b.errors)
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
            add_dep_of(&b, t->pkg, t->fields[j].ref);
    }
    for (size_t i = 0; i < m->npkgs; i++) {
        gpkg *p = &m->pkgs[i];
        qsort(p->types, p->ntypes, sizeof *p->types, cmp_type_cname);
        for (size_t r = 0; r < p->nresources; r++)
            for (size_t o = 0; o < p->resources[r]->nops; o++) {
                add_dep_of(&b, p, p->resources[r]->ops[o].body);
                add_dep_of(&b, p, p->resources[r]->ops[o].result);
            }
    }
    m->tree_name = opts->name;
    m->k8s_version = opts->name;
    m->spec_name = "CustomResourceDefinitions";
    m->source = arena_printf(b.a, "%zu CustomResourceDefinition%s", ndocs, ndocs == 1 ? "" : "s");
    m->sha256 = crd_input_sha256(b.a, docs, ndocs, opts);
    return m->sha256 != NULL;
}
