/* The C API model of a tree: records, the listing that k8sgen and the
 * libclang tools both write, the diff of two models and its reports. */
#define _POSIX_C_SOURCE 200809L /* getline */
#include "apimodel.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define AM_MAGIC "k8s-api-model 1"

static const char *const type_names[AM_NTYPES] = {"kind", "struct", "member", "function", "variable", "macro"};

const char *apimodel_type_name(am_type type)
{
    return type < AM_NTYPES ? type_names[type] : "?";
}

static void *must(void *p)
{
    if (!p) {
        fputs("out of memory\n", stderr);
        exit(2);
    }
    return p;
}

static char *dup(k8s_arena *a, const char *s)
{
    return must(k8s_arena_strdup(a, s ? s : ""));
}

apimodel *apimodel_new(void)
{
    k8s_arena *a = must(k8s_arena_new());
    apimodel *m = must(k8s_arena_alloc(a, sizeof *m));
    m->arena = a;
    m->version = "";
    return m;
}

void apimodel_free(apimodel *m)
{
    if (m) {
        free(m->recs);
        k8s_arena_free(m->arena);
    }
}

/* "_Bool" -> "bool": C headers write bool, and libclang prints the type
 * that the stdbool.h macro stands for. */
static const char *normal_type(k8s_arena *a, const char *t)
{
    const char *hit = strstr(t, "_Bool");
    if (!hit)
        return dup(a, t);
    size_t n = strlen(t);
    char *out = must(k8s_arena_alloc(a, n + 1)), *o = out;
    for (const char *p = t; *p;) {
        if (strncmp(p, "_Bool", 5) == 0 && (p == t || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) &&
            !(isalnum((unsigned char)p[5]) || p[5] == '_')) {
            memcpy(o, "bool", 4);
            o += 4;
            p += 5;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

void apimodel_add(apimodel *m, am_type type, const char *pkg, const char *owner, const char *name,
                  const char *value, const char *extra, const char *deprecated)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 1024;
        m->recs = must(realloc(m->recs, m->cap * sizeof *m->recs));
    }
    bool typed = type == AM_MEMBER || type == AM_FUNCTION || type == AM_VARIABLE;
    m->recs[m->n++] = (am_rec){type,
                               dup(m->arena, pkg),
                               dup(m->arena, owner),
                               dup(m->arena, name),
                               typed ? normal_type(m->arena, value ? value : "") : dup(m->arena, value),
                               type == AM_FUNCTION ? normal_type(m->arena, extra ? extra : "") : dup(m->arena, extra),
                               dup(m->arena, deprecated)};
}

static int cmp_key(am_type ta, const char *oa, const char *na, am_type tb, const char *ob, const char *nb)
{
    if (ta != tb)
        return ta < tb ? -1 : 1;
    int c = strcmp(oa, ob);
    return c ? c : strcmp(na, nb);
}

static int cmp_rec(const void *a, const void *b)
{
    const am_rec *x = a, *y = b;
    int c = cmp_key(x->type, x->owner, x->name, y->type, y->owner, y->name);
    if (c)
        return c;
    if ((c = strcmp(x->value, y->value)) || (c = strcmp(x->extra, y->extra)) || (c = strcmp(x->pkg, y->pkg)))
        return c;
    return strcmp(x->deprecated, y->deprecated);
}

void apimodel_finish(apimodel *m)
{
    if (m->n)
        qsort(m->recs, m->n, sizeof *m->recs, cmp_rec);
    size_t w = 0;
    for (size_t i = 0; i < m->n; i++)
        if (w == 0 || cmp_rec(&m->recs[w - 1], &m->recs[i]) != 0)
            m->recs[w++] = m->recs[i];
    m->n = w;
    const am_rec *v = apimodel_find(m, AM_MACRO, "", "K8S_API_VERSION");
    m->version = "";
    if (v && v->value[0] == '"') {
        size_t len = strlen(v->value);
        m->version = must(k8s_arena_strndup(m->arena, v->value + 1, len >= 2 ? len - 2 : 0));
    }
}

const am_rec *apimodel_find(const apimodel *m, am_type type, const char *owner, const char *name)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const am_rec *r = &m->recs[mid];
        int c = cmp_key(r->type, r->owner, r->name, type, owner, name);
        if (c == 0)
            return r;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ---- listing ---- */

bool apimodel_write(const apimodel *m, FILE *f)
{
    fprintf(f, "%s\n", AM_MAGIC);
    for (size_t i = 0; i < m->n; i++) {
        const am_rec *r = &m->recs[i];
        fprintf(f, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", type_names[r->type], r->pkg, r->owner, r->name, r->value,
                r->extra, r->deprecated);
    }
    return !ferror(f);
}

apimodel *apimodel_read(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    apimodel *m = apimodel_new();
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t len;
    bool ok = true;
    while (ok && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (len && line[len - 1] == '\n')
            line[--len] = '\0';
        if (lineno == 1) {
            if (strcmp(line, AM_MAGIC) != 0) {
                snprintf(err, errlen, "%s: not an API model listing (the first line is not \"%s\")", path, AM_MAGIC);
                ok = false;
            }
            continue;
        }
        char *fields[7] = {NULL};
        size_t nf = 0;
        for (char *p = line; nf < 7; nf++) {
            fields[nf] = p;
            char *tab = strchr(p, '\t');
            if (!tab) {
                nf++;
                break;
            }
            *tab = '\0';
            p = tab + 1;
        }
        am_type t = AM_NTYPES;
        for (int i = 0; i < AM_NTYPES; i++)
            if (strcmp(fields[0], type_names[i]) == 0)
                t = (am_type)i;
        if (nf != 7 || t == AM_NTYPES) {
            snprintf(err, errlen, "%s:%zu: not a record of an API model listing", path, lineno);
            ok = false;
            break;
        }
        apimodel_add(m, t, fields[1], fields[2], fields[3], fields[4], fields[5], fields[6]);
    }
    if (ok && lineno == 0) {
        snprintf(err, errlen, "%s: empty file", path);
        ok = false;
    }
    free(line);
    fclose(f);
    if (!ok) {
        apimodel_free(m);
        return NULL;
    }
    apimodel_finish(m);
    return m;
}

/* ---- kinds and versions ---- */

const char *apimodel_api_group(k8s_arena *a, const char *api_version)
{
    const char *slash = strrchr(api_version, '/');
    return slash ? must(k8s_arena_strndup(a, api_version, (size_t)(slash - api_version))) : "";
}

static const char *version_of(const char *api_version)
{
    const char *slash = strrchr(api_version, '/');
    return slash ? slash + 1 : api_version;
}

/* v1 -> (3, 1, 0); v2beta1 -> (2, 2, 1); v1alpha3 -> (1, 1, 3) */
static void version_rank(const char *v, long r[3])
{
    r[0] = 3;
    r[1] = r[2] = 0;
    if (*v == 'v')
        v++;
    r[1] = strtol(v, (char **)&v, 10);
    if (strncmp(v, "beta", 4) == 0) {
        r[0] = 2;
        r[2] = strtol(v + 4, NULL, 10);
    } else if (strncmp(v, "alpha", 5) == 0) {
        r[0] = 1;
        r[2] = strtol(v + 5, NULL, 10);
    }
}

int apimodel_version_rank_cmp(const char *a, const char *b)
{
    long x[3], y[3];
    version_rank(version_of(a), x);
    version_rank(version_of(b), y);
    for (int i = 0; i < 3; i++)
        if (x[i] != y[i])
            return x[i] > y[i] ? -1 : 1; /* more stable first */
    return strcmp(a, b);
}

static bool same_group(const char *av, const char *bv)
{
    const char *sa = strrchr(av, '/'), *sb = strrchr(bv, '/');
    size_t la = sa ? (size_t)(sa - av) : 0, lb = sb ? (size_t)(sb - bv) : 0;
    return la == lb && strncmp(av, bv, la) == 0;
}

size_t apimodel_successors(const apimodel *m, const char *api_version, const char *kind, bool served,
                           const am_rec **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n; i++) {
        const am_rec *r = &m->recs[i];
        if (r->type != AM_KIND || (served && !r->extra[0]) || strcmp(r->name, kind) != 0 ||
            !same_group(r->owner, api_version) || strcmp(r->owner, api_version) == 0)
            continue;
        size_t at = n < max ? n++ : max;
        if (at == max)
            break;
        while (at > 0 && apimodel_version_rank_cmp(out[at - 1]->owner, r->owner) > 0) {
            out[at] = out[at - 1];
            at--;
        }
        out[at] = r;
    }
    return n;
}

/* ---- diff ---- */

static bool same_types(const char *a, const char *b);

static bool differs(const am_rec *o, const am_rec *n)
{
    switch (o->type) {
    case AM_KIND: return strcmp(o->value, n->value) != 0 || (o->extra[0] != 0) != (n->extra[0] != 0);
    case AM_FUNCTION: return strcmp(o->value, n->value) != 0 || !same_types(o->extra, n->extra);
    case AM_MEMBER:
    case AM_VARIABLE:
    case AM_MACRO: return strcmp(o->value, n->value) != 0;
    default: return false;
    }
}

/* The next parameter's type from "T a, U *b": the text before its name. */
static const char *next_param(const char *p, const char **type, size_t *len)
{
    const char *end = strstr(p, ", ");
    const char *stop = end ? end : p + strlen(p);
    const char *name = stop;
    while (name > p && (isalnum((unsigned char)name[-1]) || name[-1] == '_'))
        name--;
    *type = p;
    *len = (size_t)(name - p);
    while (*len && p[*len - 1] == ' ')
        (*len)--;
    return end ? end + 2 : NULL;
}

/* Parameter lists compared by type only: renaming a parameter breaks nothing. */
static bool same_types(const char *a, const char *b)
{
    while (a && b && *a && *b) {
        const char *ta, *tb;
        size_t la, lb;
        a = next_param(a, &ta, &la);
        b = next_param(b, &tb, &lb);
        if (la != lb || memcmp(ta, tb, la) != 0)
            return false;
    }
    return (!a || !*a) && (!b || !*b);
}

static void push(am_diff *d, size_t *cap, am_change c, const am_rec *o, const am_rec *n)
{
    if (d->n == *cap) {
        *cap = *cap ? *cap * 2 : 256;
        d->d = must(realloc(d->d, *cap * sizeof *d->d));
    }
    d->d[d->n++] = (am_delta){c, o, n};
    const am_rec *r = o ? o : n;
    if (c == AM_REMOVED || (c == AM_CHANGED && r->type != AM_MACRO)) /* a macro's value is not its API */
        d->incompatible++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* apiVersions that have kinds in a but none in b. */
static const char **only_in(const apimodel *a, const apimodel *b, size_t *n)
{
    const char **out = NULL;
    size_t cap = 0;
    *n = 0;
    for (size_t i = 0; i < a->n; i++) {
        const am_rec *r = &a->recs[i];
        if (r->type != AM_KIND || (*n && strcmp(out[*n - 1], r->owner) == 0))
            continue;
        bool seen = false;
        for (size_t k = 0; k < *n && !seen; k++)
            seen = strcmp(out[k], r->owner) == 0;
        for (size_t j = 0; j < b->n && !seen; j++)
            seen = b->recs[j].type == AM_KIND && strcmp(b->recs[j].owner, r->owner) == 0;
        if (seen)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            out = must(realloc(out, cap * sizeof *out));
        }
        out[(*n)++] = r->owner;
    }
    if (*n)
        qsort(out, *n, sizeof *out, cmp_str);
    return out;
}

am_diff *apimodel_diff(const apimodel *old, const apimodel *new_)
{
    am_diff *d = must(calloc(1, sizeof *d));
    d->old = old;
    d->new_ = new_;
    size_t cap = 0, i = 0, j = 0;
    while (i < old->n || j < new_->n) {
        const am_rec *o = i < old->n ? &old->recs[i] : NULL, *n = j < new_->n ? &new_->recs[j] : NULL;
        int c = !o ? 1 : !n ? -1 : cmp_key(o->type, o->owner, o->name, n->type, n->owner, n->name);
        if (c < 0) {
            push(d, &cap, AM_REMOVED, o, NULL);
            i++;
        } else if (c > 0) {
            push(d, &cap, AM_ADDED, NULL, n);
            j++;
        } else {
            if (differs(o, n))
                push(d, &cap, AM_CHANGED, o, n);
            else if (n->deprecated[0] && !o->deprecated[0])
                push(d, &cap, AM_DEPRECATED, o, n);
            i++;
            j++;
        }
    }
    d->gv_removed = only_in(old, new_, &d->ngv_removed);
    d->gv_added = only_in(new_, old, &d->ngv_added);
    return d;
}

void apimodel_diff_free(am_diff *d)
{
    if (!d)
        return;
    free(d->d);
    free(d->gv_removed);
    free(d->gv_added);
    free(d);
}

/* ---- reports ---- */

static const char *const change_names[] = {"removed", "added", "changed", "deprecated"};

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static const char *signature(const am_rec *r, char *buf, size_t len)
{
    snprintf(buf, len, "%s %s(%s)", r->value, r->name, r->extra);
    return buf;
}

/* The one-line C shape of a record: "char *", "k8s_code f(...)". */
static const char *shape(const am_rec *r, char *buf, size_t len)
{
    switch (r->type) {
    case AM_FUNCTION: return signature(r, buf, len);
    case AM_KIND: snprintf(buf, len, "%s%s", r->value, r->extra[0] ? "" : " (no API calls)"); return buf;
    default: return r->value;
    }
}

static void json_rec(FILE *f, const am_rec *r, const apimodel *in)
{
    char buf[2048];
    fprintf(f, "{\"package\": ");
    json_str(f, r->pkg);
    if (r->type == AM_KIND) {
        fprintf(f, ", \"apiVersion\": ");
        json_str(f, r->owner);
        fprintf(f, ", \"kind\": ");
        json_str(f, r->name);
        fprintf(f, ", \"type\": ");
        json_str(f, r->value);
        fprintf(f, ", \"served\": %s", r->extra[0] ? "true" : "false");
    } else {
        if (r->type == AM_MEMBER) {
            fprintf(f, ", \"struct\": ");
            json_str(f, r->owner);
        }
        fprintf(f, ", \"name\": ");
        json_str(f, r->name);
        if (r->type != AM_STRUCT) {
            fprintf(f, ", \"%s\": ", r->type == AM_FUNCTION ? "signature" : r->type == AM_MACRO ? "value" : "type");
            json_str(f, shape(r, buf, sizeof buf));
        }
    }
    if (r->deprecated[0]) {
        fprintf(f, ", \"deprecated\": ");
        json_str(f, r->deprecated);
    }
    (void)in;
    fputc('}', f);
}

static void json_report(const am_diff *d, FILE *f)
{
    fprintf(f, "{\n  \"schema\": \"k8s-apidiff/v1\",\n  \"from\": ");
    json_str(f, d->old->version);
    fprintf(f, ",\n  \"to\": ");
    json_str(f, d->new_->version);
    fprintf(f, ",\n  \"incompatible\": %zu,\n  \"groupVersions\": {\"removed\": [", d->incompatible);
    for (size_t i = 0; i < d->ngv_removed; i++) {
        fputs(i ? ", " : "", f);
        json_str(f, d->gv_removed[i]);
    }
    fputs("], \"added\": [", f);
    for (size_t i = 0; i < d->ngv_added; i++) {
        fputs(i ? ", " : "", f);
        json_str(f, d->gv_added[i]);
    }
    fputs("]},\n  \"changes\": [", f);
    for (size_t i = 0; i < d->n; i++) {
        const am_delta *x = &d->d[i];
        const am_rec *r = x->new_ && x->change != AM_DEPRECATED ? x->new_ : x->old;
        if (x->change == AM_DEPRECATED)
            r = x->new_;
        fprintf(f, "%s\n    {\"change\": \"%s\", \"what\": \"%s\", ", i ? "," : "", change_names[x->change],
                type_names[r->type]);
        if (x->change == AM_CHANGED) {
            fputs("\"old\": ", f);
            json_rec(f, x->old, d->old);
            fputs(", \"new\": ", f);
            json_rec(f, x->new_, d->new_);
        } else {
            fputs("\"item\": ", f);
            json_rec(f, r, x->old && x->change == AM_REMOVED ? d->old : d->new_);
        }
        if (x->change == AM_REMOVED && r->type == AM_KIND) {
            const am_rec *serving[16];
            size_t ns = apimodel_successors(d->new_, r->owner, r->name, false, serving, 16);
            fputs(", \"successors\": [", f);
            for (size_t k = 0; k < ns; k++) {
                fputs(k ? ", " : "", f);
                json_str(f, serving[k]->owner);
            }
            fputc(']', f);
        }
        fputc('}', f);
    }
    fputs("\n  ]\n}\n", f);
}

/* Text and markdown: grouped by C package; a member's has_x/x_len
 * companions are folded into x, and arrays read "T[]". */

/* The struct whose functions and variables the name belongs to: the longest
 * struct name that is a prefix of it followed by '_' (k8s_apps_v1_deployment
 * for k8s_apps_v1_deployment_scale_get and k8s_apps_v1_deployment_desc). */
const char *apimodel_owner_struct(const apimodel *m, const char *name)
{
    const char *best = NULL;
    size_t blen = 0;
    for (size_t i = 0; i < m->n; i++) {
        const am_rec *r = &m->recs[i];
        size_t n = strlen(r->name);
        if (r->type == AM_STRUCT && n > blen && strncmp(name, r->name, n) == 0 && name[n] == '_') {
            best = r->name;
            blen = n;
        }
    }
    return best;
}

/* Lines the readable reports fold into another: the members, functions and
 * variables of a struct that came or went whole, and a member's has_x/x_len
 * companions. */
static bool folded(const am_diff *d, size_t i)
{
    const am_delta *x = &d->d[i];
    const am_rec *r = x->old ? x->old : x->new_;
    if ((r->type == AM_FUNCTION || r->type == AM_VARIABLE) && (x->change == AM_REMOVED || x->change == AM_ADDED)) {
        const char *owner = apimodel_owner_struct(x->old ? d->old : d->new_, r->name);
        return owner && !apimodel_find(x->old ? d->new_ : d->old, AM_STRUCT, "", owner);
    }
    if (r->type != AM_MEMBER)
        return false;
    if ((x->change == AM_REMOVED || x->change == AM_ADDED) &&
        !apimodel_find(x->change == AM_REMOVED ? d->new_ : d->old, AM_STRUCT, "", r->owner))
        return true;
    const char *base = NULL;
    size_t blen = 0;
    size_t nlen = strlen(r->name);
    if (strncmp(r->name, "has_", 4) == 0) {
        base = r->name + 4;
        blen = nlen - 4;
    } else if (nlen > 4 && strcmp(r->name + nlen - 4, "_len") == 0) {
        base = r->name;
        blen = nlen - 4;
    } else {
        return false;
    }
    for (size_t k = 0; k < d->n; k++) {
        const am_rec *s = d->d[k].old ? d->d[k].old : d->d[k].new_;
        if (k != i && d->d[k].change == x->change && s->type == AM_MEMBER && strcmp(s->owner, r->owner) == 0 &&
            strlen(s->name) == blen && strncmp(s->name, base, blen) == 0)
            return true;
    }
    return false;
}

/* "k8s_core_v1_container *" with a containers_len beside it -> "k8s_core_v1_container[]" */
static const char *field_type(const apimodel *m, const am_rec *r, char *buf, size_t len)
{
    char lname[512];
    snprintf(lname, sizeof lname, "%s_len", r->name);
    size_t n = strlen(r->value);
    if (!apimodel_find(m, AM_MEMBER, r->owner, lname) || n < 2 || r->value[n - 1] != '*')
        return r->value;
    while (n && (r->value[n - 1] == '*' || r->value[n - 1] == ' '))
        n--;
    size_t stars = 0;
    for (const char *p = r->value + n; *p; p++)
        stars += *p == '*';
    snprintf(buf, len, "%.*s%s[]", (int)n, r->value, stars > 1 ? " *" : "");
    return buf;
}

static void line_for(const am_diff *d, const am_delta *x, bool md, FILE *f)
{
    const am_rec *r = x->old ? x->old : x->new_;
    const apimodel *in = x->change == AM_ADDED ? d->new_ : d->old;
    char a[2048], b[2048];
    const char *q = md ? "`" : "";
    static const char *const sign[] = {"-", "+", "~", "!"};
    fprintf(f, "%s %s ", md ? "-" : "  ", md ? change_names[x->change] : sign[x->change]);
    switch (r->type) {
    case AM_KIND:
        fprintf(f, "kind %s%s %s%s (%s%s%s)", q, r->owner, r->name, q, q, r->value, q);
        if (x->change == AM_REMOVED) {
            const am_rec *serving[16];
            size_t ns = apimodel_successors(d->new_, r->owner, r->name, false, serving, 16);
            if (ns) {
                fprintf(f, ": in %s, ", d->new_->version);
                for (size_t k = 0; k < ns; k++)
                    fprintf(f, "%s%s%s%s", k ? ", " : "", q, serving[k]->owner, q);
                fprintf(f, " %s it", ns > 1 ? "have" : "has");
            } else {
                fprintf(f, ": no other version of its group has %s%s%s in %s", q, r->name, q, d->new_->version);
            }
        } else if (x->change == AM_CHANGED) {
            fprintf(f, ": %s%s%s -> %s%s%s", q, shape(x->old, a, sizeof a), q, q, shape(x->new_, b, sizeof b), q);
        }
        break;
    case AM_MEMBER:
        fprintf(f, "field %s%s.%s%s", q, r->owner, r->name, q);
        if (x->change == AM_CHANGED)
            fprintf(f, ": %s%s%s -> %s%s%s", q, field_type(d->old, x->old, a, sizeof a), q, q,
                    field_type(d->new_, x->new_, b, sizeof b), q);
        else
            fprintf(f, ": %s%s%s", q, field_type(in, r, a, sizeof a), q);
        break;
    case AM_FUNCTION:
        if (x->change == AM_CHANGED)
            fprintf(f, "function %s%s%s: %s%s%s -> %s%s%s", q, r->name, q, q, signature(x->old, a, sizeof a), q, q,
                    signature(x->new_, b, sizeof b), q);
        else
            fprintf(f, "function %s%s%s", q, r->name, q);
        break;
    case AM_STRUCT:
        fprintf(f, "struct %s%s%s", q, r->name, q);
        if (x->change != AM_DEPRECATED) {
            size_t members = 0, functions = 0;
            for (size_t i = 0; i < in->n; i++) {
                const am_rec *s = &in->recs[i];
                members += s->type == AM_MEMBER && strcmp(s->owner, r->name) == 0;
                functions += s->type == AM_FUNCTION && strncmp(s->name, r->name, strlen(r->name)) == 0 &&
                             apimodel_owner_struct(in, s->name) == r->name;
            }
            fprintf(f, " (%zu members", members);
            if (functions)
                fprintf(f, ", %zu functions", functions);
            fputc(')', f);
        }
        break;
    default:
        fprintf(f, "%s %s%s%s", type_names[r->type], q, r->name, q);
        if (x->change == AM_CHANGED)
            fprintf(f, ": %s%s%s -> %s%s%s", q, x->old->value, q, q, x->new_->value, q);
        break;
    }
    if (x->change == AM_DEPRECATED)
        fprintf(f, ": \"%s\"", x->new_->deprecated);
    fputc('\n', f);
}

/* True when every record of package pkg in a is missing from b: the
 * package came or went as a whole. */
static bool whole_package(const apimodel *a, const apimodel *b, const char *pkg)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->recs[i].type != AM_KIND && strcmp(b->recs[i].pkg, pkg) == 0)
            return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->recs[i].type != AM_KIND && strcmp(a->recs[i].pkg, pkg) == 0)
            return true;
    return false;
}

static int cmp_delta_pkg(const void *a, const void *b)
{
    const am_delta *x = a, *y = b;
    const am_rec *rx = x->old ? x->old : x->new_, *ry = y->old ? y->old : y->new_;
    int c = strcmp(rx->pkg, ry->pkg);
    if (c)
        return c;
    if (rx->type != ry->type)
        return rx->type < ry->type ? -1 : 1;
    if (x->change != y->change)
        return x->change < y->change ? -1 : 1;
    c = strcmp(rx->owner, ry->owner);
    return c ? c : strcmp(rx->name, ry->name);
}

static void count_line(const am_delta *list, size_t n, FILE *f)
{
    size_t counts[AM_NTYPES] = {0};
    for (size_t i = 0; i < n; i++) {
        const am_rec *r = list[i].old ? list[i].old : list[i].new_;
        counts[r->type]++;
    }
    static const char *const plural[AM_NTYPES] = {"kinds", "structs", "members", "functions", "variables", "macros"};
    bool first = true;
    for (int t = 0; t < AM_NTYPES; t++)
        if (counts[t]) {
            fprintf(f, "%s%zu %s", first ? "" : ", ", counts[t], plural[t]);
            first = false;
        }
}

static void summary(const am_diff *d, FILE *f)
{
    size_t c[AM_NTYPES][4] = {{0}};
    for (size_t i = 0; i < d->n; i++) {
        const am_rec *r = d->d[i].old ? d->d[i].old : d->d[i].new_;
        if (r->type == AM_FUNCTION || r->type == AM_VARIABLE || !folded(d, i))
            c[r->type][d->d[i].change]++;
    }
    fprintf(f, "%zu group-versions removed, %zu added; kinds: %zu removed, %zu added; functions: %zu removed, %zu added, "
               "%zu changed; structs: %zu removed, %zu added; fields: %zu removed, %zu added, %zu changed type, "
               "%zu deprecated; %zu incompatible changes\n",
            d->ngv_removed, d->ngv_added, c[AM_KIND][AM_REMOVED], c[AM_KIND][AM_ADDED], c[AM_FUNCTION][AM_REMOVED],
            c[AM_FUNCTION][AM_ADDED], c[AM_FUNCTION][AM_CHANGED], c[AM_STRUCT][AM_REMOVED], c[AM_STRUCT][AM_ADDED],
            c[AM_MEMBER][AM_REMOVED], c[AM_MEMBER][AM_ADDED], c[AM_MEMBER][AM_CHANGED],
            c[AM_MEMBER][AM_DEPRECATED] + c[AM_STRUCT][AM_DEPRECATED], d->incompatible);
}

static void readable_report(const am_diff *d, bool md, int heading, FILE *f)
{
    char h1[8] = "", h2[8] = "";
    if (md) {
        memset(h1, '#', (size_t)heading);
        memset(h2, '#', (size_t)heading + 1);
    }
    if (md)
        fprintf(f, "%s C API changes from Kubernetes %s to %s\n\n", h1, d->old->version, d->new_->version);
    else
        fprintf(f, "C API changes from Kubernetes %s to %s\n\n", d->old->version, d->new_->version);
    fputs(md ? "" : "Summary: ", f);
    summary(d, f);
    for (int k = 0; k < 2; k++) {
        const char **gv = k ? d->gv_added : d->gv_removed;
        size_t n = k ? d->ngv_added : d->ngv_removed;
        if (!n)
            continue;
        fprintf(f, "\n%s%sGroup-versions %s: ", md ? "" : "", md ? "" : "", k ? "added" : "removed");
        for (size_t i = 0; i < n; i++)
            fprintf(f, "%s%s%s%s", i ? ", " : "", md ? "`" : "", gv[i], md ? "`" : "");
        fputc('\n', f);
    }
    am_delta *sorted = must(malloc((d->n + 1) * sizeof *sorted));
    if (d->n)
        memcpy(sorted, d->d, d->n * sizeof *sorted);
    /* companions dropped before sorting */
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++)
        if (!folded(d, i))
            sorted[n++] = d->d[i];
    qsort(sorted, n, sizeof *sorted, cmp_delta_pkg);
    for (size_t i = 0; i < n;) {
        const am_rec *r = sorted[i].old ? sorted[i].old : sorted[i].new_;
        size_t end = i;
        while (end < n) {
            const am_rec *s = sorted[end].old ? sorted[end].old : sorted[end].new_;
            if (strcmp(s->pkg, r->pkg) != 0)
                break;
            end++;
        }
        fprintf(f, md ? "\n%s %s\n\n" : "\n%s== %s\n", h2, r->pkg);
        bool gone = whole_package(d->old, d->new_, r->pkg), came = whole_package(d->new_, d->old, r->pkg);
        for (size_t k = i; k < end; k++) {
            const am_rec *s = sorted[k].old ? sorted[k].old : sorted[k].new_;
            if ((gone || came) && s->type != AM_KIND)
                continue;
            line_for(d, &sorted[k], md, f);
        }
        if (gone || came) {
            fprintf(f, "%s %s with the whole package: ", md ? "-" : "  ", gone ? "removed" : "added");
            size_t from = i;
            while (from < end && (sorted[from].old ? sorted[from].old : sorted[from].new_)->type == AM_KIND)
                from++;
            count_line(sorted + from, end - from, f);
            fputc('\n', f);
        }
        i = end;
    }
    free(sorted);
}

bool apimodel_report(const am_diff *d, am_format format, int heading, FILE *f)
{
    if (format == AM_JSON)
        json_report(d, f);
    else
        readable_report(d, format == AM_MARKDOWN, heading < 1 ? 1 : heading > 5 ? 5 : heading, f);
    return !ferror(f);
}
