/* See crdutil.h. */
#define _GNU_SOURCE /* usleep */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crdutil.h"
#include "k8s/yaml.h"
#include "testutil.h"

/* ---- a DOM with exact numbers ---- */

struct jval {
    char type;   /* 'o' object, 'a' array, 's' string, 'n' number, 't', 'f', 'z' null */
    char *text;  /* string (decoded) or number (as written) */
    size_t len;  /* of text */
    char *key;   /* as a member of an object (decoded) */
    size_t klen;
    jval *child, *next;
};

typedef struct parser {
    const char *p, *end;
} parser;

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static bool hex4(parser *ps, unsigned *u)
{
    if (ps->end - ps->p < 4)
        return false;
    *u = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(ps->p[i]);
        if (h < 0)
            return false;
        *u = *u * 16 + (unsigned)h;
    }
    ps->p += 4;
    return true;
}

static void put_utf8(k8s_buf *b, unsigned c)
{
    char s[4];
    size_t n;
    if (c < 0x80)
        s[0] = (char)c, n = 1;
    else if (c < 0x800)
        s[0] = (char)(0xC0 | c >> 6), s[1] = (char)(0x80 | (c & 0x3F)), n = 2;
    else if (c < 0x10000)
        s[0] = (char)(0xE0 | c >> 12), s[1] = (char)(0x80 | (c >> 6 & 0x3F)), s[2] = (char)(0x80 | (c & 0x3F)), n = 3;
    else
        s[0] = (char)(0xF0 | c >> 18), s[1] = (char)(0x80 | (c >> 12 & 0x3F)), s[2] = (char)(0x80 | (c >> 6 & 0x3F)),
        s[3] = (char)(0x80 | (c & 0x3F)), n = 4;
    k8s_buf_append(b, s, n);
}

static bool parse_string(parser *ps, char **out, size_t *len)
{
    k8s_buf b = K8S_BUF_INIT;
    ps->p++; /* the quote */
    while (ps->p < ps->end && *ps->p != '"') {
        if (*ps->p != '\\') {
            k8s_buf_append(&b, ps->p++, 1);
            continue;
        }
        if (++ps->p >= ps->end)
            break;
        char c = *ps->p++;
        unsigned u;
        switch (c) {
        case 'n': k8s_buf_append(&b, "\n", 1); break;
        case 't': k8s_buf_append(&b, "\t", 1); break;
        case 'r': k8s_buf_append(&b, "\r", 1); break;
        case 'b': k8s_buf_append(&b, "\b", 1); break;
        case 'f': k8s_buf_append(&b, "\f", 1); break;
        case 'u':
            if (!hex4(ps, &u))
                goto bad;
            if (u >= 0xD800 && u < 0xDC00) {
                unsigned lo;
                if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
                    goto bad;
                ps->p += 2;
                if (!hex4(ps, &lo))
                    goto bad;
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            }
            put_utf8(&b, u);
            break;
        default: k8s_buf_append(&b, &c, 1); break;
        }
    }
    if (ps->p >= ps->end)
        goto bad;
    ps->p++;
    *len = b.len;
    *out = b.data ? b.data : calloc(1, 1);
    return true;
bad:
    k8s_buf_free(&b);
    return false;
}

static jval *parse_value(parser *ps, int depth)
{
    skip_ws(ps);
    if (ps->p >= ps->end || depth > 600)
        return NULL;
    jval *v = calloc(1, sizeof *v);
    char c = *ps->p;
    if (c == '{' || c == '[') {
        v->type = c == '{' ? 'o' : 'a';
        ps->p++;
        jval **tail = &v->child;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == (c == '{' ? '}' : ']')) {
            ps->p++;
            return v;
        }
        for (;;) {
            char *key = NULL;
            size_t klen = 0;
            if (c == '{') {
                skip_ws(ps);
                if (ps->p >= ps->end || *ps->p != '"' || !parse_string(ps, &key, &klen))
                    goto bad;
                skip_ws(ps);
                if (ps->p >= ps->end || *ps->p++ != ':') {
                    free(key);
                    goto bad;
                }
            }
            jval *item = parse_value(ps, depth + 1);
            if (!item) {
                free(key);
                goto bad;
            }
            item->key = key;
            item->klen = klen;
            *tail = item;
            tail = &item->next;
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                continue;
            }
            if (ps->p < ps->end && *ps->p == (c == '{' ? '}' : ']')) {
                ps->p++;
                return v;
            }
            goto bad;
        }
    }
    if (c == '"') {
        v->type = 's';
        if (!parse_string(ps, &v->text, &v->len))
            goto bad;
        return v;
    }
    static const struct {
        const char *word;
        char type;
    } words[] = {{"true", 't'}, {"false", 'f'}, {"null", 'z'}};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i].word);
        if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, words[i].word, n) == 0) {
            v->type = words[i].type;
            ps->p += n;
            return v;
        }
    }
    const char *s = ps->p;
    while (ps->p < ps->end && strchr("+-0123456789.eE", *ps->p))
        ps->p++;
    if (ps->p == s)
        goto bad;
    v->type = 'n';
    v->len = (size_t)(ps->p - s);
    v->text = malloc(v->len + 1);
    memcpy(v->text, s, v->len);
    v->text[v->len] = '\0';
    return v;
bad:
    jv_free(v);
    return NULL;
}

jval *jv_parse(const char *text, size_t len)
{
    parser ps = {text, text + len};
    jval *v = parse_value(&ps, 0);
    skip_ws(&ps);
    if (v && ps.p != ps.end) {
        jv_free(v);
        return NULL;
    }
    return v;
}

void jv_free(jval *v)
{
    while (v) {
        jval *next = v->next;
        jv_free(v->child);
        free(v->text);
        free(v->key);
        free(v);
        v = next;
    }
}

static void put_string(k8s_buf *out, const char *s, size_t n)
{
    k8s_buf_append(out, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            snprintf(esc, sizeof esc, "\\%c", c);
            k8s_buf_append_str(out, esc);
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            k8s_buf_append_str(out, esc);
        } else {
            k8s_buf_append(out, (const char *)&c, 1);
        }
    }
    k8s_buf_append(out, "\"", 1);
}

static int cmp_member(const void *a, const void *b)
{
    const jval *x = *(jval *const *)a, *y = *(jval *const *)b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);
    return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

/* The members of an object in key order, NULL-terminated, malloc'ed. */
static jval **sorted_members(const jval *v)
{
    size_t n = 0;
    for (jval *c = v->child; c; c = c->next)
        n++;
    jval **m = calloc(n + 1, sizeof *m);
    n = 0;
    for (jval *c = v->child; c; c = c->next)
        m[n++] = c;
    qsort(m, n, sizeof *m, cmp_member);
    return m;
}

void jv_canonical(const jval *v, k8s_buf *out)
{
    switch (v->type) {
    case 'o': {
        jval **m = sorted_members(v);
        k8s_buf_append(out, "{", 1);
        for (size_t i = 0; m[i]; i++) {
            if (i)
                k8s_buf_append(out, ",", 1);
            put_string(out, m[i]->key, m[i]->klen);
            k8s_buf_append(out, ":", 1);
            jv_canonical(m[i], out);
        }
        k8s_buf_append(out, "}", 1);
        free(m);
        break;
    }
    case 'a':
        k8s_buf_append(out, "[", 1);
        for (jval *c = v->child; c; c = c->next) {
            if (c != v->child)
                k8s_buf_append(out, ",", 1);
            jv_canonical(c, out);
        }
        k8s_buf_append(out, "]", 1);
        break;
    case 's': put_string(out, v->text, v->len); break;
    case 'n': k8s_buf_append(out, v->text, v->len); break;
    case 't': k8s_buf_append_str(out, "true"); break;
    case 'f': k8s_buf_append_str(out, "false"); break;
    default: k8s_buf_append_str(out, "null"); break;
    }
}

char *canonical_json(const char *text, size_t len)
{
    jval *v = jv_parse(text, len);
    if (!v)
        return NULL;
    k8s_buf out = K8S_BUF_INIT;
    jv_canonical(v, &out);
    jv_free(v);
    return out.data;
}

static void indent(k8s_buf *out, int n)
{
    for (int i = 0; i < n; i++)
        k8s_buf_append(out, " ", 1);
}

static bool block(const jval *v)
{
    return (v->type == 'o' || v->type == 'a') && v->child;
}

/* A scalar or an empty collection, on the current line. */
static void yaml_inline(const jval *v, k8s_buf *out)
{
    if (v->type == 'o')
        k8s_buf_append_str(out, "{}");
    else if (v->type == 'a')
        k8s_buf_append_str(out, "[]");
    else
        jv_canonical(v, out); /* JSON's scalars are YAML's, strings double-quoted */
}

static void yaml_block(const jval *v, int at, k8s_buf *out)
{
    for (jval *c = v->child; c; c = c->next) {
        indent(out, at);
        if (v->type == 'o') {
            put_string(out, c->key, c->klen);
            k8s_buf_append(out, ":", 1);
        } else {
            k8s_buf_append(out, "-", 1);
        }
        if (block(c)) {
            k8s_buf_append(out, "\n", 1);
            yaml_block(c, at + 2, out);
        } else {
            k8s_buf_append(out, " ", 1);
            yaml_inline(c, out);
            k8s_buf_append(out, "\n", 1);
        }
    }
}

void jv_yaml(const jval *v, k8s_buf *out)
{
    k8s_buf_append_str(out, "# made by the tests from JSON\n");
    if (block(v))
        yaml_block(v, 0, out);
    else {
        yaml_inline(v, out);
        k8s_buf_append(out, "\n", 1);
    }
}

/* ---- random objects from a schema ---- */

typedef struct gen {
    uint64_t *rng;
    k8s_buf *out;
    int serial; /* for unique unknown field names */
} gen;

static unsigned pick(gen *g, unsigned n)
{
    uint64_t x = *g->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *g->rng = x;
    return (unsigned)(x % n);
}

static void put(gen *g, const char *s)
{
    k8s_buf_append_str(g->out, s);
}

static const cJSON *at(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static bool flag(const cJSON *o, const char *k)
{
    return cJSON_IsTrue(at(o, k));
}

static void gen_string(gen *g)
{
    static const char *const pieces[] = {"a",  "name", "Z09", " ",      "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                         "\\\"", "\\\\", "\\n", "\\t", "\\u0001", "/", "-_.", "\\u00e9", "{{x}}"};
    put(g, "\"");
    unsigned n = pick(g, 4) == 0 ? 0 : pick(g, 10);
    for (unsigned i = 0; i < n; i++)
        put(g, pieces[pick(g, sizeof pieces / sizeof pieces[0])]);
    put(g, "\"");
}

/* Any JSON value; numbers in a form YAML and Go write the same way. */
static void gen_free(gen *g, int depth)
{
    static const char *const numbers[] = {"0", "1", "-7", "0.5", "12.25", "1000000", "-2.75"};
    switch (depth == 3 ? 1 + pick(g, 6) : pick(g, depth > 2 ? 5 : 7)) { /* 3: a value, never null */
    case 0: put(g, "null"); break;
    case 1: put(g, pick(g, 2) ? "true" : "false"); break;
    case 2: put(g, numbers[pick(g, sizeof numbers / sizeof numbers[0])]); break;
    case 3:
    case 4: gen_string(g); break;
    case 5: {
        put(g, "[");
        unsigned n = pick(g, 4);
        for (unsigned i = 0; i < n; i++) {
            if (i)
                put(g, ",");
            gen_free(g, depth + 1);
        }
        put(g, "]");
        break;
    }
    default: {
        put(g, "{");
        unsigned n = pick(g, 4);
        for (unsigned i = 0; i < n; i++) {
            char key[32];
            snprintf(key, sizeof key, "%s\"k%u\":", i ? "," : "", i);
            put(g, key);
            gen_free(g, depth + 1);
        }
        put(g, "}");
    }
    }
}

static void gen_integer(gen *g, const cJSON *s, bool int32)
{
    static const char *const wide[] = {"0", "-1", "9223372036854775807", "-9223372036854775808",
                                       "9007199254740993", "42"};
    static const char *const narrow[] = {"0", "-1", "2147483647", "-2147483648", "8080"};
    const char *const *choices = int32 ? narrow : wide;
    size_t n = int32 ? sizeof narrow / sizeof narrow[0] : sizeof wide / sizeof wide[0];
    const cJSON *min = at(s, "minimum"), *max = at(s, "maximum");
    for (int tries = 0; tries < 20; tries++) {
        const char *c = choices[pick(g, (unsigned)n)];
        double v = strtod(c, NULL);
        if ((!cJSON_IsNumber(min) || v >= min->valuedouble) && (!cJSON_IsNumber(max) || v <= max->valuedouble)) {
            put(g, c);
            return;
        }
    }
    char num[32];
    snprintf(num, sizeof num, "%.0f", cJSON_IsNumber(min) ? min->valuedouble : max->valuedouble);
    put(g, num);
}

static void gen_value(gen *g, const cJSON *s, int depth);

static void gen_metadata(gen *g, const char *kind)
{
    char name[64];
    snprintf(name, sizeof name, "{\"name\":\"%s-%u\"", kind, pick(g, 1000));
    for (char *p = name; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    put(g, name);
    if (pick(g, 2))
        put(g, ",\"namespace\":\"team-a\"");
    if (pick(g, 2))
        put(g, ",\"labels\":{\"app\":\"web\",\"tier\":\"front\"}");
    if (pick(g, 2))
        put(g, ",\"annotations\":{\"note\":\"x: y\"}");
    if (pick(g, 2))
        put(g, ",\"uid\":\"5d3c3b7e-1f2a-4b6c-9d8e-0a1b2c3d4e5f\",\"resourceVersion\":\"12345\",\"generation\":3,"
               "\"creationTimestamp\":\"2024-05-06T07:08:09Z\"");
    if (pick(g, 3) == 0)
        put(g, ",\"finalizers\":[\"example.com/cleanup\"],\"ownerReferences\":[{\"apiVersion\":\"v1\","
               "\"kind\":\"ConfigMap\",\"name\":\"owner\",\"uid\":\"u-1\",\"controller\":true}]");
    if (pick(g, 4) == 0)
        put(g, ",\"futureField\":{\"kept\":true}");
    put(g, "}");
}

/* Items for a list of type set or map, without repeating a value or a key. */
static void gen_array(gen *g, const cJSON *s, int depth)
{
    const cJSON *items = at(s, "items"), *keys = at(s, "x-kubernetes-list-map-keys");
    const char *lt = cJSON_GetStringValue(at(s, "x-kubernetes-list-type"));
    bool set = lt && strcmp(lt, "set") == 0, map = lt && strcmp(lt, "map") == 0;
    unsigned n = pick(g, 4);
    char **seen = calloc(n + 1, sizeof *seen);
    size_t nseen = 0;
    put(g, "[");
    for (unsigned i = 0; i < n; i++) {
        k8s_buf *outer = g->out, item = K8S_BUF_INIT;
        g->out = &item;
        gen_value(g, items, depth + 1);
        g->out = outer;
        char *id = NULL; /* what makes the item unique */
        if (set) {
            id = canonical_json(item.data, item.len);
        } else if (map) {
            cJSON *obj = cJSON_Parse(item.data), *k;
            cJSON *tuple = cJSON_CreateArray();
            bool all = true;
            cJSON_ArrayForEach(k, keys)
            {
                cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, k->valuestring);
                all &= v != NULL;
                cJSON_AddItemToArray(tuple, v ? cJSON_Duplicate(v, true) : cJSON_CreateNull());
            }
            id = all ? cJSON_PrintUnformatted(tuple) : NULL;
            cJSON_Delete(tuple);
            cJSON_Delete(obj);
            if (!all) { /* an item without its keys is not valid in a list-map */
                k8s_buf_free(&item);
                continue;
            }
        }
        bool dup = false;
        for (size_t j = 0; id && j < nseen; j++)
            dup |= strcmp(seen[j], id) == 0;
        if (dup) {
            free(id);
        } else {
            if (id)
                seen[nseen++] = id;
            if (g->out->len && g->out->data[g->out->len - 1] != '[')
                put(g, ",");
            put(g, item.data);
        }
        k8s_buf_free(&item);
    }
    put(g, "]");
    for (size_t j = 0; j < nseen; j++)
        free(seen[j]);
    free(seen);
}

static void gen_object(gen *g, const cJSON *s, int depth, const char *api_version, const char *kind)
{
    const cJSON *props = at(s, "properties"), *required = at(s, "required"), *ap = at(s, "additionalProperties");
    bool embedded = flag(s, "x-kubernetes-embedded-resource"), preserve = flag(s, "x-kubernetes-preserve-unknown-fields");
    bool first = true;
    put(g, "{");
    if (api_version || embedded) {
        put(g, "\"apiVersion\":\"");
        put(g, api_version ? api_version : "v1");
        put(g, "\",\"kind\":\"");
        put(g, kind ? kind : "ConfigMap");
        put(g, "\",\"metadata\":");
        gen_metadata(g, kind ? kind : "embedded");
        first = false;
    }
    const cJSON *p;
    cJSON_ArrayForEach(p, props)
    {
        if ((api_version || embedded) &&
            (!strcmp(p->string, "apiVersion") || !strcmp(p->string, "kind") || !strcmp(p->string, "metadata")))
            continue;
        bool req = false;
        const cJSON *r;
        cJSON_ArrayForEach(r, required) req |= cJSON_IsString(r) && strcmp(r->valuestring, p->string) == 0;
        if (!req && (depth > 7 || pick(g, 2)))
            continue;
        if (!first)
            put(g, ",");
        first = false;
        k8s_buf key = K8S_BUF_INIT;
        put_string(&key, p->string, strlen(p->string));
        put(g, key.data);
        k8s_buf_free(&key);
        put(g, ":");
        gen_value(g, p, depth + 1);
    }
    if (cJSON_IsObject(ap) || cJSON_IsTrue(ap)) {
        unsigned n = pick(g, 4);
        for (unsigned i = 0; i < n; i++) {
            static const char *const keys[] = {"a", "cpu", "memory", "x.y/z", "\xc3\xa9t\xc3\xa9", "", "k8s.io/name"};
            char key[64];
            snprintf(key, sizeof key, "%s\"%s%u\":", first ? "" : ",", keys[pick(g, 7)], i);
            first = false;
            put(g, key);
            if (cJSON_IsObject(ap))
                gen_value(g, ap, depth + 1);
            else
                gen_free(g, 1);
        }
    } else if (!props && (preserve || embedded)) {
        unsigned n = pick(g, 3);
        for (unsigned i = 0; i < n; i++) {
            char key[32];
            snprintf(key, sizeof key, "%s\"free%u\":", first ? "" : ",", i);
            first = false;
            put(g, key);
            gen_free(g, 1);
        }
    }
    if (props && pick(g, 5) == 0) { /* a field this schema does not know */
        char key[48];
        snprintf(key, sizeof key, "%s\"zzUnknown%d\":", first ? "" : ",", g->serial++);
        put(g, key);
        gen_free(g, 1);
    }
    put(g, "}");
}

static void gen_value(gen *g, const cJSON *s, int depth)
{
    if (flag(s, "nullable") && pick(g, 6) == 0) {
        put(g, "null");
        return;
    }
    const cJSON *values = at(s, "enum");
    if (cJSON_GetArraySize(values) > 0) {
        char *v = cJSON_PrintUnformatted(cJSON_GetArrayItem(values, (int)pick(g, (unsigned)cJSON_GetArraySize(values))));
        put(g, v);
        free(v);
        return;
    }
    if (flag(s, "x-kubernetes-int-or-string")) {
        if (pick(g, 2))
            gen_integer(g, s, false);
        else
            put(g, pick(g, 2) ? "\"25%\"" : "\"500m\"");
        return;
    }
    const char *type = cJSON_GetStringValue(at(s, "type")), *format = cJSON_GetStringValue(at(s, "format"));
    format = format ? format : "";
    if (!type) {
        gen_free(g, 3); /* not null: only a nullable field may be null */
    } else if (strcmp(type, "string") == 0) {
        if (strcmp(format, "byte") == 0) {
            static const char *const b64[] = {"\"\"", "\"AA==\"", "\"aGVsbG8=\"", "\"/+8A\"", "\"AAECAwQFBgcICQ==\""};
            put(g, b64[pick(g, 5)]);
        } else if (strcmp(format, "date-time") == 0) {
            static const char *const times[] = {"\"2024-01-02T03:04:05Z\"", "\"2024-06-30T23:59:59.123456Z\"",
                                                "\"2024-01-02T03:04:05+02:00\""};
            put(g, times[pick(g, 3)]);
        } else {
            gen_string(g);
        }
    } else if (strcmp(type, "integer") == 0) {
        gen_integer(g, s, strcmp(format, "int32") == 0);
    } else if (strcmp(type, "number") == 0) {
        static const char *const doubles[] = {"0", "-1.5", "0.1", "1e+300", "2.5e-07", "3", "123456.789"};
        put(g, doubles[pick(g, sizeof doubles / sizeof doubles[0])]);
    } else if (strcmp(type, "boolean") == 0) {
        put(g, pick(g, 2) ? "true" : "false");
    } else if (strcmp(type, "array") == 0) {
        gen_array(g, s, depth);
    } else {
        gen_object(g, s, depth, NULL, NULL);
    }
}

void crd_random_object(uint64_t *rng, const cJSON *schema, const char *api_version, const char *kind,
                       k8s_buf *out)
{
    gen g = {rng, out, 0};
    gen_object(&g, schema, 0, api_version, kind);
}

void crd_each_version(const cJSON *crd, crd_version_fn fn, void *ctx)
{
    const cJSON *spec = at(crd, "spec"), *v;
    const char *group = cJSON_GetStringValue(at(spec, "group"));
    const char *kind = cJSON_GetStringValue(at(at(spec, "names"), "kind"));
    cJSON_ArrayForEach(v, at(spec, "versions"))
    {
        const cJSON *schema = at(at(v, "schema"), "openAPIV3Schema");
        if (flag(v, "served") && schema)
            fn(ctx, group, cJSON_GetStringValue(at(v, "name")), kind, schema);
    }
}

cJSON **crd_read_docs(const char *path)
{
    size_t len;
    char *data = test_read_file(path, &len);
    if (!data)
        return NULL;
    k8s_yaml_reader *ys;
    k8s_error err;
    cJSON **docs = calloc(1, sizeof *docs);
    size_t n = 0;
    if (k8s_yaml_reader_start(&ys, data, len, &err) == K8S_OK) {
        k8s_buf json = K8S_BUF_INIT;
        while (k8s_yaml_reader_next(ys, &json, &err) == K8S_OK) {
            docs = realloc(docs, (n + 2) * sizeof *docs);
            docs[n++] = cJSON_ParseWithLength(json.data, json.len);
            docs[n] = NULL;
        }
        k8s_buf_free(&json);
        k8s_yaml_reader_free(ys);
    }
    free(data);
    return docs;
}

void crd_free_docs(cJSON **docs)
{
    for (cJSON **d = docs; d && *d; d++)
        cJSON_Delete(*d);
    free(docs);
}

bool same_json(const char *want, const char *got, char *why, size_t n)
{
    char *a = want ? canonical_json(want, strlen(want)) : NULL, *b = got ? canonical_json(got, strlen(got)) : NULL;
    bool same = a && b && strcmp(a, b) == 0;
    if (!same) {
        size_t i = 0;
        while (a && b && a[i] && a[i] == b[i])
            i++;
        size_t from = i > 60 ? i - 60 : 0;
        snprintf(why, n, "differ at byte %zu:\n want: %.160s\n  got: %.160s", i, a ? a + from : "(not JSON)",
                 b ? b + from : "(not JSON)");
    }
    free(a);
    free(b);
    return same;
}

bool crd_roundtrip_random(const k8s_registry *reg, uint64_t *rng, const cJSON *schema, const char *group,
                          const char *version, const char *kind, char *why, size_t n)
{
    char api_version[256], diff[512];
    snprintf(api_version, sizeof api_version, "%s/%s", group, version);
    uint64_t seed = *rng;
    k8s_buf json = K8S_BUF_INIT, out = K8S_BUF_INIT, yaml = K8S_BUF_INIT, again = K8S_BUF_INIT;
    crd_random_object(rng, schema, api_version, kind, &json);
    k8s_arena *a = k8s_arena_new();
    const k8s_kind_info *info;
    void *obj, *from_yaml;
    k8s_error err;
    bool ok = false;
    if (k8s_registry_decode(reg, json.data, json.len, a, &info, &obj, NULL, &err)) {
        snprintf(why, n, "%s %s (seed %llu): %s: %s", api_version, kind, (unsigned long long)seed, err.path,
                 err.message);
    } else if (k8s_json_encode(info->type, obj, &out, &err) || !same_json(json.data, out.data, diff, sizeof diff)) {
        snprintf(why, n, "%s %s (seed %llu): JSON %s", api_version, kind, (unsigned long long)seed,
                 err.code ? err.message : diff);
    } else {
        jval *v = jv_parse(json.data, json.len);
        jv_yaml(v, &yaml);
        jv_free(v);
        if (k8s_yaml_decode(info->type, yaml.data, yaml.len, a, &from_yaml, NULL, &err))
            snprintf(why, n, "%s %s (seed %llu) from YAML: %s: %s", api_version, kind, (unsigned long long)seed,
                     err.path, err.message);
        else if (k8s_json_encode(info->type, from_yaml, &again, &err) || !same_json(json.data, again.data, diff, sizeof diff))
            snprintf(why, n, "%s %s (seed %llu): YAML %s", api_version, kind, (unsigned long long)seed,
                     err.code ? err.message : diff);
        else
            ok = true;
    }
    k8s_arena_free(a);
    k8s_buf_free(&json);
    k8s_buf_free(&out);
    k8s_buf_free(&yaml);
    k8s_buf_free(&again);
    return ok;
}

k8s_code crd_install(k8s_client *client, const char *path, char *why, size_t n)
{
    cJSON **docs = crd_read_docs(path);
    k8s_code rc = docs ? K8S_OK : K8S_EIO;
    if (!docs)
        snprintf(why, n, "cannot read %s", path);
    for (cJSON **d = docs; d && *d && rc == K8S_OK; d++) {
        const char *kind = cJSON_GetStringValue(cJSON_GetObjectItem(*d, "kind"));
        const char *av = cJSON_GetStringValue(cJSON_GetObjectItem(*d, "apiVersion"));
        if (!kind || strcmp(kind, "CustomResourceDefinition") != 0 || !av || strcmp(av, "apiextensions.k8s.io/v1") != 0)
            continue;
        char *json = cJSON_PrintUnformatted(*d);
        k8s_arena *a = k8s_arena_new();
        k8s_apiextensions_v1_custom_resource_definition *crd, *created;
        k8s_error err;
        rc = k8s_json_decode(&k8s_apiextensions_v1_custom_resource_definition_desc, json, strlen(json), a,
                             (void **)&crd, NULL, &err);
        if (rc == K8S_OK)
            rc = k8s_apiextensions_v1_custom_resource_definition_create(client, a, crd, NULL, &created, &err);
        if (rc == K8S_ECONFLICT)
            rc = K8S_OK;
        if (rc)
            snprintf(why, n, "%s: %s", path, err.message);
        free(json);
        k8s_arena_free(a);
    }
    crd_free_docs(docs);
    return rc;
}

void event_note(event_log *log, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&log->mu);
    size_t l = strlen(log->text);
    vsnprintf(log->text + l, sizeof log->text - l, fmt, ap);
    pthread_mutex_unlock(&log->mu);
    va_end(ap);
}

bool event_logged(event_log *log, const char *what)
{
    for (int i = 0; i < 250; i++) {
        pthread_mutex_lock(&log->mu);
        bool found = strstr(log->text, what) != NULL;
        pthread_mutex_unlock(&log->mu);
        if (found)
            return true;
        usleep(20000);
    }
    return false;
}

void ignore_end(void *data, k8s_code code, void *result, const k8s_error *err)
{
    (void)data, (void)code, (void)result, (void)err;
}
