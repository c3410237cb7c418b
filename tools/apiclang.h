/* Reading a generated tree's C API with libclang, as a compiler sees it:
 * every header under include/ (found by walking the folder, whatever their
 * split), parsed with the project's include paths and macros expanded, plus
 * the kind table of src/registry.c. */
#ifndef K8S_APICLANG_H
#define K8S_APICLANG_H

#include <clang-c/Index.h>

#include "apimodel.h"

/* The layout of trees these tools read (K8S_API_LAYOUT in k8s/api_types.h). */
#define APICLANG_LAYOUT 2

/* The tree's model, or NULL with a one-line reason (a folder that is not a
 * tree, a tree of another layout, a header libclang cannot parse: its
 * file:line:col and libclang's message). With cache (a folder) and name,
 * the model is kept in CACHE/NAME-HASH.model, HASH being over the bytes of
 * the tree's headers and registry, and read back from there next time. */
apimodel *apiclang_tree_model(const char *tree, const char *cache, const char *name, char *err, size_t errlen);

/* Arguments every parse adds: clang's resource directory, so libclang
 * finds <stddef.h> and friends ("-resource-dir DIR"; none when unknown).
 * Returns how many it stored in args (at most 2). */
int apiclang_base_args(const char **args);

/* The package of a header: ".../include/k8s/apps/v1_api.h" -> "apps/v1". */
const char *apiclang_package(k8s_arena *a, const char *rel_header);

/* clang's string as an arena copy. */
const char *apiclang_str(k8s_arena *a, CXString s);

/* The first error libclang reported for tu, as "file:line:col: message",
 * or NULL when there is none. */
const char *apiclang_first_error(k8s_arena *a, CXTranslationUnit tu);

#endif
