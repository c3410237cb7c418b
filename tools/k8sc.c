/* k8sc: a small command-line tool on the generated Kubernetes tree.
 *
 *   k8sc roundtrip [--max-input SIZE] [FILE...]          decode each object by its
 *                                     apiVersion/kind, print it back as JSON, one per line
 *   k8sc validate [--strict] [--max-input SIZE] FILE...  check manifests against the types
 *   k8sc check [--to X.Y] FILE|DIR|-...                  what breaks on Kubernetes X.Y
 *                                                        (k8sc_check.c)
 *   k8sc version                                         the versions it was built from
 *
 * Input is JSON (one object) or YAML (one or more documents). Problems are
 * printed the way compilers print them: FILE:LINE:COLUMN: PATH: MESSAGE. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/api_types.h"
#include "k8s/codec.h"
#include "k8s/validate.h"
#include "k8s/values.h"
#include "k8s/yaml.h"
#include "k8sc_check.h"

enum { EXIT_INVALID = 1, EXIT_USAGE = 2 };

/* A file is read whole, and decoding a list takes about as much again, so
 * the input limit guards memory: 1 GiB admits a list of 150,000 pods (the
 * largest cluster Kubernetes supports) at 7 KB each, and stops a wrong path
 * such as /dev/zero long before memory runs out. */
#define DEFAULT_MAX_INPUT ((size_t)1 << 30)

static void usage(FILE *f)
{
    fprintf(f,
            "usage: k8sc roundtrip [--max-input SIZE] [FILE...]\n"
            "       k8sc validate [--strict] [--max-input SIZE] FILE...\n"
            "       k8sc check [--to X.Y] FILE|DIR|-...\n"
            "       k8sc version\n"
            "\n"
            "roundtrip  reads JSON objects or YAML streams (standard input when no FILE is\n"
            "           given, or for -), decodes each object by its apiVersion and kind\n"
            "           through the typed codec (Kubernetes %s) and prints it as JSON, one\n"
            "           document per line. Kinds it does not know pass through untyped,\n"
            "           with a warning.\n"
            "validate   checks manifests against the types. Unknown fields and kinds are\n"
            "           warnings; --strict makes them errors. A file without any object\n"
            "           (empty, only white space or comments, only ---) is an error:\n"
            "           \"no objects\".\n"
            "check      reports what in the manifests breaks on Kubernetes X.Y (removed\n"
            "           apiVersions, fields it would drop, deprecations) from the pinned\n"
            "           specs; k8sc check --help tells more. Its exit status: 0 clean, 2\n"
            "           warnings only or bad input, 3 errors.\n"
            "version    prints k8sc's version and the Kubernetes version and spec it was\n"
            "           built for.\n"
            "\n"
            "roundtrip and validate print each problem as FILE:LINE:COLUMN: PATH: MESSAGE,\n"
            "warnings as FILE:LINE:COLUMN: warning: PATH: MESSAGE (validate on standard\n"
            "output, roundtrip on standard error). Exit status: 0 no errors, 1 errors, 2\n"
            "usage or I/O (a file that cannot be read, or is larger than the input limit).\n"
            "\n"
            "--max-input SIZE  refuse inputs larger than SIZE bytes (a quantity: 200M,\n"
            "                  4Gi); anything in an input within it is accepted. Default\n"
            "                  1Gi: about a list of 150,000 pods, the largest cluster\n"
            "                  Kubernetes supports.\n",
            k8s_api_registry.kubernetes_version);
}

/* ---- options and input ---- */

typedef struct options {
    bool strict;
    size_t max_input;
} options;

/* SIZE as a quantity ("1Gi", "500M", "1000000"), at least one byte. */
static bool parse_size(const char *text, size_t *out)
{
    k8s_quantity q;
    k8s_error err;
    int64_t v;
    if (k8s_quantity_parse(text, &q, &err) != K8S_OK) {
        fprintf(stderr, "k8sc: --max-input: %s\n", err.message);
        return false;
    }
    if (k8s_quantity_value(&q, &v) != K8S_OK || v < 1 || (uint64_t)v > SIZE_MAX) {
        fprintf(stderr, "k8sc: --max-input: %s is not a size in bytes\n", text);
        return false;
    }
    *out = (size_t)v;
    return true;
}

/* Reads the leading options; returns how many arguments they took, or -1
 * after printing what is wrong. */
static int parse_options(int argc, char **argv, bool allow_strict, options *o)
{
    *o = (options){false, DEFAULT_MAX_INPUT};
    int i = 0;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--")) {
            i++;
            break;
        }
        if (allow_strict && !strcmp(arg, "--strict")) {
            o->strict = true;
        } else if (!strncmp(arg, "--max-input=", 12)) {
            if (!parse_size(arg + 12, &o->max_input))
                return -1;
        } else if (!strcmp(arg, "--max-input")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "k8sc: --max-input needs a size\n");
                return -1;
            }
            if (!parse_size(argv[++i], &o->max_input))
                return -1;
        } else {
            fprintf(stderr, "k8sc: unknown option \"%s\"\n", arg);
            return -1;
        }
    }
    return i;
}

/* The whole of path ("-": standard input), NUL-terminated; NULL after
 * printing why not. */
static char *read_input(const char *path, const char *name, size_t limit, size_t *len)
{
    char *data;
    int e = strcmp(path, "-") == 0 ? k8s_read_fd(0, limit, &data, len)
                                   : k8s_read_file(path, limit, &data, len);
    if (e == EFBIG)
        fprintf(stderr, "k8sc: %s is larger than the input limit of %zu bytes (--max-input)\n", name, limit);
    else if (e)
        fprintf(stderr, "k8sc: cannot read %s: %s\n", name, strerror(e));
    return data;
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

/* ---- documents and problems ---- */

/* What a command does with one file. */
typedef struct file_ctx {
    const char *name;
    const options *opts;
    FILE *problems; /* where problems go */
    /* the document being handled */
    const char *json;
    size_t len;
    const k8s_yaml_reader *stream; /* NULL for JSON input */
    k8s_error *found;              /* its problems, printed when it is done */
    bool *warning;                 /* for each: only a warning */
    size_t nfound, capfound;
    size_t docs;                   /* documents seen, failed ones included */
    size_t errors;
} file_ctx;

static void report(file_ctx *c, const k8s_error *problem, bool warning)
{
    if (c->nfound == c->capfound) {
        size_t cap = c->capfound ? c->capfound * 2 : 16;
        k8s_error *nf = realloc(c->found, cap * sizeof *nf);
        if (nf)
            c->found = nf;
        bool *nw = nf ? realloc(c->warning, cap * sizeof *nw) : NULL;
        if (!nw) {
            fprintf(stderr, "k8sc: out of memory\n");
            exit(EXIT_USAGE);
        }
        c->warning = nw;
        c->capfound = cap;
    }
    c->found[c->nfound] = *problem;
    c->warning[c->nfound++] = warning;
    if (!warning)
        c->errors++;
}

/* Prints what was found as FILE:LINE:COLUMN: [warning: ]PATH: MESSAGE, an
 * error that has only a path placed at the value it names in the current
 * document (all in one pass: a long list may have many). */
static void print_found(file_ctx *c)
{
    if (c->json)
        k8s_json_locate(c->json, c->len, c->found, c->nfound);
    if (c->problems != stdout)
        fflush(stdout); /* after the documents printed before them */
    for (size_t i = 0; i < c->nfound; i++) {
        k8s_error *e = &c->found[i];
        k8s_yaml_reader_locate(c->stream, e);
        const char *msg = e->message[0] ? e->message : k8s_strerror(e->code);
        if (e->line)
            fprintf(c->problems, "%s:%u:%u: ", c->name, e->line, e->column);
        else
            fprintf(c->problems, "%s: ", c->name);
        fprintf(c->problems, "%s%s%s%s\n", c->warning[i] ? "warning: " : "", e->path,
                e->path[0] ? ": " : "", msg);
    }
    c->nfound = 0;
}

static void append(k8s_error *err, const char *text)
{
    size_t n = strlen(err->message);
    snprintf(err->message + n, sizeof err->message - n, "%s", text);
}

typedef void (*doc_fn)(file_ctx *c);

/* Calls fn for each document of the input with c->json, c->len and
 * c->stream set; reports what the YAML reader refuses. */
static void each_document(file_ctx *c, const char *data, size_t len, doc_fn fn)
{
    k8s_error err;
    if (looks_like_json(data, len)) {
        c->json = data;
        c->len = len;
        c->docs = 1;
        fn(c);
        print_found(c);
        c->json = NULL;
        return;
    }
    k8s_yaml_reader *s;
    if (k8s_yaml_reader_start(&s, data, len, &err) != K8S_OK) {
        report(c, &err, false);
        print_found(c);
        return;
    }
    k8s_buf json = K8S_BUF_INIT;
    k8s_code rc;
    while ((rc = k8s_yaml_reader_next(s, &json, &err)) != K8S_EDONE) {
        c->docs++;
        if (rc != K8S_OK) {
            report(c, &err, false); /* positions are the YAML's already */
        } else {
            c->json = json.data;
            c->len = json.len;
            c->stream = s;
            fn(c);
        }
        print_found(c);
        c->json = NULL;
        c->stream = NULL;
    }
    k8s_buf_free(&json);
    k8s_yaml_reader_free(s);
}

/* Runs fn over each file (stdin for "-"); returns the exit status. */
static int each_file(int nfiles, char **files, const options *opts, FILE *problems, doc_fn fn,
                     void (*after)(file_ctx *c))
{
    int status = 0;
    for (int i = 0; i < nfiles; i++) {
        const char *name = strcmp(files[i], "-") == 0 ? "<stdin>" : files[i];
        size_t len;
        char *data = read_input(files[i], name, opts->max_input, &len);
        if (!data) {
            status = EXIT_USAGE;
            continue;
        }
        file_ctx c = {.name = name, .opts = opts, .problems = problems};
        each_document(&c, data, len, fn);
        if (after) {
            after(&c);
            print_found(&c);
        }
        if (c.errors && status == 0)
            status = EXIT_INVALID;
        free(c.found);
        free(c.warning);
        free(data);
    }
    return status;
}

/* ---- roundtrip ---- */

static void roundtrip_doc(file_ctx *c)
{
    k8s_arena *a = k8s_arena_new();
    const k8s_kind_info *kind;
    void *obj;
    k8s_buf out = K8S_BUF_INIT;
    k8s_error err;
    k8s_decode_options dopts = {.max_string = c->opts->max_input};
    k8s_code rc = a ? k8s_registry_decode(&k8s_api_registry, c->json, c->len, a, &kind, &obj, &dopts, &err)
                    : K8S_ENOMEM;
    if (rc == K8S_OK) {
        rc = k8s_json_encode(kind->type, obj, &out, &err);
    } else if (rc == K8S_EUNKNOWN_KIND) {
        /* not a kind of this version (a custom resource, a List): keep it as it is */
        append(&err, "; passed through untyped");
        report(c, &err, true);
        rc = k8s_json_compact(c->json, c->len, &out, &err);
    } else if (rc == K8S_ENOMEM && !a) {
        err = (k8s_error){.code = K8S_ENOMEM};
    }
    if (rc == K8S_OK) {
        fwrite(out.data, 1, out.len, stdout);
        fputc('\n', stdout);
    } else {
        report(c, &err, false);
    }
    k8s_buf_free(&out);
    k8s_arena_free(a);
}

static int cmd_roundtrip(int argc, char **argv)
{
    options o;
    int n = parse_options(argc, argv, false, &o);
    if (n < 0) {
        usage(stderr);
        return EXIT_USAGE;
    }
    char *std_in[] = {"-"};
    int status = argc > n ? each_file(argc - n, argv + n, &o, stderr, roundtrip_doc, NULL)
                          : each_file(1, std_in, &o, stderr, roundtrip_doc, NULL);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "k8sc: cannot write the output: %s\n", strerror(errno));
        return EXIT_USAGE;
    }
    return status;
}

/* ---- validate ---- */

static void on_diag(void *ctx, k8s_severity sev, const k8s_error *problem)
{
    file_ctx *c = ctx;
    report(c, problem, sev == K8S_WARNING && !c->opts->strict);
}

static void validate_doc(file_ctx *c)
{
    k8s_arena *a = k8s_arena_new();
    const k8s_kind_info *kind = NULL;
    void *obj = NULL;
    k8s_error err = {.code = K8S_ENOMEM};
    k8s_decode_options dopts = {.max_string = c->opts->max_input, .diag = on_diag, .diag_ctx = c};
    /* every problem in the text reaches on_diag; an unknown kind comes back here */
    k8s_code rc = a ? k8s_registry_decode(&k8s_api_registry, c->json, c->len, a, &kind, &obj, &dopts, &err)
                    : K8S_ENOMEM;
    if (rc == K8S_EUNKNOWN_KIND) {
        /* one this version lacks is a warning; none at all is an error */
        char *api_version, *kind_name;
        bool named = k8s_json_peek_kind(c->json, c->len, a, &api_version, &kind_name, NULL) == K8S_OK &&
                     api_version && kind_name;
        if (named)
            append(&err, "; not checked");
        report(c, &err, named && !c->opts->strict);
    } else if (!a) {
        report(c, &err, false);
    }
    if (obj)
        k8s_validate(kind->type, obj, on_diag, c);
    k8s_arena_free(a);
}

static void validate_end(file_ctx *c)
{
    if (c->docs == 0 && c->errors == 0) { /* kubectl: "no objects passed to apply" */
        k8s_error err = {.code = K8S_EVALUE, .message = "no objects"};
        report(c, &err, false);
    }
}

static int cmd_validate(int argc, char **argv)
{
    options o;
    int n = parse_options(argc, argv, true, &o);
    if (n < 0 || n >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    int status = each_file(argc - n, argv + n, &o, stdout, validate_doc, validate_end);
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
    if (strcmp(argv[1], "version") == 0) {
        printf("k8sc %s for Kubernetes %s (OpenAPI spec sha256 %s)\n", K8S_C_VERSION,
               k8s_api_registry.kubernetes_version, k8s_api_registry.spec_sha256);
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
