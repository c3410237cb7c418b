/* k8sgen: reads one Kubernetes OpenAPI spec and writes one typed C tree.
 *
 *   k8sgen --spec openapi/cache/k8s-1.35.json --out generated/k8s-1.35
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8sgen.h"

static void usage(FILE *f)
{
    fputs("usage: k8sgen --spec FILE --out DIR [--k8s-version X.Y]\n"
          "\n"
          "Reads a Kubernetes OpenAPI (Swagger 2.0) spec and writes a typed C tree\n"
          "(headers, descriptor tables, kind registry, CMakeLists.txt) into DIR.\n"
          "The Kubernetes version is taken from a file name like k8s-1.35.json\n"
          "unless --k8s-version gives it.\n",
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

int main(int argc, char **argv)
{
    const char *spec = NULL, *out = NULL, *version = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char **dst = strcmp(arg, "--spec") == 0          ? &spec
                           : strcmp(arg, "--out") == 0         ? &out
                           : strcmp(arg, "--k8s-version") == 0 ? &version
                                                               : NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (!dst || i + 1 >= argc) {
            fprintf(stderr, "k8sgen: %s %s\n", arg, dst ? "needs a value" : "is not an option");
            usage(stderr);
            return 2;
        }
        *dst = argv[++i];
    }
    if (!spec || !out) {
        usage(stderr);
        return 2;
    }
    /* a wrong path is the likelier mistake than a name without the version */
    FILE *f = fopen(spec, "rb");
    if (!f) {
        fprintf(stderr, "k8sgen: cannot read %s: %s\n", spec, strerror(errno));
        return 2;
    }
    fclose(f);
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
    int rc = model_load(&m, spec, version) && emit_tree(&m, out) ? 0 : 1;
    k8s_arena_free(m.arena);
    return rc;
}
