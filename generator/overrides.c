/* Everything k8sgen knows that the spec does not say: definitions with a
 * special representation (DESIGN §2-3) and known upstream spec mistakes
 * (as k8s-openapi keeps them). Nothing else in the generator special-cases
 * a definition by name. Deprecation marks are not listed here: they follow
 * one rule over the spec's descriptions, deprecation_notice() in names.c. */
#include <string.h>

#include "k8sgen.h"

#define JSP "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps"

/* JSONSchemaPropsOr*: Go marshals each as one of its members depending on
 * the JSON value. Decoding picks the first member that accepts the value's
 * JSON type; encoding writes the first member that is set. */
static const union_member or_array[] = {
    {"schema", K8S_KIND_OBJECT, false, JSP},
    {"schemas", K8S_KIND_OBJECT, true, JSP},
    {NULL, 0, false, NULL},
};
static const union_member or_bool[] = {
    {"allows", K8S_KIND_BOOL, false, NULL},
    {"schema", K8S_KIND_OBJECT, false, JSP},
    {NULL, 0, false, NULL},
};
static const union_member or_string_array[] = {
    {"schema", K8S_KIND_OBJECT, false, JSP},
    {"property", K8S_KIND_STRING, true, NULL},
    {NULL, 0, false, NULL},
};

static const special_def specials[] = {
    {"io.k8s.apimachinery.pkg.api.resource.Quantity", ROLE_SCALAR, K8S_KIND_QUANTITY, NULL, NULL},
    {"io.k8s.apimachinery.pkg.apis.meta.v1.Time", ROLE_SCALAR, K8S_KIND_TIME, NULL, NULL},
    {"io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime", ROLE_SCALAR, K8S_KIND_MICROTIME, NULL, NULL},
    {"io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1", ROLE_SCALAR, K8S_KIND_JSON, NULL, NULL},
    {"io.k8s.apimachinery.pkg.runtime.RawExtension", ROLE_SCALAR, K8S_KIND_JSON, NULL, NULL},
    {"io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON", ROLE_SCALAR, K8S_KIND_JSON, NULL, NULL},
    {"io.k8s.apimachinery.pkg.util.intstr.IntOrString", ROLE_BUILTIN, 0, "k8s_int_or_string", NULL},
    {JSP "OrArray", ROLE_UNION, 0, NULL, or_array},
    {JSP "OrBool", ROLE_UNION, 0, NULL, or_bool},
    {JSP "OrStringArray", ROLE_UNION, 0, NULL, or_string_array},
};

const special_def *override_special(const char *def)
{
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++)
        if (strcmp(specials[i].def, def) == 0)
            return &specials[i];
    return NULL;
}

/* Marked required, but real objects come without them
 * (kubernetes/kubernetes#93606 for ContainerImage.names). */
static const struct {
    const char *def, *property;
} not_required[] = {
    {"io.k8s.api.core.v1.ContainerImage", "names"},
    {"io.k8s.api.events.v1.Event", "eventTime"},
};

bool override_not_required(const char *def, const char *property)
{
    for (size_t i = 0; i < sizeof not_required / sizeof not_required[0]; i++)
        if (strcmp(not_required[i].def, def) == 0 && strcmp(not_required[i].property, property) == 0)
            return true;
    return false;
}

/* Definitions Kubernetes has but its OpenAPI spec leaves out: the
 * metadata-only forms a server sends for
 * Accept: application/json;as=PartialObjectMetadata(List);g=meta.k8s.io;v=v1. */
const char *override_extra_definitions(void)
{
    return "{"
           "\"io.k8s.apimachinery.pkg.apis.meta.v1.PartialObjectMetadata\": {"
           "\"description\": \"PartialObjectMetadata is the metadata of any object, "
           "without its spec and status.\", \"type\": \"object\", "
           "\"x-kubernetes-group-version-kind\": [{\"group\": \"meta.k8s.io\", \"kind\": "
           "\"PartialObjectMetadata\", \"version\": \"v1\"}], \"properties\": {"
           "\"apiVersion\": {\"type\": \"string\"}, \"kind\": {\"type\": \"string\"}, "
           "\"metadata\": {\"$ref\": \"#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta\"}}},"
           "\"io.k8s.apimachinery.pkg.apis.meta.v1.PartialObjectMetadataList\": {"
           "\"description\": \"PartialObjectMetadataList is a list of the metadata of objects.\", "
           "\"type\": \"object\", \"required\": [\"items\"], "
           "\"x-kubernetes-group-version-kind\": [{\"group\": \"meta.k8s.io\", \"kind\": "
           "\"PartialObjectMetadataList\", \"version\": \"v1\"}], \"properties\": {"
           "\"apiVersion\": {\"type\": \"string\"}, \"kind\": {\"type\": \"string\"}, "
           "\"metadata\": {\"$ref\": \"#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta\"}, "
           "\"items\": {\"type\": \"array\", \"items\": "
           "{\"$ref\": \"#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.PartialObjectMetadata\"}}}}"
           "}";
}
