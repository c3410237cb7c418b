/* k8sc check --to X.Y FILES|DIRS|-: what in a set of manifests breaks when
 * the cluster moves to Kubernetes X.Y, from what the pinned specs say of
 * each version (compiled in by k8sgen --knowledge):
 *
 *   - apiVersion/kind pairs that X.Y no longer serves (and the versions of
 *     the group that serve the kind there), or does not serve yet;
 *   - fields X.Y does not know, at any depth, which its API server would
 *     drop, and which version removed them;
 *   - what the spec marks deprecated (kinds and fields: the notices in its
 *     descriptions), and pairs that a later pinned version removes.
 *
 * Each document is read as JSON (a YAML stream is converted by the runtime,
 * which maps offsets back to YAML lines), tokenized by jsmn, and walked
 * against the schema of its kind in every pinned version at once, so an
 * unknown field can be told apart from one a version removed. */
#define _POSIX_C_SOURCE 200809L /* scandir, strdup */
#include "k8sc_check.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "k8s/arena.h"
#include "k8s/buf.h"
#include "k8s/codec.h"
#include "k8s/yaml.h"

enum { EXIT_DEPRECATED = 2, EXIT_BAD_INPUT = 2, EXIT_REMOVED = 3 };
enum { MAX_VERSIONS = 32, MAX_DEPTH = 128, INPUT_LIMIT = 1 << 30 };

static void usage(FILE *f)
{
    fputs("usage: k8sc check [--to X.Y] FILE|DIR|-...\n"
          "\n"
          "Reports what in the manifests (JSON or YAML, several documents a file;\n"
          "folders are read recursively for .yaml, .yml and .json; - is standard\n"
          "input) breaks on Kubernetes X.Y (default: the newest pinned version):\n"
          "  apiVersion/kind pairs X.Y does not serve, with the versions of the group\n"
          "  that serve the kind there; fields X.Y does not know at any depth (its API\n"
          "  server would drop them), and which version removed them; what the spec\n"
          "  marks deprecated (kinds and fields), and pairs a later pinned version\n"
          "  removes. Kinds of API groups no pinned version has (custom resources)\n"
          "  are noted, not checked. Kubernetes' OpenAPI spec does not mark whole\n"
          "  apiVersions deprecated: that only the API server says, at run time.\n"
          "\n"
          "Each problem is printed as FILE:LINE:COLUMN: PATH: MESSAGE (warnings and\n"
          "notes with \"warning: \" and \"note: \" before PATH), with the document\n"
          "number in files of several, then a summary. Exit status: 0 clean, 2 only\n"
          "warnings, 3 errors (removed or unknown); bad input (a file that cannot be\n"
          "read or parsed, a version that is not pinned) is one line and 2.\n",
          f);
}

/* ---- what the pinned versions hold (generator/knowledge.c) ---- */

typedef struct ktype ktype;

enum { SHAPE_LEAF, SHAPE_OBJECT, SHAPE_UNION };

/* A value: a map holds values of the rest of the shape, an array elements. */
typedef struct kshape {
    uint8_t kind; /* SHAPE_* */
    bool map, array;
    const ktype *ref; /* OBJECT, UNION */
} kshape;

typedef struct kfield {
    const char *name;
    kshape shape;
    const char *ref_def; /* while loading */
    const char *deprecated; /* the spec's notice, or "" */
} kfield;

struct ktype {
    const char *def;
    bool open, is_union; /* open: x-kubernetes-preserve-unknown-fields */
    const char *deprecated;
    kfield *fields; /* objects: by name; unions: members in order */
    size_t nfields;
};

typedef struct kkind {
    const char *api_version, *kind;
    const char *def; /* of its type, while loading */
    const ktype *type;
    bool served; /* a REST resource has it */
} kkind;

typedef struct kversion {
    const char *name;
    kkind *kinds; /* by group, most stable version first */
    size_t nkinds;
    ktype *types; /* by definition */
    size_t ntypes;
    kfield *fields;
    size_t nfields;
} kversion;

typedef struct knowledge {
    char *text; /* a writable copy that the records point into */
    kversion v[MAX_VERSIONS];
    size_t n;
} knowledge;

static size_t split_tabs(char *line, char **cols, size_t max)
{
    size_t n = 0;
    for (char *p = line; n < max;) {
        cols[n++] = p;
        p = strchr(p, '\t');
        if (!p)
            break;
        *p++ = '\0';
    }
    return n;
}

static int cmp_type_def(const void *key, const void *t)
{
    return strcmp(key, ((const ktype *)t)->def);
}

static bool parse_shape(char *text, kfield *f)
{
    f->shape.map = strncmp(text, "map:", 4) == 0;
    if (f->shape.map)
        text += 4;
    size_t n = strlen(text);
    f->shape.array = n > 2 && strcmp(text + n - 2, "[]") == 0;
    if (f->shape.array)
        text[n - 2] = '\0';
    f->shape.kind = strcmp(text, "object") == 0 ? SHAPE_OBJECT : strcmp(text, "union") == 0 ? SHAPE_UNION : SHAPE_LEAF;
    return (f->shape.kind == SHAPE_LEAF) == (f->ref_def[0] == '\0');
}

/* Counts the records of a version up to the next one, so its arrays are
 * allocated once. */
static void count_records(const char *text, size_t *kinds, size_t *types, size_t *fields)
{
    for (const char *p = text; p && strncmp(p, "version\t", 8) != 0; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        *kinds += strncmp(p, "kind\t", 5) == 0;
        *types += strncmp(p, "type\t", 5) == 0;
        *fields += strncmp(p, "field\t", 6) == 0;
    }
}

/* Resolves the references of the version just read. */
static bool link_version(kversion *v)
{
    for (size_t i = 0; i < v->nfields; i++) {
        kfield *f = &v->fields[i];
        if (f->shape.kind != SHAPE_LEAF &&
            !(f->shape.ref = bsearch(f->ref_def, v->types, v->ntypes, sizeof *v->types, cmp_type_def)))
            return false;
    }
    for (size_t i = 0; i < v->nkinds; i++)
        if (!(v->kinds[i].type = bsearch(v->kinds[i].def, v->types, v->ntypes, sizeof *v->types, cmp_type_def)))
            return false;
    return true;
}

/* Reads the compiled-in text; false with the line that is wrong. */
static bool knowledge_load(knowledge *k, char *err, size_t errlen)
{
    memset(k, 0, sizeof *k);
    *err = '\0';
    k->text = strdup(k8sc_knowledge);
    if (!k->text) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    kversion *v = NULL;
    size_t lineno = 0;
    bool ok = true;
    for (char *line = k->text, *next; ok && line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        char *c[6] = {0}; /* split_tabs sets the first n */
        size_t n = split_tabs(line, c, 6);
        if (strcmp(c[0], "k8s-c knowledge 1") == 0 && n == 1)
            continue;
        if (strcmp(c[0], "version") == 0 && n == 3) {
            if (v && !(ok = link_version(v)))
                break;
            if (k->n == MAX_VERSIONS) {
                snprintf(err, errlen, "k8sc knows more than %d Kubernetes versions", MAX_VERSIONS);
                ok = false;
                break;
            }
            v = &k->v[k->n++];
            v->name = c[1];
            size_t kinds = 0, types = 0, fields = 0;
            if (next)
                count_records(next, &kinds, &types, &fields);
            v->kinds = calloc(kinds + 1, sizeof *v->kinds);
            v->types = calloc(types + 1, sizeof *v->types);
            v->fields = calloc(fields + 1, sizeof *v->fields);
            ok = v->kinds && v->types && v->fields;
        } else if (v && strcmp(c[0], "kind") == 0 && n == 5) {
            /* the type is looked up by definition once all are read */
            v->kinds[v->nkinds++] = (kkind){c[1], c[2], c[3], NULL, strcmp(c[4], "served") == 0};
        } else if (v && strcmp(c[0], "type") == 0 && n == 4) {
            v->types[v->ntypes++] = (ktype){c[1], strcmp(c[2], "open") == 0, strcmp(c[2], "union") == 0, c[3],
                                            v->fields + v->nfields, 0};
        } else if (v && v->ntypes && strcmp(c[0], "field") == 0 && n == 5) {
            kfield *f = &v->fields[v->nfields++];
            *f = (kfield){.name = c[1], .ref_def = c[3], .deprecated = c[4]};
            ok = parse_shape(c[2], f);
            v->types[v->ntypes - 1].nfields++;
        } else {
            ok = false;
        }
    }
    if (ok && v)
        ok = link_version(v);
    if ((!ok || !k->n) && !*err)
        snprintf(err, errlen, "the knowledge compiled into k8sc is malformed (line %zu)", lineno);
    return ok && k->n;
}

static void knowledge_free(knowledge *k)
{
    for (size_t i = 0; i < k->n; i++) {
        free(k->v[i].kinds);
        free(k->v[i].types);
        free(k->v[i].fields);
    }
    free(k->text);
}

static const kkind *find_kind(const kversion *v, const char *api_version, const char *kind)
{
    for (size_t i = 0; i < v->nkinds; i++)
        if (strcmp(v->kinds[i].kind, kind) == 0 && strcmp(v->kinds[i].api_version, api_version) == 0)
            return &v->kinds[i];
    return NULL;
}

/* A key of the document: in its JSON text when it has no escapes. */
typedef struct str {
    const char *p;
    size_t n;
} str;

/* Ordered as strcmp orders the names (bytes, a prefix first). */
static int cmp_field_name(const void *key, const void *f)
{
    const str *k = key;
    const char *name = ((const kfield *)f)->name;
    size_t n = strlen(name);
    int c = memcmp(k->p, name, k->n < n ? k->n : n);
    return c ? c : (k->n > n) - (k->n < n);
}

static const kfield *find_field(const ktype *t, str name)
{
    return t && !t->is_union ? bsearch(&name, t->fields, t->nfields, sizeof *t->fields, cmp_field_name) : NULL;
}

/* "resource.k8s.io" of "resource.k8s.io/v1alpha3"; "" (core) of "v1" */
static size_t group_len(const char *api_version)
{
    const char *slash = strrchr(api_version, '/');
    return slash ? (size_t)(slash - api_version) : 0;
}

static bool same_group(const char *a, const char *b)
{
    size_t n = group_len(a);
    return n == group_len(b) && strncmp(a, b, n) == 0;
}

/* ---- findings ---- */

enum { SEV_ERROR, SEV_WARNING, SEV_NOTE };

typedef struct finding {
    size_t file, doc;
    unsigned line, column;
    int severity;
    const char *path, *message;
} finding;

typedef struct input {
    const char *name;
    size_t docs;
} input;

/* One step of a JSON path, kept on the C stack while descending. */
typedef struct seg {
    const struct seg *up;
    str name; /* name.p NULL: an array index */
    size_t index;
} seg;

typedef struct check {
    knowledge k;
    size_t target; /* index in k.v */
    k8s_arena *arena; /* file names, paths, messages */
    finding *f;
    size_t nf, capf;
    input *in;
    size_t nin, capin;
    size_t counts[3], objects;
    char bad[800]; /* the bad input that stops the run */
    /* the document being checked */
    size_t file, doc;
    const char *json;
    size_t len;
    const k8s_yaml_reader *stream; /* NULL: json is the file itself */
    jsmntok_t *tok;
    int ntok;
    k8s_buf key; /* a key without its escapes */
} check;

static bool grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 64;
    void *np = realloc(*p, ncap * size);
    if (!np)
        return false;
    *p = np;
    *cap = ncap;
    return true;
}

__attribute__((format(printf, 2, 3))) static const char *arena_printf(k8s_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *out = n >= 0 ? k8s_arena_alloc(a, (size_t)n + 1) : NULL;
    if (!out)
        return "(out of memory)";
    va_start(ap, fmt);
    vsnprintf(out, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return out;
}

static bool plain_key(str k)
{
    for (size_t i = 0; i < k.n; i++) {
        char ch = k.p[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
              ch == '-' || ch == '$'))
            return false;
    }
    return k.n > 0;
}

/* The path root first, as the codec writes paths: spec.containers[2].name,
 * metadata.labels["app.kubernetes.io/name"]. */
static void format_path(const seg *s, k8s_buf *out)
{
    if (!s)
        return;
    format_path(s->up, out);
    char tmp[48];
    if (!s->name.p) {
        snprintf(tmp, sizeof tmp, "[%zu]", s->index);
        k8s_buf_append(out, tmp, strlen(tmp));
    } else if (plain_key(s->name)) {
        if (s->up)
            k8s_buf_append(out, ".", 1);
        k8s_buf_append(out, s->name.p, s->name.n);
    } else {
        k8s_buf_append(out, "[\"", 2);
        k8s_buf_append(out, s->name.p, s->name.n);
        k8s_buf_append(out, "\"]", 2);
    }
}

/* Line and column of a byte of the document's JSON, in the file. */
static void locate(const check *c, size_t offset, unsigned *line, unsigned *column)
{
    if (c->stream) {
        k8s_error e = {.offset = offset, .line = 1, .column = 1};
        k8s_yaml_reader_locate(c->stream, &e);
        *line = e.line;
        *column = e.column;
        return;
    }
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < offset && i < c->len; i++) {
        if (c->json[i] == '\n') {
            ++*line;
            *column = 1;
        } else {
            ++*column;
        }
    }
}

/* Where a token starts: a string's opening quote. */
static size_t token_offset(const check *c, int t)
{
    return (size_t)c->tok[t].start - (c->tok[t].type == JSMN_STRING);
}

__attribute__((format(printf, 5, 6))) static void report(check *c, int severity, int at, const seg *path,
                                                         const char *fmt, ...)
{
    if (!grow((void **)&c->f, &c->capf, c->nf, sizeof *c->f)) {
        snprintf(c->bad, sizeof c->bad, "out of memory");
        return;
    }
    finding *f = &c->f[c->nf++];
    f->file = c->file;
    f->doc = c->doc;
    f->severity = severity;
    locate(c, token_offset(c, at), &f->line, &f->column);
    k8s_buf p = K8S_BUF_INIT;
    format_path(path, &p);
    f->path = arena_printf(c->arena, "%.*s", (int)p.len, p.data ? p.data : "");
    k8s_buf_free(&p);
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    f->message = arena_printf(c->arena, "%s", msg);
    c->counts[severity]++;
}

/* ---- walking a document against the schemas ---- */

/* The token after the value at t and everything inside it. */
static int skip(const check *c, int t)
{
    int end = c->tok[t].end, i = t + 1;
    while (i < c->ntok && c->tok[i].start < end)
        i++;
    return i;
}

static void put_utf8(k8s_buf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12);
        u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18);
        u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    k8s_buf_append(b, u, n);
}

/* The text of a string token, escapes resolved (the JSON is known to be
 * valid): in the document when it has none, else in the arena. */
static str string_at(check *c, int t)
{
    const char *s = c->json + c->tok[t].start, *e = c->json + c->tok[t].end;
    if (!memchr(s, '\\', (size_t)(e - s)))
        return (str){s, (size_t)(e - s)};
    c->key.len = 0;
    while (s < e) {
        if (*s != '\\') {
            const char *q = memchr(s, '\\', (size_t)(e - s));
            size_t n = q ? (size_t)(q - s) : (size_t)(e - s);
            k8s_buf_append(&c->key, s, n);
            s += n;
            continue;
        }
        char ch = s[1];
        s += 2;
        if (ch != 'u') {
            const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
            const char *p = strchr(from, ch);
            k8s_buf_append(&c->key, p ? &to[p - from] : &ch, 1);
            continue;
        }
        unsigned cp = (unsigned)strtoul((char[5]){s[0], s[1], s[2], s[3], 0}, NULL, 16);
        s += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && e - s >= 6 && s[0] == '\\' && s[1] == 'u') {
            unsigned lo = (unsigned)strtoul((char[5]){s[2], s[3], s[4], s[5], 0}, NULL, 16);
            if (lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                s += 6;
            }
        }
        put_utf8(&c->key, cp);
    }
    char *copy = k8s_arena_alloc(c->arena, c->key.len + 1);
    if (!copy)
        return (str){"", 0};
    memcpy(copy, c->key.data, c->key.len);
    return (str){copy, c->key.len};
}

/* A string token as a C string (apiVersion, kind). */
static const char *cstring_at(check *c, int t)
{
    str s = string_at(c, t);
    return arena_printf(c->arena, "%.*s", (int)s.n, s.p);
}

static bool is_string(const check *c, int t, const char *s)
{
    size_t n = strlen(s);
    return c->tok[t].type == JSMN_STRING && (size_t)(c->tok[t].end - c->tok[t].start) == n &&
           memcmp(c->json + c->tok[t].start, s, n) == 0;
}

/* s[v]: the shape version v gives the value at token t (NULL: v has no
 * such place); types[v] likewise for objects. */
static int walk_value(check *c, int t, const kshape *const *s, const seg *path, int depth);

/* Which other versions know a field the target lacks, as a message. */
static const char *unknown_field_message(check *c, const ktype *const *types, str name)
{
    const kversion *v = c->k.v;
    const char *to = v[c->target].name;
    for (size_t i = c->target; i-- > 0;)
        if (find_field(types[i], name))
            return arena_printf(c->arena, "removed in %s (%s has it); %s would drop the field", v[i + 1].name,
                                v[i].name, to);
    for (size_t i = c->target + 1; i < c->k.n; i++)
        if (find_field(types[i], name))
            return arena_printf(c->arena, "not known to %s (new in %s); %s would drop the field", to, v[i].name, to);
    return arena_printf(c->arena, "unknown field (no pinned version, %s to %s, has it); %s would drop it",
                        v[0].name, v[c->k.n - 1].name, to);
}

static int walk_object(check *c, int t, const ktype *const *types, const seg *path, int depth)
{
    const ktype *target = types[c->target];
    int size = c->tok[t].size, i = t + 1;
    for (int k = 0; k < size && i + 1 < c->ntok; k++) {
        str name = string_at(c, i);
        seg here = {path, name, 0};
        const kfield *f = find_field(target, name);
        if (!f) {
            if (!target->open)
                report(c, SEV_ERROR, i, &here, "%s", unknown_field_message(c, types, name));
            i = skip(c, i + 1);
            continue;
        }
        if (f->deprecated[0])
            report(c, SEV_WARNING, i, &here, "deprecated in %s: %s", c->k.v[c->target].name, f->deprecated);
        const kshape *sub[MAX_VERSIONS];
        for (size_t v = 0; v < c->k.n; v++) {
            const kfield *fv = find_field(types[v], name);
            sub[v] = fv ? &fv->shape : NULL;
        }
        i = walk_value(c, i + 1, sub, &here, depth + 1);
    }
    return i;
}

/* The member of a union that takes a JSON value of token type: the first
 * whose kind fits (as the codec decodes them). */
static const kshape *union_member(const ktype *u, jsmntype_t type)
{
    for (size_t i = 0; i < u->nfields; i++) {
        const kshape *m = &u->fields[i].shape;
        bool takes = m->array ? type == JSMN_ARRAY : type == JSMN_OBJECT && (m->map || m->kind != SHAPE_LEAF);
        if (takes)
            return m;
    }
    return NULL;
}

static int walk_value(check *c, int t, const kshape *const *s, const seg *path, int depth)
{
    const kshape *ts = s[c->target];
    jsmntype_t type = c->tok[t].type;
    if (ts && depth > MAX_DEPTH)
        report(c, SEV_NOTE, t, path, "not checked deeper than %d levels", MAX_DEPTH);
    if (!ts || depth > MAX_DEPTH)
        return skip(c, t);
    kshape inner[MAX_VERSIONS];
    const kshape *sub[MAX_VERSIONS];
    if (ts->map || ts->array) { /* the values or elements, one by one */
        bool map = ts->map;
        if (type != (map ? JSMN_OBJECT : JSMN_ARRAY))
            return skip(c, t);
        for (size_t v = 0; v < c->k.n; v++) {
            sub[v] = NULL;
            if (s[v] && (map ? s[v]->map : s[v]->array && !s[v]->map)) {
                inner[v] = *s[v];
                *(map ? &inner[v].map : &inner[v].array) = false;
                sub[v] = &inner[v];
            }
        }
        int size = c->tok[t].size, i = t + 1;
        for (int k = 0; k < size && i < c->ntok; k++) {
            seg here = {path, map ? string_at(c, i) : (str){NULL, 0}, (size_t)k};
            i = walk_value(c, map ? i + 1 : i, sub, &here, depth + 1);
        }
        return i;
    }
    if (ts->kind == SHAPE_UNION) { /* the member that takes this JSON type */
        for (size_t v = 0; v < c->k.n; v++)
            sub[v] = s[v] && s[v]->kind == SHAPE_UNION && !s[v]->map && !s[v]->array ? union_member(s[v]->ref, type)
                                                                                     : NULL;
        return sub[c->target] ? walk_value(c, t, sub, path, depth + 1) : skip(c, t);
    }
    if (ts->kind == SHAPE_OBJECT && type == JSMN_OBJECT) {
        const ktype *types[MAX_VERSIONS];
        for (size_t v = 0; v < c->k.n; v++)
            types[v] = s[v] && s[v]->kind == SHAPE_OBJECT && !s[v]->map && !s[v]->array ? s[v]->ref : NULL;
        return walk_object(c, t, types, path, depth);
    }
    return skip(c, t); /* a scalar, IntOrString, free-form JSON, or not what the schema says */
}

/* The apiVersions that serve kind in version vi, other than api_version,
 * in the same API group or (other_groups) in any other; ", " between them. */
static size_t serving(const kversion *v, const char *api_version, const char *kind, bool other_groups, k8s_buf *b)
{
    size_t n = 0;
    for (size_t i = 0; i < v->nkinds; i++) {
        const kkind *r = &v->kinds[i];
        if (!r->served || strcmp(r->kind, kind) != 0 || same_group(r->api_version, api_version) == other_groups ||
            strcmp(r->api_version, api_version) == 0)
            continue;
        if (n++)
            k8s_buf_append(b, ", ", 2);
        k8s_buf_append(b, r->api_version, strlen(r->api_version));
    }
    return n;
}

/* "resource.k8s.io/v1, resource.k8s.io/v1beta2 serve it in 1.36": where a
 * kind is in version vi, in its own group, else in others. */
static const char *replacements(check *c, size_t vi, const char *api_version, const char *kind)
{
    const kversion *v = &c->k.v[vi];
    k8s_buf b = K8S_BUF_INIT;
    size_t n = serving(v, api_version, kind, false, &b);
    const char *out;
    if (n) {
        out = arena_printf(c->arena, "%.*s serve%s it in %s", (int)b.len, b.data, n == 1 ? "s" : "", v->name);
    } else {
        size_t glen = group_len(api_version);
        n = serving(v, api_version, kind, true, &b);
        out = arena_printf(c->arena, "no version of %s%.*s serves %s in %s%s%.*s%s", glen ? "" : "the core group",
                           (int)glen, api_version, kind, v->name, n ? " (" : "", (int)b.len, n ? b.data : "",
                           n ? (n == 1 ? " serves a kind of that name)" : " serve a kind of that name)") : "");
    }
    k8s_buf_free(&b);
    return out;
}

/* Whether some pinned version has kinds in the API group of api_version. */
static bool known_group(const check *c, const char *api_version)
{
    for (size_t i = 0; i < c->k.n; i++)
        for (size_t k = 0; k < c->k.v[i].nkinds; k++)
            if (same_group(c->k.v[i].kinds[k].api_version, api_version))
                return true;
    return false;
}

/* The kind of the object at t, then its fields. */
static int check_object(check *c, int t, const seg *path)
{
    if (c->tok[t].type != JSMN_OBJECT) {
        report(c, SEV_NOTE, t, path, "not a Kubernetes object (not an object), not checked");
        return skip(c, t);
    }
    int at_version = -1, at_kind = -1, items = -1;
    for (int k = 0, i = t + 1; k < c->tok[t].size && i + 1 < c->ntok; k++, i = skip(c, i + 1)) {
        if (is_string(c, i, "apiVersion"))
            at_version = i + 1;
        else if (is_string(c, i, "kind"))
            at_kind = i + 1;
        else if (is_string(c, i, "items"))
            items = i + 1;
    }
    if (at_version < 0 || at_kind < 0 || c->tok[at_version].type != JSMN_STRING ||
        c->tok[at_kind].type != JSMN_STRING) {
        report(c, SEV_NOTE, t, path, "not a Kubernetes object (%s), not checked",
               at_version < 0 ? "no apiVersion" : at_kind < 0 ? "no kind" : "apiVersion or kind is not a string");
        return skip(c, t);
    }
    const char *api_version = cstring_at(c, at_version), *kind = cstring_at(c, at_kind);
    c->objects++;
    const kversion *v = c->k.v;
    const char *to = v[c->target].name;
    const kkind *kinds[MAX_VERSIONS];
    for (size_t i = 0; i < c->k.n; i++)
        kinds[i] = find_kind(&v[i], api_version, kind);
    seg at_av = {path, {"apiVersion", 10}, 0}, at_k = {path, {"kind", 4}, 0};
    const kkind *here = kinds[c->target];
    if (here) {
        if (here->type->deprecated[0])
            report(c, SEV_WARNING, at_kind, &at_k, "%s %s is deprecated in %s: %s", api_version, kind, to,
                   here->type->deprecated);
        for (size_t i = c->target + 1; i < c->k.n; i++)
            if (!kinds[i]) { /* a later pinned version removes it */
                report(c, SEV_WARNING, at_version, &at_av, "%s %s is served by %s but removed in %s; %s", api_version,
                       kind, to, v[i].name, replacements(c, i, api_version, kind));
                break;
            }
        const ktype *types[MAX_VERSIONS];
        for (size_t i = 0; i < c->k.n; i++)
            types[i] = kinds[i] ? kinds[i]->type : NULL;
        return walk_object(c, t, types, path, 0);
    }
    size_t last = SIZE_MAX, next = SIZE_MAX;
    for (size_t i = 0; i < c->target; i++)
        if (kinds[i])
            last = i;
    for (size_t i = c->k.n; i-- > c->target + 1;)
        if (kinds[i])
            next = i;
    if (last != SIZE_MAX) {
        report(c, SEV_ERROR, at_version, &at_av, "%s %s was removed in %s; %s", api_version, kind,
               v[last + 1].name, replacements(c, c->target, api_version, kind));
    } else if (next != SIZE_MAX) {
        report(c, SEV_ERROR, at_version, &at_av, "%s %s is not served by %s (new in %s)", api_version, kind,
               to, v[next].name);
    } else if (strcmp(api_version, "v1") == 0 && strcmp(kind, "List") == 0 && items >= 0 &&
               c->tok[items].type == JSMN_ARRAY) {
        /* kubectl's list of objects of any kinds: each is checked (and counted) */
        c->objects--;
        int i = items + 1;
        seg at_items = {path, {"items", 5}, 0};
        for (int k = 0; k < c->tok[items].size && i < c->ntok; k++) {
            seg at_item = {&at_items, {NULL, 0}, (size_t)k};
            i = check_object(c, i, &at_item);
        }
    } else if (known_group(c, api_version)) { /* Kubernetes' own group: not a custom resource */
        report(c, SEV_ERROR, at_version, &at_av, "%s %s is served by no pinned version (%s to %s); %s", api_version,
               kind, v[0].name, v[c->k.n - 1].name, replacements(c, c->target, api_version, kind));
    } else {
        report(c, SEV_NOTE, at_version, &at_av, "%s %s: unknown kind, not checked", api_version, kind);
    }
    return skip(c, t);
}

/* ---- documents, files, folders ---- */

__attribute__((format(printf, 2, 3))) static void bad_input(check *c, const char *fmt, ...)
{
    if (c->bad[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->bad, sizeof c->bad, fmt, ap);
    va_end(ap);
}

/* A YAML or JSON error as FILE:LINE:COLUMN: PATH: MESSAGE. */
static void bad_text(check *c, const char *name, const k8s_error *e)
{
    const char *msg = e->message[0] ? e->message : k8s_strerror(e->code);
    if (e->line)
        bad_input(c, "%s:%u:%u: %s%s%s", name, e->line, e->column, e->path, e->path[0] ? ": " : "", msg);
    else
        bad_input(c, "%s: %s%s%s", name, e->path, e->path[0] ? ": " : "", msg);
}

static void check_document(check *c)
{
    jsmn_parser p;
    jsmn_init(&p);
    int n = c->len > INT_MAX ? JSMN_ERROR_NOMEM : jsmn_parse(&p, c->json, c->len, NULL, 0);
    jsmntok_t *tok = n > 0 ? realloc(c->tok, (size_t)n * sizeof *tok) : NULL;
    if (!tok) { /* the runtime has read it, so it is valid JSON: only its size can fail here */
        bad_input(c, "%s: document %zu %s", c->in[c->file].name, c->doc,
                  n == JSMN_ERROR_NOMEM ? "is too large" : "cannot be tokenized");
        return;
    }
    c->tok = tok;
    jsmn_init(&p);
    c->ntok = jsmn_parse(&p, c->json, c->len, c->tok, (unsigned)n);
    if (c->ntok > 0)
        check_object(c, 0, NULL);
}

/* The whole of a file ("-": standard input), up to INPUT_LIMIT bytes (jsmn
 * counts in ints; a wrong path such as /dev/zero stops there too). */
static char *read_all(const char *path, size_t *len)
{
    char *data;
    int e = strcmp(path, "-") == 0 ? k8s_read_fd(0, INPUT_LIMIT, &data, len)
                                   : k8s_read_file(path, INPUT_LIMIT, &data, len);
    errno = e;
    return data;
}

/* JSON when the first thing in the file is an object, as k8sc reads it. */
static bool looks_like_json(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    return i < n && s[i] == '{';
}

/* Checks each document of a file; the first one that cannot be read stops
 * the run (bad input). */
static void check_file(check *c, const char *path, const char *name)
{
    size_t len;
    char *data = read_all(path, &len);
    if (!data && errno == EFBIG)
        bad_input(c, "%s is larger than %d MiB, the most k8sc check reads", name, INPUT_LIMIT >> 20);
    if (!data) {
        bad_input(c, "cannot read %s: %s", name, strerror(errno));
        return;
    }
    if (!grow((void **)&c->in, &c->capin, c->nin, sizeof *c->in)) {
        bad_input(c, "out of memory");
        free(data);
        return;
    }
    c->file = c->nin++;
    c->in[c->file] = (input){arena_printf(c->arena, "%s", name), 0};
    k8s_error err;
    k8s_buf json = K8S_BUF_INIT;
    if (looks_like_json(data, len)) {
        if (k8s_json_compact(data, len, &json, &err) != K8S_OK) {
            bad_text(c, name, &err);
        } else {
            c->json = data;
            c->len = len;
            c->stream = NULL;
            c->doc = c->in[c->file].docs = 1;
            check_document(c);
        }
    } else {
        k8s_yaml_reader *s = NULL;
        k8s_code rc = k8s_yaml_reader_start(&s, data, len, &err);
        while (rc == K8S_OK && !c->bad[0] && (rc = k8s_yaml_reader_next(s, &json, &err)) == K8S_OK) {
            c->json = json.data;
            c->len = json.len;
            c->stream = s;
            c->doc = c->in[c->file].docs = k8s_yaml_reader_document_index(s);
            check_document(c);
        }
        if (rc != K8S_OK && rc != K8S_EDONE)
            bad_text(c, name, &err);
        c->stream = NULL;
        k8s_yaml_reader_free(s);
    }
    if (!c->in[c->file].docs && grow((void **)&c->f, &c->capf, c->nf, sizeof *c->f)) {
        c->f[c->nf++] = (finding){c->file, 0, 0, 0, SEV_NOTE, "", "no objects, nothing checked"};
        c->counts[SEV_NOTE]++;
    }
    c->json = NULL;
    k8s_buf_free(&json);
    free(data);
}

static int cmp_entry(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static bool is_manifest_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (strcmp(dot, ".yaml") == 0 || strcmp(dot, ".yml") == 0 || strcmp(dot, ".json") == 0);
}

/* The manifests in a folder and its subfolders, by name (symbolic links to
 * folders are not followed, so there are no cycles). */
static void check_dir(check *c, const char *dir)
{
    struct dirent **entries;
    int n = scandir(dir, &entries, NULL, cmp_entry);
    if (n < 0) {
        bad_input(c, "cannot read the folder %s: %s", dir, strerror(errno));
        return;
    }
    size_t dlen = strlen(dir);
    for (int i = 0; i < n; i++) {
        const char *name = entries[i]->d_name;
        struct stat st, lst;
        const char *path = arena_printf(c->arena, "%s%s%s", dir, dlen && dir[dlen - 1] == '/' ? "" : "/", name);
        if (!c->bad[0] && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && stat(path, &st) == 0 &&
            lstat(path, &lst) == 0) {
            if (S_ISDIR(st.st_mode) && !S_ISLNK(lst.st_mode))
                check_dir(c, path);
            else if (S_ISREG(st.st_mode) && is_manifest_name(name))
                check_file(c, path, path);
        }
        free(entries[i]);
    }
    free(entries);
}

static void check_arg(check *c, const char *arg)
{
    struct stat st;
    if (strcmp(arg, "-") == 0)
        check_file(c, "-", "<stdin>");
    else if (stat(arg, &st) != 0)
        bad_input(c, "cannot read %s: %s", arg, strerror(errno));
    else if (S_ISDIR(st.st_mode))
        check_dir(c, arg);
    else
        check_file(c, arg, arg);
}

/* ---- the command ---- */

static void print_findings(const check *c)
{
    static const char *const prefix[] = {"", "warning: ", "note: "};
    for (size_t i = 0; i < c->nf; i++) {
        const finding *f = &c->f[i];
        const input *in = &c->in[f->file];
        if (f->line)
            printf("%s:%u:%u: ", in->name, f->line, f->column);
        else
            printf("%s: ", in->name);
        printf("%s%s%s%s", prefix[f->severity], f->path, f->path[0] ? ": " : "", f->message);
        if (in->docs > 1)
            printf(" (document %zu)", f->doc);
        putchar('\n');
    }
    const char *to = c->k.v[c->target].name;
    printf("k8sc check: to %s: %zu error%s (removed in or unknown to %s), %zu warning%s (deprecated, or removed "
           "in a later version), %zu note%s (not checked); %zu object%s in %zu file%s\n",
           to, c->counts[SEV_ERROR], c->counts[SEV_ERROR] == 1 ? "" : "s", to, c->counts[SEV_WARNING],
           c->counts[SEV_WARNING] == 1 ? "" : "s", c->counts[SEV_NOTE], c->counts[SEV_NOTE] == 1 ? "" : "s",
           c->objects, c->objects == 1 ? "" : "s", c->nin, c->nin == 1 ? "" : "s");
}

/* Options, then the version to check for; the index of the first input,
 * or -1 after setting c->bad (or printing help: -2). */
static int parse_args(check *c, int argc, char **argv)
{
    const char *to = NULL;
    int i = 0;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return -2;
        if (strncmp(argv[i], "--to=", 5) == 0) {
            to = argv[i] + 5;
        } else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc) {
            to = argv[++i];
        } else {
            bad_input(c, "%s %s (k8sc check --help tells the options)", argv[i],
                      strcmp(argv[i], "--to") == 0 ? "needs a version" : "is not an option");
            return -1;
        }
    }
    if (!k8sc_knowledge[0]) {
        bad_input(c, "%s", k8sc_knowledge_missing);
        return -1;
    }
    char why[200];
    if (!knowledge_load(&c->k, why, sizeof why)) {
        bad_input(c, "%s", why);
        return -1;
    }
    c->target = c->k.n - 1;
    if (to) {
        size_t t = 0;
        while (t < c->k.n && strcmp(c->k.v[t].name, to) != 0)
            t++;
        if (t == c->k.n) {
            k8s_buf list = K8S_BUF_INIT;
            for (size_t v = 0; v < c->k.n; v++) {
                if (v)
                    k8s_buf_append(&list, ", ", 2);
                k8s_buf_append(&list, c->k.v[v].name, strlen(c->k.v[v].name));
            }
            bad_input(c, "--to %s: not a pinned Kubernetes version (k8sc knows %.*s)", to, (int)list.len, list.data);
            k8s_buf_free(&list);
            return -1;
        }
        c->target = t;
    }
    if (i >= argc) {
        bad_input(c, "no manifests given (files, folders, or - for standard input)");
        return -1;
    }
    return i;
}

int k8sc_check(int argc, char **argv)
{
    check c = {.arena = k8s_arena_new()};
    if (!c.arena) {
        fputs("k8sc check: out of memory\n", stderr);
        return EXIT_BAD_INPUT;
    }
    int first = parse_args(&c, argc, argv);
    for (int i = first; i >= 0 && i < argc && !c.bad[0]; i++)
        check_arg(&c, argv[i]);
    int status;
    if (first == -2) {
        usage(stdout);
        status = 0;
    } else if (c.bad[0]) {
        fprintf(stderr, "k8sc check: %s\n", c.bad);
        status = EXIT_BAD_INPUT;
    } else {
        print_findings(&c);
        status = c.counts[SEV_ERROR] ? EXIT_REMOVED : c.counts[SEV_WARNING] ? EXIT_DEPRECATED : 0;
        if (fflush(stdout) != 0) {
            fprintf(stderr, "k8sc check: cannot write the report: %s\n", strerror(errno));
            status = EXIT_BAD_INPUT;
        }
    }
    knowledge_free(&c.k);
    k8s_buf_free(&c.key);
    free(c.tok);
    free(c.f);
    free(c.in);
    k8s_arena_free(c.arena);
    return status;
}
