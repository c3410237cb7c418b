/* Pod logs as a stream (k8s/logs.h) against the bundled test API server
 * (TLS, HTTP/2): whole logs byte for byte, followed logs whose lines
 * arrive while the stream is open, the query options as the server
 * applies them, error replies as typed errors, the silence timeout,
 * cancellation by id and by freeing the client, and the waiting form. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client_internal.h" /* k8s_code_for_http */
#include "k8s/client.h"
#include "k8s/config.h"
#include "k8s/logs.h"
#include "k8s/values.h"
#include "fixture.h"
#include "testutil.h"

#define WAIT_MS 20000

/* ---- fixtures ---- */

static k8s_client *make_client(void)
{
    k8s_client *cl = NULL;
    k8s_error err;
    if (k8s_client_new(&cl, cfg, NULL, &err) != K8S_OK)
        fail_msg("client: %s", err.message);
    return cl;
}

/* lines: a JSON array's inside ("\"a\",\"b\""); container NULL: the first */
static void append(const char *pod, const char *container, const char *lines, bool end)
{
    char body[1024], c[128] = "";
    if (container)
        snprintf(c, sizeof c, ",\"container\":\"%s\"", container);
    snprintf(body, sizeof body, "{\"namespace\":\"default\",\"pod\":\"%s\"%s,\"lines\":[%s]%s}", pod, c, lines,
             end ? ",\"end\":true" : "");
    assert_int_equal(test_server_control(&srv, "POST", "/_test/logs", body, NULL), 200);
}


static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void deadline(struct timespec *t, int ms)
{
    clock_gettime(CLOCK_REALTIME, t);
    t->tv_sec += ms / 1000;
    t->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

/* ---- what a stream delivered ---- */

typedef struct seen {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    char text[8192];
    size_t len;
    int chunks;
    int ends;           /* on_end calls: exactly one */
    int chunks_at_end;  /* on_data after on_end would show here */
    bool result_null;
    k8s_code code;
    int http_status;
    char reason[64];    /* err->status->reason, copied while it is valid */
    char message[256];
    /* from a callback on the loop thread: the waiting form's answer there */
    k8s_code nested_rc;
    char nested_msg[256];
    bool try_nested;
} seen;

static void seen_init(seen *s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cond, NULL);
    s->code = (k8s_code)-1;
    s->nested_rc = (k8s_code)-1;
}

static void seen_destroy(seen *s)
{
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cond);
}

static void ignore(void *data, const char *bytes, size_t len)
{
    (void)data;
    (void)bytes;
    (void)len;
}

static void on_data(void *data, const char *bytes, size_t len)
{
    seen *s = data;
    if (s->try_nested) { /* on the loop thread: the waiting form must refuse */
        k8s_error e;
        s->nested_rc = k8s_pod_log_stream(client, NULL, "whatever", NULL, ignore, NULL, NULL, &e);
        snprintf(s->nested_msg, sizeof s->nested_msg, "%s", e.message);
        s->try_nested = false;
    }
    pthread_mutex_lock(&s->mu);
    if (s->len + len < sizeof s->text) {
        memcpy(s->text + s->len, bytes, len);
        s->len += len;
        s->text[s->len] = '\0';
    }
    s->chunks++;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mu);
}

static void on_end(void *data, k8s_code code, void *result, const k8s_error *err)
{
    seen *s = data;
    pthread_mutex_lock(&s->mu);
    s->ends++;
    s->chunks_at_end = s->chunks;
    s->result_null = result == NULL;
    s->code = code;
    s->http_status = err ? err->http_status : -1;
    if (err && err->status && err->status->reason)
        snprintf(s->reason, sizeof s->reason, "%s", err->status->reason);
    snprintf(s->message, sizeof s->message, "%s", err ? err->message : "");
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mu);
}

/* Waits until the text ends with `tail` (what was appended last). */
static void wait_text(seen *s, const char *tail)
{
    struct timespec t;
    deadline(&t, WAIT_MS);
    size_t n = strlen(tail);
    pthread_mutex_lock(&s->mu);
    while (!(s->len >= n && memcmp(s->text + s->len - n, tail, n) == 0) && !s->ends)
        if (pthread_cond_timedwait(&s->cond, &s->mu, &t))
            break;
    bool ok = s->len >= n && memcmp(s->text + s->len - n, tail, n) == 0;
    bool ended = s->ends > 0;
    char got[256];
    snprintf(got, sizeof got, "%.200s", s->text);
    pthread_mutex_unlock(&s->mu);
    if (!ok)
        fail_msg("waited for \"%s\", have \"%s\" (%s)", tail, got, ended ? "ended" : "timed out");
    if (ended)
        fail_msg("the stream ended before the test ended it (%s)", s->message);
}

static void wait_end(seen *s)
{
    struct timespec t;
    deadline(&t, WAIT_MS);
    pthread_mutex_lock(&s->mu);
    while (!s->ends)
        if (pthread_cond_timedwait(&s->cond, &s->mu, &t))
            break;
    int ends = s->ends;
    pthread_mutex_unlock(&s->mu);
    if (!ends)
        fail_msg("the stream did not end; have \"%s\"", s->text);
}

/* Reads a log whole through the stream (waits for the end). */
static k8s_code read_log(seen *s, const char *pod, const k8s_log_options *o)
{
    seen_init(s);
    assert_int_equal(k8s_pod_log_stream_async(client, "default", pod, o, on_data, on_end, s), K8S_OK);
    wait_end(s);
    assert_int_equal(s->ends, 1);
    assert_true(s->result_null);
    return s->code;
}

/* ---- (a) a whole log ---- */

static void test_read_whole(void **state)
{
    (void)state;
    need_server();
    create_pod("whole", "c", true);
    append("whole", NULL, "\"alpha\",\"beta beta\",\"\",\"gamma\\tdelta \\u00e9\"", false);
    seen s;
    assert_int_equal(read_log(&s, "whole", NULL), K8S_OK);
    assert_string_equal(s.text, "alpha\nbeta beta\n\ngamma\tdelta \xc3\xa9\n");
    assert_int_equal(s.len, strlen("alpha\nbeta beta\n\ngamma\tdelta \xc3\xa9\n"));
    seen_destroy(&s);

    /* the same through the namespace the client defaults to */
    seen_init(&s);
    assert_int_equal(k8s_pod_log_stream_async(client, NULL, "whole", NULL, on_data, on_end, &s), K8S_OK);
    wait_end(&s);
    assert_int_equal(s.code, K8S_OK);
    assert_string_equal(s.text, "alpha\nbeta beta\n\ngamma\tdelta \xc3\xa9\n");
    seen_destroy(&s);

    /* a pod never scheduled and without logs: 204, no bytes, still the end */
    create_pod("unscheduled", "c", false);
    assert_int_equal(read_log(&s, "unscheduled", NULL), K8S_OK);
    assert_int_equal(s.chunks, 0);
    assert_int_equal(s.len, 0);
    seen_destroy(&s);
}

/* ---- (b) following ---- */

static void test_follow_live(void **state)
{
    (void)state;
    need_server();
    create_pod("follow", "c", true);
    append("follow", NULL, "\"before\"", false);
    seen s;
    seen_init(&s);
    k8s_log_options o = {.follow = true};
    assert_int_equal(k8s_pod_log_stream_async(client, "default", "follow", &o, on_data, on_end, &s), K8S_OK);
    wait_text(&s, "before\n");
    int chunks = s.chunks;
    /* each batch is seen while the stream is still open, before the next */
    append("follow", NULL, "\"one\",\"two\"", false);
    wait_text(&s, "before\none\ntwo\n");
    assert_true(s.chunks > chunks);
    chunks = s.chunks;
    append("follow", NULL, "\"three\"", false);
    wait_text(&s, "three\n");
    assert_true(s.chunks > chunks);
    usleep(200 * 1000); /* nothing more comes on its own */
    pthread_mutex_lock(&s.mu);
    assert_int_equal(s.ends, 0);
    pthread_mutex_unlock(&s.mu);
    append("follow", NULL, "\"last\"", true); /* the container stops */
    wait_end(&s);
    assert_int_equal(s.code, K8S_OK);
    assert_true(s.result_null);
    assert_string_equal(s.text, "before\none\ntwo\nthree\nlast\n");
    assert_true(s.chunks >= 4);
    seen_destroy(&s);

    /* a stopped container: following returns what there is and ends */
    seen_init(&s);
    assert_int_equal(k8s_pod_log_stream_async(client, "default", "follow", &o, on_data, on_end, &s), K8S_OK);
    wait_end(&s);
    assert_int_equal(s.code, K8S_OK);
    assert_string_equal(s.text, "before\none\ntwo\nthree\nlast\n");
    seen_destroy(&s);
}

static void test_follow_pod_deleted(void **state)
{
    (void)state;
    need_server();
    create_pod("doomed", "c", true);
    seen s;
    seen_init(&s);
    k8s_log_options o = {.follow = true};
    assert_int_equal(k8s_pod_log_stream_async(client, "default", "doomed", &o, on_data, on_end, &s), K8S_OK);
    usleep(100 * 1000); /* the follower is in place before the first line */
    append("doomed", NULL, "\"last words\"", false);
    wait_text(&s, "last words\n");
    k8s_arena *a = k8s_arena_new();
    char *reply;
    k8s_error err;
    assert_int_equal(k8s_request(client, a, "DELETE", "/api/v1/namespaces/default/pods/doomed", NULL, NULL, &reply, &err),
                     K8S_OK);
    k8s_arena_free(a);
    wait_end(&s);
    assert_int_equal(s.code, K8S_OK);
    assert_string_equal(s.text, "last words\n");
    seen_destroy(&s);
}

/* ---- (c) options ---- */

static void test_options(void **state)
{
    (void)state;
    need_server();
    create_pod("multi", "a,b", true);
    append("multi", "a", "\"a1\",\"a2\",\"a3\"", false);
    append("multi", "b", "\"b1\"", false);
    seen s;

    assert_int_equal(read_log(&s, "multi", &(k8s_log_options){.container = "a"}), K8S_OK);
    assert_string_equal(s.text, "a1\na2\na3\n");
    seen_destroy(&s);
    assert_int_equal(read_log(&s, "multi", &(k8s_log_options){.container = "b"}), K8S_OK);
    assert_string_equal(s.text, "b1\n");
    seen_destroy(&s);

    assert_int_equal(read_log(&s, "multi", &(k8s_log_options){.container = "a", .has_tailLines = true, .tailLines = 2}),
                     K8S_OK);
    assert_string_equal(s.text, "a2\na3\n");
    seen_destroy(&s);
    /* tailLines=0 is a value (has_), not "unset" */
    assert_int_equal(read_log(&s, "multi", &(k8s_log_options){.container = "a", .has_tailLines = true}), K8S_OK);
    assert_int_equal(s.len, 0);
    seen_destroy(&s);

    assert_int_equal(read_log(&s, "multi", &(k8s_log_options){.container = "a", .limitBytes = 4}), K8S_OK);
    assert_string_equal(s.text, "a1\na");
    seen_destroy(&s);

    /* timestamps: "RFC3339Nano text" per line, the time of the append */
    k8s_time before, after;
    assert_int_equal(k8s_time_now(&before), K8S_OK);
    append("multi", "b", "\"b2\"", false);
    assert_int_equal(k8s_time_now(&after), K8S_OK);
    assert_int_equal(read_log(&s, "multi", &(k8s_log_options){.container = "b", .timestamps = true}), K8S_OK);
    char *nl = strchr(s.text, '\n');
    assert_non_null(nl);
    char *second = nl + 1, *sp = strchr(second, ' ');
    assert_non_null(sp);
    assert_string_equal(sp, " b2\n");
    assert_int_equal(sp - second, 30); /* 2006-01-02T15:04:05.000000000Z */
    assert_int_equal(second[29], 'Z');
    assert_int_equal(second[19], '.');
    *sp = '\0';
    k8s_time t;
    k8s_error err;
    if (k8s_time_parse(second, &t, &err) != K8S_OK)
        fail_msg("timestamp \"%s\": %s", second, err.message);
    assert_true(t.seconds >= before.seconds - 1 && t.seconds <= after.seconds + 1);
    assert_memory_equal(s.text + 30, " b1\n", 4);
    seen_destroy(&s);

    /* sinceSeconds: only what is younger */
    create_pod("since", "c", true);
    append("since", NULL, "\"old\"", false);
    usleep(1500 * 1000);
    append("since", NULL, "\"new\"", false);
    assert_int_equal(read_log(&s, "since", &(k8s_log_options){.sinceSeconds = 1}), K8S_OK);
    assert_string_equal(s.text, "new\n");
    seen_destroy(&s);
    assert_int_equal(read_log(&s, "since", &(k8s_log_options){.sinceSeconds = 60}), K8S_OK);
    assert_string_equal(s.text, "old\nnew\n");
    seen_destroy(&s);

    /* options hold while following: the tail, then what comes */
    seen_init(&s);
    k8s_log_options f = {.container = "a", .follow = true, .has_tailLines = true, .tailLines = 1};
    assert_int_equal(k8s_pod_log_stream_async(client, "default", "multi", &f, on_data, on_end, &s), K8S_OK);
    wait_text(&s, "a3\n");
    append("multi", "b", "\"not mine\"", false);
    append("multi", "a", "\"a4\"", false);
    wait_text(&s, "a4\n");
    append("multi", "a", "", true);
    wait_end(&s);
    assert_int_equal(s.code, K8S_OK);
    assert_string_equal(s.text, "a3\na4\n");
    seen_destroy(&s);
}

/* ---- (d) error replies ---- */

static void test_errors(void **state)
{
    (void)state;
    need_server();
    seen s;
    assert_int_equal(read_log(&s, "no-such-pod", &(k8s_log_options){.follow = true}), K8S_ENOTFOUND);
    assert_int_equal(s.http_status, 404);
    assert_string_equal(s.reason, "NotFound");
    assert_string_equal(s.message, "pods \"no-such-pod\" not found");
    assert_int_equal(s.chunks, 0); /* the error's body is not log */
    seen_destroy(&s);

    create_pod("pair", "x,y", true);
    append("pair", "x", "\"hidden\"", false);
    assert_int_equal(k8s_code_for_http(400), K8S_EHTTP);
    assert_int_equal(read_log(&s, "pair", &(k8s_log_options){.follow = true}), K8S_EHTTP);
    assert_int_equal(s.http_status, 400);
    assert_string_equal(s.reason, "BadRequest");
    assert_string_equal(s.message, "a container name must be specified for pod pair, choose one of: [x y]");
    assert_int_equal(s.chunks, 0);
    seen_destroy(&s);

    assert_int_equal(read_log(&s, "pair", &(k8s_log_options){.container = "z"}), K8S_EHTTP);
    assert_int_equal(s.http_status, 400);
    assert_string_equal(s.reason, "BadRequest");
    assert_string_equal(s.message, "container z is not valid for pod pair");
    seen_destroy(&s);

    /* refused at once: no callback ever runs */
    seen_init(&s);
    assert_int_equal(k8s_pod_log_stream_async(client, "default", NULL, NULL, on_data, on_end, &s), K8S_EINVAL);
    assert_int_equal(k8s_pod_log_stream_async(client, "default", "", NULL, on_data, on_end, &s), K8S_EINVAL);
    assert_int_equal(k8s_pod_log_stream_async(client, "default", "pair", NULL, NULL, on_end, &s), K8S_EINVAL);
    assert_int_equal(k8s_pod_log_stream_async(client, "default", "pair", NULL, on_data, NULL, &s), K8S_EINVAL);
    assert_int_equal(k8s_pod_log_stream_async(NULL, "default", "pair", NULL, on_data, on_end, &s), K8S_EINVAL);
    usleep(100 * 1000);
    assert_int_equal(s.ends, 0);
    assert_int_equal(s.chunks, 0);
    seen_destroy(&s);
}

/* call.timeout_ms bounds the silence of a follow, not its length */
static void test_silence_timeout(void **state)
{
    (void)state;
    need_server();
    create_pod("quiet", "c", true);
    append("quiet", NULL, "\"hello\"", false);
    seen s;
    seen_init(&s);
    k8s_log_options o = {.call.timeout_ms = 1000, .follow = true};
    double t0 = now_s();
    assert_int_equal(k8s_pod_log_stream_async(client, "default", "quiet", &o, on_data, on_end, &s), K8S_OK);
    wait_text(&s, "hello\n");
    for (int i = 0; i < 4; i++) { /* 2 s of lines every 0.5 s keep it open */
        usleep(500 * 1000);
        append("quiet", NULL, "\"tick\"", false);
    }
    wait_text(&s, "tick\n");
    double t1 = now_s();
    assert_true(t1 - t0 >= 2.0);
    wait_end(&s);
    double t2 = now_s();
    assert_int_equal(s.code, K8S_ETIMEDOUT);
    assert_string_equal(s.text, "hello\ntick\ntick\ntick\ntick\n");
    assert_true(t2 - t1 >= 0.5 && t2 - t1 < 10.0);
    seen_destroy(&s);
}

/* ---- (e) cancelling ---- */

typedef struct canceler {
    k8s_client *client;
    k8s_call_id id;
    k8s_code rc;
} canceler;

static void *cancel_thread(void *data)
{
    canceler *c = data;
    c->rc = k8s_cancel(c->client, c->id);
    return NULL;
}

static void test_cancel(void **state)
{
    (void)state;
    need_server();
    create_pod("cancel", "c", true);
    append("cancel", NULL, "\"first\"", false);
    seen s;
    seen_init(&s);
    k8s_call_id id = 0;
    k8s_log_options o = {.call.id = &id, .follow = true};
    assert_int_equal(k8s_pod_log_stream_async(client, "default", "cancel", &o, on_data, on_end, &s), K8S_OK);
    assert_true(id != 0);
    wait_text(&s, "first\n");
    append("cancel", NULL, "\"second\"", false);
    wait_text(&s, "first\nsecond\n");
    canceler c = {client, id, (k8s_code)-1};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, cancel_thread, &c), 0);
    pthread_join(th, NULL);
    assert_int_equal(c.rc, K8S_OK);
    wait_end(&s);
    assert_int_equal(s.code, K8S_ECANCELED);
    append("cancel", NULL, "\"unseen\"", false); /* nothing after the end */
    usleep(200 * 1000);
    assert_int_equal(s.ends, 1);
    assert_int_equal(s.chunks, s.chunks_at_end);
    assert_string_equal(s.text, "first\nsecond\n");
    assert_int_equal(k8s_cancel(client, id), K8S_OK); /* a finished id: nothing happens */
    usleep(50 * 1000);
    assert_int_equal(s.ends, 1);
    seen_destroy(&s);

    /* the client keeps working after the cancel */
    assert_int_equal(read_log(&s, "cancel", NULL), K8S_OK);
    assert_string_equal(s.text, "first\nsecond\nunseen\n");
    seen_destroy(&s);
}

static void test_client_free_ends_follow(void **state)
{
    (void)state;
    need_server();
    create_pod("orphan", "c", true);
    append("orphan", NULL, "\"only\"", false);
    k8s_client *own = make_client();
    seen s;
    seen_init(&s);
    k8s_log_options o = {.follow = true};
    assert_int_equal(k8s_pod_log_stream_async(own, "default", "orphan", &o, on_data, on_end, &s), K8S_OK);
    wait_text(&s, "only\n");
    k8s_client_free(own); /* on_end has run when this returns */
    assert_int_equal(s.ends, 1);
    assert_int_equal(s.code, K8S_ECANCELED);
    assert_string_equal(s.text, "only\n");
    seen_destroy(&s);
}

/* ---- (f) the waiting form ---- */

typedef struct follower {
    const char *pod;
    k8s_log_options opts;
    seen *seen;
    k8s_code rc;
    k8s_error err;
} follower;

static void *follow_thread(void *data)
{
    follower *f = data;
    f->rc = k8s_pod_log_stream(client, "default", f->pod, &f->opts, on_data, f->seen, NULL, &f->err);
    return NULL;
}

static void test_blocking(void **state)
{
    (void)state;
    need_server();
    create_pod("block", "c", true);
    append("block", NULL, "\"l1\",\"l2\"", false);
    seen s;
    k8s_error err;

    /* whole, on this (not the loop's) thread */
    seen_init(&s);
    assert_int_equal(k8s_pod_log_stream(client, "default", "block", NULL, on_data, &s, NULL, &err), K8S_OK);
    assert_int_equal(err.code, K8S_OK);
    assert_string_equal(s.text, "l1\nl2\n");
    assert_int_equal(s.ends, 0); /* the waiting form has no on_end of the caller's */
    seen_destroy(&s);

    /* following on a thread of its own until the container stops */
    seen_init(&s);
    follower f = {.pod = "block", .opts = {.follow = true}, .seen = &s, .rc = (k8s_code)-1};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, follow_thread, &f), 0);
    wait_text(&s, "l1\nl2\n");
    append("block", NULL, "\"l3\"", false);
    wait_text(&s, "l1\nl2\nl3\n");
    assert_int_equal(f.rc, (k8s_code)-1); /* still waiting */
    append("block", NULL, "", true);
    pthread_join(th, NULL);
    assert_int_equal(f.rc, K8S_OK);
    assert_string_equal(s.text, "l1\nl2\nl3\n");
    seen_destroy(&s);

    /* ... or until k8s_cancel from another thread */
    create_pod("block2", "c", true);
    append("block2", NULL, "\"m1\"", false);
    seen_init(&s);
    k8s_call_id id = 0;
    follower g = {.pod = "block2", .opts = {.call.id = &id, .follow = true}, .seen = &s, .rc = (k8s_code)-1};
    assert_int_equal(pthread_create(&th, NULL, follow_thread, &g), 0);
    wait_text(&s, "m1\n"); /* the id was set before the first byte could come */
    assert_true(id != 0);
    assert_int_equal(k8s_cancel(client, id), K8S_OK);
    pthread_join(th, NULL);
    assert_int_equal(g.rc, K8S_ECANCELED);
    assert_int_equal(g.err.code, K8S_ECANCELED);
    assert_string_equal(s.text, "m1\n");
    seen_destroy(&s);

    /* an error reply: code, HTTP status, the server's message, and its
     * Status copied into the arena given */
    seen_init(&s);
    k8s_arena *a = k8s_arena_new();
    assert_int_equal(k8s_pod_log_stream(client, "default", "gone-pod", NULL, on_data, &s, a, &err), K8S_ENOTFOUND);
    assert_int_equal(err.code, K8S_ENOTFOUND);
    assert_int_equal(err.http_status, 404);
    assert_string_equal(err.message, "pods \"gone-pod\" not found");
    assert_non_null(err.status);
    assert_string_equal(err.status->reason, "NotFound");
    assert_string_equal(err.status->details->name, "gone-pod");
    assert_string_equal(err.status->details->kind, "pods");
    assert_int_equal(k8s_pod_log_stream(client, "default", "block", &(k8s_log_options){.container = "nope"}, on_data, &s,
                                        a, &err),
                     K8S_EHTTP);
    assert_int_equal(err.http_status, 400);
    assert_string_equal(err.status->reason, "BadRequest");
    k8s_client *norights = fixture_client_as("norights", "    token: no-rights-token");
    assert_int_equal(k8s_pod_log_stream(norights, "default", "block", NULL, on_data, &s, a, &err), K8S_EFORBIDDEN);
    assert_string_equal(err.status->reason, "Forbidden");
    assert_non_null(strstr(err.status->message, "cannot get resource \"pods/log\""));
    fixture_client_free(norights);
    k8s_arena_free(a);
    /* no arena: no Status */
    assert_int_equal(k8s_pod_log_stream(client, "default", "gone-pod", NULL, on_data, &s, NULL, &err), K8S_ENOTFOUND);
    assert_null(err.status);
    assert_int_equal(s.chunks, 0);
    assert_int_equal(k8s_pod_log_stream(client, "default", "block", NULL, NULL, &s, NULL, &err), K8S_EINVAL);
    assert_int_equal(err.code, K8S_EINVAL);
    seen_destroy(&s);

    /* on the loop thread (from a callback) it refuses instead of hanging */
    seen_init(&s);
    s.try_nested = true;
    assert_int_equal(k8s_pod_log_stream_async(client, "default", "block", NULL, on_data, on_end, &s), K8S_OK);
    wait_end(&s);
    assert_int_equal(s.code, K8S_OK);
    assert_string_equal(s.text, "l1\nl2\nl3\n");
    assert_int_equal(s.nested_rc, K8S_EINVAL);
    assert_non_null(strstr(s.nested_msg, "loop's own thread"));
    seen_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_whole),
        cmocka_unit_test(test_follow_live),
        cmocka_unit_test(test_follow_pod_deleted),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_silence_timeout),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_client_free_ends_follow),
        cmocka_unit_test(test_blocking),
    };
    return test_run(tests, fixture_setup, fixture_teardown);
}
