/* The runtime's own JSON documents, read and written with the descriptor
 * codec (k8s/codec.h) like any generated type: the one place they are
 * declared. The runtime must not depend on a generated tree, so these are
 * views of just the fields it uses (K8S_TYPE_PARTIAL: the decoder skips
 * the others). Status is public (k8s_status_desc in k8s/resource.h). */
#ifndef K8S_DOCUMENTS_INTERNAL_H
#define K8S_DOCUMENTS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/types.h"

/* ---- discovery (discovery.c) ---- */

typedef struct api_resource {
    char *name;
    char *group;
    char *version;
    char *kind;
    bool has_namespaced;
    bool namespaced;
    char **verbs;
    size_t verbs_len;
    char **shortNames;
    size_t shortNames_len;
} api_resource;

typedef struct resource_list {
    char *groupVersion;
    api_resource *resources;
    size_t resources_len;
} resource_list;

typedef struct group_version {
    char *groupVersion;
} group_version;

typedef struct api_group {
    char *name;
    group_version *versions;
    size_t versions_len;
} api_group;

typedef struct group_list {
    api_group *groups;
    size_t groups_len;
} group_list;

typedef struct api_versions {
    char **versions;
    size_t versions_len;
} api_versions;

extern const k8s_type k8s_resource_list_desc; /* APIResourceList */
extern const k8s_type k8s_group_list_desc;    /* APIGroupList */
extern const k8s_type k8s_api_versions_desc;  /* APIVersions */

/* ---- meta/v1 DeleteOptions, a delete call's body (request.c) ---- */

typedef struct delete_preconditions_doc {
    const char *uid;
    const char *resourceVersion;
} delete_preconditions_doc;

typedef struct delete_options_doc {
    const char *kind;
    const char *apiVersion;
    const char **dryRun;
    size_t dryRun_len;
    bool has_gracePeriodSeconds;
    int64_t gracePeriodSeconds;
    const char *propagationPolicy;
    bool has_orphanDependents;
    bool orphanDependents;
    bool has_ignoreStoreReadErrorWithClusterBreakingPotential; /* sent only when true */
    bool ignoreStoreReadErrorWithClusterBreakingPotential;
    const delete_preconditions_doc *preconditions;
} delete_options_doc;

extern const k8s_type k8s_delete_options_desc;

/* ---- client.authentication.k8s.io ExecCredential (credentials.c) ---- */

/* What client-go passes to an exec plugin in KUBERNETES_EXEC_INFO. */
typedef struct exec_cluster_doc {
    const char *server;
    const char *tls_server_name;
    bool has_insecure_skip_tls_verify; /* sent only when true */
    bool insecure_skip_tls_verify;
    k8s_bytes certificate_authority_data;
    const char *proxy_url;
    const char *config; /* JSON text, the kubeconfig's extension */
} exec_cluster_doc;

typedef struct exec_spec_doc {
    const exec_cluster_doc *cluster;
    bool has_interactive;
    bool interactive;
} exec_spec_doc;

/* What the plugin prints. */
typedef struct exec_status_doc {
    char *token;
    char *clientCertificateData;
    char *clientKeyData;
    char *expirationTimestamp;
} exec_status_doc;

typedef struct exec_credential_doc {
    const char *kind;
    const char *apiVersion;
    const exec_spec_doc *spec;
    exec_status_doc *status;
} exec_credential_doc;

extern const k8s_type k8s_exec_credential_desc;

/* ---- remotecommand TerminalSize, exec's resize channel (exec.c) ---- */

typedef struct terminal_size_doc {
    bool has_Width;
    int32_t Width;
    bool has_Height;
    int32_t Height;
} terminal_size_doc;

extern const k8s_type k8s_terminal_size_desc;

#endif
