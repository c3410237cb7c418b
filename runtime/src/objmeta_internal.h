/* What the runtime reads of an object's metadata without knowing its
 * type: watches report it with each event, the informer keys and selects
 * its store by it. Typed objects are read through their descriptors
 * (fields found once per type), JSON text through a partial view. */
#ifndef K8S_OBJMETA_INTERNAL_H
#define K8S_OBJMETA_INTERNAL_H

#include <stddef.h>

#include "k8s/arena.h"
#include "k8s/error.h"
#include "k8s/types.h"

/* A typed object's metadata fields; metadata is NULL when the type has
 * none, labels and annotations when they are not maps of strings. */
typedef struct k8s_meta_fields {
    const k8s_field *metadata, *name, *namespace_, *rv, *labels, *annotations;
} k8s_meta_fields;

/* Read from one object; NULL and 0 for what it lacks. */
typedef struct k8s_meta {
    const char *kind; /* JSON text only: a typed object's kind is a field of its own */
    const char *name, *namespace_, *resource_version;
    const k8s_string_entry *labels, *annotations;
    size_t labels_len, annotations_len;
} k8s_meta;

/* t's field of that name and kind (by pointer, not inline), or NULL. */
const k8s_field *k8s_field_of(const k8s_type *t, const char *name, k8s_kind kind);
void k8s_meta_fields_find(const k8s_type *t, k8s_meta_fields *f);
void k8s_meta_typed(const k8s_meta_fields *f, const void *obj, k8s_meta *out);
/* From an object's JSON text; the strings live in arena. */
k8s_code k8s_meta_json(const char *json, size_t len, k8s_arena *arena, k8s_meta *out, k8s_error *err);

#endif
