/* The event recorder (k8s/events.h) against the bundled test API server:
 * what an Event carries; repeats aggregated into a series (created once,
 * count 2 at once, the rest counted and written on refresh, flush and
 * finish); the per-object limit; recording that never blocks, even with
 * the server stalled; failed writes tried again; a series whose Event is
 * gone created again; bad arguments. */
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

#include "fixture.h"
#include "k8s/events.h"

/* A ConfigMap to talk about, and its reference. */
static k8s_object_ref subject(const char *ns, const char *name, k8s_arena *a)
{
    k8s_meta_v1_object_meta meta = {.name = (char *)name};
    k8s_core_v1_config_map body = {.metadata = &meta}, *cm;
    k8s_error err;
    CHECK_OK(k8s_core_v1_config_map_create(writer, a, ns, &body, NULL, &cm, &err));
    k8s_object_ref ref;
    CHECK_OK(k8s_object_ref_of(&k8s_core_v1_config_map_resource, cm, a, &ref, &err));
    return ref;
}

static k8s_events_v1_event_list *events_in(const char *ns, k8s_arena *a)
{
    k8s_events_v1_event_list *l;
    k8s_error err;
    CHECK_OK(k8s_events_v1_event_list_get(writer, a, ns, NULL, &l, &err));
    return l;
}

static k8s_event_recorder *recorder(const k8s_event_recorder_options *extra)
{
    k8s_event_recorder_options o = extra ? *extra : (k8s_event_recorder_options){0};
    if (!o.reporting_controller)
        o.reporting_controller = "example.com/test-controller";
    k8s_event_recorder *r;
    k8s_error err;
    CHECK_OK(k8s_event_recorder_new(client, &o, &r, &err));
    return r;
}

static void test_event_fields(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("ev", ns, sizeof ns);
    k8s_arena *a = k8s_arena_new();
    k8s_object_ref cm = subject(ns, "src", a);
    k8s_event_recorder *r = recorder(&(k8s_event_recorder_options){.reporting_instance = "test-1"});
    assert_int_equal(k8s_event_record(r, &cm, NULL, K8S_EVENT_NORMAL, "Synced", "Sync", "copied to %d namespaces", 3),
                     K8S_OK);
    assert_int_equal(k8s_event_recorder_flush(r, 10000), K8S_OK);
    k8s_events_v1_event_list *l = events_in(ns, a);
    assert_int_equal(l->items_len, 1);
    k8s_events_v1_event *e = &l->items[0];
    assert_string_equal(e->type, "Normal");
    assert_string_equal(e->reason, "Synced");
    assert_string_equal(e->action, "Sync");
    assert_string_equal(e->note, "copied to 3 namespaces");
    assert_string_equal(e->reportingController, "example.com/test-controller");
    assert_string_equal(e->reportingInstance, "test-1");
    assert_non_null(e->eventTime);
    assert_null(e->series);
    assert_string_equal(e->regarding->kind, "ConfigMap");
    assert_string_equal(e->regarding->apiVersion, "v1");
    assert_string_equal(e->regarding->name, "src");
    assert_string_equal(e->regarding->namespace_, ns);
    assert_string_equal(e->regarding->uid, cm.uid);
    assert_true(strncmp(e->metadata->name, "src.", 4) == 0); /* client-go's name: <object>.<hex nanoseconds> */
    k8s_event_recorder_stats st;
    k8s_event_recorder_stats_get(r, &st);
    assert_int_equal(st.recorded, 1);
    assert_int_equal(st.created, 1);
    k8s_event_recorder_free(r);
    k8s_arena_free(a);
}

static int32_t series_count(const k8s_events_v1_event *e)
{
    return e->series ? e->series->count : 1;
}

static void test_series(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("ev", ns, sizeof ns);
    k8s_arena *a = k8s_arena_new();
    k8s_object_ref cm = subject(ns, "busy", a);
    k8s_event_recorder *r = recorder(NULL);
    k8s_event_recorder_stats st;
    /* the first is created, the second makes a series of 2 at once... */
    for (int i = 0; i < 2; i++) /* the note differs; the event is the same (client-go's key) */
        assert_int_equal(k8s_event_record(r, &cm, NULL, K8S_EVENT_WARNING, "Failed", "Sync", "attempt %d", i), K8S_OK);
    k8s_event_record(r, &cm, NULL, K8S_EVENT_NORMAL, "Synced", "Sync", NULL); /* another event */
    /* (a second that comes before the create is sent goes with it: one write less) */
    for (int i = 0; i < 500; i++) {
        k8s_event_recorder_stats_get(r, &st);
        if (st.created == 2 && (st.series_writes == 1 || st.recorded == 3))
            break;
        usleep(10000);
    }
    k8s_event_recorder_stats settled;
    k8s_event_recorder_flush(r, 10000);
    k8s_event_recorder_stats_get(r, &settled);
    assert_int_equal(settled.created, 2);
    assert_true(settled.series_writes <= 1);
    /* ... the rest are counted, and not written until a refresh or flush */
    for (int i = 2; i < 10; i++)
        assert_int_equal(k8s_event_record(r, &cm, NULL, K8S_EVENT_WARNING, "Failed", "Sync", "attempt %d", i), K8S_OK);
    usleep(200000);
    k8s_event_recorder_stats_get(r, &st);
    assert_int_equal(st.created, 2);
    assert_int_equal(st.series_writes, settled.series_writes);
    k8s_events_v1_event_list *l = events_in(ns, a);
    assert_int_equal(l->items_len, 2);
    const k8s_events_v1_event *failed = strcmp(l->items[0].reason, "Failed") == 0 ? &l->items[0] : &l->items[1];
    assert_int_equal(series_count(failed), 2);
    assert_string_equal(failed->note, "attempt 0"); /* the first one's */
    /* flush writes the count so far */
    assert_int_equal(k8s_event_recorder_flush(r, 10000), K8S_OK);
    l = events_in(ns, a);
    assert_int_equal(l->items_len, 2);
    failed = strcmp(l->items[0].reason, "Failed") == 0 ? &l->items[0] : &l->items[1];
    assert_int_equal(series_count(failed), 10);
    assert_non_null(failed->series->lastObservedTime);
    k8s_event_recorder_stats_get(r, &st);
    assert_int_equal(st.recorded, 11);
    assert_int_equal(st.series_writes, settled.series_writes + 1);
    print_message("  11 records: %llu creates, %llu series writes\n", (unsigned long long)st.created,
                  (unsigned long long)st.series_writes);
    k8s_event_recorder_free(r);
    k8s_arena_free(a);
}

static void test_series_refresh_and_finish(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("ev", ns, sizeof ns);
    k8s_arena *a = k8s_arena_new();
    k8s_object_ref cm = subject(ns, "ticking", a);
    k8s_event_recorder *r = recorder(&(k8s_event_recorder_options){.refresh_ms = 200, .finish_ms = 600});
    for (int i = 0; i < 5; i++)
        k8s_event_record(r, &cm, NULL, K8S_EVENT_NORMAL, "Tick", "Count", NULL);
    usleep(450000); /* a refresh has written the count */
    k8s_events_v1_event_list *l = events_in(ns, a);
    assert_int_equal(l->items_len, 1);
    assert_int_equal(series_count(&l->items[0]), 5);
    usleep(1000000); /* the series is over: unseen for longer than finish_ms */
    k8s_event_record(r, &cm, NULL, K8S_EVENT_NORMAL, "Tick", "Count", NULL);
    assert_int_equal(k8s_event_recorder_flush(r, 10000), K8S_OK);
    l = events_in(ns, a);
    assert_int_equal(l->items_len, 2); /* a new Event, as client-go starts one after a series ends */
    k8s_event_recorder_free(r);
    k8s_arena_free(a);
}

static void test_per_object_limit(void **state)
{
    (void)state;
    need_server();
    char ns[64], reason[32];
    new_namespace("ev", ns, sizeof ns);
    k8s_arena *a = k8s_arena_new();
    k8s_object_ref noisy = subject(ns, "noisy", a), quiet = subject(ns, "quiet", a);
    k8s_event_recorder *r = recorder(NULL);
    int ok = 0, throttled = 0;
    for (int i = 0; i < 30; i++) {
        snprintf(reason, sizeof reason, "Reason%d", i);
        k8s_code rc = k8s_event_record(r, &noisy, NULL, K8S_EVENT_NORMAL, reason, "Act", NULL);
        ok += rc == K8S_OK;
        throttled += rc == K8S_ETHROTTLED;
    }
    assert_int_equal(ok, 25); /* client-go's burst */
    assert_int_equal(throttled, 5);
    assert_int_equal(k8s_event_record(r, &quiet, NULL, K8S_EVENT_NORMAL, "Reason0", "Act", NULL), K8S_OK);
    /* repeats of an event already recorded are counted, not limited */
    assert_int_equal(k8s_event_record(r, &noisy, NULL, K8S_EVENT_NORMAL, "Reason0", "Act", NULL), K8S_OK);
    assert_int_equal(k8s_event_recorder_flush(r, 10000), K8S_OK);
    assert_int_equal(events_in(ns, a)->items_len, 26);
    k8s_event_recorder_stats st;
    k8s_event_recorder_stats_get(r, &st);
    assert_int_equal(st.throttled, 5);
    k8s_event_recorder_free(r);
    k8s_arena_free(a);
}

static void test_never_blocks(void **state)
{
    (void)state;
    need_server();
    char ns[64], reason[32], json[256];
    new_namespace("ev", ns, sizeof ns);
    k8s_arena *a = k8s_arena_new();
    k8s_object_ref cm = subject(ns, "slow", a);
    /* every create waits a second on the server */
    snprintf(json, sizeof json, "{\"method\":\"POST\",\"path\":\"/namespaces/%s/events\",\"fault\":\"stall\",\"ms\":1000,\"times\":-1}", ns);
    control("POST", "/_test/faults", json);
    k8s_event_recorder *r = recorder(&(k8s_event_recorder_options){.max_queued = 5});
    uint64_t t0 = k8s_now_ms();
    int ok = 0, full = 0;
    for (int i = 0; i < 20; i++) {
        snprintf(reason, sizeof reason, "R%d", i);
        k8s_code rc = k8s_event_record(r, &cm, NULL, K8S_EVENT_NORMAL, reason, "Act", NULL);
        ok += rc == K8S_OK;
        full += rc == K8S_EFULL;
        usleep(2000); /* the loop takes some into flight */
    }
    uint64_t took = k8s_now_ms() - t0;
    print_message("  20 records against a stalled server in %llu ms: %d taken, %d dropped\n",
                  (unsigned long long)took, ok, full);
    assert_true(took < 500); /* 20 x 2 ms of our own sleeping, and no waiting on the server */
    assert_true(ok >= 5 && ok <= 5 + 4); /* queued, plus the few in flight */
    assert_int_equal(ok + full, 20);
    /* the flush comes while creates are on their way: it must not add
     * writes of its own for them (a series of 1 the server refuses) */
    assert_int_equal(k8s_event_recorder_flush(r, 20000), K8S_OK);
    control("DELETE", "/_test/faults", NULL);
    assert_int_equal((int)events_in(ns, a)->items_len, ok);
    k8s_event_recorder_stats st;
    k8s_event_recorder_stats_get(r, &st);
    assert_int_equal(st.dropped, full);
    assert_int_equal(st.failed, 0);
    assert_int_equal(st.created, ok);
    k8s_event_recorder_free(r);
    k8s_arena_free(a);
}

static void test_retries_and_recreate(void **state)
{
    (void)state;
    need_server();
    char ns[64], json[256];
    new_namespace("ev", ns, sizeof ns);
    k8s_arena *a = k8s_arena_new();
    k8s_object_ref cm = subject(ns, "flaky", a);
    snprintf(json, sizeof json, "{\"method\":\"POST\",\"path\":\"/namespaces/%s/events\",\"fault\":\"status-500\",\"times\":2}", ns);
    control("POST", "/_test/faults", json);
    k8s_event_recorder *r = recorder(&(k8s_event_recorder_options){.retry_ms = 50});
    k8s_event_record(r, &cm, NULL, K8S_EVENT_NORMAL, "Synced", "Sync", NULL);
    assert_int_equal(k8s_event_recorder_flush(r, 10000), K8S_OK);
    k8s_event_recorder_stats st;
    k8s_event_recorder_stats_get(r, &st);
    assert_int_equal(st.retries, 2);
    assert_int_equal(st.created, 1);
    k8s_events_v1_event_list *l = events_in(ns, a);
    assert_int_equal(l->items_len, 1);

    /* the Event is deleted (expired) while its series goes on: created again, series and all */
    k8s_meta_v1_status *gone;
    k8s_error err;
    CHECK_OK(k8s_events_v1_event_delete(writer, a, ns, l->items[0].metadata->name, NULL, &gone, &err));
    k8s_event_record(r, &cm, NULL, K8S_EVENT_NORMAL, "Synced", "Sync", NULL);
    assert_int_equal(k8s_event_recorder_flush(r, 10000), K8S_OK);
    l = events_in(ns, a);
    assert_int_equal(l->items_len, 1);
    assert_int_equal(series_count(&l->items[0]), 2);

    /* a note over 1 KiB is cut, not refused by the server */
    static char big[3000];
    memset(big, 'x', sizeof big - 1);
    k8s_event_record(r, &cm, NULL, K8S_EVENT_WARNING, "Big", "Say", "%s", big);
    assert_int_equal(k8s_event_recorder_flush(r, 10000), K8S_OK);
    k8s_event_recorder_stats_get(r, &st);
    assert_int_equal(st.failed, 0);
    assert_int_equal(st.dropped, 0);
    l = events_in(ns, a);
    assert_int_equal(l->items_len, 2);
    for (size_t i = 0; i < l->items_len; i++)
        if (strcmp(l->items[i].reason, "Big") == 0)
            assert_int_equal(strlen(l->items[i].note), 1024);
    k8s_event_recorder_free(r);
    k8s_arena_free(a);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    need_server();
    k8s_event_recorder *r;
    k8s_error err;
    assert_int_equal(k8s_event_recorder_new(client, &(k8s_event_recorder_options){0}, &r, &err), K8S_EINVAL);
    r = recorder(NULL);
    k8s_object_ref ok = {.api_version = "v1", .kind = "ConfigMap", .namespace_ = "default", .name = "x"};
    k8s_object_ref noname = {.kind = "ConfigMap"};
    char long_reason[200];
    memset(long_reason, 'r', sizeof long_reason - 1);
    long_reason[sizeof long_reason - 1] = '\0';
    assert_int_equal(k8s_event_record(r, &ok, NULL, "Info", "Why", "What", NULL), K8S_EINVAL);
    assert_int_equal(k8s_event_record(r, &ok, NULL, K8S_EVENT_NORMAL, "", "What", NULL), K8S_EINVAL);
    assert_int_equal(k8s_event_record(r, &ok, NULL, K8S_EVENT_NORMAL, long_reason, "What", NULL), K8S_EINVAL);
    assert_int_equal(k8s_event_record(r, &ok, NULL, K8S_EVENT_NORMAL, "Why", NULL, NULL), K8S_EINVAL);
    assert_int_equal(k8s_event_record(r, &noname, NULL, K8S_EVENT_NORMAL, "Why", "What", NULL), K8S_EINVAL);
    assert_int_equal(k8s_event_record(r, NULL, NULL, K8S_EVENT_NORMAL, "Why", "What", NULL), K8S_EINVAL);
    k8s_event_recorder_free(r);
    k8s_event_recorder_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_fields),
        cmocka_unit_test(test_series),
        cmocka_unit_test(test_series_refresh_and_finish),
        cmocka_unit_test(test_per_object_limit),
        cmocka_unit_test(test_never_blocks),
        cmocka_unit_test(test_retries_and_recreate),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
