/* Clocks for what measures or waits for time (the work queue's delays,
 * backoff and metrics). The real clock is CLOCK_MONOTONIC. A fake clock
 * moves only when the program moves it, so tests check delays and backoff
 * without sleeping, as client-go's testing clock lets Go tests do. */
#ifndef K8S_CLOCK_H
#define K8S_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8s_clock {
    /* Nanoseconds on a monotonic scale. */
    uint64_t (*now_ns)(void *ctx);
    /* NULL for a clock that moves on its own: now_ns must then read
     * CLOCK_MONOTONIC, and waiters sleep until deadlines on it. Set for a
     * clock that moves only when told: waiters subscribe (on = true) and
     * moved(arg) runs after every move; after on = false returns, moved
     * is neither running nor called again for that arg. moved runs on the
     * thread that moves the clock and may take the subscriber's locks, so
     * now_ns must not block on anything moved waits for. */
    void (*subscribe)(void *ctx, void (*moved)(void *arg), void *arg, bool on);
    void *ctx;
} k8s_clock;

/* CLOCK_MONOTONIC. */
const k8s_clock *k8s_clock_real(void);

/* ---- a clock for tests ---- */

typedef struct k8s_fake_clock k8s_fake_clock;

/* NULL on out-of-memory. */
k8s_fake_clock *k8s_fake_clock_new(uint64_t start_ns);
/* The clock to hand to what is tested; lives as long as f. */
const k8s_clock *k8s_fake_clock_clock(k8s_fake_clock *f);
/* Moves it forward and wakes the subscribers. Any thread. */
void k8s_fake_clock_advance(k8s_fake_clock *f, uint64_t ns);
/* After everything that uses it is gone. NULL is a no-op. */
void k8s_fake_clock_free(k8s_fake_clock *f);

#ifdef __cplusplus
}
#endif
#endif
