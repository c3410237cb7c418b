/* The two kinds the controller layer writes, described here rather than
 * taken from a generated tree (k8s::controller needs k8s::client only):
 * the Lease as much as leader election reads, the rest kept in _unknown
 * and written back untouched; and the Event, whose bodies events.c writes
 * as JSON itself. */
#include <stddef.h>

#include "control_internal.h"
#include "k8s/values.h"

static const k8s_field lease_meta_fields[] = {
    K8S_VALUE(lease_meta, name, "name", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(lease_meta, namespace_, "namespace", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(lease_meta, resourceVersion, "resourceVersion", K8S_KIND_STRING, 0, NULL),
};
static const k8s_type lease_meta_desc = {.name = "ObjectMeta", .fields = lease_meta_fields, .size = sizeof(lease_meta),
                                         .unknown_offset = offsetof(lease_meta, _unknown), .nfields = 3,
                                         .flags = K8S_TYPE_UNKNOWN};
static const k8s_field lease_spec_fields[] = {
    K8S_VALUE(lease_spec, holderIdentity, "holderIdentity", K8S_KIND_STRING, 0, NULL),
    K8S_SCALAR(lease_spec, leaseDurationSeconds, "leaseDurationSeconds", K8S_KIND_INT32, 0),
    K8S_VALUE(lease_spec, acquireTime, "acquireTime", K8S_KIND_MICROTIME, 0, NULL),
    K8S_VALUE(lease_spec, renewTime, "renewTime", K8S_KIND_MICROTIME, 0, NULL),
    K8S_SCALAR(lease_spec, leaseTransitions, "leaseTransitions", K8S_KIND_INT32, 0),
};
static const k8s_type lease_spec_desc = {.name = "LeaseSpec", .fields = lease_spec_fields, .size = sizeof(lease_spec),
                                         .unknown_offset = offsetof(lease_spec, _unknown), .nfields = 5,
                                         .flags = K8S_TYPE_UNKNOWN};
static const k8s_field lease_fields[] = {
    K8S_VALUE(lease, kind, "kind", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(lease, apiVersion, "apiVersion", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(lease, metadata, "metadata", K8S_KIND_OBJECT, 0, &lease_meta_desc),
    K8S_VALUE(lease, spec, "spec", K8S_KIND_OBJECT, 0, &lease_spec_desc),
};
const k8s_type k8s_lease_desc = {.name = "Lease", .fields = lease_fields, .size = sizeof(lease),
                                    .unknown_offset = offsetof(lease, _unknown), .nfields = 4,
                                    .flags = K8S_TYPE_UNKNOWN};
const k8s_resource k8s_lease_resource = {"coordination.k8s.io", "v1", "leases", "Lease", true, &k8s_lease_desc, NULL};

const k8s_resource k8s_event_resource = {"events.k8s.io", "v1", "events", "Event", true, NULL, NULL};
