/* The real clock and the fake one (k8s/clock.h). */
#define _POSIX_C_SOURCE 200809L
#include "k8s/clock.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

static uint64_t monotonic_ns(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const k8s_clock real_clock = {monotonic_ns, NULL, NULL};

const k8s_clock *k8s_clock_real(void)
{
    return &real_clock;
}

typedef struct subscriber {
    void (*moved)(void *arg);
    void *arg;
} subscriber;

struct k8s_fake_clock {
    k8s_clock clock;
    _Atomic uint64_t now; /* read without the lock: readers may hold locks moved takes */
    pthread_mutex_t mu;   /* the subscribers; held while they are told */
    subscriber *subs;
    size_t n, cap;
};

static uint64_t fake_now(void *ctx)
{
    k8s_fake_clock *f = ctx;
    return atomic_load(&f->now);
}

static void fake_subscribe(void *ctx, void (*moved)(void *arg), void *arg, bool on)
{
    k8s_fake_clock *f = ctx;
    pthread_mutex_lock(&f->mu);
    if (on) {
        if (f->n == f->cap) {
            size_t cap = f->cap ? f->cap * 2 : 4;
            subscriber *s = realloc(f->subs, cap * sizeof *s);
            if (!s) { /* the subscriber then hears of moves only when it wakes for other reasons */
                pthread_mutex_unlock(&f->mu);
                return;
            }
            f->subs = s;
            f->cap = cap;
        }
        f->subs[f->n++] = (subscriber){moved, arg};
    } else {
        for (size_t i = 0; i < f->n; i++) {
            if (f->subs[i].moved == moved && f->subs[i].arg == arg) {
                f->subs[i] = f->subs[--f->n];
                break;
            }
        }
    }
    pthread_mutex_unlock(&f->mu);
}

k8s_fake_clock *k8s_fake_clock_new(uint64_t start_ns)
{
    k8s_fake_clock *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->clock = (k8s_clock){fake_now, fake_subscribe, f};
    atomic_init(&f->now, start_ns);
    pthread_mutex_init(&f->mu, NULL);
    return f;
}

const k8s_clock *k8s_fake_clock_clock(k8s_fake_clock *f)
{
    return &f->clock;
}

void k8s_fake_clock_advance(k8s_fake_clock *f, uint64_t ns)
{
    pthread_mutex_lock(&f->mu);
    atomic_fetch_add(&f->now, ns);
    for (size_t i = 0; i < f->n; i++)
        f->subs[i].moved(f->subs[i].arg);
    pthread_mutex_unlock(&f->mu);
}

void k8s_fake_clock_free(k8s_fake_clock *f)
{
    if (!f)
        return;
    pthread_mutex_destroy(&f->mu);
    free(f->subs);
    free(f);
}
