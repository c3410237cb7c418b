/* The typed JSON encoder: walks a struct through its descriptor and writes
 * compact JSON. Fields go out in descriptor order, then the unknown ones. */
#define _GNU_SOURCE /* newlocale, uselocale, strtod_l */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "k8s/codec.h"

typedef struct enc {
    k8s_buf *out;
    k8s_error *err;
    locale_t loc;
} enc;

enum { OK = 0, STOP = -1 };

K8S_PRINTF(4, 5)
static int fail(enc *e, k8s_code code, const k8s_path *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    k8s_error_setv(e->err, code, path, NULL, NULL, fmt, ap);
    va_end(ap);
    return STOP;
}

/* Makes room for n more bytes. Writers reserve first, then write with
 * raw(): one capacity check per value instead of one per piece. */
static inline int need(enc *e, size_t n)
{
    k8s_buf *b = e->out;
    if (K8S_LIKELY(b->cap - b->len > n))
        return OK;
    if (k8s_buf_reserve(b, n) != K8S_OK)
        return fail(e, K8S_ENOMEM, NULL, "out of memory");
    return OK;
}

static inline void raw(enc *e, const void *s, size_t n)
{
    memcpy(e->out->data + e->out->len, s, n);
    e->out->len += n;
}

static inline void raw_byte(enc *e, char c)
{
    e->out->data[e->out->len++] = c;
}

static int put(enc *e, const char *s, size_t n)
{
    if (need(e, n) < 0)
        return STOP;
    raw(e, s, n);
    return OK;
}

/* 1: needs an escape; 2: start of a multi-byte sequence to check */
static const unsigned char esc_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

static int enc_string(enc *e, const char *s, const k8s_path *path)
{
    size_t n = strlen(s);
    /* the common case, nothing to escape, needs exactly n + 2 */
    if (need(e, n + 2) < 0)
        return STOP;
    raw_byte(e, '"');
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        const unsigned char *run = p;
        while (end - p >= 8 && !k8s_word_needs_care(p))
            p += 8;
        while (p < end && !esc_class[*p])
            p++;
        raw(e, run, (size_t)(p - run));
        if (p >= end)
            break;
        /* room for the longest escape plus the rest of the string */
        if (need(e, 8 + (size_t)(end - p)) < 0)
            return STOP;
        if (esc_class[*p] == 2) {
            size_t len = k8s_utf8_seq(p, end);
            if (!len)
                return fail(e, K8S_EENCODING, path, "invalid UTF-8 byte 0x%02X at offset %zu", *p,
                            (size_t)(p - (const unsigned char *)s));
            raw(e, p, len);
            p += len;
            continue;
        }
        char esc[8];
        size_t elen = 2;
        esc[0] = '\\';
        switch (*p) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default: elen = (size_t)snprintf(esc, sizeof esc, "\\u%04x", *p); break;
        }
        raw(e, esc, elen);
        p++;
    }
    raw_byte(e, '"');
    return OK;
}

static int enc_int(enc *e, int64_t v)
{
    char buf[24], *p = buf + sizeof buf;
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0)
        *--p = '-';
    return put(e, p, (size_t)(buf + sizeof buf - p));
}

/* The shortest text that reads back as the same double. */
static int enc_double(enc *e, double v, const k8s_path *path)
{
    if (!isfinite(v))
        return fail(e, K8S_EVALUE, path, "NaN and infinity have no JSON form");
    if (!e->loc && !(e->loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0)))
        return fail(e, K8S_ENOMEM, path, "out of memory");
    char buf[40];
    locale_t old = uselocale(e->loc);
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod_l(buf, NULL, e->loc) == v)
            break;
    }
    uselocale(old);
    return put(e, buf, strlen(buf));
}

static int enc_object(enc *e, const k8s_type *t, const char *obj, const k8s_path *path);
static int enc_field(enc *e, const k8s_field *f, const char *base, const k8s_path *path);

static int enc_union(enc *e, const k8s_type *t, const char *obj, const k8s_path *path)
{
    for (uint16_t i = 0; i < t->nfields; i++)
        if (k8s_field_present(&t->fields[i], obj))
            return enc_field(e, &t->fields[i], obj, path);
    return put(e, "null", 4);
}

/* One value of f's kind stored at v (a field's storage or an array slot). */
static int enc_value(enc *e, const k8s_field *f, const char *v, const k8s_path *path)
{
    switch (f->kind) {
    case K8S_KIND_STRING:
    case K8S_KIND_QUANTITY:
    case K8S_KIND_TIME:
    case K8S_KIND_MICROTIME: {
        const char *s = *(char *const *)v;
        if (!s)
            return fail(e, K8S_EINVAL, path, "NULL string in an array");
        return enc_string(e, s, path);
    }
    case K8S_KIND_BYTES: {
        const k8s_bytes *b = (const k8s_bytes *)v;
        if (!b->data)
            return fail(e, K8S_EINVAL, path, "NULL bytes in an array");
        size_t n = k8s_base64_encoded_len(b->len);
        if (k8s_buf_reserve(e->out, n + 2) != K8S_OK)
            return fail(e, K8S_ENOMEM, path, "out of memory");
        char *o = e->out->data + e->out->len;
        o[0] = '"';
        k8s_base64_encode(b->data, b->len, o + 1);
        o[n + 1] = '"';
        e->out->len += n + 2;
        e->out->data[e->out->len] = '\0';
        return OK;
    }
    case K8S_KIND_BOOL:
        return *(const bool *)v ? put(e, "true", 4) : put(e, "false", 5);
    case K8S_KIND_INT32:
        return enc_int(e, *(const int32_t *)v);
    case K8S_KIND_INT64:
        return enc_int(e, *(const int64_t *)v);
    case K8S_KIND_DOUBLE:
        return enc_double(e, *(const double *)v, path);
    case K8S_KIND_JSON: {
        const char *s = *(char *const *)v;
        if (!s)
            return fail(e, K8S_EINVAL, path, "NULL JSON text in an array");
        return k8s_compact_at(s, strlen(s), e->out, path, e->err) ? STOP : OK;
    }
    case K8S_KIND_OBJECT: {
        const char *obj = f->flags & K8S_FIELD_INLINE ? v : *(char *const *)v;
        if (!obj)
            return fail(e, K8S_EINVAL, path, "NULL object");
        return enc_object(e, f->type, obj, path);
    }
    case K8S_KIND_UNION:
        return enc_union(e, f->type, v, path);
    default:
        return fail(e, K8S_EINVAL, path, "descriptor has unknown kind %u", f->kind);
    }
}

static int enc_array(enc *e, const k8s_field *f, const char *base, const k8s_path *path)
{
    const char *items = *(char *const *)(base + f->offset);
    size_t n = *(const size_t *)(base + f->aux), size = k8s_kind_size(f);
    /* arrays of objects are stored inline, so the element is its own storage */
    k8s_field elem = *f;
    if (elem.kind == K8S_KIND_OBJECT)
        elem.flags |= K8S_FIELD_INLINE;
    if (put(e, "[", 1) < 0)
        return STOP;
    for (size_t i = 0; i < n; i++) {
        k8s_path item = {path, NULL, 0, i};
        if ((i && put(e, ",", 1) < 0) || enc_value(e, &elem, items + i * size, &item) < 0)
            return STOP;
    }
    return put(e, "]", 1);
}

static int enc_map(enc *e, const k8s_field *f, const char *base, const k8s_path *path)
{
    const char *entries = *(char *const *)(base + f->offset);
    size_t n = *(const size_t *)(base + f->aux);
    const k8s_type *et = f->type;
    const k8s_field *kf = &et->fields[0], *vf = &et->fields[1];
    if (put(e, "{", 1) < 0)
        return STOP;
    for (size_t i = 0; i < n; i++) {
        const char *entry = entries + i * et->size;
        const char *key = *(char *const *)(entry + kf->offset);
        k8s_path item = {path, key, key ? strlen(key) : 0, i};
        if (!key)
            return fail(e, K8S_EINVAL, &item, "NULL map key");
        if ((i && put(e, ",", 1) < 0) || enc_string(e, key, &item) < 0 || put(e, ":", 1) < 0)
            return STOP;
        int r = k8s_field_present(vf, entry) ? enc_field(e, vf, entry, &item) : put(e, "null", 4);
        if (r < 0)
            return STOP;
    }
    return put(e, "}", 1);
}

static int enc_field(enc *e, const k8s_field *f, const char *base, const k8s_path *path)
{
    if (f->kind == K8S_KIND_MAP)
        return enc_map(e, f, base, path);
    if (f->flags & K8S_FIELD_ARRAY)
        return enc_array(e, f, base, path);
    return enc_value(e, f, base + f->offset, path);
}

static int enc_object(enc *e, const k8s_type *t, const char *obj, const k8s_path *path)
{
    if (put(e, "{", 1) < 0)
        return STOP;
    bool first = true;
    for (uint16_t i = 0; i < t->nfields; i++) {
        const k8s_field *f = &t->fields[i];
        bool present = k8s_field_present(f, obj);
        if (!present && !k8s_field_null(f, obj))
            continue;
        k8s_path child = {path, f->name, f->name_len, 0};
        if (need(e, f->name_len + 4) < 0)
            return STOP;
        if (!first)
            raw_byte(e, ',');
        first = false;
        raw_byte(e, '"');
        raw(e, f->name, f->name_len);
        raw(e, "\":", 2);
        if (present ? enc_field(e, f, obj, &child) < 0 : put(e, "null", 4) < 0)
            return STOP;
    }
    if (t->flags & K8S_TYPE_UNKNOWN) {
        const char *unknown = *(char *const *)(obj + t->unknown_offset);
        if (unknown && k8s_unknown_splice(t, unknown, e->out, &first, path, e->err) != K8S_OK)
            return STOP;
    }
    return put(e, "}", 1);
}

k8s_code k8s_json_encode(const k8s_type *type, const void *obj, k8s_buf *out, k8s_error *err)
{
    k8s_error local;
    if (!err)
        err = &local;
    memset(err, 0, sizeof *err);
    if (!type || !obj || !out) {
        return k8s_fail(err, K8S_EINVAL, "missing type, object or buffer");
    }
    enc e = {out, err, (locale_t)0};
    size_t mark = out->len;
    int r = type->flags & K8S_TYPE_UNION ? enc_union(&e, type, obj, NULL)
                                           : enc_object(&e, type, obj, NULL);
    if (e.loc)
        freelocale(e.loc);
    if (r < 0)
        out->len = mark;
    if (out->data)
        out->data[out->len] = '\0'; /* raw() writes leave the terminator to the end */
    return r < 0 ? err->code : K8S_OK;
}
