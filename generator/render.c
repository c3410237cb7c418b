/* The template renderer: a small mustache subset, enough to keep all text
 * layout in templates/ and all decisions in the generator.
 *   {{name}}            the value of name (looked up through parent contexts)
 *   {{#name}}..{{/name}} once per item of the list name, or once when name is
 *                       a non-empty string
 *   {{^name}}..{{/name}} once when name is missing, an empty string or list
 * A section tag alone on its line takes the whole line with it. An unknown
 * {{name}} is an error, so a typo cannot silently drop text. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "k8sgen.h"

typedef struct tval {
    const char *key;
    const char *str; /* a string value, or NULL for a list */
    tctx **items;
    size_t nitems, cap;
} tval;

struct tctx {
    k8s_arena *arena;
    const tctx *parent;
    tval *vals;
    size_t n, cap;
};

tctx *tctx_new(k8s_arena *a, const tctx *parent)
{
    tctx *c = k8s_arena_alloc(a, sizeof *c);
    c->arena = a;
    c->parent = parent;
    return c;
}

static tval *slot(tctx *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->vals[i].key, key) == 0)
            return &c->vals[i];
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        tval *nv = k8s_arena_alloc(c->arena, cap * sizeof *nv);
        if (c->n)
            memcpy(nv, c->vals, c->n * sizeof *nv);
        c->vals = nv;
        c->cap = cap;
    }
    tval *v = &c->vals[c->n++];
    v->key = key;
    return v;
}

void tctx_set(tctx *c, const char *key, const char *value)
{
    slot(c, key)->str = value ? value : "";
}

void tctx_setf(tctx *c, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = k8s_arena_alloc(c->arena, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    tctx_set(c, key, s);
}

tctx *tctx_push(tctx *c, const char *key)
{
    tval *v = slot(c, key);
    if (v->nitems == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        tctx **ni = k8s_arena_alloc(c->arena, cap * sizeof *ni);
        if (v->nitems)
            memcpy(ni, v->items, v->nitems * sizeof *ni);
        v->items = ni;
        v->cap = cap;
    }
    tctx *item = tctx_new(c->arena, c);
    v->items[v->nitems++] = item;
    return item;
}

static const tval *lookup(const tctx *c, const char *key, size_t len)
{
    for (; c; c = c->parent)
        for (size_t i = 0; i < c->n; i++)
            if (strlen(c->vals[i].key) == len && memcmp(c->vals[i].key, key, len) == 0)
                return &c->vals[i];
    return NULL;
}

typedef struct renderer {
    const char *name; /* template, for messages */
    k8s_buf *out;
    bool ok;
} renderer;

static void fail(renderer *r, const char *what, const char *tag, size_t len)
{
    fprintf(stderr, "k8sgen: template %s: %s {{%.*s}}\n", r->name, what, (int)len, tag);
    r->ok = false;
}

/* The end of the section opened by {{#name}} or {{^name}} whose body starts
 * at p: the position of its {{/name}}, or NULL. */
static const char *section_end(const char *p, const char *end, const char *name, size_t len)
{
    int depth = 1;
    while (p < end) {
        const char *open = strstr(p, "{{");
        if (!open || open >= end)
            return NULL;
        const char *close = strstr(open, "}}");
        if (!close)
            return NULL;
        const char *tag = open + 2;
        size_t tlen = (size_t)(close - tag);
        if (tlen == len + 1 && memcmp(tag + 1, name, len) == 0) {
            if (tag[0] == '#' || tag[0] == '^')
                depth++;
            else if (tag[0] == '/' && --depth == 0)
                return open;
        }
        p = close + 2;
    }
    return NULL;
}

static void run(renderer *r, const char *p, const char *end, const tctx *c)
{
    while (p < end && r->ok) {
        const char *open = strstr(p, "{{");
        if (!open || open >= end) {
            k8s_buf_append(r->out, p, (size_t)(end - p));
            return;
        }
        k8s_buf_append(r->out, p, (size_t)(open - p));
        const char *close = strstr(open, "}}");
        if (!close || close >= end) {
            fail(r, "unclosed tag", open + 2, 10);
            return;
        }
        const char *tag = open + 2;
        size_t len = (size_t)(close - tag);
        p = close + 2;
        if (tag[0] == '#' || tag[0] == '^') {
            const char *body_end = section_end(p, end, tag + 1, len - 1);
            if (!body_end) {
                fail(r, "no end for", tag, len);
                return;
            }
            const tval *v = lookup(c, tag + 1, len - 1);
            bool empty = !v || (v->str ? !*v->str : v->nitems == 0);
            if (tag[0] == '^') {
                if (empty)
                    run(r, p, body_end, c);
            } else if (v && !v->str) {
                for (size_t i = 0; i < v->nitems; i++)
                    run(r, p, body_end, v->items[i]);
            } else if (!empty) {
                run(r, p, body_end, c);
            }
            p = strstr(body_end, "}}") + 2;
        } else if (tag[0] == '/') {
            fail(r, "stray", tag, len);
            return;
        } else {
            const tval *v = lookup(c, tag, len);
            if (!v || !v->str) {
                fail(r, v ? "list used as a value:" : "unknown name", tag, len);
                return;
            }
            k8s_buf_append_str(r->out, v->str);
        }
    }
}

/* Drops the indentation and line break around section tags that stand
 * alone on their line, so templates can be laid out readably. */
static char *strip_standalone(k8s_arena *a, const char *t)
{
    size_t n = strlen(t);
    char *out = k8s_arena_alloc(a, n + 1), *o = out;
    const char *line = t;
    while (*line) {
        const char *eol = strchr(line, '\n');
        const char *next = eol ? eol + 1 : line + strlen(line);
        const char *s = line, *e = eol ? eol : next;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
            e--;
        bool standalone = e - s >= 5 && s[0] == '{' && s[1] == '{' && strchr("#^/", s[2]) &&
                          e[-1] == '}' && e[-2] == '}' && !memchr(s + 2, '{', (size_t)(e - s - 2));
        if (standalone) {
            memcpy(o, s, (size_t)(e - s));
            o += e - s;
        } else {
            memcpy(o, line, (size_t)(next - line));
            o += next - line;
        }
        line = next;
    }
    *o = '\0';
    return out;
}

bool render(const char *template_name, const tctx *c, k8s_buf *out)
{
    const char *text = template_text(template_name);
    if (!text) {
        fprintf(stderr, "k8sgen: no template named %s\n", template_name);
        return false;
    }
    char *t = strip_standalone(c->arena, text);
    renderer r = {template_name, out, true};
    run(&r, t, t + strlen(t), c);
    return r.ok;
}
