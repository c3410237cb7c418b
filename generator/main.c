/* k8sgen: reads one Kubernetes OpenAPI spec, or CustomResourceDefinitions,
 * and writes one typed C tree.
 *
 *   k8sgen --spec openapi/cache/k8s-1.35.json --out generated/k8s-1.35
 *   k8sgen --crd crds/ extra.yaml --out my-crds
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <ctype.h>
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
          "       k8sgen --crd PATH... [--crd-from-cluster GROUP[/VERSION]...] --out DIR\n"
          "              [--name NAME] [--map [GROUP/VERSION/]KIND.PATH=GROUP/VERSION.TYPE]...\n"
          "\n"
          "--spec: reads a Kubernetes OpenAPI (Swagger 2.0) spec and writes a typed C tree\n"
          "(headers, descriptor tables, kind registry, API calls, CMakeLists.txt) into DIR.\n"
          "The Kubernetes version is taken from a file name like k8s-1.35.json unless\n"
          "--k8s-version gives it.\n"
          "\n"
          "--previous FILE  the spec of the previous version: the tree's README lists\n"
          "                 the C API changes from it (as k8s-apidiff reports them)\n"
          "--dump-model     print the C API the tree would declare, one sorted record\n"
          "                 a line (tools/apimodel.h), instead of writing a tree\n"
          "--dump-knowledge print what k8sc check knows of the version (its kinds,\n"
          "                 the shape of each definition, deprecation notices; the\n"
          "                 format is described in generator/knowledge.c)\n"
          "--knowledge F.c  write that knowledge of every --spec given (the version of\n"
          "                 each taken from its file name) as a C source for k8sc\n"
          "\n"
          "--crd: reads CustomResourceDefinitions from YAML or JSON files (any number of\n"
          "documents; others are skipped with a note), folders (read recursively) or - (standard\n"
          "input), and writes one tree for all of them. --crd-from-cluster reads the CRDs of a\n"
          "group (or one version of it) from the cluster of the current kubeconfig. The tree is\n"
          "named NAME (default: DIR's last part): the types in k8s::NAME_types (header\n"
          "k8s/NAME_types.h, registry k8s_NAME_registry), the calls in k8s::NAME (k8s/NAME.h).\n"
          "--map makes the object at PATH in KIND's schema the built-in type TYPE\n"
          "(--map Rollout.spec.template=core/v1.PodTemplateSpec).\n"
          "\n"
          "Exit status: 0 done, 2 bad input or options (nothing written), 1 other failures.\n",
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

/* "[GROUP/VERSION/]KIND.PATH=TYPE" */
static bool parse_map(k8s_arena *a, const char *arg, crd_map *mp)
{
    memset(mp, 0, sizeof *mp);
    mp->arg = arg;
    const char *eq = strchr(arg, '=');
    if (!eq || !eq[1])
        return false;
    mp->type = eq + 1;
    char *left = k8s_arena_strndup(a, arg, (size_t)(eq - arg));
    char *slash = strrchr(left, '/');
    char *kind = left;
    if (slash) {
        *slash = '\0';
        kind = slash + 1;
        char *gv = strrchr(left, '/');
        if (!gv)
            return false;
        *gv = '\0';
        mp->group = left;
        mp->version = gv + 1;
    }
    char *dot = strchr(kind, '.');
    if (!dot || !dot[1] || dot == kind)
        return false;
    *dot = '\0';
    mp->kind = kind;
    mp->path = dot + 1;
    return true;
}

/* The tree's name: letters, digits and '_' ("my-crds" -> "my_crds"), not
 * one that would give a header or CMake target of the runtime's or a
 * built-in tree's (k8s/NAME.h, k8s::NAME). */
static const char *tree_name(k8s_arena *a, const char *given, const char *out)
{
    if (!given) {
        size_t n = strlen(out);
        while (n > 1 && out[n - 1] == '/')
            n--;
        const char *base = out + n;
        while (base > out && base[-1] != '/')
            base--;
        given = k8s_arena_strndup(a, base, (size_t)(out + n - base));
    }
    char *name = k8s_arena_strdup(a, given);
    for (char *p = name; *p; p++)
        *p = isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '_';
    if (!isalpha((unsigned char)name[0])) {
        fprintf(stderr, "k8sgen: the tree's name \"%s\" does not start with a letter; give --name\n", given);
        return NULL;
    }
    static const char *const taken[] = {"api", "api_types", "core", K8SGEN_RUNTIME_HEADERS, NULL};
    for (size_t i = 0; taken[i]; i++)
        if (strcmp(name, taken[i]) == 0) {
            fprintf(stderr, "k8sgen: the tree's name \"%s\" would make k8s/%s.h and k8s::%s, which the runtime or a "
                            "built-in tree has; give another --name\n", name, name, name);
            return NULL;
        }
    return name;
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

enum spec_mode { TREE, DUMP_MODEL, DUMP_KNOWLEDGE };

static int run_spec(model *m, const char **specs, size_t nspecs, const char *out, const char *version,
                    const char *previous, const char *knowledge, enum spec_mode mode)
{
    /* a wrong path is the likelier mistake than a name without the version */
    for (size_t i = 0; i <= nspecs; i++) {
        const char *path = i < nspecs ? specs[i] : previous;
        FILE *f = path ? fopen(path, "rb") : NULL;
        if (path && !f) {
            fprintf(stderr, "k8sgen: cannot read %s: %s\n", path, strerror(errno));
            return 2;
        }
        if (f)
            fclose(f);
    }
    if (knowledge)
        return write_knowledge(specs, nspecs, knowledge);
    const char *spec = specs[0];
    if (!version)
        version = version_from_name(m->arena, spec);
    if (!version) {
        fprintf(stderr, "k8sgen: cannot tell the Kubernetes version from %s; use --k8s-version\n", spec);
        return 2;
    }
    if (!model_load(m, spec, version))
        return 1;
    if (mode == DUMP_MODEL) {
        apimodel *am = api_model_of(m);
        int rc = apimodel_write(am, stdout) && fflush(stdout) == 0 ? 0 : 1;
        apimodel_free(am);
        return rc;
    }
    if (mode == DUMP_KNOWLEDGE)
        return knowledge_write(m, stdout) && fflush(stdout) == 0 ? 0 : 1;
    const char *changes = previous ? changes_from(m, previous) : NULL;
    if (previous && !changes)
        return 1;
    return emit_tree(m, out, changes) ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *out = NULL, *version = NULL, *name = NULL, *previous = NULL, *knowledge = NULL;
    const char **specs = calloc((size_t)argc, sizeof *specs);
    const char **crds = calloc((size_t)argc, sizeof *crds), **groups = calloc((size_t)argc, sizeof *groups);
    crd_map *maps = calloc((size_t)argc, sizeof *maps);
    size_t nspecs = 0, ncrds = 0, ngroups = 0, nmaps = 0;
    enum spec_mode mode = TREE;
    model m = {0};
    m.arena = k8s_arena_new();
    crd_input in = {.arena = m.arena};
    crd_options opts;
    int rc = 2;
    if (!specs || !crds || !groups || !maps || !m.arena) {
        fputs("k8sgen: out of memory\n", stderr);
        rc = 1;
        goto out;
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            rc = 0;
            goto out;
        }
        if (strcmp(arg, "--dump-model") == 0 || strcmp(arg, "--dump-knowledge") == 0) {
            mode = strcmp(arg, "--dump-model") == 0 ? DUMP_MODEL : DUMP_KNOWLEDGE;
            continue;
        }
        bool many = strcmp(arg, "--crd") == 0 || strcmp(arg, "--crd-from-cluster") == 0;
        const char **dst = strcmp(arg, "--spec") == 0          ? &specs[nspecs] /* may repeat */
                           : strcmp(arg, "--out") == 0         ? &out
                           : strcmp(arg, "--k8s-version") == 0 ? &version
                           : strcmp(arg, "--name") == 0        ? &name
                           : strcmp(arg, "--previous") == 0    ? &previous
                           : strcmp(arg, "--knowledge") == 0   ? &knowledge
                                                               : NULL;
        bool map = strcmp(arg, "--map") == 0;
        if ((!dst && !many && !map) || i + 1 >= argc || (argv[i + 1][0] == '-' && argv[i + 1][1])) {
            fprintf(stderr, "k8sgen: %s %s\n", arg, dst || many || map ? "needs a value" : "is not an option");
            usage(stderr);
            goto out;
        }
        if (many) { /* every following argument up to the next option */
            const char **list = strcmp(arg, "--crd") == 0 ? crds : groups;
            size_t *n = list == crds ? &ncrds : &ngroups;
            while (i + 1 < argc && !(argv[i + 1][0] == '-' && argv[i + 1][1]))
                list[(*n)++] = argv[++i];
        } else if (map) {
            if (!parse_map(m.arena, argv[++i], &maps[nmaps++])) {
                fprintf(stderr, "k8sgen: --map %s: write [GROUP/VERSION/]KIND.PATH=GROUP/VERSION.TYPE\n", argv[i]);
                goto out;
            }
        } else {
            *dst = argv[++i];
            if (dst == &specs[nspecs])
                nspecs++;
        }
    }
    bool crd_mode = ncrds || ngroups;
    bool spec_usable = knowledge ? nspecs && !out && !previous && !version && mode == TREE
                                 : nspecs == 1 && (mode == TREE) == (out != NULL) && !(mode != TREE && previous);
    if (crd_mode ? nspecs || !out || version || previous || knowledge || mode != TREE
                 : !spec_usable || name || nmaps) {
        usage(stderr);
        goto out;
    }
    if (!crd_mode) {
        rc = run_spec(&m, specs, nspecs, out, version, previous, knowledge, mode);
        goto out;
    }
    opts = (crd_options){tree_name(m.arena, name, out), maps, nmaps};
    if (!opts.name)
        goto out;
    for (size_t i = 0; i < ncrds; i++)
        crd_input_path(&in, crds[i]);
    bool cluster_ok = !ngroups || crd_input_cluster(&in, groups, ngroups);
    if (in.errors)
        rc = 2;
    else if (!cluster_ok)
        rc = 1; /* the cluster could not be read: not the input's fault */
    else if (!in.ndocs)
        fprintf(stderr, "k8sgen: no CustomResourceDefinition in the input\n");
    else if (crd_build_model(&m, in.docs, in.ndocs, &opts))
        rc = emit_tree(&m, out, NULL) ? 0 : 1;
out:
    crd_input_free(&in);
    k8s_arena_free(m.arena);
    free(specs);
    free(crds);
    free(groups);
    free(maps);
    return rc;
}
