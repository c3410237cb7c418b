/* Controllers (k8s/controller.h): sources (the primary's informer, and
 * the secondary ones) turn changes into keys on a k8s_workqueue; worker
 * threads take keys, look the primary up in its cache and reconcile.
 *
 * Source handlers run on the client's loop thread; workers on threads of
 * their own. What both touch is the queue (thread-safe) and the caches
 * (informer lookups are thread-safe). */
#define _GNU_SOURCE
#include "k8s/controller.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/object.h"
#include "objmeta_internal.h"

typedef enum source_kind { PRIMARY, OWNED, MAPPED } source_kind;

typedef struct source {
    k8s_controller *c;
    source_kind kind;
    k8s_resource res;            /* strings are copies */
    char *namespace_, *label_selector, *field_selector;
    k8s_informer_options o;      /* points at the copies above */
    k8s_map_fn map;
    void *map_data;
    k8s_meta_fields mf;          /* typed: where the key is */
    /* set by start, while the loop may already run this informer's
     * handlers (and map functions that look caches up) */
    _Atomic(k8s_informer *) inf;
} source;

struct k8s_controller {
    k8s_client *client;
    k8s_reconcile_fn reconcile;
    void *data;
    void (*on_error)(void *data, const k8s_error *err);
    int workers;
    k8s_workqueue *queue;
    source **sources; /* [0] is the primary */
    size_t nsources;
    pthread_t *threads;
    int nthreads;
    bool started; /* set by start, before any other thread looks */
    atomic_bool stopped;
    atomic_bool closing; /* handlers do nothing: the caches are being freed */
    _Atomic uint64_t reconciles, errors, requeues;
    atomic_uint running;
};

/* ---- keys ---- */

/* "namespace/name", or "name" for cluster-scoped objects; NULL when it
 * does not fit (names are at most 253 bytes, namespaces 63). */
static const char *make_key(const char *namespace_, const char *name, char *buf, size_t n)
{
    int w = namespace_ && *namespace_ ? snprintf(buf, n, "%s/%s", namespace_, name) : snprintf(buf, n, "%s", name);
    return w > 0 && (size_t)w < n ? buf : NULL;
}

static void enqueue_key(k8s_controller *c, const char *namespace_, const char *name)
{
    char buf[512];
    const char *key = name ? make_key(namespace_, name, buf, sizeof buf) : NULL;
    if (key)
        k8s_workqueue_add(c->queue, key); /* K8S_ECLOSED once stopped: nothing to do */
}

k8s_code k8s_controller_enqueue(k8s_controller *c, const char *namespace_, const char *name)
{
    return k8s_controller_enqueue_after(c, namespace_, name, 0);
}

k8s_code k8s_controller_enqueue_after(k8s_controller *c, const char *namespace_, const char *name,
                                      uint64_t delay_ms)
{
    char buf[512];
    const char *key = c && name ? make_key(namespace_, name, buf, sizeof buf) : NULL;
    if (!key)
        return K8S_EINVAL;
    return delay_ms ? k8s_workqueue_add_after(c->queue, key, delay_ms) : k8s_workqueue_add(c->queue, key);
}

/* ---- sources (loop thread) ---- */

static void primary_changed(source *s, const void *obj)
{
    k8s_meta m;
    if (s->res.type) {
        k8s_meta_typed(&s->mf, obj, &m);
        enqueue_key(s->c, m.namespace_, m.name);
        return;
    }
    k8s_arena *a = k8s_arena_new();
    if (a && k8s_meta_json(obj, strlen(obj), a, &m, NULL) == K8S_OK)
        enqueue_key(s->c, m.namespace_, m.name);
    k8s_arena_free(a);
}

/* The group of an apiVersion ("apps/v1" -> "apps", "v1" -> ""), as a length. */
static size_t group_len(const char *api_version)
{
    const char *slash = strchr(api_version, '/');
    return slash ? (size_t)(slash - api_version) : 0;
}

k8s_code k8s_controller_enqueue_owners(k8s_controller *c, const k8s_resource *r, const void *obj)
{
    if (!c || !r || !obj)
        return K8S_EINVAL;
    const k8s_resource *p = &c->sources[0]->res;
    k8s_arena *a = k8s_arena_new();
    k8s_object_info info;
    k8s_code rc = a ? k8s_object_info_get(r, obj, a, &info, NULL) : K8S_ENOMEM;
    for (size_t i = 0; !rc && i < info.owners_len; i++) {
        const k8s_owner_ref *o = &info.owners[i];
        if (!o->kind || !o->api_version || !p->kind || strcmp(o->kind, p->kind) != 0 ||
            group_len(o->api_version) != strlen(p->group) || strncmp(o->api_version, p->group, strlen(p->group)) != 0)
            continue;
        enqueue_key(c, p->namespaced ? info.namespace_ : NULL, o->name);
    }
    k8s_arena_free(a);
    return rc;
}

static void changed(source *s, const void *obj)
{
    if (atomic_load(&s->c->closing))
        return;
    switch (s->kind) {
    case PRIMARY: primary_changed(s, obj); break;
    case OWNED: k8s_controller_enqueue_owners(s->c, &s->res, obj); break;
    case MAPPED: s->map(s->map_data, s->c, obj); break;
    }
}

static void on_add(void *data, const void *obj)
{
    changed(data, obj);
}

static void on_update(void *data, const void *old_obj, const void *new_obj)
{
    source *s = data;
    if (s->kind != PRIMARY) /* the old state may name other primaries */
        changed(s, old_obj);
    changed(s, new_obj);
}

static void on_error(void *data, const k8s_error *err)
{
    source *s = data;
    if (s->c->on_error)
        s->c->on_error(s->c->data, err);
}

static char *dup_or_null(const char *s, bool *ok)
{
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        *ok = false;
    return d;
}

static void source_free(source *s)
{
    if (!s)
        return;
    k8s_informer_free(atomic_load(&s->inf));
    free((char *)s->res.group);
    free((char *)s->res.version);
    free((char *)s->res.resource);
    free((char *)s->res.kind);
    free(s->namespace_);
    free(s->label_selector);
    free(s->field_selector);
    free(s);
}

static k8s_code add_source(k8s_controller *c, source_kind kind, const k8s_resource *r,
                           const k8s_informer_options *o, k8s_map_fn map, void *map_data)
{
    static const k8s_informer_options none;
    if (!c || !r || !r->resource || !r->version || c->started)
        return K8S_EINVAL;
    if (!o)
        o = &none;
    source **grown = realloc(c->sources, (c->nsources + 1) * sizeof *grown);
    if (!grown)
        return K8S_ENOMEM;
    c->sources = grown;
    source *s = calloc(1, sizeof *s);
    if (!s)
        return K8S_ENOMEM;
    bool ok = true;
    s->c = c;
    s->kind = kind;
    s->res = *r;
    s->res.group = dup_or_null(r->group ? r->group : "", &ok);
    s->res.version = dup_or_null(r->version, &ok);
    s->res.resource = dup_or_null(r->resource, &ok);
    s->res.kind = dup_or_null(r->kind, &ok);
    s->namespace_ = dup_or_null(o->namespace_, &ok);
    s->label_selector = dup_or_null(o->labelSelector, &ok);
    s->field_selector = dup_or_null(o->fieldSelector, &ok);
    s->o = *o;
    s->o.namespace_ = s->namespace_;
    s->o.labelSelector = s->label_selector;
    s->o.fieldSelector = s->field_selector;
    s->o.handlers = (k8s_informer_handlers){
        .on_add = on_add, .on_update = on_update, .on_delete = on_add, .on_error = on_error, .data = s};
    s->map = map;
    s->map_data = map_data;
    if (r->type)
        k8s_meta_fields_find(r->type, &s->mf);
    if (!ok || (kind == PRIMARY && r->type && !s->mf.name)) {
        source_free(s);
        return ok ? K8S_EINVAL : K8S_ENOMEM;
    }
    c->sources[c->nsources++] = s;
    return K8S_OK;
}

k8s_code k8s_controller_owns(k8s_controller *c, const k8s_resource *r, const k8s_informer_options *o)
{
    return add_source(c, OWNED, r, o, NULL, NULL);
}

k8s_code k8s_controller_watches(k8s_controller *c, const k8s_resource *r, const k8s_informer_options *o,
                                k8s_map_fn map, void *data)
{
    return map ? add_source(c, MAPPED, r, o, map, data) : K8S_EINVAL;
}

/* ---- workers ---- */

typedef struct worker_arg {
    k8s_controller *c;
    unsigned index;
} worker_arg;

static bool wait_caches(k8s_controller *c)
{
    for (size_t i = 0; i < c->nsources; i++) {
        for (;;) {
            if (atomic_load(&c->stopped))
                return false;
            k8s_code rc = k8s_informer_wait_synced(atomic_load(&c->sources[i]->inf), 100);
            if (rc == K8S_OK)
                break;
            if (rc != K8S_ETIMEDOUT)
                return false; /* the client closed */
        }
    }
    return true;
}

static void reconcile_one(k8s_controller *c, unsigned index, const char *key)
{
    char ns[256] = "";
    const char *slash = strchr(key, '/'), *name = slash ? slash + 1 : key;
    if (slash && (size_t)(slash - key) < sizeof ns)
        memcpy(ns, key, (size_t)(slash - key)), ns[slash - key] = '\0';
    k8s_arena *arena = k8s_arena_new();
    void *obj = NULL;
    k8s_code rc = arena ? k8s_informer_get(atomic_load(&c->sources[0]->inf), ns, name, arena, &obj) : K8S_ENOMEM;
    if (rc != K8S_OK && rc != K8S_ENOTFOUND) {
        k8s_arena_free(arena);
        k8s_workqueue_add_rate_limited(c->queue, key); /* out of memory: later */
        return;
    }
    k8s_reconcile_ctx ctx = {c, c->client, key, ns, name, arena, k8s_workqueue_requeues(c->queue, key), index,
                             c->data};
    atomic_fetch_add(&c->running, 1);
    k8s_reconcile_result r = c->reconcile(&ctx, obj);
    atomic_fetch_sub(&c->running, 1);
    atomic_fetch_add(&c->reconciles, 1);
    k8s_arena_free(arena);
    switch (r.action) {
    case K8S_RECONCILE_DONE:
        k8s_workqueue_forget(c->queue, key);
        break;
    case K8S_RECONCILE_REQUEUE_AFTER:
        atomic_fetch_add(&c->requeues, 1);
        k8s_workqueue_forget(c->queue, key);
        k8s_workqueue_add_after(c->queue, key, r.after_ms);
        break;
    case K8S_RECONCILE_ERROR:
        atomic_fetch_add(&c->errors, 1);
        k8s_workqueue_add_rate_limited(c->queue, key);
        break;
    default: /* K8S_RECONCILE_REQUEUE */
        atomic_fetch_add(&c->requeues, 1);
        k8s_workqueue_add_rate_limited(c->queue, key);
        break;
    }
}

static void *worker(void *arg)
{
    worker_arg *w = arg;
    k8s_controller *c = w->c;
    if (wait_caches(c)) {
        const char *key;
        while (k8s_workqueue_get(c->queue, -1, &key) == K8S_OK) {
            reconcile_one(c, w->index, key);
            k8s_workqueue_done(c->queue, key);
        }
    }
    free(w);
    return NULL;
}

/* ---- lifecycle ---- */

k8s_code k8s_controller_new(k8s_client *client, const k8s_controller_options *o, k8s_controller **out)
{
    if (out)
        *out = NULL;
    if (!client || !o || !o->resource || !o->reconcile || !out)
        return K8S_EINVAL;
    k8s_controller *c = calloc(1, sizeof *c);
    if (!c)
        return K8S_ENOMEM;
    c->client = client;
    c->reconcile = o->reconcile;
    c->data = o->data;
    c->on_error = o->on_error;
    c->workers = o->workers > 0 ? o->workers : 1;
    k8s_informer_options io = {.namespace_ = o->namespace_, .labelSelector = o->labelSelector,
                               .fieldSelector = o->fieldSelector};
    k8s_code rc = k8s_workqueue_new(&o->queue, &c->queue);
    if (!rc)
        rc = add_source(c, PRIMARY, o->resource, &io, NULL, NULL);
    if (rc) {
        k8s_controller_free(c);
        return rc;
    }
    *out = c;
    return K8S_OK;
}

k8s_code k8s_controller_start(k8s_controller *c)
{
    if (!c || c->started || atomic_load(&c->stopped))
        return K8S_EINVAL;
    c->started = true;
    if (!(c->threads = calloc((size_t)c->workers, sizeof *c->threads)))
        return K8S_ENOMEM;
    for (size_t i = 0; i < c->nsources; i++) {
        source *s = c->sources[i];
        k8s_informer *inf;
        k8s_code rc = k8s_informer_start(c->client, &s->res, &s->o, &inf);
        if (rc)
            return rc;
        atomic_store(&s->inf, inf);
    }
    for (int i = 0; i < c->workers; i++) {
        worker_arg *w = malloc(sizeof *w);
        if (!w)
            return K8S_ENOMEM;
        *w = (worker_arg){c, (unsigned)i};
        if (pthread_create(&c->threads[i], NULL, worker, w) != 0) {
            free(w);
            return K8S_ENOMEM;
        }
        c->nthreads++;
    }
    return K8S_OK;
}

k8s_code k8s_controller_wait_synced(k8s_controller *c, int timeout_ms)
{
    if (!c || !c->started)
        return K8S_EINVAL;
    uint64_t until = k8s_now_ms() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms);
    for (size_t i = 0; i < c->nsources; i++) {
        int left = timeout_ms < 0 ? -1 : (int)(until > k8s_now_ms() ? until - k8s_now_ms() : 0);
        k8s_code rc = k8s_informer_wait_synced(atomic_load(&c->sources[i]->inf), left);
        if (rc)
            return rc;
    }
    return K8S_OK;
}

static bool same_resource(const k8s_resource *a, const k8s_resource *b)
{
    return strcmp(a->group, b->group ? b->group : "") == 0 && strcmp(a->version, b->version) == 0 &&
           strcmp(a->resource, b->resource) == 0;
}

k8s_informer *k8s_controller_informer(k8s_controller *c, const k8s_resource *r)
{
    if (!c || !c->started)
        return NULL;
    for (size_t i = 0; i < c->nsources; i++)
        if (!r || same_resource(&c->sources[i]->res, r))
            return atomic_load(&c->sources[i]->inf);
    return NULL;
}

void k8s_controller_stop(k8s_controller *c)
{
    if (!c || atomic_exchange(&c->stopped, true))
        return;
    k8s_workqueue_shutdown(c->queue, K8S_WORKQUEUE_DROP, 0); /* wakes the workers; waits for none */
}

bool k8s_controller_stopped(k8s_controller *c)
{
    return atomic_load(&c->stopped);
}

void k8s_controller_stats_get(k8s_controller *c, k8s_controller_stats *out)
{
    out->reconciles = atomic_load(&c->reconciles);
    out->errors = atomic_load(&c->errors);
    out->requeues = atomic_load(&c->requeues);
    out->running = atomic_load(&c->running);
    k8s_workqueue_stats_get(c->queue, &out->queue);
}

/* Runs on the loop after every handler queued before it. */
typedef struct barrier {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool passed;
} barrier;

static void pass_barrier(void *data)
{
    barrier *b = data;
    pthread_mutex_lock(&b->mu);
    b->passed = true;
    pthread_cond_signal(&b->cond);
    pthread_mutex_unlock(&b->mu);
}

void k8s_controller_free(k8s_controller *c)
{
    if (!c)
        return;
    if (c->queue)
        k8s_controller_stop(c);
    for (int i = 0; i < c->nthreads; i++)
        pthread_join(c->threads[i], NULL);
    /* handlers (map functions) may look up any cache: once none runs any
     * more, the caches can go in any order */
    atomic_store(&c->closing, true);
    barrier b = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
    if (c->started && k8s_loop_call(k8s_client_loop(c->client), pass_barrier, &b) == K8S_OK) {
        pthread_mutex_lock(&b.mu);
        while (!b.passed)
            pthread_cond_wait(&b.cond, &b.mu);
        pthread_mutex_unlock(&b.mu);
    }
    free(c->threads);
    for (size_t i = 0; i < c->nsources; i++)
        source_free(c->sources[i]); /* their handlers find the queue closed */
    free(c->sources);
    k8s_workqueue_free(c->queue);
    free(c);
}
