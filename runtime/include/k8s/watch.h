/* Watches: a resource's changes as a stream of events, decoded one at a
 * time as the bytes arrive (the stream itself is never held in memory).
 *
 *   k8s_watch_async   one watch request, as the server serves it
 *   k8s_watcher       a watch that lasts: it reconnects from the last
 *                     resourceVersion it saw after a dropped connection or
 *                     a server timeout, with backoff, and stops with
 *                     K8S_EGONE when that version has expired (410), which
 *                     is the caller's cue to list again (k8s_informer does).
 *
 * Typed when the resource has a type (k8s_core_v1_pod_resource): objects
 * are the generated structs. Dynamic when it has none: objects are their
 * JSON text. */
#ifndef K8S_WATCH_H
#define K8S_WATCH_H

#include "k8s/client.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum k8s_watch_type {
    K8S_WATCH_ADDED = 1,
    K8S_WATCH_MODIFIED,
    K8S_WATCH_DELETED,
    K8S_WATCH_BOOKMARK, /* only metadata.resourceVersion (and annotations) are set */
    K8S_WATCH_ERROR     /* the server's Status in `status`; the stream ends after it */
} k8s_watch_type;

const char *k8s_watch_type_name(k8s_watch_type type); /* "ADDED", ... */

typedef struct k8s_watch_event {
    k8s_watch_type type;
    void *object;                /* the resource's struct, or for dynamic watches its JSON
                                    text (char *); NULL for ERROR */
    const k8s_status *status;    /* ERROR: what the server sent */
    const char *namespace_;      /* from the object's metadata; NULL when absent */
    const char *name;
    const char *resource_version;
    /* A BOOKMARK annotated k8s.io/initial-events-end: the initial events
     * of a streaming list (sendInitialEvents=true) are complete. */
    bool initial_events_end;
    /* Holds all of the above. Freed after the callback returns, unless the
     * callback takes it: set arena to NULL and free it yourself later. */
    k8s_arena *arena;
} k8s_watch_event;

/* On the loop thread, once per event, in order. */
typedef void (*k8s_watch_fn)(void *data, k8s_watch_event *event);


/* One watch of `resource` in `namespace_` (NULL: the client's; K8S_ALL_NAMESPACES)
 * with a list's options (selectors, resourceVersion, resourceVersionMatch,
 * timeoutSeconds, allowWatchBookmarks, sendInitialEvents; call.id makes it
 * cancellable with k8s_cancel from any thread, call.timeout_ms bounds
 * silence). on_end runs once: K8S_OK when the server closed the stream (its
 * timeout), the error of an ERROR event (K8S_EGONE for a 410 Status) or of
 * the request, K8S_ECANCELED, K8S_EBADREPLY for an event that cannot be
 * read (err names the line and the JSON path). */
k8s_code k8s_watch_async(k8s_client *client, const k8s_resource *resource, const char *namespace_,
                         const k8s_list_options *opts, k8s_watch_fn on_event, k8s_done_fn on_end,
                         void *data);

/* The same, waiting on this thread until the watch ends (events are still
 * delivered on the loop thread) and returning on_end's code and error.
 * When the server answered with a Status (an error reply such as 404
 * NotFound or 403 Forbidden, or an ERROR event such as 410 Expired),
 * err->status is a copy of it in arena, valid until arena is freed (arena
 * NULL: err->status stays NULL; events have arenas of their own). Not from
 * the loop thread. */
k8s_code k8s_watch(k8s_client *client, const k8s_resource *resource, const char *namespace_,
                   const k8s_list_options *opts, k8s_watch_fn on_event, void *data,
                   k8s_arena *arena, k8s_error *err);

/* ---- the watcher ---- */

typedef struct k8s_watcher k8s_watcher;

typedef struct k8s_watcher_options {
    /* Selectors and where to start: resourceVersion "" or NULL starts from
     * the server's current state (ADDED events for what exists, as a watch
     * without a version does); a list's resourceVersion continues from that
     * list. timeoutSeconds is per connection (0: the server's default).
     * allowWatchBookmarks is always sent: bookmarks keep the version fresh. */
    k8s_list_options list;
    k8s_watch_fn on_event;   /* every event, bookmarks included; ERROR events are not
                                passed on, they end or restart the watch */
    k8s_done_fn on_end;      /* once, when the watcher stops for good: K8S_EGONE (the
                                version expired: list again), K8S_ECANCELED (stopped),
                                or a permanent error (401, 403, 404, 422, a bad reply) */
    void *data;
    int idle_timeout_ms;     /* reconnect after this long without a byte; 0: never */
    int max_backoff_ms;      /* between failed attempts; 0: 30 s */
} k8s_watcher_options;

/* Starts watching. The watcher keeps its own copies of the options. */
k8s_code k8s_watcher_start(k8s_client *client, const k8s_resource *resource,
                           const char *namespace_, const k8s_watcher_options *opts,
                           k8s_watcher **out);
/* The last resourceVersion seen (copied into buf; "" before any). Any thread. */
void k8s_watcher_resource_version(k8s_watcher *watcher, char *buf, size_t size);
/* Connections made so far (1 + reconnects). Any thread. */
unsigned k8s_watcher_connects(k8s_watcher *watcher);
/* Asks it to stop (any thread, any time before k8s_watcher_free); on_end
 * follows with K8S_ECANCELED unless it had already ended. */
void k8s_watcher_stop(k8s_watcher *watcher);
/* Stops it and releases it. Off the loop thread it first waits for on_end
 * to have returned; on the loop thread (in a callback) the memory goes
 * once on_end has run. */
void k8s_watcher_free(k8s_watcher *watcher);

#ifdef __cplusplus
}
#endif
#endif
