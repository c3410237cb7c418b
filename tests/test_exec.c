/* exec, attach and port-forward over WebSocket against the bundled test
 * API server (TLS): byte-exact round trips, exit codes, stderr, resize,
 * stdin's end, the v4 fallback, refused upgrades as typed errors, a
 * corrupt frame, back-pressure, port-forward streams and the local
 * listener, and cancellation at every stage with exactly one exit/close. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "exec_internal.h"
#include "k8s/buf.h"
#include "k8s/client.h"
#include "k8s/config.h"
#include "k8s/exec.h"
#include "k8s/portforward.h"
#include "fixture.h"
#include "testutil.h"

#define WAIT_MS 60000
#define POD "p"

/* ---- fixtures ---- */

static k8s_config *load(const char *kubeconfig)
{
    k8s_config *c = NULL;
    k8s_error err;
    k8s_config_options o = {.kubeconfig = kubeconfig};
    if (k8s_config_load(&c, &o, &err) != K8S_OK)
        fail_msg("config %s: %s", kubeconfig, err.message);
    return c;
}

static k8s_client *make_client(const k8s_config *c)
{
    k8s_client *cl = NULL;
    k8s_error err;
    if (k8s_client_new(&cl, c, NULL, &err) != K8S_OK)
        fail_msg("client: %s", err.message);
    return cl;
}

static int setup(void **state)
{
    fixture_setup(state);
    if (client) {
        create_pod(POD, "c", true);
        create_pod("unbound", "c", false);
    }
    return 0;
}

static void fault(const char *json)
{
    assert_int_equal(test_server_control(&srv, "POST", "/_test/faults", json, NULL), 200);
}

static void clear_faults(void)
{
    test_server_control(&srv, "DELETE", "/_test/faults", NULL, NULL);
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

/* Bytes that are not a simple pattern (xorshift). */
static uint8_t *noise(size_t n, uint64_t seed)
{
    uint8_t *p = malloc(n);
    uint64_t x = seed | 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (uint8_t)(x >> 24);
    }
    return p;
}

/* ---- an exec session that records what happens ---- */

typedef struct sess {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    k8s_exec *exec;
    k8s_buf out, errout;
    char protocol[64];
    int opened, exits, writables;
    k8s_code code;
    int exit_status;
    k8s_error err;
    char reason[64];
} sess;

static void s_open(void *data, const char *protocol)
{
    sess *s = data;
    pthread_mutex_lock(&s->mu);
    s->opened++;
    snprintf(s->protocol, sizeof s->protocol, "%s", protocol ? protocol : "");
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mu);
}

static void s_output(void *data, int channel, const char *bytes, size_t len)
{
    sess *s = data;
    pthread_mutex_lock(&s->mu);
    k8s_buf_append(channel == K8S_EXEC_STDERR ? &s->errout : &s->out, bytes, len);
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mu);
}

static void s_writable(void *data)
{
    sess *s = data;
    pthread_mutex_lock(&s->mu);
    s->writables++;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mu);
}

static void s_exit(void *data, k8s_code code, int exit_status, const k8s_error *err)
{
    sess *s = data;
    pthread_mutex_lock(&s->mu);
    s->exits++;
    s->code = code;
    s->exit_status = exit_status;
    s->err = *err;
    s->err.status = NULL;
    if (err->status && err->status->reason)
        snprintf(s->reason, sizeof s->reason, "%s", err->status->reason);
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mu);
}

static void sess_init(sess *s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cond, NULL);
}

static void sess_done(sess *s)
{
    k8s_exec_free(s->exec);
    k8s_buf_free(&s->out);
    k8s_buf_free(&s->errout);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cond);
}

static const k8s_exec_handlers s_handlers = {s_open, s_output, s_writable, s_exit, NULL};

static k8s_exec_handlers handlers_for(sess *s)
{
    k8s_exec_handlers h = s_handlers;
    h.data = s;
    return h;
}

typedef bool (*sess_pred)(sess *s, const void *arg);

static bool wait_for(sess *s, sess_pred pred, const void *arg, int ms)
{
    struct timespec t;
    deadline(&t, ms);
    pthread_mutex_lock(&s->mu);
    bool ok;
    while (!(ok = pred(s, arg)))
        if (pthread_cond_timedwait(&s->cond, &s->mu, &t) == ETIMEDOUT) {
            ok = pred(s, arg);
            break;
        }
    pthread_mutex_unlock(&s->mu);
    return ok;
}

static bool exited(sess *s, const void *arg)
{
    (void)arg;
    return s->exits > 0;
}

static bool opened(sess *s, const void *arg)
{
    (void)arg;
    return s->opened > 0 || s->exits > 0;
}

static bool out_has(sess *s, const void *arg)
{
    const char *want = arg;
    return (s->out.data && memmem(s->out.data, s->out.len, want, strlen(want))) || s->exits > 0;
}

static bool out_len_at_least(sess *s, const void *arg)
{
    return s->out.len >= *(const size_t *)arg || s->exits > 0;
}

static bool got_writable(sess *s, const void *arg)
{
    return s->writables > *(const int *)arg || s->exits > 0;
}

static void wait_exit(sess *s)
{
    if (!wait_for(s, exited, NULL, WAIT_MS))
        fail_msg("no exit within %d ms", WAIT_MS);
}

/* Exactly one exit, even a while later. */
static void expect_one_exit(sess *s)
{
    usleep(50000);
    pthread_mutex_lock(&s->mu);
    int n = s->exits;
    pthread_mutex_unlock(&s->mu);
    assert_int_equal(n, 1);
}

static void start(sess *s, const char *const *argv, bool in, bool attach)
{
    sess_init(s);
    k8s_exec_options o = {.command = argv, .stdin_ = in, .stdout_ = true, .stderr_ = true};
    k8s_exec_handlers h = handlers_for(s);
    k8s_code rc = attach ? k8s_attach_start(client, "default", POD, &o, &h, &s->exec)
                         : k8s_exec_start(client, "default", POD, &o, &h, &s->exec);
    assert_int_equal(rc, K8S_OK);
}

/* ---- exec: output, exit codes ---- */

static void run_cmd(const char *const *argv, const void *in, size_t in_len, k8s_arena *a,
                    char **out, size_t *out_len, char **errout, size_t *err_len, int *status)
{
    k8s_exec_options o = {.command = argv};
    k8s_error err;
    k8s_code rc = k8s_exec_run(client, a, "default", POD, &o, in, in_len, out, out_len, errout,
                               err_len, status, &err);
    if (rc)
        fail_msg("%s: %s (%s)", argv[0], k8s_strerror(rc), err.message);
}

static void test_echo(void **state)
{
    (void)state;
    need_server();
    k8s_arena *a = k8s_arena_new();
    char *out, *errout;
    size_t out_len, err_len;
    int status = -1;
    run_cmd((const char *[]){"echo", "hello", "world", NULL}, NULL, 0, a, &out, &out_len, &errout,
            &err_len, &status);
    assert_string_equal(out, "hello world\n");
    assert_int_equal(out_len, 12);
    assert_int_equal(err_len, 0);
    assert_int_equal(status, 0);
    run_cmd((const char *[]){"sh", "-c", "echo -n 'two words'", NULL}, NULL, 0, a, &out, &out_len,
            NULL, NULL, &status);
    assert_string_equal(out, "two words");
    k8s_arena_free(a);
}

static void test_exit_codes(void **state)
{
    (void)state;
    need_server();
    k8s_arena *a = k8s_arena_new();
    char *out, *errout;
    int status = -1;
    run_cmd((const char *[]){"true", NULL}, NULL, 0, a, &out, NULL, NULL, NULL, &status);
    assert_int_equal(status, 0);
    run_cmd((const char *[]){"false", NULL}, NULL, 0, a, &out, NULL, NULL, NULL, &status);
    assert_int_equal(status, 1);
    run_cmd((const char *[]){"exit", "42", NULL}, NULL, 0, a, &out, NULL, NULL, NULL, &status);
    assert_int_equal(status, 42);
    run_cmd((const char *[]){"exit", "255", NULL}, NULL, 0, a, &out, NULL, NULL, NULL, &status);
    assert_int_equal(status, 255);
    run_cmd((const char *[]){"no-such-command", NULL}, NULL, 0, a, &out, NULL, &errout, NULL,
            &status);
    assert_int_equal(status, 127);
    assert_non_null(strstr(errout, "executable file not found"));
    k8s_arena_free(a);
}

static void test_stderr(void **state)
{
    (void)state;
    need_server();
    k8s_arena *a = k8s_arena_new();
    char *out, *errout;
    size_t out_len, err_len;
    int status = -1;
    run_cmd((const char *[]){"stderr", "something", "failed", NULL}, NULL, 0, a, &out, &out_len,
            &errout, &err_len, &status);
    assert_int_equal(out_len, 0);
    assert_string_equal(errout, "something failed\n");
    assert_int_equal(status, 0);
    k8s_arena_free(a);
}

static void test_binary_round_trip(void **state)
{
    (void)state;
    need_server();
    k8s_arena *a = k8s_arena_new();
    uint8_t all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    char *out;
    size_t out_len;
    int status = -1;
    run_cmd((const char *[]){"cat", NULL}, all, sizeof all, a, &out, &out_len, NULL, NULL, &status);
    assert_int_equal(out_len, 256);
    assert_memory_equal(out, all, 256);
    assert_int_equal(status, 0);

    size_t n = 3 * 1024 * 1024 + 17;
    uint8_t *big = noise(n, 42);
    double t0 = now_s();
    run_cmd((const char *[]){"binary-echo", NULL}, big, n, a, &out, &out_len, NULL, NULL, &status);
    print_message("exec: %zu bytes through binary-echo in %.2f s\n", n, now_s() - t0);
    assert_int_equal(out_len, n);
    assert_memory_equal(out, big, n);
    free(big);

    run_cmd((const char *[]){"bytes", "1000000", NULL}, NULL, 0, a, &out, &out_len, NULL, NULL,
            &status);
    assert_int_equal(out_len, 1000000);
    for (size_t i = 0; i < out_len; i++)
        if ((uint8_t)out[i] != (uint8_t)(i & 255))
            fail_msg("byte %zu is %u", i, (unsigned)(uint8_t)out[i]);
    k8s_arena_free(a);
}

/* ---- exec: sessions ---- */

static void test_close_stdin(void **state)
{
    (void)state;
    need_server();
    sess s;
    start(&s, (const char *[]){"cat", NULL}, true, false);
    assert_int_equal(k8s_exec_write(s.exec, "abc", 3), K8S_OK); /* before the upgrade: kept */
    assert_true(wait_for(&s, opened, NULL, WAIT_MS));
    assert_string_equal(s.protocol, "v5.channel.k8s.io");
    assert_int_equal(k8s_exec_write(s.exec, "def\n", 4), K8S_OK);
    assert_true(wait_for(&s, out_has, "abcdef\n", WAIT_MS));
    assert_int_equal(k8s_exec_close_stdin(s.exec), K8S_OK);
    assert_int_equal(k8s_exec_write(s.exec, "x", 1), K8S_ECLOSED);
    assert_int_equal(k8s_exec_close_stdin(s.exec), K8S_ECLOSED);
    wait_exit(&s);
    assert_int_equal(s.code, K8S_OK);
    assert_int_equal(s.exit_status, 0);
    assert_int_equal(s.out.len, 7);
    expect_one_exit(&s);
    assert_int_equal(k8s_exec_write(s.exec, "x", 1), K8S_ECLOSED); /* after the end, before free */
    k8s_exec_stop(s.exec);                                       /* a no-op now */
    sess_done(&s);
}

static void test_resize(void **state)
{
    (void)state;
    need_server();
    sess s;
    sess_init(&s);
    k8s_exec_options o = {.command = (const char *[]){"resize-echo", NULL},
                          .stdin_ = true,
                          .stdout_ = true,
                          .tty = true};
    k8s_exec_handlers h = handlers_for(&s);
    assert_int_equal(k8s_exec_start(client, NULL, POD, &o, &h, &s.exec), K8S_OK);
    assert_int_equal(k8s_exec_resize(s.exec, 80, 24), K8S_OK);
    assert_int_equal(k8s_exec_resize(s.exec, 132, 43), K8S_OK);
    assert_true(wait_for(&s, out_has, "{\"Width\":132,\"Height\":43}", WAIT_MS));
    assert_non_null(memmem(s.out.data, s.out.len, "{\"Width\":80,\"Height\":24}\n", 25));
    assert_int_equal(k8s_exec_close_stdin(s.exec), K8S_OK);
    wait_exit(&s);
    assert_int_equal(s.code, K8S_OK);
    assert_int_equal(s.exit_status, 0);
    sess_done(&s);
}

static void test_back_pressure(void **state)
{
    (void)state;
    need_server();
    sess s;
    sess_init(&s);
    k8s_exec_options o = {.command = (const char *[]){"cat", NULL},
                          .stdin_ = true,
                          .stdout_ = true,
                          .max_unsent = 1000};
    k8s_exec_handlers h = handlers_for(&s);
    assert_int_equal(k8s_exec_start(client, NULL, POD, &o, &h, &s.exec), K8S_OK);
    uint8_t *data = noise(300000, 7);
    /* a write that finds room is taken whole; the next one waits */
    assert_int_equal(k8s_exec_write(s.exec, data, 2000), K8S_OK);
    assert_int_equal(k8s_exec_write(s.exec, data + 2000, 10), K8S_EFULL);
    size_t sent = 2000;
    while (sent < 300000) {
        pthread_mutex_lock(&s.mu);
        int seen = s.writables;
        pthread_mutex_unlock(&s.mu);
        size_t m = 300000 - sent < 700 ? 300000 - sent : 700;
        k8s_code rc = k8s_exec_write(s.exec, data + sent, m);
        if (rc == K8S_OK)
            sent += m;
        else if (rc == K8S_EFULL)
            assert_true(wait_for(&s, got_writable, &seen, WAIT_MS));
        else
            fail_msg("write: %s", k8s_strerror(rc));
    }
    size_t want = 300000;
    assert_true(wait_for(&s, out_len_at_least, &want, WAIT_MS));
    assert_int_equal(k8s_exec_close_stdin(s.exec), K8S_OK);
    wait_exit(&s);
    assert_int_equal(s.code, K8S_OK);
    assert_int_equal(s.out.len, 300000);
    assert_memory_equal(s.out.data, data, 300000);
    assert_true(s.writables > 0);
    free(data);
    sess_done(&s);
}

static void test_attach(void **state)
{
    (void)state;
    need_server();
    sess s;
    start(&s, NULL, true, true);
    assert_true(wait_for(&s, opened, NULL, WAIT_MS));
    assert_int_equal(k8s_exec_write(s.exec, "typed\n", 6), K8S_OK);
    assert_true(wait_for(&s, out_has, "typed\n", WAIT_MS));
    assert_int_equal(test_server_control(&srv, "POST", "/_test/logs",
                                         "{\"namespace\":\"default\",\"pod\":\"" POD
                                         "\",\"lines\":[\"from the log\"]}",
                                         NULL),
                     200);
    assert_true(wait_for(&s, out_has, "from the log\n", WAIT_MS));
    assert_int_equal(k8s_exec_close_stdin(s.exec), K8S_OK);
    wait_exit(&s);
    assert_int_equal(s.code, K8S_OK);
    assert_int_equal(s.exit_status, 0);
    sess_done(&s);
}

static void test_v4_fallback(void **state)
{
    (void)state;
    need_server();
    static const char *const v4[] = {"v4.channel.k8s.io", NULL};
    k8s_exec_options o = {.command = (const char *[]){"echo", "over", "v4", NULL}, .stdout_ = true};
    sess s;
    sess_init(&s);
    k8s_exec_handlers h = handlers_for(&s);
    assert_int_equal(k8s_exec_start_with(client, "default", POD, false, &o, &h, v4, &s.exec),
                     K8S_OK);
    wait_exit(&s);
    assert_string_equal(s.protocol, "v4.channel.k8s.io");
    assert_int_equal(s.code, K8S_OK);
    assert_int_equal(s.exit_status, 0);
    assert_int_equal(s.out.len, 8);
    assert_memory_equal(s.out.data, "over v4\n", 8);
    sess_done(&s);

    o.command = (const char *[]){"exit", "7", NULL};
    sess_init(&s);
    h = handlers_for(&s);
    assert_int_equal(k8s_exec_start_with(client, "default", POD, false, &o, &h, v4, &s.exec),
                     K8S_OK);
    wait_exit(&s);
    assert_int_equal(s.code, K8S_OK);
    assert_int_equal(s.exit_status, 7);
    sess_done(&s);

    /* v4 cannot end stdin: the process keeps waiting until canceled */
    o.command = (const char *[]){"cat", NULL};
    o.stdin_ = true;
    sess_init(&s);
    h = handlers_for(&s);
    assert_int_equal(k8s_exec_start_with(client, "default", POD, false, &o, &h, v4, &s.exec),
                     K8S_OK);
    assert_int_equal(k8s_exec_write(s.exec, "v4 data", 7), K8S_OK);
    assert_true(wait_for(&s, out_has, "v4 data", WAIT_MS));
    assert_int_equal(k8s_exec_close_stdin(s.exec), K8S_OK);
    assert_false(wait_for(&s, exited, NULL, 300));
    k8s_exec_stop(s.exec);
    wait_exit(&s);
    assert_int_equal(s.code, K8S_ECANCELED);
    assert_int_equal(s.exit_status, -1);
    expect_one_exit(&s);
    sess_done(&s);
}

/* ---- refused upgrades, broken frames ---- */

static void expect_refusal(k8s_client *c, const char *pod, k8s_code want, int http,
                           const char *reason, const char *text)
{
    sess s;
    sess_init(&s);
    k8s_exec_options o = {.command = (const char *[]){"true", NULL}, .stdout_ = true};
    k8s_exec_handlers h = handlers_for(&s);
    assert_int_equal(k8s_exec_start(c, "default", pod, &o, &h, &s.exec), K8S_OK);
    wait_exit(&s);
    if (s.code != want)
        fail_msg("%s: got %s (%s)", pod, k8s_strerror(s.code), s.err.message);
    assert_int_equal(s.err.http_status, http);
    assert_int_equal(s.exit_status, -1);
    assert_int_equal(s.opened, 0);
    if (reason)
        assert_string_equal(s.reason, reason);
    if (text && !strstr(s.err.message, text))
        fail_msg("message: %s", s.err.message);
    expect_one_exit(&s);
    sess_done(&s);
}

static void test_refused(void **state)
{
    (void)state;
    need_server();
    expect_refusal(client, "missing", K8S_ENOTFOUND, 404, "NotFound", "pods \"missing\" not found");
    expect_refusal(client, "unbound", K8S_EHTTP, 400, "BadRequest",
                   "does not have a host assigned");
    k8s_config *nc = load(test_server_kubeconfig(&srv, "norights", "    token: no-rights-token"));
    k8s_client *c = make_client(nc);
    expect_refusal(c, POD, K8S_EFORBIDDEN, 403, "Forbidden",
                   "cannot create resource \"pods/exec\"");
    k8s_client_free(c);
    k8s_config_free(nc);

    /* the synchronous call: the Status lands in the caller's arena */
    k8s_arena *a = k8s_arena_new();
    k8s_exec_options o = {.command = (const char *[]){"true", NULL}};
    char *out;
    int status = 99;
    k8s_error err;
    assert_int_equal(k8s_exec_run(client, a, "default", "missing", &o, NULL, 0, &out, NULL, NULL,
                                  NULL, &status, &err),
                     K8S_ENOTFOUND);
    assert_non_null(err.status);
    assert_string_equal(err.status->reason, "NotFound");
    assert_int_equal(status, 99);
    k8s_arena_free(a);

    /* missing arguments are refused at once, and exit never runs */
    sess s;
    sess_init(&s);
    k8s_exec_handlers h = handlers_for(&s);
    k8s_exec_options none = {.command = (const char *[]){"true", NULL}};
    assert_int_equal(k8s_exec_start(client, NULL, POD, &none, &h, &s.exec), K8S_EINVAL);
    assert_null(s.exec);
    k8s_exec_options nocmd = {.stdout_ = true};
    assert_int_equal(k8s_exec_start(client, NULL, POD, &nocmd, &h, &s.exec), K8S_EINVAL);
    assert_int_equal(s.exits, 0);
    sess_done(&s);
}

static void test_corrupt_frame(void **state)
{
    (void)state;
    need_server();
    fault("{\"path\":\"/pods/" POD "/exec\",\"fault\":\"corrupt-frame\"}");
    sess s;
    start(&s, (const char *[]){"sleep", "5", NULL}, false, false);
    wait_exit(&s);
    clear_faults();
    if (s.code != K8S_EBADREPLY)
        fail_msg("got %s (%s)", k8s_strerror(s.code), s.err.message);
    assert_non_null(strstr(s.err.message, "malformed WebSocket frame"));
    expect_one_exit(&s);
    sess_done(&s);
}

static void test_closed_during_upgrade(void **state)
{
    (void)state;
    need_server();
    fault("{\"path\":\"/pods/" POD "/exec\",\"fault\":\"close\"}");
    sess s;
    start(&s, (const char *[]){"true", NULL}, false, false);
    wait_exit(&s);
    clear_faults();
    if (s.code != K8S_ETRANSPORT)
        fail_msg("got %s (%s)", k8s_strerror(s.code), s.err.message);
    sess_done(&s);
}

/* ---- cancellation ---- */

static void test_cancel_connecting(void **state)
{
    (void)state;
    need_server();
    for (int i = 0; i < 5; i++) {
        sess s;
        start(&s, (const char *[]){"cat", NULL}, true, false);
        k8s_exec_write(s.exec, "x", 1);
        k8s_exec_stop(s.exec); /* the connect is still on a worker */
        k8s_exec_stop(s.exec);
        wait_exit(&s);
        assert_int_equal(s.code, K8S_ECANCELED);
        assert_int_equal(s.opened, 0);
        expect_one_exit(&s);
        sess_done(&s);
    }
}

static void test_cancel_upgrading(void **state)
{
    (void)state;
    need_server();
    fault("{\"path\":\"/pods/" POD "/exec\",\"fault\":\"stall\"}");
    sess s;
    start(&s, (const char *[]){"cat", NULL}, true, false);
    assert_false(wait_for(&s, opened, NULL, 300)); /* the server never answers */
    k8s_exec_stop(s.exec);
    wait_exit(&s);
    assert_int_equal(s.code, K8S_ECANCELED);
    assert_int_equal(s.opened, 0);
    expect_one_exit(&s);
    sess_done(&s);

    /* and the upgrade's own deadline */
    fault("{\"path\":\"/pods/" POD "/exec\",\"fault\":\"stall\"}");
    sess_init(&s);
    k8s_exec_options o = {
        .command = (const char *[]){"true", NULL}, .stdout_ = true, .timeout_ms = 400};
    k8s_exec_handlers h = handlers_for(&s);
    assert_int_equal(k8s_exec_start(client, NULL, POD, &o, &h, &s.exec), K8S_OK);
    wait_exit(&s);
    clear_faults();
    assert_int_equal(s.code, K8S_ETIMEDOUT);
    expect_one_exit(&s);
    sess_done(&s);
}

static void test_cancel_streaming(void **state)
{
    (void)state;
    need_server();
    sess s;
    start(&s, (const char *[]){"cat", NULL}, true, false);
    assert_int_equal(k8s_exec_write(s.exec, "ping", 4), K8S_OK);
    assert_true(wait_for(&s, out_has, "ping", WAIT_MS));
    k8s_exec_stop(s.exec);
    wait_exit(&s);
    assert_int_equal(s.code, K8S_ECANCELED);
    expect_one_exit(&s);
    sess_done(&s);

    /* freeing the client ends its sessions first */
    k8s_client *c = make_client(cfg);
    sess t;
    sess_init(&t);
    k8s_exec_options o = {
        .command = (const char *[]){"cat", NULL}, .stdin_ = true, .stdout_ = true};
    k8s_exec_handlers h = handlers_for(&t);
    assert_int_equal(k8s_exec_start(c, NULL, POD, &o, &h, &t.exec), K8S_OK);
    assert_true(wait_for(&t, opened, NULL, WAIT_MS));
    k8s_client_free(c);
    assert_int_equal(t.exits, 1);
    assert_int_equal(t.code, K8S_ECANCELED);
    assert_int_equal(k8s_exec_write(t.exec, "x", 1), K8S_ECLOSED);
    sess_done(&t);

    /* and those still connecting */
    c = make_client(cfg);
    sess_init(&t);
    h = handlers_for(&t);
    assert_int_equal(k8s_exec_start(c, NULL, POD, &o, &h, &t.exec), K8S_OK);
    k8s_client_free(c);
    assert_int_equal(t.exits, 1);
    assert_int_equal(t.code, K8S_ECANCELED);
    sess_done(&t);
}

/* The usual pattern: on_end frees the session itself. */
typedef struct self_free {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    k8s_exec *exec;
    int exits;
    k8s_code code;
    int status;
} self_free;

static void sf_exit(void *data, k8s_code code, int exit_status, const k8s_error *err)
{
    (void)err;
    self_free *f = data;
    k8s_exec_free(f->exec);
    pthread_mutex_lock(&f->mu);
    f->exits++;
    f->code = code;
    f->status = exit_status;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->mu);
}

static void test_free_in_exit(void **state)
{
    (void)state;
    need_server();
    for (int i = 0; i < 3; i++) {
        self_free f = {.code = K8S_OK};
        pthread_mutex_init(&f.mu, NULL);
        pthread_cond_init(&f.cond, NULL);
        k8s_exec_options o = {.command = (const char *[]){i == 2 ? "cat" : "exit", "9", NULL},
                              .stdin_ = true,
                              .stdout_ = true};
        k8s_exec_handlers h = {.on_end = sf_exit, .data = &f};
        pthread_mutex_lock(&f.mu); /* the handler may run before start returns */
        assert_int_equal(k8s_exec_start(client, NULL, i == 1 ? "missing" : POD, &o, &h, &f.exec),
                         K8S_OK);
        pthread_mutex_unlock(&f.mu);
        if (i == 2)
            k8s_exec_stop(f.exec); /* cat waits for stdin: exit cannot have run */
        struct timespec t;
        deadline(&t, WAIT_MS);
        pthread_mutex_lock(&f.mu);
        while (!f.exits)
            if (pthread_cond_timedwait(&f.cond, &f.mu, &t) == ETIMEDOUT)
                fail_msg("no exit");
        pthread_mutex_unlock(&f.mu);
        assert_int_equal(f.code, i == 0 ? K8S_OK : i == 1 ? K8S_ENOTFOUND : K8S_ECANCELED);
        if (i == 0)
            assert_int_equal(f.status, 9);
        pthread_mutex_destroy(&f.mu);
        pthread_cond_destroy(&f.cond);
    }
}

/* ---- port-forward: a stream ---- */

typedef struct pfs {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    k8s_portforward *pf;
    const uint8_t *expect; /* what should come back, in order */
    size_t received, mismatches;
    int opened, closes, writables;
    k8s_code code;
    k8s_error err;
} pfs;

static void p_open(void *data)
{
    pfs *p = data;
    pthread_mutex_lock(&p->mu);
    p->opened++;
    pthread_mutex_unlock(&p->mu);
}

static void p_received(void *data, const char *bytes, size_t len)
{
    pfs *p = data;
    pthread_mutex_lock(&p->mu);
    if (p->expect && memcmp(p->expect + p->received, bytes, len) != 0)
        p->mismatches++;
    p->received += len;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->mu);
}

static void p_writable(void *data)
{
    pfs *p = data;
    pthread_mutex_lock(&p->mu);
    p->writables++;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->mu);
}

static void p_close(void *data, k8s_code code, const k8s_error *err)
{
    pfs *p = data;
    pthread_mutex_lock(&p->mu);
    p->closes++;
    p->code = code;
    p->err = *err;
    p->err.status = NULL;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->mu);
}

static void pfs_open(pfs *p, const char *pod, uint16_t port, const uint8_t *expect)
{
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cond, NULL);
    p->expect = expect;
    k8s_portforward_handlers h = {p_open, p_received, p_writable, p_close, p};
    assert_int_equal(k8s_portforward_start(client, "default", pod, port, NULL, &h, &p->pf), K8S_OK);
}

static void pfs_done(pfs *p)
{
    k8s_portforward_free(p->pf);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cond);
}

static bool pfs_wait(pfs *p, size_t received, bool closed)
{
    struct timespec t;
    deadline(&t, WAIT_MS);
    pthread_mutex_lock(&p->mu);
    while (!(closed ? p->closes > 0 : p->received >= received || p->closes > 0))
        if (pthread_cond_timedwait(&p->cond, &p->mu, &t) == ETIMEDOUT)
            break;
    bool ok = closed ? p->closes > 0 : p->received >= received;
    pthread_mutex_unlock(&p->mu);
    return ok;
}

#define TEN_MB (10 * 1024 * 1024)

static void test_portforward_stream(void **state)
{
    (void)state;
    need_server();
    uint8_t *data = noise(TEN_MB, 99);
    pfs p;
    double t0 = now_s();
    pfs_open(&p, POD, 8080, data);
    size_t sent = 0;
    while (sent < TEN_MB) {
        pthread_mutex_lock(&p.mu);
        int seen = p.writables;
        pthread_mutex_unlock(&p.mu);
        size_t m = TEN_MB - sent < 100000 ? TEN_MB - sent : 100000;
        k8s_code rc = k8s_portforward_write(p.pf, data + sent, m);
        if (rc == K8S_OK) {
            sent += m;
        } else if (rc == K8S_EFULL) {
            struct timespec t;
            deadline(&t, WAIT_MS);
            pthread_mutex_lock(&p.mu);
            while (p.writables == seen && !p.closes)
                if (pthread_cond_timedwait(&p.cond, &p.mu, &t) == ETIMEDOUT)
                    fail_msg("no writable");
            pthread_mutex_unlock(&p.mu);
        } else {
            fail_msg("write: %s", k8s_strerror(rc));
        }
    }
    assert_true(pfs_wait(&p, TEN_MB, false));
    double t = now_s() - t0;
    print_message("port-forward stream: 10 MB echoed in %.2f s (%.1f MB/s each way)\n", t,
                  10.0 / t);
    assert_int_equal(p.received, TEN_MB);
    assert_int_equal(p.mismatches, 0);
    assert_int_equal(p.opened, 1);
    assert_int_equal(k8s_portforward_finish(p.pf), K8S_OK);
    assert_int_equal(k8s_portforward_write(p.pf, "x", 1), K8S_ECLOSED);
    assert_true(pfs_wait(&p, 0, true));
    if (p.code != K8S_OK)
        fail_msg("close: %s (%s)", k8s_strerror(p.code), p.err.message);
    usleep(50000);
    assert_int_equal(p.closes, 1);
    pfs_done(&p);
    free(data);
}

static void test_portforward_errors(void **state)
{
    (void)state;
    need_server();
    pfs p;
    pfs_open(&p, "missing", 80, NULL);
    assert_true(pfs_wait(&p, 0, true));
    assert_int_equal(p.code, K8S_ENOTFOUND);
    assert_int_equal(p.err.http_status, 404);
    assert_int_equal(p.opened, 0);
    pfs_done(&p);

    /* cancel while streaming */
    pfs_open(&p, POD, 80, NULL);
    assert_int_equal(k8s_portforward_write(p.pf, "hello", 5), K8S_OK);
    assert_true(pfs_wait(&p, 5, false));
    k8s_portforward_stop(p.pf);
    assert_true(pfs_wait(&p, 0, true));
    assert_int_equal(p.code, K8S_ECANCELED);
    usleep(50000);
    assert_int_equal(p.closes, 1);
    pfs_done(&p);

    /* cancel while connecting; close before the upgrade is done */
    pfs_open(&p, POD, 80, NULL);
    k8s_portforward_stop(p.pf);
    assert_true(pfs_wait(&p, 0, true));
    assert_int_equal(p.code, K8S_ECANCELED);
    pfs_done(&p);
    pfs_open(&p, POD, 80, NULL);
    assert_int_equal(k8s_portforward_write(p.pf, "early", 5), K8S_OK);
    assert_int_equal(k8s_portforward_finish(p.pf), K8S_OK);
    assert_true(pfs_wait(&p, 0, true));
    assert_int_equal(p.code, K8S_OK);
    pfs_done(&p);

    assert_int_equal(
        k8s_portforward_start(client, NULL, "", 80, NULL, &(k8s_portforward_handlers){0}, &p.pf),
        K8S_EINVAL);
    assert_null(p.pf);
}

static void test_portforward_pause(void **state)
{
    (void)state;
    need_server();
    pfs p;
    pfs_open(&p, POD, 8080, NULL);
    assert_int_equal(k8s_portforward_write(p.pf, "one", 3), K8S_OK);
    assert_true(pfs_wait(&p, 3, false));
    k8s_portforward_pause(p.pf, true);
    usleep(100000); /* (paused from another thread: it takes a loop turn) */
    assert_int_equal(k8s_portforward_write(p.pf, "two", 3), K8S_OK);
    usleep(300000);
    pthread_mutex_lock(&p.mu);
    size_t got = p.received;
    pthread_mutex_unlock(&p.mu);
    assert_int_equal(got, 3); /* held back while paused */
    k8s_portforward_pause(p.pf, false);
    assert_true(pfs_wait(&p, 6, false));
    assert_int_equal(k8s_portforward_finish(p.pf), K8S_OK);
    assert_true(pfs_wait(&p, 0, true));
    assert_int_equal(p.code, K8S_OK);
    pfs_done(&p);
}

/* ---- port-forward: the local listener ---- */

typedef struct tcp_job {
    uint16_t port;
    size_t len;
    uint64_t seed;
    double seconds;
    char error[128];
} tcp_job;

/* Writes len bytes to the forwarded port and reads them back (the pod's
 * port is an echo server), both at once. */
static void *tcp_echo(void *arg)
{
    tcp_job *j = arg;
    uint8_t *data = noise(j->len, j->seed), *back = malloc(j->len);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(j->port), .sin_addr.s_addr = htonl(0x7f000001)};
    double t0 = now_s();
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) {
        snprintf(j->error, sizeof j->error, "connect: %s", strerror(errno));
        goto out;
    }
    size_t sent = 0, got = 0;
    while (got < j->len) {
        struct pollfd p = {fd, POLLIN | (sent < j->len ? POLLOUT : 0), 0};
        if (poll(&p, 1, WAIT_MS) <= 0) {
            snprintf(j->error, sizeof j->error, "stalled at %zu sent, %zu back", sent, got);
            goto out;
        }
        if ((p.revents & POLLOUT) && sent < j->len) {
            ssize_t n = send(fd, data + sent, j->len - sent < 65536 ? j->len - sent : 65536,
                             MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n > 0)
                sent += (size_t)n;
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = recv(fd, back + got, j->len - got, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN)) {
                snprintf(j->error, sizeof j->error, "closed after %zu bytes back", got);
                goto out;
            }
            if (n > 0)
                got += (size_t)n;
        }
    }
    j->seconds = now_s() - t0;
    if (memcmp(data, back, j->len) != 0)
        snprintf(j->error, sizeof j->error, "the bytes differ");
out:
    close(fd);
    free(data);
    free(back);
    return NULL;
}

static void test_listener(void **state)
{
    (void)state;
    need_server();
    k8s_portforward_listener *l = NULL;
    uint16_t port = 0;
    k8s_error err;
    assert_int_equal(k8s_portforward_listener_start(client, "default", POD, 8080, NULL, 0, &l, &port, &err),
                     K8S_OK);
    assert_true(port > 0);

    tcp_job one = {.port = port, .len = TEN_MB, .seed = 5};
    tcp_echo(&one);
    if (one.error[0])
        fail_msg("one connection: %s", one.error);
    print_message("port-forward listener: 10 MB echoed over one connection in %.2f s\n",
                  one.seconds);

    enum { N = 4 };
    tcp_job jobs[N];
    pthread_t th[N];
    double t0 = now_s();
    for (int i = 0; i < N; i++) {
        jobs[i] = (tcp_job){
            .port = port, .len = 3 * 1024 * 1024 + (size_t)i * 1000, .seed = (uint64_t)i + 11};
        pthread_create(&th[i], NULL, tcp_echo, &jobs[i]);
    }
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < N; i++)
        if (jobs[i].error[0])
            fail_msg("connection %d: %s", i, jobs[i].error);
    print_message("port-forward listener: %d connections x 3 MB echoed at once in %.2f s\n", N,
                  now_s() - t0);

    /* a connection still open when the listener closes is cut */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(0x7f000001)};
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(send(fd, "hi", 2, 0), 2);
    char buf[8];
    assert_int_equal(recv(fd, buf, 2, MSG_WAITALL), 2);
    k8s_portforward_listener_free(l);
    struct pollfd p = {fd, POLLIN, 0};
    assert_int_equal(poll(&p, 1, 5000), 1);
    assert_true(recv(fd, buf, sizeof buf, 0) <= 0);
    close(fd);
    /* and the port is free again */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_not_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    close(fd);

    /* a pod that is not there: connections are closed */
    assert_int_equal(
        k8s_portforward_listener_start(client, "default", "missing", 80, "127.0.0.1", 0, &l, &port, &err),
        K8S_OK);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_port = htons(port);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    p = (struct pollfd){fd, POLLIN, 0};
    assert_int_equal(poll(&p, 1, WAIT_MS), 1);
    assert_true(recv(fd, buf, sizeof buf, 0) <= 0);
    close(fd);
    k8s_portforward_listener_free(l);

    assert_int_equal(
        k8s_portforward_listener_start(client, "default", POD, 80, "not-an-ip", 0, &l, &port, &err),
        K8S_EINVAL);
    assert_null(l);
}

static void test_listener_client_free(void **state)
{
    (void)state;
    need_server();
    k8s_client *c = make_client(cfg);
    k8s_portforward_listener *l = NULL;
    uint16_t port = 0;
    k8s_error err;
    assert_int_equal(k8s_portforward_listener_start(c, NULL, POD, 8080, "::1", 0, &l, &port, &err), K8S_OK);
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a = {
        .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(send(fd, "hi", 2, 0), 2);
    char buf[8];
    assert_int_equal(recv(fd, buf, 2, MSG_WAITALL), 2);
    k8s_client_free(c); /* ends the listener's connections; the listener waits to be freed */
    struct pollfd p = {fd, POLLIN, 0};
    assert_int_equal(poll(&p, 1, 5000), 1);
    assert_true(recv(fd, buf, sizeof buf, 0) <= 0);
    close(fd);
    k8s_portforward_listener_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo),
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_stderr),
        cmocka_unit_test(test_binary_round_trip),
        cmocka_unit_test(test_close_stdin),
        cmocka_unit_test(test_resize),
        cmocka_unit_test(test_back_pressure),
        cmocka_unit_test(test_attach),
        cmocka_unit_test(test_v4_fallback),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_corrupt_frame),
        cmocka_unit_test(test_closed_during_upgrade),
        cmocka_unit_test(test_cancel_connecting),
        cmocka_unit_test(test_cancel_upgrading),
        cmocka_unit_test(test_cancel_streaming),
        cmocka_unit_test(test_free_in_exit),
        cmocka_unit_test(test_portforward_stream),
        cmocka_unit_test(test_portforward_pause),
        cmocka_unit_test(test_portforward_errors),
        cmocka_unit_test(test_listener),
        cmocka_unit_test(test_listener_client_free),
    };
    return test_run(tests, setup, fixture_teardown);
}
