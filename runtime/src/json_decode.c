/* The typed JSON decoder: one pass over the bytes, writing straight into the
 * generated structs through their descriptors (k8s/types.h).
 *
 * Memory: results go to the caller's arena. Arrays and maps are collected in
 * a scratch buffer per nesting level and copied to the arena once, at their
 * exact size, so the arena holds no half-grown copies. Unknown fields and
 * free-form values are compacted onto one text stack (offsets only, so it
 * may move) and copied out when their object ends.
 *
 * Recursion follows the typed structure only and is bounded by max_depth;
 * free-form values are scanned by an iterative state machine. */
#define _GNU_SOURCE /* newlocale, strtod_l */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "k8s/codec.h"
#include "k8s/values.h"

enum { OK = 0, SKIP = 1, STOP = -1 };

typedef struct scratch {
    char *buf;
    size_t cap;
} scratch;

typedef struct ukey { /* decoded name of an unknown field, for duplicate checks */
    const char *s;
    size_t n;
    size_t from, to; /* its member's bytes in dec.text */
    bool repeated;   /* a later member of the same name: not kept */
} ukey;

typedef struct dec {
    const char *start, *p, *end;
    k8s_arena *arena;
    const k8s_decode_options *opt;
    size_t max_depth, max_string, depth;
    scratch *scr; /* one per array/map nesting level */
    size_t nscr, level;
    k8s_buf text; /* unknown-field and free-form text under construction */
    ukey *uk;
    size_t nuk, capuk;
    char *keybuf; /* unescaped keys */
    size_t keycap;
    char *stack; /* container kinds of the free-form scanner */
    size_t stackcap;
    locale_t loc;
    struct guess *guess; /* NULL: no guessing (entry points other than typed decode) */
    unsigned guess_shift; /* guess has 1 << (64 - guess_shift) slots */
    k8s_error *err;
    k8s_code first; /* first problem reported */
    bool oom;
    k8s_text_pos pos; /* of the last problem: problems come in text order */
} dec;

static const k8s_decode_options no_options;

/* ---- problems ---- */

K8S_PRINTF(6, 0)
static void report(dec *d, k8s_severity sev, k8s_code code, const k8s_path *path, const char *at,
                   const char *fmt, va_list ap)
{
    k8s_error e;
    k8s_error_setv(&e, code, path, NULL, NULL, fmt, ap);
    if (at)
        k8s_text_pos_at(&d->pos, d->start, at, &e);
    if (sev == K8S_PROBLEM && !d->first) {
        d->first = code;
        if (d->err)
            *d->err = e;
    }
    if (d->opt->diag)
        d->opt->diag(d->opt->diag_ctx, sev, &e);
}

/* Input that cannot be read on from: always stops. */
K8S_PRINTF(5, 6)
static int fatal(dec *d, k8s_code code, const k8s_path *path, const char *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(d, K8S_PROBLEM, code, path, at, fmt, ap);
    va_end(ap);
    return STOP;
}

/* A value that is wrong but well-formed: stops, or with diag, is reported
 * and the decoder goes on (SKIP). */
K8S_PRINTF(5, 6)
static int problem(dec *d, k8s_code code, const k8s_path *path, const char *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(d, K8S_PROBLEM, code, path, at, fmt, ap);
    va_end(ap);
    return d->opt->diag ? SKIP : STOP;
}

K8S_PRINTF(4, 5)
static void warn(dec *d, const k8s_path *path, const char *at, const char *fmt, ...)
{
    if (!d->opt->diag)
        return;
    va_list ap;
    va_start(ap, fmt);
    report(d, K8S_WARNING, K8S_EUNKNOWN_FIELD, path, at, fmt, ap);
    va_end(ap);
}

static int nomem(dec *d, const k8s_path *path)
{
    d->oom = true;
    return fatal(d, K8S_ENOMEM, path, d->p, "out of memory");
}

/* ---- lexing ---- */

static const unsigned char is_ws[256] = {[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1};

/* Skips white space: the byte there (as peek gives it). */
static inline char skip(dec *d)
{
    const char *p = d->p, *end = d->end;
    if (p < end && (unsigned char)*p > ' ') /* compact JSON has none */
        return *p;
    while (p < end && is_ws[(unsigned char)*p])
        p++;
    d->p = p;
    return p < end ? *p : '\0';
}

static inline void ws(dec *d)
{
    (void)skip(d);
}

static inline char peek(const dec *d)
{
    return d->p < d->end ? *d->p : '\0';
}

static int eof_error(dec *d, const k8s_path *path)
{
    return fatal(d, K8S_ESYNTAX, path, d->p, "unexpected end of input");
}

static int unexpected(dec *d, const k8s_path *path, const char *wanted)
{
    if (d->p >= d->end)
        return eof_error(d, path);
    unsigned char c = (unsigned char)*d->p;
    if (c >= 0x20 && c < 0x7F)
        return fatal(d, K8S_ESYNTAX, path, d->p, "expected %s, found '%c'", wanted, c);
    return fatal(d, K8S_ESYNTAX, path, d->p, "expected %s, found byte 0x%02X", wanted, c);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The code unit of 4 hex digits at p, or -1. */
static long hex4(const char *p)
{
    long r = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return -1;
        r = r << 4 | h;
    }
    return r;
}

typedef struct str {
    const char *raw; /* between the quotes, escapes as written */
    size_t n;
    bool esc; /* has escapes */
    bool nul; /* has \u0000 */
} str;

/* At the opening quote: checks the string (escapes, surrogate pairs, UTF-8,
 * no raw control characters) and moves past the closing quote. */
static int scan_string(dec *d, const k8s_path *path, str *s)
{
    const char *p = d->p + 1, *end = d->end;
    s->raw = p;
    s->esc = s->nul = false;
    for (;;) {
        p += k8s_plain_run(p, end);
        if (p >= end) {
            d->p = p;
            return fatal(d, K8S_ESYNTAX, path, d->p, "unterminated string");
        }
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            break;
        if (c == '\\') {
            s->esc = true;
            if (p + 1 >= end) {
                d->p = p + 1;
                return eof_error(d, path);
            }
            char e = p[1];
            if (e == 'u') {
                long u = end - p < 6 ? -1 : hex4(p + 2);
                if (u < 0)
                    return fatal(d, K8S_EENCODING, path, p, "invalid \\u escape");
                if (u == 0)
                    s->nul = true;
                if (u >= 0xDC00 && u <= 0xDFFF)
                    return fatal(d, K8S_EENCODING, path, p, "lone low surrogate \\u%04lX", u);
                if (u >= 0xD800 && u <= 0xDBFF) {
                    long lo = end - p < 12 || p[6] != '\\' || p[7] != 'u' ? -1 : hex4(p + 8);
                    if (lo < 0xDC00 || lo > 0xDFFF)
                        return fatal(d, K8S_EENCODING, path, p, "lone high surrogate \\u%04lX", u);
                    p += 12;
                } else {
                    p += 6;
                }
                continue;
            }
            if (!strchr("\"\\/bfnrt", e) || e == '\0')
                return fatal(d, K8S_EENCODING, path, p, "invalid escape '\\%c'",
                             e >= 0x20 && e < 0x7F ? e : '?');
            p += 2;
            continue;
        }
        if (c < 0x20)
            return fatal(d, K8S_ESYNTAX, path, p, "control character 0x%02X in string", c);
        size_t n = k8s_utf8_seq((const unsigned char *)p, (const unsigned char *)end);
        if (!n)
            return fatal(d, K8S_EENCODING, path, p, "invalid UTF-8 byte 0x%02X in string", c);
        p += n;
    }
    s->n = (size_t)(p - s->raw);
    d->p = p + 1;
    return OK;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Unescapes a string that scan_string accepted; out has room for s->n bytes. */
static size_t unescape(const str *s, char *out)
{
    const char *p = s->raw, *end = s->raw + s->n;
    char *o = out;
    while (p < end) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        size_t run = (size_t)((bs ? bs : end) - p);
        memcpy(o, p, run);
        o += run;
        p += run;
        if (!bs)
            break;
        char e = p[1];
        p += 2;
        switch (e) {
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': { /* scan_string checked the digits and the pairs */
            unsigned u = (unsigned)hex4(p);
            p += 4;
            if (u >= 0xD800 && u <= 0xDBFF) {
                unsigned lo = (unsigned)hex4(p + 2);
                p += 6;
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            }
            o += put_utf8(o, u);
            break;
        }
        default: *o++ = e; break; /* " \ / */
        }
    }
    return (size_t)(o - out);
}

/* n bytes of text at s (the input's) as a NUL-terminated copy in the arena:
 * the cases arena_text leaves out of line. */
static __attribute__((noinline)) char *arena_text_rest(dec *d, const char *s, size_t n)
{
    k8s_arena_bump *b = k8s_arena_bump_of(d->arena);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n < 16 && b->share && d->end - s >= 16) {
        /* a large arena, where equal short strings share a copy: the key is
         * the 16 bytes at s with those past the string zeroed */
        uint64_t key[2];
        memcpy(key, s, 16);
        if (n < 8) {
            key[0] &= ~(~(uint64_t)0 << (8 * n)); /* n = 0: all of it */
            key[1] = 0;
        } else {
            key[1] &= ~(~(uint64_t)0 << (8 * (n - 8)));
        }
        return k8s_arena_share_inline(d->arena, key, s, n);
    }
#endif
    if (n < 16 && b->share)
        return k8s_arena_share(d->arena, s, n);
    char *o = k8s_arena_alloc_bytes(d->arena, n + 1);
    if (o) {
        memcpy(o, s, n);
        o[n] = '\0';
    }
    return o;
}

/* The same, inline for the common case: most strings are short and the
 * arena has room, so they are copied in 16-byte moves, what follows the
 * string's bytes landing in the block's free part (and overwritten by the
 * NUL and the next allocation). */
static inline char *arena_text(dec *d, const char *s, size_t n)
{
    enum { SHORT = 64 };
    k8s_arena_bump *b = k8s_arena_bump_of(d->arena);
    if (K8S_LIKELY(n < SHORT && !b->share && b->end - b->cur >= SHORT + 1 && d->end - s >= SHORT)) {
        char *o = b->cur;
        b->cur += n + 1;
        for (size_t i = 0; i < n; i += 16)
            memcpy(o + i, s + i, 16);
        o[n] = '\0';
        return o;
    }
    return arena_text_rest(d, s, n);
}

/* A string that dec_string's quick scan did not finish: escapes, non-ASCII
 * text, a control character, the end of input or the length limit. */
static __attribute__((noinline)) int dec_string_rest(dec *d, const k8s_path *path, char **out)
{
    const char *at = d->p;
    str s;
    if (scan_string(d, path, &s) < 0)
        return STOP;
    if (s.n > d->max_string)
        return problem(d, K8S_ETOOBIG, path, at, "string of %zu bytes is over the limit of %zu",
                       s.n, d->max_string);
    if (s.nul)
        return problem(d, K8S_EVALUE, path, at, "string contains U+0000, which a C string cannot hold");
    if (!s.esc) {
        if (!(*out = arena_text(d, s.raw, s.n)))
            return nomem(d, path);
        return OK;
    }
    char *o = k8s_arena_alloc_bytes(d->arena, s.n + 1);
    if (!o)
        return nomem(d, path);
    o[unescape(&s, o)] = '\0';
    *out = o;
    return OK;
}

/* A string value as a NUL-terminated copy in the arena. Most strings are
 * plain ASCII: one scan, then the copy, inline. */
static inline int dec_string(dec *d, const k8s_path *path, char **out)
{
    const char *raw = d->p + 1;
    size_t plain = k8s_plain_run(raw, d->end);
    if (K8S_LIKELY(raw + plain < d->end && raw[plain] == '"' && plain <= d->max_string)) {
        d->p = raw + plain + 1;
        if (!(*out = arena_text(d, raw, plain)))
            return nomem(d, path);
        return OK;
    }
    return dec_string_rest(d, path, out);
}

/* The ':' after a key, and the space around it. */
static inline int colon(dec *d, const k8s_path *path)
{
    if (skip(d) != ':')
        return unexpected(d, path, "':'");
    d->p++;
    ws(d);
    return OK;
}

/* A key, unescaped when it has escapes (into keybuf, valid until the next key). */
static int read_key(dec *d, const k8s_path *path, str *s, const char **key, size_t *len)
{
    if (peek(d) != '"')
        return unexpected(d, path, "a string key");
    if (scan_string(d, path, s) < 0)
        return STOP;
    if (!s->esc) {
        *key = s->raw;
        *len = s->n;
    } else {
        if (s->n + 1 > d->keycap) {
            char *nb = realloc(d->keybuf, s->n + 1);
            if (!nb)
                return nomem(d, path);
            d->keybuf = nb;
            d->keycap = s->n + 1;
        }
        *len = unescape(s, d->keybuf);
        *key = d->keybuf;
    }
    return colon(d, path);
}

/* At '-' or a digit: checks the JSON number grammar. */
static int scan_number(dec *d, const k8s_path *path, bool *is_int)
{
    const char *p = d->p, *end = d->end;
    *is_int = true;
    if (p < end && *p == '-')
        p++;
    if (p >= end || *p < '0' || *p > '9') {
        d->p = p;
        return unexpected(d, path, "a digit");
    }
    if (*p == '0') {
        p++;
        if (p < end && *p >= '0' && *p <= '9')
            return fatal(d, K8S_ESYNTAX, path, p, "leading zero in number");
    } else {
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && *p == '.') {
        *is_int = false;
        p++;
        if (p >= end || *p < '0' || *p > '9') {
            d->p = p;
            return unexpected(d, path, "a digit after '.'");
        }
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        *is_int = false;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || *p < '0' || *p > '9') {
            d->p = p;
            return unexpected(d, path, "a digit in the exponent");
        }
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    d->p = p;
    return OK;
}

static bool literal(dec *d, const char *word, size_t n)
{
    if ((size_t)(d->end - d->p) >= n && memcmp(d->p, word, n) == 0) {
        d->p += n;
        return true;
    }
    return false;
}

/* ---- free-form values ---- */

static int emit(dec *d, k8s_buf *out, const char *s, size_t n, const k8s_path *path)
{
    if (out && k8s_buf_append(out, s, n) != K8S_OK)
        return nomem(d, path);
    return OK;
}

/* Checks one JSON value of any shape and appends it, compacted, to out
 * (when non-NULL). Iterative: the nesting is kept in d->stack. */
static int scan_raw(dec *d, const k8s_path *path, k8s_buf *out)
{
    const char *begin = d->p;
    size_t sp = 0;
    size_t room = d->max_depth > d->depth ? d->max_depth - d->depth : 0;
value:
    ws(d);
    if (d->p >= d->end)
        return eof_error(d, path);
    switch (*d->p) {
    case '{':
    case '[': {
        char open = *d->p;
        if (sp + 1 > room)
            return fatal(d, K8S_EDEPTH, path, d->p, "nesting deeper than %zu levels", d->max_depth);
        if (sp >= d->stackcap) {
            size_t cap = d->stackcap ? d->stackcap * 2 : 64;
            char *ns = realloc(d->stack, cap);
            if (!ns)
                return nomem(d, path);
            d->stack = ns;
            d->stackcap = cap;
        }
        d->stack[sp++] = open;
        if (emit(d, out, d->p, 1, path) < 0)
            return STOP;
        d->p++;
        ws(d);
        char close = open == '{' ? '}' : ']';
        if (peek(d) == close) {
            sp--;
            if (emit(d, out, d->p, 1, path) < 0)
                return STOP;
            d->p++;
            goto after;
        }
        if (open == '{')
            goto key;
        goto value;
    }
    case '"': {
        const char *s = d->p;
        str tmp;
        if (scan_string(d, path, &tmp) < 0 || emit(d, out, s, (size_t)(d->p - s), path) < 0)
            return STOP;
        goto after;
    }
    case 't':
    case 'f':
    case 'n': {
        const char *s = d->p;
        if (!literal(d, "true", 4) && !literal(d, "false", 5) && !literal(d, "null", 4))
            return unexpected(d, path, "a JSON value");
        if (emit(d, out, s, (size_t)(d->p - s), path) < 0)
            return STOP;
        goto after;
    }
    default: {
        const char *s = d->p;
        bool is_int;
        if (*s != '-' && (*s < '0' || *s > '9'))
            return unexpected(d, path, "a JSON value");
        if (scan_number(d, path, &is_int) < 0 || emit(d, out, s, (size_t)(d->p - s), path) < 0)
            return STOP;
        goto after;
    }
    }
key:
    ws(d);
    if (peek(d) != '"')
        return unexpected(d, path, "a string key");
    {
        const char *s = d->p;
        str tmp;
        if (scan_string(d, path, &tmp) < 0 || emit(d, out, s, (size_t)(d->p - s), path) < 0)
            return STOP;
    }
    ws(d);
    if (peek(d) != ':')
        return unexpected(d, path, "':'");
    if (emit(d, out, d->p, 1, path) < 0)
        return STOP;
    d->p++;
    goto value;
after:
    if (sp == 0) {
        size_t n = (size_t)(d->p - begin);
        if (out && n > d->max_string) /* only what is kept costs memory */
            return problem(d, K8S_ETOOBIG, path, begin, "value of %zu bytes is over the limit of %zu",
                           n, d->max_string);
        return OK;
    }
    ws(d);
    {
        char top = d->stack[sp - 1];
        char c = peek(d);
        if (c == ',') {
            if (emit(d, out, d->p, 1, path) < 0)
                return STOP;
            d->p++;
            if (top == '{')
                goto key;
            goto value;
        }
        if (c == (top == '{' ? '}' : ']')) {
            sp--;
            if (emit(d, out, d->p, 1, path) < 0)
                return STOP;
            d->p++;
            goto after;
        }
        return unexpected(d, path, top == '{' ? "',' or '}'" : "',' or ']'");
    }
}

/* Skips a value that a problem was reported for. */
static int skip_value(dec *d, const k8s_path *path)
{
    return scan_raw(d, path, NULL) < 0 ? STOP : SKIP;
}

K8S_PRINTF(4, 5)
static int reject(dec *d, k8s_code code, const k8s_path *path, const char *fmt, ...)
{
    if (d->p >= d->end) /* no value at all: the input was cut short */
        return eof_error(d, path);
    va_list ap;
    va_start(ap, fmt);
    report(d, K8S_PROBLEM, code, path, d->p, fmt, ap);
    va_end(ap);
    if (!d->opt->diag)
        return STOP;
    return skip_value(d, path);
}

static const char *token_name(char c)
{
    switch (c) {
    case '{': return "an object";
    case '[': return "an array";
    case '"': return "a string";
    case 't':
    case 'f': return "a boolean";
    case 'n': return "null";
    default: return "a number";
    }
}

/* ---- typed values ---- */

static int dec_object(dec *d, const k8s_type *t, char *obj, const k8s_path *path);
static int dec_field(dec *d, const k8s_field *f, char *base, const k8s_path *path);

static bool to_uint64(const char *s, const char *e, uint64_t *v)
{
    uint64_t r = 0;
    for (; s < e; s++) {
        unsigned digit = (unsigned)(*s - '0');
        if (r > (UINT64_MAX - digit) / 10)
            return false;
        r = r * 10 + digit;
    }
    *v = r;
    return true;
}

static int dec_integer(dec *d, const k8s_field *f, void *dst, const k8s_path *path)
{
    const char *s = d->p;
    bool is_int;
    if (scan_number(d, path, &is_int) < 0)
        return STOP;
    if (!is_int)
        return problem(d, K8S_ETYPE, path, s, "expected an integer, got %.*s",
                       (int)(d->p - s > 40 ? 40 : d->p - s), s);
    bool neg = *s == '-';
    uint64_t mag;
    bool fits = to_uint64(s + neg, d->p, &mag);
    if (f->kind == K8S_KIND_INT64) {
        if (!fits || mag > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
            return problem(d, K8S_ERANGE, path, s, "%.*s is out of range for int64",
                           (int)(d->p - s > 40 ? 40 : d->p - s), s);
        *(int64_t *)dst = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    } else {
        if (!fits || mag > (neg ? (uint64_t)INT32_MAX + 1 : (uint64_t)INT32_MAX))
            return problem(d, K8S_ERANGE, path, s, "%.*s is out of range for int32",
                           (int)(d->p - s > 40 ? 40 : d->p - s), s);
        *(int32_t *)dst = neg ? (int32_t)(0 - (int64_t)mag) : (int32_t)mag;
    }
    return OK;
}

static int dec_double(dec *d, double *dst, const k8s_path *path)
{
    const char *s = d->p;
    bool is_int;
    if (scan_number(d, path, &is_int) < 0)
        return STOP;
    size_t n = (size_t)(d->p - s);
    char small[64], *buf = small;
    if (n >= sizeof small && !(buf = malloc(n + 1)))
        return nomem(d, path);
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (!d->loc && !(d->loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0))) {
        if (buf != small)
            free(buf);
        return nomem(d, path);
    }
    double v = strtod_l(buf, NULL, d->loc);
    if (buf != small)
        free(buf);
    if (isinf(v))
        return problem(d, K8S_ERANGE, path, s, "number is out of range for a double");
    *dst = v;
    return OK;
}

static int dec_bytes(dec *d, k8s_bytes *dst, const k8s_path *path)
{
    const char *at = d->p;
    str s;
    if (scan_string(d, path, &s) < 0)
        return STOP;
    if (s.n > d->max_string)
        return problem(d, K8S_ETOOBIG, path, at, "string of %zu bytes is over the limit of %zu",
                       s.n, d->max_string);
    const char *text = s.raw;
    size_t n = s.n;
    char *tmp = NULL;
    if (s.esc) { /* base64 has no reason for escapes, but "\/" is legal JSON */
        if (!(tmp = malloc(s.n ? s.n : 1)))
            return nomem(d, path);
        n = unescape(&s, tmp);
        text = tmp;
    }
    uint8_t *out = k8s_arena_alloc_bytes(d->arena, n / 4 * 3 + 3);
    size_t len = 0;
    bool ok = out && k8s_base64_decode(text, n, out, &len);
    free(tmp);
    if (!out)
        return nomem(d, path);
    if (!ok)
        return problem(d, K8S_EVALUE, path, at, "invalid base64 data");
    dst->data = out;
    dst->len = len;
    return OK;
}

/* A number where a Quantity goes. Kubernetes reads the number's text as a
 * quantity (resource.Quantity's UnmarshalJSON) and stores what Go's String()
 * then gives, so that is the text kept: 2 -> "2", 0.5 -> "500m". */
static int dec_quantity_number(dec *d, char **dst, const k8s_path *path)
{
    const char *s = d->p;
    bool is_int;
    if (scan_number(d, path, &is_int) < 0)
        return STOP;
    size_t n = (size_t)(d->p - s);
    if (n > d->max_string)
        return problem(d, K8S_ETOOBIG, path, s, "number of %zu bytes is over the limit of %zu", n,
                       d->max_string);
    char *text = k8s_arena_strndup(d->arena, s, n);
    if (!text)
        return nomem(d, path);
    k8s_quantity q;
    k8s_error e;
    k8s_code rc = k8s_quantity_parse(text, &q, &e);
    if (rc)
        return problem(d, rc, path, s, "%s", e.message);
    if (!k8s_quantity_text_kept(text)) {
        char canonical[K8S_QUANTITY_TEXT_MAX];
        size_t len = k8s_quantity_format(&q, canonical, sizeof canonical);
        if (!(text = k8s_arena_strndup(d->arena, canonical, len)))
            return nomem(d, path);
    }
    *dst = text;
    return OK;
}

/* A free-form value: compacted onto the text stack, then copied out. */
static int dec_json(dec *d, char **dst, const k8s_path *path)
{
    size_t base = d->text.len;
    int r = scan_raw(d, path, &d->text);
    if (r == OK) {
        char *s = k8s_arena_strndup(d->arena, d->text.data + base, d->text.len - base);
        if (!s)
            r = nomem(d, path);
        else
            *dst = s;
    }
    d->text.len = base;
    return r;
}

static bool accepts(const k8s_field *m, char c)
{
    bool array = (m->flags & K8S_FIELD_ARRAY) != 0;
    switch (c) {
    case '{': return !array && (m->kind == K8S_KIND_OBJECT || m->kind == K8S_KIND_MAP);
    case '[': return array;
    case '"':
        return !array && (m->kind == K8S_KIND_STRING || m->kind == K8S_KIND_QUANTITY ||
                          m->kind == K8S_KIND_TIME || m->kind == K8S_KIND_MICROTIME ||
                          m->kind == K8S_KIND_BYTES);
    case 't':
    case 'f': return !array && m->kind == K8S_KIND_BOOL;
    default:
        return !array && (m->kind == K8S_KIND_INT32 || m->kind == K8S_KIND_INT64 ||
                          m->kind == K8S_KIND_DOUBLE || m->kind == K8S_KIND_QUANTITY);
    }
}

/* A union is transparent: the JSON value's type picks the member. */
static int dec_union(dec *d, const k8s_type *t, char *obj, const k8s_path *path)
{
    char c = peek(d);
    for (uint16_t i = 0; i < t->nfields; i++)
        if (accepts(&t->fields[i], c))
            return dec_field(d, &t->fields[i], obj, path);
    char wanted[96] = "";
    for (uint16_t i = 0; i < t->nfields; i++) {
        const k8s_field *m = &t->fields[i];
        char rep = m->flags & K8S_FIELD_ARRAY ? '[' : m->kind == K8S_KIND_OBJECT ? '{'
                   : m->kind == K8S_KIND_BOOL ? 't' : m->kind == K8S_KIND_STRING ? '"' : '0';
        size_t w = strlen(wanted);
        snprintf(wanted + w, sizeof wanted - w, "%s%s", i ? " or " : "", token_name(rep));
    }
    return reject(d, K8S_ETYPE, path, "expected %s, got %s", wanted, token_name(c));
}

/* One value of f's kind into dst (the field's storage, or an array slot). */
static int dec_value(dec *d, const k8s_field *f, char *dst, bool inline_obj, const k8s_path *path)
{
    char c = peek(d);
    if (!c && d->p >= d->end)
        return eof_error(d, path);
    switch (f->kind) {
    case K8S_KIND_QUANTITY:
        if (c == '-' || (c >= '0' && c <= '9'))
            return dec_quantity_number(d, (char **)dst, path);
        if (c != '"')
            return reject(d, K8S_ETYPE, path, "expected a string or a number, got %s", token_name(c));
        return dec_string(d, path, (char **)dst);
    case K8S_KIND_STRING:
    case K8S_KIND_TIME:
    case K8S_KIND_MICROTIME:
        if (c != '"')
            return reject(d, K8S_ETYPE, path, "expected a string, got %s", token_name(c));
        return dec_string(d, path, (char **)dst);
    case K8S_KIND_BYTES:
        if (c != '"')
            return reject(d, K8S_ETYPE, path, "expected a base64 string, got %s", token_name(c));
        return dec_bytes(d, (k8s_bytes *)dst, path);
    case K8S_KIND_BOOL:
        if (c != 't' && c != 'f')
            return reject(d, K8S_ETYPE, path, "expected a boolean, got %s", token_name(c));
        if (literal(d, "true", 4))
            *(bool *)dst = true;
        else if (literal(d, "false", 5))
            *(bool *)dst = false;
        else
            return unexpected(d, path, "true or false");
        return OK;
    case K8S_KIND_INT32:
    case K8S_KIND_INT64:
        if (c != '-' && (c < '0' || c > '9'))
            return reject(d, K8S_ETYPE, path, "expected an integer, got %s", token_name(c));
        return dec_integer(d, f, dst, path);
    case K8S_KIND_DOUBLE:
        if (c != '-' && (c < '0' || c > '9'))
            return reject(d, K8S_ETYPE, path, "expected a number, got %s", token_name(c));
        return dec_double(d, (double *)dst, path);
    case K8S_KIND_JSON:
        return dec_json(d, (char **)dst, path);
    case K8S_KIND_UNION:
        return dec_union(d, f->type, dst, path);
    case K8S_KIND_OBJECT: {
        if (c != '{')
            return reject(d, K8S_ETYPE, path, "expected an object, got %s", token_name(c));
        char *obj = dst;
        if (!inline_obj) {
            if (!(obj = k8s_arena_alloc(d->arena, f->type->size)))
                return nomem(d, path);
            *(char **)dst = obj;
        }
        return dec_object(d, f->type, obj, path);
    }
    default:
        return fatal(d, K8S_EINVAL, path, d->p, "descriptor has unknown kind %u", f->kind);
    }
}

/* The scratch slot for element i of the current level, zeroed. */
static char *scratch_slot(dec *d, size_t level, size_t i, size_t size)
{
    scratch *s = &d->scr[level];
    size_t need = (i + 1) * size;
    if (need > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        while (cap < need)
            cap *= 2;
        char *nb = realloc(s->buf, cap);
        if (!nb)
            return NULL;
        s->buf = nb;
        s->cap = cap;
    }
    char *slot = s->buf + i * size;
    memset(slot, 0, size);
    return slot;
}

static int enter(dec *d, const k8s_path *path, size_t *level)
{
    if (++d->depth > d->max_depth)
        return fatal(d, K8S_EDEPTH, path, d->p, "nesting deeper than %zu levels", d->max_depth);
    *level = d->level++;
    if (*level >= d->nscr) {
        size_t n = d->nscr ? d->nscr * 2 : 8;
        scratch *ns = realloc(d->scr, n * sizeof *ns);
        if (!ns)
            return nomem(d, path);
        memset(ns + d->nscr, 0, (n - d->nscr) * sizeof *ns);
        d->scr = ns;
        d->nscr = n;
    }
    d->p++;
    ws(d);
    return OK;
}

/* Copies n collected elements of the level out to the arena. */
static int finish_list(dec *d, size_t level, size_t n, size_t size, const k8s_field *f, char *base,
                       const k8s_path *path)
{
    void *mem = K8S_EMPTY;
    if (n) {
        if (!(mem = k8s_arena_alloc_uninit(d->arena, n * size)))
            return nomem(d, path);
        memcpy(mem, d->scr[level].buf, n * size);
    }
    *(void **)(base + f->offset) = mem;
    *(size_t *)(base + f->aux) = n;
    return OK;
}

static int dec_array(dec *d, const k8s_field *f, char *base, const k8s_path *path)
{
    if (peek(d) != '[')
        return reject(d, K8S_ETYPE, path, "expected an array, got %s", token_name(peek(d)));
    size_t level, n = 0, size = k8s_kind_size(f);
    int r = enter(d, path, &level);
    if (r < 0)
        return r;
    if (peek(d) == ']') {
        d->p++;
    } else {
        for (size_t i = 0;; i++) {
            k8s_path item = {path, NULL, 0, i};
            ws(d);
            if (peek(d) == 'n' && f->kind != K8S_KIND_JSON) {
                r = reject(d, K8S_ETYPE, &item, "null is not allowed as an array element");
            } else {
                char *slot = scratch_slot(d, level, n, size);
                if (!slot)
                    return nomem(d, path);
                r = dec_value(d, f, slot, true, &item);
                if (r == OK)
                    n++;
            }
            if (r < 0)
                return r;
            char c = skip(d);
            if (c == ',') {
                d->p++;
                continue;
            }
            if (c == ']') {
                d->p++;
                break;
            }
            return unexpected(d, path, "',' or ']'");
        }
    }
    d->level--;
    d->depth--;
    return finish_list(d, level, n, size, f, base, path);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first key that appears twice among n NUL-terminated keys, or NULL. */
static const char *find_dup_cstr(const char **keys, size_t n)
{
    if (n <= 8) {
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (strcmp(keys[i], keys[j]) == 0)
                    return keys[i];
        return NULL;
    }
    qsort(keys, n, sizeof *keys, cmp_str);
    for (size_t i = 1; i < n; i++)
        if (strcmp(keys[i], keys[i - 1]) == 0)
            return keys[i];
    return NULL;
}

/* Reports a key that comes twice among a map's n entries (at level). Out
 * of line: its array stays out of dec_map's frame, which list decodes
 * enter for every label and annotation map. */
static __attribute__((noinline)) int check_map_keys(dec *d, size_t level, size_t n, size_t size,
                                                   const k8s_field *kf, const k8s_path *path, const char *at)
{
    const char *few[16], **keys = n <= 16 ? few : malloc(n * sizeof *keys); /* most maps are small */
    if (!keys)
        return nomem(d, path);
    for (size_t i = 0; i < n; i++)
        keys[i] = *(char **)(d->scr[level].buf + i * size + kf->offset);
    const char *dup = find_dup_cstr(keys, n);
    int pr = dup ? problem(d, K8S_EDUPKEY, path, at, "duplicate key \"%s\"", dup) : OK;
    if (keys != few)
        free(keys);
    return pr;
}

static int dec_map(dec *d, const k8s_field *f, char *base, const k8s_path *path)
{
    if (peek(d) != '{')
        return reject(d, K8S_ETYPE, path, "expected an object, got %s", token_name(peek(d)));
    const char *at = d->p;
    const k8s_type *et = f->type;
    const k8s_field *kf = &et->fields[0], *vf = &et->fields[1];
    size_t level, n = 0, size = et->size;
    int r = enter(d, path, &level);
    if (r < 0)
        return r;
    if (peek(d) == '}') {
        d->p++;
    } else {
        for (;;) {
            ws(d);
            char *key = NULL;
            if (peek(d) != '"')
                return unexpected(d, path, "a string key");
            if ((r = dec_string(d, path, &key)) < 0)
                return r;
            ws(d);
            if (peek(d) != ':')
                return unexpected(d, path, "':'");
            d->p++;
            ws(d);
            if (r == SKIP) { /* unusable key, reported */
                if (skip_value(d, path) < 0)
                    return STOP;
            } else {
                k8s_path item = {path, key, strlen(key), 0};
                char *slot = scratch_slot(d, level, n, size);
                if (!slot)
                    return nomem(d, path);
                *(char **)(slot + kf->offset) = key;
                r = dec_field(d, vf, slot, &item);
                if (r < 0)
                    return r;
                if (r == OK)
                    n++;
            }
            ws(d);
            if (peek(d) == ',') {
                d->p++;
                continue;
            }
            if (peek(d) == '}') {
                d->p++;
                break;
            }
            return unexpected(d, path, "',' or '}'");
        }
    }
    d->level--;
    d->depth--;
    if (n > 1) {
        int pr = check_map_keys(d, level, n, size, kf, path, at);
        if (pr < 0)
            return pr;
    }
    return finish_list(d, level, n, size, f, base, path);
}

static int dec_field(dec *d, const k8s_field *f, char *base, const k8s_path *path)
{
    if (peek(d) == 'n' && literal(d, "null", 4)) {
        if (f->flags & K8S_FIELD_NULLABLE)
            *(bool *)(base + f->null_at) = true;
        return OK; /* absent */
    }
    if (f->kind == K8S_KIND_MAP)
        return dec_map(d, f, base, path);
    if (f->flags & K8S_FIELD_ARRAY)
        return dec_array(d, f, base, path);
    int r = dec_value(d, f, base + f->offset, (f->flags & K8S_FIELD_INLINE) != 0, path);
    if (r == OK && (f->flags & K8S_FIELD_HAS))
        *(bool *)(base + f->aux) = true;
    return r;
}

static int cmp_ukey(const void *a, const void *b)
{
    const ukey *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->s, y->s, n);
    if (c)
        return c;
    return x->n != y->n ? (x->n > y->n) - (x->n < y->n) : (x->from > y->from) - (x->from < y->from);
}

static int cmp_ukey_place(const void *a, const void *b)
{
    const ukey *x = a, *y = b;
    return (x->from > y->from) - (x->from < y->from);
}

static bool same_ukey(const ukey *x, const ukey *y)
{
    return x->n == y->n && memcmp(x->s, y->s, x->n) == 0;
}

/* Keeps an unknown member: `"key":value,` onto the text stack. */
static int keep_unknown(dec *d, const str *raw, const char *key, size_t klen, const k8s_path *path)
{
    if (d->nuk == d->capuk) {
        size_t cap = d->capuk ? d->capuk * 2 : 16;
        ukey *nu = realloc(d->uk, cap * sizeof *nu);
        if (!nu)
            return nomem(d, path);
        d->uk = nu;
        d->capuk = cap;
    }
    if (raw->esc && !(key = k8s_arena_strndup(d->arena, key, klen)))
        return nomem(d, path);
    ukey *u = &d->uk[d->nuk++];
    *u = (ukey){key, klen, d->text.len, 0, false};
    if (k8s_buf_append(&d->text, raw->raw - 1, raw->n + 2) != K8S_OK ||
        k8s_buf_append(&d->text, ":", 1) != K8S_OK)
        return nomem(d, path);
    if (scan_raw(d, path, &d->text) < 0)
        return STOP;
    if (k8s_buf_append(&d->text, ",", 1) != K8S_OK)
        return nomem(d, path);
    u->to = d->text.len;
    return OK;
}

/* Moves the unknown members collected since tbase/ubase into the struct. */
static int finish_unknown(dec *d, const k8s_type *t, char *obj, size_t tbase, size_t ubase,
                          const char *at, const k8s_path *path)
{
    size_t n = d->nuk - ubase;
    ukey *u = d->uk + ubase;
    int r = OK;
    bool repeats = false;
    if (n > 1) {
        /* A name given twice is a problem; where problems are only reported
         * (diag), the first member is kept, as for a known field, so what
         * comes back encodes to JSON that decodes again. */
        qsort(u, n, sizeof *u, cmp_ukey);
        for (size_t i = 1; i < n && r >= 0; i++)
            if (same_ukey(&u[i - 1], &u[i])) {
                u[i].repeated = repeats = true;
                r = problem(d, K8S_EDUPKEY, path, at, "duplicate key \"%.*s\"",
                            (int)(u[i].n > 100 ? 100 : u[i].n), u[i].s);
            }
        if (repeats)
            qsort(u, n, sizeof *u, cmp_ukey_place);
    }
    if (r >= 0 && (t->flags & K8S_TYPE_UNKNOWN)) {
        size_t len = d->text.len - tbase; /* members, each with a trailing comma */
        char *s = k8s_arena_alloc_bytes(d->arena, len + 2), *o = s;
        if (!s) {
            r = nomem(d, path);
        } else {
            *o++ = '{';
            if (!repeats) {
                memcpy(o, d->text.data + tbase, len);
                o += len;
            } else { /* members in document order (sorted back by place above) */
                for (size_t i = 0; i < n; i++)
                    if (!u[i].repeated) {
                        memcpy(o, d->text.data + u[i].from, u[i].to - u[i].from);
                        o += u[i].to - u[i].from;
                    }
            }
            o[-1] = '}'; /* over the last member's comma */
            *o = '\0';
            *(char **)(obj + t->unknown_offset) = s;
        }
    }
    d->text.len = tbase;
    d->nuk = ubase;
    return r;
}

/* A single string kept as text: dec_value reads it with dec_string alone. */
static inline bool is_text(const k8s_field *f)
{
    return (f->kind == K8S_KIND_STRING || f->kind == K8S_KIND_TIME || f->kind == K8S_KIND_MICROTIME ||
            f->kind == K8S_KIND_QUANTITY) &&
           !(f->flags & (K8S_FIELD_ARRAY | K8S_FIELD_HAS));
}

/* A plain integer of at most 9 digits (so it fits an int32) at d->p:
 * its value, moving past it. False, moving nothing, for anything else
 * (a sign, a leading zero, a fraction, an exponent, more digits, the
 * end of input), which dec_integer reads and checks. */
static inline bool small_integer(dec *d, int32_t *v)
{
    const char *p = d->p, *end = d->end;
    int32_t r = 0;
    for (int n = 0; n < 9 && p < end && *p >= '0' && *p <= '9'; n++, p++)
        r = r * 10 + (*p - '0');
    if (p == d->p || p >= end || (*d->p == '0' && p - d->p > 1) || (*p >= '0' && *p <= '9') || *p == '.' ||
        *p == 'e' || *p == 'E')
        return false;
    d->p = p;
    *v = r;
    return true;
}

/* dec_field for a member of an object, with the common shapes read
 * without going through dec_field and dec_value. */
static inline int dec_member(dec *d, const k8s_field *f, char *obj, const k8s_path *path)
{
    char c = peek(d);
    if (c == '"' && is_text(f))
        return dec_string(d, path, (char **)(obj + f->offset));
    int32_t v;
    if (c >= '0' && c <= '9' && (f->kind == K8S_KIND_INT32 || f->kind == K8S_KIND_INT64) &&
        !(f->flags & K8S_FIELD_ARRAY) && small_integer(d, &v)) {
        if (f->kind == K8S_KIND_INT32)
            *(int32_t *)(obj + f->offset) = v;
        else
            *(int64_t *)(obj + f->offset) = v;
        if (f->flags & K8S_FIELD_HAS)
            *(bool *)(obj + f->aux) = true;
        return OK;
    }
    if (c == '{' && f->kind == K8S_KIND_OBJECT &&
        !(f->flags & (K8S_FIELD_ARRAY | K8S_FIELD_INLINE | K8S_FIELD_HAS))) {
        char *sub = k8s_arena_alloc(d->arena, f->type->size);
        if (!sub)
            return nomem(d, path);
        *(char **)(obj + f->offset) = sub;
        return dec_object(d, f->type, sub, path);
    }
    if (c == '[' && (f->flags & K8S_FIELD_ARRAY) && f->kind != K8S_KIND_MAP)
        return dec_array(d, f, obj, path);
    return dec_field(d, f, obj, path);
}

/* ---- guessing keys ----
 * Members come in the same order object after object: the API server writes
 * Go's struct order, and a list repeats one shape thousands of times. So the
 * decoder remembers which fields followed a field (or opened an object of a
 * type) and first holds the key's bytes against those fields' names; a hit
 * skips scanning the key and looking it up. A field name has no quote,
 * backslash or control byte, so bytes equal to it and then a quote are that
 * key exactly. Two per slot, the latest first: arrays of objects often
 * alternate (env's name then value or valueFrom). A slot is shared by
 * whatever hashes to it, so a guess counts only when it is one of the
 * type's own fields. The table lives for one decode call, or one list. */
typedef struct guess {
    const k8s_field *next[2];
} guess;
/* Slots: a Pod has about 150 distinct transitions, which a direct-mapped
 * table holds without many collisions from 1,024 on; small inputs have
 * few and get a smaller table, quicker to clear. */
enum { GUESS_BITS = 10, SMALL_GUESS_BITS = 7, SMALL_INPUT = 16384 };

/* Also the scratch buffers of array levels, kept so a decode does not
 * malloc and free them again (about ten times for a Pod); those grown past
 * KEPT_SCRATCH_MAX by a large array are not kept. */
enum { KEPT_SCRATCH_MAX = 64 * 1024 };

struct k8s_decode_cache {
    guess slot[1 << GUESS_BITS];
    scratch *scr;
    size_t nscr;
};

k8s_decode_cache *k8s_decode_cache_new(void)
{
    return calloc(1, sizeof(k8s_decode_cache));
}

static void free_scratch(scratch *scr, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(scr[i].buf);
    free(scr);
}

void k8s_decode_cache_free(k8s_decode_cache *cache)
{
    if (cache)
        free_scratch(cache->scr, cache->nscr);
    free(cache);
}

/* The decode's scratch buffers, from the cache and back into it. */
static void borrow_scratch(dec *d, k8s_decode_cache *cache)
{
    d->scr = cache->scr;
    d->nscr = cache->nscr;
    cache->scr = NULL;
    cache->nscr = 0;
}

static void return_scratch(dec *d, k8s_decode_cache *cache)
{
    for (size_t i = 0; i < d->nscr; i++)
        if (d->scr[i].cap > KEPT_SCRATCH_MAX) {
            free(d->scr[i].buf);
            d->scr[i] = (scratch){NULL, 0};
        }
    cache->scr = d->scr;
    cache->nscr = d->nscr;
    d->scr = NULL;
    d->nscr = 0;
}

static inline guess *guess_slot(dec *d, const void *after)
{
    uint64_t x = (uint64_t)(uintptr_t)after >> 3;
    return &d->guess[(x * 0x9E3779B97F4A7C15u) >> d->guess_shift];
}

/* Whether the key at d->p (its opening quote) is gf, one of t's fields,
 * with the ':' right after it (as compact JSON and kubectl's indented JSON
 * have it); if so, moves past the ':'. */
static inline bool guessed(dec *d, const k8s_type *t, const k8s_field *gf)
{
    /* addresses as integers: t's fields are one array, and gf may be in another */
    if ((uintptr_t)gf - (uintptr_t)t->fields >= (uintptr_t)t->nfields * sizeof *gf) /* or NULL */
        return false;
    size_t n = gf->name_len;
    const char *s = d->p + 1;
    if ((size_t)(d->end - d->p) <= n + 2 || s[-1] != '"' || s[n] != '"' || s[n + 1] != ':' ||
        !k8s_same_bytes(s, gf->name, n))
        return false;
    d->p = s + n + 2;
    return true;
}

/* The next key of an object of type t, after prev (t itself or a field);
 * *f is its field, NULL when t has none of that name. *raw is set only when
 * the key had to be read, as an unknown one always has. */
static inline int object_key(dec *d, const k8s_type *t, const void *prev, const k8s_path *path,
                             str *raw, const char **key, size_t *klen, const k8s_field **f)
{
    guess *g = d->guess ? guess_slot(d, prev) : NULL;
    if (g) {
        const k8s_field *hit = guessed(d, t, g->next[0]) ? g->next[0] : NULL;
        if (!hit && guessed(d, t, g->next[1])) {
            hit = g->next[1];
            g->next[1] = g->next[0];
            g->next[0] = hit;
        }
        if (hit) {
            *key = hit->name;
            *klen = hit->name_len;
            *f = hit;
            ws(d);
            return OK;
        }
    }
    if (read_key(d, path, raw, key, klen) < 0)
        return STOP;
    *f = k8s_type_field(t, *key, *klen);
    if (g && *f) {
        g->next[1] = g->next[0];
        g->next[0] = *f;
    }
    return OK;
}

static int dec_object(dec *d, const k8s_type *t, char *obj, const k8s_path *path)
{
    const char *at = d->p;
    if (++d->depth > d->max_depth)
        return fatal(d, K8S_EDEPTH, path, d->p, "nesting deeper than %zu levels", d->max_depth);
    d->p++;
    ws(d);
    uint64_t seen[4] = {0, 0, 0, 0}; /* the generator keeps types under 256 fields */
    size_t tbase = d->text.len, ubase = d->nuk;
    const void *prev = t;
    int r;
    if (peek(d) == '}') {
        d->p++;
    } else {
        for (;;) {
            str raw;
            const char *key;
            size_t klen;
            const char *kat = d->p;
            const k8s_field *f;
            if (object_key(d, t, prev, path, &raw, &key, &klen, &f) < 0)
                return STOP;
            k8s_path child = {path, key, klen, 0};
            if (f) {
                prev = f;
                size_t i = (size_t)(f - t->fields);
                if (seen[i >> 6] & (1ull << (i & 63))) {
                    r = problem(d, K8S_EDUPKEY, &child, kat, "duplicate key \"%s\"", f->name);
                    if (r == SKIP)
                        r = skip_value(d, &child);
                } else {
                    seen[i >> 6] |= 1ull << (i & 63);
                    r = dec_member(d, f, obj, &child);
                }
            } else if (t->flags & K8S_TYPE_PARTIAL) {
                r = skip_value(d, &child);
            } else {
                r = OK;
                if (d->opt->reject_unknown || !(t->flags & K8S_TYPE_UNKNOWN))
                    r = problem(d, K8S_EUNKNOWN_FIELD, &child, kat, "unknown field \"%.*s\"",
                                (int)(klen > 100 ? 100 : klen), key);
                else
                    warn(d, &child, kat, "unknown field \"%.*s\"", (int)(klen > 100 ? 100 : klen), key);
                if (r >= 0)
                    r = keep_unknown(d, &raw, key, klen, &child);
            }
            if (r < 0)
                return STOP;
            char c = skip(d);
            if (c == ',') {
                d->p++;
                ws(d);
                continue;
            }
            if (c == '}') {
                d->p++;
                break;
            }
            return unexpected(d, path, "',' or '}'");
        }
    }
    d->depth--;
    if (d->nuk > ubase)
        return finish_unknown(d, t, obj, tbase, ubase, at, path);
    return OK;
}

/* ---- entry points ---- */

static void dec_init(dec *d, const char *json, size_t len, k8s_arena *arena,
                     const k8s_decode_options *opts, k8s_error *err)
{
    memset(d, 0, sizeof *d);
    d->start = d->p = json;
    d->end = json + len;
    d->arena = arena;
    d->opt = opts ? opts : &no_options;
    d->max_depth = d->opt->max_depth ? d->opt->max_depth : K8S_DEFAULT_MAX_DEPTH;
    d->max_string = d->opt->max_string ? d->opt->max_string : K8S_DEFAULT_MAX_STRING;
    d->err = err;
    if (err)
        memset(err, 0, sizeof *err);
}

static void dec_done(dec *d)
{
    free_scratch(d->scr, d->nscr);
    k8s_buf_free(&d->text);
    free(d->uk);
    free(d->keybuf);
    free(d->stack);
    if (d->loc)
        freelocale(d->loc);
}

/* After the value: only whitespace may follow. */
static int expect_end(dec *d)
{
    ws(d);
    if (d->p < d->end)
        return fatal(d, K8S_ESYNTAX, NULL, d->p, "unexpected data after the JSON value");
    return OK;
}

/* One value of type into obj; errors' paths hang under path. *read: the
 * value was read to its end (with diag, problems may still be reported). */
static k8s_code decode_into(const k8s_type *type, const char *json, size_t len, k8s_arena *arena, char *obj,
                            const k8s_path *path, const k8s_decode_options *opts, k8s_decode_cache *kept,
                            k8s_error *err, bool *read)
{
    dec d;
    dec_init(&d, json, len, arena, opts, err);
    /* a small table on the stack; a large input's on the heap (16 KB) */
    guess small[1 << SMALL_GUESS_BITS];
    k8s_decode_cache *large = NULL;
    if (!kept && len > SMALL_INPUT)
        kept = large = k8s_decode_cache_new(); /* NULL: the small one does */
    d.guess_shift = 64 - (kept ? GUESS_BITS : SMALL_GUESS_BITS);
    d.guess = kept ? kept->slot : small;
    if (kept)
        borrow_scratch(&d, kept);
    else
        memset(small, 0, sizeof small);
    int r;
    ws(&d);
    if (!obj) {
        r = nomem(&d, path);
    } else if (d.p >= d.end) {
        r = fatal(&d, K8S_ESYNTAX, path, d.p, "empty input");
    } else if (type->flags & K8S_TYPE_UNION) {
        r = dec_union(&d, type, obj, path);
    } else if (peek(&d) != '{') {
        r = fatal(&d, K8S_ETYPE, path, d.p, "expected an object, got %s", token_name(peek(&d)));
    } else {
        r = dec_object(&d, type, obj, path);
    }
    if (r >= 0)
        r = expect_end(&d);
    *read = r >= 0;
    if (kept)
        return_scratch(&d, kept);
    k8s_decode_cache_free(large);
    dec_done(&d);
    return d.first;
}

static k8s_code decode_new(const k8s_type *type, const char *json, size_t len, k8s_arena *arena, void **out,
                           const k8s_decode_options *opts, k8s_decode_cache *cache, k8s_error *err)
{
    *out = NULL;
    if (!type || (!json && len) || !arena)
        return k8s_fail(err, K8S_EINVAL, "missing type, input or arena");
    k8s_arena_expect(arena, len + len / 2); /* a Pod decodes to about 1.5x its compact JSON */
    char *obj = k8s_arena_alloc(arena, type->size);
    bool read;
    k8s_code code = decode_into(type, json, len, arena, obj, NULL, opts, cache, err, &read);
    if (read && (code == K8S_OK || (opts && opts->diag)))
        *out = obj;
    return code;
}

k8s_code k8s_json_decode(const k8s_type *type, const char *json, size_t len, k8s_arena *arena,
                         void **out, const k8s_decode_options *opts, k8s_error *err)
{
    return decode_new(type, json, len, arena, out, opts, NULL, err);
}

k8s_code k8s_json_decode_cached(const k8s_type *type, const char *json, size_t len, k8s_arena *arena,
                                k8s_decode_cache *cache, void **out, k8s_error *err)
{
    return decode_new(type, json, len, arena, out, NULL, cache, err);
}

k8s_code k8s_json_decode_at(const k8s_type *type, const char *json, size_t len, k8s_arena *arena, void *obj,
                            const k8s_path *path, k8s_decode_cache *cache, k8s_error *err)
{
    bool read;
    return decode_into(type, json, len, arena, obj, path, NULL, cache, err, &read);
}

k8s_code k8s_compact_at(const char *text, size_t len, k8s_buf *out, const k8s_path *path,
                        k8s_error *err)
{
    dec d;
    dec_init(&d, text, len, NULL, NULL, err);
    d.max_string = SIZE_MAX; /* the output is never longer than text */
    size_t mark = out->len;
    ws(&d);
    int r = d.p >= d.end ? fatal(&d, K8S_ESYNTAX, path, d.p, "empty input") : scan_raw(&d, path, out);
    if (r >= 0)
        r = expect_end(&d);
    k8s_code code = d.first;
    dec_done(&d);
    if (code)
        out->len = mark;
    if (out->data)
        out->data[out->len] = '\0';
    return code;
}

k8s_code k8s_json_compact(const char *text, size_t len, k8s_buf *out, k8s_error *err)
{
    return k8s_compact_at(text, len, out, NULL, err);
}

k8s_code k8s_peek_kind_opts(const char *json, size_t len, k8s_arena *arena,
                            const k8s_decode_options *opts, char **api_version, char **kind,
                            k8s_error *err)
{
    dec d;
    dec_init(&d, json, len, arena, opts, err);
    *api_version = *kind = NULL;
    ws(&d);
    int r = OK;
    if (peek(&d) != '{') {
        r = d.p >= d.end ? fatal(&d, K8S_ESYNTAX, NULL, d.p, "empty input")
                         : fatal(&d, K8S_ETYPE, NULL, d.p, "expected an object, got %s",
                                 token_name(peek(&d)));
    } else {
        d.p++;
        ws(&d);
        if (peek(&d) == '}')
            d.p++;
        else
            for (;;) {
                str raw;
                const char *key;
                size_t klen;
                if ((r = read_key(&d, NULL, &raw, &key, &klen)) < 0)
                    break;
                k8s_path child = {NULL, key, klen, 0};
                char **dst = klen == 10 && !memcmp(key, "apiVersion", 10) ? api_version
                             : klen == 4 && !memcmp(key, "kind", 4)       ? kind
                                                                          : NULL;
                if (dst && peek(&d) == '"')
                    r = dec_string(&d, &child, dst);
                else if (dst && peek(&d) != 'n' && d.p < d.end) /* null is absent */
                    r = fatal(&d, K8S_ETYPE, NULL, d.p, "%s must be a string, got %s",
                              dst == kind ? "kind" : "apiVersion", token_name(peek(&d)));
                else
                    r = scan_raw(&d, &child, NULL);
                if (r < 0)
                    break;
                ws(&d);
                if (peek(&d) == ',') {
                    d.p++;
                    ws(&d);
                    continue;
                }
                if (peek(&d) == '}') {
                    d.p++;
                    break;
                }
                r = unexpected(&d, NULL, "',' or '}'");
                break;
            }
    }
    if (r >= 0)
        expect_end(&d);
    k8s_code code = d.first;
    dec_done(&d);
    return code;
}

k8s_code k8s_json_peek_kind(const char *json, size_t len, k8s_arena *arena, char **api_version,
                            char **kind, k8s_error *err)
{
    return k8s_peek_kind_opts(json, len, arena, NULL, api_version, kind, err);
}

k8s_code k8s_unknown_splice(const k8s_type *type, const char *text, k8s_buf *out, bool *first,
                            const k8s_path *path, k8s_error *err)
{
    dec d;
    dec_init(&d, text, strlen(text), NULL, NULL, err);
    d.max_string = SIZE_MAX; /* the caller's text, written out as it is */
    ws(&d);
    int r = OK;
    if (peek(&d) != '{') {
        r = fatal(&d, K8S_EINVAL, path, d.p, "_unknown is not a JSON object");
    } else {
        d.p++;
        ws(&d);
        if (peek(&d) == '}')
            d.p++;
        else
            for (;;) {
                str raw;
                const char *key;
                size_t klen;
                if ((r = read_key(&d, path, &raw, &key, &klen)) < 0)
                    break;
                if (k8s_type_field(type, key, klen)) {
                    r = fatal(&d, K8S_EINVAL, path, raw.raw,
                              "_unknown holds \"%.*s\", a known field of this type",
                              (int)(klen > 100 ? 100 : klen), key);
                    break;
                }
                if ((!*first && k8s_buf_append(out, ",", 1)) ||
                    k8s_buf_append(out, raw.raw - 1, raw.n + 2) || k8s_buf_append(out, ":", 1)) {
                    r = nomem(&d, path);
                    break;
                }
                *first = false;
                if ((r = scan_raw(&d, path, out)) < 0)
                    break;
                ws(&d);
                if (peek(&d) == ',') {
                    d.p++;
                    ws(&d);
                    continue;
                }
                if (peek(&d) == '}') {
                    d.p++;
                    break;
                }
                r = unexpected(&d, path, "',' or '}'");
                break;
            }
    }
    if (r >= 0)
        expect_end(&d);
    k8s_code code = d.first;
    dec_done(&d);
    return code;
}

/* ---- locating paths ---- */

/* One step of a path as k8s_path_format writes it, after the first:
 * ".name", "[\"key\"]" or "[N]"; false at the end or where it cannot tell. */
static bool next_step(const char **pp, bool first)
{
    const char *p = *pp;
    if (*p == '[' && p[1] == '"') {
        const char *e = strstr(p + 2, "\"]");
        if (!e)
            return false;
        *pp = e + 2;
        return true;
    }
    if (*p == '[') {
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
        if (*p != ']' || p[-1] == '[')
            return false;
        *pp = p + 1;
        return true;
    }
    if (!first && *p++ != '.')
        return false;
    const char *name = p;
    while (*p && *p != '.' && *p != '[')
        p++;
    *pp = p;
    return p > name;
}

/* A path prefix that an error needs, and where json holds it. */
typedef struct want {
    const char *path;
    size_t len;
    const char *at; /* NULL when json does not hold it */
} want;

static int cmp_want(const void *a, const void *b)
{
    const want *x = a, *y = b;
    int c = memcmp(x->path, y->path, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

typedef struct locator {
    dec d;
    want *w;
    size_t n;
    char path[512]; /* of the value being walked; errors' paths are shorter */
} locator;

static want *find_want(const locator *l, const char *path, size_t len)
{
    want key = {path, len, NULL};
    return l->n ? bsearch(&key, l->w, l->n, sizeof *l->w, cmp_want) : NULL;
}

/* Consumes the value whose path is l->path[0, len), going into the members
 * and elements that some error's path goes through and noting where they
 * are; the rest is skipped. Recursion follows the errors' paths only. */
static int walk(locator *l, size_t len)
{
    dec *d = &l->d;
    char open = peek(d);
    if (open != '{' && open != '[')
        return scan_raw(d, NULL, NULL);
    char close = open == '{' ? '}' : ']';
    d->p++;
    ws(d);
    for (size_t i = 0; peek(d) != close; i++) {
        if (i && peek(d) != ',')
            return unexpected(d, NULL, "','");
        if (i) {
            d->p++;
            ws(d);
        }
        const char *key = NULL;
        size_t klen = 0;
        str raw;
        if (open == '{' && read_key(d, NULL, &raw, &key, &klen) < 0)
            return STOP;
        int w = k8s_path_segment(l->path + len, sizeof l->path - len, key, klen, i, len == 0);
        want *found = w > 0 && len + (size_t)w < 256 ? find_want(l, l->path, len + (size_t)w) : NULL;
        if (found)
            found->at = d->p;
        if ((found ? walk(l, len + (size_t)w) : scan_raw(d, NULL, NULL)) < 0)
            return STOP;
        ws(d);
    }
    d->p++;
    return OK;
}

static int cmp_at(const void *a, const void *b)
{
    const k8s_error *x = *(k8s_error *const *)a, *y = *(k8s_error *const *)b;
    return (x->offset > y->offset) - (x->offset < y->offset);
}

k8s_code k8s_json_locate(const char *json, size_t len, k8s_error *errs, size_t n)
{
    if (!json || !errs)
        return K8S_OK;
    /* every prefix of every path that needs placing, sorted */
    locator l = {.n = 0};
    size_t cap = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = errs[i].path;
        for (bool first = true; !errs[i].line && *p && next_step(&p, first); first = false) {
            if (l.n == cap) {
                cap = cap ? cap * 2 : 64;
                want *nw = realloc(l.w, cap * sizeof *nw);
                if (!nw) {
                    free(l.w);
                    return K8S_ENOMEM;
                }
                l.w = nw;
            }
            l.w[l.n++] = (want){errs[i].path, (size_t)(p - errs[i].path), NULL};
        }
    }
    if (l.n)
        qsort(l.w, l.n, sizeof *l.w, cmp_want);
    /* one pass over json finds them all */
    dec_init(&l.d, json, len, NULL, NULL, NULL);
    ws(&l.d);
    const char *root = l.d.p;
    if (l.d.p < l.d.end)
        walk(&l, 0);
    dec_done(&l.d);
    /* each error goes to its deepest prefix that json holds */
    k8s_error **placed = malloc((n ? n : 1) * sizeof *placed);
    bool ok = placed != NULL;
    size_t np = 0;
    for (size_t i = 0; placed && root < json + len && i < n; i++) {
        if (errs[i].line)
            continue;
        const char *at = root, *p = errs[i].path;
        for (bool first = true; *p && next_step(&p, first); first = false) {
            const want *w = find_want(&l, errs[i].path, (size_t)(p - errs[i].path));
            if (!w || !w->at)
                break;
            at = w->at;
        }
        errs[i].offset = (size_t)(at - json);
        placed[np++] = &errs[i];
    }
    /* lines and columns in one more pass, in text order */
    if (placed)
        qsort(placed, np, sizeof *placed, cmp_at);
    k8s_text_pos tp = {NULL, 0, 0};
    for (size_t i = 0; i < np; i++)
        k8s_text_pos_at(&tp, json, json + placed[i]->offset, placed[i]);
    free(placed);
    free(l.w);
    return ok ? K8S_OK : K8S_ENOMEM;
}
