/* Leader election (k8s/leader.h), client-go's LeaderElector as a state
 * machine on the client's loop thread: one request at a time (get, then
 * create or update; a leader renews with an update straight away and
 * falls back to a get when that fails), a retry timer, and while leading
 * a deadline timer that ends leadership renew_deadline after the last
 * successful write was sent, whatever the requests in flight do.
 *
 * Callbacks go through a queue to a thread of the elector's own, in
 * order. When leading ends, that thread runs on_stopped_leading and then
 * asks the loop to release the Lease (release_on_stop), so the Lease is
 * only given up once the work it guards has stopped. */
#define _GNU_SOURCE
#include "k8s/leader.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control_internal.h"
#include "internal.h"
#include "k8s/values.h"

/* client-go's LeaderElectionRecord: what is compared to tell a change. */
typedef struct record {
    char holder[256];
    int32_t duration_s;
    int32_t transitions;
    char acquire[K8S_TIME_TEXT_MAX], renew[K8S_TIME_TEXT_MAX];
} record;

static void record_of(const lease *l, record *r)
{
    const lease_spec *s = l && l->spec ? l->spec : &(lease_spec){0};
    snprintf(r->holder, sizeof r->holder, "%s", s->holderIdentity ? s->holderIdentity : "");
    r->duration_s = s->has_leaseDurationSeconds ? s->leaseDurationSeconds : 0;
    r->transitions = s->has_leaseTransitions ? s->leaseTransitions : 0;
    snprintf(r->acquire, sizeof r->acquire, "%s", s->acquireTime ? s->acquireTime : "");
    snprintf(r->renew, sizeof r->renew, "%s", s->renewTime ? s->renewTime : "");
}

static bool record_equal(const record *a, const record *b)
{
    return strcmp(a->holder, b->holder) == 0 && a->duration_s == b->duration_s && a->transitions == b->transitions &&
           strcmp(a->acquire, b->acquire) == 0 && strcmp(a->renew, b->renew) == 0;
}

static void wall_now(char *buf)
{
    k8s_time t = {0};
    k8s_time_now(&t);
    k8s_microtime_format(&t, buf, K8S_TIME_TEXT_MAX);
}

/* ---- the elector ---- */

typedef enum request {
    REQ_NONE,
    REQ_GET,
    REQ_CREATE,
    REQ_UPDATE,
    REQ_RENEW, /* the leader's update from what it last wrote */
    REQ_RELEASE_GET,
    REQ_RELEASE_PUT
} request;

enum { CB_STARTED, CB_STOPPED, CB_NEW_LEADER };

typedef struct cb_item {
    int type;
    char holder[];
} cb_item;

struct k8s_leader {
    k8s_client *client;
    k8s_loop *loop;
    char *namespace_, *name, *identity;
    int lease_ms, renew_ms, retry_ms;
    int32_t lease_s;
    bool release_on_stop;
    k8s_leader_callbacks cb;

    /* loop thread */
    k8s_timer *retry, *deadline;
    request req;
    k8s_call_id call;
    k8s_arena *req_arena;
    uint64_t req_sent_ms;
    record want;             /* what the write in flight says */
    k8s_arena *lease_arena;  /* the Lease as last read or written */
    lease *lease;
    record observed;         /* client-go's observedRecord ... */
    uint64_t observed_ms;    /* ... and observedTime, on this machine's clock */
    bool observed_any;
    char reported[256];      /* the holder last reported to on_new_leader */
    bool leading, ending, release_wanted, stopped_reported;
    int release_tries;
    uint64_t rng;

    pthread_mutex_t mu; /* what other threads read */
    pthread_cond_t cond;
    bool shared_leading, shared_ended, idle;
    char shared_holder[256];
    k8s_leader_stats stats;

    k8s_queue *cbq; /* to the callback thread */
    pthread_t cb_thread;
    bool cb_started;
};

static void post(k8s_leader *le, int type, const char *holder)
{
    size_t n = holder ? strlen(holder) + 1 : 1;
    cb_item *it = malloc(sizeof *it + n);
    if (!it)
        return; /* out of memory: a callback is missed */
    it->type = type;
    memcpy(it->holder, holder ? holder : "", n);
    if (k8s_queue_put(le->cbq, it))
        free(it);
}

static void set_shared(k8s_leader *le)
{
    pthread_mutex_lock(&le->mu);
    le->shared_leading = le->leading;
    le->shared_ended = le->ending;
    snprintf(le->shared_holder, sizeof le->shared_holder, "%s", le->observed.holder);
    pthread_mutex_unlock(&le->mu);
}

static void count(k8s_leader *le, uint64_t *counter)
{
    pthread_mutex_lock(&le->mu);
    (*counter)++;
    pthread_mutex_unlock(&le->mu);
}

/* A record seen in the Lease (or written to it): a change restarts the
 * observed time; a new holder is reported. */
static void observe(k8s_leader *le, const record *r, uint64_t now)
{
    if (!le->observed_any || !record_equal(&le->observed, r)) {
        le->observed = *r;
        le->observed_ms = now;
        le->observed_any = true;
    }
    if (strcmp(le->reported, r->holder) != 0) {
        snprintf(le->reported, sizeof le->reported, "%s", r->holder);
        post(le, CB_NEW_LEADER, r->holder);
    }
    set_shared(le);
}

static bool lease_valid(const k8s_leader *le, uint64_t now)
{
    return le->observed_any && le->observed_ms + (uint64_t)le->observed.duration_s * 1000u > now;
}

static void check_idle(k8s_leader *le);
static void attempt(k8s_leader *le);
static void end(k8s_leader *le);

static void request_done(void *data, k8s_code code, void *result, const k8s_error *err);

/* Sends one request; the Lease body (create, update) lives in arena. */
static void submit(k8s_leader *le, request req, k8s_verb verb, k8s_arena *arena, const lease *body)
{
    k8s_op op = {&k8s_lease_resource, NULL, verb, &k8s_lease_desc, &k8s_lease_desc, "Lease"};
    k8s_get_options go = {.call = {.timeout_ms = le->renew_ms, .id = &le->call}};
    k8s_write_options wo = {.call = go.call};
    k8s_args args = {.namespace_ = le->namespace_, .name = verb == K8S_VERB_CREATE ? NULL : le->name,
                     .body = body, .options = verb == K8S_VERB_GET ? (const void *)&go : (const void *)&wo};
    le->req = req;
    le->req_arena = arena;
    le->req_sent_ms = k8s_now_ms();
    k8s_code rc = arena ? k8s_call_async(le->client, arena, &op, &args, request_done, le) : K8S_ENOMEM;
    if (rc) { /* handled as a request that failed, on this turn */
        k8s_arena_free(arena);
        le->req_arena = NULL;
        request_done(le, rc == K8S_ECLOSED ? K8S_ECANCELED : rc, NULL, NULL);
    }
}

/* The Lease to write: the last one seen with the spec's record replaced,
 * or a new one. */
static lease *lease_to_write(k8s_leader *le, const record *r, k8s_arena *a)
{
    lease *l = k8s_arena_alloc(a, sizeof *l);
    lease_spec *s = k8s_arena_alloc(a, sizeof *s);
    if (!l || !s)
        return NULL;
    if (le->lease) {
        *l = *le->lease;
        if (le->lease->spec)
            *s = *le->lease->spec;
    } else {
        lease_meta *m = k8s_arena_alloc(a, sizeof *m);
        if (!m)
            return NULL;
        m->name = le->name;
        m->namespace_ = le->namespace_;
        l->metadata = m;
    }
    l->kind = "Lease";
    l->apiVersion = "coordination.k8s.io/v1";
    l->spec = s;
    s->holderIdentity = k8s_arena_strdup(a, r->holder);
    s->has_leaseDurationSeconds = s->has_leaseTransitions = true;
    s->leaseDurationSeconds = r->duration_s;
    s->leaseTransitions = r->transitions;
    s->acquireTime = k8s_arena_strdup(a, r->acquire);
    s->renewTime = k8s_arena_strdup(a, r->renew);
    return s->holderIdentity && s->acquireTime && s->renewTime ? l : NULL;
}

static void write_lease(k8s_leader *le, request req, const record *r)
{
    k8s_arena *a = k8s_arena_new();
    lease *l = a ? lease_to_write(le, r, a) : NULL;
    if (req != REQ_RELEASE_PUT)
        le->want = *r;
    submit(le, req, req == REQ_CREATE ? K8S_VERB_CREATE : K8S_VERB_REPLACE, l ? a : NULL, l);
    if (!l)
        k8s_arena_free(a);
}

static void adopt(k8s_leader *le, k8s_arena *a, lease *l)
{
    k8s_arena_free(le->lease_arena);
    le->lease_arena = a;
    le->lease = l;
}

static uint64_t next_random(k8s_leader *le)
{
    le->rng ^= le->rng << 13;
    le->rng ^= le->rng >> 7;
    le->rng ^= le->rng << 17;
    return le->rng;
}

/* When to try next: the leader every retry period; a candidate every
 * retry period less up to 20%, or as soon as the lease it sees expires. */
static void schedule_next(k8s_leader *le)
{
    if (le->ending)
        return;
    uint64_t ms = (uint64_t)le->retry_ms;
    if (!le->leading) {
        ms -= next_random(le) % (ms / 5 + 1);
        uint64_t now = k8s_now_ms();
        if (le->observed_any && le->observed.holder[0] && lease_valid(le, now)) {
            uint64_t expires = le->observed_ms + (uint64_t)le->observed.duration_s * 1000u;
            if (expires - now + 1 < ms)
                ms = expires - now + 1;
        }
    }
    k8s_timer_start(le->retry, ms);
}

static void become_leader(k8s_leader *le)
{
    le->leading = true;
    set_shared(le);
    post(le, CB_STARTED, NULL);
}

/* A write of ours went through: leading (again) until the deadline. */
static void written(k8s_leader *le, k8s_arena *a, lease *l)
{
    uint64_t now = k8s_now_ms();
    adopt(le, a, l);
    observe(le, &le->want, now);
    if (le->leading)
        count(le, &le->stats.renewals);
    else
        become_leader(le);
    uint64_t until = le->req_sent_ms + (uint64_t)le->renew_ms;
    if (until <= now) { /* the write took longer than the deadline allows */
        end(le);
        return;
    }
    k8s_timer_start(le->deadline, until - now);
    schedule_next(le);
}

/* The Lease was read: take it if it is free or expired, renew it if ours. */
static void got(k8s_leader *le, k8s_arena *a, lease *l)
{
    uint64_t now = k8s_now_ms();
    record seen, next;
    adopt(le, a, l);
    record_of(l, &seen);
    observe(le, &seen, now);
    bool mine = strcmp(seen.holder, le->identity) == 0;
    if (seen.holder[0] && !mine && lease_valid(le, now)) {
        if (le->leading) /* someone else holds it: we lost it without noticing */
            end(le);
        else
            schedule_next(le);
        return;
    }
    next = (record){.duration_s = le->lease_s, .transitions = mine ? seen.transitions : seen.transitions + 1};
    snprintf(next.holder, sizeof next.holder, "%s", le->identity);
    wall_now(next.renew);
    snprintf(next.acquire, sizeof next.acquire, "%s", mine && seen.acquire[0] ? seen.acquire : next.renew);
    write_lease(le, REQ_UPDATE, &next);
}

static void release_got(k8s_leader *le, k8s_arena *a, lease *l)
{
    record seen, next = {.duration_s = 1};
    adopt(le, a, l);
    record_of(l, &seen);
    if (strcmp(seen.holder, le->identity) != 0) { /* not ours any more: nothing to give up */
        le->release_wanted = false;
        return;
    }
    /* as client-go's release: no holder, 1 s, the transitions kept */
    next.transitions = seen.transitions;
    wall_now(next.renew);
    memcpy(next.acquire, next.renew, sizeof next.acquire);
    write_lease(le, REQ_RELEASE_PUT, &next);
}

static void request_done(void *data, k8s_code code, void *result, const k8s_error *err)
{
    (void)err;
    k8s_leader *le = data;
    request req = le->req;
    k8s_arena *a = le->req_arena;
    le->req = REQ_NONE;
    le->req_arena = NULL;
    if (req == REQ_RELEASE_GET || req == REQ_RELEASE_PUT) {
        if (code == K8S_OK && req == REQ_RELEASE_GET) {
            release_got(le, a, result);
        } else {
            k8s_arena_free(a);
            /* a conflict: it raced a renew in flight; look again */
            le->release_wanted = code == K8S_ECONFLICT && ++le->release_tries < 5;
        }
        check_idle(le);
        return;
    }
    if (le->ending) {
        k8s_arena_free(a);
        check_idle(le);
        return;
    }
    if (code == K8S_ECANCELED) { /* not by us: the client is closing */
        k8s_arena_free(a);
        end(le);
        return;
    }
    if (code == K8S_OK) {
        if (req == REQ_GET)
            got(le, a, result);
        else
            written(le, a, result);
        return;
    }
    k8s_arena_free(a);
    if (req == REQ_GET && code == K8S_ENOTFOUND) {
        record next = {.duration_s = le->lease_s};
        snprintf(next.holder, sizeof next.holder, "%s", le->identity);
        wall_now(next.renew);
        memcpy(next.acquire, next.renew, sizeof next.acquire);
        le->lease = NULL;
        write_lease(le, REQ_CREATE, &next);
        return;
    }
    count(le, code == K8S_ECONFLICT ? &le->stats.conflicts : &le->stats.failures);
    if (req == REQ_RENEW) { /* client-go's slow path: read it, then decide */
        submit(le, REQ_GET, K8S_VERB_GET, k8s_arena_new(), NULL);
        return;
    }
    schedule_next(le);
}

static void attempt(k8s_leader *le)
{
    if (le->ending || le->req != REQ_NONE)
        return;
    count(le, &le->stats.attempts);
    if (le->leading && le->lease && lease_valid(le, k8s_now_ms())) {
        record next = le->observed; /* ours: same acquire time and transitions */
        next.duration_s = le->lease_s;
        wall_now(next.renew);
        write_lease(le, REQ_RENEW, &next);
        return;
    }
    submit(le, REQ_GET, K8S_VERB_GET, k8s_arena_new(), NULL);
}

static void retry_fired(void *data)
{
    attempt(data);
}

static void deadline_fired(void *data)
{
    end(data); /* no successful renewal in time: stop before the lease runs out */
}

/* Leading (or trying to) is over, for good. */
static void end(k8s_leader *le)
{
    if (le->ending)
        return;
    le->ending = true;
    k8s_timer_stop(le->retry);
    k8s_timer_stop(le->deadline);
    if (le->req != REQ_NONE)
        k8s_cancel(le->client, le->call);
    le->release_wanted = le->leading && le->release_on_stop;
    le->leading = false;
    set_shared(le);
    post(le, CB_STOPPED, NULL);
    check_idle(le);
}

/* On the loop, once on_stopped_leading has returned. */
static void stopped_reported(void *data)
{
    k8s_leader *le = data;
    le->stopped_reported = true;
    check_idle(le);
}

/* Once ended, with on_stopped_leading done and nothing in flight: the
 * release, if wanted, then the handshake with k8s_leader_free. */
static void check_idle(k8s_leader *le)
{
    if (!le->ending || le->req != REQ_NONE || !le->stopped_reported)
        return;
    if (le->release_wanted) {
        submit(le, REQ_RELEASE_GET, K8S_VERB_GET, k8s_arena_new(), NULL);
        return;
    }
    k8s_timer_free(le->retry);
    k8s_timer_free(le->deadline);
    le->retry = le->deadline = NULL;
    pthread_mutex_lock(&le->mu);
    le->idle = true;
    pthread_cond_broadcast(&le->cond);
    pthread_mutex_unlock(&le->mu);
}

static void begin(void *data)
{
    k8s_leader *le = data;
    le->retry = k8s_timer_new(le->loop, retry_fired, le);
    le->deadline = k8s_timer_new(le->loop, deadline_fired, le);
    if (!le->retry || !le->deadline) {
        end(le);
        return;
    }
    attempt(le);
}

static void stop_now(void *data)
{
    end(data);
}

static void *callback_thread(void *arg)
{
    k8s_leader *le = arg;
    void *p;
    while (k8s_queue_get(le->cbq, -1, &p) == K8S_OK) {
        cb_item *it = p;
        const k8s_leader_callbacks *cb = &le->cb;
        if (it->type == CB_STARTED && cb->on_started_leading)
            cb->on_started_leading(cb->data);
        else if (it->type == CB_NEW_LEADER && cb->on_new_leader)
            cb->on_new_leader(cb->data, it->holder);
        else if (it->type == CB_STOPPED) {
            if (cb->on_stopped_leading)
                cb->on_stopped_leading(cb->data);
            k8s_loop_call(le->loop, stopped_reported, le);
        }
        free(it);
    }
    return NULL;
}

/* ---- the API ---- */

static void release_memory(k8s_leader *le)
{
    if (le->cbq)
        k8s_queue_free(le->cbq, free);
    k8s_arena_free(le->lease_arena);
    free(le->namespace_);
    free(le->name);
    free(le->identity);
    pthread_mutex_destroy(&le->mu);
    pthread_cond_destroy(&le->cond);
    free(le);
}

static k8s_code invalid(k8s_error *err, const char *what)
{
    k8s_error_set(err, K8S_EINVAL, NULL, NULL, NULL, "leader election: %s", what);
    return K8S_EINVAL;
}

k8s_code k8s_leader_start(k8s_client *client, const k8s_leader_options *o, k8s_leader **out, k8s_error *err)
{
    if (out)
        *out = NULL;
    if (!client || !o || !out)
        return invalid(err, "no client, options or result pointer");
    int lease_ms = o->lease_duration_ms ? o->lease_duration_ms : 15000;
    int renew_ms = o->renew_deadline_ms ? o->renew_deadline_ms : 10000;
    int retry_ms = o->retry_period_ms ? o->retry_period_ms : 2000;
    /* client-go's checks (NewLeaderElector) */
    if (!o->name || !*o->name)
        return invalid(err, "the Lease needs a name");
    if (!o->identity || !*o->identity || strlen(o->identity) >= sizeof ((record *)0)->holder)
        return invalid(err, "the identity must be set (and shorter than 256 bytes)");
    if (lease_ms < 1 || renew_ms < 1 || retry_ms < 1)
        return invalid(err, "durations must be positive");
    if (lease_ms <= renew_ms)
        return invalid(err, "the lease duration must be greater than the renew deadline");
    if ((double)renew_ms <= 1.2 * retry_ms)
        return invalid(err, "the renew deadline must be greater than 1.2 x the retry period");
    k8s_leader *le = calloc(1, sizeof *le);
    if (!le)
        return K8S_ENOMEM;
    le->client = client;
    le->loop = k8s_client_loop(client);
    le->lease_ms = lease_ms;
    le->renew_ms = renew_ms;
    le->retry_ms = retry_ms;
    le->lease_s = (int32_t)((lease_ms + 999) / 1000);
    le->release_on_stop = o->release_on_stop;
    le->cb = o->callbacks;
    le->rng = (uint64_t)(uintptr_t)le ^ k8s_now_ms() ^ 0x9E3779B97F4A7C15u;
    pthread_mutex_init(&le->mu, NULL);
    pthread_cond_init(&le->cond, NULL);
    le->namespace_ = strdup(o->namespace_ ? o->namespace_ : k8s_client_namespace(client));
    le->name = strdup(o->name);
    le->identity = strdup(o->identity);
    le->cbq = k8s_queue_new(0);
    if (!le->namespace_ || !le->name || !le->identity || !le->cbq) {
        release_memory(le);
        return K8S_ENOMEM;
    }
    if (pthread_create(&le->cb_thread, NULL, callback_thread, le) != 0) {
        release_memory(le);
        return K8S_ENOMEM;
    }
    le->cb_started = true;
    k8s_code rc = k8s_loop_call(le->loop, begin, le);
    if (rc) {
        k8s_queue_close(le->cbq);
        pthread_join(le->cb_thread, NULL);
        release_memory(le);
        return rc;
    }
    *out = le;
    return K8S_OK;
}

bool k8s_leader_is_leader(k8s_leader *le)
{
    pthread_mutex_lock(&le->mu);
    bool l = le->shared_leading;
    pthread_mutex_unlock(&le->mu);
    return l;
}

void k8s_leader_holder(k8s_leader *le, char *buf, size_t size)
{
    pthread_mutex_lock(&le->mu);
    snprintf(buf, size, "%s", le->shared_holder);
    pthread_mutex_unlock(&le->mu);
}

bool k8s_leader_ended(k8s_leader *le)
{
    pthread_mutex_lock(&le->mu);
    bool e = le->shared_ended;
    pthread_mutex_unlock(&le->mu);
    return e;
}

void k8s_leader_stop(k8s_leader *le)
{
    if (le)
        k8s_loop_call(le->loop, stop_now, le);
}

void k8s_leader_stats_get(k8s_leader *le, k8s_leader_stats *out)
{
    pthread_mutex_lock(&le->mu);
    *out = le->stats;
    pthread_mutex_unlock(&le->mu);
}

void k8s_leader_free(k8s_leader *le)
{
    if (!le)
        return;
    if (k8s_loop_call(le->loop, stop_now, le) == K8S_OK) {
        pthread_mutex_lock(&le->mu);
        while (!le->idle)
            pthread_cond_wait(&le->cond, &le->mu);
        pthread_mutex_unlock(&le->mu);
    }
    k8s_queue_close(le->cbq);
    pthread_join(le->cb_thread, NULL);
    release_memory(le);
}
