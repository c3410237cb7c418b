#define _POSIX_C_SOURCE 200809L
#include "timing_internal.h"

#include "k8s/loop.h"

uint64_t k8s_rng_seed(const void *owner)
{
    return ((uint64_t)(uintptr_t)owner ^ k8s_now_ms() * 0x9E3779B97F4A7C15u) | 1;
}

uint64_t k8s_backoff_ms(uint64_t *rng, unsigned failures, uint64_t base_ms, uint64_t max_ms)
{
    uint64_t ms = base_ms ? base_ms : 1;
    for (unsigned i = 0; i < failures && ms < max_ms; i++)
        ms *= 2;
    if (ms > max_ms)
        ms = max_ms;
    *rng ^= *rng << 13; /* xorshift64 */
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    return ms / 2 + *rng % (ms / 2 + 1);
}

struct timespec k8s_deadline_after(int timeout_ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    if (timeout_ms > 0) {
        t.tv_sec += timeout_ms / 1000;
        t.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (t.tv_nsec >= 1000000000L) {
            t.tv_sec++;
            t.tv_nsec -= 1000000000L;
        }
    }
    return t;
}
