/* Informers (k8s/informer.h): a reflector that takes a full state (a
 * streaming list, or paged lists) and then follows a k8s_watcher, feeding
 * a store that other threads read under a reader/writer lock.
 *
 * Everything but the lookups and free's handshake runs on the client's
 * loop thread, so the reflector's state needs no lock; only the store
 * (read by any thread) and the synced/idle flags and counters do.
 *
 * A full state is taken the same way the first time and after a 410: the
 * objects that arrive are compared with the store by resourceVersion;
 * unchanged ones are only marked with the state's generation, new or
 * changed ones are packed into `pending`. At the end (the last page, or
 * the initial-events-end bookmark) `apply` swaps pending into the store
 * and drops what was not marked, in one write-locked step, then reports
 * the adds, updates and deletes that makes. */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np */
#include "k8s/informer.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "informer_store_internal.h"
#include "internal.h"
#include "k8s/selector.h"
#include "k8s/watch.h"
#include "objmeta_internal.h"
#include "pack_internal.h"
#include "timing_internal.h"

/* ---- what is read of objects and lists ---- */

/* Typed lists: found once from the descriptors (objects: objmeta). */
typedef struct list_fields {
    const k8s_field *metadata, *rv, *cont, *items;
    const k8s_field *kind, *api_version; /* the items' */
} list_fields;

/* Dynamic lists: the few fields needed, read from the JSON text. */
typedef struct dyn_list_meta {
    char *resourceVersion;
    char *continue_;
} dyn_list_meta;

typedef struct dyn_list {
    dyn_list_meta *metadata;
    char **items; /* each item's JSON text */
    size_t items_len;
} dyn_list;

static const k8s_field dyn_list_meta_fields[] = {
    K8S_VALUE(dyn_list_meta, resourceVersion, "resourceVersion", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(dyn_list_meta, continue_, "continue", K8S_KIND_STRING, 0, NULL),
};
static const k8s_type dyn_list_meta_desc = {.name = "ListMeta", .fields = dyn_list_meta_fields,
                                            .size = sizeof(dyn_list_meta), .nfields = 2, .flags = K8S_TYPE_PARTIAL};
static const k8s_field dyn_list_fields[] = {
    K8S_VALUE(dyn_list, metadata, "metadata", K8S_KIND_OBJECT, 0, &dyn_list_meta_desc),
    K8S_ARRAY(dyn_list, items, "items", K8S_KIND_JSON, 0, NULL),
};
static const k8s_type dyn_list_desc = {.name = "List", .fields = dyn_list_fields, .size = sizeof(dyn_list),
                                       .nfields = 2, .flags = K8S_TYPE_PARTIAL};

/* ---- the informer ---- */

struct k8s_informer {
    k8s_client *client;
    k8s_loop *loop;
    k8s_resource res; /* strings are copies */
    char *list_kind;  /* "PodList": what a typed list reply must be */
    char *api_version; /* "apps/v1" */
    char *namespace_; /* "" for all */
    char *label_selector, *field_selector;
    int64_t page_size;
    int max_backoff_ms;
    k8s_informer_handlers h;
    k8s_meta_fields of;
    list_fields lf;

    /* loop thread only */
    bool streaming_ok;  /* until a server refuses sendInitialEvents */
    bool streaming_now; /* the watcher was started as a streaming list */
    bool taking;        /* a full state is coming in */
    bool listing;       /* a list page call is running */
    bool stopping;      /* no more requests or handlers */
    bool release_on_loop;
    k8s_call_id list_call;
    k8s_arena *list_arena;
    uint64_t stream_events; /* of the current watcher */
    uint32_t gen;       /* of the full state being (or last) taken */
    k8s_store pending;
    k8s_timer *retry;
    unsigned failures;
    uint64_t rng;

    pthread_rwlock_t lock; /* the store */
    k8s_store store;

    pthread_mutex_t mu; /* what waiters and other threads read */
    pthread_cond_t cond;
    k8s_watcher *watcher;
    bool synced, dead, idle, release_queued;
    bool ended;        /* on_end has run */
    k8s_error end_err; /* what on_end gets: why it died, or K8S_ECANCELED when stopped */
    bool freeing;      /* k8s_informer_free's shutdown has run */
    k8s_informer_stats stats; /* counters only: objects and bytes come from the store */
};

static size_t round8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static const void *ptr_at(const void *base, const k8s_field *f)
{
    return base && f ? *(const void *const *)((const char *)base + f->offset) : NULL;
}

/* A typed object's metadata strings, "" for absent ones but the name. */
static void typed_key(const k8s_informer *inf, const void *obj, const char **ns, const char **name,
                      const char **rv)
{
    k8s_meta m;
    k8s_meta_typed(&inf->of, obj, &m);
    *name = m.name;
    *ns = m.namespace_ ? m.namespace_ : "";
    *rv = m.resource_version ? m.resource_version : "";
}

/* The typed resource's layout, or false when it lacks what keying needs. */
static bool find_fields(k8s_informer *inf)
{
    const k8s_type *t = inf->res.type, *lt = inf->res.list_type;
    list_fields *l = &inf->lf;
    k8s_meta_fields_find(t, &inf->of);
    if (!inf->of.name)
        return false;
    l->items = lt ? k8s_type_field(lt, "items", 5) : NULL;
    if (!l->items || !(l->items->flags & K8S_FIELD_ARRAY) || l->items->type != t ||
        !(l->metadata = k8s_field_of(lt, "metadata", K8S_KIND_OBJECT)))
        return false;
    l->rv = k8s_field_of(l->metadata->type, "resourceVersion", K8S_KIND_STRING);
    l->cont = k8s_field_of(l->metadata->type, "continue", K8S_KIND_STRING);
    l->kind = k8s_field_of(t, "kind", K8S_KIND_STRING);
    l->api_version = k8s_field_of(t, "apiVersion", K8S_KIND_STRING);
    return true;
}

/* ---- entries: one block each, exactly sized ---- */

static k8s_entry *entry_typed(k8s_informer *inf, const void *obj)
{
    k8s_pack_size ps = k8s_pack_measure(inf->res.type, obj);
    size_t head = round8(sizeof(k8s_entry));
    size_t size = head + ps.fixed + ps.text;
    k8s_entry *e = malloc(size);
    if (!e)
        return NULL;
    e->obj = k8s_pack(inf->res.type, obj, (char *)e + head, ps);
    typed_key(inf, e->obj, &e->namespace_, &e->name, &e->rv);
    e->size = size;
    return e;
}

static k8s_entry *entry_dynamic(const char *text, const char *ns, const char *name, const char *rv)
{
    size_t lt = strlen(text) + 1, ln = strlen(ns) + 1, lm = strlen(name) + 1, lr = strlen(rv) + 1;
    size_t size = sizeof(k8s_entry) + lt + ln + lm + lr;
    k8s_entry *e = malloc(size);
    if (!e)
        return NULL;
    char *p = (char *)(e + 1);
    e->obj = memcpy(p, text, lt);
    e->namespace_ = memcpy(p += lt, ns, ln);
    e->name = memcpy(p += ln, name, lm);
    e->rv = memcpy(p + lm, rv, lr);
    e->size = size;
    return e;
}

/* obj is a typed struct or JSON text; the key strings are what the watch
 * or the list said (the typed copy reads its own). */
static k8s_entry *entry_new(k8s_informer *inf, const void *obj, const char *ns, const char *name,
                            const char *rv)
{
    k8s_entry *e = inf->res.type ? entry_typed(inf, obj) : entry_dynamic(obj, ns, name, rv);
    if (e) {
        e->hash = k8s_store_hash(e->namespace_, e->name);
        e->mark = inf->gen;
    }
    return e;
}

/* The labels of a stored object; dynamic ones are read into scratch. */
static const k8s_string_entry *labels_of(const k8s_informer *inf, const k8s_entry *e, k8s_arena *scratch,
                                         size_t *n)
{
    *n = 0;
    k8s_meta m;
    if (inf->res.type)
        k8s_meta_typed(&inf->of, e->obj, &m);
    else if (k8s_meta_json(e->obj, strlen(e->obj), scratch, &m, NULL))
        return NULL;
    *n = m.labels_len;
    return m.labels;
}

/* ---- reporting ---- */

typedef struct change {
    k8s_entry *old, *cur; /* add: old NULL; delete: cur NULL */
} change;

typedef struct changes {
    change *v;
    size_t n, cap;
} changes;

static bool record(changes *c, k8s_entry *old, k8s_entry *cur)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        change *v = realloc(c->v, cap * sizeof *v);
        if (!v)
            return false;
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = (change){old, cur};
    return true;
}

/* Calls the handler for one change, unless a handler stopped it. */
static void emit(k8s_informer *inf, const k8s_entry *old, const k8s_entry *cur)
{
    const k8s_informer_handlers *h = &inf->h;
    if (inf->stopping)
        return;
    if (old && cur && h->on_update)
        h->on_update(h->data, old->obj, cur->obj);
    else if (cur && !old && h->on_add)
        h->on_add(h->data, cur->obj);
    else if (old && !cur && h->on_delete)
        h->on_delete(h->data, old->obj);
}

/* ---- the reflector (loop thread) ---- */

static void take_state(k8s_informer *inf);
static void check_idle(k8s_informer *inf);

static void retry_now(void *data)
{
    take_state(data);
}

/* Reports a failure and tries again with a fresh full state after a
 * backoff (jittered, so informers that lost one server do not stampede). */
static void failed(k8s_informer *inf, k8s_code code, const k8s_error *err, const char *what)
{
    k8s_error local = {0};
    if (!err || !err->message[0]) {
        k8s_error_set(&local, code, NULL, NULL, NULL, "%s: %s", what, k8s_strerror(code));
        if (err)
            local.http_status = err->http_status;
        err = &local;
    }
    pthread_mutex_lock(&inf->mu);
    inf->stats.errors++;
    pthread_mutex_unlock(&inf->mu);
    k8s_store_clear(&inf->pending);
    inf->taking = false;
    if (!inf->stopping && inf->h.on_error)
        inf->h.on_error(inf->h.data, err);
    if (inf->stopping) {
        check_idle(inf);
        return;
    }
    uint64_t max = inf->max_backoff_ms > 0 ? (uint64_t)inf->max_backoff_ms : K8S_RECONNECT_MAX_MS;
    uint64_t ms = k8s_backoff_ms(&inf->rng, inf->failures++, K8S_RECONNECT_BASE_MS, max);
    if (!inf->retry && !(inf->retry = k8s_timer_new(inf->loop, retry_now, inf))) {
        retry_now(inf); /* cannot wait: try at once rather than never */
        return;
    }
    k8s_timer_start(inf->retry, ms);
}

/* The client is closing (its calls end with K8S_ECANCELED): stop for good. */
static void die(k8s_informer *inf, const k8s_error *err)
{
    inf->stopping = true;
    k8s_timer_free(inf->retry);
    inf->retry = NULL;
    k8s_store_clear(&inf->pending);
    if (inf->h.on_error && err)
        inf->h.on_error(inf->h.data, err);
    if (err && err->code)
        inf->end_err = *err;
    else
        k8s_fail(&inf->end_err, K8S_ECANCELED, "the client is closing");
    pthread_mutex_lock(&inf->mu);
    inf->dead = true;
    pthread_cond_broadcast(&inf->cond);
    pthread_mutex_unlock(&inf->mu);
    check_idle(inf);
}

/* An object of the full state being taken. */
static void collect(k8s_informer *inf, const void *obj, const char *ns, const char *name, const char *rv)
{
    if (!name)
        return; /* cannot be keyed; the server never sends one */
    ns = ns ? ns : "";
    rv = rv ? rv : "";
    k8s_entry *have = k8s_store_find(&inf->store, ns, name);
    if (have && strcmp(have->rv, rv) == 0) {
        have->mark = inf->gen; /* only the loop thread reads marks */
        free(k8s_store_remove(&inf->pending, ns, name));
        return;
    }
    k8s_entry *e = entry_new(inf, obj, ns, name, rv), *old = NULL;
    if (!e || !k8s_store_put(&inf->pending, e, &old)) {
        free(e);
        return; /* out of memory: the object is missed until the next change */
    }
    free(old);
}

/* A DELETED event among a streaming list's initial events. */
static void uncollect(k8s_informer *inf, const char *ns, const char *name)
{
    if (!name)
        return;
    ns = ns ? ns : "";
    free(k8s_store_remove(&inf->pending, ns, name));
    k8s_entry *have = k8s_store_find(&inf->store, ns, name);
    if (have)
        have->mark = 0; /* generations start at 1 */
}

static void sweep_one(void *ctx, k8s_entry *e)
{
    if (!record(ctx, e, NULL))
        free(e); /* out of memory: the delete goes unreported */
}

/* The full state is in: make the store equal to it and report the difference. */
static void apply(k8s_informer *inf)
{
    changes c = {0};
    pthread_rwlock_wrlock(&inf->lock);
    for (size_t i = 0; inf->pending.buckets && i <= inf->pending.mask; i++) {
        for (k8s_entry *e = inf->pending.buckets[i], *next; e; e = next) {
            next = e->next;
            k8s_entry *old;
            if (!k8s_store_put(&inf->store, e, &old)) {
                free(e);
                continue;
            }
            if (!record(&c, old, e))
                free(old); /* out of memory: the change goes unreported */
        }
        inf->pending.buckets[i] = NULL;
    }
    inf->pending.n = inf->pending.bytes = 0;
    k8s_store_clear(&inf->pending);
    k8s_store_sweep(&inf->store, inf->gen, sweep_one, &c);
    pthread_rwlock_unlock(&inf->lock);
    inf->taking = false;
    inf->failures = 0;

    pthread_mutex_lock(&inf->mu);
    bool first = !inf->synced;
    if (!first)
        inf->stats.resyncs++;
    inf->stats.streaming = inf->streaming_now;
    pthread_mutex_unlock(&inf->mu);

    for (size_t i = 0; i < c.n; i++) {
        emit(inf, c.v[i].old, c.v[i].cur);
        free(c.v[i].old); /* a deleted or replaced entry */
    }
    free(c.v);
    if (first) { /* waiters wake after on_synced, so it has run when they do */
        if (!inf->stopping && inf->h.on_synced)
            inf->h.on_synced(inf->h.data);
        pthread_mutex_lock(&inf->mu);
        inf->synced = true;
        pthread_cond_broadcast(&inf->cond);
        pthread_mutex_unlock(&inf->mu);
    }
}

/* A change the watch reported after the full state. */
static void upsert(k8s_informer *inf, const k8s_watch_event *ev)
{
    if (!ev->name || !ev->object)
        return;
    k8s_entry *e = entry_new(inf, ev->object, ev->namespace_ ? ev->namespace_ : "", ev->name,
                             ev->resource_version ? ev->resource_version : "");
    k8s_entry *old = NULL;
    pthread_rwlock_wrlock(&inf->lock);
    bool ok = e && k8s_store_put(&inf->store, e, &old);
    pthread_rwlock_unlock(&inf->lock);
    if (!ok) {
        free(e);
        return;
    }
    emit(inf, old, e);
    free(old);
}

static void remove_key(k8s_informer *inf, const k8s_watch_event *ev)
{
    if (!ev->name)
        return;
    pthread_rwlock_wrlock(&inf->lock);
    k8s_entry *old = k8s_store_remove(&inf->store, ev->namespace_ ? ev->namespace_ : "", ev->name);
    pthread_rwlock_unlock(&inf->lock);
    if (old && !inf->stopping && inf->h.on_delete) /* the final state, as the watch saw it */
        inf->h.on_delete(inf->h.data, ev->object ? ev->object : old->obj);
    free(old);
}

static void watch_event(void *data, k8s_watch_event *ev)
{
    k8s_informer *inf = data;
    if (inf->stopping)
        return;
    inf->stream_events++;
    if (inf->taking) { /* a streaming list's initial events */
        if (ev->type == K8S_WATCH_BOOKMARK && ev->initial_events_end)
            apply(inf);
        else if (ev->type == K8S_WATCH_ADDED || ev->type == K8S_WATCH_MODIFIED)
            collect(inf, ev->object, ev->namespace_, ev->name, ev->resource_version);
        else if (ev->type == K8S_WATCH_DELETED)
            uncollect(inf, ev->namespace_, ev->name);
        return;
    }
    if (ev->type == K8S_WATCH_ADDED || ev->type == K8S_WATCH_MODIFIED)
        upsert(inf, ev);
    else if (ev->type == K8S_WATCH_DELETED)
        remove_key(inf, ev);
}

static void watch_end(void *data, k8s_code code, void *result, const k8s_error *err)
{
    (void)result;
    k8s_informer *inf = data;
    pthread_mutex_lock(&inf->mu);
    k8s_watcher *w = inf->watcher;
    inf->watcher = NULL;
    inf->stats.watches += k8s_watcher_connects(w);
    pthread_mutex_unlock(&inf->mu);
    k8s_watcher_free(w); /* on the loop thread: it goes once this returns */
    if (inf->stopping) {
        check_idle(inf);
        return;
    }
    if (code == K8S_ECANCELED) {
        die(inf, err);
        return;
    }
    /* A server without the WatchList feature refuses sendInitialEvents
     * (422, or 400 from older ones) before any event: list from now on. */
    if (inf->streaming_now && inf->taking && inf->stream_events == 0 &&
        (code == K8S_EINVALID || (err && err->http_status == 400))) {
        inf->streaming_ok = false;
        take_state(inf);
        return;
    }
    /* The version expired while following changes: the usual relist. */
    if (code == K8S_EGONE && !inf->taking) {
        take_state(inf);
        return;
    }
    failed(inf, code, err, "watch");
}

static void start_watcher(k8s_informer *inf, const char *rv, bool streaming)
{
    if (inf->stopping) {
        check_idle(inf);
        return;
    }
    k8s_watcher_options wo = {
        .list = {.labelSelector = inf->label_selector, .fieldSelector = inf->field_selector,
                 .resourceVersion = rv},
        .on_event = watch_event,
        .on_end = watch_end,
        .data = inf,
        .max_backoff_ms = inf->max_backoff_ms,
    };
    if (streaming) {
        wo.list.has_sendInitialEvents = true;
        wo.list.sendInitialEvents = true;
        wo.list.resourceVersionMatch = "NotOlderThan";
    }
    inf->streaming_now = streaming;
    inf->stream_events = 0;
    k8s_watcher *w = NULL;
    k8s_code rc = k8s_watcher_start(inf->client, &inf->res, inf->namespace_, &wo, &w);
    if (rc) {
        failed(inf, rc, NULL, "cannot start a watch");
        return;
    }
    pthread_mutex_lock(&inf->mu);
    inf->watcher = w; /* its on_end comes in a later loop turn */
    pthread_mutex_unlock(&inf->mu);
}

static void start_list(k8s_informer *inf, const char *cont);

/* A list's items come without kind and apiVersion (the list has them);
 * watch events' objects have them. Objects get them either way, as
 * client-go's unstructured lists give them to their items. */
static const char *with_kind(const k8s_informer *inf, const char *item, k8s_arena *a)
{
    size_t n = strlen(item) + strlen(inf->res.kind ? inf->res.kind : "") + strlen(inf->api_version) + 32;
    char *s = k8s_arena_alloc(a, n);
    if (s)
        snprintf(s, n, "{\"kind\":\"%s\",\"apiVersion\":\"%s\"%s%s", inf->res.kind ? inf->res.kind : "",
                 inf->api_version, item[1] == '}' ? "" : ",", item + 1);
    return s;
}

/* The rv and continue token of a list page; collects its items. */
static k8s_code read_page(k8s_informer *inf, void *result, k8s_arena *a, const char **rv,
                          const char **cont, k8s_error *err)
{
    if (inf->res.type) {
        const void *meta = ptr_at(result, inf->lf.metadata);
        *rv = ptr_at(meta, inf->lf.rv);
        *cont = ptr_at(meta, inf->lf.cont);
        const char *items = ptr_at(result, inf->lf.items);
        size_t n = *(const size_t *)((const char *)result + inf->lf.items->aux);
        size_t size = inf->res.type->size;
        for (size_t i = 0; i < n; i++) {
            char *item = (char *)items + i * size;
            const char *ns, *name, *orv;
            /* as watch events give them: objects look the same either way */
            if (inf->lf.kind && !*(char **)(item + inf->lf.kind->offset))
                *(const char **)(item + inf->lf.kind->offset) = inf->res.kind;
            if (inf->lf.api_version && !*(char **)(item + inf->lf.api_version->offset))
                *(const char **)(item + inf->lf.api_version->offset) = inf->api_version;
            typed_key(inf, item, &ns, &name, &orv);
            collect(inf, item, ns, name, orv);
        }
        return K8S_OK;
    }
    dyn_list *l = NULL;
    k8s_code rc = k8s_json_decode(&dyn_list_desc, result, strlen(result), a, (void **)&l, NULL, err);
    if (rc)
        return rc;
    *rv = l->metadata ? l->metadata->resourceVersion : NULL;
    *cont = l->metadata ? l->metadata->continue_ : NULL;
    for (size_t i = 0; i < l->items_len; i++) {
        k8s_meta m;
        const char *text = l->items[i];
        if (k8s_meta_json(text, strlen(text), a, &m, err))
            return K8S_EBADREPLY;
        if (!m.kind && !(text = with_kind(inf, text, a)))
            return K8S_ENOMEM;
        collect(inf, text, m.namespace_, m.name, m.resource_version);
    }
    return K8S_OK;
}

static void list_done(void *data, k8s_code code, void *result, const k8s_error *err)
{
    k8s_informer *inf = data;
    k8s_arena *a = inf->list_arena;
    inf->listing = false;
    inf->list_arena = NULL;
    if (inf->stopping) {
        k8s_arena_free(a);
        check_idle(inf);
        return;
    }
    if (code == K8S_ECANCELED) {
        die(inf, err);
        k8s_arena_free(a);
        return;
    }
    k8s_error perr = {0};
    const char *rv = NULL, *cont = NULL;
    if (code == K8S_OK && (code = read_page(inf, result, a, &rv, &cont, &perr)) != K8S_OK)
        err = &perr;
    if (code) {
        failed(inf, code, err, "list"); /* err may point into the arena */
        k8s_arena_free(a);
        return;
    }
    if (cont && *cont) {
        char *c = strdup(cont);
        k8s_arena_free(a);
        if (!c)
            failed(inf, K8S_ENOMEM, NULL, "list");
        else
            start_list(inf, c);
        free(c);
        return;
    }
    char *version = strdup(rv ? rv : "");
    k8s_arena_free(a);
    if (!version) {
        failed(inf, K8S_ENOMEM, NULL, "list");
        return;
    }
    apply(inf);
    start_watcher(inf, version, false);
    free(version);
}

static void start_list(k8s_informer *inf, const char *cont)
{
    if (inf->stopping) {
        check_idle(inf);
        return;
    }
    k8s_arena *a = k8s_arena_new();
    k8s_list_options lo = {
        .call = {.id = &inf->list_call},
        .labelSelector = inf->label_selector,
        .fieldSelector = inf->field_selector,
        .limit = inf->page_size,
        .continue_ = cont,
    };
    k8s_op op = {&inf->res, NULL, K8S_VERB_LIST, NULL, inf->res.list_type, inf->list_kind};
    k8s_args args = {.namespace_ = inf->namespace_, .options = &lo};
    k8s_code rc = a ? k8s_call_async(inf->client, a, &op, &args, list_done, inf) : K8S_ENOMEM;
    if (rc) {
        k8s_arena_free(a);
        if (rc == K8S_ECLOSED)
            die(inf, NULL);
        else
            failed(inf, rc, NULL, "cannot start a list");
        return;
    }
    inf->listing = true;
    inf->list_arena = a;
    pthread_mutex_lock(&inf->mu);
    inf->stats.list_pages++;
    pthread_mutex_unlock(&inf->mu);
}

/* Begins a full state: a streaming list while the server offers them. */
static void take_state(k8s_informer *inf)
{
    if (inf->stopping) {
        check_idle(inf);
        return;
    }
    k8s_store_clear(&inf->pending);
    if (++inf->gen == 0)
        inf->gen = 1; /* 0 marks what a full state disowned */
    inf->taking = true;
    inf->streaming_now = inf->streaming_ok;
    if (inf->streaming_ok)
        start_watcher(inf, NULL, true);
    else
        start_list(inf, NULL);
}

/* ---- starting, stopping ---- */

static void release(k8s_informer *inf)
{
    k8s_store_clear(&inf->store);
    k8s_store_clear(&inf->pending);
    free((char *)inf->res.group);
    free((char *)inf->res.version);
    free((char *)inf->res.resource);
    free((char *)inf->res.kind);
    free(inf->list_kind);
    free(inf->api_version);
    free(inf->namespace_);
    free(inf->label_selector);
    free(inf->field_selector);
    pthread_rwlock_destroy(&inf->lock);
    pthread_mutex_destroy(&inf->mu);
    pthread_cond_destroy(&inf->cond);
    free(inf);
}

static void release_now(void *data)
{
    release(data);
}

/* Once stopped with nothing running, the informer may go. Callers return
 * right after this: the thread in k8s_informer_free may free it at once. */
static void check_idle(k8s_informer *inf)
{
    if (!inf->stopping || inf->listing || inf->watcher)
        return;
    if (!inf->ended) {
        inf->ended = true;
        if (!inf->end_err.code)
            k8s_fail(&inf->end_err, K8S_ECANCELED, "the informer was stopped");
        if (inf->h.on_end)
            inf->h.on_end(inf->h.data, inf->end_err.code, &inf->end_err);
    }
    pthread_mutex_lock(&inf->mu);
    bool queue = inf->release_on_loop && !inf->release_queued;
    inf->release_queued |= queue;
    inf->idle = true;
    pthread_cond_broadcast(&inf->cond);
    pthread_mutex_unlock(&inf->mu);
    if (queue) /* later, after the handler that freed it has returned */
        k8s_loop_call(inf->loop, release_now, inf);
}

static void shutdown_now(void *data)
{
    k8s_informer *inf = data;
    inf->stopping = true;
    k8s_timer_free(inf->retry);
    inf->retry = NULL;
    pthread_mutex_lock(&inf->mu);
    inf->dead = true; /* k8s_informer_wait_synced stops waiting */
    pthread_cond_broadcast(&inf->cond);
    pthread_mutex_unlock(&inf->mu);
    if (inf->listing)
        k8s_cancel(inf->client, inf->list_call);
    if (inf->watcher) /* set and cleared on this thread only */
        k8s_watcher_stop(inf->watcher);
    check_idle(inf);
}

/* k8s_informer_free's: it waits for this one, not for an earlier
 * k8s_informer_stop's (which the loop runs first). */
static void shutdown_for_free(void *data)
{
    k8s_informer *inf = data;
    shutdown_now(inf);
    pthread_mutex_lock(&inf->mu);
    inf->freeing = true;
    pthread_cond_broadcast(&inf->cond);
    pthread_mutex_unlock(&inf->mu);
}

void k8s_informer_stop(k8s_informer *inf)
{
    if (!inf)
        return;
    if (k8s_loop_on_thread(inf->loop))
        shutdown_now(inf);
    else
        while (k8s_loop_call(inf->loop, shutdown_now, inf) != K8S_OK)
            sched_yield(); /* out of memory for a moment: stopping must not be lost */
}

static void begin(void *data)
{
    take_state(data);
}

static char *dup_or_null(const char *s, bool *ok)
{
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        *ok = false;
    return d;
}

k8s_code k8s_informer_start(k8s_client *client, const k8s_resource *r, const k8s_informer_options *o,
                            k8s_informer **out)
{
    static const k8s_informer_options none;
    if (out)
        *out = NULL;
    if (!client || !r || !r->resource || !r->version || !out)
        return K8S_EINVAL;
    if (!o)
        o = &none;
    k8s_informer *inf = calloc(1, sizeof *inf);
    if (!inf)
        return K8S_ENOMEM;
    inf->client = client;
    inf->loop = k8s_client_loop(client);
    inf->res = *r;
    inf->h = o->handlers;
    inf->page_size = o->page_size > 0 ? o->page_size : 500;
    inf->max_backoff_ms = o->max_backoff_ms;
    inf->streaming_ok = !o->no_streaming_list;
    inf->rng = k8s_rng_seed(inf);
    /* glibc's default lets readers in while a writer waits: threads that
     * look up without pause would hold the store's updates back for good */
    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
#ifdef __GLIBC__ /* an enum there, not a macro */
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
    pthread_rwlock_init(&inf->lock, &ra);
    pthread_rwlockattr_destroy(&ra);
    pthread_mutex_init(&inf->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&inf->cond, &ca);
    pthread_condattr_destroy(&ca);
    bool ok = true;
    inf->res.group = dup_or_null(r->group ? r->group : "", &ok);
    inf->res.version = dup_or_null(r->version, &ok);
    inf->res.resource = dup_or_null(r->resource, &ok);
    inf->res.kind = dup_or_null(r->kind, &ok);
    inf->namespace_ = dup_or_null(o->namespace_ ? o->namespace_ : k8s_client_namespace(client), &ok);
    inf->label_selector = dup_or_null(o->labelSelector, &ok);
    inf->field_selector = dup_or_null(o->fieldSelector, &ok);
    if (r->kind && ok && (inf->list_kind = malloc(strlen(r->kind) + 5)))
        sprintf(inf->list_kind, "%sList", r->kind);
    else if (r->kind)
        ok = false;
    if (ok && (inf->api_version = malloc(strlen(inf->res.group) + strlen(r->version) + 2)))
        sprintf(inf->api_version, "%s%s%s", inf->res.group, *inf->res.group ? "/" : "", r->version);
    else
        ok = false;
    k8s_code rc = !ok ? K8S_ENOMEM : r->type && !find_fields(inf) ? K8S_EINVAL : K8S_OK;
    if (!rc)
        rc = k8s_loop_call(inf->loop, begin, inf);
    if (rc) {
        release(inf);
        return rc;
    }
    *out = inf;
    return K8S_OK;
}

void k8s_informer_free(k8s_informer *inf)
{
    if (!inf)
        return;
    if (k8s_loop_on_thread(inf->loop)) {
        pthread_mutex_lock(&inf->mu);
        inf->release_on_loop = true;
        pthread_mutex_unlock(&inf->mu);
        shutdown_now(inf);
        return;
    }
    if (k8s_loop_call(inf->loop, shutdown_for_free, inf) == K8S_OK) {
        pthread_mutex_lock(&inf->mu);
        while (!inf->idle || !inf->freeing)
            pthread_cond_wait(&inf->cond, &inf->mu);
        pthread_mutex_unlock(&inf->mu);
    }
    release(inf);
}

bool k8s_informer_synced(k8s_informer *inf)
{
    pthread_mutex_lock(&inf->mu);
    bool s = inf->synced;
    pthread_mutex_unlock(&inf->mu);
    return s;
}

k8s_code k8s_informer_wait_synced(k8s_informer *inf, int timeout_ms)
{
    if (!inf || k8s_loop_on_thread(inf->loop))
        return K8S_EINVAL;
    struct timespec until = k8s_deadline_after(timeout_ms);
    k8s_code rc = K8S_OK;
    pthread_mutex_lock(&inf->mu);
    while (!inf->synced && !inf->dead && rc == K8S_OK) {
        if (timeout_ms < 0)
            pthread_cond_wait(&inf->cond, &inf->mu);
        else if (pthread_cond_timedwait(&inf->cond, &inf->mu, &until) != 0)
            rc = K8S_ETIMEDOUT;
    }
    if (inf->synced)
        rc = K8S_OK;
    else if (inf->dead)
        rc = K8S_ECANCELED;
    pthread_mutex_unlock(&inf->mu);
    return rc;
}

/* ---- lookups ---- */

static void *copy_out(const k8s_informer *inf, const k8s_entry *e, k8s_arena *a)
{
    return inf->res.type ? k8s_copy(inf->res.type, e->obj, a) : k8s_arena_strdup(a, e->obj);
}

/* The store's key for a namespace argument: NULL is the client's
 * namespace, as for calls; cluster-scoped objects have none. */
static const char *lookup_namespace(const k8s_informer *inf, const char *namespace_)
{
    if (!inf->res.namespaced)
        return "";
    return namespace_ ? namespace_ : k8s_client_namespace(inf->client);
}

k8s_code k8s_informer_get(k8s_informer *inf, const char *namespace_, const char *name, k8s_arena *arena,
                          void **out)
{
    if (out)
        *out = NULL;
    if (!inf || !name || !arena || !out)
        return K8S_EINVAL;
    pthread_rwlock_rdlock(&inf->lock);
    const k8s_entry *e = k8s_store_find(&inf->store, lookup_namespace(inf, namespace_), name);
    k8s_code rc = !e ? K8S_ENOTFOUND : (*out = copy_out(inf, e, arena)) ? K8S_OK : K8S_ENOMEM;
    pthread_rwlock_unlock(&inf->lock);
    return rc;
}

k8s_code k8s_informer_list(k8s_informer *inf, const char *namespace_, const char *label_selector,
                           k8s_arena *arena, void ***out, size_t *n)
{
    if (out)
        *out = NULL;
    if (n)
        *n = 0;
    if (!inf || !arena || !out || !n)
        return K8S_EINVAL;
    k8s_selector *sel = NULL;
    k8s_code rc = k8s_selector_parse(label_selector, arena, &sel, NULL);
    if (rc)
        return rc;
    namespace_ = lookup_namespace(inf, namespace_);
    bool all_ns = !*namespace_;
    pthread_rwlock_rdlock(&inf->lock);
    const k8s_store *s = &inf->store;
    const k8s_entry **hits = s->n ? malloc(s->n * sizeof *hits) : NULL;
    size_t k = 0;
    if (s->n && !hits)
        rc = K8S_ENOMEM;
    for (size_t i = 0; !rc && s->buckets && i <= s->mask; i++) {
        for (const k8s_entry *e = s->buckets[i]; e; e = e->next) {
            if (!all_ns && strcmp(e->namespace_, namespace_) != 0)
                continue;
            if (!k8s_selector_empty(sel)) {
                k8s_arena *scratch = inf->res.type ? NULL : k8s_arena_new();
                size_t nl;
                const k8s_string_entry *labels = labels_of(inf, e, scratch, &nl);
                bool match = k8s_selector_match(sel, labels, nl);
                k8s_arena_free(scratch);
                if (!match)
                    continue;
            }
            hits[k++] = e;
        }
    }
    void **v = rc ? NULL : k8s_arena_alloc(arena, k * sizeof *v);
    if (!rc && !v)
        rc = K8S_ENOMEM;
    for (size_t i = 0; !rc && i < k; i++)
        if (!(v[i] = copy_out(inf, hits[i], arena)))
            rc = K8S_ENOMEM;
    pthread_rwlock_unlock(&inf->lock);
    free(hits);
    if (!rc) {
        *out = v;
        *n = k;
    }
    return rc;
}

size_t k8s_informer_size(k8s_informer *inf)
{
    pthread_rwlock_rdlock(&inf->lock);
    size_t n = inf->store.n;
    pthread_rwlock_unlock(&inf->lock);
    return n;
}

void k8s_informer_stats_get(k8s_informer *inf, k8s_informer_stats *out)
{
    pthread_mutex_lock(&inf->mu);
    *out = inf->stats;
    if (inf->watcher)
        out->watches += k8s_watcher_connects(inf->watcher);
    pthread_mutex_unlock(&inf->mu);
    pthread_rwlock_rdlock(&inf->lock);
    out->objects = inf->store.n;
    out->object_bytes = inf->store.bytes;
    out->bytes = k8s_store_bytes(&inf->store);
    pthread_rwlock_unlock(&inf->lock);
}
