/* A work queue of keys (usually "namespace/name"), as controllers use
 * client-go's workqueue: thread-safe, usable on its own.
 *
 *   - A key is queued once however often it is added before a worker
 *     takes it.
 *   - A key is never handed to two workers at once: added again while a
 *     worker has it, it is queued again when that worker calls done.
 *   - Delayed adds; per-key exponential backoff on failures (base * 2^n,
 *     capped) combined with an overall token bucket, client-go's default
 *     pairing: 5 ms -> 1000 s per key, 10 qps with a burst of 100 overall,
 *     the longer of the two delays wins. forget ends a key's backoff.
 *   - Shutdown drains (queued keys are still handed out) or drops them.
 *   - Metrics: depth, adds, retries, queue latency, work duration.
 *
 * Time comes from a k8s_clock (k8s/clock.h): the real one, or a fake one
 * that tests move by hand. */
#ifndef K8S_WORKQUEUE_H
#define K8S_WORKQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/clock.h"
#include "k8s/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8s_workqueue k8s_workqueue;

typedef struct k8s_workqueue_options {
    const k8s_clock *clock; /* NULL: the real one */
    /* Per-key backoff for add_rate_limited: base_delay_ms * 2^failures,
     * at most max_delay_ms. 0: 5 ms and 1,000,000 ms (1000 s). */
    uint64_t base_delay_ms;
    uint64_t max_delay_ms;
    /* The overall bucket for add_rate_limited. qps 0: 10; < 0: none.
     * burst 0: 100. */
    double qps;
    int burst;
} k8s_workqueue_options;

/* o may be NULL (the defaults). */
k8s_code k8s_workqueue_new(const k8s_workqueue_options *o, k8s_workqueue **out);

/* Frees it; no thread may be using it any more. NULL is a no-op. */
void k8s_workqueue_free(k8s_workqueue *q);

/* ---- adding (any thread): K8S_ECLOSED once shut down, K8S_EINVAL for a
 * NULL key, K8S_ENOMEM ---- */

k8s_code k8s_workqueue_add(k8s_workqueue *q, const char *key);
/* After delay_ms (0: now). A key already waiting keeps the sooner time. */
k8s_code k8s_workqueue_add_after(k8s_workqueue *q, const char *key, uint64_t delay_ms);
/* After the rate limiters' delay; counts a failure of the key. */
k8s_code k8s_workqueue_add_rate_limited(k8s_workqueue *q, const char *key);
/* Ends the key's backoff: its next failure waits base_delay_ms again. */
void k8s_workqueue_forget(k8s_workqueue *q, const char *key);
/* Failures counted since the last forget. */
unsigned k8s_workqueue_requeues(k8s_workqueue *q, const char *key);

/* ---- working (any thread) ---- */

/* Takes the next key, waiting up to timeout_ms (real milliseconds; 0:
 * not at all, < 0: without limit): K8S_OK with *key valid until done,
 * K8S_ETIMEDOUT, or K8S_ECLOSED once shut down with nothing left to
 * hand out. */
k8s_code k8s_workqueue_get(k8s_workqueue *q, int timeout_ms, const char **key);
/* The worker is finished with key (the string get gave, or a copy). */
void k8s_workqueue_done(k8s_workqueue *q, const char *key);

/* Keys ready to be handed out. */
size_t k8s_workqueue_len(k8s_workqueue *q);

typedef enum k8s_workqueue_shutdown_mode {
    K8S_WORKQUEUE_DRAIN, /* queued keys are still handed out */
    K8S_WORKQUEUE_DROP   /* queued keys are discarded */
} k8s_workqueue_shutdown_mode;

/* Refuses new adds, discards keys waiting for a delay (and, dropping,
 * the queued ones), wakes the workers, then waits up to timeout_ms (real
 * milliseconds, < 0: without limit) until no key is queued (draining) and
 * none is being worked on: K8S_OK or K8S_ETIMEDOUT. Not from a worker
 * that holds a key. Calling it again changes the mode and waits again. */
k8s_code k8s_workqueue_shutdown(k8s_workqueue *q, k8s_workqueue_shutdown_mode mode, int timeout_ms);
bool k8s_workqueue_shutting_down(k8s_workqueue *q);

typedef struct k8s_workqueue_stats {
    size_t depth;           /* keys ready to be handed out */
    size_t waiting;         /* keys waiting for a delay */
    size_t processing;      /* keys handed out, not yet done */
    uint64_t adds;          /* keys queued (an add of a queued key is not counted) */
    uint64_t retries;       /* add_after and add_rate_limited calls */
    uint64_t gets, dones;
    uint64_t latency_ns, latency_max_ns; /* queued -> handed out: sum over gets, and the longest */
    uint64_t work_ns, work_max_ns;       /* handed out -> done: sum over dones, and the longest */
    uint64_t unfinished_work_ns;         /* of the keys being worked on now, summed */
    uint64_t longest_running_ns;         /* the one worked on longest */
} k8s_workqueue_stats;

void k8s_workqueue_stats_get(k8s_workqueue *q, k8s_workqueue_stats *out);

#ifdef __cplusplus
}
#endif
#endif
