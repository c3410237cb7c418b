/* What the controller layer's modules (object, events, leader) share. Private. */
#ifndef K8S_CONTROL_INTERNAL_H
#define K8S_CONTROL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "k8s/arena.h"
#include "k8s/buf.h"
#include "k8s/client.h"
#include "k8s/types.h"

/* Appends "name":"value" (value quoted and escaped; NULL as ""), with a
 * comma in front unless first. */
k8s_code k8s_json_member(k8s_buf *b, bool first, const char *name, const char *value);

/* "group/version", or "version" for the core group, in arena. */
char *k8s_api_version_of(const k8s_resource *r, k8s_arena *arena);

/* The Lease (coordination.k8s.io/v1) as leader election reads it; the
 * rest of each object is kept in _unknown. control_kinds.c. */
typedef struct lease_meta {
    char *name, *namespace_, *resourceVersion;
    char *_unknown;
} lease_meta;

typedef struct lease_spec {
    char *holderIdentity;
    bool has_leaseDurationSeconds;
    int32_t leaseDurationSeconds;
    char *acquireTime, *renewTime;
    bool has_leaseTransitions;
    int32_t leaseTransitions;
    char *_unknown;
} lease_spec;

typedef struct lease {
    char *kind, *apiVersion;
    lease_meta *metadata;
    lease_spec *spec;
    char *_unknown;
} lease;
extern const k8s_type k8s_lease_desc;
extern const k8s_resource k8s_lease_resource;

/* events.k8s.io/v1 Events: bodies written as JSON by events.c. */
extern const k8s_resource k8s_event_resource;

#endif
