/* Objects of any resource, typed (a generated struct, or any type with
 * descriptors) or dynamic (JSON text, when the resource has no type):
 * the metadata controllers read, references to objects and owners, and
 * the writes controllers make with conflict retry (finalizers, status)
 * or without conflicts (server-side apply). */
#ifndef K8S_OBJECT_H
#define K8S_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/client.h"

#ifdef __cplusplus
extern "C" {
#endif

/* metadata.ownerReferences[i]. */
typedef struct k8s_owner_ref {
    const char *api_version;
    const char *kind;
    const char *name;
    const char *uid;
    bool controller;
    bool block_owner_deletion;
} k8s_owner_ref;

/* What controllers read of an object's metadata; NULL and 0 for what it
 * lacks. Strings point into the object or into the arena. */
typedef struct k8s_object_info {
    const char *api_version, *kind; /* as the object has them (list items may not) */
    const char *namespace_, *name, *uid, *resource_version;
    const char *deletion_timestamp; /* set once deletion has begun */
    bool has_generation;
    int64_t generation;
    char **finalizers;
    size_t finalizers_len;
    k8s_owner_ref *owners;
    size_t owners_len;
} k8s_object_info;

/* Reads obj: r's struct, or JSON text when r has no type. K8S_EBADREPLY
 * for JSON that cannot be read (err says where). */
k8s_code k8s_object_info_get(const k8s_resource *r, const void *obj, k8s_arena *arena,
                             k8s_object_info *out, k8s_error *err);

bool k8s_object_has_finalizer(const k8s_object_info *info, const char *finalizer);

/* A reference to an object (core/v1 ObjectReference): what Events are
 * about. */
typedef struct k8s_object_ref {
    const char *api_version, *kind, *namespace_, *name, *uid;
    const char *resource_version; /* usually left NULL */
    const char *field_path;       /* a part of the object, "spec.containers{web}"; usually NULL */
} k8s_object_ref;

/* obj's reference: apiVersion and kind from r, the rest from obj. */
k8s_code k8s_object_ref_of(const k8s_resource *r, const void *obj, k8s_arena *arena, k8s_object_ref *out,
                           k8s_error *err);

/* The owner reference a controller puts on what it creates for owner
 * (controller and blockOwnerDeletion true), as client-go's
 * metav1.NewControllerRef. K8S_EINVAL when owner has no name or uid. */
k8s_code k8s_owner_ref_of(const k8s_resource *owner_resource, const void *owner, k8s_arena *arena,
                          k8s_owner_ref *out, k8s_error *err);
/* Puts ref into a typed child's metadata.ownerReferences, replacing the
 * one with the same uid; what it adds is allocated in arena (metadata
 * included when the child has none). K8S_EINVAL when the type has no
 * such field. */
k8s_code k8s_owner_ref_set(const k8s_type *child_type, void *child, const k8s_owner_ref *ref,
                           k8s_arena *arena);
/* ref as JSON, for dynamic children: {"apiVersion":...,"uid":...}. */
char *k8s_owner_ref_json(const k8s_owner_ref *ref, k8s_arena *arena);

/* ---- writes (plain calls: not from the client's loop thread) ----
 *
 * obj is the object as last seen (an informer's copy): its namespace,
 * name and resourceVersion say what to write and from which version. On
 * a conflict (409) the object is read again and the change made again on
 * the fresh copy, up to 5 attempts 10 ms apart (client-go's
 * retry.DefaultRetry). *out (out may be NULL) gets the object as the
 * server has it afterwards, in arena: r's struct, or JSON text. */

/* Adds finalizer to metadata.finalizers, or removes it, with a merge
 * patch carrying the resourceVersion as its precondition. No write when
 * there is nothing to change. */
k8s_code k8s_finalizer_add(k8s_client *client, const k8s_resource *r, const void *obj, const char *finalizer,
                           k8s_arena *arena, void **out, k8s_error *err);
k8s_code k8s_finalizer_remove(k8s_client *client, const k8s_resource *r, const void *obj,
                              const char *finalizer, k8s_arena *arena, void **out, k8s_error *err);

/* Changes *obj in place or replaces it (a struct or JSON text, allocated
 * in arena): K8S_OK to write it, K8S_EDONE when nothing needs writing,
 * another code to give up with it. */
typedef k8s_code (*k8s_mutate_fn)(void *data, void **obj, k8s_arena *arena);

/* Writes the status subresource (PUT .../status) of a copy of obj that
 * mutate has changed; on a conflict mutate runs again on a fresh copy. */
k8s_code k8s_status_update(k8s_client *client, const k8s_resource *r, const void *obj, k8s_mutate_fn mutate,
                           void *data, k8s_arena *arena, void **out, k8s_error *err);

/* Server-side apply of obj (r's struct or JSON text) as field_manager:
 * the server merges the fields obj sets and field_manager owns. kind and
 * apiVersion are filled in from r when obj lacks them. force takes fields
 * other managers own (else a 409 names them). namespace_ NULL: obj's
 * metadata.namespace, else the client's. */
k8s_code k8s_apply(k8s_client *client, const k8s_resource *r, const char *namespace_, const void *obj,
                   const char *field_manager, bool force, k8s_arena *arena, void **out, k8s_error *err);

#ifdef __cplusplus
}
#endif
#endif
