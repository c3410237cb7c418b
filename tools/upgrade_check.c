/* k8s-upgrade-check: what in a program written against one generated tree
 * breaks, or is deprecated, in a newer Kubernetes version.
 *
 *   k8s-upgrade-check --to 1.36 [--from 1.35] -p build/compile_commands.json [FILE...]
 *   k8s-upgrade-check --to 1.36 [--from 1.35] -- FLAGS... FILE...
 *
 * Each source is parsed with libclang as its compiler sees it; every use of a
 * declaration of the generated tree it includes is looked up in the models of
 * the pinned versions after it, up to --to. Removals, type and signature
 * changes are errors, deprecations warnings, in the compilers' format.
 * --fix / --fix-out DIR move a file's uses of a removed group-version to the
 * most stable version of the group that has every name and every field the
 * file uses with the same type. Exit status as pluto's: 0 clean, 2 only
 * deprecations (or a usage/input error, with one line on stderr), 3
 * removals or changes. */
#define _GNU_SOURCE /* realpath */
#include <clang-c/CXCompilationDatabase.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Sources and headers are small; the cap keeps a mistaken path (a device) out. */
#define FILE_LIMIT ((size_t)256 << 20)

#include "apiclang.h"
#include "k8s/buf.h"
#include "trees.h"

enum { EXIT_CLEAN = 0, EXIT_DEPRECATED = 2, EXIT_USAGE = 2, EXIT_BROKEN = 3 };

static void usage(FILE *f)
{
    fputs("usage: k8s-upgrade-check --to VERSION [--from VERSION] [--fix | --fix-out DIR]\n"
          "                         (-p BUILD_DIR|compile_commands.json [FILE...] | -- FLAGS... FILE...)\n"
          "\n"
          "Checks C and C++ sources that use a generated Kubernetes tree against a newer\n"
          "pinned version: every use of a function, type, field, variable or macro of the\n"
          "tree that the target removed or changed is an error, one it deprecates a warning,\n"
          "as file:line:col: lines. --from is the version the code builds with today\n"
          "(default: K8S_API_VERSION of the tree it includes).\n"
          "--fix rewrites the files (--fix-out DIR writes fixed copies there instead): uses of\n"
          "a removed group-version move to the most stable version of the group that has every\n"
          "name and field the file uses, with the same types. What it cannot move is listed.\n"
          "\n"
          "Exit status: 0 clean, 2 only deprecations, 3 removals or changes; 2 with one line\n"
          "on stderr for bad input.\n",
          f);
}

/* ---- what is known about the versions ---- */

typedef struct versions {
    pinned pins;
    const char *from, *to;
    apimodel *from_model;
    apimodel **chain; /* pinned versions after from, up to to (to last) */
    const char **chain_names;
    size_t nchain;
} versions;

static apimodel *version_model(k8s_arena *a, const pinned *p, const char *version, char *err, size_t errlen)
{
    const char *v;
    const char *tree = tree_for(a, p, version, &v, err, errlen);
    const char *cache = tree ? cache_dir(a, err, errlen) : NULL;
    if (!cache)
        return NULL;
    char name[64];
    snprintf(name, sizeof name, "k8s-%s", version);
    int lock = cache_lock(cache, name);
    apimodel *m = apiclang_tree_model(tree, cache, name, err, errlen);
    cache_unlock(lock);
    return m;
}

static const apimodel *target(const versions *vs)
{
    return vs->chain[vs->nchain - 1];
}

/* The first version of the chain from which on the record is missing (or,
 * with changed, differs from old), or NULL when the target still has it. */
static const char *since(const versions *vs, const am_rec *old, bool changed)
{
    const char *first = NULL;
    for (size_t i = 0; i < vs->nchain; i++) {
        const am_rec *r = apimodel_find(vs->chain[i], old->type, old->owner, old->name);
        bool gone = changed ? r && strcmp(r->value, old->value) != 0 : !r;
        if (gone && !first)
            first = vs->chain_names[i];
        else if (!gone)
            first = NULL;
    }
    return first;
}

/* ---- uses found in the sources ---- */

typedef struct use {
    const char *file; /* real path */
    unsigned line, col, offset;
    const am_rec *rec; /* in the from model */
    bool token;        /* the name is spelled at offset in file (so --fix can rename it) */
} use;

typedef struct include_line {
    const char *file;
    unsigned offset, len; /* of the header name as written */
    const char *name;     /* "k8s/resource/v1alpha3.h" */
} include_line;

typedef struct state {
    k8s_arena *a;
    versions *vs;
    const char *tree_include; /* real path with a trailing /, of the tree the sources include */
    use *uses;
    size_t nuses, cap;
    include_line *incs;
    size_t nincs, icap;
    CXTranslationUnit tu;
} state;

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return p;
    *cap = *cap ? *cap * 2 : 256;
    void *np = realloc(p, *cap * size);
    if (!np) {
        fputs("k8s-upgrade-check: out of memory\n", stderr);
        exit(EXIT_USAGE);
    }
    return np;
}

static const char *real_name(k8s_arena *a, CXFile f)
{
    const char *r = apiclang_str(a, clang_File_tryGetRealPathName(f));
    return *r ? r : apiclang_str(a, clang_getFileName(f));
}

static bool in_tree(const state *s, const char *path)
{
    return s->tree_include && strncmp(path, s->tree_include, strlen(s->tree_include)) == 0;
}

/* The model record a referenced declaration stands for, or NULL when it is
 * not one of the tree's. */
static const am_rec *record_for(state *s, CXCursor ref)
{
    CXFile f;
    clang_getSpellingLocation(clang_getCursorLocation(ref), &f, NULL, NULL, NULL);
    if (!f || !in_tree(s, real_name(s->a, f)))
        return NULL;
    const apimodel *m = s->vs->from_model;
    const char *name = apiclang_str(s->a, clang_getCursorSpelling(ref));
    switch (clang_getCursorKind(ref)) {
    case CXCursor_FunctionDecl: return apimodel_find(m, AM_FUNCTION, "", name);
    case CXCursor_VarDecl: return apimodel_find(m, AM_VARIABLE, "", name);
    case CXCursor_MacroDefinition: return apimodel_find(m, AM_MACRO, "", name);
    case CXCursor_TypedefDecl:
    case CXCursor_StructDecl: return apimodel_find(m, AM_STRUCT, "", name);
    case CXCursor_FieldDecl: {
        const char *owner = apiclang_str(s->a, clang_getCursorSpelling(clang_getCursorSemanticParent(ref)));
        return apimodel_find(m, AM_MEMBER, owner, name);
    }
    default: return NULL;
    }
}

static void add_use(state *s, CXCursor c, const am_rec *rec)
{
    CXSourceLocation loc = clang_getCursorLocation(c);
    if (clang_Location_isInSystemHeader(loc))
        return;
    CXFile f;
    unsigned line, col, off;
    clang_getExpansionLocation(loc, &f, &line, &col, &off);
    if (!f)
        return;
    const char *file = real_name(s->a, f);
    if (in_tree(s, file))
        return; /* the tree's own headers */
    CXFile sf;
    unsigned soff;
    clang_getSpellingLocation(loc, &sf, NULL, NULL, &soff);
    for (size_t i = 0; i < s->nuses; i++) /* a header seen again by another source */
        if (s->uses[i].offset == off && s->uses[i].rec == rec && strcmp(s->uses[i].file, file) == 0)
            return;
    s->uses = grow(s->uses, &s->cap, s->nuses, sizeof *s->uses);
    /* the rename needs the name itself at this place, not a macro of the user's */
    bool token = sf == f && soff == off;
    s->uses[s->nuses++] = (use){file, line, col, off, rec, token};
}

static enum CXChildVisitResult on_cursor(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    state *s = data;
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_InclusionDirective) {
        CXFile inc = clang_getIncludedFile(c);
        if (inc && in_tree(s, real_name(s->a, inc)) && clang_Location_isFromMainFile(clang_getCursorLocation(c))) {
            const char *name = apiclang_str(s->a, clang_getCursorSpelling(c));
            CXFile f;
            unsigned off;
            clang_getSpellingLocation(clang_getCursorLocation(c), &f, NULL, NULL, &off);
            CXSourceRange ext = clang_getCursorExtent(c);
            unsigned end;
            clang_getSpellingLocation(clang_getRangeEnd(ext), NULL, NULL, NULL, &end);
            s->incs = grow(s->incs, &s->icap, s->nincs, sizeof *s->incs);
            s->incs[s->nincs++] = (include_line){real_name(s->a, f), off, end - off, name};
        }
        return CXChildVisit_Continue;
    }
    if (k == CXCursor_DeclRefExpr || k == CXCursor_TypeRef || k == CXCursor_MemberRefExpr ||
        k == CXCursor_MemberRef || k == CXCursor_MacroExpansion) {
        CXCursor ref = clang_getCursorReferenced(c);
        if (!clang_Cursor_isNull(ref)) {
            const am_rec *rec = record_for(s, ref);
            if (rec)
                add_use(s, c, rec);
        }
    }
    return CXChildVisit_Recurse;
}


/* ---- the tree the sources build with ---- */

typedef struct tree_ref {
    k8s_arena *a;
    const char *include, *version;
} tree_ref;

/* K8S_API_VERSION from the file at path, or NULL. */
static const char *api_version_of(k8s_arena *a, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512], v[64];
    const char *out = NULL;
    while (f && !out && fgets(line, sizeof line, f))
        if (sscanf(line, "#define K8S_API_VERSION \"%63[^\"]\"", v) == 1)
            out = k8s_arena_strdup(a, v);
    if (f)
        fclose(f);
    return out;
}

/* The tree is the include folder of a header ".../k8s/..." whose folder
 * also holds k8s/api_types.h (the runtime's k8s/ has none), or k8s/api.h
 * in a tree of an older layout (which the layout check then names). */
static void on_inclusion(CXFile included, CXSourceLocation *stack, unsigned depth, CXClientData data)
{
    (void)stack;
    (void)depth;
    tree_ref *t = data;
    if (t->include)
        return;
    const char *path = real_name(t->a, included);
    const char *k = strstr(path, "/k8s/");
    while (k && strstr(k + 1, "/k8s/"))
        k = strstr(k + 1, "/k8s/");
    if (!k)
        return;
    const char *version = NULL;
    for (int i = 0; i < 2 && !version; i++) {
        char header[PATH_MAX];
        snprintf(header, sizeof header, "%.*s/k8s/%s", (int)(k - path), path, i ? "api.h" : "api_types.h");
        version = api_version_of(t->a, header);
    }
    if (version) {
        t->include = k8s_arena_strndup(t->a, path, (size_t)(k - path) + 1); /* with the trailing / */
        t->version = version;
    }
}

/* Sets up vs for the tree a translation unit includes: the from model and
 * the chain of versions up to --to. */
static bool setup_versions(state *s, CXTranslationUnit tu, const char *source, char *err, size_t errlen)
{
    tree_ref t = {s->a, NULL, NULL};
    clang_getInclusions(tu, on_inclusion, &t);
    if (!t.include)
        return true; /* this source does not use a generated tree */
    versions *vs = s->vs;
    if (s->tree_include) {
        if (strcmp(s->tree_include, t.include) != 0) {
            snprintf(err, errlen, "%s builds with the tree in %s, other sources with %s: check them apart", source,
                     t.include, s->tree_include);
            return false;
        }
        return true;
    }
    s->tree_include = t.include;
    if (!vs->from)
        vs->from = t.version;
    if (!vs->from) {
        snprintf(err, errlen, "%s: cannot tell the version of the tree in %s; give --from", source, t.include);
        return false;
    }
    int from = pinned_index(&vs->pins, vs->from), to = pinned_index(&vs->pins, vs->to);
    if (from >= to) {
        snprintf(err, errlen, "--to %s is not newer than %s, the version the code builds with", vs->to, vs->from);
        return false;
    }
    /* the model of the tree itself when it is a whole tree, else the pinned
     * one; the tree is the folder around the include folder (a real path
     * that ends in '/') */
    size_t n = strlen(t.include) - 1;
    while (n > 1 && t.include[n - 1] != '/')
        n--;
    char tree[PATH_MAX];
    snprintf(tree, sizeof tree, "%.*s", (int)(n > 1 ? n - 1 : n), t.include);
    char registry[PATH_MAX + 32];
    snprintf(registry, sizeof registry, "%s/src/registry.c", tree);
    const char *cache = cache_dir(s->a, err, errlen);
    if (!cache)
        return false;
    if (access(registry, R_OK) == 0) {
        char name[128];
        snprintf(name, sizeof name, "user-%s", vs->from);
        vs->from_model = apiclang_tree_model(tree, cache, name, err, errlen);
    } else if (from >= 0) {
        vs->from_model = version_model(s->a, &vs->pins, vs->from, err, errlen);
    } else {
        snprintf(err, errlen, "%s: not a whole tree (no src/registry.c) and %s is not pinned; give --from", tree,
                 vs->from);
        return false;
    }
    if (!vs->from_model)
        return false;
    size_t first = from >= 0 ? (size_t)from + 1 : (size_t)to;
    vs->nchain = (size_t)to + 1 - first;
    vs->chain = k8s_arena_alloc(s->a, vs->nchain * sizeof *vs->chain);
    vs->chain_names = k8s_arena_alloc(s->a, vs->nchain * sizeof *vs->chain_names);
    for (size_t i = 0; i < vs->nchain; i++) {
        vs->chain_names[i] = vs->pins.versions[first + i];
        if (!(vs->chain[i] = version_model(s->a, &vs->pins, vs->chain_names[i], err, errlen)))
            return false;
    }
    return true;
}

/* ---- sources and their flags ---- */

typedef struct job {
    const char *file, *dir;
    const char **args;
    int nargs;
} job;

static bool is_source(const char *a)
{
    static const char *const exts[] = {".c", ".cc", ".cpp", ".cxx", ".C", ".c++"};
    const char *dot = strrchr(a, '.');
    for (size_t i = 0; dot && i < sizeof exts / sizeof exts[0]; i++)
        if (strcmp(dot, exts[i]) == 0)
            return true;
    return false;
}

/* The compiler's arguments less what names the output or the input. */
static job job_from_command(k8s_arena *a, CXCompileCommand cmd)
{
    job j = {0};
    unsigned n = clang_CompileCommand_getNumArgs(cmd);
    j.file = apiclang_str(a, clang_CompileCommand_getFilename(cmd));
    j.dir = apiclang_str(a, clang_CompileCommand_getDirectory(cmd));
    j.args = k8s_arena_alloc(a, (n + 4) * sizeof *j.args);
    for (unsigned i = 1; i < n; i++) {
        const char *arg = apiclang_str(a, clang_CompileCommand_getArg(cmd, i));
        if (strcmp(arg, "-o") == 0) {
            i++;
            continue;
        }
        if (strcmp(arg, "-c") == 0 || strcmp(arg, j.file) == 0 || strncmp(arg, "-fsanitize", 10) == 0)
            continue;
        j.args[j.nargs++] = arg;
    }
    return j;
}

static bool jobs_from_db(k8s_arena *a, const char *p, char **files, int nfiles, job **out, size_t *nout, char *err,
                         size_t errlen)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", p);
    size_t n = strlen(dir);
    size_t base = strlen("compile_commands.json");
    if (n > base && strcmp(dir + n - base, "compile_commands.json") == 0 && dir[n - base - 1] == '/')
        dir[n - base - 1] = '\0';
    char db_path[PATH_MAX + 32];
    snprintf(db_path, sizeof db_path, "%s/compile_commands.json", dir);
    if (access(db_path, R_OK) != 0) {
        snprintf(err, errlen, "cannot read %s: %s (configure with CMAKE_EXPORT_COMPILE_COMMANDS=ON)", db_path,
                 strerror(errno));
        return false;
    }
    CXCompilationDatabase_Error dberr;
    CXCompilationDatabase db = clang_CompilationDatabase_fromDirectory(dir, &dberr);
    if (dberr != CXCompilationDatabase_NoError) {
        snprintf(err, errlen, "%s: not a compilation database libclang can read", db_path);
        return false;
    }
    bool ok = true;
    *nout = 0;
    CXCompileCommands all = nfiles ? NULL : clang_CompilationDatabase_getAllCompileCommands(db);
    size_t cap = nfiles ? (size_t)nfiles : clang_CompileCommands_getSize(all);
    *out = k8s_arena_alloc(a, (cap + 1) * sizeof **out);
    if (all) {
        for (unsigned i = 0; i < cap; i++)
            (*out)[(*nout)++] = job_from_command(a, clang_CompileCommands_getCommand(all, i));
        clang_CompileCommands_dispose(all);
    }
    for (int i = 0; ok && i < nfiles; i++) {
        char real[PATH_MAX];
        if (!realpath(files[i], real)) {
            snprintf(err, errlen, "cannot read %s: %s", files[i], strerror(errno));
            ok = false;
            break;
        }
        CXCompileCommands cmds = clang_CompilationDatabase_getCompileCommands(db, real);
        if (!cmds || clang_CompileCommands_getSize(cmds) == 0) {
            snprintf(err, errlen, "%s is not in %s", files[i], db_path);
            ok = false;
        } else {
            (*out)[(*nout)++] = job_from_command(a, clang_CompileCommands_getCommand(cmds, 0));
        }
        clang_CompileCommands_dispose(cmds);
    }
    clang_CompilationDatabase_dispose(db);
    return ok;
}

static bool parse_job(state *s, const job *j, CXIndex index, char *err, size_t errlen)
{
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd) || (j->dir && *j->dir && chdir(j->dir) != 0)) {
        snprintf(err, errlen, "cannot enter %s: %s", j->dir, strerror(errno));
        return false;
    }
    if (access(j->file, R_OK) != 0) {
        snprintf(err, errlen, "cannot read %s: %s", j->file, strerror(errno));
        return chdir(cwd), false;
    }
    const char **args = k8s_arena_alloc(s->a, ((size_t)j->nargs + 4) * sizeof *args);
    int n = 0;
    bool has_resource_dir = false;
    for (int i = 0; i < j->nargs; i++) {
        has_resource_dir |= strcmp(j->args[i], "-resource-dir") == 0;
        args[n++] = j->args[i];
    }
    if (!has_resource_dir)
        n += apiclang_base_args(args + n);
    /* a gcc build's warning options (-Wlogical-op, -Wno-error=maybe-uninitialized)
     * are unknown to clang, and errors under -Werror */
    args[n++] = "-Wno-unknown-warning-option";
    CXTranslationUnit tu = NULL;
    enum CXErrorCode rc = clang_parseTranslationUnit2(index, j->file, args, n, NULL, 0,
                                                      CXTranslationUnit_DetailedPreprocessingRecord, &tu);
    const char *problem = rc != CXError_Success ? "libclang could not parse it" : apiclang_first_error(s->a, tu);
    bool ok = !problem;
    if (problem)
        snprintf(err, errlen, "%s does not compile: %s", j->file, problem);
    if (ok && (ok = setup_versions(s, tu, j->file, err, errlen)) && s->tree_include) {
        s->tu = tu;
        clang_visitChildren(clang_getTranslationUnitCursor(tu), on_cursor, s);
    }
    if (tu)
        clang_disposeTranslationUnit(tu);
    if (chdir(cwd) != 0 && ok) {
        snprintf(err, errlen, "cannot return to %s", cwd);
        ok = false;
    }
    return ok;
}

/* ---- findings ---- */

typedef enum severity { SEV_NONE, SEV_WARNING, SEV_ERROR } severity;

static int cmp_use(const void *a, const void *b)
{
    const use *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    if (c)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->col < y->col ? -1 : x->col > y->col;
}

/* "k8s_" + pkg with '/' as '_' + "_": the prefix of a package's names. */
static const char *prefix_of(k8s_arena *a, const char *pkg)
{
    size_t n = strlen(pkg);
    char *out = k8s_arena_alloc(a, n + 6);
    sprintf(out, "k8s_%s_", pkg);
    for (char *c = out; *c; c++)
        if (*c == '/')
            *c = '_';
    return out;
}

/* text with every name of package from renamed to package to */
static const char *renamed(k8s_arena *a, const char *text, const char *from, const char *to)
{
    const char *pf = prefix_of(a, from), *pt = prefix_of(a, to);
    size_t lf = strlen(pf), lt = strlen(pt), n = 0;
    for (const char *p = strstr(text, pf); p; p = strstr(p + lf, pf))
        n++;
    char *out = k8s_arena_alloc(a, strlen(text) + n * lt + 1), *o = out;
    for (const char *p = text; *p;) {
        if (strncmp(p, pf, lf) == 0 && (p == text || !(p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z')))) {
            memcpy(o, pt, lt);
            o += lt;
            p += lf;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

/* The other packages of pkg's group in m, most stable version first. */
static size_t sibling_packages(k8s_arena *a, const apimodel *m, const char *pkg, const char **out, size_t max)
{
    const char *slash = strchr(pkg, '/');
    if (!slash)
        return 0;
    size_t glen = (size_t)(slash - pkg) + 1, n = 0;
    for (size_t i = 0; i < m->n; i++) {
        const am_rec *r = &m->recs[i];
        if (r->type != AM_STRUCT || strncmp(r->pkg, pkg, glen) != 0 || strcmp(r->pkg, pkg) == 0)
            continue;
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++)
            seen = strcmp(out[k], r->pkg) == 0;
        if (seen || n == max)
            continue;
        size_t at = n++;
        while (at > 0 && apimodel_version_rank_cmp(out[at - 1], r->pkg) > 0) {
            out[at] = out[at - 1];
            at--;
        }
        out[at] = r->pkg;
    }
    (void)a;
    return n;
}

/* Where a removed name lives on: "; resource.k8s.io/v1 serves ResourceClaim:
 * k8s_resource_v1_resource_claim_get", or "; k8s/resource/v1.h has
 * k8s_resource_v1_device_request" (a package's calls are in its _api.h), or "". */
static const char *successor(k8s_arena *a, const versions *vs, const am_rec *r)
{
    const apimodel *from = vs->from_model, *to = target(vs);
    const char *owner = r->type == AM_STRUCT ? r->name : apimodel_owner_struct(from, r->name);
    for (size_t i = 0; owner && i < from->n; i++) { /* a kind: its group's other versions */
        const am_rec *k = &from->recs[i];
        if (k->type != AM_KIND || strcmp(k->value, owner) != 0 || !k->extra[0])
            continue;
        const am_rec *succ[16];
        size_t ns = apimodel_successors(to, k->owner, k->name, r->type == AM_FUNCTION, succ, 16);
        for (size_t j = 0; j < ns; j++) {
            char name[1024];
            snprintf(name, sizeof name, "%s%s", succ[j]->value, r->name + strlen(owner));
            if (apimodel_find(to, r->type, "", name) || j + 1 == ns) {
                char *out = k8s_arena_alloc(a, 2048);
                snprintf(out, 2048, "; %s %s %s%s%s", succ[j]->owner, succ[j]->extra[0] ? "serves" : "has",
                         k->name, apimodel_find(to, r->type, "", name) ? ": " : "",
                         apimodel_find(to, r->type, "", name) ? name : "");
                return out;
            }
        }
    }
    const char *sibs[16];
    size_t ns = sibling_packages(a, to, r->pkg, sibs, 16);
    for (size_t j = 0; j < ns; j++) {
        const char *name = renamed(a, r->name, r->pkg, sibs[j]);
        if (apimodel_find(to, r->type, "", name)) {
            char *out = k8s_arena_alloc(a, 2048);
            snprintf(out, 2048, "; k8s/%s%s.h has %s", sibs[j], r->type == AM_FUNCTION ? "_api" : "", name);
            return out;
        }
    }
    return "";
}

/* The diagnostic for a use, or SEV_NONE. */
static severity judge(k8s_arena *a, const versions *vs, const use *u, char *msg, size_t len)
{
    const am_rec *r = u->rec, *t = apimodel_find(target(vs), r->type, r->owner, r->name);
    if (r->type == AM_MEMBER) {
        if (!apimodel_find(target(vs), AM_STRUCT, "", r->owner))
            return SEV_NONE; /* reported where the struct is named */
        if (!t) {
            snprintf(msg, len, "%s.%s was removed in %s", r->owner, r->name, since(vs, r, false));
            return SEV_ERROR;
        }
        if (strcmp(t->value, r->value) != 0) {
            snprintf(msg, len, "%s.%s changed type in %s: %s -> %s", r->owner, r->name, since(vs, r, true), r->value,
                     t->value);
            return SEV_ERROR;
        }
    } else if (!t) {
        snprintf(msg, len, "%s was removed in %s%s", r->name, since(vs, r, false), successor(a, vs, r));
        return SEV_ERROR;
    } else if (r->type == AM_FUNCTION && (strcmp(r->value, t->value) != 0 || strcmp(r->extra, t->extra) != 0)) {
        snprintf(msg, len, "%s changed in %s: %s %s(%s) -> %s %s(%s)", r->name, vs->to, r->value, r->name, r->extra,
                 t->value, t->name, t->extra);
        return SEV_ERROR;
    } else if (r->type == AM_VARIABLE && strcmp(r->value, t->value) != 0) {
        snprintf(msg, len, "%s changed type in %s: %s -> %s", r->name, vs->to, r->value, t->value);
        return SEV_ERROR;
    }
    if (t && t->deprecated[0]) {
        if (r->type == AM_MEMBER)
            snprintf(msg, len, "%s.%s is deprecated in %s: %s", r->owner, r->name, vs->to, t->deprecated);
        else
            snprintf(msg, len, "%s is deprecated in %s: %s", r->name, vs->to, t->deprecated);
        return SEV_WARNING;
    }
    return SEV_NONE;
}

/* ---- --fix ---- */

typedef struct edit {
    unsigned offset, len;
    const char *text;
} edit;

static int cmp_edit(const void *a, const void *b)
{
    const edit *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

typedef struct fixer {
    k8s_arena *a;
    const versions *vs;
    const char *out_dir; /* NULL: in place */
    size_t fixed_files, renames, left;
} fixer;

/* Why package to cannot take the file's uses of package from, or NULL. */
static const char *blocker(fixer *fx, const use *uses, size_t n, const char *from, const char *to)
{
    const apimodel *t = target(fx->vs);
    for (size_t i = 0; i < n; i++) {
        const am_rec *r = uses[i].rec;
        if (strcmp(r->pkg, from) != 0)
            continue;
        char *why = k8s_arena_alloc(fx->a, 2048);
        if (!uses[i].token) {
            snprintf(why, 2048, "%s:%u:%u uses %s through a macro", uses[i].file, uses[i].line, uses[i].col, r->name);
            return why;
        }
        const char *owner = renamed(fx->a, r->owner, from, to), *name = renamed(fx->a, r->name, from, to);
        const am_rec *nr = apimodel_find(t, r->type, owner, name);
        if (!nr) {
            snprintf(why, 2048, "%s has no %s%s%s", to, owner, *owner ? "." : "", name);
            return why;
        }
        const char *want = renamed(fx->a, r->value, from, to), *want_extra = renamed(fx->a, r->extra, from, to);
        if (strcmp(want, nr->value) != 0 || strcmp(want_extra, nr->extra) != 0) {
            snprintf(why, 2048, "%s%s%s is %s%s%s in %s, not %s%s%s", owner, *owner ? "." : "", name, nr->value,
                     r->type == AM_FUNCTION ? "(...)" : "", r->type == AM_FUNCTION ? nr->extra : "", to, want,
                     r->type == AM_FUNCTION ? "(...)" : "", "");
            return why;
        }
    }
    return NULL;
}

static bool write_fixed(fixer *fx, const char *file, edit *edits, size_t n, char *err, size_t errlen)
{
    size_t len;
    char *data;
    errno = k8s_read_file(file, FILE_LIMIT, &data, &len);
    if (!data) {
        snprintf(err, errlen, "cannot read %s: %s", file, strerror(errno));
        return false;
    }
    qsort(edits, n, sizeof *edits, cmp_edit);
    char path[PATH_MAX + 256];
    if (fx->out_dir) {
        const char *base = strrchr(file, '/');
        snprintf(path, sizeof path, "%s/%s", fx->out_dir, base ? base + 1 : file);
    } else {
        snprintf(path, sizeof path, "%s", file);
    }
    FILE *f = fopen(path, "wb");
    bool ok = f != NULL;
    size_t at = 0;
    for (size_t i = 0; ok && i < n; i++) {
        if (edits[i].offset < at || edits[i].offset + edits[i].len > len)
            continue; /* the same place twice */
        ok = fwrite(data + at, 1, edits[i].offset - at, f) == edits[i].offset - at &&
             fputs(edits[i].text, f) >= 0;
        at = edits[i].offset + edits[i].len;
    }
    ok = ok && fwrite(data + at, 1, len - at, f) == len - at;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok)
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    free(data);
    return ok;
}

/* Plans and applies the moves for one file's uses (sorted, all in file). */
static bool fix_file(fixer *fx, const char *file, const use *uses, size_t n, const include_line *incs, size_t nincs,
                     char *err, size_t errlen)
{
    k8s_arena *a = fx->a;
    const apimodel *t = target(fx->vs);
    edit *edits = k8s_arena_alloc(a, (n + nincs + 1) * sizeof *edits);
    size_t nedits = 0, nmoves = 0;
    /* each package of the file that lost something in the target */
    for (size_t i = 0; i < n; i++) {
        const am_rec *r = uses[i].rec;
        bool first = true;
        for (size_t k = 0; k < i && first; k++)
            first = strcmp(uses[k].rec->pkg, r->pkg) != 0;
        if (!first)
            continue;
        bool lost = false;
        for (size_t k = i; k < n && !lost; k++)
            lost = strcmp(uses[k].rec->pkg, r->pkg) == 0 && uses[k].rec->type != AM_MEMBER &&
                   !apimodel_find(t, uses[k].rec->type, uses[k].rec->owner, uses[k].rec->name);
        if (!lost)
            continue;
        const char *sibs[16], *why = NULL, *to = NULL;
        size_t ns = sibling_packages(a, t, r->pkg, sibs, 16);
        for (size_t j = 0; j < ns && !to; j++) {
            const char *w = blocker(fx, uses, n, r->pkg, sibs[j]);
            if (!w)
                to = sibs[j];
            else if (!why)
                why = w;
        }
        if (!to) {
            printf("left for a person: %s: its uses of %s move nowhere: %s\n", file, r->pkg,
                   why ? why : "no other version of the group is left");
            fx->left++;
            continue;
        }
        size_t before = nedits;
        for (size_t k = 0; k < n; k++) {
            const am_rec *u = uses[k].rec;
            if (strcmp(u->pkg, r->pkg) != 0 || u->type == AM_MEMBER || u->type == AM_MACRO)
                continue;
            edits[nedits++] = (edit){uses[k].offset, (unsigned)strlen(u->name), renamed(a, u->name, r->pkg, to)};
        }
        char old_h[512], new_h[512];
        snprintf(old_h, sizeof old_h, "k8s/%s", r->pkg);
        snprintf(new_h, sizeof new_h, "k8s/%s", to);
        for (size_t k = 0; k < nincs; k++) {
            size_t ol = strlen(old_h);
            if (strcmp(incs[k].file, file) == 0 && strncmp(incs[k].name, old_h, ol) == 0 &&
                (incs[k].name[ol] == '.' || incs[k].name[ol] == '_')) {
                /* the header name sits inside the directive's text */
                size_t dlen;
                char *text;
                if (k8s_read_file(file, FILE_LIMIT, &text, &dlen))
                    continue;
                for (unsigned o = incs[k].offset; o + ol <= incs[k].offset + incs[k].len && o + ol <= dlen; o++)
                    if (memcmp(text + o, old_h, ol) == 0) {
                        edits[nedits++] = (edit){o, (unsigned)ol, k8s_arena_strdup(a, new_h)};
                        break;
                    }
                free(text);
            }
        }
        printf("fixed %s: %s -> %s (%zu names)%s%s\n", file, r->pkg, to, nedits - before, why ? "; passed over: " : "",
               why ? why : "");
        fx->renames += nedits - before;
        nmoves++;
    }
    /* what no move mends */
    for (size_t i = 0; i < n; i++) {
        const am_rec *r = uses[i].rec, *tr = apimodel_find(t, r->type, r->owner, r->name);
        if (r->type == AM_MEMBER && apimodel_find(t, AM_STRUCT, "", r->owner) &&
            (!tr || strcmp(tr->value, r->value) != 0)) {
            printf("left for a person: %s:%u:%u: %s.%s %s\n", uses[i].file, uses[i].line, uses[i].col, r->owner,
                   r->name, tr ? "changed type" : "was removed");
            fx->left++;
        }
    }
    if (!nmoves)
        return true;
    fx->fixed_files++;
    return write_fixed(fx, file, edits, nedits, err, errlen);
}

/* ---- main ---- */

int main(int argc, char **argv)
{
    k8s_arena *a = k8s_arena_new();
    versions vs = {0};
    state s = {.a = a, .vs = &vs};
    const char *db = NULL, *fix_out = NULL;
    bool fix = false;
    char **files = NULL, **flags = NULL;
    int nfiles = 0, nflags = 0;
    char err[4096];
    int rc = EXIT_USAGE;
    job *jobs = NULL;
    size_t njobs = 0;
    if (!a)
        return EXIT_USAGE;
    files = k8s_arena_alloc(a, (size_t)argc * sizeof *files);
    flags = k8s_arena_alloc(a, (size_t)argc * sizeof *flags);
    bool dashdash = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (dashdash) {
            if (is_source(arg))
                files[nfiles++] = argv[i];
            else
                flags[nflags++] = argv[i];
        } else if (strcmp(arg, "--") == 0) {
            dashdash = true;
        } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            k8s_arena_free(a);
            return 0;
        } else if (strcmp(arg, "--fix") == 0) {
            fix = true;
        } else if ((strcmp(arg, "--to") == 0 || strcmp(arg, "--from") == 0 || strcmp(arg, "-p") == 0 ||
                    strcmp(arg, "--fix-out") == 0)) {
            if (i + 1 >= argc) {
                snprintf(err, sizeof err, "%s needs a value", arg);
                goto fail;
            }
            const char **dst = arg[2] == 't' ? &vs.to : arg[2] == 'f' && arg[3] == 'r' ? &vs.from
                               : arg[1] == 'p'                                      ? &db
                                                                                    : &fix_out;
            *dst = argv[++i];
        } else if (arg[0] == '-') {
            snprintf(err, sizeof err, "%s is not an option (see --help)", arg);
            goto fail;
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (!vs.to || (!db && !dashdash) || (db && dashdash) || (dashdash && !nfiles)) {
        usage(stderr);
        k8s_arena_free(a);
        return EXIT_USAGE;
    }
    if (!pinned_load(a, &vs.pins, err, sizeof err))
        goto fail;
    const char *versions_to_check[2] = {vs.to, vs.from};
    for (int i = 0; i < 2; i++)
        if (versions_to_check[i] && pinned_index(&vs.pins, versions_to_check[i]) < 0) {
            snprintf(err, sizeof err, "%s is not a pinned Kubernetes version (openapi/versions.txt pins %s)",
                     versions_to_check[i], pinned_list(a, &vs.pins));
            goto fail;
        }
    if (fix_out) {
        fix = true;
        struct stat st;
        if (stat(fix_out, &st) != 0 || !S_ISDIR(st.st_mode)) {
            snprintf(err, sizeof err, "--fix-out %s: not a folder", fix_out);
            goto fail;
        }
    }
    if (db) {
        if (!jobs_from_db(a, db, files, nfiles, &jobs, &njobs, err, sizeof err))
            goto fail;
    } else {
        jobs = k8s_arena_alloc(a, (size_t)nfiles * sizeof *jobs);
        for (int i = 0; i < nfiles; i++)
            jobs[njobs++] = (job){files[i], NULL, (const char **)flags, nflags};
    }
    CXIndex index = clang_createIndex(0, 0);
    bool ok = true;
    for (size_t i = 0; ok && i < njobs; i++)
        ok = parse_job(&s, &jobs[i], index, err, sizeof err);
    clang_disposeIndex(index);
    if (!ok)
        goto fail;

    size_t errors = 0, warnings = 0, files_hit = 0;
    if (s.nuses)
        qsort(s.uses, s.nuses, sizeof *s.uses, cmp_use);
    for (size_t i = 0; i < s.nuses; i++) {
        char msg[4096];
        severity sev = judge(a, &vs, &s.uses[i], msg, sizeof msg);
        if (sev == SEV_NONE)
            continue;
        printf("%s:%u:%u: %s: %s\n", s.uses[i].file, s.uses[i].line, s.uses[i].col,
               sev == SEV_ERROR ? "error" : "warning", msg);
        *(sev == SEV_ERROR ? &errors : &warnings) += 1;
        bool new_file = true;
        for (size_t k = 0; k < i && new_file; k++)
            new_file = strcmp(s.uses[k].file, s.uses[i].file) != 0 ||
                       judge(a, &vs, &s.uses[k], msg, sizeof msg) == SEV_NONE;
        files_hit += new_file;
    }
    fixer fx = {a, &vs, fix_out, 0, 0, 0};
    for (size_t i = 0; fix && ok && i < s.nuses;) {
        size_t end = i;
        while (end < s.nuses && strcmp(s.uses[end].file, s.uses[i].file) == 0)
            end++;
        ok = fix_file(&fx, s.uses[i].file, s.uses + i, end - i, s.incs, s.nincs, err, sizeof err);
        i = end;
    }
    if (!ok)
        goto fail;
    printf("k8s-upgrade-check: %s -> %s: %zu error%s (removed or changed), %zu warning%s (deprecated) in %zu of %zu "
           "file%s\n",
           vs.from ? vs.from : "?", vs.to, errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s",
           files_hit, njobs, njobs == 1 ? "" : "s");
    if (fix)
        printf("k8s-upgrade-check: --fix renamed %zu names in %zu file%s%s; %zu left for a person\n", fx.renames,
               fx.fixed_files, fx.fixed_files == 1 ? "" : "s", fix_out ? " (copies in --fix-out)" : "", fx.left);
    rc = errors ? EXIT_BROKEN : warnings ? EXIT_DEPRECATED : EXIT_CLEAN;
    if (fflush(stdout) != 0)
        rc = EXIT_USAGE;
    goto done;
fail:
    fflush(stdout);
    fprintf(stderr, "k8s-upgrade-check: %s\n", err);
    rc = EXIT_USAGE;
done:
    apimodel_free(vs.from_model);
    for (size_t i = 0; i < vs.nchain; i++)
        if (vs.chain && vs.chain[i])
            apimodel_free(vs.chain[i]);
    free(s.uses);
    free(s.incs);
    k8s_arena_free(a);
    return rc;
}
