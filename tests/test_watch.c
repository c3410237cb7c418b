/* Watches and the resuming watcher against the bundled test API server:
 * event decoding across chunk boundaries, typed and dynamic objects,
 * bookmarks, streaming lists, 410 both ways, resume after dropped
 * connections without losing or repeating an event (checked against the
 * server's own change log), idle timeouts, cancellation at every stage. */
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
#include <cjson/cJSON.h>
#include <pthread.h>

#include "k8s/api.h"
#include "k8s/watch.h"
#include "fixture.h"
#include "watch_internal.h"
#include "testutil.h"

static char *list_rv(const char *ns)
{
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_config_map_list *l;
    k8s_error err;
    CHECK_OK(k8s_core_v1_config_map_list_get(writer, a, ns, NULL, &l, &err));
    char *rv = strdup(l->metadata->resourceVersion);
    k8s_arena_free(a);
    return rv;
}

/* ---- recording events ---- */

typedef struct recorder {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    char lines[4096][96]; /* "ADDED name rv" */
    int n, bookmarks, initial_ends, errors;
    size_t value_bytes; /* of ConfigMap data "v" */
    bool ended;
    k8s_code code;
    k8s_error err;
    int end_http_status;
    char end_reason[64];
} recorder;

static recorder *new_recorder(void)
{
    recorder *r = calloc(1, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cond, NULL);
    return r;
}

static void free_recorder(recorder *r)
{
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cond);
    free(r);
}

static void record(recorder *r, k8s_watch_event *ev, const char *extra_name)
{
    pthread_mutex_lock(&r->mu);
    if (ev->type == K8S_WATCH_BOOKMARK) {
        r->bookmarks++;
        r->initial_ends += ev->initial_events_end;
    } else if (ev->type == K8S_WATCH_ERROR) {
        r->errors++;
    } else if (r->n < 4096) {
        snprintf(r->lines[r->n++], sizeof r->lines[0], "%s %s %s", k8s_watch_type_name(ev->type),
                 extra_name ? extra_name : ev->name, ev->resource_version);
    }
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->mu);
}

/* The callbacks write under r->mu on the loop's thread: read there too. */
static int initial_ends_of(recorder *r)
{
    pthread_mutex_lock(&r->mu);
    int n = r->initial_ends;
    pthread_mutex_unlock(&r->mu);
    return n;
}

static void on_typed(void *data, k8s_watch_event *ev)
{
    recorder *r = data;
    if (ev->object && ev->type != K8S_WATCH_BOOKMARK) {
        const k8s_core_v1_config_map *cm = ev->object;
        assert_string_equal(cm->metadata->name, ev->name); /* the typed object and the event agree */
        for (size_t i = 0; i < cm->data_len; i++)
            r->value_bytes += strlen(cm->data[i].value);
    }
    record(r, ev, NULL);
}

static void on_end(void *data, k8s_code code, void *result, const k8s_error *err)
{
    (void)result;
    recorder *r = data;
    pthread_mutex_lock(&r->mu);
    r->code = code;
    r->err = *err;
    r->end_http_status = err->http_status;
    if (err->status && err->status->reason)
        snprintf(r->end_reason, sizeof r->end_reason, "%s", err->status->reason);
    r->err.status = NULL;
    r->ended = true;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->mu);
}

/* Waits until the recorder has n events (or has ended, with n < 0). */
static void wait_for(recorder *r, int n)
{
    pthread_mutex_lock(&r->mu);
    for (int i = 0; i < 200 && (n < 0 ? !r->ended : r->n < n); i++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&r->cond, &r->mu, &ts);
    }
    bool ok = n < 0 ? r->ended : r->n >= n;
    int have = r->n;
    pthread_mutex_unlock(&r->mu);
    if (!ok)
        fail_msg("timed out waiting for %d events (have %d, ended %d)", n, have, r->ended);
}

/* The server's own log of changes to configmaps in ns after rv, in the
 * recorder's line format. */
static int server_log(const char *ns, const char *rv, char (*out)[96], int max)
{
    char path[256], *body = NULL;
    snprintf(path, sizeof path, "/_test/events?since=%s&resource=/configmaps", rv);
    assert_int_equal(test_server_control(&srv, "GET", path, NULL, &body), 200);
    cJSON *doc = cJSON_Parse(body);
    free(body);
    assert_non_null(doc);
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(doc, "items"))
    {
        const char *ins = cJSON_GetStringValue(cJSON_GetObjectItem(it, "namespace"));
        if (!ins || strcmp(ins, ns) != 0 || n >= max)
            continue;
        snprintf(out[n++], 96, "%s %s %s", cJSON_GetStringValue(cJSON_GetObjectItem(it, "type")),
                 cJSON_GetStringValue(cJSON_GetObjectItem(it, "name")),
                 cJSON_GetStringValue(cJSON_GetObjectItem(it, "resourceVersion")));
    }
    cJSON_Delete(doc);
    return n;
}

/* ---- the decoder alone ---- */

static void on_dynamic_or_error(void *data, k8s_watch_event *ev)
{
    record(data, ev, ev->name);
}

static const char two_events[] =
    "{\"type\":\"ADDED\",\"object\":{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":"
    "{\"name\":\"a\",\"namespace\":\"n\",\"resourceVersion\":\"5\"},\"data\":{\"k\":\"\\u00e9\\n\"}}}\n"
    "\n" /* blank lines are skipped */
    "{\"object\":{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"b\","
    "\"resourceVersion\":\"7\",\"annotations\":{\"k8s.io/initial-events-end\":\"true\"}}},\"type\":\"BOOKMARK\"}\r\n";

static void on_decoded(void *data, k8s_watch_event *ev)
{
    recorder *r = data;
    if (ev->type == K8S_WATCH_ADDED && ev->name && strcmp(ev->name, "a") == 0) {
        const k8s_core_v1_config_map *cm = ev->object;
        assert_string_equal(cm->data[0].value, "\xc3\xa9\n");
        assert_string_equal(ev->namespace_, "n");
    }
    record(r, ev, ev->name);
}

static void test_decoder_any_split(void **state)
{
    (void)state;
    size_t len = strlen(two_events);
    for (size_t cut1 = 0; cut1 <= len; cut1 += 3) {
        for (size_t cut2 = cut1; cut2 <= len; cut2 += 17) {
            recorder *r = new_recorder();
            k8s_watch_decoder d;
            k8s_watch_decoder_init(&d, &k8s_core_v1_config_map_desc, on_decoded, r);
            k8s_error err;
            assert_int_equal(k8s_watch_decoder_feed(&d, two_events, cut1, &err), K8S_OK);
            assert_int_equal(k8s_watch_decoder_feed(&d, two_events + cut1, cut2 - cut1, &err), K8S_OK);
            assert_int_equal(k8s_watch_decoder_feed(&d, two_events + cut2, len - cut2, &err), K8S_OK);
            assert_int_equal(r->n, 1);
            assert_string_equal(r->lines[0], "ADDED a 5");
            assert_int_equal(r->bookmarks, 1);
            assert_int_equal(r->initial_ends, 1); /* found on the general path too (type last) */
            k8s_watch_decoder_clear(&d);
            free_recorder(r);
        }
    }
}

static void expect_bad(const char *stream, const char *message_part, const char *path)
{
    recorder *r = new_recorder();
    k8s_watch_decoder d;
    k8s_watch_decoder_init(&d, &k8s_core_v1_config_map_desc, on_decoded, r);
    k8s_error err;
    k8s_code rc = k8s_watch_decoder_feed(&d, stream, strlen(stream), &err);
    if (rc != K8S_EBADREPLY || !strstr(err.message, message_part))
        fail_msg("%s: got %s \"%s\"", stream, k8s_strerror(rc), err.message);
    if (path)
        assert_string_equal(err.path, path);
    k8s_watch_decoder_clear(&d);
    free_recorder(r);
}

static void test_decoder_bad_input(void **state)
{
    (void)state;
    expect_bad("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":1}}}\n", "event 1: unreadable object",
               "metadata.name");
    expect_bad("{\"type\":\"ADDED\",\"object\":{}}\n{\"type\":\"UPSERT\",\"object\":{}}\n",
               "event 2: unknown event type", NULL);
    expect_bad("not json\n", "event 1: not a watch event", NULL);
    expect_bad("{\"type\":\"ADDED\"}\n", "no type or object", NULL);
}

static void test_decoder_error_event(void **state)
{
    (void)state;
    static const char gone[] =
        "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
        "\"status\":\"Failure\",\"message\":\"too old resource version: 1 (5)\",\"reason\":\"Expired\","
        "\"code\":410}}\n{\"type\":\"ADDED\",\"object\":{}}\n";
    recorder *r = new_recorder();
    k8s_watch_decoder d;
    k8s_watch_decoder_init(&d, NULL, on_dynamic_or_error, r);
    k8s_error err;
    assert_int_equal(k8s_watch_decoder_feed(&d, gone, strlen(gone), &err), K8S_EGONE);
    assert_int_equal(err.http_status, 410);
    assert_string_equal(err.status->reason, "Expired"); /* valid until clear */
    assert_int_equal(r->errors, 1);
    assert_int_equal(r->n, 0); /* nothing after the ERROR */
    k8s_watch_decoder_clear(&d);
    free_recorder(r);
}

/* ---- single watches ---- */

static void test_typed_watch_events_in_order(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("watch", ns, sizeof ns);
    char *rv = list_rv(ns);
    put_config_map(ns, "a", "1", NULL);
    char big[5001];
    memset(big, 'x', 5000);
    big[5000] = '\0';
    put_config_map(ns, "b", big, NULL); /* beyond the server's 2048-byte writes: one event, many chunks */
    put_config_map(ns, "a", "2", NULL);
    delete_config_map(ns, "b");

    recorder *r = new_recorder();
    k8s_list_options lo = {.resourceVersion = rv, .timeoutSeconds = 1};
    k8s_error err;
    CHECK_OK(k8s_watch_async(client, &k8s_core_v1_config_map_resource, ns, &lo, on_typed, on_end, r));
    wait_for(r, -1);
    assert_int_equal(r->code, K8S_OK); /* the server's timeout ends it cleanly */
    char want[16][96];
    int n = server_log(ns, rv, want, 16);
    assert_int_equal(n, 4);
    assert_int_equal(r->n, n);
    for (int i = 0; i < n; i++)
        assert_string_equal(r->lines[i], want[i]);
    assert_int_equal(r->value_bytes, 1 + 5000 + 1 + 5000); /* DELETED carries the last state */
    free_recorder(r);
    free(rv);
}

static void test_replayed_events_cut_across_chunks(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("watch", ns, sizeof ns);
    char *rv = list_rv(ns);
    char name[32];
    for (int i = 0; i < 120; i++) { /* replayed: packed into 2048-byte chunks that cut lines */
        snprintf(name, sizeof name, "cm-%03d", i);
        put_config_map(ns, name, name, NULL);
    }
    recorder *r = new_recorder();
    k8s_list_options lo = {.resourceVersion = rv, .timeoutSeconds = 1};
    k8s_error err;
    CHECK_OK(k8s_watch(client, &k8s_core_v1_config_map_resource, ns, &lo, on_typed, r, NULL, &err));
    char want[128][96];
    int n = server_log(ns, rv, want, 128);
    assert_int_equal(n, 120);
    assert_int_equal(r->n, 120);
    for (int i = 0; i < n; i++)
        assert_string_equal(r->lines[i], want[i]);
    free_recorder(r);
    free(rv);
}

static void on_dynamic(void *data, k8s_watch_event *ev)
{
    recorder *r = data;
    if (ev->type != K8S_WATCH_BOOKMARK) {
        cJSON *obj = cJSON_Parse(ev->object);
        assert_non_null(obj);
        cJSON *meta = cJSON_GetObjectItem(obj, "metadata");
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(meta, "name")), ev->name);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(obj, "kind")), "ConfigMap");
        cJSON_Delete(obj);
    }
    record(r, ev, NULL);
}

static void test_dynamic_watch_and_bookmarks(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("watch", ns, sizeof ns);
    control("POST", "/_test/config", "{\"bookmarkIntervalMs\":100}");
    char *rv = list_rv(ns);
    put_config_map(ns, "dyn", "x", NULL);
    static const k8s_resource cms = {"", "v1", "configmaps", "ConfigMap", true, NULL, NULL};
    recorder *r = new_recorder();
    k8s_list_options lo = {.resourceVersion = rv, .timeoutSeconds = 1, .allowWatchBookmarks = true};
    k8s_error err;
    CHECK_OK(k8s_watch(client, &cms, ns, &lo, on_dynamic, r, NULL, &err));
    control("POST", "/_test/config", "{\"bookmarkIntervalMs\":1000}");
    assert_int_equal(r->n, 1);
    assert_true(strncmp(r->lines[0], "ADDED dyn ", 10) == 0);
    assert_true(r->bookmarks >= 3); /* every 100 ms for a second */
    assert_int_equal(r->initial_ends, 0);
    free_recorder(r);
    free(rv);
}

static void test_expired_version_is_gone(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("watch", ns, sizeof ns);
    char *rv = list_rv(ns);
    put_config_map(ns, "old", "1", NULL);
    control("POST", "/_test/compact", "{}");
    recorder *r = new_recorder();
    k8s_list_options lo = {.resourceVersion = rv};
    k8s_error err;
    k8s_arena *a = k8s_arena_new();
    k8s_code rc = k8s_watch(client, &k8s_core_v1_config_map_resource, ns, &lo, on_typed, r, a, &err);
    assert_int_equal(rc, K8S_EGONE);
    assert_int_equal(err.http_status, 410);
    assert_int_equal(r->errors, 1); /* the in-stream ERROR event was delivered */
    assert_int_equal(r->n, 0);
    /* its Status, copied into the arena given: the watch and its event are gone */
    assert_non_null(err.status);
    assert_string_equal(err.status->reason, "Expired");
    assert_int_equal(err.status->code, 410);
    assert_non_null(strstr(err.status->message, "too old resource version"));
    k8s_arena_free(a);

    /* the watcher reports it as its own condition, with the Status */
    recorder *w = new_recorder();
    k8s_watcher_options wo = {.list = {.resourceVersion = rv}, .on_event = on_typed, .on_end = on_end, .data = w};
    k8s_watcher *watcher;
    CHECK_OK(k8s_watcher_start(client, &k8s_core_v1_config_map_resource, ns, &wo, &watcher));
    wait_for(w, -1);
    assert_int_equal(w->code, K8S_EGONE);
    assert_string_equal(w->end_reason, "Expired");
    assert_int_equal(w->errors, 0); /* ERROR events are not passed on by the watcher */
    k8s_watcher_free(watcher);
    free_recorder(w);
    free_recorder(r);
    free(rv);
}

/* The blocking form hands over the server's Status of an error reply
 * (404, 403; 410 in an ERROR event above), copied into the caller's arena;
 * without an arena the rest of the error still tells. */
static void test_blocking_watch_status(void **state)
{
    (void)state;
    need_server();
    recorder *r = new_recorder();
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    static const k8s_resource nothings = {"", "v1", "nothings", "Nothing", true, NULL, NULL};
    assert_int_equal(k8s_watch(client, &nothings, "default", NULL, on_dynamic, r, a, &err), K8S_ENOTFOUND);
    assert_int_equal(err.http_status, 404);
    assert_string_equal(err.status->reason, "NotFound");
    assert_string_equal(err.status->message, "the server could not find the requested resource");

    k8s_client *norights = fixture_client_as("norights", "    token: no-rights-token");
    assert_int_equal(k8s_watch(norights, &k8s_core_v1_config_map_resource, "default", NULL, on_typed, r, a, &err),
                     K8S_EFORBIDDEN);
    assert_string_equal(err.status->reason, "Forbidden");
    assert_string_equal(err.status->details->kind, "configmaps");
    assert_int_equal(k8s_watch(norights, &k8s_core_v1_config_map_resource, "default", NULL, on_typed, r, NULL, &err),
                     K8S_EFORBIDDEN);
    assert_null(err.status);
    assert_int_equal(err.http_status, 403);
    assert_non_null(strstr(err.message, "cannot watch resource \"configmaps\""));
    fixture_client_free(norights);
    assert_int_equal(r->n, 0);
    k8s_arena_free(a); /* the Statuses go with it */
    free_recorder(r);
}

static void test_streaming_list(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("watch", ns, sizeof ns);
    put_config_map(ns, "s1", "1", NULL);
    put_config_map(ns, "s2", "2", NULL);
    recorder *r = new_recorder();
    k8s_watcher_options wo = {.list = {.has_sendInitialEvents = true,
                                       .sendInitialEvents = true,
                                       .resourceVersionMatch = "NotOlderThan"},
                              .on_event = on_typed,
                              .on_end = on_end,
                              .data = r};
    k8s_watcher *w;
    k8s_error err;
    CHECK_OK(k8s_watcher_start(client, &k8s_core_v1_config_map_resource, ns, &wo, &w));
    wait_for(r, 2);
    for (int i = 0; i < 100 && !initial_ends_of(r); i++)
        usleep(10000);
    assert_int_equal(initial_ends_of(r), 1);
    put_config_map(ns, "s3", "3", NULL); /* the same watch goes on after the initial state */
    wait_for(r, 3);
    assert_true(strncmp(r->lines[0], "ADDED s1 ", 9) == 0);
    assert_true(strncmp(r->lines[1], "ADDED s2 ", 9) == 0);
    assert_true(strncmp(r->lines[2], "ADDED s3 ", 9) == 0);
    assert_int_equal(k8s_watcher_connects(w), 1);
    k8s_watcher_free(w);
    assert_int_equal(r->code, K8S_ECANCELED);
    free_recorder(r);

    /* a server without the WatchList gate refuses: a permanent error */
    control("POST", "/_test/config", "{\"watchList\":false}");
    r = new_recorder();
    wo.data = r;
    CHECK_OK(k8s_watcher_start(client, &k8s_core_v1_config_map_resource, ns, &wo, &w));
    wait_for(r, -1);
    control("POST", "/_test/config", "{\"watchList\":true}");
    assert_int_equal(r->code, K8S_EINVALID);
    assert_int_equal(r->end_http_status, 422);
    k8s_watcher_free(w);
    free_recorder(r);
}

/* ---- the watcher ---- */

/* Whether every fault added has been used up. */
static bool faults_spent(void)
{
    char *body = NULL;
    assert_int_equal(test_server_control(&srv, "GET", "/_test/faults", NULL, &body), 200);
    cJSON *doc = cJSON_Parse(body);
    free(body);
    const cJSON *list = cJSON_IsArray(doc) ? doc : cJSON_GetObjectItem(doc, "faults");
    bool spent = cJSON_GetArraySize(list) == 0;
    cJSON_Delete(doc);
    return spent;
}

static void test_watcher_resumes_without_loss_or_repeats(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("watch", ns, sizeof ns);
    char *rv = list_rv(ns);
    recorder *r = new_recorder();
    /* connections last a second, so each round's fault meets a reconnect */
    k8s_watcher_options wo = {.list = {.resourceVersion = rv, .timeoutSeconds = 1},
                              .on_event = on_typed, .on_end = on_end, .data = r, .max_backoff_ms = 200};
    k8s_watcher *w;
    k8s_error err;
    CHECK_OK(k8s_watcher_start(client, &k8s_core_v1_config_map_resource, ns, &wo, &w));
    char name[32];
    int changes = 0;
    for (int round = 0; round < 6; round++) {
        /* the next watch is cut in the middle of its 3rd event, or closed
         * before it answers */
        control("POST", "/_test/faults",
                round % 2 ? "{\"path\":\"watch=true\",\"fault\":\"drop-watch-mid-event\",\"after\":2}"
                          : "{\"path\":\"watch=true\",\"fault\":\"close\"}");
        for (int i = 0; i < 10; i++) {
            char value[16];
            snprintf(name, sizeof name, "r%d-%d", round, i % 4);
            snprintf(value, sizeof value, "v%d", i); /* a new value: no no-op writes */
            if (i == 9)
                delete_config_map(ns, name);
            else
                put_config_map(ns, name, value, NULL);
            changes++;
        }
        for (int i = 0; i < 300 && !faults_spent(); i++)
            usleep(10000);
        assert_true(faults_spent());
        wait_for(r, changes);
    }
    char want[128][96];
    int n = server_log(ns, rv, want, 128);
    assert_int_equal(n, changes);
    assert_int_equal(r->n, n);
    for (int i = 0; i < n; i++)
        assert_string_equal(r->lines[i], want[i]);
    char last[64];
    k8s_watcher_resource_version(w, last, sizeof last);
    assert_true(strcmp(last, strrchr(want[n - 1], ' ') + 1) >= 0 || strlen(last) > 0);
    print_message("  %d events over %u connections\n", r->n, k8s_watcher_connects(w));
    assert_true(k8s_watcher_connects(w) >= 4);
    k8s_watcher_free(w);
    assert_true(r->ended);
    assert_int_equal(r->code, K8S_ECANCELED);
    free_recorder(r);
    free(rv);
}

static void test_watcher_reconnects_after_server_timeout_and_stall(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("watch", ns, sizeof ns);
    char *rv = list_rv(ns);
    recorder *r = new_recorder();
    /* every connection lasts one second; the second one stalls (no answer)
     * and the idle timeout gives up on it */
    control("POST", "/_test/config", "{\"bookmarkIntervalMs\":100}");
    k8s_watcher_options wo = {.list = {.resourceVersion = rv, .timeoutSeconds = 1},
                              .on_event = on_typed, .on_end = on_end, .data = r,
                              .idle_timeout_ms = 700, .max_backoff_ms = 100};
    k8s_watcher *w;
    k8s_error err;
    CHECK_OK(k8s_watcher_start(client, &k8s_core_v1_config_map_resource, ns, &wo, &w));
    put_config_map(ns, "t1", "1", NULL);
    wait_for(r, 1);
    control("POST", "/_test/faults", "{\"path\":\"watch=true.*\",\"fault\":\"stall\"}");
    for (int i = 0; i < 400 && k8s_watcher_connects(w) < 3; i++)
        usleep(10000);
    assert_true(k8s_watcher_connects(w) >= 3); /* timeout, stall given up, connected again */
    put_config_map(ns, "t2", "2", NULL);
    wait_for(r, 2);
    assert_true(strncmp(r->lines[1], "ADDED t2 ", 9) == 0);
    control("POST", "/_test/config", "{\"bookmarkIntervalMs\":1000}");
    k8s_watcher_free(w);
    assert_int_equal(r->code, K8S_ECANCELED);
    free_recorder(r);
    free(rv);
}

static void test_cancel_at_every_stage(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("watch", ns, sizeof ns);
    k8s_error err;
    /* a single watch, by id, from this thread */
    recorder *r = new_recorder();
    k8s_call_id id = 0;
    k8s_list_options lo = {.call = {.id = &id}};
    CHECK_OK(k8s_watch_async(client, &k8s_core_v1_config_map_resource, ns, &lo, on_typed, on_end, r));
    put_config_map(ns, "c1", "1", NULL);
    wait_for(r, 1);
    CHECK_OK(k8s_cancel(client, id));
    wait_for(r, -1);
    assert_int_equal(r->code, K8S_ECANCELED);
    free_recorder(r);

    /* a watcher waiting out a backoff (every attempt fails with 500) */
    control("POST", "/_test/faults", "{\"path\":\"watch=true.*\",\"fault\":\"status-500\",\"times\":-1}");
    r = new_recorder();
    k8s_watcher_options wo = {.on_event = on_typed, .on_end = on_end, .data = r, .max_backoff_ms = 5000};
    k8s_watcher *w;
    CHECK_OK(k8s_watcher_start(client, &k8s_core_v1_config_map_resource, ns, &wo, &w));
    for (int i = 0; i < 200 && k8s_watcher_connects(w) < 3; i++)
        usleep(10000);
    assert_true(k8s_watcher_connects(w) >= 3);
    assert_false(r->ended); /* 500s are retried */
    k8s_watcher_free(w);
    assert_int_equal(r->code, K8S_ECANCELED);
    free_recorder(r);
    control("DELETE", "/_test/faults", NULL);

    /* stop before it ever connected, then free */
    r = new_recorder();
    wo.data = r;
    CHECK_OK(k8s_watcher_start(client, &k8s_core_v1_config_map_resource, ns, &wo, &w));
    k8s_watcher_stop(w);
    k8s_watcher_stop(w); /* twice is fine */
    k8s_watcher_free(w);
    assert_true(r->ended);
    assert_int_equal(r->code, K8S_ECANCELED);
    free_recorder(r);

    /* the client goes first: the watcher ends with it */
    k8s_client *c2;
    CHECK_OK(k8s_client_new(&c2, cfg, NULL, &err));
    r = new_recorder();
    wo.data = r;
    CHECK_OK(k8s_watcher_start(c2, &k8s_core_v1_config_map_resource, ns, &wo, &w));
    put_config_map(ns, "c2", "2", NULL);
    wait_for(r, 1);
    k8s_watcher_stop(w);
    k8s_client_free(c2);
    assert_true(r->ended);
    assert_int_equal(r->code, K8S_ECANCELED);
    k8s_watcher_free(w);
    free_recorder(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decoder_any_split),
        cmocka_unit_test(test_decoder_bad_input),
        cmocka_unit_test(test_decoder_error_event),
        cmocka_unit_test(test_typed_watch_events_in_order),
        cmocka_unit_test(test_replayed_events_cut_across_chunks),
        cmocka_unit_test(test_dynamic_watch_and_bookmarks),
        cmocka_unit_test(test_expired_version_is_gone),
        cmocka_unit_test(test_blocking_watch_status),
        cmocka_unit_test(test_streaming_list),
        cmocka_unit_test(test_watcher_resumes_without_loss_or_repeats),
        cmocka_unit_test(test_watcher_reconnects_after_server_timeout_and_stall),
        cmocka_unit_test(test_cancel_at_every_stage),
    };
    return test_run(tests, fixture_setup, fixture_teardown);
}
