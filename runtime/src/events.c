/* The event recorder (k8s/events.h). record() runs on the caller's thread
 * and only updates memory under the recorder's lock: the cache of events
 * by their identity (client-go's eventCache, one entry per series), the
 * per-object token buckets, and a FIFO of entries that want writing. The
 * writes themselves are async calls started on the client's loop thread,
 * a few at a time; each sends the entry's state as it is then, so repeats
 * that come in while a write is on its way are counted, not lost. */
#define _GNU_SOURCE
#include "k8s/events.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bucket_internal.h"
#include "control_internal.h"
#include "htable_internal.h"
#include "internal.h"
#include "k8s/values.h"

#define MAX_IN_FLIGHT 4
#define MAX_TRIES 12 /* client-go's maxTriesPerEvent */

typedef struct entry {
    k8s_hentry h;
    struct entry *next; /* in the FIFO */
    char *key;
    char *name, *namespace_;
    char *fields; /* the immutable members of the Event, as JSON: "reportingController":...,"type":"..." */
    char event_time[K8S_TIME_TEXT_MAX], last_observed[K8S_TIME_TEXT_MAX];
    uint64_t last_seen_ms, last_write_ms, retry_at_ms;
    uint32_t count, sent, written; /* occurrences; as in the write on its way; as the server has it */
    int tries;
    bool created, want_write, queued, in_flight;
} entry;

typedef struct object_bucket {
    k8s_hentry h;
    k8s_bucket bucket;
    char key[];
} object_bucket;

typedef struct event_write {
    k8s_event_recorder *r;
    entry *e;
    bool create;
    k8s_arena *arena;
    k8s_call_id id;
} event_write;

struct k8s_event_recorder {
    k8s_client *client;
    k8s_loop *loop;
    char *controller, *instance;
    size_t max_queued;
    double qps, burst;
    uint64_t refresh_ms, finish_ms, retry_ms;

    pthread_mutex_t mu;
    pthread_cond_t cond; /* flush and free wait here */
    k8s_htable entries, buckets;
    entry *head, *tail;
    size_t queued;
    event_write *flying[MAX_IN_FLIGHT];
    int in_flight;
    bool pump_scheduled, closing, loop_done;
    uint64_t rng;
    k8s_event_recorder_stats stats;

    k8s_timer *tick, *wake; /* loop thread */
};

/* ---- on any thread, under mu ---- */

static void enqueue(k8s_event_recorder *r, entry *e)
{
    e->want_write = true;
    if (e->queued || e->in_flight)
        return;
    e->queued = true;
    e->next = NULL;
    if (r->tail)
        r->tail->next = e;
    else
        r->head = e;
    r->tail = e;
    r->queued++;
}

static void pump(void *data);
static void pump_locked(k8s_event_recorder *r);

static void kick(k8s_event_recorder *r)
{
    if (r->head && !r->pump_scheduled && !r->loop_done &&
        k8s_loop_call(r->loop, pump, r) == K8S_OK)
        r->pump_scheduled = true;
}

static void entry_free(entry *e)
{
    free(e->key);
    free(e->name);
    free(e->namespace_);
    free(e->fields);
    free(e);
}

static void now_text(char *buf)
{
    k8s_time t = {0};
    k8s_time_now(&t);
    k8s_microtime_format(&t, buf, K8S_TIME_TEXT_MAX);
}

/* ---- identity and body ---- */

static k8s_code append_ref_key(k8s_buf *b, const k8s_object_ref *o)
{
    const char *parts[] = {o ? o->kind : NULL, o ? o->api_version : NULL, o ? o->namespace_ : NULL,
                           o ? o->name : NULL, o ? o->uid : NULL, o ? o->resource_version : NULL,
                           o ? o->field_path : NULL};
    k8s_code rc = K8S_OK;
    for (size_t i = 0; !rc && i < sizeof parts / sizeof parts[0]; i++) {
        rc = k8s_buf_append_str(b, parts[i] ? parts[i] : "");
        if (!rc)
            rc = k8s_buf_append(b, "\x1f", 1);
    }
    return rc;
}

/* client-go's eventKey: everything but the note and the times. */
static char *identity_of(const k8s_object_ref *regarding, const k8s_object_ref *related, const char *type,
                         const char *reason, const char *action)
{
    k8s_buf b = K8S_BUF_INIT;
    k8s_code rc = k8s_buf_append_str(&b, type);
    const char *parts[] = {"\x1f", action, "\x1f", reason, "\x1f"};
    for (size_t i = 0; !rc && i < sizeof parts / sizeof parts[0]; i++)
        rc = k8s_buf_append_str(&b, parts[i]);
    if (!rc)
        rc = append_ref_key(&b, regarding);
    if (!rc)
        rc = append_ref_key(&b, related);
    if (rc) {
        k8s_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static k8s_code append_ref(k8s_buf *b, const char *name, const k8s_object_ref *o)
{
    k8s_code rc = k8s_buf_append_str(b, ",\"");
    if (!rc)
        rc = k8s_buf_append_str(b, name);
    if (!rc)
        rc = k8s_buf_append_str(b, "\":{");
    bool first = true;
    const char *names[] = {"kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"};
    const char *values[] = {o->kind, o->namespace_, o->name, o->uid, o->api_version, o->resource_version, o->field_path};
    for (size_t i = 0; !rc && i < sizeof names / sizeof names[0]; i++) {
        if (!values[i] || !*values[i])
            continue;
        rc = k8s_json_member(b, first, names[i], values[i]);
        first = false;
    }
    return rc ? rc : k8s_buf_append_str(b, "}");
}

/* The note cut to 1024 bytes, not inside a UTF-8 sequence. */
static void cut_note(char *note)
{
    size_t n = strlen(note);
    if (n <= 1024)
        return;
    n = 1024;
    while (n > 0 && ((unsigned char)note[n] & 0xC0) == 0x80)
        n--;
    note[n] = '\0';
}

static char *fields_of(const k8s_event_recorder *r, const k8s_object_ref *regarding, const k8s_object_ref *related,
                       const char *type, const char *reason, const char *action, const char *note)
{
    k8s_buf b = K8S_BUF_INIT;
    k8s_code rc = k8s_json_member(&b, true, "reportingController", r->controller);
    if (!rc)
        rc = k8s_json_member(&b, false, "reportingInstance", r->instance);
    if (!rc)
        rc = k8s_json_member(&b, false, "action", action);
    if (!rc)
        rc = k8s_json_member(&b, false, "reason", reason);
    if (!rc)
        rc = append_ref(&b, "regarding", regarding);
    if (!rc && related)
        rc = append_ref(&b, "related", related);
    if (!rc && note && *note)
        rc = k8s_json_member(&b, false, "note", note);
    if (!rc)
        rc = k8s_json_member(&b, false, "type", type);
    if (rc) {
        k8s_buf_free(&b);
        return NULL;
    }
    return b.data;
}

/* A new series entry (count 0): the Event's name is client-go's. */
static entry *entry_new(k8s_event_recorder *r, char *key, const k8s_object_ref *regarding,
                        const k8s_object_ref *related, const char *type, const char *reason, const char *action,
                        const char *note)
{
    entry *e = calloc(1, sizeof *e);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char name[320];
    snprintf(name, sizeof name, "%.253s.%llx", regarding->name,
             (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec);
    if (e) {
        e->key = key;
        e->name = strdup(name);
        e->namespace_ = strdup(regarding->namespace_ && *regarding->namespace_ ? regarding->namespace_ : "default");
        e->fields = fields_of(r, regarding, related, type, reason, action, note);
        now_text(e->event_time);
        e->h.key = e->key;
        e->h.hash = k8s_hash_str(e->key);
    }
    if (!e || !e->name || !e->namespace_ || !e->fields || !k8s_htable_insert(&r->entries, &e->h)) {
        if (e)
            entry_free(e);
        else
            free(key);
        return NULL;
    }
    return e;
}

/* client-go's EventSourceObjectSpamFilter: a bucket per object. */
static bool allowed(k8s_event_recorder *r, const k8s_object_ref *o, uint64_t now_ms)
{
    char key[600];
    snprintf(key, sizeof key, "%s\x1f%s\x1f%s\x1f%s", o->kind ? o->kind : "", o->namespace_ ? o->namespace_ : "",
             o->name ? o->name : "", o->uid ? o->uid : "");
    uint32_t hash = k8s_hash_str(key);
    k8s_hentry *h = k8s_htable_find(&r->buckets, key, hash);
    object_bucket *b = h ? K8S_HCONTAINER(h, object_bucket, h) : NULL;
    if (!b) {
        size_t n = strlen(key) + 1;
        if (!(b = malloc(sizeof *b + n)))
            return false;
        memcpy(b->key, key, n);
        b->h.key = b->key;
        b->h.hash = hash;
        k8s_bucket_init(&b->bucket, r->qps, r->burst, now_ms * 1000000u);
        if (!k8s_htable_insert(&r->buckets, &b->h)) {
            free(b);
            return false;
        }
    }
    return k8s_bucket_take(&b->bucket, now_ms * 1000000u);
}

static bool valid_text(const char *s)
{
    return s && *s && strlen(s) <= 128;
}

k8s_code k8s_event_record(k8s_event_recorder *r, const k8s_object_ref *regarding, const k8s_object_ref *related,
                          const char *type, const char *reason, const char *action, const char *note_fmt, ...)
{
    if (!r || !regarding || !regarding->name || !*regarding->name || !regarding->kind || !type ||
        (strcmp(type, K8S_EVENT_NORMAL) != 0 && strcmp(type, K8S_EVENT_WARNING) != 0) || !valid_text(reason) ||
        !valid_text(action))
        return K8S_EINVAL;
    char note[1100] = "";
    if (note_fmt) {
        va_list ap;
        va_start(ap, note_fmt);
        vsnprintf(note, sizeof note, note_fmt, ap);
        va_end(ap);
        cut_note(note);
    }
    char *key = identity_of(regarding, related, type, reason, action);
    if (!key)
        return K8S_ENOMEM;
    uint64_t now = k8s_now_ms();
    k8s_code rc = K8S_OK;
    pthread_mutex_lock(&r->mu);
    k8s_hentry *h = k8s_htable_find(&r->entries, key, k8s_hash_str(key));
    entry *e = h ? K8S_HCONTAINER(h, entry, h) : NULL;
    if (e) { /* a repeat: counted; the second one is written at once (client-go) */
        free(key);
        e->count++;
        e->last_seen_ms = now;
        now_text(e->last_observed);
        if (e->count == 2)
            enqueue(r, e);
    } else if (r->closing) {
        free(key);
        rc = K8S_ECLOSED;
    } else if (!allowed(r, regarding, now)) {
        free(key);
        r->stats.throttled++;
        rc = K8S_ETHROTTLED;
    } else if (r->queued >= r->max_queued) {
        free(key);
        r->stats.dropped++;
        rc = K8S_EFULL;
    } else if (!(e = entry_new(r, key, regarding, related, type, reason, action, note))) {
        rc = K8S_ENOMEM;
    } else {
        e->count = 1;
        e->last_seen_ms = now;
        enqueue(r, e);
    }
    if (!rc) {
        r->stats.recorded++;
        kick(r);
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

/* ---- writes, on the loop thread ---- */

static bool settled(const entry *e)
{
    return !e->queued && !e->in_flight && e->written == e->count && e->created;
}

static void write_done(void *data, k8s_code code, void *result, const k8s_error *err);
static void finish_write(k8s_event_recorder *r, event_write *w, k8s_code code, const k8s_error *err);

static k8s_code series_json(k8s_buf *b, const entry *e)
{
    char count[32];
    snprintf(count, sizeof count, "%u", e->count);
    k8s_code rc = k8s_buf_append_str(b, "\"series\":{\"count\":");
    if (!rc)
        rc = k8s_buf_append_str(b, count);
    if (!rc)
        rc = k8s_json_member(b, false, "lastObservedTime", e->last_observed);
    return rc ? rc : k8s_buf_append_str(b, "}");
}

/* The create body, or the series patch. */
static char *body_of(const entry *e, bool create, k8s_arena *a)
{
    k8s_buf b = K8S_BUF_INIT;
    k8s_code rc = k8s_buf_append_str(&b, "{");
    if (create) {
        rc = k8s_buf_append_str(&b, "\"apiVersion\":\"events.k8s.io/v1\",\"kind\":\"Event\",\"metadata\":{");
        if (!rc)
            rc = k8s_json_member(&b, true, "name", e->name);
        if (!rc)
            rc = k8s_json_member(&b, false, "namespace", e->namespace_);
        if (!rc)
            rc = k8s_buf_append_str(&b, "}");
        if (!rc)
            rc = k8s_json_member(&b, false, "eventTime", e->event_time);
        if (!rc)
            rc = k8s_buf_append_str(&b, ",");
        if (!rc && e->count > 1 && !(rc = series_json(&b, e)))
            rc = k8s_buf_append_str(&b, ",");
        if (!rc)
            rc = k8s_buf_append_str(&b, e->fields);
    } else {
        rc = series_json(&b, e);
    }
    if (!rc)
        rc = k8s_buf_append_str(&b, "}");
    char *s = rc ? NULL : k8s_arena_strndup(a, b.data, b.len);
    k8s_buf_free(&b);
    return s;
}

/* Starts the write of e (taken off the FIFO); false when it could not. */
static bool start_write(k8s_event_recorder *r, entry *e)
{
    event_write *w = calloc(1, sizeof *w);
    if (!w)
        return false;
    w->r = r;
    w->e = e;
    w->create = !e->created;
    w->arena = k8s_arena_new();
    char *body = w->arena ? body_of(e, w->create, w->arena) : NULL;
    k8s_op op = {&k8s_event_resource, NULL, w->create ? K8S_VERB_CREATE : K8S_VERB_PATCH, NULL, NULL, "Event"};
    k8s_write_options wo = {.call.id = &w->id};
    k8s_patch_options po = {.call.id = &w->id, .type = K8S_PATCH_MERGE};
    k8s_args args = {.namespace_ = e->namespace_, .name = w->create ? NULL : e->name, .text = body,
                     .options = w->create ? (const void *)&wo : (const void *)&po};
    e->sent = e->count;
    e->want_write = false;
    e->in_flight = true;
    int slot = 0;
    while (r->flying[slot])
        slot++;
    r->flying[slot] = w;
    r->in_flight++;
    k8s_code rc = body ? k8s_call_async(r->client, w->arena, &op, &args, write_done, w) : K8S_ENOMEM;
    if (rc) { /* as a write that failed */
        finish_write(r, w, rc, NULL);
        return true;
    }
    e->last_write_ms = k8s_now_ms();
    return true;
}

static void arm_wake(k8s_event_recorder *r, uint64_t at_ms)
{
    if (!r->wake || !at_ms)
        return;
    uint64_t now = k8s_now_ms();
    k8s_timer_start(r->wake, at_ms > now ? at_ms - now : 0);
}

static void pump_locked(k8s_event_recorder *r)
{
    uint64_t now = k8s_now_ms(), next = 0;
    entry **p = &r->head, *prev = NULL;
    while (*p && r->in_flight < MAX_IN_FLIGHT && !r->loop_done) {
        entry *e = *p;
        if (e->retry_at_ms > now) {
            if (!next || e->retry_at_ms < next)
                next = e->retry_at_ms;
            prev = e;
            p = &e->next;
            continue;
        }
        *p = e->next; /* off the FIFO */
        if (r->tail == e)
            r->tail = prev;
        e->queued = false;
        r->queued--;
        if (e->created && e->written == e->count) { /* asked for while a write was on its way, which did it */
            e->want_write = false;
            continue;
        }
        if (!start_write(r, e)) {
            enqueue(r, e); /* out of memory: later */
            break;
        }
    }
    arm_wake(r, next);
}

static void pump(void *data)
{
    k8s_event_recorder *r = data;
    pthread_mutex_lock(&r->mu);
    r->pump_scheduled = false;
    pump_locked(r);
    pthread_mutex_unlock(&r->mu);
}

static bool retryable(k8s_code code, const k8s_error *err)
{
    if (code == K8S_ECANCELED || code == K8S_EINVAL || code == K8S_ECLOSED)
        return false;
    int st = err ? err->http_status : 0;
    return code == K8S_ENOMEM || st == 0 || st == 429 || st >= 500;
}

/* Under mu: what a write's outcome means for its entry; frees w. */
static void finish_write(k8s_event_recorder *r, event_write *w, k8s_code code, const k8s_error *err)
{
    entry *e = w->e;
    for (int i = 0; i < MAX_IN_FLIGHT; i++)
        if (r->flying[i] == w)
            r->flying[i] = NULL;
    r->in_flight--;
    e->in_flight = false;
    if (code == K8S_OK || (w->create && code == K8S_ECONFLICT)) {
        /* written; a create refused as AlreadyExists will not succeed later */
        if (w->create)
            r->stats.created++;
        else
            r->stats.series_writes++;
        e->created = true;
        e->written = e->sent;
        e->tries = 0;
        e->retry_at_ms = 0;
    } else if (!w->create && code == K8S_ENOTFOUND) {
        e->created = false; /* gone (expired): create it again, series included */
        e->want_write = true;
    } else if (retryable(code, err) && !r->closing && ++e->tries < MAX_TRIES) {
        r->stats.retries++;
        e->want_write = true;
        uint64_t jitter = r->retry_ms / 4;
        r->rng = r->rng * 6364136223846793005u + 1442695040888963407u;
        e->retry_at_ms = k8s_now_ms() + r->retry_ms - jitter + (r->rng >> 33) % (2 * jitter + 1);
    } else { /* refused, or out of tries: given up */
        r->stats.failed++;
        e->created = true;
        e->written = e->sent;
        e->tries = 0;
    }
    if (e->want_write)
        enqueue(r, e);
    pthread_cond_broadcast(&r->cond);
    k8s_arena_free(w->arena);
    free(w);
}

static void write_done(void *data, k8s_code code, void *result, const k8s_error *err)
{
    (void)result;
    event_write *w = data;
    k8s_event_recorder *r = w->r;
    pthread_mutex_lock(&r->mu);
    finish_write(r, w, code, err);
    pump_locked(r);
    pthread_mutex_unlock(&r->mu);
}

/* Housekeeping: series are written every refresh_ms while they go on,
 * closed once unseen for finish_ms (client-go's refresh and finish). */
static void tick(void *data)
{
    k8s_event_recorder *r = data;
    uint64_t now = k8s_now_ms();
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; r->entries.buckets && i <= r->entries.mask; i++) {
        for (k8s_hentry *h = r->entries.buckets[i], *next; h; h = next) {
            next = h->next;
            entry *e = K8S_HCONTAINER(h, entry, h);
            bool idle = now - e->last_seen_ms >= r->finish_ms;
            if (e->count != e->written && (idle || now - e->last_write_ms >= r->refresh_ms))
                enqueue(r, e);
            else if (idle && settled(e)) {
                k8s_htable_remove(&r->entries, h);
                entry_free(e);
            }
        }
    }
    for (size_t i = 0; r->buckets.buckets && i <= r->buckets.mask; i++) {
        for (k8s_hentry *h = r->buckets.buckets[i], *next; h; h = next) {
            next = h->next;
            object_bucket *b = K8S_HCONTAINER(h, object_bucket, h);
            k8s_bucket_refill(&b->bucket, now * 1000000u);
            if (b->bucket.tokens >= b->bucket.burst) { /* full again: as good as new */
                k8s_htable_remove(&r->buckets, h);
                free(b);
            }
        }
    }
    pump_locked(r);
    pthread_mutex_unlock(&r->mu);
    k8s_timer_start(r->tick, r->refresh_ms < r->finish_ms ? r->refresh_ms : r->finish_ms);
}

static void wake_fired(void *data)
{
    pump(data);
}

static void begin(void *data)
{
    k8s_event_recorder *r = data;
    r->tick = k8s_timer_new(r->loop, tick, r);
    r->wake = k8s_timer_new(r->loop, wake_fired, r);
    if (r->tick)
        k8s_timer_start(r->tick, r->refresh_ms < r->finish_ms ? r->refresh_ms : r->finish_ms);
}

/* The last loop-thread step of free: nothing runs there after it. */
static void end_on_loop(void *data)
{
    k8s_event_recorder *r = data;
    k8s_timer_free(r->tick);
    k8s_timer_free(r->wake);
    pthread_mutex_lock(&r->mu);
    r->tick = r->wake = NULL;
    for (int i = 0; i < MAX_IN_FLIGHT; i++)
        if (r->flying[i])
            k8s_cancel(r->client, r->flying[i]->id);
    r->loop_done = true;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->mu);
}

/* ---- the API ---- */

k8s_code k8s_event_recorder_new(k8s_client *client, const k8s_event_recorder_options *o,
                                k8s_event_recorder **out, k8s_error *err)
{
    if (out)
        *out = NULL;
    if (!client || !o || !out || !o->reporting_controller || !*o->reporting_controller) {
        k8s_error_set(err, K8S_EINVAL, NULL, NULL, NULL, "events: a reporting controller is required");
        return K8S_EINVAL;
    }
    k8s_event_recorder *r = calloc(1, sizeof *r);
    if (!r)
        return K8S_ENOMEM;
    r->client = client;
    r->loop = k8s_client_loop(client);
    r->max_queued = o->max_queued > 0 ? (size_t)o->max_queued : 1000;
    r->burst = o->burst > 0 ? o->burst : 25;
    r->qps = o->qps > 0 ? o->qps : 1.0 / 300;
    r->refresh_ms = o->refresh_ms > 0 ? (uint64_t)o->refresh_ms : 30 * 60 * 1000;
    r->finish_ms = o->finish_ms > 0 ? (uint64_t)o->finish_ms : 6 * 60 * 1000;
    r->retry_ms = o->retry_ms > 0 ? (uint64_t)o->retry_ms : 10000;
    r->rng = (uint64_t)(uintptr_t)r ^ k8s_now_ms();
    r->controller = strdup(o->reporting_controller);
    if (o->reporting_instance) {
        r->instance = strndup(o->reporting_instance, 128);
    } else {
        char host[256] = "";
        gethostname(host, sizeof host - 1);
        char inst[400];
        snprintf(inst, sizeof inst, "%s-%s", o->reporting_controller, host);
        r->instance = strndup(inst, 128);
    }
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cond, &ca);
    pthread_condattr_destroy(&ca);
    k8s_code rc = r->controller && r->instance ? k8s_loop_call(r->loop, begin, r) : K8S_ENOMEM;
    if (rc) {
        free(r->controller);
        free(r->instance);
        pthread_mutex_destroy(&r->mu);
        pthread_cond_destroy(&r->cond);
        free(r);
        return rc;
    }
    *out = r;
    return K8S_OK;
}

static void timed_wait(k8s_event_recorder *r, const struct timespec *until)
{
    if (until)
        pthread_cond_timedwait(&r->cond, &r->mu, until);
    else
        pthread_cond_wait(&r->cond, &r->mu);
}

static struct timespec deadline_of(int timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

k8s_code k8s_event_recorder_flush(k8s_event_recorder *r, int timeout_ms)
{
    if (!r || k8s_loop_on_thread(r->loop))
        return K8S_EINVAL;
    struct timespec until = deadline_of(timeout_ms < 0 ? 0 : timeout_ms);
    k8s_code rc = K8S_OK;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; r->entries.buckets && i <= r->entries.mask; i++) {
        for (k8s_hentry *h = r->entries.buckets[i]; h; h = h->next) {
            entry *e = K8S_HCONTAINER(h, entry, h);
            e->retry_at_ms = 0; /* now, not after a retry pause */
            if (e->count != e->written || !e->created)
                enqueue(r, e);
        }
    }
    kick(r);
    while ((r->head || r->in_flight) && !r->loop_done) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (timeout_ms >= 0 && (now.tv_sec > until.tv_sec || (now.tv_sec == until.tv_sec && now.tv_nsec >= until.tv_nsec))) {
            rc = K8S_ETIMEDOUT;
            break;
        }
        timed_wait(r, timeout_ms >= 0 ? &until : NULL);
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

void k8s_event_recorder_stats_get(k8s_event_recorder *r, k8s_event_recorder_stats *out)
{
    pthread_mutex_lock(&r->mu);
    *out = r->stats;
    pthread_mutex_unlock(&r->mu);
}

static void free_entry(k8s_hentry *h)
{
    entry_free(K8S_HCONTAINER(h, entry, h));
}

static void free_bucket(k8s_hentry *h)
{
    free(K8S_HCONTAINER(h, object_bucket, h));
}

void k8s_event_recorder_free(k8s_event_recorder *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->closing = true; /* no new series, no more retries */
    pthread_mutex_unlock(&r->mu);
    k8s_event_recorder_flush(r, 5000);
    if (k8s_loop_call(r->loop, end_on_loop, r) == K8S_OK) {
        pthread_mutex_lock(&r->mu);
        while (!r->loop_done || r->in_flight)
            pthread_cond_wait(&r->cond, &r->mu);
        pthread_mutex_unlock(&r->mu);
    }
    k8s_htable_clear(&r->entries, free_entry);
    k8s_htable_clear(&r->buckets, free_bucket);
    free(r->controller);
    free(r->instance);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cond);
    free(r);
}
