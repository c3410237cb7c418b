/* Leader election (k8s/leader.h) against the bundled test API server, with
 * short timings (lease 2 s, renew deadline 1.2 s, retry 300 ms):
 *   - three candidates in one process: one leads, the others see it; at
 *     most one leads at any time; stopping the leader with release hands
 *     over at once; a leader whose requests hang stops leading before its
 *     lease expires, and only then does another take over;
 *   - three candidates in three processes: the leader is killed (SIGKILL)
 *     and another leads within lease duration + retry period;
 *   - the Lease's other fields survive the election's writes;
 *   - options are checked as client-go checks them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>

#include "fixture.h"
#include "k8s/leader.h"
#include "k8s/values.h"

#define LEASE_MS 2000
#define RENEW_MS 1200
#define RETRY_MS 300
/* Scheduling and request latency on a loaded machine, on top of the
 * bounds the election promises. */
#define SLACK_MS 400

extern char **environ;

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- candidates in this process ---- */

typedef struct cand {
    char identity[48];
    k8s_client *client;
    k8s_leader *le;
    pthread_mutex_t mu;
    int starts, stops;
    uint64_t started_ms, stopped_ms; /* monotonic */
    int64_t started_wall, stopped_wall;
    char last_leader[64];
} cand;

static atomic_int leaders_now, max_leaders;

static void on_started(void *data)
{
    cand *c = data;
    int n = atomic_fetch_add(&leaders_now, 1) + 1;
    int m = atomic_load(&max_leaders);
    while (n > m && !atomic_compare_exchange_weak(&max_leaders, &m, n))
        ;
    pthread_mutex_lock(&c->mu);
    c->starts++;
    c->started_ms = k8s_now_ms();
    c->started_wall = wall_ms();
    pthread_mutex_unlock(&c->mu);
}

static void on_stopped(void *data)
{
    cand *c = data;
    pthread_mutex_lock(&c->mu);
    if (c->starts > c->stops) {
        atomic_fetch_sub(&leaders_now, 1);
        c->stopped_ms = k8s_now_ms();
        c->stopped_wall = wall_ms();
    }
    c->stops++;
    pthread_mutex_unlock(&c->mu);
}

static void on_new_leader(void *data, const char *identity)
{
    cand *c = data;
    pthread_mutex_lock(&c->mu);
    snprintf(c->last_leader, sizeof c->last_leader, "%s", identity);
    pthread_mutex_unlock(&c->mu);
}

static void start_cand(cand *c, int i, const char *lease, bool release)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    snprintf(c->identity, sizeof c->identity, "cand-%d-%d", (int)getpid(), i);
    k8s_error err;
    k8s_client_options co = {.user_agent = c->identity};
    CHECK_OK(k8s_client_new(&c->client, cfg, &co, &err));
    k8s_leader_options o = {.name = lease, .identity = c->identity, .lease_duration_ms = LEASE_MS,
                            .renew_deadline_ms = RENEW_MS, .retry_period_ms = RETRY_MS, .release_on_stop = release,
                            .callbacks = {on_started, on_stopped, on_new_leader, c}};
    CHECK_OK(k8s_leader_start(c->client, &o, &c->le, &err));
}

static void stop_cand(cand *c)
{
    k8s_leader_free(c->le);
    c->le = NULL;
    k8s_client_free(c->client);
    c->client = NULL;
    pthread_mutex_destroy(&c->mu);
}

/* Waits (up to 5 s) until c's callbacks have said it started leading
 * `starts` times: they run on a thread of their own, a little after the
 * state changes. */
static void wait_starts(cand *c, int starts)
{
    for (int i = 0; i < 2500; i++) {
        pthread_mutex_lock(&c->mu);
        int n = c->starts;
        pthread_mutex_unlock(&c->mu);
        if (n >= starts)
            return;
        usleep(2000);
    }
    fail_msg("%s: on_started_leading did not run", c->identity);
}

static void wait_stops(cand *c, int stops)
{
    for (int i = 0; i < 2500; i++) {
        pthread_mutex_lock(&c->mu);
        int n = c->stops;
        pthread_mutex_unlock(&c->mu);
        if (n >= stops)
            return;
        usleep(2000);
    }
    fail_msg("%s: on_stopped_leading did not run", c->identity);
}

/* The candidate leading now (by k8s_leader_is_leader), or -1; fails on two. */
static int leading(cand *c, int n)
{
    int who = -1;
    for (int i = 0; i < n; i++) {
        if (c[i].le && k8s_leader_is_leader(c[i].le)) {
            if (who >= 0)
                fail_msg("%s and %s lead at once", c[who].identity, c[i].identity);
            who = i;
        }
    }
    return who;
}

static int wait_leader(cand *c, int n, int timeout_ms)
{
    uint64_t until = k8s_now_ms() + (uint64_t)timeout_ms;
    int who;
    while ((who = leading(c, n)) < 0 && k8s_now_ms() < until)
        usleep(2000);
    return who;
}

static void fault_for(const char *identity, const char *fault)
{
    char json[256];
    snprintf(json, sizeof json, "{\"path\":\"/leases\",\"userAgent\":\"^%s$\",\"fault\":\"%s\",\"times\":-1}",
             identity, fault);
    control("POST", "/_test/faults", json);
}

/* The Lease's renewTime as wall-clock milliseconds, and its holder. */
static int64_t lease_renewed(const char *name, char *holder, size_t n)
{
    k8s_arena *a = k8s_arena_new();
    k8s_coordination_v1_lease *l;
    k8s_error err;
    CHECK_OK(k8s_coordination_v1_lease_get(writer, a, "default", name, NULL, &l, &err));
    k8s_time t;
    assert_non_null(l->spec);
    assert_non_null(l->spec->renewTime);
    assert_int_equal(k8s_time_parse(l->spec->renewTime, &t, &err), K8S_OK);
    if (holder)
        snprintf(holder, n, "%s", l->spec->holderIdentity ? l->spec->holderIdentity : "");
    k8s_arena_free(a);
    return t.seconds * 1000 + t.nanos / 1000000;
}

static void test_three_candidates_in_process(void **state)
{
    (void)state;
    need_server();
    char lease[64];
    snprintf(lease, sizeof lease, "inproc-%d", (int)getpid());
    atomic_store(&leaders_now, 0);
    atomic_store(&max_leaders, 0);
    cand c[3];
    for (int i = 0; i < 3; i++)
        start_cand(&c[i], i, lease, true);

    /* one leads, and everybody knows who */
    int first = wait_leader(c, 3, 5000);
    assert_true(first >= 0);
    wait_starts(&c[first], 1);
    /* longer than a lease duration: it keeps leading by renewing */
    const int held_ms = LEASE_MS + LEASE_MS / 2;
    usleep(held_ms * 1000);
    assert_int_equal(leading(c, 3), first);
    k8s_leader_stats st;
    k8s_leader_stats_get(c[first].le, &st);
    print_message("  %s leads; %llu renewals in %d ms\n", c[first].identity, (unsigned long long)st.renewals,
                  held_ms);
    assert_true(st.renewals >= (uint64_t)(held_ms / RETRY_MS / 2));
    for (int i = 0; i < 3; i++) {
        pthread_mutex_lock(&c[i].mu);
        assert_string_equal(c[i].last_leader, c[first].identity);
        assert_int_equal(c[i].starts, i == first ? 1 : 0);
        pthread_mutex_unlock(&c[i].mu);
    }

    /* stopped with release: another takes over without waiting the lease out */
    uint64_t t0 = k8s_now_ms();
    stop_cand(&c[first]);
    int second = wait_leader(c, 3, 5000);
    uint64_t handover = k8s_now_ms() - t0;
    assert_true(second >= 0 && second != first);
    print_message("  released by %s: %s leads after %llu ms (lease %d ms)\n", c[first].identity,
                  c[second].identity, (unsigned long long)handover, LEASE_MS);
    assert_true(handover < LEASE_MS);

    /* the new leader's requests hang: it stops leading before its lease
     * (from its last renewal) runs out, and only then does the other lead */
    int third = 3 - first - second;
    usleep(2 * RETRY_MS * 1000);
    fault_for(c[second].identity, "stall");
    uint64_t until = k8s_now_ms() + 5000;
    while (k8s_leader_is_leader(c[second].le) && k8s_now_ms() < until)
        usleep(2000);
    assert_false(k8s_leader_is_leader(c[second].le));
    assert_true(k8s_leader_ended(c[second].le));
    int64_t renewed = lease_renewed(lease, NULL, 0); /* its last write that went through */
    assert_int_equal(wait_leader(c, 3, 3 * LEASE_MS), third);
    wait_stops(&c[second], 1);
    wait_starts(&c[third], 1);
    pthread_mutex_lock(&c[second].mu);
    pthread_mutex_lock(&c[third].mu);
    int64_t stopped = c[second].stopped_wall, started = c[third].started_wall;
    print_message("  %s stuck: stopped leading %lld ms after its last renewal (lease %d ms); %s took over "
                  "%lld ms after it\n",
                  c[second].identity, (long long)(stopped - renewed), LEASE_MS, c[third].identity,
                  (long long)(started - renewed));
    assert_true(c[second].stops == 1 && c[third].starts == 1);
    assert_true(stopped < renewed + LEASE_MS);  /* before its lease expired */
    assert_true(started >= renewed + LEASE_MS); /* nobody took it earlier */
    assert_true(c[third].started_ms > c[second].stopped_ms);
    pthread_mutex_unlock(&c[third].mu);
    pthread_mutex_unlock(&c[second].mu);
    control("DELETE", "/_test/faults", NULL);

    assert_int_equal(atomic_load(&max_leaders), 1);
    for (int i = 0; i < 3; i++)
        if (c[i].le)
            stop_cand(&c[i]);
    assert_int_equal(atomic_load(&leaders_now), 0);
}

/* ---- candidates in other processes ---- */

typedef struct proc {
    pid_t pid;
    int in, out; /* its stdin (we write), its stdout (we read) */
    char buf[4096];
    size_t len;
    bool alive;
} proc;

static void spawn_candidate(proc *p, const char *kubeconfig, const char *lease, int i)
{
    char exe[1024], identity[48], l[16], r[16], t[16];
    const char *bin = getenv("K8S_BINARY_DIR");
    snprintf(exe, sizeof exe, "%s/bin/leader_candidate", bin && *bin ? bin : ".");
    snprintf(identity, sizeof identity, "proc-%d-%d", (int)getpid(), i);
    snprintf(l, sizeof l, "%d", LEASE_MS);
    snprintf(r, sizeof r, "%d", RENEW_MS);
    snprintf(t, sizeof t, "%d", RETRY_MS);
    int in[2], out[2];
    assert_int_equal(pipe2(in, O_CLOEXEC), 0);
    assert_int_equal(pipe2(out, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    char *argv[] = {exe, (char *)kubeconfig, "default", (char *)lease, identity, l, r, t, NULL};
    int rc = posix_spawn(&p->pid, exe, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    if (rc)
        fail_msg("cannot run %s: %s", exe, strerror(rc));
    p->in = in[1];
    p->out = out[0];
    p->len = 0;
    p->alive = true;
    fcntl(p->out, F_SETFL, O_NONBLOCK);
}

/* Reads what the processes printed; returns the first complete line
 * (without its newline) of any of them into line, its index, or -1. */
static int next_line(proc *p, int n, char *line, size_t size, int timeout_ms)
{
    uint64_t until = k8s_now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        for (int i = 0; i < n; i++) {
            char *nl = memchr(p[i].buf, '\n', p[i].len);
            if (nl) {
                size_t k = (size_t)(nl - p[i].buf);
                snprintf(line, size, "%.*s", (int)k, p[i].buf);
                memmove(p[i].buf, nl + 1, p[i].len - k - 1);
                p[i].len -= k + 1;
                return i;
            }
        }
        uint64_t now = k8s_now_ms();
        if (now >= until)
            return -1;
        struct pollfd fds[8];
        for (int i = 0; i < n; i++)
            fds[i] = (struct pollfd){p[i].alive ? p[i].out : -1, POLLIN, 0};
        poll(fds, (nfds_t)n, (int)(until - now));
        for (int i = 0; i < n; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP)))
                continue;
            ssize_t r = read(p[i].out, p[i].buf + p[i].len, sizeof p[i].buf - 1 - p[i].len);
            if (r > 0)
                p[i].len += (size_t)r;
            else if (r == 0)
                p[i].alive = false;
        }
    }
}

static unsigned long long stamp(const char *line)
{
    const char *sp = strrchr(line, ' ');
    return sp ? strtoull(sp + 1, NULL, 10) : 0;
}

static void test_candidates_across_processes(void **state)
{
    (void)state;
    need_server();
    char kc[700], lease[64], line[256];
    snprintf(kc, sizeof kc, "%s", test_server_kubeconfig(&srv, "candidates", "    token: admin-token"));
    snprintf(lease, sizeof lease, "procs-%d", (int)getpid());
    proc p[3];
    for (int i = 0; i < 3; i++)
        spawn_candidate(&p[i], kc, lease, i);

    int leader = -1, leading_now = 0, max_leading = 0;
    while (leader < 0) {
        int i = next_line(p, 3, line, sizeof line, 10000);
        if (i < 0)
            fail_msg("no candidate started leading within 10 s");
        if (strncmp(line, "started", 7) == 0) {
            leader = i;
            leading_now++;
        }
    }
    max_leading = leading_now;
    usleep(LEASE_MS / 2 * 1000); /* a few renewals, then it dies */
    kill(p[leader].pid, SIGKILL);
    uint64_t killed = k8s_now_ms();
    waitpid(p[leader].pid, NULL, 0);
    p[leader].alive = false;
    leading_now--;
    int next = -1;
    unsigned long long took = 0;
    while (next < 0) {
        int i = next_line(p, 3, line, sizeof line, 10000);
        if (i < 0)
            fail_msg("nobody took over within 10 s of the leader's death");
        if (i == leader)
            continue; /* lines it printed before it died */
        if (strncmp(line, "started", 7) == 0) {
            next = i;
            took = stamp(line);
            if (++leading_now > max_leading)
                max_leading = leading_now;
        } else if (strncmp(line, "stopped", 7) == 0) {
            fail_msg("candidate %d stopped without having led", i);
        }
    }
    long long after = (long long)took - (long long)killed;
    print_message("  process %d led, was killed; process %d leads %lld ms later (bound: lease %d + retry %d ms)\n",
                  leader, next, after, LEASE_MS, RETRY_MS);
    assert_true(after <= LEASE_MS + RETRY_MS + SLACK_MS);
    assert_int_equal(max_leading, 1);

    /* the others end cleanly, the waiting one first (else it would take
     * the released Lease): on_stopped_leading runs for each, leader or not */
    int waiting = 3 - leader - next, stops = 0;
    int order[2] = {waiting, next};
    for (int k = 0; k < 2; k++) {
        close(p[order[k]].in);
        for (;;) {
            int i = next_line(p, 3, line, sizeof line, 10000);
            if (i < 0)
                fail_msg("candidate %d did not exit", order[k]);
            if (strncmp(line, "started", 7) == 0)
                fail_msg("candidate %d started leading while the others shut down (%s)", i, line);
            if (strncmp(line, "stopped", 7) == 0)
                stops++;
            if (i == order[k] && strncmp(line, "exit", 4) == 0)
                break;
        }
    }
    assert_int_equal(stops, 2);
    char holder[64];
    lease_renewed(lease, holder, sizeof holder);
    assert_string_equal(holder, ""); /* released (or never taken by the last one) */
    for (int i = 0; i < 3; i++) {
        if (i != leader)
            waitpid(p[i].pid, NULL, 0);
        close(p[i].out);
        if (i == leader)
            close(p[i].in);
    }
}

/* ---- the Lease's other fields are kept ---- */

static void test_lease_fields_kept(void **state)
{
    (void)state;
    need_server();
    char name[64];
    snprintf(name, sizeof name, "kept-%d", (int)getpid());
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    k8s_string_entry label = {"team", "blue"};
    k8s_meta_v1_object_meta meta = {.name = name, .labels = &label, .labels_len = 1};
    k8s_coordination_v1_lease_spec spec = {.holderIdentity = "someone-else", .has_leaseDurationSeconds = true,
                                           .leaseDurationSeconds = 1, .has_leaseTransitions = true,
                                           .leaseTransitions = 4, .strategy = "OldestEmulationVersion"};
    k8s_coordination_v1_lease body = {.metadata = &meta, .spec = &spec}, *out;
    CHECK_OK(k8s_coordination_v1_lease_create(writer, a, "default", &body, NULL, &out, &err));
    atomic_store(&leaders_now, 0);
    cand c;
    start_cand(&c, 9, name, false);
    /* someone-else never renews: taken after a lease duration */
    assert_int_equal(wait_leader(&c, 1, 5000), 0);
    CHECK_OK(k8s_coordination_v1_lease_get(writer, a, "default", name, NULL, &out, &err));
    assert_string_equal(out->spec->holderIdentity, c.identity);
    assert_int_equal(out->spec->leaseTransitions, 5);
    assert_int_equal(out->spec->leaseDurationSeconds, LEASE_MS / 1000);
    assert_string_equal(out->spec->strategy, "OldestEmulationVersion"); /* fields the election does not read */
    assert_int_equal(out->metadata->labels_len, 1);
    assert_string_equal(out->metadata->labels[0].value, "blue");
    stop_cand(&c); /* without release: the holder stays */
    CHECK_OK(k8s_coordination_v1_lease_get(writer, a, "default", name, NULL, &out, &err));
    assert_string_equal(out->spec->holderIdentity, c.identity);
    k8s_arena_free(a);
}

/* ---- options ---- */

static void test_options_checked(void **state)
{
    (void)state;
    need_server();
    k8s_leader *le;
    k8s_error err;
    struct {
        k8s_leader_options o;
        const char *message;
    } bad[] = {
        {{.identity = "a"}, "name"},
        {{.name = "l"}, "identity"},
        {{.name = "l", .identity = "a", .lease_duration_ms = 1000, .renew_deadline_ms = 1000, .retry_period_ms = 100},
         "greater than the renew deadline"},
        {{.name = "l", .identity = "a", .lease_duration_ms = 1000, .renew_deadline_ms = 600, .retry_period_ms = 500},
         "1.2"},
        {{.name = "l", .identity = "a", .lease_duration_ms = -5}, "positive"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(k8s_leader_start(client, &bad[i].o, &le, &err), K8S_EINVAL);
        assert_null(le);
        if (!strstr(err.message, bad[i].message))
            fail_msg("case %zu: %s", i, err.message);
    }
    k8s_leader_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_checked),
        cmocka_unit_test(test_three_candidates_in_process),
        cmocka_unit_test(test_candidates_across_processes),
        cmocka_unit_test(test_lease_fields_kept),
    };
    return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
