/* Descriptor tables for configmapsync.h: what the generator would emit
 * for the CRD's schema. Unknown fields are kept (_unknown), so an object
 * read, changed and written back loses nothing. */
#include "configmapsync.h"

#include <string.h>

#define UNKNOWN(S) .unknown_offset = offsetof(S, _unknown), .flags = K8S_TYPE_UNKNOWN

static const k8s_field source_fields[] = {
    K8S_VALUE(configmapsync_source, namespace_, "namespace", K8S_KIND_STRING, K8S_FIELD_REQUIRED, NULL),
    K8S_VALUE(configmapsync_source, name, "name", K8S_KIND_STRING, K8S_FIELD_REQUIRED, NULL),
};
static const k8s_type source_desc = {.name = "ConfigMapSyncSource", .fields = source_fields,
                                     .size = sizeof(configmapsync_source), .nfields = 2,
                                     UNKNOWN(configmapsync_source)};

static const k8s_field spec_fields[] = {
    K8S_VALUE(configmapsync_spec, source, "source", K8S_KIND_OBJECT, K8S_FIELD_REQUIRED, &source_desc),
    K8S_ARRAY(configmapsync_spec, targetNamespaces, "targetNamespaces", K8S_KIND_STRING, K8S_FIELD_REQUIRED, NULL),
};
static const k8s_type spec_desc = {.name = "ConfigMapSyncSpec", .fields = spec_fields,
                                   .size = sizeof(configmapsync_spec), .nfields = 2, UNKNOWN(configmapsync_spec)};

static const k8s_field condition_fields[] = {
    K8S_VALUE(configmapsync_condition, type, "type", K8S_KIND_STRING, K8S_FIELD_REQUIRED, NULL),
    K8S_VALUE(configmapsync_condition, status, "status", K8S_KIND_STRING, K8S_FIELD_REQUIRED, NULL),
    K8S_VALUE(configmapsync_condition, reason, "reason", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(configmapsync_condition, message, "message", K8S_KIND_STRING, 0, NULL),
    K8S_SCALAR(configmapsync_condition, observedGeneration, "observedGeneration", K8S_KIND_INT64, 0),
    K8S_VALUE(configmapsync_condition, lastTransitionTime, "lastTransitionTime", K8S_KIND_TIME, 0, NULL),
};
static const k8s_type condition_desc = {.name = "ConfigMapSyncCondition", .fields = condition_fields,
                                        .size = sizeof(configmapsync_condition), .nfields = 6,
                                        UNKNOWN(configmapsync_condition)};

static const k8s_field status_fields[] = {
    K8S_SCALAR(configmapsync_status, observedGeneration, "observedGeneration", K8S_KIND_INT64, 0),
    K8S_ARRAY(configmapsync_status, syncedNamespaces, "syncedNamespaces", K8S_KIND_STRING, 0, NULL),
    K8S_ARRAY(configmapsync_status, conditions, "conditions", K8S_KIND_OBJECT, 0, &condition_desc),
};
static const k8s_type status_desc = {.name = "ConfigMapSyncStatus", .fields = status_fields,
                                     .size = sizeof(configmapsync_status), .nfields = 3,
                                     UNKNOWN(configmapsync_status)};

static const k8s_field configmapsync_fields[] = {
    K8S_VALUE(configmapsync, kind, "kind", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(configmapsync, apiVersion, "apiVersion", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(configmapsync, metadata, "metadata", K8S_KIND_OBJECT, 0, &k8s_meta_v1_object_meta_desc),
    K8S_VALUE(configmapsync, spec, "spec", K8S_KIND_OBJECT, 0, &spec_desc),
    K8S_VALUE(configmapsync, status, "status", K8S_KIND_OBJECT, 0, &status_desc),
};
const k8s_type configmapsync_desc = {.name = "ConfigMapSync", .fields = configmapsync_fields,
                                     .size = sizeof(configmapsync), .nfields = 5, UNKNOWN(configmapsync)};

const k8s_resource configmapsync_resource = {"sync.example.com", "v1", "configmapsyncs", "ConfigMapSync", false,
                                             NULL, NULL};

k8s_code configmapsync_decode(const char *json, k8s_arena *arena, configmapsync **out, k8s_error *err)
{
    return k8s_json_decode(&configmapsync_desc, json, strlen(json), arena, (void **)out, NULL, err);
}

char *configmapsync_encode(const configmapsync *cms, k8s_arena *arena, k8s_error *err)
{
    k8s_buf b = K8S_BUF_INIT;
    char *text = k8s_json_encode(&configmapsync_desc, cms, &b, err) ? NULL : k8s_arena_strndup(arena, b.data, b.len);
    k8s_buf_free(&b);
    return text;
}
