/* k8sc: a small command-line tool on the generated Kubernetes tree.
 *
 *   k8sc roundtrip [FILE|-]        decode each object by its apiVersion/kind
 *                                  and print it back as JSON, one per line
 *   k8sc validate [--strict] FILE...  check manifests against the types
 *   k8sc check [--to X.Y] FILE|DIR|-...  what breaks on Kubernetes X.Y (k8sc_check.c)
 *
 * Input is JSON (one object) or YAML (one or more documents). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/api.h"
#include "k8s/codec.h"
#include "k8s/validate.h"
#include "k8s/yaml.h"
#include "k8sc_check.h"

enum { EXIT_INVALID = 1, EXIT_USAGE = 2 };

static void usage(FILE *f)
{
    fprintf(f,
            "usage: k8sc roundtrip [FILE|-]\n"
            "       k8sc validate [--strict] FILE...\n"
            "       k8sc check [--to X.Y] FILE|DIR|-...\n"
            "\n"
            "roundtrip  reads one JSON object or a YAML stream, decodes each object by its\n"
            "           apiVersion and kind through the typed codec (Kubernetes %s) and\n"
            "           prints it as JSON, one document per line. Kinds it does not know\n"
            "           pass through untyped, with a note on stderr.\n"
            "validate   checks manifests against the types and prints FILE: path: message\n"
            "           for each problem. Unknown fields and kinds are warnings; --strict\n"
            "           makes them errors. Exit status: 0 valid, 1 invalid, 2 usage or I/O.\n"
            "check      reports what in the manifests breaks on Kubernetes X.Y (removed\n"
            "           apiVersions, fields it would drop, deprecations) from the pinned\n"
            "           specs; k8sc check --help tells more. Exit status: 0 clean, 2\n"
            "           warnings only or bad input, 3 errors.\n",
            k8s_api_registry.kubernetes_version);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    k8s_buf b = K8S_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (k8s_buf_append(&b, chunk, n) != K8S_OK)
            break;
    bool bad = ferror(f) || !feof(f);
    if (f != stdin)
        fclose(f);
    if (bad) {
        k8s_buf_free(&b);
        return NULL;
    }
    if (!b.data && k8s_buf_append(&b, "", 0) != K8S_OK)
        return NULL;
    *len = b.len;
    return b.data;
}

/* JSON when the first thing in the file is an object; YAML otherwise (JSON
 * is YAML too, but the JSON path keeps every number exactly as written). */
static bool looks_like_json(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
            continue;
        return s[i] == '{';
    }
    return false;
}

/* Calls fn(ctx, json, len, doc_number, stream) for each document of the
 * input; stream is the YAML stream (NULL for JSON). Returns the first code
 * fn or the YAML reader returned, after visiting what it could. */
typedef k8s_code (*doc_fn)(void *ctx, const char *json, size_t len, size_t doc,
                           const k8s_yaml_stream *stream, k8s_error *err);

typedef struct source {
    const char *name;
    size_t ndocs; /* documents seen, to label them when there are several */
} source;

static k8s_code each_document(const char *data, size_t len, doc_fn fn, void *ctx, source *src,
                              void (*yaml_problem)(void *ctx, size_t doc, const k8s_error *err))
{
    k8s_error err;
    if (looks_like_json(data, len)) {
        src->ndocs = 1;
        return fn(ctx, data, len, 1, NULL, &err);
    }
    k8s_yaml_stream *s;
    k8s_code rc = k8s_yaml_open(&s, data, len, &err);
    if (rc) {
        yaml_problem(ctx, 0, &err);
        return rc;
    }
    k8s_buf json = K8S_BUF_INIT;
    k8s_code first = K8S_OK;
    for (;;) {
        rc = k8s_yaml_next(s, &json, &err);
        size_t doc = k8s_yaml_document_index(s);
        if (rc == K8S_EDONE)
            break;
        if (doc > src->ndocs)
            src->ndocs = doc;
        if (rc == K8S_OK)
            rc = fn(ctx, json.data, json.len, doc, s, &err);
        else
            yaml_problem(ctx, doc, &err);
        if (rc && !first)
            first = rc;
        if (rc == K8S_EYAML || rc == K8S_ENOMEM) /* the stream cannot go on */
            break;
    }
    k8s_buf_free(&json);
    k8s_yaml_close(s);
    return first;
}

/* ---- roundtrip ---- */

typedef struct roundtrip_ctx {
    source src;
    bool failed;
} roundtrip_ctx;

static void print_problem(const char *file, size_t doc, size_t ndocs, const k8s_error *err,
                          const char *severity)
{
    char label[4200];
    if (ndocs > 1 || doc > 1)
        snprintf(label, sizeof label, "%s#%zu", file, doc);
    else
        snprintf(label, sizeof label, "%s", file);
    const char *msg = err->message[0] ? err->message : k8s_strerror(err->code);
    char where[64] = "";
    if (err->line)
        snprintf(where, sizeof where, " (line %u, column %u)", err->line, err->column);
    if (err->path[0])
        fprintf(stdout, "%s: %s: %s%s%s\n", label, err->path, severity, msg, where);
    else
        fprintf(stdout, "%s: %s%s%s\n", label, severity, msg, where);
}

static void roundtrip_yaml_problem(void *ctx, size_t doc, const k8s_error *err)
{
    roundtrip_ctx *c = ctx;
    c->failed = true;
    fflush(stdout);
    char label[4200];
    snprintf(label, sizeof label, "%s%s%zu", c->src.name, doc ? "#" : "", doc);
    char msg[700];
    fprintf(stderr, "k8sc: %s: %s\n", doc ? label : c->src.name, k8s_error_format(err, msg, sizeof msg));
}

static k8s_code roundtrip_doc(void *ctx, const char *json, size_t len, size_t doc,
                              const k8s_yaml_stream *stream, k8s_error *err)
{
    roundtrip_ctx *c = ctx;
    k8s_arena *a = k8s_arena_new();
    const k8s_kind_info *kind;
    void *obj;
    k8s_buf out = K8S_BUF_INIT;
    k8s_code rc = a ? k8s_registry_decode(&k8s_api_registry, json, len, a, &kind, &obj, NULL, err)
                    : K8S_ENOMEM;
    if (rc == K8S_OK) {
        rc = k8s_json_encode(kind->type, obj, &out, err);
    } else if (rc == K8S_EUNKNOWN_KIND) {
        /* not a kind of this version (a custom resource, a List): keep it as it is */
        fprintf(stderr, "k8sc: %s: %s; passed through untyped\n", c->src.name, err->message);
        rc = k8s_json_compact(json, len, &out, err);
    }
    if (rc == K8S_OK) {
        fwrite(out.data, 1, out.len, stdout);
        fputc('\n', stdout);
    } else {
        if (stream)
            k8s_yaml_locate(stream, err);
        roundtrip_yaml_problem(c, stream ? doc : 0, err);
    }
    k8s_buf_free(&out);
    k8s_arena_free(a);
    return rc;
}

static int cmd_roundtrip(int argc, char **argv)
{
    if (argc > 1) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *path = argc == 1 ? argv[0] : "-";
    size_t len;
    char *data = read_all(path, &len);
    if (!data) {
        fprintf(stderr, "k8sc: cannot read %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    roundtrip_ctx c = {{strcmp(path, "-") == 0 ? "<stdin>" : path, 0}, false};
    each_document(data, len, roundtrip_doc, &c, &c.src, roundtrip_yaml_problem);
    free(data);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "k8sc: cannot write the output: %s\n", strerror(errno));
        return EXIT_USAGE;
    }
    return c.failed ? EXIT_INVALID : 0;
}

/* ---- validate ---- */

/* Problems are collected per document, then printed with the document
 * number when the file turned out to hold several. */
typedef struct finding {
    size_t doc;
    k8s_error err;
    bool warning;
} finding;

typedef struct validate_ctx {
    source src;
    bool strict;
    size_t doc;
    const k8s_yaml_stream *stream;
    finding *items;
    size_t n, cap;
    size_t errors;
} validate_ctx;

static void add_finding(validate_ctx *c, size_t doc, const k8s_error *err, bool warning)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        finding *ni = realloc(c->items, cap * sizeof *ni);
        if (!ni)
            return; /* reported below as the count still rises */
        c->items = ni;
        c->cap = cap;
    }
    finding *f = &c->items[c->n++];
    f->doc = doc;
    f->err = *err;
    f->warning = warning && !c->strict;
    if (c->stream)
        k8s_yaml_locate(c->stream, &f->err);
    if (!f->warning)
        c->errors++;
}

static void on_diag(void *ctx, k8s_severity sev, const k8s_error *problem)
{
    validate_ctx *c = ctx;
    add_finding(c, c->doc, problem, sev == K8S_WARNING);
}

static void validate_yaml_problem(void *ctx, size_t doc, const k8s_error *err)
{
    validate_ctx *c = ctx;
    c->stream = NULL;
    add_finding(c, doc ? doc : 1, err, false);
}

static k8s_code validate_doc(void *ctx, const char *json, size_t len, size_t doc,
                             const k8s_yaml_stream *stream, k8s_error *err)
{
    validate_ctx *c = ctx;
    c->doc = doc;
    c->stream = stream;
    k8s_arena *a = k8s_arena_new();
    if (!a)
        return K8S_ENOMEM;
    char *api_version = NULL, *kind_name = NULL;
    k8s_code rc = k8s_json_peek_kind(json, len, a, &api_version, &kind_name, err);
    const k8s_kind_info *kind = rc ? NULL : k8s_registry_find(&k8s_api_registry, api_version, kind_name);
    if (rc) {
        add_finding(c, doc, err, false);
    } else if (!api_version || !kind_name) {
        k8s_error e = {.code = K8S_EUNKNOWN_KIND};
        snprintf(e.message, sizeof e.message, "the object has no %s", api_version ? "kind" : "apiVersion");
        add_finding(c, doc, &e, false);
        rc = K8S_EUNKNOWN_KIND;
    } else if (!kind) {
        k8s_error e = {.code = K8S_EUNKNOWN_KIND};
        snprintf(e.message, sizeof e.message, "%.100s %.100s is not a kind of Kubernetes %s; not checked",
                 api_version, kind_name, k8s_api_registry.kubernetes_version);
        add_finding(c, doc, &e, true);
        rc = c->strict ? K8S_EUNKNOWN_KIND : K8S_OK; /* peeking checked it is well-formed JSON */
    } else {
        void *obj = NULL;
        k8s_decode_options opts = {.diag = on_diag, .diag_ctx = c};
        rc = k8s_json_decode(kind->type, json, len, a, &obj, &opts, err);
        if (obj && k8s_validate(kind->type, obj, on_diag, c))
            rc = rc ? rc : K8S_EVALUE;
    }
    c->stream = NULL;
    k8s_arena_free(a);
    return rc;
}

static int cmd_validate(int argc, char **argv)
{
    bool strict = false;
    int first = 0;
    if (argc > 0 && strcmp(argv[0], "--strict") == 0) {
        strict = true;
        first = 1;
    }
    if (first >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    int status = 0;
    for (int i = first; i < argc; i++) {
        size_t len;
        char *data = read_all(argv[i], &len);
        if (!data) {
            fprintf(stderr, "k8sc: cannot read %s: %s\n", argv[i], strerror(errno));
            status = EXIT_USAGE;
            continue;
        }
        validate_ctx c = {{argv[i], 0}, strict, 0, NULL, NULL, 0, 0, 0};
        each_document(data, len, validate_doc, &c, &c.src, validate_yaml_problem);
        for (size_t j = 0; j < c.n; j++)
            print_problem(argv[i], c.items[j].doc, c.src.ndocs, &c.items[j].err,
                          c.items[j].warning ? "warning: " : "");
        if (c.errors && status == 0)
            status = EXIT_INVALID;
        free(c.items);
        free(data);
    }
    fflush(stdout);
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "roundtrip") == 0)
        return cmd_roundtrip(argc - 2, argv + 2);
    if (strcmp(argv[1], "validate") == 0)
        return cmd_validate(argc - 2, argv + 2);
    if (strcmp(argv[1], "check") == 0)
        return k8sc_check(argc - 2, argv + 2);
    fprintf(stderr, "k8sc: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
