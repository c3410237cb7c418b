/* Kubernetes label selectors, as kubectl -l and labelSelector= spell them,
 * parsed once and matched against label maps locally (informer lookups).
 *
 *   app=web   app==web   tier!=db   env in (prod, staging)   env notin (dev)
 *   gpu       !gpu       replicas>2   replicas<5
 *
 * Requirements are joined by commas, all of which must hold; "" matches
 * everything. `!=` and `notin` also match objects without the label, as on
 * the server. Keys are qualified names (an optional DNS-subdomain prefix and
 * '/', then at most 63 characters); values at most 63 characters. */
#ifndef K8S_SELECTOR_H
#define K8S_SELECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "k8s/arena.h"
#include "k8s/error.h"
#include "k8s/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8s_selector k8s_selector;

/* Parses text (NULL reads as "") into arena. On bad syntax: K8S_EINVAL,
 * err->offset the 0-based byte position and err->column the 1-based one,
 * err->message saying what was expected there. */
k8s_code k8s_selector_parse(const char *text, k8s_arena *arena, k8s_selector **out, k8s_error *err);

/* Whether labels (a map, e.g. metadata->labels / labels_len) satisfy every
 * requirement. NULL selector: true. */
bool k8s_selector_match(const k8s_selector *sel, const k8s_string_entry *labels, size_t n);

/* True when it has no requirements (matches everything). */
bool k8s_selector_empty(const k8s_selector *sel);

#ifdef __cplusplus
}
#endif
#endif
