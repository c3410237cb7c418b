/* A tree's C API as libclang reads it: one translation unit, the tree's
 * src/registry.c with every header under include/ force-included, visited
 * for the declarations whose location is inside include/. */
#define _GNU_SOURCE /* realpath */
#include "apiclang.h"
#include "trees.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *apiclang_str(k8s_arena *a, CXString s)
{
    const char *c = clang_getCString(s);
    const char *out = k8s_arena_strdup(a, c ? c : "");
    clang_disposeString(s);
    return out;
}

int apiclang_base_args(const char **args)
{
#ifdef K8S_CLANG_RESOURCE_DIR
    args[0] = "-resource-dir";
    args[1] = K8S_CLANG_RESOURCE_DIR;
    return 2;
#else
    (void)args;
    return 0;
#endif
}

const char *apiclang_package(k8s_arena *a, const char *rel)
{
    if (strncmp(rel, "k8s/", 4) == 0)
        rel += 4;
    size_t n = strlen(rel);
    if (n > 2 && strcmp(rel + n - 2, ".h") == 0)
        n -= 2;
    const char *last = rel;
    for (size_t i = 0; i < n; i++)
        if (rel[i] == '/')
            last = rel + i + 1;
    const char *us = memchr(last, '_', n - (size_t)(last - rel));
    if (us && us != last)
        n = (size_t)(us - rel);
    return k8s_arena_strndup(a, rel, n);
}

const char *apiclang_first_error(k8s_arena *a, CXTranslationUnit tu)
{
    unsigned n = clang_getNumDiagnostics(tu);
    for (unsigned i = 0; i < n; i++) {
        CXDiagnostic d = clang_getDiagnostic(tu, i);
        const char *out = NULL;
        if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error)
            out = apiclang_str(a, clang_formatDiagnostic(d, CXDiagnostic_DisplaySourceLocation |
                                                                 CXDiagnostic_DisplayColumn));
        clang_disposeDiagnostic(d);
        if (out)
            return out;
    }
    return NULL;
}

/* ---- the headers ---- */

typedef struct files {
    char **paths;
    size_t n, cap;
} files;

static bool add_headers(files *fs, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    struct dirent *e;
    bool ok = true;
    while (ok && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(len);
        if (!path) {
            ok = false;
            break;
        }
        snprintf(path, len, "%s/%s", dir, e->d_name);
        struct stat st;
        size_t nl = strlen(e->d_name);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            ok = add_headers(fs, path);
            free(path);
        } else if (nl > 2 && strcmp(e->d_name + nl - 2, ".h") == 0) {
            if (fs->n == fs->cap) {
                fs->cap = fs->cap ? fs->cap * 2 : 128;
                char **np = realloc(fs->paths, fs->cap * sizeof *np);
                if (!np) {
                    free(path);
                    ok = false;
                    break;
                }
                fs->paths = np;
            }
            fs->paths[fs->n++] = path;
        } else {
            free(path);
        }
    }
    closedir(d);
    return ok;
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void files_free(files *fs)
{
    for (size_t i = 0; i < fs->n; i++)
        free(fs->paths[i]);
    free(fs->paths);
}

/* FNV-1a over the bytes (and names) of the files: the model cache's key. */
static bool hash_files(const files *fs, const char *extra, unsigned long long *h)
{
    *h = 1469598103934665603ULL;
    for (size_t i = 0; i <= fs->n; i++) {
        const char *path = i < fs->n ? fs->paths[i] : extra;
        FILE *f = fopen(path, "rb");
        if (!f)
            return false;
        for (const char *p = path; *p; p++)
            *h = (*h ^ (unsigned char)*p) * 1099511628211ULL;
        unsigned char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0)
            for (size_t k = 0; k < n; k++)
                *h = (*h ^ buf[k]) * 1099511628211ULL;
        fclose(f);
    }
    return true;
}

/* ---- the visit ---- */

typedef struct kind_row {
    const char *api_version, *kind, *type, *resource;
} kind_row;

typedef struct visit {
    apimodel *m;
    k8s_arena *a; /* scratch */
    const char *include;  /* real path of TREE/include, with a trailing / */
    CXTranslationUnit tu;
    CXFile last_file;     /* the last file asked about, and its package */
    const char *last_pkg; /* NULL when outside include/ */
    kind_row *kinds;
    size_t nkinds, kcap;
    const char *struct_name; /* while visiting a struct's fields */
    const char *struct_pkg;
    kind_row row; /* while visiting a row of the kinds table */
    int strings;
} visit;

/* The package of the file a cursor is in, NULL when it is not in the tree. */
static const char *package_of(visit *v, CXCursor c)
{
    CXFile file;
    clang_getSpellingLocation(clang_getCursorLocation(c), &file, NULL, NULL, NULL);
    if (!file)
        return NULL;
    if (file == v->last_file)
        return v->last_pkg;
    v->last_file = file;
    v->last_pkg = NULL;
    const char *name = apiclang_str(v->a, clang_File_tryGetRealPathName(file));
    if (!*name)
        name = apiclang_str(v->a, clang_getFileName(file));
    size_t n = strlen(v->include);
    if (strncmp(name, v->include, n) == 0)
        v->last_pkg = apiclang_package(v->m->arena, name + n);
    return v->last_pkg;
}

static const char *deprecation(visit *v, CXCursor c)
{
    if (clang_getCursorAvailability(c) != CXAvailability_Deprecated)
        return "";
    int always = 0;
    CXString msg;
    clang_getCursorPlatformAvailability(c, &always, &msg, NULL, NULL, NULL, 0);
    return apiclang_str(v->a, msg);
}

static const char *type_of(visit *v, CXType t)
{
    return apiclang_str(v->a, clang_getTypeSpelling(t));
}

static enum CXChildVisitResult on_field(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    visit *v = data;
    if (clang_getCursorKind(c) == CXCursor_FieldDecl)
        apimodel_add(v->m, AM_MEMBER, v->struct_pkg, v->struct_name, apiclang_str(v->a, clang_getCursorSpelling(c)),
                     type_of(v, clang_getCursorType(c)), "", deprecation(v, c));
    return CXChildVisit_Continue;
}

static void on_function(visit *v, CXCursor c, const char *pkg)
{
    if (clang_Cursor_getStorageClass(c) == CX_SC_Static)
        return; /* inline helpers in headers are not declarations of the library */
    int n = clang_Cursor_getNumArguments(c);
    size_t cap = 64, len = 0;
    char *params = malloc(cap);
    if (!params)
        return;
    params[0] = '\0';
    for (int i = 0; i < n; i++) {
        CXCursor arg = clang_Cursor_getArgument(c, (unsigned)i);
        const char *t = type_of(v, clang_getCursorType(arg));
        const char *name = apiclang_str(v->a, clang_getCursorSpelling(arg));
        size_t need = len + strlen(t) + strlen(name) + 4;
        if (need > cap) {
            cap = need * 2;
            char *np = realloc(params, cap);
            if (!np) {
                free(params);
                return;
            }
            params = np;
        }
        size_t tl = strlen(t);
        len += (size_t)sprintf(params + len, "%s%s%s%s", i ? ", " : "", t, tl && t[tl - 1] == '*' ? "" : " ", name);
    }
    apimodel_add(v->m, AM_FUNCTION, pkg, "", apiclang_str(v->a, clang_getCursorSpelling(c)),
                 type_of(v, clang_getResultType(clang_getCursorType(c))), params, deprecation(v, c));
    free(params);
}

static void on_macro(visit *v, CXCursor c, const char *pkg)
{
    if (clang_Cursor_isMacroFunctionLike(c))
        return;
    CXToken *toks;
    unsigned n;
    clang_tokenize(v->tu, clang_getCursorExtent(c), &toks, &n);
    size_t cap = 1, len = 0;
    for (unsigned i = 1; i < n; i++)
        cap += strlen(apiclang_str(v->a, clang_getTokenSpelling(v->tu, toks[i]))) + 1;
    char *value = k8s_arena_alloc(v->a, cap);
    for (unsigned i = 1; value && i < n; i++)
        len += (size_t)sprintf(value + len, "%s%s", i > 1 ? " " : "",
                               apiclang_str(v->a, clang_getTokenSpelling(v->tu, toks[i])));
    clang_disposeTokens(v->tu, toks, n);
    if (value && len) /* include guards have no value */
        apimodel_add(v->m, AM_MACRO, pkg, "", apiclang_str(v->a, clang_getCursorSpelling(c)), value, "", "");
}

/* A row of registry.c's kinds table: {"apps/v1", "Deployment",
 * &k8s_apps_v1_deployment_desc, &k8s_apps_v1_deployment_resource}. */
static enum CXChildVisitResult on_row_part(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    visit *v = data;
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_StringLiteral) {
        const char *s = apiclang_str(v->a, clang_getCursorSpelling(c));
        size_t n = strlen(s);
        const char *text = n >= 2 ? k8s_arena_strndup(v->a, s + 1, n - 2) : "";
        if (v->strings == 0)
            v->row.api_version = text;
        else if (v->strings == 1)
            v->row.kind = text;
        v->strings++;
        return CXChildVisit_Continue;
    }
    if (k == CXCursor_DeclRefExpr) {
        const char *name = apiclang_str(v->a, clang_getCursorSpelling(c));
        size_t n = strlen(name);
        if (n > 5 && strcmp(name + n - 5, "_desc") == 0)
            v->row.type = k8s_arena_strndup(v->a, name, n - 5);
        else if (n > 9 && strcmp(name + n - 9, "_resource") == 0)
            v->row.resource = name;
        return CXChildVisit_Continue;
    }
    return CXChildVisit_Recurse;
}

static enum CXChildVisitResult on_kinds(CXCursor c, CXCursor parent, CXClientData data)
{
    visit *v = data;
    if (clang_getCursorKind(c) != CXCursor_InitListExpr)
        return CXChildVisit_Recurse;
    if (clang_getCursorKind(parent) != CXCursor_InitListExpr)
        return CXChildVisit_Recurse; /* the table itself: its rows are the lists inside */
    v->row = (kind_row){NULL, NULL, NULL, ""};
    v->strings = 0;
    clang_visitChildren(c, on_row_part, v);
    if (v->row.api_version && v->row.kind && v->row.type) {
        if (v->nkinds == v->kcap) {
            v->kcap = v->kcap ? v->kcap * 2 : 256;
            kind_row *nk = realloc(v->kinds, v->kcap * sizeof *nk);
            if (!nk)
                return CXChildVisit_Break;
            v->kinds = nk;
        }
        v->kinds[v->nkinds++] = v->row;
    }
    return CXChildVisit_Continue;
}

static enum CXChildVisitResult on_top(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    visit *v = data;
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_VarDecl && clang_Location_isFromMainFile(clang_getCursorLocation(c))) {
        if (strcmp(apiclang_str(v->a, clang_getCursorSpelling(c)), "kinds") == 0)
            clang_visitChildren(c, on_kinds, v);
        return CXChildVisit_Continue;
    }
    if (k != CXCursor_TypedefDecl && k != CXCursor_StructDecl && k != CXCursor_FunctionDecl &&
        k != CXCursor_VarDecl && k != CXCursor_MacroDefinition)
        return CXChildVisit_Continue;
    const char *pkg = package_of(v, c);
    if (!pkg)
        return CXChildVisit_Continue;
    const char *name = apiclang_str(v->a, clang_getCursorSpelling(c));
    switch (k) {
    case CXCursor_TypedefDecl: { /* typedef struct X X: the struct, and its deprecation */
        CXType under = clang_getTypedefDeclUnderlyingType(c);
        CXCursor decl = clang_getTypeDeclaration(clang_Type_getNamedType(under));
        if (clang_getCursorKind(decl) == CXCursor_StructDecl &&
            strcmp(apiclang_str(v->a, clang_getCursorSpelling(decl)), name) == 0)
            apimodel_add(v->m, AM_STRUCT, pkg, "", name, "", "", deprecation(v, c));
        break;
    }
    case CXCursor_StructDecl:
        if (clang_isCursorDefinition(c)) {
            v->struct_name = name;
            v->struct_pkg = pkg;
            clang_visitChildren(c, on_field, v);
        }
        break;
    case CXCursor_FunctionDecl: on_function(v, c, pkg); break;
    case CXCursor_VarDecl:
        apimodel_add(v->m, AM_VARIABLE, pkg, "", name, type_of(v, clang_getCursorType(c)), "", "");
        break;
    default: on_macro(v, c, pkg); break;
    }
    return CXChildVisit_Continue;
}

/* ---- the parse ---- */

static bool exists(const char *dir, const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    struct stat st;
    return stat(path, &st) == 0;
}

static apimodel *parse_tree(const char *tree, const files *hs, const char *registry, char *err, size_t errlen)
{
    k8s_arena *a = k8s_arena_new();
    char include[4096], real[PATH_MAX];
    snprintf(include, sizeof include, "%s/include", tree);
    if (!a || !realpath(include, real)) {
        snprintf(err, errlen, "%s: %s", include, a ? strerror(errno) : "out of memory");
        k8s_arena_free(a);
        return NULL;
    }
    size_t nargs = 0;
    const char **args = k8s_arena_alloc(a, (hs->n * 2 + 16) * sizeof *args);
    args[nargs++] = "-x";
    args[nargs++] = "c";
    args[nargs++] = "-std=c11";
    args[nargs++] = "-I";
    args[nargs++] = include;
    args[nargs++] = "-I";
    args[nargs++] = tool_paths_get()->include;
    nargs += (size_t)apiclang_base_args(args + nargs);
    for (size_t i = 0; i < hs->n; i++) {
        args[nargs++] = "-include";
        args[nargs++] = hs->paths[i];
    }
    CXIndex index = clang_createIndex(0, 0);
    CXTranslationUnit tu = NULL;
    enum CXErrorCode rc = clang_parseTranslationUnit2(
        index, registry, args, (int)nargs, NULL, 0,
        CXTranslationUnit_DetailedPreprocessingRecord | CXTranslationUnit_SkipFunctionBodies, &tu);
    apimodel *m = NULL;
    const char *problem = rc != CXError_Success ? "libclang could not parse it" : apiclang_first_error(a, tu);
    if (problem) {
        snprintf(err, errlen, "%s: %s", tree, problem);
    } else {
        m = apimodel_new();
        visit v = {.m = m, .a = a, .tu = tu};
        v.include = k8s_arena_alloc(a, strlen(real) + 2);
        sprintf((char *)v.include, "%s/", real);
        clang_visitChildren(clang_getTranslationUnitCursor(tu), on_top, &v);
        apimodel_finish(m); /* kinds take their package from their struct */
        for (size_t i = 0; i < v.nkinds; i++) {
            const am_rec *s = apimodel_find(m, AM_STRUCT, "", v.kinds[i].type);
            apimodel_add(m, AM_KIND, s ? s->pkg : "", v.kinds[i].api_version, v.kinds[i].kind, v.kinds[i].type,
                         v.kinds[i].resource, "");
        }
        apimodel_finish(m);
        free(v.kinds);
    }
    if (tu)
        clang_disposeTranslationUnit(tu);
    clang_disposeIndex(index);
    k8s_arena_free(a);
    return m;
}

/* The layout check: k8s/api_types.h of this tree says which k8sgen made it. */
static bool known_layout(const apimodel *m, const char *tree, char *err, size_t errlen)
{
    const am_rec *layout = apimodel_find(m, AM_MACRO, "", "K8S_API_LAYOUT");
    if (layout && atoi(layout->value) == APICLANG_LAYOUT && m->version[0])
        return true;
    if (layout)
        snprintf(err, errlen, "%s: made by a k8sgen of an unknown version (tree layout %s; these tools read layout %d)",
                 tree, layout->value, APICLANG_LAYOUT);
    else
        snprintf(err, errlen,
                 "%s: made by a k8sgen of an unknown version (include/k8s/api_types.h has no K8S_API_LAYOUT; "
                 "regenerate the tree)",
                 tree);
    return false;
}

apimodel *apiclang_tree_model(const char *tree, const char *cache, const char *name, char *err, size_t errlen)
{
    if (!exists(tree, "include/k8s/api.h") || !exists(tree, "src/registry.c")) {
        snprintf(err, errlen, "%s: not a generated tree (it has no include/k8s/api.h and src/registry.c)", tree);
        return NULL;
    }
    char include[4096], registry[4096], model_path[4200] = "";
    snprintf(include, sizeof include, "%s/include", tree);
    snprintf(registry, sizeof registry, "%s/src/registry.c", tree);
    files hs = {0};
    if (!add_headers(&hs, include)) {
        snprintf(err, errlen, "%s: cannot list the headers", include);
        files_free(&hs);
        return NULL;
    }
    if (hs.n)
        qsort(hs.paths, hs.n, sizeof *hs.paths, cmp_path);
    unsigned long long h;
    if (cache && name && hash_files(&hs, registry, &h)) {
        snprintf(model_path, sizeof model_path, "%s/%s-%016llx.model", cache, name, h);
        if (access(model_path, R_OK) == 0) {
            char ignored[512];
            apimodel *m = apimodel_read(model_path, ignored, sizeof ignored);
            if (m) {
                files_free(&hs);
                return m;
            }
        }
    }
    apimodel *m = parse_tree(tree, &hs, registry, err, errlen);
    files_free(&hs);
    if (m && !known_layout(m, tree, err, errlen)) {
        apimodel_free(m);
        return NULL;
    }
    if (m && model_path[0]) { /* best effort: a cache that cannot be written is only slower */
        char tmp[4300];
        snprintf(tmp, sizeof tmp, "%s.%ld.tmp", model_path, (long)getpid());
        FILE *f = fopen(tmp, "w");
        if (f && apimodel_write(m, f) && fclose(f) == 0)
            rename(tmp, model_path);
        else {
            if (f)
                fclose(f);
            remove(tmp);
        }
    }
    return m;
}
