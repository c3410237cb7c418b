/* Controllers: informers feeding a work queue that worker threads drain
 * by calling reconcile for each key, in the shape client-go controllers
 * and kube-runtime's Controller have.
 *
 *   - One primary resource (typed, dynamic, or a custom resource): every
 *     add, update and delete of one of its objects queues its key
 *     ("namespace/name", or "name" when cluster-scoped).
 *   - Secondary resources queue primaries too: through their owner
 *     references (k8s_controller_owns) or a function of yours
 *     (k8s_controller_watches).
 *   - N workers call reconcile(ctx, obj) with the primary object as the
 *     informer's cache has it (a copy in ctx->arena), or NULL when it is
 *     gone. Reconcile reads from the caches (k8s_controller_informer),
 *     writes through the client, and says what next: done, requeue,
 *     requeue after a delay, or error (requeued with the key's backoff).
 *   - A key is never reconciled by two workers at once; changes that come
 *     in meanwhile queue it once more.
 *   - Workers start once every cache has synced. Stop from any thread. */
#ifndef K8S_CONTROLLER_H
#define K8S_CONTROLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/client.h"
#include "k8s/informer.h"
#include "k8s/workqueue.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8s_controller k8s_controller;

typedef enum k8s_reconcile_action {
    K8S_RECONCILE_DONE = 0,      /* the key's backoff is forgotten */
    K8S_RECONCILE_REQUEUE,       /* again, after the key's backoff (nothing failed) */
    K8S_RECONCILE_REQUEUE_AFTER, /* again after after_ms; backoff forgotten */
    K8S_RECONCILE_ERROR          /* failed: again after the key's backoff */
} k8s_reconcile_action;

typedef struct k8s_reconcile_result {
    k8s_reconcile_action action;
    uint64_t after_ms; /* K8S_RECONCILE_REQUEUE_AFTER */
} k8s_reconcile_result;

#define K8S_RECONCILED ((k8s_reconcile_result){K8S_RECONCILE_DONE, 0})
#define K8S_RECONCILE_FAILED ((k8s_reconcile_result){K8S_RECONCILE_ERROR, 0})
#define K8S_RECONCILE_AGAIN_AFTER(ms) ((k8s_reconcile_result){K8S_RECONCILE_REQUEUE_AFTER, (ms)})

typedef struct k8s_reconcile_ctx {
    k8s_controller *controller;
    k8s_client *client;
    const char *key;
    const char *namespace_; /* "" for cluster-scoped objects */
    const char *name;
    k8s_arena *arena;       /* freed after reconcile returns; the object lives here */
    unsigned requeues;      /* failures of this key since its last success */
    unsigned worker;        /* 0 .. workers - 1 */
    void *data;             /* the options' */
} k8s_reconcile_ctx;

/* obj: the primary's struct, or its JSON text when the resource has no
 * type; NULL when the cache has no such object (it was deleted). Runs on
 * a worker thread and may block (plain client calls are fine). */
typedef k8s_reconcile_result (*k8s_reconcile_fn)(k8s_reconcile_ctx *ctx, const void *obj);

typedef struct k8s_controller_options {
    const k8s_resource *resource; /* the primary (copied) */
    const char *namespace_;       /* NULL: the client's; K8S_ALL_NAMESPACES: every namespace */
    const char *labelSelector;
    const char *fieldSelector;
    k8s_reconcile_fn reconcile;
    void *data;
    int workers;                  /* 0: 1 */
    k8s_workqueue_options queue;  /* backoff, rate limit, clock */
    /* A cache's list or watch failed (it retries); on the loop thread. */
    void (*on_error)(void *data, const k8s_error *err);
} k8s_controller_options;

k8s_code k8s_controller_new(k8s_client *client, const k8s_controller_options *o, k8s_controller **out);

/* Before start: objects of r (in o's namespace, with o's selectors; its
 * handlers are not used; o may be NULL: the client's namespace) queue every owner their
 * ownerReferences name that is of the primary's kind and group: the
 * owner's key on each add, update and delete. */
k8s_code k8s_controller_owns(k8s_controller *c, const k8s_resource *r, const k8s_informer_options *o);

/* Called for each added, updated (old and new) and deleted object of a
 * watched resource, on the loop thread; it queues what it wants with
 * k8s_controller_enqueue and must not block. */
typedef void (*k8s_map_fn)(void *data, k8s_controller *c, const void *obj);

/* Before start: objects of r queue the keys map gives for them. */
k8s_code k8s_controller_watches(k8s_controller *c, const k8s_resource *r, const k8s_informer_options *o,
                                k8s_map_fn map, void *data);

/* Starts the caches, and the workers once they have synced. Once; on
 * failure, free it. */
k8s_code k8s_controller_start(k8s_controller *c);
/* Waits until every cache has synced: K8S_OK, K8S_ETIMEDOUT, K8S_ECANCELED. */
k8s_code k8s_controller_wait_synced(k8s_controller *c, int timeout_ms);

/* Queues a key from anywhere (any thread); namespace_ NULL or "" for
 * cluster-scoped objects. K8S_ECLOSED once stopped. */
k8s_code k8s_controller_enqueue(k8s_controller *c, const char *namespace_, const char *name);
k8s_code k8s_controller_enqueue_after(k8s_controller *c, const char *namespace_, const char *name,
                                      uint64_t delay_ms);

/* Queues the owners of obj (an object of r) that are primaries, as
 * k8s_controller_owns does for its resource: for map functions that
 * watch one resource for more than one reason. Any thread. */
k8s_code k8s_controller_enqueue_owners(k8s_controller *c, const k8s_resource *r, const void *obj);

/* The cache of r (NULL: the primary's), to read from in reconcile and
 * map functions: the first source of r, in the order they were added
 * (the primary first); NULL before start or for a resource not watched. */
k8s_informer *k8s_controller_informer(k8s_controller *c, const k8s_resource *r);

/* Stops: queued keys are dropped, reconciles under way finish, workers
 * end. Any thread (a reconcile too); returns at once. */
void k8s_controller_stop(k8s_controller *c);
/* Whether it was stopped. */
bool k8s_controller_stopped(k8s_controller *c);

typedef struct k8s_controller_stats {
    uint64_t reconciles; /* calls of reconcile */
    uint64_t errors;     /* that returned K8S_RECONCILE_ERROR */
    uint64_t requeues;   /* that asked to run again */
    unsigned running;    /* reconciles under way now */
    k8s_workqueue_stats queue;
} k8s_controller_stats;
void k8s_controller_stats_get(k8s_controller *c, k8s_controller_stats *out);

/* Stops it, waits for the workers, frees the caches and the controller.
 * Not from a reconcile, a map function or another loop callback. NULL is
 * a no-op. */
void k8s_controller_free(k8s_controller *c);

#ifdef __cplusplus
}
#endif
#endif
