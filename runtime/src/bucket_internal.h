/* A token bucket: `qps` tokens a second up to `burst`, full at the start,
 * on a nanosecond clock the caller reads. The work queue reserves tokens
 * (golang.org/x/time/rate's Reserve: the bucket may go into debt and the
 * caller waits it off); the event recorder takes them or drops the event
 * (client-go's passive limiter, TryAccept). No locking. */
#ifndef K8S_BUCKET_INTERNAL_H
#define K8S_BUCKET_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

typedef struct k8s_bucket {
    double qps, burst, tokens;
    uint64_t last_ns;
} k8s_bucket;

static inline void k8s_bucket_init(k8s_bucket *b, double qps, double burst, uint64_t now_ns)
{
    *b = (k8s_bucket){qps, burst, burst, now_ns};
}

static inline void k8s_bucket_refill(k8s_bucket *b, uint64_t now_ns)
{
    if (now_ns > b->last_ns) {
        b->tokens += (double)(now_ns - b->last_ns) * b->qps / 1e9;
        if (b->tokens > b->burst)
            b->tokens = b->burst;
        b->last_ns = now_ns;
    }
}

/* Takes a token now; the nanoseconds until it is earned (0: it was there). */
static inline uint64_t k8s_bucket_reserve(k8s_bucket *b, uint64_t now_ns)
{
    k8s_bucket_refill(b, now_ns);
    b->tokens -= 1.0;
    return b->tokens >= 0 ? 0 : (uint64_t)(-b->tokens * 1e9 / b->qps);
}

/* Takes a token if there is one. */
static inline bool k8s_bucket_take(k8s_bucket *b, uint64_t now_ns)
{
    k8s_bucket_refill(b, now_ns);
    if (b->tokens < 1.0)
        return false;
    b->tokens -= 1.0;
    return true;
}

#endif
