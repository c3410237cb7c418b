/* The ConfigMapSync custom resource (sync.example.com/v1, cluster-scoped;
 * its CRD is configmapsync.yaml) as C structs with descriptor tables, the
 * way the generator writes types: what a tree generated from the CRD will
 * hold. Until that generator exists they are written here by hand, and
 * the operator reads ConfigMapSyncs through the dynamic client (JSON
 * text) and decodes them with these tables. With a generated tree,
 * configmapsync_resource gets the generated types, the informer hands out
 * structs, and the decode/encode calls in operator.c go away. */
#ifndef CONFIGMAPSYNC_H
#define CONFIGMAPSYNC_H

#include <k8s/api.h>

typedef struct configmapsync_source {
    char *namespace_;
    char *name;
    char *_unknown;
} configmapsync_source;

typedef struct configmapsync_spec {
    configmapsync_source *source;
    char **targetNamespaces;
    size_t targetNamespaces_len;
    char *_unknown;
} configmapsync_spec;

typedef struct configmapsync_condition {
    char *type;
    char *status; /* "True", "False", "Unknown" */
    char *reason;
    char *message;
    bool has_observedGeneration;
    int64_t observedGeneration;
    char *lastTransitionTime;
    char *_unknown;
} configmapsync_condition;

typedef struct configmapsync_status {
    bool has_observedGeneration;
    int64_t observedGeneration;
    char **syncedNamespaces;
    size_t syncedNamespaces_len;
    configmapsync_condition *conditions;
    size_t conditions_len;
    char *_unknown;
} configmapsync_status;

typedef struct configmapsync {
    char *kind;
    char *apiVersion;
    k8s_meta_v1_object_meta *metadata;
    configmapsync_spec *spec;
    configmapsync_status *status;
    char *_unknown;
} configmapsync;

extern const k8s_type configmapsync_desc;

/* For the dynamic client (no type: objects are JSON text). */
extern const k8s_resource configmapsync_resource;

/* JSON text <-> struct, in arena. */
k8s_code configmapsync_decode(const char *json, k8s_arena *arena, configmapsync **out, k8s_error *err);
char *configmapsync_encode(const configmapsync *cms, k8s_arena *arena, k8s_error *err);

#endif
