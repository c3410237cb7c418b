/* The work queue (k8s/workqueue.h), client-go's workqueue in one lock:
 * every key has one item, found through a hash table, that says whether
 * it is queued (client-go's "dirty" set), being worked on ("processing"),
 * waiting in the delay heap, and how often it failed. Queued items that
 * no worker has form a FIFO; items being worked on form a list in the
 * order they were handed out (the oldest is the longest running). An item
 * is freed when none of that holds any more. */
#define _GNU_SOURCE
#include "k8s/workqueue.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bucket_internal.h"
#include "htable_internal.h"

#define NO_SLOT ((size_t)-1)
#define NS_PER_MS 1000000u

enum { QUEUED = 1, PROCESSING = 2 };

typedef struct item {
    k8s_hentry h;
    struct item *next;                  /* in the FIFO */
    struct item *run_prev, *run_next;   /* in the processing list */
    size_t slot;                        /* in the delay heap, or NO_SLOT */
    uint64_t ready_at;                  /* waiting: when it is due */
    uint64_t queued_at, started_at;
    unsigned failures;
    unsigned flags;
    char key[];
} item;

struct k8s_workqueue {
    pthread_mutex_t mu;
    pthread_cond_t ready; /* workers wait here: a key, a due delay, shutdown */
    pthread_cond_t idle;  /* shutdown waits here for the work to end */
    const k8s_clock *clock;
    uint64_t base_ns, max_ns;
    bool limit;
    k8s_bucket bucket;

    k8s_htable items;
    item *head, *tail;
    size_t depth;
    item **heap;
    size_t nheap, capheap;
    item *run_head, *run_tail;
    size_t processing;
    size_t requeues_due; /* keys worked on that were added again meanwhile */
    bool shutting_down, drain;

    uint64_t adds, retries, gets, dones;
    uint64_t latency_ns, latency_max_ns, work_ns, work_max_ns;
};

static uint64_t now_ns(const k8s_workqueue *q)
{
    return q->clock->now_ns(q->clock->ctx);
}

static uint64_t monotonic_ns(void)
{
    return k8s_clock_real()->now_ns(NULL);
}

/* ---- the delay heap, by ready_at ---- */

static void heap_set(k8s_workqueue *q, size_t i, item *it)
{
    q->heap[i] = it;
    it->slot = i;
}

static void sift_up(k8s_workqueue *q, size_t i)
{
    item *it = q->heap[i];
    while (i > 0 && q->heap[(i - 1) / 2]->ready_at > it->ready_at) {
        heap_set(q, i, q->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_set(q, i, it);
}

static void sift_down(k8s_workqueue *q, size_t i)
{
    item *it = q->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= q->nheap)
            break;
        if (c + 1 < q->nheap && q->heap[c + 1]->ready_at < q->heap[c]->ready_at)
            c++;
        if (q->heap[c]->ready_at >= it->ready_at)
            break;
        heap_set(q, i, q->heap[c]);
        i = c;
    }
    heap_set(q, i, it);
}

static item *heap_pop(k8s_workqueue *q)
{
    item *top = q->heap[0];
    top->slot = NO_SLOT;
    if (--q->nheap > 0) {
        heap_set(q, 0, q->heap[q->nheap]);
        sift_down(q, 0);
    }
    return top;
}

/* ---- items ---- */

static void maybe_free(k8s_workqueue *q, item *it)
{
    if (it->flags || it->slot != NO_SLOT || it->failures)
        return;
    k8s_htable_remove(&q->items, &it->h);
    free(it);
}

static item *find(const k8s_workqueue *q, const char *key)
{
    k8s_hentry *e = k8s_htable_find(&q->items, key, k8s_hash_str(key));
    return e ? K8S_HCONTAINER(e, item, h) : NULL;
}

static item *find_or_make(k8s_workqueue *q, const char *key)
{
    uint32_t hash = k8s_hash_str(key);
    k8s_hentry *e = k8s_htable_find(&q->items, key, hash);
    if (e)
        return K8S_HCONTAINER(e, item, h);
    size_t n = strlen(key) + 1;
    item *it = calloc(1, sizeof *it + n);
    if (!it)
        return NULL;
    memcpy(it->key, key, n);
    it->h.key = it->key;
    it->h.hash = hash;
    it->slot = NO_SLOT;
    if (!k8s_htable_insert(&q->items, &it->h)) {
        free(it);
        return NULL;
    }
    return it;
}

static void push(k8s_workqueue *q, item *it)
{
    it->next = NULL;
    if (q->tail)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
    q->depth++;
    pthread_cond_signal(&q->ready);
}

/* client-go's Add: queued once; a key being worked on waits for done. */
static void add_locked(k8s_workqueue *q, item *it, uint64_t now)
{
    if (it->flags & QUEUED)
        return;
    it->flags |= QUEUED;
    it->queued_at = now;
    q->adds++;
    if (it->flags & PROCESSING)
        q->requeues_due++;
    else
        push(q, it);
}

/* Moves the keys whose delay is over into the queue. */
static void promote(k8s_workqueue *q, uint64_t now)
{
    while (q->nheap && q->heap[0]->ready_at <= now)
        add_locked(q, heap_pop(q), now);
}

static k8s_code add_after_locked(k8s_workqueue *q, item *it, uint64_t now, uint64_t delay_ns)
{
    q->retries++;
    if (!delay_ns) {
        add_locked(q, it, now);
        return K8S_OK;
    }
    uint64_t due = delay_ns > UINT64_MAX - now ? UINT64_MAX : now + delay_ns;
    if (it->slot != NO_SLOT) {
        if (due < it->ready_at) {
            it->ready_at = due;
            sift_up(q, it->slot);
        }
    } else {
        if (q->nheap == q->capheap) {
            size_t cap = q->capheap ? q->capheap * 2 : 64;
            item **h = realloc(q->heap, cap * sizeof *h);
            if (!h) {
                maybe_free(q, it);
                return K8S_ENOMEM;
            }
            q->heap = h;
            q->capheap = cap;
        }
        it->ready_at = due;
        heap_set(q, q->nheap++, it);
        sift_up(q, it->slot);
    }
    if (it->slot == 0) /* a sooner wake-up than workers sleeping until a deadline know of */
        pthread_cond_broadcast(&q->ready);
    return K8S_OK;
}

/* ---- the API ---- */

static void clock_moved(void *arg)
{
    k8s_workqueue *q = arg;
    pthread_mutex_lock(&q->mu);
    pthread_cond_broadcast(&q->ready);
    pthread_mutex_unlock(&q->mu);
}

k8s_code k8s_workqueue_new(const k8s_workqueue_options *o, k8s_workqueue **out)
{
    static const k8s_workqueue_options defaults;
    if (!out)
        return K8S_EINVAL;
    *out = NULL;
    if (!o)
        o = &defaults;
    k8s_workqueue *q = calloc(1, sizeof *q);
    if (!q)
        return K8S_ENOMEM;
    q->clock = o->clock ? o->clock : k8s_clock_real();
    q->base_ns = (o->base_delay_ms ? o->base_delay_ms : 5) * NS_PER_MS;
    q->max_ns = (o->max_delay_ms ? o->max_delay_ms : 1000000) * NS_PER_MS;
    q->limit = o->qps >= 0;
    k8s_bucket_init(&q->bucket, o->qps > 0 ? o->qps : 10, o->burst > 0 ? o->burst : 100, now_ns(q));
    pthread_mutex_init(&q->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->ready, &ca);
    pthread_cond_init(&q->idle, &ca);
    pthread_condattr_destroy(&ca);
    if (q->clock->subscribe)
        q->clock->subscribe(q->clock->ctx, clock_moved, q, true);
    *out = q;
    return K8S_OK;
}

static void free_item(k8s_hentry *e)
{
    free(K8S_HCONTAINER(e, item, h));
}

void k8s_workqueue_free(k8s_workqueue *q)
{
    if (!q)
        return;
    if (q->clock->subscribe)
        q->clock->subscribe(q->clock->ctx, clock_moved, q, false);
    k8s_htable_clear(&q->items, free_item);
    free(q->heap);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->ready);
    pthread_cond_destroy(&q->idle);
    free(q);
}

/* Runs add with the lock held on the key's item (made if need be). */
static k8s_code with_item(k8s_workqueue *q, const char *key, bool rate_limited, uint64_t delay_ns)
{
    if (!q || !key)
        return K8S_EINVAL;
    pthread_mutex_lock(&q->mu);
    k8s_code rc = K8S_OK;
    item *it = NULL;
    if (q->shutting_down)
        rc = K8S_ECLOSED;
    else if (!(it = find_or_make(q, key)))
        rc = K8S_ENOMEM;
    if (rc) {
        pthread_mutex_unlock(&q->mu);
        return rc;
    }
    uint64_t now = now_ns(q);
    if (rate_limited) {
        /* the exponential limiter and the bucket both count every call
         * (client-go's MaxOfRateLimiter asks each); the longer wait wins */
        unsigned exp = it->failures++;
        delay_ns = exp >= 63 || q->base_ns > (q->max_ns >> exp) ? q->max_ns : q->base_ns << exp;
        if (q->limit) {
            uint64_t b = k8s_bucket_reserve(&q->bucket, now);
            if (b > delay_ns)
                delay_ns = b;
        }
    }
    if (delay_ns == UINT64_MAX)
        add_locked(q, it, now);
    else
        rc = add_after_locked(q, it, now, delay_ns);
    pthread_mutex_unlock(&q->mu);
    return rc;
}

k8s_code k8s_workqueue_add(k8s_workqueue *q, const char *key)
{
    return with_item(q, key, false, UINT64_MAX);
}

k8s_code k8s_workqueue_add_after(k8s_workqueue *q, const char *key, uint64_t delay_ms)
{
    uint64_t ns = delay_ms > (UINT64_MAX - 1) / NS_PER_MS ? UINT64_MAX - 1 : delay_ms * NS_PER_MS;
    return with_item(q, key, false, ns);
}

k8s_code k8s_workqueue_add_rate_limited(k8s_workqueue *q, const char *key)
{
    return with_item(q, key, true, 0);
}

void k8s_workqueue_forget(k8s_workqueue *q, const char *key)
{
    if (!q || !key)
        return;
    pthread_mutex_lock(&q->mu);
    item *it = find(q, key);
    if (it) {
        it->failures = 0;
        maybe_free(q, it);
    }
    pthread_mutex_unlock(&q->mu);
}

unsigned k8s_workqueue_requeues(k8s_workqueue *q, const char *key)
{
    if (!q || !key)
        return 0;
    pthread_mutex_lock(&q->mu);
    item *it = find(q, key);
    unsigned n = it ? it->failures : 0;
    pthread_mutex_unlock(&q->mu);
    return n;
}

static struct timespec to_timespec(uint64_t ns)
{
    return (struct timespec){(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
}

k8s_code k8s_workqueue_get(k8s_workqueue *q, int timeout_ms, const char **key)
{
    if (key)
        *key = NULL;
    if (!q || !key)
        return K8S_EINVAL;
    uint64_t deadline = timeout_ms < 0 ? UINT64_MAX : monotonic_ns() + (uint64_t)timeout_ms * NS_PER_MS;
    bool real = !q->clock->subscribe;
    k8s_code rc = K8S_OK;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        uint64_t now = now_ns(q);
        promote(q, now);
        if (q->head)
            break;
        if (q->shutting_down && !q->requeues_due) { /* draining waits for those */
            rc = K8S_ECLOSED;
            break;
        }
        uint64_t wake = deadline;
        if (real && q->nheap && q->heap[0]->ready_at < wake)
            wake = q->heap[0]->ready_at; /* the real clock is the monotonic one */
        if (timeout_ms == 0 || (wake == deadline && monotonic_ns() >= deadline)) {
            rc = K8S_ETIMEDOUT;
            break;
        }
        if (wake == UINT64_MAX) {
            pthread_cond_wait(&q->ready, &q->mu);
        } else {
            struct timespec ts = to_timespec(wake);
            pthread_cond_timedwait(&q->ready, &q->mu, &ts);
        }
    }
    if (!rc) {
        item *it = q->head;
        q->head = it->next;
        if (!q->head)
            q->tail = NULL;
        q->depth--;
        uint64_t now = now_ns(q);
        it->flags = (it->flags & ~(unsigned)QUEUED) | PROCESSING;
        it->started_at = now;
        uint64_t waited = now - it->queued_at;
        q->latency_ns += waited;
        if (waited > q->latency_max_ns)
            q->latency_max_ns = waited;
        it->run_next = NULL;
        it->run_prev = q->run_tail;
        if (q->run_tail)
            q->run_tail->run_next = it;
        else
            q->run_head = it;
        q->run_tail = it;
        q->processing++;
        q->gets++;
        *key = it->key;
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

static bool idle_now(const k8s_workqueue *q)
{
    return q->processing == 0 && q->depth == 0;
}

void k8s_workqueue_done(k8s_workqueue *q, const char *key)
{
    if (!q || !key)
        return;
    pthread_mutex_lock(&q->mu);
    item *it = find(q, key);
    if (it && (it->flags & PROCESSING)) {
        uint64_t now = now_ns(q), took = now - it->started_at;
        q->work_ns += took;
        if (took > q->work_max_ns)
            q->work_max_ns = took;
        q->dones++;
        if (it->run_prev)
            it->run_prev->run_next = it->run_next;
        else
            q->run_head = it->run_next;
        if (it->run_next)
            it->run_next->run_prev = it->run_prev;
        else
            q->run_tail = it->run_prev;
        q->processing--;
        it->flags &= ~(unsigned)PROCESSING;
        if (it->flags & QUEUED) { /* added again while it was worked on */
            q->requeues_due--;
            push(q, it);
        } else
            maybe_free(q, it);
        if (q->shutting_down) { /* workers waiting for requeues may be done now, and shutdown too */
            pthread_cond_broadcast(&q->ready);
            if (idle_now(q))
                pthread_cond_broadcast(&q->idle);
        }
    }
    pthread_mutex_unlock(&q->mu);
}

size_t k8s_workqueue_len(k8s_workqueue *q)
{
    pthread_mutex_lock(&q->mu);
    promote(q, now_ns(q));
    size_t n = q->depth;
    pthread_mutex_unlock(&q->mu);
    return n;
}

k8s_code k8s_workqueue_shutdown(k8s_workqueue *q, k8s_workqueue_shutdown_mode mode, int timeout_ms)
{
    if (!q)
        return K8S_EINVAL;
    uint64_t deadline = timeout_ms < 0 ? UINT64_MAX : monotonic_ns() + (uint64_t)timeout_ms * NS_PER_MS;
    pthread_mutex_lock(&q->mu);
    q->shutting_down = true;
    q->drain = mode == K8S_WORKQUEUE_DRAIN;
    while (q->nheap) /* delayed keys are future work: gone (client-go's delaying queue stops too) */
        maybe_free(q, heap_pop(q));
    if (!q->drain) {
        while (q->head) {
            item *it = q->head;
            q->head = it->next;
            it->flags &= ~(unsigned)QUEUED;
            maybe_free(q, it);
        }
        q->tail = NULL;
        q->depth = 0;
        for (item *it = q->run_head; it; it = it->run_next)
            it->flags &= ~(unsigned)QUEUED; /* not queued again at done */
        q->requeues_due = 0;
    }
    pthread_cond_broadcast(&q->ready);
    k8s_code rc = K8S_OK;
    while (!idle_now(q) && rc == K8S_OK) {
        if (deadline == UINT64_MAX) {
            pthread_cond_wait(&q->idle, &q->mu);
        } else {
            struct timespec ts = to_timespec(deadline);
            if (pthread_cond_timedwait(&q->idle, &q->mu, &ts) != 0 && !idle_now(q))
                rc = K8S_ETIMEDOUT;
        }
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

bool k8s_workqueue_shutting_down(k8s_workqueue *q)
{
    pthread_mutex_lock(&q->mu);
    bool s = q->shutting_down;
    pthread_mutex_unlock(&q->mu);
    return s;
}

void k8s_workqueue_stats_get(k8s_workqueue *q, k8s_workqueue_stats *out)
{
    pthread_mutex_lock(&q->mu);
    uint64_t now = now_ns(q);
    promote(q, now);
    *out = (k8s_workqueue_stats){
        .depth = q->depth,
        .waiting = q->nheap,
        .processing = q->processing,
        .adds = q->adds,
        .retries = q->retries,
        .gets = q->gets,
        .dones = q->dones,
        .latency_ns = q->latency_ns,
        .latency_max_ns = q->latency_max_ns,
        .work_ns = q->work_ns,
        .work_max_ns = q->work_max_ns,
    };
    for (item *it = q->run_head; it; it = it->run_next)
        out->unfinished_work_ns += now - it->started_at;
    if (q->run_head)
        out->longest_running_ns = now - q->run_head->started_at;
    pthread_mutex_unlock(&q->mu);
}
