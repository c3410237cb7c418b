/* The descriptors of the runtime's own documents (documents_internal.h)
 * and of meta/v1 Status (k8s/resource.h), which the runtime reads on its
 * own: error replies, watch ERROR events, exec's status channel. Generated
 * trees have their own k8s_meta_v1_status. */
#include <stddef.h>

#include "documents_internal.h"
#include "k8s/resource.h"

/* ---- Status ---- */

static const k8s_field cause_fields[] = {
    K8S_VALUE(k8s_status_cause, reason, "reason", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(k8s_status_cause, message, "message", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(k8s_status_cause, field, "field", K8S_KIND_STRING, 0, NULL),
};
static const k8s_type cause_desc = {
    .name = "io.k8s.apimachinery.pkg.apis.meta.v1.StatusCause",
    .fields = cause_fields,
    .size = sizeof(k8s_status_cause),
    .unknown_offset = offsetof(k8s_status_cause, _unknown),
    .nfields = 3,
    .flags = K8S_TYPE_UNKNOWN,
};

static const k8s_field details_fields[] = {
    K8S_VALUE(k8s_status_details, name, "name", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(k8s_status_details, group, "group", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(k8s_status_details, kind, "kind", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(k8s_status_details, uid, "uid", K8S_KIND_STRING, 0, NULL),
    K8S_ARRAY(k8s_status_details, causes, "causes", K8S_KIND_OBJECT, 0, &cause_desc),
    K8S_SCALAR(k8s_status_details, retryAfterSeconds, "retryAfterSeconds", K8S_KIND_INT32, 0),
};
static const k8s_type details_desc = {
    .name = "io.k8s.apimachinery.pkg.apis.meta.v1.StatusDetails",
    .fields = details_fields,
    .size = sizeof(k8s_status_details),
    .unknown_offset = offsetof(k8s_status_details, _unknown),
    .nfields = 6,
    .flags = K8S_TYPE_UNKNOWN,
};

static const k8s_field status_fields[] = {
    K8S_VALUE(k8s_status, kind, "kind", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(k8s_status, apiVersion, "apiVersion", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(k8s_status, status, "status", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(k8s_status, message, "message", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(k8s_status, reason, "reason", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(k8s_status, details, "details", K8S_KIND_OBJECT, 0, &details_desc),
    K8S_SCALAR(k8s_status, code, "code", K8S_KIND_INT32, 0),
};
const k8s_type k8s_status_desc = {
    .name = "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
    .fields = status_fields,
    .size = sizeof(k8s_status),
    .unknown_offset = offsetof(k8s_status, _unknown),
    .nfields = 7,
    .flags = K8S_TYPE_UNKNOWN,
};

/* ---- discovery ---- */

static const k8s_field api_resource_fields[] = {
    K8S_VALUE(api_resource, name, "name", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(api_resource, group, "group", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(api_resource, version, "version", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(api_resource, kind, "kind", K8S_KIND_STRING, 0, NULL),
    K8S_SCALAR(api_resource, namespaced, "namespaced", K8S_KIND_BOOL, 0),
    K8S_ARRAY(api_resource, verbs, "verbs", K8S_KIND_STRING, 0, NULL),
    K8S_ARRAY(api_resource, shortNames, "shortNames", K8S_KIND_STRING, 0, NULL),
};
static const k8s_type api_resource_desc = {.name = "APIResource", .fields = api_resource_fields,
                                           .size = sizeof(api_resource),
                                           .nfields = 7, .flags = K8S_TYPE_PARTIAL};
static const k8s_field resource_list_fields[] = {
    K8S_VALUE(resource_list, groupVersion, "groupVersion", K8S_KIND_STRING, 0, NULL),
    K8S_ARRAY(resource_list, resources, "resources", K8S_KIND_OBJECT, 0, &api_resource_desc),
};
const k8s_type k8s_resource_list_desc = {.name = "APIResourceList", .fields = resource_list_fields,
                                            .size = sizeof(resource_list),
                                            .nfields = 2, .flags = K8S_TYPE_PARTIAL};
static const k8s_field group_version_fields[] = {
    K8S_VALUE(group_version, groupVersion, "groupVersion", K8S_KIND_STRING, 0, NULL),
};
static const k8s_type group_version_desc = {.name = "GroupVersionForDiscovery", .fields = group_version_fields,
                                            .size = sizeof(group_version),
                                            .nfields = 1, .flags = K8S_TYPE_PARTIAL};
static const k8s_field api_group_fields[] = {
    K8S_VALUE(api_group, name, "name", K8S_KIND_STRING, 0, NULL),
    K8S_ARRAY(api_group, versions, "versions", K8S_KIND_OBJECT, 0, &group_version_desc),
};
static const k8s_type api_group_desc = {.name = "APIGroup", .fields = api_group_fields,
                                        .size = sizeof(api_group),
                                        .nfields = 2, .flags = K8S_TYPE_PARTIAL};
static const k8s_field group_list_fields[] = {
    K8S_ARRAY(group_list, groups, "groups", K8S_KIND_OBJECT, 0, &api_group_desc),
};
const k8s_type k8s_group_list_desc = {.name = "APIGroupList", .fields = group_list_fields,
                                         .size = sizeof(group_list),
                                         .nfields = 1, .flags = K8S_TYPE_PARTIAL};
static const k8s_field api_versions_fields[] = {
    K8S_ARRAY(api_versions, versions, "versions", K8S_KIND_STRING, 0, NULL),
};
const k8s_type k8s_api_versions_desc = {.name = "APIVersions", .fields = api_versions_fields,
                                           .size = sizeof(api_versions),
                                           .nfields = 1, .flags = K8S_TYPE_PARTIAL};

/* ---- DeleteOptions ---- */

static const k8s_field delete_preconditions_fields[] = {
    K8S_VALUE(delete_preconditions_doc, uid, "uid", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(delete_preconditions_doc, resourceVersion, "resourceVersion", K8S_KIND_STRING, 0, NULL),
};
static const k8s_type delete_preconditions_desc = {.name = "Preconditions", .fields = delete_preconditions_fields,
                                                   .size = sizeof(delete_preconditions_doc), .nfields = 2,
                                                   .flags = K8S_TYPE_PARTIAL};
static const k8s_field delete_options_fields[] = {
    K8S_VALUE(delete_options_doc, kind, "kind", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(delete_options_doc, apiVersion, "apiVersion", K8S_KIND_STRING, 0, NULL),
    K8S_ARRAY(delete_options_doc, dryRun, "dryRun", K8S_KIND_STRING, 0, NULL),
    K8S_SCALAR(delete_options_doc, gracePeriodSeconds, "gracePeriodSeconds", K8S_KIND_INT64, 0),
    K8S_VALUE(delete_options_doc, propagationPolicy, "propagationPolicy", K8S_KIND_STRING, 0, NULL),
    K8S_SCALAR(delete_options_doc, orphanDependents, "orphanDependents", K8S_KIND_BOOL, 0),
    K8S_SCALAR(delete_options_doc, ignoreStoreReadErrorWithClusterBreakingPotential,
               "ignoreStoreReadErrorWithClusterBreakingPotential", K8S_KIND_BOOL, 0),
    K8S_VALUE(delete_options_doc, preconditions, "preconditions", K8S_KIND_OBJECT, 0, &delete_preconditions_desc),
};
const k8s_type k8s_delete_options_desc = {.name = "DeleteOptions", .fields = delete_options_fields,
                                          .size = sizeof(delete_options_doc), .nfields = 8,
                                          .flags = K8S_TYPE_PARTIAL};

/* ---- ExecCredential ---- */

static const k8s_field exec_cluster_fields[] = {
    K8S_VALUE(exec_cluster_doc, server, "server", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(exec_cluster_doc, tls_server_name, "tls-server-name", K8S_KIND_STRING, 0, NULL),
    K8S_SCALAR(exec_cluster_doc, insecure_skip_tls_verify, "insecure-skip-tls-verify", K8S_KIND_BOOL, 0),
    K8S_VALUE(exec_cluster_doc, certificate_authority_data, "certificate-authority-data", K8S_KIND_BYTES, 0,
              NULL),
    K8S_VALUE(exec_cluster_doc, proxy_url, "proxy-url", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(exec_cluster_doc, config, "config", K8S_KIND_JSON, 0, NULL),
};
static const k8s_type exec_cluster_desc = {.name = "Cluster", .fields = exec_cluster_fields,
                                           .size = sizeof(exec_cluster_doc), .nfields = 6,
                                           .flags = K8S_TYPE_PARTIAL};
static const k8s_field exec_spec_fields[] = {
    K8S_VALUE(exec_spec_doc, cluster, "cluster", K8S_KIND_OBJECT, 0, &exec_cluster_desc),
    K8S_SCALAR(exec_spec_doc, interactive, "interactive", K8S_KIND_BOOL, 0),
};
static const k8s_type exec_spec_desc = {.name = "ExecCredentialSpec", .fields = exec_spec_fields,
                                        .size = sizeof(exec_spec_doc), .nfields = 2, .flags = K8S_TYPE_PARTIAL};
static const k8s_field exec_status_fields[] = {
    K8S_VALUE(exec_status_doc, token, "token", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(exec_status_doc, clientCertificateData, "clientCertificateData", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(exec_status_doc, clientKeyData, "clientKeyData", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(exec_status_doc, expirationTimestamp, "expirationTimestamp", K8S_KIND_STRING, 0, NULL),
};
static const k8s_type exec_status_desc = {.name = "ExecCredentialStatus", .fields = exec_status_fields,
                                          .size = sizeof(exec_status_doc), .nfields = 4,
                                          .flags = K8S_TYPE_PARTIAL};
static const k8s_field exec_credential_fields[] = {
    K8S_VALUE(exec_credential_doc, kind, "kind", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(exec_credential_doc, apiVersion, "apiVersion", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(exec_credential_doc, spec, "spec", K8S_KIND_OBJECT, 0, &exec_spec_desc),
    K8S_VALUE(exec_credential_doc, status, "status", K8S_KIND_OBJECT, 0, &exec_status_desc),
};
const k8s_type k8s_exec_credential_desc = {.name = "ExecCredential", .fields = exec_credential_fields,
                                           .size = sizeof(exec_credential_doc), .nfields = 4,
                                           .flags = K8S_TYPE_PARTIAL};

/* ---- TerminalSize ---- */

static const k8s_field terminal_size_fields[] = {
    K8S_SCALAR(terminal_size_doc, Width, "Width", K8S_KIND_INT32, 0),
    K8S_SCALAR(terminal_size_doc, Height, "Height", K8S_KIND_INT32, 0),
};
const k8s_type k8s_terminal_size_desc = {.name = "TerminalSize", .fields = terminal_size_fields,
                                         .size = sizeof(terminal_size_doc), .nfields = 2,
                                         .flags = K8S_TYPE_PARTIAL};
