/* The ConfigMapSync controller (operator.h).
 *
 * Primary: ConfigMapSyncs, through the dynamic client (see
 * configmapsync.h). Secondary: every ConfigMap, one cache that serves two
 * purposes: a copy queues the ConfigMapSync that owns it (its owner
 * reference), a source queues the ConfigMapSyncs that read it. Reconcile
 * reads sources and copies from that cache and writes with server-side
 * apply, so running it again changes nothing. */
#include "operator.h"

#include <stdio.h>
#include <string.h>

#include <k8s/object.h>
#include <k8s/values.h>

#include "configmapsync.h"

static const k8s_resource *configmaps = &k8s_core_v1_config_map_resource;

static k8s_informer *configmap_cache(operator *op)
{
    return k8s_controller_informer(op->controller, configmaps);
}

/* The copies cms owns: labelled with its name, and owned by its uid. */
static size_t owned_copies(operator *op, const configmapsync *cms, k8s_arena *a, k8s_core_v1_config_map ***out)
{
    char selector[300];
    snprintf(selector, sizeof selector, "%s=%s", CMS_OWNER_LABEL, cms->metadata->name);
    void **objs;
    size_t n, kept = 0;
    if (k8s_informer_list(configmap_cache(op), K8S_ALL_NAMESPACES, selector, a, &objs, &n))
        return 0;
    for (size_t i = 0; i < n; i++) {
        k8s_core_v1_config_map *cm = objs[i];
        for (size_t j = 0; j < cm->metadata->ownerReferences_len; j++)
            if (strcmp(cm->metadata->ownerReferences[j].uid, cms->metadata->uid) == 0)
                objs[kept++] = cm;
    }
    *out = (k8s_core_v1_config_map **)objs;
    return kept;
}

static bool listed(char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

/* ---- status ---- */

typedef struct wanted_status {
    bool ready;
    const char *reason, *message;
    int64_t generation;
    char **synced;
    size_t synced_len;
} wanted_status;

static bool same_text(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* k8s_status_update's mutate: the Ready condition and the rest of the
 * status, on the copy of the object it is given (JSON text). */
static k8s_code set_status(void *data, void **obj, k8s_arena *a)
{
    const wanted_status *w = data;
    configmapsync *cms;
    k8s_error err;
    if (configmapsync_decode(*obj, a, &cms, &err))
        return K8S_EBADREPLY;
    configmapsync_status *st = cms->status;
    configmapsync_condition *old = NULL;
    for (size_t i = 0; st && i < st->conditions_len; i++)
        if (same_text(st->conditions[i].type, "Ready"))
            old = &st->conditions[i];
    const char *status = w->ready ? "True" : "False";
    bool same_synced = st && st->syncedNamespaces_len == w->synced_len;
    for (size_t i = 0; same_synced && i < w->synced_len; i++)
        same_synced = same_text(st->syncedNamespaces[i], w->synced[i]);
    if (old && same_text(old->status, status) && same_text(old->reason, w->reason) &&
        same_text(old->message, w->message) && st->has_observedGeneration && st->observedGeneration == w->generation &&
        same_synced)
        return K8S_EDONE; /* as it is: no write */
    char now[K8S_TIME_TEXT_MAX];
    k8s_time t;
    k8s_time_now(&t);
    k8s_time_format(&t, now, sizeof now);
    configmapsync_condition *c = k8s_arena_alloc(a, sizeof *c);
    st = k8s_arena_alloc(a, sizeof *st);
    if (!c || !st)
        return K8S_ENOMEM;
    *c = (configmapsync_condition){.type = "Ready", .status = (char *)status, .reason = (char *)w->reason,
                                   .message = (char *)w->message, .has_observedGeneration = true,
                                   .observedGeneration = w->generation,
                                   /* the transition time moves only when the status does */
                                   .lastTransitionTime = old && same_text(old->status, status) && old->lastTransitionTime
                                                             ? old->lastTransitionTime
                                                             : k8s_arena_strdup(a, now)};
    *st = (configmapsync_status){.has_observedGeneration = true, .observedGeneration = w->generation,
                                 .syncedNamespaces = w->synced_len ? w->synced : K8S_EMPTY,
                                 .syncedNamespaces_len = w->synced_len, .conditions = c, .conditions_len = 1};
    cms->status = st;
    return (*obj = configmapsync_encode(cms, a, &err)) ? K8S_OK : K8S_ENOMEM;
}

/* ---- reconcile ---- */

/* Deletion has begun: remove the copies, then the finalizer. */
static k8s_reconcile_result finalize(operator *op, k8s_reconcile_ctx *ctx, const char *obj, const configmapsync *cms,
                                     const k8s_object_ref *ref)
{
    k8s_core_v1_config_map **copies;
    size_t n = owned_copies(op, cms, ctx->arena, &copies);
    k8s_error err;
    for (size_t i = 0; i < n; i++) {
        k8s_meta_v1_status *gone;
        k8s_code rc = k8s_core_v1_config_map_delete(ctx->client, ctx->arena, copies[i]->metadata->namespace_,
                                                    copies[i]->metadata->name, NULL, &gone, &err);
        if (rc && rc != K8S_ENOTFOUND) {
            fprintf(stderr, "configmapsync: %s: deleting a copy: %s\n", ctx->name, err.message);
            return K8S_RECONCILE_FAILED;
        }
    }
    k8s_code rc = k8s_finalizer_remove(ctx->client, &configmapsync_resource, obj, CMS_FINALIZER, ctx->arena, NULL, &err);
    if (rc == K8S_ENOTFOUND)
        return K8S_RECONCILED; /* a stale copy from the cache: done already */
    if (rc) {
        fprintf(stderr, "configmapsync: %s: removing the finalizer: %s\n", ctx->name, err.message);
        return K8S_RECONCILE_FAILED;
    }
    k8s_event_record(op->events, ref, NULL, K8S_EVENT_NORMAL, "CopiesRemoved", "Cleanup", "removed %zu copies", n);
    printf("configmapsync: %s deleted, %zu copies removed\n", ctx->name, n);
    fflush(stdout);
    return K8S_RECONCILED;
}

/* One copy of src in ns, owned by the ConfigMapSync; false (with why)
 * when it cannot be made. */
static bool copy_into(k8s_reconcile_ctx *ctx, const k8s_core_v1_config_map *src, const char *ns, const char *owner,
                      const k8s_owner_ref *ref, char *why, size_t why_size)
{
    operator *op = ctx->data;
    k8s_core_v1_config_map *existing;
    if (k8s_informer_get(configmap_cache(op), ns, src->metadata->name, ctx->arena, (void **)&existing) == K8S_OK) {
        bool ours = false;
        for (size_t j = 0; j < existing->metadata->ownerReferences_len; j++)
            ours |= strcmp(existing->metadata->ownerReferences[j].uid, ref->uid) == 0;
        if (!ours) { /* somebody else's ConfigMap: leave it alone */
            snprintf(why, why_size, "%s: a ConfigMap of that name exists", ns);
            return false;
        }
    }
    k8s_string_entry label = {CMS_OWNER_LABEL, (char *)owner};
    k8s_meta_v1_object_meta meta = {.name = src->metadata->name, .namespace_ = (char *)ns, .labels = &label,
                                    .labels_len = 1};
    k8s_core_v1_config_map copy = {.metadata = &meta, .data = src->data, .data_len = src->data_len,
                                   .binaryData = src->binaryData, .binaryData_len = src->binaryData_len};
    k8s_error err;
    k8s_code rc = k8s_owner_ref_set(&k8s_core_v1_config_map_desc, &copy, ref, ctx->arena);
    if (!rc)
        rc = k8s_apply(ctx->client, configmaps, ns, &copy, CMS_MANAGER, true, ctx->arena, NULL, &err);
    if (rc)
        snprintf(why, why_size, "%s: %s", ns, rc == K8S_ENOTFOUND ? "no such namespace" : err.message);
    return rc == K8S_OK;
}

static k8s_reconcile_result sync(operator *op, k8s_reconcile_ctx *ctx, const char *obj, const configmapsync *cms,
                                 const k8s_object_ref *ref)
{
    const configmapsync_spec *spec = cms->spec;
    const configmapsync_source *from = spec ? spec->source : NULL;
    wanted_status want = {.generation = cms->metadata->generation};
    k8s_error err;
    char message[1024] = "";
    k8s_core_v1_config_map *src = NULL;
    if (!from || k8s_informer_get(configmap_cache(op), from->namespace_, from->name, ctx->arena, (void **)&src)) {
        /* its creation will queue this ConfigMapSync again */
        snprintf(message, sizeof message, "source ConfigMap %s/%s not found", from ? from->namespace_ : "?",
                 from ? from->name : "?");
        want.reason = "SourceNotFound";
        want.message = message;
        k8s_status_update(ctx->client, &configmapsync_resource, obj, set_status, &want, ctx->arena, NULL, &err);
        k8s_event_record(op->events, ref, NULL, K8S_EVENT_WARNING, "SourceNotFound", "Sync", "%s", message);
        return K8S_RECONCILED;
    }
    k8s_owner_ref owner;
    if (k8s_owner_ref_of(&configmapsync_resource, obj, ctx->arena, &owner, &err))
        return K8S_RECONCILE_FAILED;
    want.synced = k8s_arena_alloc(ctx->arena, (spec->targetNamespaces_len + 1) * sizeof *want.synced);
    if (!want.synced)
        return K8S_RECONCILE_FAILED;
    for (size_t i = 0; i < spec->targetNamespaces_len; i++) {
        char why[300];
        if (copy_into(ctx, src, spec->targetNamespaces[i], cms->metadata->name, &owner, why, sizeof why))
            want.synced[want.synced_len++] = spec->targetNamespaces[i];
        else
            snprintf(message + strlen(message), sizeof message - strlen(message), "%s%s", message[0] ? "; " : "",
                     why);
    }
    /* copies no longer wanted: a namespace left the list, or the source was renamed */
    k8s_core_v1_config_map **copies;
    size_t n = owned_copies(op, cms, ctx->arena, &copies);
    for (size_t i = 0; i < n; i++) {
        const k8s_meta_v1_object_meta *m = copies[i]->metadata;
        if (listed(spec->targetNamespaces, spec->targetNamespaces_len, m->namespace_) &&
            strcmp(m->name, src->metadata->name) == 0)
            continue;
        k8s_meta_v1_status *gone;
        k8s_core_v1_config_map_delete(ctx->client, ctx->arena, m->namespace_, m->name, NULL, &gone, &err);
    }
    want.ready = !message[0];
    want.reason = want.ready ? "Synced" : "SyncFailed";
    if (want.ready)
        snprintf(message, sizeof message, "%s/%s copied to %zu namespaces", from->namespace_, from->name,
                 want.synced_len);
    want.message = message;
    if (k8s_status_update(ctx->client, &configmapsync_resource, obj, set_status, &want, ctx->arena, NULL, &err)) {
        fprintf(stderr, "configmapsync: %s: status: %s\n", ctx->name, err.message);
        return K8S_RECONCILE_FAILED;
    }
    k8s_event_record(op->events, ref, NULL, want.ready ? K8S_EVENT_NORMAL : K8S_EVENT_WARNING, want.reason, "Sync",
                     "%s", message);
    printf("configmapsync: %s: %s\n", ctx->name, message);
    fflush(stdout);
    return want.ready ? K8S_RECONCILED : K8S_RECONCILE_FAILED; /* failures: again, with backoff */
}

static k8s_reconcile_result reconcile(k8s_reconcile_ctx *ctx, const void *obj)
{
    operator *op = ctx->data;
    if (!obj)
        return K8S_RECONCILED; /* gone: its finalizer has cleaned up already */
    configmapsync *cms;
    k8s_object_ref ref;
    k8s_error err;
    if (configmapsync_decode(obj, ctx->arena, &cms, &err) ||
        k8s_object_ref_of(&configmapsync_resource, obj, ctx->arena, &ref, &err)) {
        fprintf(stderr, "configmapsync: %s: %s\n", ctx->name, err.message);
        return K8S_RECONCILED; /* nothing a retry would change */
    }
    if (cms->metadata->deletionTimestamp) {
        bool ours = false;
        for (size_t i = 0; i < cms->metadata->finalizers_len; i++)
            ours |= strcmp(cms->metadata->finalizers[i], CMS_FINALIZER) == 0;
        return ours ? finalize(op, ctx, obj, cms, &ref) : K8S_RECONCILED;
    }
    /* the finalizer first: from then on a delete waits for the cleanup */
    void *updated;
    if (k8s_finalizer_add(ctx->client, &configmapsync_resource, obj, CMS_FINALIZER, ctx->arena, &updated, &err)) {
        fprintf(stderr, "configmapsync: %s: adding the finalizer: %s\n", ctx->name, err.message);
        return K8S_RECONCILE_FAILED;
    }
    if (configmapsync_decode(updated, ctx->arena, &cms, &err))
        return K8S_RECONCILE_FAILED;
    return sync(op, ctx, updated, cms, &ref);
}

/* A ConfigMap changed: a copy queues its owner, a source its readers. */
static void configmap_changed(void *data, k8s_controller *c, const void *obj)
{
    (void)data;
    const k8s_core_v1_config_map *cm = obj;
    k8s_controller_enqueue_owners(c, configmaps, obj);
    k8s_arena *a = k8s_arena_new();
    void **syncs;
    size_t n;
    if (a && k8s_informer_list(k8s_controller_informer(c, NULL), K8S_ALL_NAMESPACES, NULL, a, &syncs, &n) == K8S_OK) {
        for (size_t i = 0; i < n; i++) {
            configmapsync *cms;
            k8s_error err;
            if (configmapsync_decode(syncs[i], a, &cms, &err) == K8S_OK && cms->spec && cms->spec->source &&
                same_text(cms->spec->source->namespace_, cm->metadata->namespace_) &&
                same_text(cms->spec->source->name, cm->metadata->name))
                k8s_controller_enqueue(c, NULL, cms->metadata->name);
        }
    }
    k8s_arena_free(a);
}

k8s_code operator_start(operator *op)
{
    k8s_controller_options o = {.resource = &configmapsync_resource, .namespace_ = K8S_ALL_NAMESPACES,
                                .reconcile = reconcile, .data = op, .workers = op->workers};
    k8s_informer_options every_namespace = {.namespace_ = K8S_ALL_NAMESPACES};
    k8s_code rc = k8s_controller_new(op->client, &o, &op->controller);
    if (!rc)
        rc = k8s_controller_watches(op->controller, configmaps, &every_namespace, configmap_changed, op);
    if (!rc)
        rc = k8s_controller_start(op->controller);
    if (rc) {
        k8s_controller_free(op->controller);
        op->controller = NULL;
    }
    return rc;
}

void operator_stop(operator *op)
{
    k8s_controller_free(op->controller);
    op->controller = NULL;
}
