/* Watches (k8s/watch.h): the stream is cut into lines as bytes arrive, and
 * each line, one {"type","object"} event, is decoded into an arena of its
 * own, so memory stays at one event however long the watch runs. */
#define _POSIX_C_SOURCE 200809L
#include "k8s/watch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "internal.h"
#include "timing_internal.h"
#include "watch_internal.h"

/* ---- decoding one event ---- */

typedef struct envelope {
    char *type;
    char *object; /* its JSON text: decoded once the type says into what */
} envelope;

static const k8s_field envelope_fields[] = {
    K8S_VALUE(envelope, type, "type", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(envelope, object, "object", K8S_KIND_JSON, 0, NULL),
};
static const k8s_type envelope_desc = {.name = "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent",
                                       .fields = envelope_fields, .size = sizeof(envelope), .nfields = 2,
                                       .flags = K8S_TYPE_PARTIAL};

const char *k8s_watch_type_name(k8s_watch_type type)
{
    static const char *const names[] = {NULL, "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"};
    return type >= K8S_WATCH_ADDED && type <= K8S_WATCH_ERROR ? names[type] : "?";
}

static k8s_watch_type parse_type(const char *s)
{
    for (int t = K8S_WATCH_ADDED; t <= K8S_WATCH_ERROR; t++)
        if (s && strcmp(s, k8s_watch_type_name((k8s_watch_type)t)) == 0)
            return (k8s_watch_type)t;
    return 0;
}

static bool initial_end(const k8s_string_entry *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(a[i].key, "k8s.io/initial-events-end") == 0)
            return strcmp(a[i].value ? a[i].value : "", "true") == 0;
    return false;
}

/* What an event reports of its object's metadata. */
static void report_meta(const k8s_meta *m, k8s_watch_event *ev)
{
    ev->name = m->name;
    ev->namespace_ = m->namespace_;
    ev->resource_version = m->resource_version;
    ev->initial_events_end = initial_end(m->annotations, m->annotations_len);
}

/* ---- decoding the stream ---- */

static k8s_code bad_event(k8s_watch_decoder *w, const k8s_error *cause, k8s_error *err, const char *what)
{
    bool path = cause && cause->path[0];
    k8s_error_set(err, K8S_EBADREPLY, NULL, NULL, NULL, "watch event %llu: %s%s%s%s%s",
                  (unsigned long long)w->nevents + 1, what, cause ? ": " : "", path ? cause->path : "",
                  path ? ": " : "", cause ? cause->message : "");
    if (cause) {
        memcpy(err->path, cause->path, sizeof err->path);
        err->offset = cause->offset;
        err->line = cause->line;
        err->column = cause->column;
    }
    return K8S_EBADREPLY;
}

/* The end of the stream that an ERROR event announces. err gets a copy of
 * the Status: the callback may take the event's arena and free it. */
static k8s_code error_event(k8s_watch_decoder *w, const k8s_watch_event *ev, k8s_error *err)
{
    const k8s_status *st = ev->status;
    int code = st && st->has_code ? st->code : 0;
    k8s_code rc = code >= 400 ? k8s_code_for_http(code) : K8S_EHTTP;
    k8s_error_set(err, rc, NULL, NULL, NULL, "watch: %s", st && st->message ? st->message : "ERROR event");
    err->http_status = code;
    k8s_arena_free(w->status_arena);
    w->status_arena = k8s_arena_new();
    err->status = w->status_arena ? k8s_copy(&k8s_status_desc, st, w->status_arena) : NULL;
    return rc;
}

/* The API server writes {"type":"...","object":{...}} in that order: the
 * object can then be decoded where it lies, without a pass over the
 * envelope first (twice as fast for small events). Anything else takes
 * the general path. */
static bool split_event(const char *text, size_t len, char *type, size_t type_size,
                        const char **obj, size_t *obj_len)
{
    static const char prefix[] = "{\"type\":\"", infix[] = "\",\"object\":";
    const size_t np = sizeof prefix - 1, ni = sizeof infix - 1;
    if (len < np + ni + 2 || memcmp(text, prefix, np) != 0 || text[len - 1] != '}')
        return false;
    const char *t = text + np, *q = memchr(t, '"', len - np);
    if (!q || (size_t)(q - t) >= type_size || (size_t)(text + len - q) < ni + 2 || memcmp(q, infix, ni) != 0)
        return false;
    memcpy(type, t, (size_t)(q - t));
    type[q - t] = '\0';
    *obj = q + ni;
    *obj_len = (size_t)(text + len - 1 - *obj);
    return true;
}

static k8s_code finish_event(k8s_watch_decoder *w, k8s_watch_event *ev, k8s_code rc)
{
    w->nevents++;
    k8s_arena_free(ev->arena);
    return rc;
}

static k8s_code read_event(k8s_watch_decoder *w, const char *text, size_t len, k8s_error *err)
{
    while (len && (text[len - 1] == '\r' || text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    if (len == 0)
        return K8S_OK;
    k8s_watch_event ev = {0};
    if (!(ev.arena = k8s_arena_new()))
        return K8S_ENOMEM;
    k8s_error cause = {0};
    char type[16];
    const char *obj;
    size_t obj_len;
    k8s_code rc = K8S_OK;
    if (!split_event(text, len, type, sizeof type, &obj, &obj_len)) {
        envelope *env = NULL;
        rc = k8s_json_decode(&envelope_desc, text, len, ev.arena, (void **)&env, NULL, &cause);
        if (rc)
            return finish_event(w, &ev, bad_event(w, &cause, err, "not a watch event"));
        if (!env->type || !env->object || strlen(env->type) >= sizeof type)
            return finish_event(w, &ev, bad_event(w, NULL, err, "no type or object"));
        strcpy(type, env->type);
        obj = env->object;
        obj_len = strlen(obj);
    }
    if (!(ev.type = parse_type(type))) {
        rc = bad_event(w, NULL, err, "unknown event type");
    } else if (ev.type == K8S_WATCH_ERROR) {
        void *st = NULL;
        rc = k8s_json_decode(&k8s_status_desc, obj, obj_len, ev.arena, &st, NULL, &cause);
        ev.status = st;
        if (rc)
            rc = bad_event(w, &cause, err, "unreadable ERROR Status");
    } else {
        k8s_meta meta;
        if (w->type)
            rc = k8s_json_decode_cached(w->type, obj, obj_len, ev.arena, w->cache, &ev.object, &cause);
        else
            rc = k8s_meta_json(obj, obj_len, ev.arena, &meta, &cause);
        if (rc) {
            rc = bad_event(w, &cause, err, "unreadable object");
        } else if (!w->type && !(ev.object = k8s_arena_strndup(ev.arena, obj, obj_len))) {
            rc = K8S_ENOMEM;
        } else {
            if (w->type)
                k8s_meta_typed(&w->meta, ev.object, &meta);
            report_meta(&meta, &ev);
        }
    }
    if (rc == K8S_OK) {
        ev.initial_events_end = ev.initial_events_end && ev.type == K8S_WATCH_BOOKMARK;
        k8s_code end = ev.type == K8S_WATCH_ERROR ? error_event(w, &ev, err) : K8S_OK;
        w->on_event(w->data, &ev);
        rc = end;
    }
    return finish_event(w, &ev, rc);
}

void k8s_watch_decoder_init(k8s_watch_decoder *d, const k8s_type *type, k8s_watch_fn on_event,
                            void *data)
{
    memset(d, 0, sizeof *d);
    d->type = type;
    k8s_meta_fields_find(type, &d->meta);
    d->on_event = on_event;
    d->data = data;
}

void k8s_watch_decoder_clear(k8s_watch_decoder *d)
{
    k8s_arena_free(d->status_arena);
    d->status_arena = NULL;
    k8s_buf_free(&d->line);
}

k8s_code k8s_watch_decoder_feed(k8s_watch_decoder *w, const char *bytes, size_t len, k8s_error *err)
{
    const char *end = bytes + len;
    while (bytes < end) {
        const char *nl = memchr(bytes, '\n', (size_t)(end - bytes));
        if (!nl) { /* the rest of a line comes with the next chunk */
            if (w->line.len + (size_t)(end - bytes) > K8S_DEFAULT_MAX_STRING)
                return bad_event(w, NULL, err, "event larger than 64 MiB");
            return k8s_buf_append(&w->line, bytes, (size_t)(end - bytes));
        }
        k8s_code rc;
        if (w->line.len) {
            rc = k8s_buf_append(&w->line, bytes, (size_t)(nl - bytes));
            if (!rc)
                rc = read_event(w, w->line.data, w->line.len, err);
            w->line.len = 0;
        } else {
            rc = read_event(w, bytes, (size_t)(nl - bytes), err);
        }
        if (rc)
            return rc;
        bytes = nl + 1;
    }
    return K8S_OK;
}

/* ---- one watch ---- */

typedef struct watch {
    k8s_watch_decoder decoder;
    k8s_client *client;
    k8s_done_fn on_end;
    void *data;
} watch;

static k8s_code on_chunk(void *data, const char *bytes, size_t len, k8s_error *err)
{
    watch *w = data;
    w->decoder.cache = k8s_client_decode_cache(w->client); /* on the loop's thread, as replies */
    return k8s_watch_decoder_feed(&w->decoder, bytes, len, err);
}

static void on_done(void *data, k8s_code code, void *result, const k8s_error *err)
{
    (void)result;
    watch *w = data;
    w->on_end(w->data, code, NULL, err);
    k8s_watch_decoder_clear(&w->decoder);
    free(w);
}

k8s_code k8s_watch_async(k8s_client *client, const k8s_resource *resource, const char *namespace_,
                         const k8s_list_options *opts, k8s_watch_fn on_event, k8s_done_fn on_end,
                         void *data)
{
    if (!client || !resource || !on_event || !on_end)
        return K8S_EINVAL;
    watch *w = calloc(1, sizeof *w);
    if (!w)
        return K8S_ENOMEM;
    k8s_watch_decoder_init(&w->decoder, resource->type, on_event, data);
    w->client = client;
    w->on_end = on_end;
    w->data = data;
    k8s_op op = {resource, NULL, K8S_VERB_WATCH, NULL, NULL, NULL};
    k8s_args args = {.namespace_ = namespace_, .options = opts};
    k8s_code rc = k8s_stream_async(client, &op, &args, on_chunk, on_done, w);
    if (rc)
        free(w);
    return rc;
}

/* ---- waiting for one ---- */

typedef struct forwarding {
    k8s_watch_fn on_event;
    void *data;
} forwarding;

static void forward(void *data, k8s_watch_event *ev)
{
    const forwarding *f = ((k8s_waiter *)data)->data;
    f->on_event(f->data, ev);
}

k8s_code k8s_watch(k8s_client *client, const k8s_resource *resource, const char *namespace_,
                   const k8s_list_options *opts, k8s_watch_fn on_event, void *data, k8s_arena *arena,
                   k8s_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
    if (!k8s_waiting_allowed(client, "k8s_watch_async", err))
        return K8S_EINVAL;
    forwarding f = {on_event, data};
    k8s_waiter w;
    k8s_waiter_init(&w, true, arena, &f); /* the Status lives in the watch, which ends */
    return k8s_waiter_wait(&w,
                           k8s_watch_async(client, resource, namespace_, opts, on_event ? forward : NULL,
                                           k8s_waiter_done, &w),
                           NULL, err);
}

/* ---- the watcher: a watch that resumes ---- */

struct k8s_watcher {
    k8s_client *client;
    k8s_resource resource;
    char *namespace_;
    k8s_watcher_options o; /* its strings are copies, freed with it */
    k8s_client_stream stream; /* so k8s_client_free stops it */

    /* loop thread only */
    k8s_timer *backoff;
    unsigned failures;
    bool watching;      /* a watch call is running */
    bool got_events;    /* in the current call */
    bool initial_done;  /* sendInitialEvents: the initial-events-end bookmark came */
    k8s_call_id call;
    uint64_t rng;

    pthread_mutex_t mu; /* what other threads read or ask for */
    pthread_cond_t cond;
    char *rv;
    unsigned connects;
    bool stopping, ended;
    int refs; /* the owner's, the running watcher's, queued stop requests' */
};

static void watcher_unref(k8s_watcher *w)
{
    pthread_mutex_lock(&w->mu);
    bool last = --w->refs == 0;
    pthread_mutex_unlock(&w->mu);
    if (!last)
        return;
    k8s_list_options *l = &w->o.list;
    free((char *)l->labelSelector);
    free((char *)l->fieldSelector);
    free((char *)l->resourceVersion);
    free((char *)l->resourceVersionMatch);
    free((char *)l->shardSelector);
    free((char *)w->resource.group);
    free((char *)w->resource.version);
    free((char *)w->resource.resource);
    free((char *)w->resource.kind);
    free(w->namespace_);
    free(w->rv);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cond);
    free(w);
}

/* Loop thread, exactly once. */
static void watcher_end(k8s_watcher *w, k8s_code code, const k8s_error *err)
{
    k8s_error canceled = {0};
    if (!err) {
        k8s_error_set(&canceled, code, NULL, NULL, NULL, "%s", k8s_strerror(code));
        err = &canceled;
    }
    k8s_timer_free(w->backoff);
    w->backoff = NULL;
    k8s_client_stream_end(w->client, &w->stream);
    w->o.on_end(w->o.data, code, NULL, err);
    pthread_mutex_lock(&w->mu);
    w->ended = true;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->mu);
    watcher_unref(w);
}

static void watcher_connect(void *data);

static void watcher_event(void *data, k8s_watch_event *ev)
{
    k8s_watcher *w = data;
    if (ev->type == K8S_WATCH_ERROR)
        return; /* it ends the call: watcher_call_end decides */
    w->got_events = true;
    w->failures = 0;
    if (ev->initial_events_end)
        w->initial_done = true;
    if (ev->resource_version && *ev->resource_version) {
        char *rv = strdup(ev->resource_version);
        if (rv) {
            pthread_mutex_lock(&w->mu);
            free(w->rv);
            w->rv = rv;
            pthread_mutex_unlock(&w->mu);
        }
    }
    w->o.on_event(w->o.data, ev);
}

/* Worth another try from the last version: the server or the path to it
 * failed, not the request. */
static bool transient(k8s_code code, const k8s_error *err)
{
    switch (code) {
    case K8S_OK:
    case K8S_ETRANSPORT:
    case K8S_ETIMEDOUT:
    case K8S_ETHROTTLED:
        return true;
    case K8S_EHTTP:
        return err->http_status >= 500 || err->http_status == 0;
    default:
        return false;
    }
}

static void watcher_call_end(void *data, k8s_code code, void *result, const k8s_error *err)
{
    (void)result;
    k8s_watcher *w = data;
    w->watching = false;
    pthread_mutex_lock(&w->mu);
    bool stopping = w->stopping;
    pthread_mutex_unlock(&w->mu);
    if (stopping || code == K8S_ECANCELED) {
        watcher_end(w, K8S_ECANCELED, NULL);
        return;
    }
    /* A streaming list cut short cannot resume: its initial state would
     * be partial. Start again from a list, as for an expired version. */
    bool initial_cut = w->o.list.sendInitialEvents && !w->initial_done && w->got_events;
    if (!transient(code, err) || initial_cut) {
        if (initial_cut && code != K8S_EGONE) {
            k8s_error gone = {0};
            k8s_error_set(&gone, K8S_EGONE, NULL, NULL, NULL,
                          "the initial events of a streaming list were cut off (%s)", err->message);
            watcher_end(w, K8S_EGONE, &gone);
        } else {
            watcher_end(w, code, err);
        }
        return;
    }
    /* The server's timeout with events: at once. Anything else: back off,
     * so a server that fails fast is not hammered. */
    if (code == K8S_OK && w->got_events) {
        watcher_connect(w);
        return;
    }
    uint64_t max = w->o.max_backoff_ms > 0 ? (uint64_t)w->o.max_backoff_ms : K8S_RECONNECT_MAX_MS;
    uint64_t ms = k8s_backoff_ms(&w->rng, w->failures++, K8S_RECONNECT_BASE_MS, max);
    if (!w->backoff && !(w->backoff = k8s_timer_new(k8s_client_loop(w->client), watcher_connect, w))) {
        watcher_end(w, K8S_ENOMEM, NULL);
        return;
    }
    k8s_timer_start(w->backoff, ms);
}

static void watcher_connect(void *data)
{
    k8s_watcher *w = data;
    pthread_mutex_lock(&w->mu);
    bool stopping = w->stopping;
    char *rv = w->rv ? strdup(w->rv) : NULL;
    if (!stopping)
        w->connects++;
    pthread_mutex_unlock(&w->mu);
    if (stopping) {
        free(rv);
        watcher_end(w, K8S_ECANCELED, NULL);
        return;
    }
    k8s_list_options lo = w->o.list;
    lo.call.id = &w->call;
    lo.call.timeout_ms = w->o.idle_timeout_ms;
    lo.allowWatchBookmarks = true;
    lo.limit = 0;
    lo.continue_ = NULL;
    lo.all_pages = false;
    if (rv) { /* resuming: a plain watch from there */
        lo.resourceVersion = rv;
        if (w->initial_done || !lo.sendInitialEvents) {
            lo.has_sendInitialEvents = false;
            lo.sendInitialEvents = false;
            lo.resourceVersionMatch = NULL;
        }
    }
    w->got_events = false;
    k8s_code rc = k8s_watch_async(w->client, &w->resource, w->namespace_, &lo, watcher_event,
                                  watcher_call_end, w);
    free(rv);
    if (rc) {
        k8s_error e = {0};
        k8s_error_set(&e, rc, NULL, NULL, NULL, "cannot start a watch: %s", k8s_strerror(rc));
        watcher_end(w, rc, &e);
        return;
    }
    w->watching = true;
}

/* On the loop thread: the stop that k8s_watcher_stop or the client's
 * shutdown asked for. */
static void watcher_cancel(void *data)
{
    k8s_watcher *w = data;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_mutex_unlock(&w->mu);
    if (w->watching)
        k8s_cancel(w->client, w->call); /* watcher_call_end ends it */
    else if (w->backoff && k8s_timer_active(w->backoff)) {
        k8s_timer_stop(w->backoff);
        watcher_end(w, K8S_ECANCELED, NULL);
    }
}

static void watcher_stop_request(void *data)
{
    k8s_watcher *w = data;
    pthread_mutex_lock(&w->mu);
    bool ended = w->ended;
    pthread_mutex_unlock(&w->mu);
    if (!ended)
        watcher_cancel(w);
    watcher_unref(w);
}

static void watcher_begin(void *data)
{
    k8s_watcher *w = data;
    if (k8s_client_stream_begin(w->client, &w->stream) != K8S_OK) {
        k8s_error e = {0};
        k8s_error_set(&e, K8S_ECANCELED, NULL, NULL, NULL, "the client is closing");
        w->o.on_end(w->o.data, K8S_ECANCELED, NULL, &e);
        pthread_mutex_lock(&w->mu);
        w->ended = true;
        pthread_cond_broadcast(&w->cond);
        pthread_mutex_unlock(&w->mu);
        watcher_unref(w);
        return;
    }
    watcher_connect(w);
}

static bool dup_str(const char **s)
{
    if (!*s)
        return true;
    *s = strdup(*s);
    return *s != NULL;
}

k8s_code k8s_watcher_start(k8s_client *client, const k8s_resource *resource,
                           const char *namespace_, const k8s_watcher_options *opts,
                           k8s_watcher **out)
{
    if (out)
        *out = NULL;
    if (!client || !resource || !opts || !opts->on_event || !opts->on_end || !out)
        return K8S_EINVAL;
    k8s_watcher *w = calloc(1, sizeof *w);
    if (!w)
        return K8S_ENOMEM;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cond, NULL);
    w->refs = 2; /* the owner's and the running watcher's */
    w->rng = k8s_rng_seed(w);
    w->client = client;
    w->resource = *resource;
    w->o = *opts;
    w->o.list.call = (k8s_call_options){0};
    w->stream.cancel = watcher_cancel;
    w->stream.data = w;
    k8s_list_options *l = &w->o.list;
    const char *rv = l->resourceVersion && *l->resourceVersion ? l->resourceVersion : NULL;
    l->resourceVersion = NULL;
    bool ok = dup_str(&w->resource.group) && dup_str(&w->resource.version) &&
              dup_str(&w->resource.resource) && dup_str(&w->resource.kind) &&
              dup_str(&l->labelSelector) && dup_str(&l->fieldSelector) &&
              dup_str(&l->resourceVersionMatch) && dup_str(&l->shardSelector) &&
              (!namespace_ || (w->namespace_ = strdup(namespace_))) && (!rv || (w->rv = strdup(rv)));
    if (!ok) {
        w->refs = 1;
        watcher_unref(w);
        return K8S_ENOMEM;
    }
    k8s_code rc = k8s_loop_call(k8s_client_loop(client), watcher_begin, w);
    if (rc) {
        w->refs = 1;
        watcher_unref(w);
        return rc;
    }
    *out = w;
    return K8S_OK;
}

void k8s_watcher_resource_version(k8s_watcher *w, char *buf, size_t size)
{
    if (!size)
        return;
    pthread_mutex_lock(&w->mu);
    snprintf(buf, size, "%s", w->rv ? w->rv : "");
    pthread_mutex_unlock(&w->mu);
}

unsigned k8s_watcher_connects(k8s_watcher *w)
{
    pthread_mutex_lock(&w->mu);
    unsigned n = w->connects;
    pthread_mutex_unlock(&w->mu);
    return n;
}

void k8s_watcher_stop(k8s_watcher *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    bool ask = !w->stopping && !w->ended;
    w->stopping = true;
    if (ask)
        w->refs++; /* the queued request's */
    pthread_mutex_unlock(&w->mu);
    if (ask && k8s_loop_call(k8s_client_loop(w->client), watcher_stop_request, w) != K8S_OK)
        watcher_unref(w); /* the loop is gone: so is the watch */
}

void k8s_watcher_free(k8s_watcher *w)
{
    if (!w)
        return;
    k8s_watcher_stop(w);
    pthread_mutex_lock(&w->mu);
    /* once ended it no longer needs its client, which may be gone */
    if (!w->ended && !k8s_loop_on_thread(k8s_client_loop(w->client)))
        while (!w->ended)
            pthread_cond_wait(&w->cond, &w->mu);
    pthread_mutex_unlock(&w->mu);
    watcher_unref(w);
}
