/* C names for the CRD front end (README.md "Names"): types named by the
 * kind and the path of properties, shortened past NAME_LIMIT; collisions
 * resolved first come, first served; members and enum constants. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "crd_internal.h"

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

void **smap_slot(k8s_arena *a, smap *m, const char *key, bool insert)
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

void *smap_get(smap *m, const char *key)
{
    void **v = smap_slot(NULL, m, key, false);
    return v ? *v : NULL;
}

/* One word of a C name from a JSON name or kind: snake_case, runs of
 * characters C cannot hold as one '_', none at either end ("$ref" -> "ref",
 * "x-kubernetes-foo" -> "x_kubernetes_foo", "HTTPRoute" -> "http_route"). */
const char *crd_part(k8s_arena *a, const char *json)
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

bool crd_names_free(builder *b, const char *base)
{
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
        if (smap_get(&b->names, arena_printf(b->a, "%s%s", base, suffixes[i])))
            return false;
    return true;
}

void crd_take_names(builder *b, const char *base)
{
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
        *smap_slot(b->a, &b->names, arena_printf(b->a, "%s%s", base, suffixes[i]), true) = (void *)base;
}

/* The wanted name, or when something took it already the first free of
 * wanted_2, wanted_3, ...: the first comer keeps the plain name. */
const char *crd_claim(builder *b, const char *wanted)
{
    const char *name = wanted;
    for (int n = 2; !crd_names_free(b, name); n++)
        name = arena_printf(b->a, "%s_%d", wanted, n);
    crd_take_names(b, name);
    return name;
}

bool crd_claim_one(builder *b, const char *name)
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

/* The word an enum value gives its constant: its letters and digits
 * (crd_part()), "empty" for "", and for values of symbols only their names
 * ("!=" -> "not_eq"). */
const char *crd_value_word(k8s_arena *a, const char *v)
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
            return crd_part(a, v);
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

/* The constants of t's enum fields: K8S_<TYPE>_<FIELD>_<VALUE>, upper
 * case; a name another constant has gets _2, _3, ... */
void crd_name_consts(builder *b, gtype *t)
{
    for (size_t i = 0; i < t->nfields; i++) {
        gfield *f = &t->fields[i];
        for (size_t k = 0; k < f->nconsts; k++) {
            const char *wanted = upper(b->a, arena_printf(b->a, "%s_%s_%s", t->c_name, crd_part(b->a, f->json),
                                                          f->consts[k].name));
            const char *name = wanted;
            for (int n = 2; smap_get(&b->macros, name); n++)
                name = arena_printf(b->a, "%s_%d", wanted, n);
            *smap_slot(b->a, &b->macros, name, true) = (void *)name;
            f->consts[k].name = name;
        }
    }
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
        k8s_buf_append_str(&name, crd_part(b->a, props[i]));
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
const char *crd_claim_path_name(builder *b, const at *pos, const char *suffix)
{
    const char *props[256];
    size_t n = path_props(pos, props, 256);
    for (size_t k = kept_props(b, props, n, suffix); k < n; k++) {
        const char *name = tail_name(b, props, n, k, suffix);
        if (crd_names_free(b, name)) {
            crd_take_names(b, name);
            return name;
        }
    }
    return crd_claim(b, tail_name(b, props, n, n, suffix));
}

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
void crd_name_members(builder *b, gtype *t)
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

