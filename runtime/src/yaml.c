/* The YAML front end: libyaml events -> a small node graph per document ->
 * compact JSON. The rules are listed in k8s/yaml.h.
 *
 * Events rather than libyaml's document loader, because the loader gives
 * every untagged plain scalar the !!str tag, so `!!str 10` and `10` look the
 * same to it. An alias is a node that points at the anchored one: expansion
 * costs nothing until JSON is written, and the output cap bounds it there.
 *
 * Writing JSON recurses along the output's nesting (bounded by the depth
 * limit) and along merge keys (bounded the same way); the graph has no
 * cycles, because an alias to a value that is still open is refused. */
#define _GNU_SOURCE /* newlocale, uselocale, strtod_l, strtof_l */
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "internal.h"
#include "k8s/yaml.h"

#define MIN_LIMIT ((size_t)64 << 20)
#define EXPANSION 16

enum { N_SCALAR, N_SEQ, N_MAP, N_ALIAS };

/* The tags we know; T_BANG is the non-specific `!`. */
enum { T_NONE, T_BANG, T_STR, T_INT, T_FLOAT, T_BOOL, T_NULL, T_BINARY, T_TIMESTAMP, T_MERGE,
       T_SEQ, T_MAP, T_COUNT };

static const char *const tag_names[T_COUNT] = {
    "", "!", "str", "int", "float", "bool", "null", "binary", "timestamp", "merge", "seq", "map",
};

typedef struct node {
    uint8_t kind;
    uint8_t tag;
    bool plain; /* plain style without a tag: the only scalars that resolve implicitly */
    bool open;  /* a collection whose end is still to come */
    uint32_t line, col; /* libyaml's 0-based mark */
    size_t a, n; /* scalar: text offset, length; collection: first kid, count; alias: target */
} node;

typedef struct frame {
    uint32_t node;
    size_t first; /* where its children start in `pending` */
} frame;

typedef struct anchor {
    size_t name, len; /* in text */
    uint32_t hash;
    uint32_t node; /* + 1; 0 marks a free slot */
} anchor;

typedef struct pos { /* where a JSON value came from, for k8s_yaml_reader_locate */
    size_t json;
    uint32_t line, col;
} pos;

typedef struct entry { /* one key of a mapping being written */
    const char *key;
    size_t len;
    size_t seq;    /* output order */
    uint32_t at;   /* node whose mark the key's position gets */
    uint32_t knode;
    uint32_t value;
    uint32_t rank; /* 0: the mapping's own key; n: from its n-th merge source */
    bool alias;    /* the value is inside an alias's expansion */
} entry;

typedef struct vec {
    void *p;
    size_t len, cap;
} vec;

struct k8s_yaml_reader {
    yaml_parser_t parser;
    const char *data;
    size_t len, limit, index;
    size_t doc_line, doc_col;
    bool done; /* K8S_EDONE from now on: the stream ended, or broke and said so once */
    locale_t loc;
    k8s_buf scratch; /* numbers without '_', NUL-terminated for strtod */
    /* the current document */
    k8s_buf text; /* scalar values and anchor names */
    vec nodes, kids, pending, frames, pos, ents;
    anchor *anchors;
    size_t nanchors, anchor_cap;
    uint32_t root;
};

/* ---- small containers ---- */

static bool vec_reserve(vec *v, size_t extra, size_t size)
{
    if (extra <= v->cap - v->len)
        return true;
    size_t cap = v->cap ? v->cap : 16;
    while (cap - v->len < extra) {
        if (cap > SIZE_MAX / 2 / size)
            return false;
        cap *= 2;
    }
    void *p = realloc(v->p, cap * size);
    if (!p)
        return false;
    v->p = p;
    v->cap = cap;
    return true;
}

static void *vec_push(vec *v, size_t size)
{
    if (!vec_reserve(v, 1, size))
        return NULL;
    return (char *)v->p + v->len++ * size;
}

static node *node_at(const k8s_yaml_reader *s, size_t i)
{
    return (node *)s->nodes.p + i;
}

static uint32_t kid(const k8s_yaml_reader *s, size_t i)
{
    return ((const uint32_t *)s->kids.p)[i];
}

static const char *text_of(const k8s_yaml_reader *s, const node *n)
{
    return s->text.data ? s->text.data + n->a : "";
}

/* ---- errors ---- */

/* Byte offset of a libyaml mark, which counts characters and line breaks
 * (CR LF, CR, LF, NEL, LS, PS) after an optional BOM. 0 for UTF-16 input. */
static size_t mark_offset(const k8s_yaml_reader *s, size_t line, size_t col)
{
    const unsigned char *b = (const unsigned char *)s->data, *p = b, *end = b + s->len;
    if (s->len >= 2 && ((b[0] == 0xFE && b[1] == 0xFF) || (b[0] == 0xFF && b[1] == 0xFE)))
        return 0;
    if (s->len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
        p += 3;
    while (line && p < end) {
        size_t brk = 0;
        if (*p == '\r')
            brk = p + 1 < end && p[1] == '\n' ? 2 : 1;
        else if (*p == '\n')
            brk = 1;
        else if (end - p >= 2 && p[0] == 0xC2 && p[1] == 0x85)
            brk = 2;
        else if (end - p >= 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))
            brk = 3;
        p += brk ? brk : 1;
        line -= brk != 0;
    }
    for (; col && p < end; col--) {
        size_t n = k8s_utf8_seq(p, end);
        p += n ? n : 1;
    }
    return (size_t)(p - b);
}

K8S_PRINTF(7, 0)
static k8s_code set_atv(const k8s_yaml_reader *s, k8s_error *err, k8s_code code,
                        const k8s_path *path, size_t line, size_t col, const char *fmt, va_list ap)
{
    if (!err)
        return code;
    k8s_error_setv(err, code, path, NULL, NULL, fmt, ap);
    err->line = (unsigned)line + 1;
    err->column = (unsigned)col + 1;
    err->offset = mark_offset(s, line, col);
    return code;
}

K8S_PRINTF(7, 8)
static k8s_code set_at(const k8s_yaml_reader *s, k8s_error *err, k8s_code code,
                       const k8s_path *path, size_t line, size_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_atv(s, err, code, path, line, col, fmt, ap);
    va_end(ap);
    return code;
}

/* libyaml failed: the parser cannot go on. The error is returned once, and
 * the stream ends there. */
static k8s_code broken(k8s_yaml_reader *s, k8s_error *err)
{
    const yaml_parser_t *p = &s->parser;
    k8s_error local, *e = err ? err : &local;
    const char *problem = p->problem ? p->problem : "malformed YAML";
    if (p->error == YAML_MEMORY_ERROR) {
        k8s_fail(e, K8S_ENOMEM, "out of memory");
    } else if (p->error == YAML_READER_ERROR) {
        size_t off = p->problem_offset < s->len ? p->problem_offset : s->len;
        if (p->problem_value >= 0)
            k8s_error_set(e, K8S_EYAML, NULL, s->data, s->data + off, "%s (0x%X)", problem,
                          (unsigned)p->problem_value);
        else
            k8s_error_set(e, K8S_EYAML, NULL, s->data, s->data + off, "%s", problem);
    } else if (p->context) {
        set_at(s, e, K8S_EYAML, NULL, p->problem_mark.line, p->problem_mark.column,
               "%s (%s at line %zu, column %zu)", problem, p->context, p->context_mark.line + 1,
               p->context_mark.column + 1);
    } else {
        set_at(s, e, K8S_EYAML, NULL, p->problem_mark.line, p->problem_mark.column, "%s",
               problem);
    }
    s->done = true;
    return e->code;
}

/* ---- reading a document into nodes ---- */

static const char yaml_prefix[] = "tag:yaml.org,2002:"; /* what !! stands for */

static void short_tag(const char *tag, char *out, size_t n)
{
    if (strncmp(tag, yaml_prefix, sizeof yaml_prefix - 1) == 0)
        snprintf(out, n, "!!%.100s", tag + sizeof yaml_prefix - 1);
    else
        snprintf(out, n, "%.100s", tag);
}

static k8s_code tag_of(const k8s_yaml_reader *s, const yaml_char_t *tag, int kind,
                       const yaml_mark_t *m, uint8_t *out, k8s_error *err)
{
    const char *t = (const char *)tag;
    int code = -1;
    if (!t)
        code = T_NONE;
    else if (strcmp(t, "!") == 0)
        code = T_BANG;
    else if (strncmp(t, yaml_prefix, sizeof yaml_prefix - 1) == 0)
        for (int i = T_STR; i < T_COUNT; i++)
            if (strcmp(t + sizeof yaml_prefix - 1, tag_names[i]) == 0)
                code = i;
    bool fits = code == T_NONE || code == T_BANG ||
                (kind == N_SCALAR && code >= T_STR && code <= T_MERGE) ||
                (kind == N_SEQ && code == T_SEQ) || (kind == N_MAP && code == T_MAP);
    if (fits) {
        *out = (uint8_t)code;
        return K8S_OK;
    }
    char name[128];
    short_tag(t, name, sizeof name);
    static const char *const kinds[] = {"a scalar", "a sequence", "a mapping"};
    return set_at(s, err, K8S_EYAML, NULL, m->line, m->column,
                  code < 0 ? "unsupported tag %s (on %s)" : "tag %s does not fit %s", name,
                  kinds[kind]);
}

static uint32_t hash_name(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)p[i]) * 16777619u;
    return h;
}

static anchor *anchor_slot(const k8s_yaml_reader *s, const char *name, size_t len, uint32_t h)
{
    size_t mask = s->anchor_cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        anchor *a = &s->anchors[i];
        if (!a->node || (a->hash == h && a->len == len &&
                         memcmp(s->text.data + a->name, name, len) == 0))
            return a;
    }
}

static bool anchor_grow(k8s_yaml_reader *s)
{
    size_t cap = s->anchor_cap ? s->anchor_cap * 2 : 16;
    anchor *old = s->anchors, *t = calloc(cap, sizeof *t);
    if (!t)
        return false;
    size_t old_cap = s->anchor_cap;
    s->anchors = t;
    s->anchor_cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].node)
            *anchor_slot(s, s->text.data + old[i].name, old[i].len, old[i].hash) = old[i];
    free(old);
    return true;
}

/* A later anchor of the same name replaces the earlier one, as YAML says. */
static k8s_code anchor_set(k8s_yaml_reader *s, const yaml_char_t *name, uint32_t ni,
                           k8s_error *err)
{
    if (!name)
        return K8S_OK;
    size_t len = strlen((const char *)name);
    if ((s->nanchors + 1) * 2 > s->anchor_cap && !anchor_grow(s))
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    size_t off = s->text.len;
    if (k8s_buf_append(&s->text, name, len))
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    uint32_t h = hash_name(s->text.data + off, len);
    anchor *a = anchor_slot(s, s->text.data + off, len, h);
    if (!a->node)
        s->nanchors++;
    *a = (anchor){off, len, h, ni + 1};
    return K8S_OK;
}

static k8s_code new_node(k8s_yaml_reader *s, int kind, uint8_t tag, const yaml_mark_t *m,
                         uint32_t *ni, k8s_error *err)
{
    if (s->nodes.len >= UINT32_MAX - 1)
        return set_at(s, err, K8S_ETOOBIG, NULL, m->line, m->column, "too many YAML nodes");
    node *n = vec_push(&s->nodes, sizeof *n);
    if (!n)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    *n = (node){.kind = (uint8_t)kind, .tag = tag, .line = (uint32_t)m->line,
                .col = (uint32_t)m->column};
    *ni = (uint32_t)(s->nodes.len - 1);
    return K8S_OK;
}

static k8s_code attach(k8s_yaml_reader *s, uint32_t ni, k8s_error *err)
{
    if (!s->frames.len) {
        s->root = ni;
        return K8S_OK;
    }
    uint32_t *slot = vec_push(&s->pending, sizeof *slot);
    if (!slot)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    *slot = ni;
    return K8S_OK;
}

static k8s_code add_scalar(k8s_yaml_reader *s, const yaml_event_t *ev, k8s_error *err)
{
    uint8_t tag;
    uint32_t ni;
    k8s_code rc = tag_of(s, ev->data.scalar.tag, N_SCALAR, &ev->start_mark, &tag, err);
    if (!rc)
        rc = new_node(s, N_SCALAR, tag, &ev->start_mark, &ni, err);
    if (rc)
        return rc;
    node *n = node_at(s, ni);
    n->plain = ev->data.scalar.plain_implicit && tag == T_NONE;
    n->a = s->text.len;
    n->n = ev->data.scalar.length;
    if (k8s_buf_append(&s->text, ev->data.scalar.value, ev->data.scalar.length))
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    rc = anchor_set(s, ev->data.scalar.anchor, ni, err);
    return rc ? rc : attach(s, ni, err);
}

static k8s_code start_collection(k8s_yaml_reader *s, const yaml_event_t *ev, int kind,
                                 k8s_error *err)
{
    const yaml_char_t *tag_text = kind == N_SEQ ? ev->data.sequence_start.tag
                                                : ev->data.mapping_start.tag;
    const yaml_char_t *anchor_name = kind == N_SEQ ? ev->data.sequence_start.anchor
                                                   : ev->data.mapping_start.anchor;
    const yaml_mark_t *m = &ev->start_mark;
    if (s->frames.len >= K8S_DEFAULT_MAX_DEPTH)
        return set_at(s, err, K8S_EDEPTH, NULL, m->line, m->column,
                      "nesting deeper than %d levels", K8S_DEFAULT_MAX_DEPTH);
    uint8_t tag;
    uint32_t ni;
    k8s_code rc = tag_of(s, tag_text, kind, m, &tag, err);
    if (!rc)
        rc = new_node(s, kind, tag, m, &ni, err);
    if (!rc)
        rc = anchor_set(s, anchor_name, ni, err);
    if (!rc)
        rc = attach(s, ni, err);
    if (rc)
        return rc;
    node_at(s, ni)->open = true;
    frame *f = vec_push(&s->frames, sizeof *f);
    if (!f)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    *f = (frame){ni, s->pending.len};
    return K8S_OK;
}

static k8s_code end_collection(k8s_yaml_reader *s, k8s_error *err)
{
    frame f = ((frame *)s->frames.p)[--s->frames.len];
    size_t count = s->pending.len - f.first;
    if (!vec_reserve(&s->kids, count, sizeof(uint32_t)))
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    node *n = node_at(s, f.node);
    n->a = s->kids.len;
    n->n = count;
    n->open = false;
    if (count)
        memcpy((uint32_t *)s->kids.p + s->kids.len, (uint32_t *)s->pending.p + f.first,
               count * sizeof(uint32_t));
    s->kids.len += count;
    s->pending.len = f.first;
    return K8S_OK;
}

static k8s_code add_alias(k8s_yaml_reader *s, const yaml_event_t *ev, k8s_error *err)
{
    const char *name = (const char *)ev->data.alias.anchor;
    const yaml_mark_t *m = &ev->start_mark;
    size_t len = strlen(name);
    const anchor *a = s->anchor_cap ? anchor_slot(s, name, len, hash_name(name, len)) : NULL;
    if (!a || !a->node)
        return set_at(s, err, K8S_EYAML, NULL, m->line, m->column, "unknown anchor \"%.100s\"",
                      name);
    if (node_at(s, a->node - 1)->open)
        return set_at(s, err, K8S_EYAML, NULL, m->line, m->column,
                      "alias *%.100s is inside the value it names", name);
    uint32_t ni;
    k8s_code rc = new_node(s, N_ALIAS, T_NONE, m, &ni, err);
    if (rc)
        return rc;
    node_at(s, ni)->a = a->node - 1;
    return attach(s, ni, err);
}

static k8s_code add_event(k8s_yaml_reader *s, const yaml_event_t *ev, k8s_error *err)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return add_scalar(s, ev, err);
    case YAML_SEQUENCE_START_EVENT:
        return start_collection(s, ev, N_SEQ, err);
    case YAML_MAPPING_START_EVENT:
        return start_collection(s, ev, N_MAP, err);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return end_collection(s, err);
    case YAML_ALIAS_EVENT:
        return add_alias(s, ev, err);
    default:
        return K8S_OK;
    }
}

static void reset_document(k8s_yaml_reader *s)
{
    k8s_buf_clear(&s->text);
    s->nodes.len = s->kids.len = s->pending.len = s->frames.len = 0;
    if (s->nanchors)
        memset(s->anchors, 0, s->anchor_cap * sizeof *s->anchors);
    s->nanchors = 0;
    s->root = 0;
}

/* Reads the events up to the end of the document. After a problem in the
 * document the rest of it is still read, so the next call can go on. */
static k8s_code build(k8s_yaml_reader *s, k8s_error *err)
{
    k8s_error first;
    k8s_code rc = K8S_OK;
    reset_document(s);
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&s->parser, &ev))
            return broken(s, err);
        yaml_event_type_t type = ev.type;
        if (!rc)
            rc = add_event(s, &ev, &first);
        yaml_event_delete(&ev);
        if (rc == K8S_EDEPTH) {
            /* libyaml slows down with every level (quadratic in the
             * nesting), so the rest of the stream is not read */
            s->done = true;
            break;
        }
        if (type == YAML_DOCUMENT_END_EVENT)
            break;
    }
    if (rc && err)
        *err = first;
    return rc;
}

/* ---- scalars ---- */

enum { V_NULL, V_BOOL, V_INT, V_UINT, V_FLOAT, V_STR, V_BINARY };

typedef struct value {
    int type;
    bool b;
    int64_t i;
    uint64_t u;
    double d;
} value;

/* YAML 1.1 words as go-yaml v2 knows them. t: true, f: false, ~: null,
 * n: NaN, +/-: infinities. */
static const struct word {
    const char *s;
    char v;
} words[] = {
    {"y", 't'},     {"Y", 't'},     {"yes", 't'},   {"Yes", 't'},   {"YES", 't'},
    {"true", 't'},  {"True", 't'},  {"TRUE", 't'},  {"on", 't'},    {"On", 't'},
    {"ON", 't'},    {"n", 'f'},     {"N", 'f'},     {"no", 'f'},    {"No", 'f'},
    {"NO", 'f'},    {"false", 'f'}, {"False", 'f'}, {"FALSE", 'f'}, {"off", 'f'},
    {"Off", 'f'},   {"OFF", 'f'},   {"~", '~'},     {"null", '~'},  {"Null", '~'},
    {"NULL", '~'},  {".nan", 'n'},  {".NaN", 'n'},  {".NAN", 'n'},  {".inf", '+'},
    {".Inf", '+'},  {".INF", '+'},  {"+.inf", '+'}, {"+.Inf", '+'}, {"+.INF", '+'},
    {"-.inf", '-'}, {"-.Inf", '-'}, {"-.INF", '-'},
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool word_value(const char *p, size_t n, value *v)
{
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (strlen(words[i].s) != n || memcmp(words[i].s, p, n) != 0)
            continue;
        switch (words[i].v) {
        case 't':
        case 'f':
            *v = (value){.type = V_BOOL, .b = words[i].v == 't'};
            break;
        case '~':
            *v = (value){.type = V_NULL};
            break;
        default:
            *v = (value){.type = V_FLOAT,
                         .d = words[i].v == 'n' ? NAN : words[i].v == '+' ? INFINITY : -INFINITY};
        }
        return true;
    }
    return false;
}

/* Go's strconv.ParseUint(s, base, 64); base 0 reads a 0x, 0o, 0b or 0 prefix. */
static bool go_parse_uint(const char *p, size_t n, int base, uint64_t *out)
{
    if (!n)
        return false;
    if (base == 0) {
        base = 10;
        if (p[0] == '0') {
            char c = n >= 3 ? (char)(p[1] | 0x20) : 0;
            base = c == 'x' ? 16 : c == 'b' ? 2 : 8;
            size_t skip = c == 'x' || c == 'b' || c == 'o' ? 2 : 1;
            p += skip;
            n -= skip;
        }
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i], lc = (char)(c | 0x20);
        int d = is_digit(c) ? c - '0' : lc >= 'a' && lc <= 'z' ? lc - 'a' + 10 : 99;
        if (d >= base || v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return false;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    *out = v;
    return true;
}

/* Go's strconv.ParseInt(s, base, 64). */
static bool go_parse_int(const char *p, size_t n, int base, int64_t *out)
{
    bool neg = n && p[0] == '-';
    if (n && (p[0] == '+' || p[0] == '-')) {
        p++;
        n--;
    }
    uint64_t u;
    if (!go_parse_uint(p, n, base, &u) || u > (uint64_t)INT64_MAX + neg)
        return false;
    *out = neg ? (int64_t)(0 - u) : (int64_t)u;
    return true;
}

static size_t skip_digits(const char *p, size_t n, size_t *i)
{
    size_t start = *i;
    while (*i < n && is_digit(p[*i]))
        (*i)++;
    return *i - start;
}

/* go-yaml v2's float pattern: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool float_syntax(const char *p, size_t n)
{
    size_t i = 0;
    if (i < n && (p[i] == '+' || p[i] == '-'))
        i++;
    if (!skip_digits(p, n, &i)) {
        if (i >= n || p[i] != '.')
            return false;
        i++;
        if (!skip_digits(p, n, &i))
            return false;
    } else if (i < n && p[i] == '.') {
        i++;
        skip_digits(p, n, &i);
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        if (!skip_digits(p, n, &i))
            return false;
    }
    return i == n;
}

/* Like Go's ParseFloat on text that passed float_syntax: overflow fails
 * (the scalar stays a string), underflow gives 0 or a denormal. */
static bool to_double(const char *p, locale_t loc, double *out)
{
    errno = 0;
    double d = strtod_l(p, NULL, loc);
    if (errno == ERANGE && isinf(d))
        return false;
    *out = d;
    return true;
}

/* go-yaml v2's resolve() for an untagged plain scalar (timestamps stay
 * strings, as v2 gives them to interface{} values). */
static k8s_code resolve_plain(k8s_yaml_reader *s, const char *p, size_t n, value *v,
                              k8s_error *err)
{
    *v = (value){.type = V_STR};
    if (!n) {
        v->type = V_NULL;
        return K8S_OK;
    }
    if (word_value(p, n, v))
        return K8S_OK;
    if (!is_digit(p[0]) && p[0] != '+' && p[0] != '-' && p[0] != '.')
        return K8S_OK;
    /* v2 drops every '_' before reading a number, except after a leading
     * '.', where Go's ParseFloat allows them between digits only */
    for (size_t i = 0; p[0] == '.' && i < n; i++)
        if (p[i] == '_' && !(is_digit(p[i - 1]) && i + 1 < n && is_digit(p[i + 1])))
            return K8S_OK;
    k8s_buf *b = &s->scratch;
    k8s_buf_clear(b);
    for (size_t i = 0; i < n; i++)
        if (p[i] != '_' && k8s_buf_append(b, p + i, 1))
            return k8s_fail(err, K8S_ENOMEM, "out of memory");
    if (!b->data)
        return K8S_OK;
    const char *q = b->data;
    size_t m = b->len;
    if (p[0] == '.') {
        if (float_syntax(q, m) && to_double(q, s->loc, &v->d))
            v->type = V_FLOAT;
        return K8S_OK;
    }
    if (go_parse_int(q, m, 0, &v->i))
        v->type = V_INT;
    else if (go_parse_uint(q, m, 0, &v->u))
        v->type = V_UINT;
    else if (float_syntax(q, m) && to_double(q, s->loc, &v->d))
        v->type = V_FLOAT;
    else if (m > 2 && memcmp(q, "0b", 2) == 0 && go_parse_int(q + 2, m - 2, 2, &v->i))
        v->type = V_INT; /* v2 retries 0b with a sign after the prefix: 0b-101 is -5 */
    return K8S_OK;
}

static bool fixed_num(const char *p, size_t n, size_t *i, size_t min, size_t max, int *out)
{
    size_t k = 0;
    int v = 0;
    while (k < max && *i + k < n && is_digit(p[*i + k]))
        v = v * 10 + (p[*i + k++] - '0');
    *i += k;
    *out = v;
    return k >= min;
}

static bool lit(const char *p, size_t n, size_t *i, char c)
{
    if (*i >= n || p[*i] != c)
        return false;
    (*i)++;
    return true;
}

static int days_in(int month, int year)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    return days[month - 1] + (month == 2 && leap);
}

/* The layouts go-yaml v2 accepts for !!timestamp: 2006-1-2, 2006-1-2 15:4:5[.f]
 * and 2006-1-2T15:4:5[.f]Z07:00 (t or T), checked as Go's time.Parse does. */
static bool is_timestamp(const char *p, size_t n)
{
    size_t i = 0;
    int y, mo, d, h, mi, sec, zh, zm;
    if (!fixed_num(p, n, &i, 4, 4, &y) || !lit(p, n, &i, '-') || !fixed_num(p, n, &i, 1, 2, &mo) ||
        !lit(p, n, &i, '-') || !fixed_num(p, n, &i, 1, 2, &d) || mo < 1 || mo > 12 || d < 1 ||
        d > days_in(mo, y))
        return false;
    if (i == n)
        return true;
    char sep = p[i++];
    if ((sep != 'T' && sep != 't' && sep != ' ') || !fixed_num(p, n, &i, 1, 2, &h) ||
        !lit(p, n, &i, ':') || !fixed_num(p, n, &i, 1, 2, &mi) || !lit(p, n, &i, ':') ||
        !fixed_num(p, n, &i, 1, 2, &sec) || h > 23 || mi > 59 || sec > 59)
        return false;
    if (i + 1 < n && (p[i] == '.' || p[i] == ',') && is_digit(p[i + 1])) {
        i++;
        skip_digits(p, n, &i);
    }
    if (sep == ' ')
        return i == n;
    if (i < n && p[i] == 'Z')
        return i + 1 == n;
    if (i >= n || (p[i] != '+' && p[i] != '-'))
        return false;
    i++;
    return fixed_num(p, n, &i, 2, 2, &zh) && lit(p, n, &i, ':') && fixed_num(p, n, &i, 2, 2, &zm) &&
           i == n && zh <= 24 && zm <= 60;
}

static bool base64_ok(const char *p, size_t n, bool *oom)
{
    uint8_t *out = malloc(n / 4 * 3 + 3);
    size_t len;
    if (!out) {
        *oom = true;
        return false;
    }
    bool ok = k8s_base64_decode(p, n, out, &len);
    free(out);
    return ok;
}

/* What a scalar node means, tags included. */
static k8s_code resolve(k8s_yaml_reader *s, const node *nd, const k8s_path *path, value *v,
                        k8s_error *err)
{
    const char *p = text_of(s, nd);
    size_t n = nd->n;
    static const int wants[T_COUNT] = {[T_INT] = V_INT, [T_FLOAT] = V_FLOAT, [T_BOOL] = V_BOOL,
                                       [T_NULL] = V_NULL};
    *v = (value){.type = V_STR};
    switch (nd->tag) {
    case T_NONE:
        return nd->plain ? resolve_plain(s, p, n, v, err) : K8S_OK;
    case T_BINARY: {
        bool oom = false;
        if (base64_ok(p, n, &oom)) {
            v->type = V_BINARY;
            return K8S_OK;
        }
        if (oom)
            return k8s_fail(err, K8S_ENOMEM, "out of memory");
        return set_at(s, err, K8S_EYAML, path, nd->line, nd->col, "!!binary value is not base64");
    }
    case T_TIMESTAMP:
        if (is_timestamp(p, n))
            return K8S_OK;
        break;
    case T_INT:
    case T_FLOAT:
    case T_BOOL:
    case T_NULL: {
        k8s_code rc = resolve_plain(s, p, n, v, err);
        if (rc)
            return rc;
        if (v->type == V_UINT && nd->tag == T_INT)
            return K8S_OK;
        if (v->type == V_INT && nd->tag == T_FLOAT)
            *v = (value){.type = V_FLOAT, .d = (double)v->i};
        if (v->type == wants[nd->tag])
            return K8S_OK;
        break;
    }
    default: /* !, !!str, !!merge */
        return K8S_OK;
    }
    return set_at(s, err, K8S_EYAML, path, nd->line, nd->col, "cannot read \"%.*s\" as !!%s",
                  n > 60 ? 60 : (int)n, p, tag_names[nd->tag]);
}

/* ---- numbers as Go writes them ---- */

/* The fewest significant digits that read back as v (as a float32 when
 * f32), and the decimal exponent of the first one. v is finite and > 0. */
static int shortest(locale_t loc, double v, bool f32, char *digits, int *exp10)
{
    char buf[48];
    locale_t old = uselocale(loc);
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
        if (f32 ? strtof_l(buf, NULL, loc) == (float)v : strtod_l(buf, NULL, loc) == v)
            break;
    }
    uselocale(old);
    int nd = 0;
    const char *q = buf;
    for (; *q && *q != 'e'; q++)
        if (is_digit(*q))
            digits[nd++] = *q;
    *exp10 = atoi(q + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    return nd;
}

/* Go's %e or %f shortest forms of the digits d[0..nd) x 10^exp. */
static char *put_e(char *o, const char *d, int nd, int exp, bool pad)
{
    *o++ = d[0];
    if (nd > 1) {
        *o++ = '.';
        memcpy(o, d + 1, (size_t)nd - 1);
        o += nd - 1;
    }
    return o + sprintf(o, "e%c%s%d", exp < 0 ? '-' : '+', pad && abs(exp) < 10 ? "0" : "",
                       abs(exp));
}

static char *put_f(char *o, const char *d, int nd, int exp)
{
    int dp = exp + 1; /* digits before the point */
    if (dp <= 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -dp; i++)
            *o++ = '0';
        memcpy(o, d, (size_t)nd);
        return o + nd;
    }
    for (int i = 0; i < dp; i++)
        *o++ = i < nd ? d[i] : '0';
    if (nd > dp) {
        *o++ = '.';
        memcpy(o, d + dp, (size_t)(nd - dp));
        o += nd - dp;
    }
    return o;
}

/* encoding/json's float64 form, or with key set strconv.FormatFloat(v, 'g',
 * -1, 32) as sigs.k8s.io/yaml writes float keys. out has room for 64. */
static void format_float(locale_t loc, double v, bool key, char *out)
{
    if (key) {
        float f = (float)v;
        if (isnan(f) || isinf(f)) {
            strcpy(out, isnan(f) ? ".nan" : f > 0 ? ".inf" : "-.inf");
            return;
        }
        v = f;
    }
    char *o = out, d[24];
    if (signbit(v))
        *o++ = '-';
    if (v == 0) {
        strcpy(o, "0");
        return;
    }
    int exp, nd = shortest(loc, fabs(v), key, d, &exp);
    bool e_form = key ? exp < -4 || exp >= 6 : fabs(v) < 1e-6 || fabs(v) >= 1e21;
    o = e_form ? put_e(o, d, nd, exp, key || exp >= 0) : put_f(o, d, nd, exp);
    *o = '\0';
}

/* ---- writing JSON ---- */

typedef struct conv {
    k8s_yaml_reader *s;
    k8s_buf *out;
    k8s_error *err;
    k8s_arena *keys; /* keys that are not the scalar's own text */
    size_t work;     /* what merge keys cost, counted against the cap */
    size_t seq;
} conv;

static k8s_code too_big(conv *c)
{
    return set_at(c->s, c->err, K8S_ETOOBIG, NULL, c->s->doc_line, c->s->doc_col,
                  "document expands to more than %zu bytes of JSON (aliases?)", c->s->limit);
}

static k8s_code put(conv *c, const char *p, size_t n)
{
    if (n > c->s->limit - c->work || c->out->len > c->s->limit - c->work - n)
        return too_big(c);
    return k8s_buf_append(c->out, p, n) ? k8s_fail(c->err, K8S_ENOMEM, "out of memory") : K8S_OK;
}

/* With skip_breaks, CR and LF are left out (base64 of !!binary). */
static k8s_code put_string(conv *c, const char *p, size_t n, bool skip_breaks)
{
    k8s_code rc = put(c, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch >= 0x20 && ch != '"' && ch != '\\')
            continue;
        rc = put(c, p + run, i - run);
        run = i + 1;
        if (rc || (skip_breaks && (ch == '\n' || ch == '\r')))
            continue;
        char esc[8];
        switch (ch) {
        case '"': strcpy(esc, "\\\""); break;
        case '\\': strcpy(esc, "\\\\"); break;
        case '\n': strcpy(esc, "\\n"); break;
        case '\r': strcpy(esc, "\\r"); break;
        case '\t': strcpy(esc, "\\t"); break;
        default: snprintf(esc, sizeof esc, "\\u%04x", ch); break;
        }
        rc = put(c, esc, strlen(esc));
    }
    if (!rc)
        rc = put(c, p + run, n - run);
    return rc ? rc : put(c, "\"", 1);
}

K8S_PRINTF(5, 6)
static k8s_code fail_node(conv *c, k8s_code code, const k8s_path *path, uint32_t ni,
                          const char *fmt, ...)
{
    const node *n = node_at(c->s, ni);
    va_list ap;
    va_start(ap, fmt);
    set_atv(c->s, c->err, code, path, n->line, n->col, fmt, ap);
    va_end(ap);
    return code;
}

static k8s_code record(conv *c, uint32_t ni)
{
    const node *n = node_at(c->s, ni);
    pos *p = vec_push(&c->s->pos, sizeof *p);
    if (!p)
        return k8s_fail(c->err, K8S_ENOMEM, "out of memory");
    *p = (pos){c->out->len, n->line, n->col};
    return K8S_OK;
}

static k8s_code emit(conv *c, uint32_t ni, size_t depth, const k8s_path *path, bool rec);

static k8s_code emit_scalar(conv *c, uint32_t ni, const k8s_path *path)
{
    const node *n = node_at(c->s, ni);
    value v;
    char buf[64];
    k8s_code rc = resolve(c->s, n, path, &v, c->err);
    if (rc)
        return rc;
    switch (v.type) {
    case V_NULL:
        return put(c, "null", 4);
    case V_BOOL:
        return v.b ? put(c, "true", 4) : put(c, "false", 5);
    case V_INT:
        return put(c, buf, (size_t)snprintf(buf, sizeof buf, "%" PRId64, v.i));
    case V_UINT:
        return put(c, buf, (size_t)snprintf(buf, sizeof buf, "%" PRIu64, v.u));
    case V_FLOAT:
        if (!isfinite(v.d))
            return fail_node(c, K8S_EVALUE, path, ni, "%.*s has no JSON form", (int)n->n,
                             text_of(c->s, n));
        format_float(c->s->loc, v.d, false, buf);
        return put(c, buf, strlen(buf));
    default:
        return put_string(c, text_of(c->s, n), n->n, v.type == V_BINARY);
    }
}

static uint32_t deref(const k8s_yaml_reader *s, uint32_t ni)
{
    const node *n = node_at(s, ni);
    return n->kind == N_ALIAS ? (uint32_t)n->a : ni;
}

/* Room for a key that is not its scalar's own text. */
static char *key_room(conv *c, size_t n)
{
    if (!c->keys && !(c->keys = k8s_arena_new()))
        return NULL;
    return k8s_arena_alloc_bytes(c->keys, n + 1);
}

/* The JSON name of a key node, made as sigs.k8s.io/yaml makes it. */
static k8s_code key_of(conv *c, uint32_t kn, const k8s_path *path, const char **key, size_t *len)
{
    static const char *const kinds[] = {"", "sequence", "mapping"};
    const node *n = node_at(c->s, deref(c->s, kn));
    if (n->kind != N_SCALAR)
        return fail_node(c, K8S_EYAML, path, kn, "a %s cannot be a mapping key", kinds[n->kind]);
    value v;
    k8s_code rc = resolve(c->s, n, path, &v, c->err);
    if (rc)
        return rc;
    char buf[64];
    const char *p = text_of(c->s, n);
    switch (v.type) {
    case V_NULL:
        return fail_node(c, K8S_EYAML, path, kn, "null cannot be a mapping key");
    case V_UINT:
        return fail_node(c, K8S_EYAML, path, kn, "key %" PRIu64 " does not fit in int64", v.u);
    case V_BOOL:
        *key = v.b ? "true" : "false";
        *len = strlen(*key);
        return K8S_OK;
    case V_STR:
        *key = p;
        *len = n->n;
        return K8S_OK;
    case V_BINARY: {
        size_t k = 0;
        for (size_t i = 0; i < n->n; i++)
            if (p[i] != '\n' && p[i] != '\r')
                k++;
        if (k == n->n) {
            *key = p;
            *len = k;
            return K8S_OK;
        }
        char *t = key_room(c, k);
        if (!t)
            return k8s_fail(c->err, K8S_ENOMEM, "out of memory");
        k = 0;
        for (size_t i = 0; i < n->n; i++)
            if (p[i] != '\n' && p[i] != '\r')
                t[k++] = p[i];
        *key = t;
        *len = k;
        return K8S_OK;
    }
    case V_INT:
        snprintf(buf, sizeof buf, "%" PRId64, v.i);
        break;
    default:
        format_float(c->s->loc, v.d, true, buf);
    }
    *len = strlen(buf);
    char *t = key_room(c, *len);
    if (!t)
        return k8s_fail(c->err, K8S_ENOMEM, "out of memory");
    memcpy(t, buf, *len + 1);
    *key = t;
    return K8S_OK;
}

static bool is_merge_key(const k8s_yaml_reader *s, uint32_t kn)
{
    const node *n = node_at(s, kn);
    return n->kind == N_SCALAR && (n->plain || n->tag == T_MERGE) && n->n == 2 &&
           memcmp(text_of(s, n), "<<", 2) == 0;
}

static entry *ents(const k8s_yaml_reader *s)
{
    return s->ents.p;
}

static int by_key(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    int d = memcmp(a->key, b->key, a->len < b->len ? a->len : b->len);
    if (d)
        return d;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int by_seq(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Keeps one entry per key in [base, end): the mapping's own key, else the
 * earliest merge source's. Two own keys alike are a duplicate. */
static k8s_code dedupe(conv *c, size_t base, const k8s_path *path)
{
    size_t n = c->s->ents.len - base, w = 0;
    if (n < 2)
        return K8S_OK;
    entry *e = ents(c->s) + base;
    qsort(e, n, sizeof *e, by_key);
    for (size_t i = 0; i < n; i++) {
        if (w && e[i].len == e[w - 1].len && memcmp(e[i].key, e[w - 1].key, e[i].len) == 0) {
            if (e[i].rank == 0) {
                k8s_path child = {path, e[i].key, e[i].len, 0};
                return fail_node(c, K8S_EDUPKEY, &child, e[i].at, "duplicate key \"%.*s\"",
                                 e[i].len > 100 ? 100 : (int)e[i].len, e[i].key);
            }
            continue;
        }
        e[w++] = e[i];
    }
    qsort(e, w, sizeof *e, by_seq);
    c->s->ents.len = base + w;
    return K8S_OK;
}

static k8s_code collect(conv *c, uint32_t mi, bool alias, size_t mdepth, const k8s_path *path);

/* One merge source: a mapping or an alias to one. */
static k8s_code merge_one(conv *c, uint32_t sn, bool alias, size_t mdepth, uint32_t rank,
                          const k8s_path *path)
{
    uint32_t target = deref(c->s, sn);
    bool via_alias = alias || target != sn;
    if (node_at(c->s, target)->kind != N_MAP)
        return fail_node(c, K8S_EYAML, path, sn, "<< needs a mapping or a list of mappings");
    size_t first = c->s->ents.len;
    k8s_code rc = collect(c, target, via_alias, mdepth + 1, path);
    for (size_t i = first; !rc && i < c->s->ents.len; i++) {
        entry *e = ents(c->s) + i;
        e->rank = rank;
        if (target != sn)
            e->at = sn; /* positions inside an alias point at the alias */
    }
    return rc;
}

static k8s_code merge(conv *c, uint32_t vn, bool alias, size_t mdepth, uint32_t *rank,
                      const k8s_path *path)
{
    const node *v = node_at(c->s, vn);
    if (v->kind != N_SEQ)
        return merge_one(c, vn, alias, mdepth, (*rank)++, path);
    for (size_t i = 0; i < v->n; i++) {
        k8s_code rc = merge_one(c, kid(c->s, v->a + i), alias, mdepth, (*rank)++, path);
        if (rc)
            return rc;
    }
    return K8S_OK;
}

/* Pushes the keys of mapping mi, merged ones included, in output order. */
static k8s_code collect(conv *c, uint32_t mi, bool alias, size_t mdepth, const k8s_path *path)
{
    if (mdepth > K8S_DEFAULT_MAX_DEPTH)
        return fail_node(c, K8S_EDEPTH, path, mi, "merge keys nested deeper than %d levels",
                         K8S_DEFAULT_MAX_DEPTH);
    const node *m = node_at(c->s, mi);
    size_t base = c->s->ents.len;
    uint32_t rank = 1;
    for (size_t i = 0; i + 1 < m->n; i += 2) {
        uint32_t kn = kid(c->s, m->a + i), vn = kid(c->s, m->a + i + 1);
        k8s_code rc;
        if (is_merge_key(c->s, kn)) {
            rc = merge(c, vn, alias, mdepth, &rank, path);
        } else {
            entry e = {.at = kn, .knode = kn, .value = vn, .alias = alias, .seq = c->seq++};
            rc = key_of(c, kn, path, &e.key, &e.len);
            entry *slot = rc ? NULL : vec_push(&c->s->ents, sizeof *slot);
            if (!rc && !slot)
                rc = k8s_fail(c->err, K8S_ENOMEM, "out of memory");
            if (slot)
                *slot = e;
            /* merged keys may vanish as duplicates, so output alone does
             * not bound them: count them against the cap as well */
            if (!rc && mdepth && e.len + sizeof e > c->s->limit - c->work)
                rc = too_big(c);
            if (mdepth)
                c->work += e.len + sizeof e;
        }
        if (rc)
            return rc;
    }
    return dedupe(c, base, path);
}

static k8s_code emit_map(conv *c, uint32_t mi, size_t depth, const k8s_path *path, bool rec)
{
    size_t base = c->s->ents.len;
    k8s_code rc = collect(c, mi, false, 0, path);
    if (!rc)
        rc = put(c, "{", 1);
    for (size_t i = base; !rc && i < c->s->ents.len; i++) {
        entry e = ents(c->s)[i]; /* by value: nested mappings may move the array */
        k8s_path child = {path, e.key, e.len, 0};
        if (i > base)
            rc = put(c, ",", 1);
        if (!rc && rec)
            rc = record(c, e.at);
        if (!rc)
            rc = put_string(c, e.key, e.len, false);
        if (!rc)
            rc = put(c, ":", 1);
        if (!rc)
            rc = emit(c, e.value, depth, &child, rec && !e.alias);
    }
    c->s->ents.len = base;
    return rc ? rc : put(c, "}", 1);
}

static k8s_code emit(conv *c, uint32_t ni, size_t depth, const k8s_path *path, bool rec)
{
    const node *n = node_at(c->s, ni);
    k8s_code rc = rec ? record(c, ni) : K8S_OK;
    if (rc)
        return rc;
    if (n->kind == N_ALIAS)
        return emit(c, (uint32_t)n->a, depth, path, false);
    if (n->kind == N_SCALAR)
        return emit_scalar(c, ni, path);
    if (depth >= K8S_DEFAULT_MAX_DEPTH)
        return fail_node(c, K8S_EDEPTH, path, ni, "nesting deeper than %d levels",
                         K8S_DEFAULT_MAX_DEPTH);
    if (n->kind == N_MAP)
        return emit_map(c, ni, depth + 1, path, rec);
    rc = put(c, "[", 1);
    for (size_t i = 0; !rc && i < n->n; i++) {
        k8s_path child = {path, NULL, 0, i};
        if (i)
            rc = put(c, ",", 1);
        if (!rc)
            rc = emit(c, kid(c->s, n->a + i), depth + 1, &child, rec);
    }
    return rc ? rc : put(c, "]", 1);
}

static k8s_code convert(k8s_yaml_reader *s, k8s_buf *json, bool rec, k8s_error *err)
{
    conv c = {.s = s, .out = json, .err = err};
    if (rec)
        s->pos.len = 0;
    s->ents.len = 0;
    k8s_code rc = emit(&c, s->root, 0, NULL, rec);
    k8s_arena_free(c.keys);
    return rc;
}

/* ---- streams ---- */

static k8s_code next_doc(k8s_yaml_reader *s, k8s_buf *json, bool rec, k8s_error *err)
{
    k8s_buf_clear(json);
    while (!s->done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&s->parser, &ev))
            return broken(s, err);
        yaml_event_type_t type = ev.type;
        yaml_mark_t mark = ev.start_mark;
        yaml_event_delete(&ev);
        if (type == YAML_STREAM_END_EVENT)
            s->done = true;
        if (type != YAML_DOCUMENT_START_EVENT)
            continue;
        s->index++;
        s->doc_line = mark.line;
        s->doc_col = mark.column;
        k8s_code rc = build(s, err);
        if (!rc)
            rc = convert(s, json, rec, err);
        bool null_doc = !rc && json->len == 4 && memcmp(json->data, "null", 4) == 0;
        if (rc || null_doc)
            k8s_buf_clear(json);
        if (!null_doc)
            return rc;
    }
    return K8S_EDONE;
}

k8s_code k8s_yaml_reader_start(k8s_yaml_reader **out, const char *data, size_t len, k8s_error *err)
{
    if (!out || (!data && len)) {
        return k8s_fail(err, K8S_EINVAL, "missing stream pointer or input");
    }
    *out = NULL;
    k8s_yaml_reader *s = calloc(1, sizeof *s);
    if (!s)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    if (!yaml_parser_initialize(&s->parser)) {
        free(s);
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    }
    s->loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!s->loc) {
        yaml_parser_delete(&s->parser);
        free(s);
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    }
    s->data = data ? data : "";
    s->len = len;
    s->limit = len > (SIZE_MAX - 1) / EXPANSION ? SIZE_MAX - 1 : len * EXPANSION;
    if (s->limit < MIN_LIMIT)
        s->limit = MIN_LIMIT;
    yaml_parser_set_input_string(&s->parser, (const unsigned char *)s->data, len);
    *out = s;
    return K8S_OK;
}

k8s_code k8s_yaml_reader_next(k8s_yaml_reader *s, k8s_buf *json, k8s_error *err)
{
    if (!s || !json) {
        if (s) /* every call moves on, even a wrong one */
            s->done = true;
        return k8s_fail(err, K8S_EINVAL, "missing stream or buffer");
    }
    return next_doc(s, json, true, err);
}

size_t k8s_yaml_reader_document_index(const k8s_yaml_reader *s)
{
    return s ? s->index : 0;
}

void k8s_yaml_reader_locate(const k8s_yaml_reader *s, k8s_error *err)
{
    if (!s || !err || !err->line || !s->pos.len)
        return;
    const pos *p = s->pos.p;
    size_t lo = 0, hi = s->pos.len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p[mid].json <= err->offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!lo)
        return;
    err->line = p[lo - 1].line + 1;
    err->column = p[lo - 1].col + 1;
    err->offset = mark_offset(s, p[lo - 1].line, p[lo - 1].col);
}

void k8s_yaml_reader_free(k8s_yaml_reader *s)
{
    if (!s)
        return;
    yaml_parser_delete(&s->parser);
    freelocale(s->loc);
    k8s_buf_free(&s->scratch);
    k8s_buf_free(&s->text);
    vec *vs[] = {&s->nodes, &s->kids, &s->pending, &s->frames, &s->pos, &s->ents};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
        free(vs[i]->p);
    free(s->anchors);
    free(s);
}

/* The only document of s into json; one more is an error. */
static k8s_code one_document(k8s_yaml_reader *s, k8s_buf *json, k8s_error *err)
{
    k8s_code rc = next_doc(s, json, true, err);
    if (rc == K8S_EDONE) {
        return k8s_fail(err, K8S_EYAML, "no YAML document in the input");
    }
    if (rc)
        return rc;
    k8s_buf rest = K8S_BUF_INIT;
    rc = next_doc(s, &rest, false, err);
    k8s_buf_free(&rest);
    if (rc == K8S_EDONE) {
        if (err)
            memset(err, 0, sizeof *err);
        return K8S_OK;
    }
    k8s_buf_clear(json);
    if (rc)
        return rc;
    return set_at(s, err, K8S_EYAML, NULL, s->doc_line, s->doc_col,
                  "expected one YAML document, found another");
}

k8s_code k8s_yaml_to_json(const char *data, size_t len, k8s_buf *json, k8s_error *err)
{
    k8s_yaml_reader *s;
    if (!json) {
        return k8s_fail(err, K8S_EINVAL, "missing buffer");
    }
    k8s_code rc = k8s_yaml_reader_start(&s, data, len, err);
    if (rc)
        return rc;
    rc = one_document(s, json, err);
    k8s_yaml_reader_free(s);
    return rc;
}

typedef struct relay {
    const k8s_yaml_reader *s;
    k8s_diag_fn fn;
    void *ctx;
} relay;

static void relay_diag(void *ctx, k8s_severity severity, const k8s_error *problem)
{
    const relay *r = ctx;
    k8s_error e = *problem;
    k8s_yaml_reader_locate(r->s, &e);
    r->fn(r->ctx, severity, &e);
}

k8s_code k8s_yaml_decode(const k8s_type *type, const char *data, size_t len, k8s_arena *arena,
                         void **out, const k8s_decode_options *opts, k8s_error *err)
{
    if (!out) {
        return k8s_fail(err, K8S_EINVAL, "missing result pointer");
    }
    *out = NULL;
    k8s_yaml_reader *s;
    k8s_buf json = K8S_BUF_INIT;
    k8s_code rc = k8s_yaml_reader_start(&s, data, len, err);
    if (rc)
        return rc;
    rc = one_document(s, &json, err);
    if (!rc) {
        k8s_decode_options o = opts ? *opts : (k8s_decode_options){0};
        relay r = {s, o.diag, o.diag_ctx};
        if (o.diag) {
            o.diag = relay_diag;
            o.diag_ctx = &r;
        }
        rc = k8s_json_decode(type, json.data, json.len, arena, out, &o, err);
        if (rc)
            k8s_yaml_reader_locate(s, err);
    }
    k8s_buf_free(&json);
    k8s_yaml_reader_free(s);
    return rc;
}
