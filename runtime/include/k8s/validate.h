/* Checks of a decoded object beyond what the decoder enforces: fields the
 * schema marks required, and the text of Quantity, Time and MicroTime
 * values. What `k8sc validate` runs after decoding. */
#ifndef K8S_VALIDATE_H
#define K8S_VALIDATE_H

#include <stddef.h>

#include "k8s/codec.h"
#include "k8s/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reports each problem of obj through diag (severity K8S_PROBLEM, code
 * K8S_EVALUE, path from the root of obj) and returns how many it found. */
size_t k8s_validate(const k8s_type *type, const void *obj, k8s_diag_fn diag, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
