/* Leader election on a coordination.k8s.io/v1 Lease, with client-go's
 * semantics (tools/leaderelection), so replicas of a controller on
 * several machines agree on one leader with Kubernetes as the referee:
 *
 *   - A candidate takes the Lease when it is free or has not changed for
 *     its lease duration, measured on the candidate's own clock from when
 *     it saw the change (never by comparing another machine's timestamps:
 *     clocks may disagree, only their rates must roughly match).
 *   - Every write carries the resourceVersion it read (optimistic
 *     concurrency): of candidates racing for one Lease, one write wins.
 *   - The leader renews every retry period. If it cannot renew within
 *     the renew deadline (shorter than the lease duration) of its last
 *     successful renewal, it stops leading: before the others may take
 *     over. That holds even when requests hang.
 *   - Leading ends for good (stopped, or lost): on_stopped_leading runs
 *     once, as client-go runs OnStoppedLeading when Run returns, whether
 *     or not leading began. To stand again, start a new elector.
 *   - Stopping a leader with release_on_stop writes the Lease free, so
 *     another takes over at once instead of after the lease duration.
 *
 * Differences from client-go: waiting candidates retry every retry period
 * with up to 20% jitter below it (client-go: up to 120% above) and also
 * try at the moment an observed lease would expire, so a dead leader is
 * replaced within lease duration + retry period of its last renewal; the
 * Lease's leaseDurationSeconds is the lease duration rounded up to whole
 * seconds (client-go rounds down, which for durations that are not whole
 * seconds lets others take over before the holder's renew deadline). */
#ifndef K8S_LEADER_H
#define K8S_LEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/client.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8s_leader k8s_leader;

/* Called one at a time, in order, on a thread of the elector's own (not
 * the loop's): they may block, and may stop or start other things, but
 * must not free the elector. */
typedef struct k8s_leader_callbacks {
    void (*on_started_leading)(void *data);
    void (*on_stopped_leading)(void *data); /* once, when the elector ends */
    /* The holder seen changed (the first one seen too, this candidate
     * included); "" when the Lease was released. */
    void (*on_new_leader)(void *data, const char *identity);
    void *data;
} k8s_leader_callbacks;

typedef struct k8s_leader_options {
    const char *namespace_; /* of the Lease; NULL: the client's */
    const char *name;       /* of the Lease (required) */
    const char *identity;   /* this candidate, unique among them (required): host name and pid, pod name */
    int lease_duration_ms;  /* 0: 15000 */
    int renew_deadline_ms;  /* 0: 10000; less than the lease duration */
    int retry_period_ms;    /* 0: 2000; renew deadline > 1.2 x retry period */
    bool release_on_stop;   /* client-go's ReleaseOnCancel */
    k8s_leader_callbacks callbacks;
} k8s_leader_options;

/* Validates the options (K8S_EINVAL with err saying which) and starts
 * competing. Free it before the client. */
k8s_code k8s_leader_start(k8s_client *client, const k8s_leader_options *o, k8s_leader **out, k8s_error *err);

/* Whether it leads right now. Any thread. */
bool k8s_leader_is_leader(k8s_leader *le);
/* The holder last seen ("" for none) into buf. Any thread. */
void k8s_leader_holder(k8s_leader *le, char *buf, size_t size);
/* Whether it has ended (stopped, or leadership lost). Any thread. */
bool k8s_leader_ended(k8s_leader *le);

/* Asks it to end (any thread, a callback too); returns at once. */
void k8s_leader_stop(k8s_leader *le);

typedef struct k8s_leader_stats {
    uint64_t attempts;  /* tries to take or renew */
    uint64_t renewals;  /* successful writes while leading */
    uint64_t conflicts; /* writes another candidate won */
    uint64_t failures;  /* requests that failed otherwise */
} k8s_leader_stats;
void k8s_leader_stats_get(k8s_leader *le, k8s_leader_stats *out);

/* Ends it (on_stopped_leading has run when this returns), releases the
 * Lease when it led and release_on_stop is set, and frees it. Not from a
 * callback or the loop thread. NULL is a no-op. */
void k8s_leader_free(k8s_leader *le);

#ifdef __cplusplus
}
#endif
#endif
