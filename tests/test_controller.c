/* Controllers (k8s/controller.h) against the bundled test API server. The
 * controller under test copies each "src-N" ConfigMap (label role=src)
 * into an owned "dst-N" (label role=dst, owner reference, server-side
 * apply) and deletes dst-N when src-N is gone:
 *   - it converges, follows updates, and restores a deleted child (the
 *     child's owner reference queues its owner);
 *   - a storm of 500 changes with 10 forced watch disconnects and a 410
 *     relist converges to the expected state, each key's last reconcile
 *     saw its last change, no key is reconciled twice at once;
 *   - keys from a mapping function, from outside, requeue after a delay;
 *   - stop from any thread and free while reconciles run. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>

#include "fixture.h"
#include "k8s/controller.h"
#include "k8s/object.h"

#define KEYS 40

/* ---- what the reconciles did, per key ---- */

typedef struct seen {
    atomic_int running;
    int reconciles;
    char rv[32]; /* of the src the last reconcile saw; "" for none (deleted) */
} seen;

typedef struct world {
    const char *ns;
    pthread_mutex_t mu;
    seen keys[KEYS];
    atomic_int overlaps;
    atomic_int failures_to_inject; /* reconciles that fail on purpose ... */
    int fail_key;                   /* ... of this key (-1: any) */
    int requeue_after_once;         /* key index that asks to come back once, after 100 ms */
    uint64_t asked_at;              /* when it asked */
    atomic_int requeued_came_back;
    uint64_t came_back_after;
} world;

static int key_index(const char *name)
{
    return strncmp(name, "src-", 4) == 0 ? atoi(name + 4) : -1;
}

static void put_src(const char *ns, int i, const char *value)
{
    char name[32];
    snprintf(name, sizeof name, "src-%02d", i);
    put_config_map(ns, name, value, "role=src");
}

/* The reconcile: dst-N is src-N's data, owned by it; no src, no dst. */
static k8s_reconcile_result reconcile(k8s_reconcile_ctx *ctx, const void *obj)
{
    world *w = ctx->data;
    int i = key_index(ctx->name);
    if (i < 0 || i >= KEYS)
        return K8S_RECONCILED;
    seen *s = &w->keys[i];
    if (atomic_fetch_add(&s->running, 1) != 0)
        atomic_fetch_add(&w->overlaps, 1);
    const k8s_core_v1_config_map *src = obj;
    pthread_mutex_lock(&w->mu);
    s->reconciles++;
    snprintf(s->rv, sizeof s->rv, "%s", src ? src->metadata->resourceVersion : "");
    bool ask_again = i == w->requeue_after_once && !w->asked_at;
    if (i == w->requeue_after_once && w->asked_at && !atomic_load(&w->requeued_came_back)) {
        w->came_back_after = k8s_now_ms() - w->asked_at;
        atomic_store(&w->requeued_came_back, 1);
    }
    pthread_mutex_unlock(&w->mu);
    k8s_reconcile_result result = K8S_RECONCILED;
    char dst[32];
    snprintf(dst, sizeof dst, "dst-%02d", i);
    k8s_error err;
    k8s_code rc = K8S_OK;
    if ((w->fail_key < 0 || w->fail_key == i) && atomic_fetch_sub(&w->failures_to_inject, 1) > 0) {
        rc = K8S_ETRANSPORT; /* as if the write had failed */
    } else if (!src) {
        k8s_meta_v1_status *gone;
        rc = k8s_core_v1_config_map_delete(ctx->client, ctx->arena, ctx->namespace_, dst, NULL, &gone, &err);
        if (rc == K8S_ENOTFOUND)
            rc = K8S_OK;
    } else {
        k8s_string_entry label = {"role", "dst"};
        k8s_meta_v1_object_meta meta = {.name = dst, .labels = &label, .labels_len = 1};
        k8s_core_v1_config_map child = {.metadata = &meta, .data = src->data, .data_len = src->data_len};
        k8s_owner_ref ref;
        void *out;
        rc = k8s_owner_ref_of(&k8s_core_v1_config_map_resource, src, ctx->arena, &ref, &err);
        if (!rc)
            rc = k8s_owner_ref_set(&k8s_core_v1_config_map_desc, &child, &ref, ctx->arena);
        if (!rc)
            rc = k8s_apply(ctx->client, &k8s_core_v1_config_map_resource, ctx->namespace_, &child, "copier", true,
                           ctx->arena, &out, &err);
    }
    if (rc) {
        result = K8S_RECONCILE_FAILED;
    } else if (ask_again) {
        pthread_mutex_lock(&w->mu);
        w->asked_at = k8s_now_ms();
        pthread_mutex_unlock(&w->mu);
        result = K8S_RECONCILE_AGAIN_AFTER(100);
    }
    atomic_fetch_sub(&s->running, 1);
    return result;
}

static k8s_controller *start_copier(world *w, int workers)
{
    k8s_controller_options o = {.resource = &k8s_core_v1_config_map_resource, .namespace_ = w->ns,
                                .labelSelector = "role=src", .reconcile = reconcile, .data = w, .workers = workers};
    k8s_controller *c;
    assert_int_equal(k8s_controller_new(client, &o, &c), K8S_OK);
    k8s_informer_options children = {.namespace_ = w->ns, .labelSelector = "role=dst"};
    assert_int_equal(k8s_controller_owns(c, &k8s_core_v1_config_map_resource, &children), K8S_OK);
    assert_int_equal(k8s_controller_start(c), K8S_OK);
    assert_int_equal(k8s_controller_wait_synced(c, 10000), K8S_OK);
    return c;
}

static world *new_world(const char *ns)
{
    world *w = calloc(1, sizeof *w);
    w->ns = ns;
    w->requeue_after_once = -1;
    w->fail_key = -1;
    pthread_mutex_init(&w->mu, NULL);
    return w;
}

/* ---- the expected state ---- */

typedef struct state {
    char src[KEYS][32]; /* value, "" when absent */
    char src_rv[KEYS][32];
    char dst[KEYS][32];
    bool dst_owned[KEYS];
} state;

static void read_state(const char *ns, state *st)
{
    memset(st, 0, sizeof *st);
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_config_map_list *l;
    k8s_error err;
    CHECK_OK(k8s_core_v1_config_map_list_get(writer, a, ns, NULL, &l, &err));
    for (size_t i = 0; i < l->items_len; i++) {
        const k8s_core_v1_config_map *cm = &l->items[i];
        const char *name = cm->metadata->name, *v = cm->data_len ? cm->data[0].value : "?";
        int k = atoi(name + 4);
        if (strncmp(name, "src-", 4) == 0) {
            snprintf(st->src[k], 32, "%s", v);
            snprintf(st->src_rv[k], 32, "%s", cm->metadata->resourceVersion);
        } else if (strncmp(name, "dst-", 4) == 0) {
            snprintf(st->dst[k], 32, "%s", v);
            const k8s_meta_v1_owner_reference *o = cm->metadata->ownerReferences;
            st->dst_owned[k] = cm->metadata->ownerReferences_len == 1 && strcmp(o->kind, "ConfigMap") == 0 &&
                               strncmp(o->name, "src-", 4) == 0 && atoi(o->name + 4) == k && o->controller;
        }
    }
    k8s_arena_free(a);
}

/* Waits (up to timeout) until every dst mirrors its src; false if not. */
static bool converged(const char *ns, int timeout_ms, state *st)
{
    uint64_t until = k8s_now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        read_state(ns, st);
        bool same = true;
        for (int k = 0; k < KEYS && same; k++)
            same = strcmp(st->src[k], st->dst[k]) == 0 && (!st->dst[k][0] || st->dst_owned[k]);
        if (same || k8s_now_ms() >= until)
            return same;
        usleep(50000);
    }
}

static void test_copies_and_repairs(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("ctl", ns, sizeof ns);
    for (int i = 0; i < 5; i++)
        put_src(ns, i, "one");
    world *w = new_world(ns);
    k8s_controller *c = start_copier(w, 2);
    struct state st;
    assert_true(converged(ns, 10000, &st));
    assert_string_equal(st.dst[3], "one");
    put_src(ns, 3, "two"); /* an update */
    assert_true(converged(ns, 10000, &st));
    assert_string_equal(st.dst[3], "two");
    delete_config_map(ns, "dst-02"); /* the child goes: its owner's key comes back */
    assert_true(converged(ns, 10000, &st));
    assert_string_equal(st.dst[2], "one");
    delete_config_map(ns, "src-04"); /* the parent goes: so does the child */
    assert_true(converged(ns, 10000, &st));
    assert_string_equal(st.dst[4], "");
    k8s_controller_stats cs;
    k8s_controller_stats_get(c, &cs);
    print_message("  %llu reconciles, %llu errors\n", (unsigned long long)cs.reconciles, (unsigned long long)cs.errors);
    assert_int_equal(atomic_load(&w->overlaps), 0);
    /* the cache holds the primaries only */
    assert_int_equal(k8s_informer_size(k8s_controller_informer(c, NULL)), 4);
    k8s_controller_free(c);
    free(w);
}

static void test_errors_requeue_and_enqueue(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("ctl", ns, sizeof ns);
    world *w = new_world(ns);
    w->requeue_after_once = 9; /* no src-09: its reconciles change nothing that would queue it */
    w->fail_key = 0;
    atomic_store(&w->failures_to_inject, 3);
    put_src(ns, 0, "x");
    put_src(ns, 1, "y");
    k8s_controller *c = start_copier(w, 1);
    struct state st;
    assert_true(converged(ns, 10000, &st)); /* the failures were retried with backoff */
    assert_int_equal(k8s_controller_enqueue(c, ns, "src-09"), K8S_OK);
    for (int i = 0; i < 100 && !atomic_load(&w->requeued_came_back); i++)
        usleep(20000);
    assert_int_equal(atomic_load(&w->requeued_came_back), 1);
    assert_true(w->came_back_after >= 100);
    k8s_controller_stats cs;
    k8s_controller_stats_get(c, &cs);
    assert_int_equal(cs.errors, 3);
    assert_true(cs.requeues >= 1);
    /* a key queued from outside is reconciled, even with no object (NULL) */
    pthread_mutex_lock(&w->mu);
    int before = w->keys[7].reconciles;
    pthread_mutex_unlock(&w->mu);
    assert_int_equal(k8s_controller_enqueue(c, ns, "src-07"), K8S_OK);
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&w->mu);
        int now = w->keys[7].reconciles;
        pthread_mutex_unlock(&w->mu);
        if (now > before)
            break;
        usleep(20000);
    }
    pthread_mutex_lock(&w->mu);
    assert_int_equal(w->keys[7].reconciles, before + 1);
    assert_string_equal(w->keys[7].rv, "");
    pthread_mutex_unlock(&w->mu);
    assert_int_equal(k8s_controller_enqueue(c, ns, NULL), K8S_EINVAL);
    k8s_controller_free(c);
    free(w);
}

/* ---- the storm ---- */

static void fault(const char *ns, const char *what, const char *extra)
{
    char json[512];
    snprintf(json, sizeof json, "{\"path\":\"/namespaces/%s/configmaps\\\\?.*watch=true\",\"fault\":\"%s\"%s}", ns,
             what, extra ? extra : "");
    control("POST", "/_test/faults", json);
}

static int faults_left(int *hits)
{
    char *body = NULL;
    assert_int_equal(test_server_control(&srv, "GET", "/_test/faults", NULL, &body), 200);
    cJSON *doc = cJSON_Parse(body);
    free(body);
    int n = cJSON_GetArraySize(cJSON_GetObjectItem(doc, "faults")), h = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(doc, "faults"))
    {
        h += (int)cJSON_GetNumberValue(cJSON_GetObjectItem(f, "hits"));
    }
    cJSON_Delete(doc);
    if (hits)
        *hits = h;
    return n;
}

static void wait_faults_spent(void)
{
    for (int i = 0; i < 1000 && faults_left(NULL); i++)
        usleep(10000);
    assert_int_equal(faults_left(NULL), 0);
}

static void test_storm(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("storm", ns, sizeof ns);
    control("POST", "/_test/config", "{\"watchTimeoutSeconds\":2}"); /* watches end often: faults meet reconnects */
    world *w = new_world(ns);
    atomic_store(&w->failures_to_inject, 20);
    k8s_controller *c = start_copier(w, 8);
    unsigned seed = 4242;
    int ops = 0;
    char name[32], value[32];
    /* 500 changes; before each 50, one forced disconnect: 10 in all */
    for (int round = 0; round < 10; round++) {
        switch (round % 4) {
        case 0: fault(ns, "drop-watch-mid-event", ",\"after\":1"); break;
        case 1: fault(ns, "close", NULL); break;
        case 2: fault(ns, "drop-watch-mid-event", ",\"after\":0,\"stream\":true"); break;
        default: fault(ns, "close", ",\"stream\":true"); break;
        }
        for (int i = 0; i < 50; i++, ops++) {
            seed = seed * 1103515245u + 12345u;
            int k = (int)((seed >> 8) % KEYS);
            snprintf(value, sizeof value, "v%d", ops);
            if ((seed >> 20) % 5 == 0) {
                snprintf(name, sizeof name, "src-%02d", k);
                delete_config_map(ns, name);
            } else {
                put_src(ns, k, value);
            }
        }
        wait_faults_spent();
    }
    /* then a 410: the watches cannot come back until their version is gone */
    k8s_informer *primary = k8s_controller_informer(c, NULL);
    k8s_informer_stats before;
    k8s_informer_stats_get(primary, &before);
    fault(ns, "close", ",\"times\":-1");
    int hits = 0;
    for (int i = 0; i < 600 && hits < 2; i++) {
        faults_left(&hits);
        usleep(10000);
    }
    assert_true(hits >= 2); /* both informers are cut off */
    for (int i = 0; i < 20; i++, ops++) {
        snprintf(value, sizeof value, "late%d", i);
        put_src(ns, i, value);
    }
    delete_config_map(ns, "src-39");
    ops++;
    control("POST", "/_test/compact", "{}");
    control("DELETE", "/_test/faults", NULL);

    struct state st;
    bool ok = converged(ns, 30000, &st);
    if (!ok)
        for (int k = 0; k < KEYS; k++)
            if (strcmp(st.src[k], st.dst[k]) != 0 || (st.dst[k][0] && !st.dst_owned[k]))
                print_message("  key %d: src [%s] dst [%s]%s\n", k, st.src[k], st.dst[k],
                              st.dst_owned[k] ? "" : " (not owned by it alone)");
    assert_true(ok);
    /* the last reconcile of each key saw the last change of its src */
    for (int tries = 0; tries < 100; tries++) {
        k8s_controller_stats cs;
        k8s_controller_stats_get(c, &cs);
        if (!cs.running && !cs.queue.depth && !cs.queue.waiting)
            break;
        usleep(20000);
    }
    pthread_mutex_lock(&w->mu);
    for (int k = 0; k < KEYS; k++) {
        if (!w->keys[k].reconciles)
            continue; /* never existed */
        if (strcmp(w->keys[k].rv, st.src_rv[k]) != 0)
            fail_msg("key %d: last reconcile saw rv [%s], the server has [%s]", k, w->keys[k].rv, st.src_rv[k]);
    }
    pthread_mutex_unlock(&w->mu);
    assert_int_equal(atomic_load(&w->overlaps), 0);
    k8s_informer_stats after;
    k8s_informer_stats_get(primary, &after);
    k8s_controller_stats cs;
    k8s_controller_stats_get(c, &cs);
    print_message("  %d changes, 10 disconnects + a 410: %llu reconciles (%llu failed, retried), "
                  "%llu watches, %llu relists; queue: %llu adds, mean latency %.2f ms\n",
                  ops, (unsigned long long)cs.reconciles, (unsigned long long)cs.errors,
                  (unsigned long long)after.watches, (unsigned long long)after.resyncs,
                  (unsigned long long)cs.queue.adds,
                  cs.queue.gets ? (double)cs.queue.latency_ns / (double)cs.queue.gets / 1e6 : 0.0);
    assert_true(after.resyncs > before.resyncs);      /* the 410 made it list again */
    assert_true(after.watches >= before.watches + 1); /* and the disconnects made it reconnect */
    control("POST", "/_test/config", "{\"watchTimeoutSeconds\":1800}");
    k8s_controller_free(c);
    free(w);
}

/* ---- a mapping function ---- */

/* "trigger-N" ConfigMaps queue src-N. */
static void map_trigger(void *data, k8s_controller *c, const void *obj)
{
    const char *ns = data;
    const k8s_core_v1_config_map *cm = obj;
    const char *name = cm->metadata->name;
    if (strncmp(name, "trigger-", 8) == 0) {
        char key[32];
        snprintf(key, sizeof key, "src-%s", name + 8);
        k8s_controller_enqueue(c, ns, key);
    }
}

static void test_watches_with_mapping(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("ctl", ns, sizeof ns);
    world *w = new_world(ns);
    k8s_controller_options o = {.resource = &k8s_core_v1_config_map_resource, .namespace_ = ns,
                                .labelSelector = "role=src", .reconcile = reconcile, .data = w};
    k8s_controller *c;
    assert_int_equal(k8s_controller_new(client, &o, &c), K8S_OK);
    k8s_informer_options triggers = {.namespace_ = ns, .labelSelector = "role=trigger"};
    assert_int_equal(k8s_controller_watches(c, &k8s_core_v1_config_map_resource, &triggers, map_trigger, ns), K8S_OK);
    assert_int_equal(k8s_controller_watches(c, &k8s_core_v1_config_map_resource, &triggers, NULL, ns), K8S_EINVAL);
    assert_int_equal(k8s_controller_start(c), K8S_OK);
    assert_int_equal(k8s_controller_start(c), K8S_EINVAL);
    assert_int_equal(k8s_controller_owns(c, &k8s_core_v1_pod_resource, NULL), K8S_EINVAL); /* after start */
    assert_int_equal(k8s_controller_wait_synced(c, 10000), K8S_OK);
    k8s_arena *a = k8s_arena_new();
    k8s_string_entry label = {"role", "trigger"};
    k8s_meta_v1_object_meta meta = {.name = "trigger-05", .labels = &label, .labels_len = 1};
    k8s_core_v1_config_map cm = {.metadata = &meta}, *out;
    k8s_error err;
    CHECK_OK(k8s_core_v1_config_map_create(writer, a, ns, &cm, NULL, &out, &err));
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&w->mu);
        int n = w->keys[5].reconciles;
        pthread_mutex_unlock(&w->mu);
        if (n)
            break;
        usleep(20000);
    }
    pthread_mutex_lock(&w->mu);
    assert_int_equal(w->keys[5].reconciles, 1);
    pthread_mutex_unlock(&w->mu);
    k8s_arena_free(a);
    k8s_controller_free(c);
    free(w);
}

/* ---- stopping ---- */

typedef struct slow {
    atomic_int started, finished;
    k8s_controller *stop_me; /* the 5th reconcile stops the controller itself */
} slow;

static k8s_reconcile_result slow_reconcile(k8s_reconcile_ctx *ctx, const void *obj)
{
    (void)obj;
    slow *s = ctx->data;
    if (atomic_fetch_add(&s->started, 1) == 4 && s->stop_me)
        k8s_controller_stop(ctx->controller);
    usleep(50000);
    atomic_fetch_add(&s->finished, 1);
    return K8S_RECONCILED;
}

static void test_stop(void **state)
{
    (void)state;
    need_server();
    char ns[64], name[32];
    new_namespace("ctl", ns, sizeof ns);
    for (int i = 0; i < 30; i++)
        put_src(ns, i, "z");
    for (int from_inside = 0; from_inside < 2; from_inside++) {
        slow s = {0};
        k8s_controller_options o = {.resource = &k8s_core_v1_config_map_resource, .namespace_ = ns,
                                    .reconcile = slow_reconcile, .data = &s, .workers = 2};
        k8s_controller *c;
        assert_int_equal(k8s_controller_new(client, &o, &c), K8S_OK);
        if (from_inside)
            s.stop_me = c;
        assert_int_equal(k8s_controller_start(c), K8S_OK);
        if (!from_inside) {
            while (atomic_load(&s.started) < 3)
                usleep(1000);
            k8s_controller_stop(c); /* from this thread, while two reconciles run */
        }
        while (!k8s_controller_stopped(c))
            usleep(1000);
        snprintf(name, sizeof name, "src-%02d", 0);
        assert_int_equal(k8s_controller_enqueue(c, ns, name), K8S_ECLOSED);
        k8s_controller_free(c); /* waits for the reconciles under way */
        print_message("  stopped from %s: %d of 30 reconciled\n", from_inside ? "a reconcile" : "outside",
                      atomic_load(&s.finished));
        assert_int_equal(atomic_load(&s.started), atomic_load(&s.finished));
        assert_true(atomic_load(&s.finished) < 30); /* the queued rest was dropped */
    }
}

static void test_bad_options(void **state)
{
    (void)state;
    need_server();
    k8s_controller *c;
    k8s_controller_options none = {0};
    assert_int_equal(k8s_controller_new(client, &none, &c), K8S_EINVAL);
    assert_null(c);
    k8s_controller_options noreconcile = {.resource = &k8s_core_v1_config_map_resource};
    assert_int_equal(k8s_controller_new(client, &noreconcile, &c), K8S_EINVAL);
    k8s_controller_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_copies_and_repairs),
        cmocka_unit_test(test_errors_requeue_and_enqueue),
        cmocka_unit_test(test_watches_with_mapping),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_storm),
    };
    return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
