/* What `k8sc check` knows of a Kubernetes version, written from the model of
 * its spec: which apiVersion/kind pairs it has, the shape of every
 * definition (which fields it has and how their values nest) and the spec's
 * own deprecation notices (deprecation_notice in names.c). k8sc check reads
 * the texts of all pinned versions, compiled into it (tools/k8sc_check.c).
 *
 * Text format, one record a line, fields separated by tabs, "" when empty:
 *   k8s-c knowledge 1                            once, first
 *   version  X.Y  SHA256                         starts a version's records
 *   kind     API_VERSION  KIND  DEF  served|""   by API group, most stable
 *                                                version first, then kind;
 *                                                served: a REST resource has it
 *   type     DEF  object|open|union  DEPRECATION  by definition name; open:
 *                                                x-kubernetes-preserve-unknown-fields
 *   field    JSON  SHAPE  REF  DEPRECATION       the type's fields, by name
 * SHAPE is a value's kind (string, bool, int32, int64, double, bytes,
 * quantity, time, microtime, intorstring, json: anything, object, union: a
 * member per JSON type), "map:" before it for a map of such values, "[]"
 * after it for an array; REF is the definition of an object or union. A
 * union's fields are its members. */
#include <stdlib.h>
#include <string.h>

#include "apimodel.h"
#include "k8sgen.h"

static const char *kind_word(uint8_t kind, const gtype *ref)
{
    switch (kind) {
    case K8S_KIND_STRING: return "string";
    case K8S_KIND_BOOL: return "bool";
    case K8S_KIND_INT32: return "int32";
    case K8S_KIND_INT64: return "int64";
    case K8S_KIND_DOUBLE: return "double";
    case K8S_KIND_BYTES: return "bytes";
    case K8S_KIND_QUANTITY: return "quantity";
    case K8S_KIND_TIME: return "time";
    case K8S_KIND_MICROTIME: return "microtime";
    case K8S_KIND_OBJECT: return "object";
    case K8S_KIND_UNION: return ref && ref->role == ROLE_BUILTIN ? "intorstring" : "union";
    default: return "json";
    }
}

static int cmp_field(const void *a, const void *b)
{
    return strcmp((*(const gfield *const *)a)->json, (*(const gfield *const *)b)->json);
}

/* "apps" of "apps/v1", "" of "v1" */
static size_t group_len(const char *api_version)
{
    const char *slash = strrchr(api_version, '/');
    return slash ? (size_t)(slash - api_version) : 0;
}

static int cmp_kind(const void *a, const void *b)
{
    const kind_row *x = a, *y = b;
    size_t gx = group_len(x->api_version), gy = group_len(y->api_version);
    int c = strncmp(x->api_version, y->api_version, gx < gy ? gx : gy);
    if (!c && gx != gy)
        c = gx < gy ? -1 : 1;
    if (!c)
        c = apimodel_version_rank_cmp(x->api_version, y->api_version);
    return c ? c : strcmp(x->kind, y->kind);
}

static void write_field(FILE *out, const gfield *f)
{
    bool map = f->kind == K8S_KIND_MAP;
    const gtype *ref = f->ref && (f->ref->role == ROLE_OBJECT || f->ref->role == ROLE_UNION) ? f->ref : NULL;
    fprintf(out, "field\t%s\t%s%s%s\t%s\t%s\n", f->json, map ? "map:" : "", kind_word(map ? f->value_kind : f->kind, f->ref),
            f->array ? "[]" : "", ref ? ref->def : "", f->deprecated ? f->deprecated : "");
}

bool knowledge_write(const model *m, FILE *out)
{
    fprintf(out, "k8s-c knowledge 1\nversion\t%s\t%s\n", m->k8s_version, m->sha256);
    size_t n;
    kind_row *rows = registry_rows(m, &n);
    qsort(rows, n, sizeof *rows, cmp_kind);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "kind\t%s\t%s\t%s\t%s\n", rows[i].api_version, rows[i].kind, rows[i].def,
                rows[i].resource[0] == '&' ? "served" : "");
    for (size_t i = 0; i < m->ntypes; i++) { /* sorted by definition name */
        const gtype *t = &m->types[i];
        if (t->role != ROLE_OBJECT && t->role != ROLE_UNION)
            continue;
        const char *shape = t->role == ROLE_UNION ? "union" : t->preserve_unknown ? "open" : "object";
        fprintf(out, "type\t%s\t%s\t%s\n", t->def, shape, t->deprecated ? t->deprecated : "");
        const gfield **fields = k8s_arena_alloc(m->arena, (t->nfields + 1) * sizeof *fields);
        for (size_t f = 0; f < t->nfields; f++)
            fields[f] = &t->fields[f];
        if (t->role == ROLE_OBJECT) /* a union's members keep their order: the first that fits is taken */
            qsort(fields, t->nfields, sizeof *fields, cmp_field);
        for (size_t f = 0; f < t->nfields; f++)
            write_field(out, fields[f]);
    }
    return !ferror(out);
}

bool knowledge_write_c(const char *const *texts, size_t n, FILE *out)
{
    fputs("/* What k8sc check knows of the pinned Kubernetes versions, made by\n"
          " * k8sgen --knowledge from their specs (format: generator/knowledge.c).\n"
          " * DO NOT EDIT. */\n"
          "#include \"k8sc_check.h\"\n\n"
          "const char k8sc_knowledge_missing[] = \"\";\n"
          "const char k8sc_knowledge[] =\n",
          out);
    for (size_t i = 0; i < n; i++)
        for (const char *line = texts[i]; *line;) {
            const char *end = strchr(line, '\n');
            size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
            fputs("    \"", out);
            for (size_t k = 0; k < len; k++) {
                char c = line[k];
                if (c == '\n')
                    fputs("\\n", out);
                else if (c == '\t')
                    fputs("\\t", out);
                else if (c == '"' || c == '\\' || (c == '?' && k && line[k - 1] == '?'))
                    fprintf(out, "\\%c", c);
                else
                    fputc(c, out);
            }
            fputs("\"\n", out);
            line += len;
        }
    fputs("    \"\";\n", out);
    return !ferror(out);
}
