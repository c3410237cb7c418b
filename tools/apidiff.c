/* k8s-apidiff: what changed in the C API between two generated trees.
 *
 *   k8s-apidiff [--format text|json|markdown] OLD NEW
 *   k8s-apidiff --dump TREE
 *
 * OLD and NEW are tree folders, pinned versions (generated on the fly from
 * the verified spec) or model listings (k8sgen --dump-model). Exit status:
 * 0 nothing removed or changed, 1 removals or incompatible changes, 2 usage
 * or input errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "apiclang.h"
#include "trees.h"

enum { EXIT_SAME = 0, EXIT_INCOMPATIBLE = 1, EXIT_ERROR = 2 };

static void usage(FILE *f)
{
    fputs("usage: k8s-apidiff [--format text|json|markdown] OLD NEW\n"
          "       k8s-apidiff --dump TREE\n"
          "\n"
          "Compares the C API of two generated trees as a compiler sees them (libclang):\n"
          "kinds and group-versions, structs and fields, functions, variables, macros,\n"
          "and for each removed kind the versions of its group that still have it.\n"
          "OLD and NEW are tree folders, pinned Kubernetes versions (1.33: generated from\n"
          "the verified spec into a cache), or API model listings (k8sgen --dump-model).\n"
          "--dump prints the model listing of one tree.\n"
          "\n"
          "Exit status: 0 no removals or incompatible changes, 1 some, 2 usage or input error.\n",
          f);
}

static bool is_regular(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

static apimodel *load(k8s_arena *a, const pinned *p, const char *arg, char *err, size_t errlen)
{
    if (is_regular(arg))
        return apimodel_read(arg, err, errlen);
    const char *version;
    const char *tree = tree_for(a, p, arg, &version, err, errlen);
    if (!tree)
        return NULL;
    const char *cache = version ? cache_dir(a, err, errlen) : NULL;
    char name[64];
    snprintf(name, sizeof name, "k8s-%s", version ? version : "");
    int lock = cache ? cache_lock(cache, name) : -1;
    apimodel *m = apiclang_tree_model(tree, cache, version ? name : NULL, err, errlen);
    cache_unlock(lock);
    return m;
}

int main(int argc, char **argv)
{
    am_format format = AM_TEXT;
    const char *args[2];
    int nargs = 0;
    bool dump = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--dump") == 0) {
            dump = true;
        } else if (strcmp(a, "--format") == 0 || strncmp(a, "--format=", 9) == 0) {
            const char *v = a[8] == '=' ? a + 9 : i + 1 < argc ? argv[++i] : "";
            if (strcmp(v, "text") == 0)
                format = AM_TEXT;
            else if (strcmp(v, "json") == 0)
                format = AM_JSON;
            else if (strcmp(v, "markdown") == 0)
                format = AM_MARKDOWN;
            else {
                fprintf(stderr, "k8s-apidiff: --format takes text, json or markdown, not \"%s\"\n", v);
                return EXIT_ERROR;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "k8s-apidiff: %s is not an option\n", a);
            usage(stderr);
            return EXIT_ERROR;
        } else if (nargs < 2) {
            args[nargs++] = a;
        } else {
            usage(stderr);
            return EXIT_ERROR;
        }
    }
    if (nargs != (dump ? 1 : 2)) {
        usage(stderr);
        return EXIT_ERROR;
    }
    k8s_arena *a = k8s_arena_new();
    pinned p;
    char err[4096];
    apimodel *m[2] = {NULL, NULL};
    int rc = EXIT_ERROR;
    if (!a || !pinned_load(a, &p, err, sizeof err))
        goto fail;
    for (int i = 0; i < nargs; i++)
        if (!(m[i] = load(a, &p, args[i], err, sizeof err)))
            goto fail;
    if (dump) {
        rc = apimodel_write(m[0], stdout) ? EXIT_SAME : EXIT_ERROR;
    } else {
        am_diff *d = apimodel_diff(m[0], m[1]);
        rc = apimodel_report(d, format, 1, stdout) ? d->incompatible ? EXIT_INCOMPATIBLE : EXIT_SAME : EXIT_ERROR;
        apimodel_diff_free(d);
    }
    if (fflush(stdout) != 0)
        rc = EXIT_ERROR;
    apimodel_free(m[0]);
    apimodel_free(m[1]);
    k8s_arena_free(a);
    return rc;
fail:
    fprintf(stderr, "k8s-apidiff: %s\n", a ? err : "out of memory");
    apimodel_free(m[0]);
    apimodel_free(m[1]);
    k8s_arena_free(a);
    return EXIT_ERROR;
}
