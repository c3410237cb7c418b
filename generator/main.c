/* k8sgen: reads one Kubernetes OpenAPI spec and writes one typed C tree.
 *
 *   k8sgen --spec openapi/cache/k8s-1.35.json --out generated/k8s-1.35
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apimodel.h"
#include "k8sgen.h"

static void usage(FILE *f)
{
    fputs("usage: k8sgen --spec FILE --out DIR [--previous FILE] [--k8s-version X.Y]\n"
          "       k8sgen --spec FILE --dump-model|--dump-knowledge [--k8s-version X.Y]\n"
          "       k8sgen --knowledge FILE.c --spec FILE [--spec FILE...]\n"
          "\n"
          "Reads a Kubernetes OpenAPI (Swagger 2.0) spec and writes a typed C tree\n"
          "(headers, descriptor tables, kind registry, CMakeLists.txt) into DIR.\n"
          "The Kubernetes version is taken from a file name like k8s-1.35.json\n"
          "unless --k8s-version gives it.\n"
          "\n"
          "--previous FILE  the spec of the previous version: the tree's README lists\n"
          "                 the C API changes from it (as k8s-apidiff reports them)\n"
          "--dump-model     print the C API the tree would declare, one sorted record\n"
          "                 a line (tools/apimodel.h), instead of writing a tree\n"
          "--dump-knowledge print what k8sc check knows of the version (its kinds,\n"
          "                 the shape of each definition, deprecation notices; the\n"
          "                 format is described in generator/knowledge.c)\n"
          "--knowledge F.c  write that knowledge of every --spec given (the version of\n"
          "                 each taken from its file name) as a C source for k8sc\n",
          f);
}

/* "…/k8s-1.35.json" -> "1.35" */
static const char *version_from_name(k8s_arena *a, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *v = strstr(base, "k8s-");
    if (!v)
        return NULL;
    v += 4;
    size_t n = 0;
    while ((v[n] >= '0' && v[n] <= '9') || v[n] == '.')
        n++;
    while (n && v[n - 1] == '.')
        n--;
    return n ? k8s_arena_strndup(a, v, n) : NULL;
}

/* The markdown list of C API changes from the spec at prev_path to m. */
static const char *changes_from(const model *m, const char *prev_path)
{
    model prev = {0};
    prev.arena = k8s_arena_new();
    const char *version = prev.arena ? version_from_name(prev.arena, prev_path) : NULL;
    if (!version) {
        fprintf(stderr, "k8sgen: cannot tell the Kubernetes version of --previous %s from its name\n", prev_path);
        k8s_arena_free(prev.arena);
        return NULL;
    }
    const char *out = NULL;
    if (model_load(&prev, prev_path, version)) {
        apimodel *a = api_model_of(&prev), *b = api_model_of(m);
        am_diff *d = apimodel_diff(a, b);
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (f && apimodel_report(d, AM_MARKDOWN, 2, f) && fclose(f) == 0) {
            while (len && text[len - 1] == '\n')
                len--;
            out = k8s_arena_strndup(m->arena, text, len);
        } else if (f) {
            fclose(f);
        }
        free(text);
        apimodel_diff_free(d);
        apimodel_free(a);
        apimodel_free(b);
    }
    k8s_arena_free(prev.arena);
    return out;
}

/* The knowledge of each spec (k8sc check's, knowledge.c), as one C source
 * written to out (through a temporary file, so a failed run leaves none). */
static int write_knowledge(const char **specs, size_t nspecs, const char *out)
{
    char **texts = calloc(nspecs, sizeof *texts);
    bool ok = texts != NULL;
    for (size_t i = 0; ok && i < nspecs; i++) {
        model m = {0};
        m.arena = k8s_arena_new();
        const char *version = m.arena ? version_from_name(m.arena, specs[i]) : NULL;
        size_t len = 0;
        FILE *f = version ? open_memstream(&texts[i], &len) : NULL;
        if (!version)
            fprintf(stderr, "k8sgen: cannot tell the Kubernetes version of %s from its name\n", specs[i]);
        ok = f && model_load(&m, specs[i], version) && knowledge_write(&m, f);
        if (f && fclose(f) != 0)
            ok = false;
        k8s_arena_free(m.arena);
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    FILE *f = ok ? fopen(tmp, "w") : NULL;
    if (ok && !f)
        fprintf(stderr, "k8sgen: cannot write %s\n", tmp);
    ok = f && knowledge_write_c((const char *const *)texts, nspecs, f);
    if (f && fclose(f) != 0)
        ok = false;
    if (ok && rename(tmp, out) != 0) {
        fprintf(stderr, "k8sgen: cannot write %s\n", out);
        ok = false;
    }
    if (!ok)
        remove(tmp);
    for (size_t i = 0; texts && i < nspecs; i++)
        free(texts[i]);
    free(texts);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *out = NULL, *version = NULL, *previous = NULL, *knowledge = NULL;
    const char **specs = calloc((size_t)argc, sizeof *specs);
    size_t nspecs = 0;
    enum { TREE, DUMP_MODEL, DUMP_KNOWLEDGE } mode = TREE;
    if (!specs) {
        fputs("k8sgen: out of memory\n", stderr);
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char **dst = strcmp(arg, "--spec") == 0          ? &specs[nspecs] /* may repeat */
                           : strcmp(arg, "--out") == 0         ? &out
                           : strcmp(arg, "--k8s-version") == 0 ? &version
                           : strcmp(arg, "--previous") == 0    ? &previous
                           : strcmp(arg, "--knowledge") == 0   ? &knowledge
                                                               : NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            free(specs);
            return 0;
        }
        if (strcmp(arg, "--dump-model") == 0 || strcmp(arg, "--dump-knowledge") == 0) {
            mode = strcmp(arg, "--dump-model") == 0 ? DUMP_MODEL : DUMP_KNOWLEDGE;
            continue;
        }
        if (!dst || i + 1 >= argc) {
            fprintf(stderr, "k8sgen: %s %s\n", arg, dst ? "needs a value" : "is not an option");
            usage(stderr);
            free(specs);
            return 2;
        }
        *dst = argv[++i];
        if (dst == &specs[nspecs])
            nspecs++;
    }
    const char *spec = nspecs ? specs[0] : NULL;
    bool usable = knowledge ? nspecs && !out && !previous && !version && mode == TREE
                            : nspecs == 1 && (mode == TREE) == (out != NULL) && !(mode != TREE && previous);
    if (!usable) {
        usage(stderr);
        free(specs);
        return 2;
    }
    /* a wrong path is the likelier mistake than a name without the version */
    for (size_t i = 0; i <= nspecs; i++) {
        const char *path = i < nspecs ? specs[i] : previous;
        FILE *f = path ? fopen(path, "rb") : NULL;
        if (path && !f) {
            fprintf(stderr, "k8sgen: cannot read %s: %s\n", path, strerror(errno));
            free(specs);
            return 2;
        }
        if (f)
            fclose(f);
    }
    if (knowledge) {
        int rc = write_knowledge(specs, nspecs, knowledge);
        free(specs);
        return rc;
    }
    free(specs);
    model m = {0};
    m.arena = k8s_arena_new();
    if (!m.arena) {
        fputs("k8sgen: out of memory\n", stderr);
        return 1;
    }
    if (!version)
        version = version_from_name(m.arena, spec);
    if (!version) {
        fprintf(stderr, "k8sgen: cannot tell the Kubernetes version from %s; use --k8s-version\n", spec);
        k8s_arena_free(m.arena);
        return 2;
    }
    int rc = 1;
    if (model_load(&m, spec, version)) {
        if (mode == DUMP_MODEL) {
            apimodel *am = api_model_of(&m);
            rc = apimodel_write(am, stdout) && fflush(stdout) == 0 ? 0 : 1;
            apimodel_free(am);
        } else if (mode == DUMP_KNOWLEDGE) {
            rc = knowledge_write(&m, stdout) && fflush(stdout) == 0 ? 0 : 1;
        } else {
            const char *changes = previous ? changes_from(&m, previous) : NULL;
            if (!previous || changes)
                rc = emit_tree(&m, out, changes) ? 0 : 1;
        }
    }
    k8s_arena_free(m.arena);
    return rc;
}
