/* The work queue (k8s/workqueue.h): deduplication, one worker per key at a
 * time, delays and backoff timed on a fake clock (no sleeping), client-go's
 * default rate limiter figures, shutdown that drains or drops, metrics. No
 * server needed. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>

#include "k8s/workqueue.h"

#define MS 1000000ull

static k8s_fake_clock *fake;
static k8s_workqueue *q;

static int setup(void **state)
{
    (void)state;
    fake = k8s_fake_clock_new(1000 * MS);
    k8s_workqueue_options o = {.clock = k8s_fake_clock_clock(fake)};
    assert_int_equal(k8s_workqueue_new(&o, &q), K8S_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    k8s_workqueue_free(q);
    k8s_fake_clock_free(fake);
    q = NULL;
    fake = NULL;
    return 0;
}

/* The next key without waiting, or NULL. */
static const char *take(void)
{
    const char *key = NULL;
    k8s_code rc = k8s_workqueue_get(q, 0, &key);
    if (rc == K8S_ETIMEDOUT)
        return NULL;
    assert_int_equal(rc, K8S_OK);
    return key;
}

static void take_expect(const char *want)
{
    const char *key = take();
    if (!want) {
        if (key)
            fail_msg("got %s, wanted nothing", key);
        return;
    }
    if (!key)
        fail_msg("got nothing, wanted %s", want);
    assert_string_equal(key, want);
}

static void test_dedup_and_order(void **state)
{
    (void)state;
    assert_int_equal(k8s_workqueue_add(q, "ns/a"), K8S_OK);
    assert_int_equal(k8s_workqueue_add(q, "ns/b"), K8S_OK);
    assert_int_equal(k8s_workqueue_add(q, "ns/a"), K8S_OK);
    assert_int_equal(k8s_workqueue_add(q, "ns/c"), K8S_OK);
    assert_int_equal(k8s_workqueue_len(q), 3);
    take_expect("ns/a"); /* first come, first served; a once */
    take_expect("ns/b");
    take_expect("ns/c");
    take_expect(NULL);
    k8s_workqueue_done(q, "ns/a");
    k8s_workqueue_done(q, "ns/b");
    k8s_workqueue_done(q, "ns/c");
    k8s_workqueue_stats st;
    k8s_workqueue_stats_get(q, &st);
    assert_int_equal(st.adds, 3);
    assert_int_equal(st.gets, 3);
    assert_int_equal(st.dones, 3);
    assert_int_equal(st.depth, 0);
    assert_int_equal(st.processing, 0);
}

static void test_key_added_while_processing(void **state)
{
    (void)state;
    k8s_workqueue_add(q, "a");
    take_expect("a");
    /* added twice while a worker has it: not handed out, queued once */
    k8s_workqueue_add(q, "a");
    k8s_workqueue_add(q, "a");
    assert_int_equal(k8s_workqueue_len(q), 0);
    take_expect(NULL);
    k8s_workqueue_done(q, "a");
    assert_int_equal(k8s_workqueue_len(q), 1);
    take_expect("a");
    k8s_workqueue_done(q, "a");
    take_expect(NULL);
    /* done for a key nobody has, or twice, changes nothing */
    k8s_workqueue_done(q, "a");
    k8s_workqueue_done(q, "zzz");
    take_expect(NULL);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    assert_int_equal(k8s_workqueue_add(q, NULL), K8S_EINVAL);
    assert_int_equal(k8s_workqueue_add(NULL, "x"), K8S_EINVAL);
    assert_int_equal(k8s_workqueue_get(q, 0, NULL), K8S_EINVAL);
    assert_int_equal(k8s_workqueue_new(NULL, NULL), K8S_EINVAL);
    k8s_workqueue_forget(q, NULL);
    k8s_workqueue_done(q, NULL);
    assert_int_equal(k8s_workqueue_requeues(q, NULL), 0);
}

static void test_add_after(void **state)
{
    (void)state;
    k8s_workqueue_add_after(q, "late", 100);
    k8s_workqueue_add_after(q, "soon", 10);
    k8s_workqueue_add_after(q, "late", 300); /* keeps the sooner time */
    take_expect(NULL);
    k8s_workqueue_stats st;
    k8s_workqueue_stats_get(q, &st);
    assert_int_equal(st.waiting, 2);
    assert_int_equal(st.retries, 3);
    k8s_fake_clock_advance(fake, 10 * MS - 1);
    take_expect(NULL);
    k8s_fake_clock_advance(fake, 1);
    take_expect("soon");
    k8s_fake_clock_advance(fake, 89 * MS);
    take_expect(NULL);
    k8s_fake_clock_advance(fake, 1 * MS);
    take_expect("late");
    k8s_workqueue_done(q, "soon");
    k8s_workqueue_done(q, "late");
    /* a sooner time replaces a later one */
    k8s_workqueue_add_after(q, "x", 500);
    k8s_workqueue_add_after(q, "x", 20);
    k8s_fake_clock_advance(fake, 20 * MS);
    take_expect("x");
    k8s_workqueue_done(q, "x");
    k8s_fake_clock_advance(fake, 1000 * MS);
    take_expect(NULL); /* once */
    /* a delay of 0 is an add */
    k8s_workqueue_add_after(q, "now", 0);
    take_expect("now");
    k8s_workqueue_done(q, "now");
}

/* The delay add_rate_limited gives a key: the time until it comes out. */
static uint64_t backoff_of(const char *key)
{
    assert_int_equal(k8s_workqueue_add_rate_limited(q, key), K8S_OK);
    uint64_t waited = 0, step = MS / 4; /* quarter milliseconds */
    const char *got;
    while (!(got = take())) {
        if (waited > 2000000 * MS)
            fail_msg("%s never came out", key);
        uint64_t jump = waited < 10 * MS ? step : waited / 8; /* exact enough: checked below */
        k8s_fake_clock_advance(fake, jump);
        waited += jump;
    }
    assert_string_equal(got, key);
    k8s_workqueue_done(q, key);
    return waited;
}

static void test_exponential_backoff(void **state)
{
    (void)state;
    /* 5 ms, then doubling: checked exactly at the edge */
    uint64_t want = 5 * MS;
    for (unsigned i = 0; i < 6; i++, want *= 2) {
        assert_int_equal(k8s_workqueue_add_rate_limited(q, "k"), K8S_OK);
        assert_int_equal(k8s_workqueue_requeues(q, "k"), i + 1);
        k8s_fake_clock_advance(fake, want - 1);
        take_expect(NULL);
        k8s_fake_clock_advance(fake, 1);
        take_expect("k");
        k8s_workqueue_done(q, "k");
    }
    /* other keys have backoffs of their own */
    assert_int_equal(backoff_of("other"), 5 * MS);
    /* forget starts over */
    k8s_workqueue_forget(q, "k");
    assert_int_equal(k8s_workqueue_requeues(q, "k"), 0);
    assert_int_equal(backoff_of("k"), 5 * MS);
    k8s_workqueue_forget(q, "k");
    k8s_workqueue_forget(q, "other");
}

static void test_backoff_cap(void **state)
{
    (void)state;
    /* 5 ms * 2^n passes 1000 s at n = 18: from then on exactly 1000 s */
    for (int i = 0; i < 18; i++) {
        k8s_workqueue_add_rate_limited(q, "cap");
        k8s_fake_clock_advance(fake, (5 * MS) << i);
        take_expect("cap");
        k8s_workqueue_done(q, "cap");
    }
    for (int i = 0; i < 3; i++) {
        k8s_workqueue_add_rate_limited(q, "cap");
        k8s_fake_clock_advance(fake, 1000000 * MS - 1);
        take_expect(NULL);
        k8s_fake_clock_advance(fake, 1);
        take_expect("cap");
        k8s_workqueue_done(q, "cap");
    }
    /* many more failures never overflow past the cap */
    for (int i = 0; i < 100; i++) {
        k8s_workqueue_add_rate_limited(q, "cap");
        k8s_fake_clock_advance(fake, 1000000 * MS);
        take_expect("cap");
        k8s_workqueue_done(q, "cap");
    }
    assert_int_equal(k8s_workqueue_requeues(q, "cap"), 121);
}

static void test_overall_bucket(void **state)
{
    (void)state;
    /* client-go's default: a bucket of 100 at 10 qps, taken by every
     * rate-limited add. 100 keys go after their own 5 ms; the 101st waits
     * for a token: 100 ms; the 102nd 200 ms. */
    char key[32];
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof key, "k%d", i);
        k8s_workqueue_add_rate_limited(q, key);
    }
    k8s_workqueue_add_rate_limited(q, "k100");
    k8s_workqueue_add_rate_limited(q, "k101");
    k8s_fake_clock_advance(fake, 5 * MS);
    assert_int_equal(k8s_workqueue_len(q), 100);
    k8s_fake_clock_advance(fake, 95 * MS - 1);
    assert_int_equal(k8s_workqueue_len(q), 100);
    k8s_fake_clock_advance(fake, 1);
    assert_int_equal(k8s_workqueue_len(q), 101);
    k8s_fake_clock_advance(fake, 100 * MS - 1);
    assert_int_equal(k8s_workqueue_len(q), 101);
    k8s_fake_clock_advance(fake, 1);
    assert_int_equal(k8s_workqueue_len(q), 102);
    /* plain adds do not take tokens */
    k8s_workqueue_add(q, "plain");
    assert_int_equal(k8s_workqueue_len(q), 103);
}

static void test_bucket_off_and_options(void **state)
{
    (void)state;
    k8s_workqueue *own;
    k8s_workqueue_options o = {.clock = k8s_fake_clock_clock(fake), .base_delay_ms = 1, .max_delay_ms = 4, .qps = -1};
    assert_int_equal(k8s_workqueue_new(&o, &own), K8S_OK);
    char key[32];
    for (int i = 0; i < 500; i++) { /* no bucket: all after 1 ms */
        snprintf(key, sizeof key, "k%d", i);
        k8s_workqueue_add_rate_limited(own, key);
    }
    k8s_fake_clock_advance(fake, MS);
    assert_int_equal(k8s_workqueue_len(own), 500);
    /* 1, 2, 4, 4 ms */
    uint64_t want[] = {1, 2, 4, 4};
    const char *got;
    for (int i = 0; i < 500; i++) {
        assert_int_equal(k8s_workqueue_get(own, 0, &got), K8S_OK);
        k8s_workqueue_done(own, got);
    }
    for (int i = 0; i < 4; i++) {
        k8s_workqueue_add_rate_limited(own, "x");
        k8s_fake_clock_advance(fake, want[i] * MS - 1);
        assert_int_equal(k8s_workqueue_get(own, 0, &got), K8S_ETIMEDOUT);
        k8s_fake_clock_advance(fake, 1);
        assert_int_equal(k8s_workqueue_get(own, 0, &got), K8S_OK);
        k8s_workqueue_done(own, got);
    }
    k8s_workqueue_free(own);
}

/* ---- a worker blocked in get wakes when the fake clock moves ---- */

typedef struct getter {
    k8s_workqueue *q;
    int timeout_ms;
    k8s_code rc;
    char key[64];
    atomic_bool done;
} getter;

static void *get_thread(void *arg)
{
    getter *g = arg;
    const char *key;
    g->rc = k8s_workqueue_get(g->q, g->timeout_ms, &key);
    if (g->rc == K8S_OK) {
        snprintf(g->key, sizeof g->key, "%s", key);
        k8s_workqueue_done(g->q, key);
    }
    atomic_store(&g->done, true);
    return NULL;
}

static void test_blocked_get_wakes_on_clock(void **state)
{
    (void)state;
    getter g = {.q = q, .timeout_ms = -1};
    pthread_t t;
    k8s_workqueue_add_after(q, "later", 50);
    pthread_create(&t, NULL, get_thread, &g);
    usleep(20000);
    assert_false(atomic_load(&g.done)); /* real time passes; the fake clock does not */
    k8s_fake_clock_advance(fake, 49 * MS);
    usleep(20000);
    assert_false(atomic_load(&g.done));
    k8s_fake_clock_advance(fake, MS);
    pthread_join(t, NULL);
    assert_int_equal(g.rc, K8S_OK);
    assert_string_equal(g.key, "later");

    /* and on an add */
    getter g2 = {.q = q, .timeout_ms = -1};
    pthread_create(&t, NULL, get_thread, &g2);
    usleep(20000);
    k8s_workqueue_add(q, "new");
    pthread_join(t, NULL);
    assert_string_equal(g2.key, "new");

    /* a timeout is real time */
    getter g3 = {.q = q, .timeout_ms = 30};
    pthread_create(&t, NULL, get_thread, &g3);
    pthread_join(t, NULL);
    assert_int_equal(g3.rc, K8S_ETIMEDOUT);
}

static void test_real_clock_delay(void **state)
{
    (void)state;
    k8s_workqueue *rq;
    assert_int_equal(k8s_workqueue_new(NULL, &rq), K8S_OK);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    k8s_workqueue_add_after(rq, "k", 30);
    const char *key;
    assert_int_equal(k8s_workqueue_get(rq, 5000, &key), K8S_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_true(ms >= 29); /* not before its time (how much after depends on the machine) */
    k8s_workqueue_done(rq, key);
    assert_int_equal(k8s_workqueue_get(rq, 10, &key), K8S_ETIMEDOUT);
    k8s_workqueue_free(rq);
}

/* ---- metrics ---- */

static void test_metrics(void **state)
{
    (void)state;
    k8s_workqueue_add(q, "a");
    k8s_workqueue_add(q, "b");
    k8s_fake_clock_advance(fake, 3 * MS);
    take_expect("a");
    k8s_fake_clock_advance(fake, 2 * MS);
    take_expect("b");
    k8s_fake_clock_advance(fake, 7 * MS);
    k8s_workqueue_stats st;
    k8s_workqueue_stats_get(q, &st);
    assert_int_equal(st.latency_ns, 3 * MS + 5 * MS);
    assert_int_equal(st.latency_max_ns, 5 * MS);
    assert_int_equal(st.processing, 2);
    assert_int_equal(st.unfinished_work_ns, 9 * MS + 7 * MS);
    assert_int_equal(st.longest_running_ns, 9 * MS);
    k8s_workqueue_done(q, "a");
    k8s_fake_clock_advance(fake, 1 * MS);
    k8s_workqueue_done(q, "b");
    k8s_workqueue_stats_get(q, &st);
    assert_int_equal(st.work_ns, 9 * MS + 8 * MS);
    assert_int_equal(st.work_max_ns, 9 * MS);
    assert_int_equal(st.unfinished_work_ns, 0);
    assert_int_equal(st.longest_running_ns, 0);
    assert_int_equal(st.adds, 2);
    assert_int_equal(st.retries, 0);
    k8s_workqueue_add_rate_limited(q, "a");
    k8s_workqueue_add_after(q, "b", 1);
    k8s_workqueue_stats_get(q, &st);
    assert_int_equal(st.retries, 2);
    assert_int_equal(st.waiting, 2);
    assert_int_equal(st.depth, 0);
}

/* ---- shutdown ---- */

static void test_shutdown_drain(void **state)
{
    (void)state;
    k8s_workqueue_add(q, "a");
    k8s_workqueue_add(q, "b");
    k8s_workqueue_add_after(q, "delayed", 10);
    take_expect("a");
    k8s_workqueue_add(q, "a"); /* again while worked on: still handed out when draining */
    /* nobody else works: a drain cannot finish in time */
    assert_int_equal(k8s_workqueue_shutdown(q, K8S_WORKQUEUE_DRAIN, 20), K8S_ETIMEDOUT);
    assert_true(k8s_workqueue_shutting_down(q));
    assert_int_equal(k8s_workqueue_add(q, "c"), K8S_ECLOSED);
    assert_int_equal(k8s_workqueue_add_after(q, "c", 5), K8S_ECLOSED);
    assert_int_equal(k8s_workqueue_add_rate_limited(q, "c"), K8S_ECLOSED);
    take_expect("b");
    k8s_workqueue_done(q, "b");
    k8s_workqueue_done(q, "a");
    take_expect("a");
    k8s_workqueue_done(q, "a");
    k8s_fake_clock_advance(fake, 10 * MS);
    const char *key;
    assert_int_equal(k8s_workqueue_get(q, 0, &key), K8S_ECLOSED); /* the delayed key went with the shutdown */
    assert_int_equal(k8s_workqueue_shutdown(q, K8S_WORKQUEUE_DRAIN, 0), K8S_OK);
}

typedef struct slow_worker {
    k8s_workqueue *q;
    atomic_int handled;
    atomic_bool holding;
    int hold_ms;
} slow_worker;

static void *slow_thread(void *arg)
{
    slow_worker *w = arg;
    const char *key;
    while (k8s_workqueue_get(w->q, -1, &key) == K8S_OK) {
        atomic_store(&w->holding, true);
        usleep((useconds_t)w->hold_ms * 1000);
        atomic_fetch_add(&w->handled, 1);
        atomic_store(&w->holding, false);
        k8s_workqueue_done(w->q, key);
    }
    return NULL;
}

static void test_shutdown_drop(void **state)
{
    (void)state;
    slow_worker w = {.q = q, .hold_ms = 100};
    k8s_workqueue_add(q, "first");
    pthread_t t;
    pthread_create(&t, NULL, slow_thread, &w);
    while (!atomic_load(&w.holding))
        usleep(1000);
    char key[32];
    for (int i = 0; i < 50; i++) {
        snprintf(key, sizeof key, "k%d", i);
        k8s_workqueue_add(q, key);
    }
    k8s_workqueue_add(q, "first"); /* would run again after done, were it not dropped */
    /* drops the 50, waits for the one being worked on */
    assert_int_equal(k8s_workqueue_shutdown(q, K8S_WORKQUEUE_DROP, -1), K8S_OK);
    assert_false(atomic_load(&w.holding));
    pthread_join(t, NULL); /* its next get says closed */
    assert_int_equal(atomic_load(&w.handled), 1);
    assert_int_equal(k8s_workqueue_len(q), 0);
}

static void test_shutdown_drain_with_workers(void **state)
{
    (void)state;
    slow_worker w = {.q = q, .hold_ms = 2};
    char key[32];
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "k%d", i);
        k8s_workqueue_add(q, key);
    }
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, slow_thread, &w);
    assert_int_equal(k8s_workqueue_shutdown(q, K8S_WORKQUEUE_DRAIN, -1), K8S_OK);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&w.handled), 40); /* every queued key, once */
}

/* ---- many threads: no key is ever worked on twice at once, and every
 * add is followed by a handling that started after it ---- */

#define KEYS 16
#define ADDS 40000

typedef struct stress {
    k8s_workqueue *q;
    atomic_int inflight[KEYS];
    atomic_ulong added[KEYS];   /* add serial of the last add */
    atomic_ulong handled[KEYS]; /* the add serial seen when a handling began */
    atomic_int overlaps;
    atomic_ulong handlings;
} stress;

static int key_index(const char *key)
{
    return atoi(key + 1);
}

static void *stress_worker(void *arg)
{
    stress *s = arg;
    const char *key;
    while (k8s_workqueue_get(s->q, -1, &key) == K8S_OK) {
        int i = key_index(key);
        if (atomic_fetch_add(&s->inflight[i], 1) != 0)
            atomic_fetch_add(&s->overlaps, 1);
        atomic_store(&s->handled[i], atomic_load(&s->added[i]));
        for (volatile int spin = 0; spin < 200; spin++)
            ;
        atomic_fetch_sub(&s->inflight[i], 1);
        atomic_fetch_add(&s->handlings, 1);
        k8s_workqueue_done(s->q, key);
    }
    return NULL;
}

static void test_concurrent_workers(void **state)
{
    (void)state;
    stress *s = calloc(1, sizeof *s);
    assert_int_equal(k8s_workqueue_new(NULL, &s->q), K8S_OK);
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        pthread_create(&t[i], NULL, stress_worker, s);
    unsigned seed = 7;
    for (unsigned long n = 1; n <= ADDS; n++) {
        seed = seed * 1103515245u + 12345u;
        int i = (int)((seed >> 16) % KEYS);
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        /* the serial is stored before the add: a handling that sees the
         * add's effect in the queue sees this serial or a later one */
        atomic_store(&s->added[i], n);
        assert_int_equal(k8s_workqueue_add(s->q, key), K8S_OK);
    }
    assert_int_equal(k8s_workqueue_shutdown(s->q, K8S_WORKQUEUE_DRAIN, -1), K8S_OK);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&s->overlaps), 0);
    for (int i = 0; i < KEYS; i++)
        assert_int_equal(atomic_load(&s->handled[i]), atomic_load(&s->added[i]));
    k8s_workqueue_stats st;
    k8s_workqueue_stats_get(s->q, &st);
    print_message("  %d adds of %d keys: %lu handlings (%llu queued adds)\n", ADDS, KEYS,
                  atomic_load(&s->handlings), (unsigned long long)st.adds);
    assert_true(atomic_load(&s->handlings) <= ADDS);
    assert_int_equal(st.gets, st.dones);
    assert_int_equal(st.gets, atomic_load(&s->handlings));
    k8s_workqueue_free(s->q);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dedup_and_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_added_while_processing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exponential_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backoff_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overall_bucket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bucket_off_and_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blocked_get_wakes_on_clock, setup, teardown),
        cmocka_unit_test(test_real_clock_delay),
        cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_drain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_drop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_drain_with_workers, setup, teardown),
        cmocka_unit_test(test_concurrent_workers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
