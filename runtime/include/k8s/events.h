/* Events: a recorder that writes events.k8s.io/v1 Events about objects,
 * as client-go's tools/events recorder does:
 *
 *   - An event that repeats (same type, reason, action, regarding and
 *     related objects, reporting controller and instance; the note does
 *     not count) becomes a series: the first is created, the second
 *     patches series.count to 2, later ones only count until the series is
 *     written again (every refresh_ms while it goes on, when it has not
 *     been seen for finish_ms, and on flush and free).
 *   - New events are rate-limited per object (client-go's spam filter:
 *     a burst of 25, then one every 5 minutes); beyond that, dropped.
 *   - Recording never blocks: it copies the event and hands the write to
 *     the client's loop; with max_queued writes waiting, it drops. Failed
 *     writes are tried again (12 times, retry_ms apart). */
#ifndef K8S_EVENTS_H
#define K8S_EVENTS_H

#include <stdint.h>

#include "k8s/client.h"
#include "k8s/object.h"

#ifdef __cplusplus
extern "C" {
#endif

#define K8S_EVENT_NORMAL "Normal"
#define K8S_EVENT_WARNING "Warning"

typedef struct k8s_event_recorder k8s_event_recorder;

typedef struct k8s_event_recorder_options {
    const char *reporting_controller; /* required: "example.com/my-controller" */
    const char *reporting_instance;   /* NULL: reporting_controller-hostname, as client-go */
    int max_queued;                   /* writes waiting; 0: 1000 */
    int burst;                        /* new events per object at once; 0: 25 */
    double qps;                       /* and after that, per second; 0: 1/300 */
    int refresh_ms;                   /* a running series is written every; 0: 30 min */
    int finish_ms;                    /* a series unseen this long is closed; 0: 6 min */
    int retry_ms;                     /* between tries of a failed write; 0: 10 s (+-25%) */
} k8s_event_recorder_options;

k8s_code k8s_event_recorder_new(k8s_client *client, const k8s_event_recorder_options *o,
                                k8s_event_recorder **out, k8s_error *err);

/* Records an event about regarding (related may be NULL). type:
 * K8S_EVENT_NORMAL or K8S_EVENT_WARNING; reason (why: "Synced") and action
 * (what was done: "Sync") up to 128 bytes; the note (printf format, may
 * be NULL) is cut to 1024 bytes. The event's namespace is regarding's, or
 * "default" for cluster-scoped objects. Any thread; never blocks: K8S_OK
 * (recorded or counted into its series), K8S_ETHROTTLED or K8S_EFULL
 * (dropped), K8S_EINVAL (bad arguments). */
k8s_code k8s_event_record(k8s_event_recorder *r, const k8s_object_ref *regarding, const k8s_object_ref *related,
                          const char *type, const char *reason, const char *action, const char *note_fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 8)))
#endif
    ;

/* Writes what series have counted since they were last written, and waits
 * up to timeout_ms (< 0: without limit) until nothing is waiting or in
 * flight: K8S_OK or K8S_ETIMEDOUT. Not from the loop thread. */
k8s_code k8s_event_recorder_flush(k8s_event_recorder *r, int timeout_ms);

typedef struct k8s_event_recorder_stats {
    uint64_t recorded;     /* calls that were accepted */
    uint64_t created;      /* Events created */
    uint64_t series_writes; /* series counts written */
    uint64_t throttled;    /* dropped by the per-object limit */
    uint64_t dropped;      /* dropped: too many writes waiting */
    uint64_t failed;       /* writes given up: refused by the server, or out of tries */
    uint64_t retries;      /* failed writes tried again */
} k8s_event_recorder_stats;
void k8s_event_recorder_stats_get(k8s_event_recorder *r, k8s_event_recorder_stats *out);

/* Flushes (waiting up to 5 s; failures are not tried again), then frees
 * it. Before the client; not from the loop thread. NULL is a no-op. */
void k8s_event_recorder_free(k8s_event_recorder *r);

#ifdef __cplusplus
}
#endif
#endif
