/* Compact deep copies: a typed value and everything it points to, laid out
 * in one block of exactly the size it needs (structs and arrays first,
 * 8-byte aligned, then the text). Caches that hold many objects for a long
 * time (the informer's store) use it instead of an arena per object, whose
 * growing blocks leave unused tails behind. */
#ifndef K8S_PACK_INTERNAL_H
#define K8S_PACK_INTERNAL_H

#include <stddef.h>

#include "k8s/types.h"

typedef struct k8s_pack_size {
    size_t fixed; /* structs and arrays, a multiple of 8 */
    size_t text;  /* strings, free-form JSON, bytes */
} k8s_pack_size;

/* What a packed copy of obj (of type t) needs. */
k8s_pack_size k8s_pack_measure(const k8s_type *t, const void *obj);
/* Copies obj into mem (8-aligned, fixed + text bytes as measured) and
 * returns the copy, which is at mem. */
void *k8s_pack(const k8s_type *t, const void *obj, void *mem, k8s_pack_size size);

#endif
