/* The descriptors of meta/v1 Status (k8s/resource.h), which the runtime
 * reads on its own: error replies, watch ERROR events, exec's status
 * channel. Generated trees have their own k8s_meta_v1_status. */
#include <stddef.h>

#include "k8s/resource.h"

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
