/* Informers: a local, always up-to-date copy of a resource's objects (a
 * reflector feeding a store), as client-go's SharedInformer keeps one.
 *
 * It fills the store once (a streaming list when the server offers one,
 * else a paged list), then follows a watch from there. When the watch's
 * version expires (410) it lists again and reports only what changed in
 * between: adds, updates and deletes. Failures are retried with backoff
 * for as long as it runs, and reported through on_error.
 *
 * Typed when the resource has a type (k8s_core_v1_pod_resource): objects
 * are the generated structs. Dynamic when it has none: objects are their
 * JSON text (char *).
 *
 * Each object is kept in one block of exactly the size it needs, so the
 * store costs about the objects' decoded size. Lookups work from any
 * thread while it runs and hand out copies. */
#ifndef K8S_INFORMER_H
#define K8S_INFORMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/client.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8s_informer k8s_informer;

/* All run on the client's loop thread, one at a time, and must not block.
 * Objects are valid during the call only (k8s_copy what you keep). Every
 * pointer may be NULL. The sequence is consistent per key: add for a key
 * not in the store, update and delete for one that is. */
typedef struct k8s_informer_handlers {
    void (*on_add)(void *data, const void *obj);
    void (*on_update)(void *data, const void *old_obj, const void *new_obj);
    /* obj: the object's final state as the watch reported it, or, for a
     * delete that a relist revealed, the last state the store had. */
    void (*on_delete)(void *data, const void *obj);
    /* Once, after the adds of the first full state. */
    void (*on_synced)(void *data);
    /* A list or watch failed; it is retried (with backoff) after this. */
    void (*on_error)(void *data, const k8s_error *err);
    /* Once, last, when it stops for good: K8S_ECANCELED after
     * k8s_informer_stop or k8s_informer_free, or when its client closes
     * (err says which). */
    void (*on_end)(void *data, k8s_code code, const k8s_error *err);
    void *data;
} k8s_informer_handlers;

typedef struct k8s_informer_options {
    const char *namespace_; /* NULL: the client's; K8S_ALL_NAMESPACES: every namespace */
    const char *labelSelector;
    const char *fieldSelector;
    int64_t page_size;      /* items per list page; 0: 500 */
    bool no_streaming_list; /* list then watch, without trying sendInitialEvents first */
    int max_backoff_ms;     /* between failed attempts; 0: 30 s */
    k8s_informer_handlers handlers;
} k8s_informer_options;

/* Starts it (from any thread). The informer copies what it keeps of r and
 * o. Free it before the client. */
k8s_code k8s_informer_start(k8s_client *client, const k8s_resource *r, const k8s_informer_options *o,
                            k8s_informer **out);

/* Whether the first full state is in the store and on_synced has run.
 * Any thread. */
bool k8s_informer_synced(k8s_informer *inf);
/* Waits until it is: K8S_OK, K8S_ETIMEDOUT (timeout_ms < 0: no limit), or
 * K8S_ECANCELED when the informer stopped for good (stopped, or its client
 * closed).
 * Not on the loop thread. */
k8s_code k8s_informer_wait_synced(k8s_informer *inf, int timeout_ms);

/* ---- lookups, from any thread: copies into the caller's arena ---- */

/* namespace_ NULL: the client's (as for calls); ignored for cluster-scoped
 * resources. K8S_ENOTFOUND when
 * the store has no such object. Typed: a k8s_copy of the struct;
 * dynamic: the JSON text (char *). */
k8s_code k8s_informer_get(k8s_informer *inf, const char *namespace_, const char *name,
                          k8s_arena *arena, void **out);
/* Objects in namespace_ (NULL: the client's; K8S_ALL_NAMESPACES: every
 * namespace; ignored for cluster-scoped resources) that match
 * label_selector (k8s/selector.h; NULL or "": all), in no particular
 * order; *out is an array of *n pointers in arena. K8S_EINVAL for a
 * selector that does not parse (k8s_selector_parse says why). */
k8s_code k8s_informer_list(k8s_informer *inf, const char *namespace_, const char *label_selector,
                           k8s_arena *arena, void ***out, size_t *n);
/* Objects in the store. */
size_t k8s_informer_size(k8s_informer *inf);

typedef struct k8s_informer_stats {
    size_t objects;
    size_t bytes;          /* memory the store holds: objects, keys, hash table */
    size_t object_bytes;   /* of that, the objects' own blocks */
    uint64_t list_pages;   /* list requests made (pages) */
    uint64_t watches;      /* watch connections made */
    uint64_t resyncs;      /* full states taken after the first (410, errors) */
    uint64_t errors;       /* failures reported through on_error */
    bool streaming;        /* the last full state came from a streaming list */
} k8s_informer_stats;
void k8s_informer_stats_get(k8s_informer *inf, k8s_informer_stats *out);

/* Asks it to stop (any thread, any time before k8s_informer_free): no
 * more requests; on_end follows (K8S_ECANCELED) once nothing runs. The
 * store stays readable until k8s_informer_free. */
void k8s_informer_stop(k8s_informer *inf);

/* Stops it and frees it with its store. Off the loop thread it waits for
 * running handlers (on_end last) to return, and none run after; on the
 * loop thread (in a handler) none run after this call but on_end, and the
 * memory goes soon after. NULL is a no-op. */
void k8s_informer_free(k8s_informer *inf);

#ifdef __cplusplus
}
#endif
#endif
