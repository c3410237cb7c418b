/* Schemas -> types for the CRD front end: each structural-schema node
 * becomes a field kind and, for objects, arrays of arrays, maps and
 * int-or-string, a type of its own, walked breadth first so that identical
 * schemas share the type of the shallowest. Checks the rules of structural
 * schemas on the way. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "crd_internal.h"

static bool resolve(builder *b, const cJSON *node, const at *pos, gfield *f);

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
        crd_problem(b, where, "not a structural schema: \"%s\" inside a junctor (allOf, anyOf, oneOf, not)", banned[i]);
    }
    const cJSON *props = item(sub, "properties"), *p;
    cJSON_ArrayForEach(p, props)
    {
        if (!item(item(node, "properties"), p->string))
            crd_problem(b, where,
                        "not a structural schema: property \"%s\" inside a junctor is not declared outside it",
                        p->string);
        else
            check_junction(b, item(item(node, "properties"), p->string), p, where, false);
    }
    if (item(sub, "items")) {
        if (!item(node, "items"))
            crd_problem(b, where, "not a structural schema: items inside a junctor are not declared outside it");
        else
            check_junction(b, item(node, "items"), item(sub, "items"), where, false);
    }
    for (size_t j = 0; j < sizeof junctors / sizeof junctors[0]; j++)
        check_junction(b, node, item(sub, junctors[j]), where, int_or_string);
}

/* A schema's description, whole (emit.c wraps it into the header
 * comments as the built-in tree's); NULL for none. */
static const char *description(builder *b, const cJSON *node)
{
    const char *d = str_at(node, "description");
    return d && *d ? k8s_arena_strdup(b->a, d) : NULL;
}

/* Text for a doc comment: the description, then the default on a line
 * of its own. */
static const char *field_doc(builder *b, const cJSON *node)
{
    const char *doc = description(b, node);
    const cJSON *def = item(node, "default");
    if (!def)
        return doc;
    char *text = cJSON_PrintUnformatted(def);
    const char *shown = text ? text : "";
    size_t n = strlen(shown);
    const char *d = arena_printf(b->a, "Default: %.*s%s", n > 120 ? 117 : (int)n, shown, n > 120 ? "..." : "");
    free(text);
    return doc ? arena_printf(b->a, "%s\n%s", doc, d) : d;
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
            value = c_string(b->a, v->valuestring);
            word = crd_value_word(b->a, v->valuestring);
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

enum { LIST_ATOMIC = 1, LIST_SET, LIST_MAP }; /* gfield.list_type */

static uint8_t list_type(builder *b, const cJSON *node, const char *where)
{
    static const char *const names[] = {"", "atomic", "set", "map"};
    const char *lt = str_at(node, "x-kubernetes-list-type");
    for (uint8_t i = 1; lt && i < 4; i++)
        if (strcmp(lt, names[i]) == 0)
            return i;
    if (lt)
        crd_problem(b, where, "x-kubernetes-list-type \"%s\" is none of atomic, set, map", lt);
    return 0;
}

static bool map_atomic(builder *b, const cJSON *node, const char *where)
{
    const char *mt = str_at(node, "x-kubernetes-map-type");
    if (mt && strcmp(mt, "atomic") != 0 && strcmp(mt, "granular") != 0)
        crd_problem(b, where, "x-kubernetes-map-type \"%s\" is neither atomic nor granular", mt);
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

static const at *below(builder *b, const at *pos, const char *prop, const char *step)
{
    at *p = k8s_arena_alloc(b->a, sizeof *p);
    *p = (at){pos, prop, arena_printf(b->a, "%s%s%s", pos->where, step, prop ? prop : "")};
    return p;
}

static int field_index(const gtype *t, const char *json)
{
    for (size_t i = 0; i < t->nfields; i++)
        if (strcmp(t->fields[i].json, json) == 0)
            return (int)i;
    return -1;
}

/* A struct for an object schema with properties: made at once, its fields
 * filled in later (fill_struct), breadth first, so that of identical
 * schemas the shallowest names the type they share. */
static gtype *new_struct(builder *b, const cJSON *node, const at *pos, const char *c_name, bool resource)
{
    size_t n = (size_t)cJSON_GetArraySize(item(node, "properties")) + (resource ? 3 : 0);
    if (n > 254) {
        crd_problem(b, pos->where, "%zu properties, more than the codec's 254", n);
        return NULL;
    }
    gtype *t = crd_new_type(b, c_name, arena_printf(b->a, "%s/%s.%s%s", b->group, b->version, b->kind, pos->where),
                        ROLE_OBJECT);
    const char *doc = description(b, node);
    t->doc = *pos->where ? arena_printf(b->a, "%s%sAt %s.", doc ? doc : "", doc ? "\n" : "", pos->where) : doc;
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
    gtype *object_meta = pd->resource ? crd_external_type(b, "meta/v1.ObjectMeta") : NULL;
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
        f.required = json_array_has(required, p->string);
        f.nullable = true_at(p, "nullable");
        t->fields[t->nfields++] = f;
    }
    const cJSON *r;
    cJSON_ArrayForEach(r, required)
    {
        if (!cJSON_IsString(r) || !item(props, r->valuestring))
            crd_problem(b, pd->pos->where, "required property %s is not among the properties",
                        cJSON_IsString(r) ? r->valuestring : "(not a string)");
    }
    if (pd->resource) { /* the ones its schema leaves out, and all first, as the API server sends them */
        if (field_index(t, "kind") < 0)
            t->fields[t->nfields++] = (gfield){.json = "kind", .kind = K8S_KIND_STRING};
        if (field_index(t, "apiVersion") < 0)
            t->fields[t->nfields++] = (gfield){.json = "apiVersion", .kind = K8S_KIND_STRING};
        if (field_index(t, "metadata") < 0)
            t->fields[t->nfields++] = (gfield){.json = "metadata", .kind = K8S_KIND_OBJECT, .ref = object_meta};
        model_lead_with_type_meta(t);
    }
    crd_name_members(b, t);
    crd_name_consts(b, t);
}

/* An array or a map inside an array: a union of one member, "items" or
 * "entries", so that it can be an element. */
static gtype *box(builder *b, const gfield *inner, const at *pos)
{
    bool array = inner->array;
    const char *suffix = array ? "_list" : "_map";
    bool nested = inner->ref && inner->ref->role == ROLE_UNION && inner->ref != b->int_or_string;
    const char *c_name = nested ? crd_claim(b, arena_printf(b->a, "%s%s", inner->ref->c_name, suffix))
                                : crd_claim_path_name(b, pos, suffix);
    gtype *t = crd_new_type(b, c_name, arena_printf(b->a, "%s/%s.%s%s[*]", b->group, b->version, b->kind, pos->where),
                        ROLE_UNION);
    t->doc = array ? "An array in an array." : "A map in an array.";
    t->fields = k8s_arena_alloc(b->a, sizeof *t->fields);
    t->fields[0] = *inner;
    t->fields[0].json = t->fields[0].member = array ? "items" : "entries";
    t->fields[0].doc = NULL;
    t->nfields = 1;
    crd_name_consts(b, t);
    return t;
}

static bool resolve_array(builder *b, const cJSON *node, const at *pos, gfield *f)
{
    const cJSON *items = item(node, "items");
    if (!cJSON_IsObject(items)) {
        crd_problem(b, pos->where, items ? "items is not one schema" : "an array without items");
        return false;
    }
    gfield e = {0};
    if (!resolve(b, items, below(b, pos, NULL, "[*]"), &e))
        return false;
    f->list_type = list_type(b, node, pos->where);
    const cJSON *keys = item(node, "x-kubernetes-list-map-keys");
    if (f->list_type == LIST_MAP && (e.kind != K8S_KIND_OBJECT || e.array || !cJSON_IsArray(keys))) {
        crd_problem(b, pos->where,
                    "x-kubernetes-list-type map needs items that are objects and x-kubernetes-list-map-keys");
        return false;
    }
    if (f->list_type == LIST_MAP) {
        size_t n = (size_t)cJSON_GetArraySize(keys), i = 0;
        f->list_map_keys = k8s_arena_alloc(b->a, (n + 1) * sizeof *f->list_map_keys);
        const cJSON *k;
        cJSON_ArrayForEach(k, keys)
        {
            if (!cJSON_IsString(k) || (e.ref->pkg == b->pkg && !item(item(items, "properties"), k->valuestring))) {
                crd_problem(b, pos->where, "x-kubernetes-list-map-keys names %s, not a property of the items",
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
        if (v->ref->map_value || v->ref == b->int_or_string || crd_names_free(b, entry)) {
            if (!v->ref->map_value && v->ref != b->int_or_string)
                crd_take_names(b, entry);
            f->ref = v->ref; /* inline in the entry, as the built-in trees do */
            f->ref->map_value = true;
            return;
        }
    }
    gtype *t = crd_new_type(b, crd_claim_path_name(b, pos, "_entry"),
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
        crd_problem(b, pos->where, "not a structural schema: properties and additionalProperties together");
        return false;
    }
    crd_map *mp = mapping(b, pos->where);
    if (mp) {
        gtype *t = crd_external_type(b, mp->type);
        if (!t) {
            crd_problem(b, pos->where, "--map %s: \"%s\" names no built-in type (write group/version.Kind, "
                                       "as core/v1.PodTemplateSpec)",
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
            t = new_struct(b, node, pos, crd_claim_path_name(b, pos, ""), embedded);
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
        crd_problem(b, where, "the schema is not an object");
        return false;
    }
    if (item(node, "$ref")) {
        crd_problem(b, where, "$ref is not allowed: a CRD's schema is self-contained");
        return false;
    }
    bool ios = true_at(node, "x-kubernetes-int-or-string");
    for (size_t j = 0; j < sizeof junctors / sizeof junctors[0]; j++)
        check_junction(b, node, item(node, junctors[j]), where, ios);
    const cJSON *type = item(node, "type");
    if (type && !cJSON_IsString(type)) {
        crd_problem(b, where, "\"type\" is not a string");
        return false;
    }
    const char *ty = type ? type->valuestring : NULL;
    if (ios) {
        if (ty) {
            crd_problem(b, where, "not a structural schema: x-kubernetes-int-or-string with type %s", ty);
            return false;
        }
        f->kind = K8S_KIND_UNION;
        f->ref = crd_int_or_string(b);
        enum_consts(b, node, where, f);
        return true;
    }
    if (true_at(node, "x-kubernetes-embedded-resource") && (!ty || strcmp(ty, "object") != 0)) {
        crd_problem(b, where, "x-kubernetes-embedded-resource needs type: object");
        return false;
    }
    if (!ty) {
        if (true_at(node, "x-kubernetes-preserve-unknown-fields")) {
            f->kind = K8S_KIND_JSON;
            return true;
        }
        crd_problem(b, where, "not a structural schema: no type (nor x-kubernetes-int-or-string or "
                          "x-kubernetes-preserve-unknown-fields)");
        return false;
    }
    if (strcmp(ty, "object") != 0 && strcmp(ty, "array") != 0) {
        crd_map *mp = mapping(b, where);
        if (mp) {
            crd_problem(b, where, "--map %s: the schema there is a %s, not an object", mp->arg, ty);
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
        crd_problem(b, where, "unknown type \"%s\"", ty);
        return false;
    }
    enum_consts(b, node, where, f);
    return true;
}


gtype *crd_kind_type(builder *b, const cJSON *schema, const char *c_name)
{
    b->npending = 0;
    at *root = k8s_arena_alloc(b->a, sizeof *root);
    *root = (at){NULL, NULL, ""};
    gtype *t = new_struct(b, schema, root, c_name, true);
    for (size_t i = 0; t && i < b->npending; i++) { /* breadth first: the queue grows as it goes */
        pending pd = b->pending[i];
        fill_struct(b, &pd);
    }
    return t;
}
