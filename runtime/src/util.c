/* Small shared pieces: JSON paths, error filling, UTF-8 and base64. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static bool plain_key(const char *s, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '$'))
            return false;
    }
    return true;
}

int k8s_path_segment(char *out, size_t n, const char *name, size_t len, size_t index, bool root)
{
    if (!name)
        return snprintf(out, n, "[%zu]", index);
    if (plain_key(name, len))
        return snprintf(out, n, "%s%.*s", root ? "" : ".", (int)(len > 120 ? 120 : len), name);
    return snprintf(out, n, "[\"%.*s\"]", (int)(len > 120 ? 120 : len), name);
}

/* Segments are written right to left at the end of a scratch buffer, so the
 * path needs no depth bound; what does not fit is cut at the root end. */
void k8s_path_format(const k8s_path *p, char *out, size_t n)
{
    char tmp[512];
    size_t pos = sizeof tmp;
    bool cut = false;
    for (; p; p = p->up) {
        char seg[K8S_PATH_SEGMENT_MAX];
        int w = k8s_path_segment(seg, sizeof seg, p->name, p->len, p->index, p->up == NULL);
        if (w < 0)
            continue;
        if ((size_t)w > sizeof seg - 1)
            w = (int)sizeof seg - 1;
        if ((size_t)w + 3 > pos) {
            cut = true;
            break;
        }
        pos -= (size_t)w;
        memcpy(tmp + pos, seg, (size_t)w);
    }
    if (cut) {
        pos -= 3;
        memcpy(tmp + pos, "...", 3);
    }
    size_t len = sizeof tmp - pos;
    if (len >= n)
        len = n ? n - 1 : 0;
    if (n) {
        memcpy(out, tmp + pos, len);
        out[len] = '\0';
    }
}

void k8s_error_setv(k8s_error *err, k8s_code code, const k8s_path *path, const char *start,
                    const char *at, const char *fmt, va_list ap)
{
    if (!err)
        return;
    err->code = code;
    k8s_path_format(path, err->path, sizeof err->path);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    err->offset = 0;
    err->line = err->column = 0;
    if (start && at)
        k8s_error_at(err, start, at);
}

k8s_code k8s_fail(k8s_error *err, k8s_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    k8s_error_setv(err, code, NULL, NULL, NULL, fmt, ap);
    va_end(ap);
    return code;
}

k8s_code k8s_fail_text(k8s_error *err, k8s_code code, const char *what, const char *text, const char *at,
                       const char *problem, const char *part, size_t part_len)
{
    enum { SHOWN = 64 }; /* of a long text or part: its start */
    size_t tn = strlen(text);
    int tshown = tn > SHOWN ? SHOWN : (int)tn, pshown = part_len > SHOWN ? SHOWN : (int)part_len;
    if (part)
        k8s_fail(err, code, "%s \"%.*s%s\": %s \"%.*s%s\"", what, tshown, text, tn > SHOWN ? "..." : "",
                 problem, pshown, part, part_len > SHOWN ? "..." : "");
    else
        k8s_fail(err, code, "%s \"%.*s%s\": %s", what, tshown, text, tn > SHOWN ? "..." : "", problem);
    if (err)
        err->offset = (size_t)(at - text);
    return code;
}

void k8s_error_in_file(k8s_error *err, const char *file)
{
    if (!err || !file)
        return;
    size_t n = strlen(file);
    if (n < sizeof err->path)
        memcpy(err->path, file, n + 1);
    else
        snprintf(err->path, sizeof err->path, "...%s", file + n - (sizeof err->path - 4));
}

k8s_code k8s_fail_in(k8s_error *err, const char *file, k8s_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    k8s_error_setv(err, code, NULL, NULL, NULL, fmt, ap);
    va_end(ap);
    k8s_error_in_file(err, file);
    return code;
}

void k8s_text_pos_at(k8s_text_pos *tp, const char *start, const char *at, k8s_error *err)
{
    if (!tp->at || tp->at > at)
        *tp = (k8s_text_pos){start, 1, 1};
    for (const char *q = tp->at; q < at; q++) {
        if (*q == '\n') {
            tp->line++;
            tp->column = 1;
        } else if (((unsigned char)*q & 0xC0) != 0x80) {
            tp->column++;
        }
    }
    tp->at = at;
    err->offset = (size_t)(at - start);
    err->line = tp->line;
    err->column = tp->column;
}

void k8s_error_at(k8s_error *err, const char *start, const char *at)
{
    k8s_text_pos tp = {NULL, 0, 0};
    k8s_text_pos_at(&tp, start, at, err);
}

void k8s_error_set(k8s_error *err, k8s_code code, const k8s_path *path, const char *start,
                   const char *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    k8s_error_setv(err, code, path, start, at, fmt, ap);
    va_end(ap);
}

size_t k8s_kind_size(const k8s_field *f)
{
    switch (f->kind) {
    case K8S_KIND_BOOL:
        return sizeof(bool);
    case K8S_KIND_INT32:
        return sizeof(int32_t);
    case K8S_KIND_INT64:
        return sizeof(int64_t);
    case K8S_KIND_DOUBLE:
        return sizeof(double);
    case K8S_KIND_BYTES:
        return sizeof(k8s_bytes);
    case K8S_KIND_OBJECT:
    case K8S_KIND_UNION:
        return f->type->size;
    default:
        return sizeof(char *);
    }
}

size_t k8s_utf8_seq(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t left = (size_t)(end - p);
    if (c >= 0xC2 && c <= 0xDF)
        return left >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (left < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && p[1] < 0xA0)
            return 0; /* overlong */
        if (c == 0xED && p[1] > 0x9F)
            return 0; /* UTF-16 surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (left < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && p[1] < 0x90)
            return 0; /* overlong */
        if (c == 0xF4 && p[1] > 0x8F)
            return 0; /* above U+10FFFF */
        return 4;
    }
    return 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t k8s_base64_encoded_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

void k8s_base64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *out++ = b64[v >> 18];
        *out++ = b64[(v >> 12) & 63];
        *out++ = b64[(v >> 6) & 63];
        *out++ = b64[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
        *out++ = b64[v >> 18];
        *out++ = b64[(v >> 12) & 63];
        *out++ = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        *out++ = '=';
    }
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

bool k8s_base64_decode(const char *in, size_t n, uint8_t *out, size_t *out_len)
{
    uint32_t acc = 0;
    int bits = 0, quad = 0, pad = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            pad++;
            quad++;
            continue;
        }
        int v = b64_value(c);
        if (v < 0 || pad)
            return false; /* bad character, or data after padding */
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        quad++;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    if (quad % 4 != 0 || pad > 2)
        return false;
    /* the bits that padding leaves over must be zero (canonical form) */
    if (bits && (acc & ((1u << bits) - 1)))
        return false;
    if ((pad == 1 && bits != 2) || (pad == 2 && bits != 4))
        return false;
    *out_len = o;
    return true;
}

k8s_code k8s_json_quote(k8s_buf *b, const char *s)
{
    k8s_code rc = k8s_buf_append(b, "\"", 1);
    for (const char *p = s; !rc && *p; p++) {
        unsigned char c = (unsigned char)*p;
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            rc = k8s_buf_append(b, esc, 2);
        } else if (c < 0x20) {
            rc = k8s_buf_append(b, esc, (size_t)snprintf(esc, sizeof esc, "\\u%04x", c));
        } else {
            rc = k8s_buf_append(b, p, 1);
        }
    }
    return rc ? rc : k8s_buf_append(b, "\"", 1);
}
