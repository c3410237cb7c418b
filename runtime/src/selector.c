/* Label selectors (k8s/selector.h): a lexer and a recursive-descent parser
 * that follow apimachinery's labels.Parse, so a selector that works with
 * the server works here, and one it refuses is refused here too. */
#include "k8s/selector.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef enum op { OP_EQ, OP_NE, OP_IN, OP_NOTIN, OP_EXISTS, OP_NOT_EXISTS, OP_GT, OP_LT } op;

typedef struct req {
    const char *key;
    op op;
    const char **values; /* EQ, NE: one; IN, NOTIN: the set */
    size_t nvalues;
    long long num; /* GT, LT */
} req;

struct k8s_selector {
    req *reqs;
    size_t n;
};

/* ---- lexer ---- */

typedef enum tok {
    T_END,
    T_IDENT,
    T_NOT,    /* ! */
    T_EQ,     /* = */
    T_DEQ,    /* == */
    T_NE,     /* != */
    T_GT,     /* > */
    T_LT,     /* < */
    T_COMMA,
    T_OPEN,
    T_CLOSE,
    T_IN,     /* the identifiers "in" and "notin" */
    T_NOTIN
} tok;

typedef struct lexer {
    const char *start, *p;
    tok t;          /* the current token */
    const char *at; /* where it starts */
    size_t len;
    k8s_arena *arena;
    k8s_error *err;
} lexer;

static bool special(char c)
{
    return c == '!' || c == '=' || c == ',' || c == '(' || c == ')' || c == '<' || c == '>' ||
           c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '\0';
}

static void next(lexer *l)
{
    while (*l->p == ' ' || *l->p == '\t' || *l->p == '\n' || *l->p == '\r' || *l->p == '\f' || *l->p == '\v')
        l->p++;
    l->at = l->p;
    char c = *l->p;
    l->len = 1;
    switch (c) {
    case '\0': l->t = T_END; l->len = 0; return;
    case ',': l->t = T_COMMA; break;
    case '(': l->t = T_OPEN; break;
    case ')': l->t = T_CLOSE; break;
    case '<': l->t = T_LT; break;
    case '>': l->t = T_GT; break;
    case '=':
        l->t = l->p[1] == '=' ? T_DEQ : T_EQ;
        l->len = l->t == T_DEQ ? 2 : 1;
        break;
    case '!':
        l->t = l->p[1] == '=' ? T_NE : T_NOT;
        l->len = l->t == T_NE ? 2 : 1;
        break;
    default: {
        const char *e = l->p;
        while (!special(*e))
            e++;
        l->len = (size_t)(e - l->p);
        l->t = T_IDENT;
        if (l->len == 2 && memcmp(l->p, "in", 2) == 0)
            l->t = T_IN;
        else if (l->len == 5 && memcmp(l->p, "notin", 5) == 0)
            l->t = T_NOTIN;
    }
    }
    l->p += l->len;
}

static k8s_code fail(lexer *l, const char *what)
{
    size_t n = l->len > 40 ? 40 : l->len;
    k8s_error_set(l->err, K8S_EINVAL, NULL, l->start, l->at,
                  "label selector, position %zu: %s, found %s%.*s%s", (size_t)(l->at - l->start) + 1,
                  what, l->t == T_END ? "the end" : "'", (int)n, l->at, l->t == T_END ? "" : "'");
    if (l->err) { /* a byte position, as the message (and apimachinery) count, newlines or not */
        l->err->line = 1;
        l->err->column = (unsigned)(l->at - l->start) + 1;
    }
    return K8S_EINVAL;
}

/* ---- names and values, as apimachinery validates them ---- */

static bool alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* [A-Za-z0-9]([-_.A-Za-z0-9]*[A-Za-z0-9])?, at most 63 */
static bool label_name(const char *s, size_t n, bool empty_ok)
{
    if (n == 0)
        return empty_ok;
    if (n > 63 || !alnum(s[0]) || !alnum(s[n - 1]))
        return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (!alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return false;
    return true;
}

/* a DNS subdomain: lower-case labels [a-z0-9]([-a-z0-9]*[a-z0-9])? joined by dots, at most 253 */
static bool dns_subdomain(const char *s, size_t n)
{
    if (n == 0 || n > 253)
        return false;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') {
            char c = s[i];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
                return false;
            continue;
        }
        if (i == start || s[start] == '-' || s[i - 1] == '-')
            return false;
        start = i + 1;
    }
    return true;
}

static bool qualified_name(const char *s, size_t n)
{
    const char *slash = memchr(s, '/', n);
    if (!slash)
        return label_name(s, n, false);
    size_t pre = (size_t)(slash - s);
    return dns_subdomain(s, pre) && label_name(slash + 1, n - pre - 1, false);
}

/* ---- parser ---- */

static k8s_code value(lexer *l, const char **out)
{
    if (!label_name(l->at, l->len, true))
        return fail(l, "expected a label value (at most 63 characters: letters, digits, '-', '_', '.', "
                       "beginning and ending with a letter or digit)");
    if (!(*out = k8s_arena_strndup(l->arena, l->at, l->len)))
        return K8S_ENOMEM;
    return K8S_OK;
}

static k8s_code push_value(lexer *l, req *r, size_t *cap, const char *v)
{
    if (r->nvalues == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        const char **nv = k8s_arena_alloc(l->arena, ncap * sizeof *nv);
        if (!nv)
            return K8S_ENOMEM;
        if (r->nvalues)
            memcpy(nv, r->values, r->nvalues * sizeof *nv);
        r->values = nv;
        *cap = ncap;
    }
    r->values[r->nvalues++] = v;
    return K8S_OK;
}

/* '(' value? (',' value?)* ')', not empty: `in ()` selects nothing by mistake */
static k8s_code value_set(lexer *l, req *r)
{
    size_t cap = 0;
    if (l->t != T_OPEN)
        return fail(l, "expected '(' after 'in' or 'notin'");
    next(l);
    if (l->t == T_CLOSE)
        return fail(l, "expected at least one value in the set");
    for (;;) {
        const char *v = "";
        if (l->t == T_IDENT || l->t == T_IN || l->t == T_NOTIN) {
            k8s_code rc = value(l, &v);
            if (rc)
                return rc;
            next(l);
        } else if (l->t != T_COMMA && l->t != T_CLOSE) {
            return fail(l, "expected a value, ',' or ')'");
        }
        k8s_code rc = push_value(l, r, &cap, v);
        if (rc)
            return rc;
        if (l->t == T_CLOSE) {
            next(l);
            return K8S_OK;
        }
        if (l->t != T_COMMA)
            return fail(l, "expected ',' or ')'");
        next(l);
    }
}

static k8s_code requirement(lexer *l, req *r)
{
    memset(r, 0, sizeof *r);
    bool negated = l->t == T_NOT;
    if (negated)
        next(l);
    if (l->t != T_IDENT && l->t != T_IN && l->t != T_NOTIN)
        return fail(l, negated ? "expected a label key after '!'" : "expected a label key");
    if (!qualified_name(l->at, l->len))
        return fail(l, "expected a label key ([prefix/]name, the name at most 63 characters: letters, "
                       "digits, '-', '_', '.', beginning and ending with a letter or digit)");
    if (!(r->key = k8s_arena_strndup(l->arena, l->at, l->len)))
        return K8S_ENOMEM;
    next(l);
    if (negated || l->t == T_END || l->t == T_COMMA) {
        r->op = negated ? OP_NOT_EXISTS : OP_EXISTS;
        return K8S_OK;
    }
    size_t cap = 0;
    switch (l->t) {
    case T_EQ:
    case T_DEQ:
    case T_NE: {
        r->op = l->t == T_NE ? OP_NE : OP_EQ;
        next(l);
        const char *v = "";
        if (l->t == T_IDENT || l->t == T_IN || l->t == T_NOTIN) {
            k8s_code rc = value(l, &v);
            if (rc)
                return rc;
            next(l);
        } else if (l->t != T_END && l->t != T_COMMA) {
            return fail(l, "expected a label value");
        }
        return push_value(l, r, &cap, v);
    }
    case T_GT:
    case T_LT: {
        r->op = l->t == T_GT ? OP_GT : OP_LT;
        next(l);
        char num[24];
        char *end;
        if (l->t != T_IDENT || l->len >= sizeof num)
            return fail(l, "expected an integer");
        memcpy(num, l->at, l->len);
        num[l->len] = '\0';
        errno = 0;
        r->num = strtoll(num, &end, 10);
        if (*end || errno)
            return fail(l, "expected an integer");
        next(l);
        return K8S_OK;
    }
    case T_IN:
    case T_NOTIN:
        r->op = l->t == T_IN ? OP_IN : OP_NOTIN;
        next(l);
        return value_set(l, r);
    default:
        return fail(l, "expected '=', '==', '!=', 'in', 'notin', '<', '>', ',' or the end");
    }
}

k8s_code k8s_selector_parse(const char *text, k8s_arena *arena, k8s_selector **out, k8s_error *err)
{
    k8s_error local;
    if (!err)
        err = &local;
    memset(err, 0, sizeof *err);
    if (out)
        *out = NULL;
    if (!arena || !out) {
        return k8s_fail(err, K8S_EINVAL, "missing arena or result");
    }
    if (!text)
        text = "";
    k8s_selector *s = k8s_arena_alloc(arena, sizeof *s);
    if (!s)
        return K8S_ENOMEM;
    /* requirements are separated by commas: their count bounds the list */
    size_t cap = 1;
    for (const char *p = text; *p; p++)
        cap += *p == ',';
    if (!(s->reqs = k8s_arena_alloc(arena, cap * sizeof *s->reqs)))
        return K8S_ENOMEM;
    lexer l = {.start = text, .p = text, .arena = arena, .err = err};
    next(&l);
    if (l.t != T_END) {
        for (;;) {
            k8s_code rc = requirement(&l, &s->reqs[s->n]);
            if (rc) {
                if (rc == K8S_ENOMEM)
                    k8s_error_set(err, rc, NULL, NULL, NULL, "out of memory");
                return rc;
            }
            s->n++;
            if (l.t == T_END)
                break;
            if (l.t != T_COMMA)
                return fail(&l, "expected ',' or the end");
            next(&l);
        }
    }
    *out = s;
    return K8S_OK;
}

static const char *lookup(const k8s_string_entry *labels, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (labels[i].key && strcmp(labels[i].key, key) == 0)
            return labels[i].value ? labels[i].value : "";
    return NULL;
}

static bool in_set(const req *r, const char *v)
{
    for (size_t i = 0; i < r->nvalues; i++)
        if (strcmp(r->values[i], v) == 0)
            return true;
    return false;
}

/* The label's value as an integer, as apimachinery's gt/lt read it. */
static bool as_int(const char *v, long long *out)
{
    char *end;
    errno = 0;
    *out = strtoll(v, &end, 10);
    return *v && !*end && !errno;
}

bool k8s_selector_match(const k8s_selector *sel, const k8s_string_entry *labels, size_t n)
{
    if (!sel)
        return true;
    for (size_t i = 0; i < sel->n; i++) {
        const req *r = &sel->reqs[i];
        const char *v = lookup(labels, n, r->key);
        long long num;
        bool ok;
        switch (r->op) {
        case OP_EQ: ok = v && strcmp(v, r->values[0]) == 0; break;
        case OP_NE: ok = !v || strcmp(v, r->values[0]) != 0; break;
        case OP_IN: ok = v && in_set(r, v); break;
        case OP_NOTIN: ok = !v || !in_set(r, v); break;
        case OP_EXISTS: ok = v != NULL; break;
        case OP_NOT_EXISTS: ok = v == NULL; break;
        case OP_GT: ok = v && as_int(v, &num) && num > r->num; break;
        case OP_LT: ok = v && as_int(v, &num) && num < r->num; break;
        default: ok = false;
        }
        if (!ok)
            return false;
    }
    return true;
}

bool k8s_selector_empty(const k8s_selector *sel)
{
    return !sel || sel->n == 0;
}
