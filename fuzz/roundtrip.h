/* The codec's promise on anything it decoded: encode, decode, encode gives
 * the same bytes twice; a deep copy encodes to them too. */
#ifndef K8S_FUZZ_ROUNDTRIP_H
#define K8S_FUZZ_ROUNDTRIP_H

#include "k8s/types.h"

/* Aborts with both texts when obj (of type) breaks the promise. */
void fuzz_check_roundtrip(const k8s_type *type, const void *obj);

#endif
