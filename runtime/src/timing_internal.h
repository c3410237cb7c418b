/* Time helpers the client's modules share: backing off between attempts
 * and deadlines for condition waits. */
#ifndef K8S_TIMING_INTERNAL_H
#define K8S_TIMING_INTERNAL_H

#include <stdint.h>
#include <time.h>

/* A seed for k8s_backoff_ms's generator, different for each owner (an
 * address) and each run. */
uint64_t k8s_rng_seed(const void *owner);

/* How long to wait after `failures` failures in a row (0: the first):
 * base_ms doubled each time up to max_ms, then jittered to 50%..100% of
 * that so that clients that lost one server do not come back together.
 * rng is the caller's generator state (k8s_rng_seed). */
uint64_t k8s_backoff_ms(uint64_t *rng, unsigned failures, uint64_t base_ms, uint64_t max_ms);

/* Watchers and informers reconnecting after a failure (their
 * max_backoff_ms option, when set, replaces the maximum). */
#define K8S_RECONNECT_BASE_MS 100
#define K8S_RECONNECT_MAX_MS 30000

/* timeout_ms (>= 0) from now on CLOCK_MONOTONIC, for pthread_cond_timedwait
 * on a condition variable set to that clock. */
struct timespec k8s_deadline_after(int timeout_ms);

#endif
