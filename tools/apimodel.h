/* The C API of a generated tree, as one sorted list of records: its kinds
 * (apiVersion + kind -> struct, and whether functions serve it), structs and
 * their members, functions, variables and macros. Two producers fill it:
 * k8sgen from its model of a spec (no libclang), and the libclang tools from
 * a tree's headers as a compiler sees them (apiclang.c). Both write the same
 * listing (apimodel_write), so their diffs can be compared line for line.
 *
 * Listing format (one record a line, fields separated by tabs, sorted
 * bytewise by type, owner, name; the first line is "k8s-api-model 1"):
 *   kind      PKG  API_VERSION  KIND    C_TYPE       RESOURCE_VAR|""   ""
 *   struct    PKG  ""           NAME    ""           ""                DEPRECATION
 *   member    PKG  STRUCT       MEMBER  C_TYPE       ""                DEPRECATION
 *   function  PKG  ""           NAME    RETURN_TYPE  "T a, U *b"       DEPRECATION
 *   variable  PKG  ""           NAME    C_TYPE       ""                ""
 *   macro     PKG  ""           NAME    TOKENS       ""                ""
 * PKG is the C package, "apps/v1" for k8s/apps/v1.h (and k8s/apps/v1_api.h),
 * "api" for the umbrella k8s/api.h. */
#ifndef K8S_APIMODEL_H
#define K8S_APIMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "k8s/arena.h"

typedef enum am_type { AM_KIND, AM_STRUCT, AM_MEMBER, AM_FUNCTION, AM_VARIABLE, AM_MACRO, AM_NTYPES } am_type;

typedef struct am_rec {
    am_type type;
    const char *pkg, *owner, *name, *value, *extra, *deprecated; /* never NULL; "" when empty */
} am_rec;

typedef struct apimodel {
    k8s_arena *arena;
    am_rec *recs; /* sorted by type, owner, name once apimodel_finish ran */
    size_t n, cap;
    const char *version; /* K8S_API_VERSION unquoted, "" when unknown */
} apimodel;

apimodel *apimodel_new(void);
void apimodel_free(apimodel *m);
/* Copies the strings (NULL counts as ""); spellings of types are normalised
 * (C's _Bool is written bool, as the headers spell it). */
void apimodel_add(apimodel *m, am_type type, const char *pkg, const char *owner, const char *name,
                  const char *value, const char *extra, const char *deprecated);
/* Sorts, drops exact duplicates and sets m->version. */
void apimodel_finish(apimodel *m);
const am_rec *apimodel_find(const apimodel *m, am_type type, const char *owner, const char *name);
const char *apimodel_type_name(am_type type);

bool apimodel_write(const apimodel *m, FILE *f);
/* NULL with a one-line reason in err on failure. */
apimodel *apimodel_read(const char *path, char *err, size_t errlen);

/* "resource.k8s.io/v1alpha3" -> "resource.k8s.io"; "v1" -> "" (core). */
const char *apimodel_api_group(k8s_arena *a, const char *api_version);

/* The kinds (AM_KIND records) of m named kind in the API group of
 * api_version but another version of it (only those that functions serve
 * when served), most stable version first (v1, v1beta2, v1alpha1). Returns
 * how many were stored (at most max). */
size_t apimodel_successors(const apimodel *m, const char *api_version, const char *kind, bool served,
                           const am_rec **out, size_t max);
/* The struct a function or variable belongs to: the longest struct name that
 * is a prefix of name followed by '_' (k8s_apps_v1_deployment for
 * k8s_apps_v1_deployment_scale_get and k8s_apps_v1_deployment_desc). */
const char *apimodel_owner_struct(const apimodel *m, const char *name);
/* Orders versions by stability: GA > beta > alpha, then by number. */
int apimodel_version_rank_cmp(const char *a, const char *b);

/* ---- diff ---- */

typedef enum am_change { AM_REMOVED, AM_ADDED, AM_CHANGED, AM_DEPRECATED } am_change;

typedef struct am_delta {
    am_change change;
    const am_rec *old, *new_; /* old: REMOVED/CHANGED/DEPRECATED; new_: ADDED/CHANGED/DEPRECATED */
} am_delta;

typedef struct am_diff {
    const apimodel *old, *new_;
    am_delta *d; /* sorted by record type, then owner and name */
    size_t n;
    const char **gv_removed, **gv_added; /* apiVersions with kinds in one model only */
    size_t ngv_removed, ngv_added;
    size_t incompatible; /* removals and changes */
} am_diff;

/* The difference from old to new; NULL when out of memory. */
am_diff *apimodel_diff(const apimodel *old, const apimodel *new_);
void apimodel_diff_free(am_diff *d);

typedef enum am_format { AM_TEXT, AM_JSON, AM_MARKDOWN } am_format;
/* Markdown headings start at level `heading` (1 = "#"). */
bool apimodel_report(const am_diff *d, am_format format, int heading, FILE *f);

#endif
