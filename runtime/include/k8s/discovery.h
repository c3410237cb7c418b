/* Discovery: which resources a server offers, and the resource behind an
 * apiVersion and kind (for custom resources and manifests). */
#ifndef K8S_DISCOVERY_H
#define K8S_DISCOVERY_H

#include <stddef.h>

#include "k8s/client.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8s_api_resource {
    k8s_resource resource; /* group, version, plural, kind, scope; no types */
    char **verbs;
    size_t verbs_len;
    char **shortNames;
    size_t shortNames_len;
} k8s_api_resource;

/* Every resource of every group-version the server serves (/api, /apis and
 * their resource lists; subresources left out), in arena. */
k8s_code k8s_discover(k8s_client *client, k8s_arena *arena, k8s_api_resource **out, size_t *n,
                      k8s_error *err);

/* The resource that serves kind in api_version ("v1", "apps/v1",
 * "example.com/v1"), from that group-version's resource list alone.
 * K8S_ENOTFOUND when the server does not serve it. */
k8s_code k8s_discover_kind(k8s_client *client, k8s_arena *arena, const char *api_version,
                           const char *kind, k8s_resource **out, k8s_error *err);

#ifdef __cplusplus
}
#endif
#endif
