/* Objects of any resource (k8s/object.h): metadata read through the
 * type's descriptors (typed) or a partial view of the JSON (dynamic);
 * owner references written the same two ways; and the writes controllers
 * make, on the generic k8s_call. */
#define _GNU_SOURCE
#include "k8s/object.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control_internal.h"
#include "internal.h"
#include "objmeta_internal.h"

/* ---- typed objects, through their descriptors ---- */

static void *ptr_at(const void *base, const k8s_field *f)
{
    return base && f ? *(void *const *)((const char *)base + f->offset) : NULL;
}

static const k8s_field *array_field(const k8s_type *t, const char *name, k8s_kind kind)
{
    const k8s_field *f = t ? k8s_type_field(t, name, strlen(name)) : NULL;
    return f && f->kind == kind && (f->flags & K8S_FIELD_ARRAY) ? f : NULL;
}

static const k8s_field *flagged_field(const k8s_type *t, const char *name, k8s_kind kind)
{
    const k8s_field *f = t ? k8s_type_field(t, name, strlen(name)) : NULL;
    return f && f->kind == kind && (f->flags & K8S_FIELD_HAS) ? f : NULL;
}

static bool flag_at(const void *base, const k8s_field *f)
{
    return base && f && *(const bool *)((const char *)base + f->aux);
}

static const char *str_field(const k8s_type *t, const void *base, const char *name)
{
    return ptr_at(base, k8s_field_of(t, name, K8S_KIND_STRING));
}

static bool bool_field(const k8s_type *t, const void *base, const char *name)
{
    const k8s_field *f = flagged_field(t, name, K8S_KIND_BOOL);
    return flag_at(base, f) && *(const bool *)((const char *)base + f->offset);
}

static k8s_code typed_info(const k8s_type *t, const void *obj, k8s_arena *arena, k8s_object_info *out)
{
    const k8s_field *mf = k8s_field_of(t, "metadata", K8S_KIND_OBJECT);
    if (!mf)
        return K8S_EINVAL;
    const k8s_type *mt = mf->type;
    const void *meta = ptr_at(obj, mf);
    out->api_version = str_field(t, obj, "apiVersion");
    out->kind = str_field(t, obj, "kind");
    if (!meta)
        return K8S_OK;
    out->namespace_ = str_field(mt, meta, "namespace");
    out->name = str_field(mt, meta, "name");
    out->uid = str_field(mt, meta, "uid");
    out->resource_version = str_field(mt, meta, "resourceVersion");
    out->deletion_timestamp = ptr_at(meta, k8s_field_of(mt, "deletionTimestamp", K8S_KIND_TIME));
    const k8s_field *gf = flagged_field(mt, "generation", K8S_KIND_INT64);
    if ((out->has_generation = flag_at(meta, gf)))
        out->generation = *(const int64_t *)((const char *)meta + gf->offset);
    const k8s_field *ff = array_field(mt, "finalizers", K8S_KIND_STRING);
    if (ff) {
        out->finalizers = ptr_at(meta, ff);
        out->finalizers_len = *(const size_t *)((const char *)meta + ff->aux);
    }
    const k8s_field *of = array_field(mt, "ownerReferences", K8S_KIND_OBJECT);
    size_t n = of ? *(const size_t *)((const char *)meta + of->aux) : 0;
    const char *refs = ptr_at(meta, of);
    if (!n || !refs)
        return K8S_OK;
    if (!(out->owners = k8s_arena_alloc(arena, n * sizeof *out->owners)))
        return K8S_ENOMEM;
    const k8s_type *rt = of->type;
    for (size_t i = 0; i < n; i++) {
        const char *e = refs + i * rt->size;
        out->owners[i] = (k8s_owner_ref){str_field(rt, e, "apiVersion"), str_field(rt, e, "kind"),
                                         str_field(rt, e, "name"), str_field(rt, e, "uid"),
                                         bool_field(rt, e, "controller"), bool_field(rt, e, "blockOwnerDeletion")};
    }
    out->owners_len = n;
    return K8S_OK;
}

/* ---- JSON text, through a partial view ---- */

typedef struct view_owner {
    char *apiVersion, *kind, *name, *uid;
    bool has_controller, controller, has_blockOwnerDeletion, blockOwnerDeletion;
} view_owner;

typedef struct view_meta {
    char *name, *namespace_, *uid, *resourceVersion, *deletionTimestamp;
    bool has_generation;
    int64_t generation;
    char **finalizers;
    size_t finalizers_len;
    view_owner *ownerReferences;
    size_t ownerReferences_len;
} view_meta;

typedef struct view {
    char *apiVersion, *kind;
    view_meta *metadata;
} view;

static const k8s_field view_owner_fields[] = {
    K8S_VALUE(view_owner, apiVersion, "apiVersion", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(view_owner, kind, "kind", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(view_owner, name, "name", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(view_owner, uid, "uid", K8S_KIND_STRING, 0, NULL),
    K8S_SCALAR(view_owner, controller, "controller", K8S_KIND_BOOL, 0),
    K8S_SCALAR(view_owner, blockOwnerDeletion, "blockOwnerDeletion", K8S_KIND_BOOL, 0),
};
static const k8s_type view_owner_desc = {.name = "OwnerReference", .fields = view_owner_fields,
                                         .size = sizeof(view_owner), .nfields = 6, .flags = K8S_TYPE_PARTIAL};
static const k8s_field view_meta_fields[] = {
    K8S_VALUE(view_meta, name, "name", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(view_meta, namespace_, "namespace", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(view_meta, uid, "uid", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(view_meta, resourceVersion, "resourceVersion", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(view_meta, deletionTimestamp, "deletionTimestamp", K8S_KIND_TIME, 0, NULL),
    K8S_SCALAR(view_meta, generation, "generation", K8S_KIND_INT64, 0),
    K8S_ARRAY(view_meta, finalizers, "finalizers", K8S_KIND_STRING, 0, NULL),
    K8S_ARRAY(view_meta, ownerReferences, "ownerReferences", K8S_KIND_OBJECT, 0, &view_owner_desc),
};
static const k8s_type view_meta_desc = {.name = "ObjectMeta", .fields = view_meta_fields,
                                        .size = sizeof(view_meta), .nfields = 8, .flags = K8S_TYPE_PARTIAL};
static const k8s_field view_fields[] = {
    K8S_VALUE(view, apiVersion, "apiVersion", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(view, kind, "kind", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(view, metadata, "metadata", K8S_KIND_OBJECT, 0, &view_meta_desc),
};
static const k8s_type view_desc = {.name = "Object", .fields = view_fields, .size = sizeof(view), .nfields = 3,
                                   .flags = K8S_TYPE_PARTIAL};

static k8s_code json_info(const char *text, k8s_arena *arena, k8s_object_info *out, k8s_error *err)
{
    view *v;
    k8s_code rc = k8s_json_decode(&view_desc, text, strlen(text), arena, (void **)&v, NULL, err);
    if (rc)
        return K8S_EBADREPLY;
    out->api_version = v->apiVersion;
    out->kind = v->kind;
    const view_meta *m = v->metadata;
    if (!m)
        return K8S_OK;
    out->namespace_ = m->namespace_;
    out->name = m->name;
    out->uid = m->uid;
    out->resource_version = m->resourceVersion;
    out->deletion_timestamp = m->deletionTimestamp;
    out->has_generation = m->has_generation;
    out->generation = m->generation;
    out->finalizers = m->finalizers;
    out->finalizers_len = m->finalizers_len;
    if (!m->ownerReferences_len)
        return K8S_OK;
    if (!(out->owners = k8s_arena_alloc(arena, m->ownerReferences_len * sizeof *out->owners)))
        return K8S_ENOMEM;
    for (size_t i = 0; i < m->ownerReferences_len; i++) {
        const view_owner *o = &m->ownerReferences[i];
        out->owners[i] = (k8s_owner_ref){o->apiVersion, o->kind, o->name, o->uid, o->controller,
                                         o->blockOwnerDeletion};
    }
    out->owners_len = m->ownerReferences_len;
    return K8S_OK;
}

k8s_code k8s_object_info_get(const k8s_resource *r, const void *obj, k8s_arena *arena, k8s_object_info *out,
                             k8s_error *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!r || !obj || !arena || !out)
        return K8S_EINVAL;
    k8s_code rc = r->type ? typed_info(r->type, obj, arena, out) : json_info(obj, arena, out, err);
    if (rc && rc != K8S_EBADREPLY)
        k8s_error_set(err, rc, NULL, NULL, NULL, "%s", rc == K8S_EINVAL ? "the type has no metadata" : k8s_strerror(rc));
    return rc;
}

bool k8s_object_has_finalizer(const k8s_object_info *info, const char *finalizer)
{
    for (size_t i = 0; info && finalizer && i < info->finalizers_len; i++)
        if (info->finalizers[i] && strcmp(info->finalizers[i], finalizer) == 0)
            return true;
    return false;
}

/* ---- references ---- */

static k8s_code need_name(const k8s_object_info *info, k8s_error *err)
{
    if (info->name)
        return K8S_OK;
    k8s_error_set(err, K8S_EINVAL, NULL, NULL, NULL, "the object has no name");
    return K8S_EINVAL;
}

char *k8s_api_version_of(const k8s_resource *r, k8s_arena *arena)
{
    const char *g = r->group ? r->group : "";
    size_t n = strlen(g) + strlen(r->version) + 2;
    char *s = k8s_arena_alloc(arena, n);
    if (s)
        snprintf(s, n, "%s%s%s", g, *g ? "/" : "", r->version);
    return s;
}

k8s_code k8s_object_ref_of(const k8s_resource *r, const void *obj, k8s_arena *arena, k8s_object_ref *out,
                           k8s_error *err)
{
    k8s_object_info info;
    if (out)
        memset(out, 0, sizeof *out);
    k8s_code rc = k8s_object_info_get(r, obj, arena, &info, err);
    if (rc || (rc = need_name(&info, err)))
        return rc;
    out->api_version = k8s_api_version_of(r, arena);
    out->kind = r->kind ? r->kind : info.kind;
    out->namespace_ = info.namespace_;
    out->name = info.name;
    out->uid = info.uid;
    return out->api_version ? K8S_OK : K8S_ENOMEM;
}

k8s_code k8s_owner_ref_of(const k8s_resource *owner_resource, const void *owner, k8s_arena *arena,
                          k8s_owner_ref *out, k8s_error *err)
{
    k8s_object_ref ref;
    if (out)
        memset(out, 0, sizeof *out);
    k8s_code rc = k8s_object_ref_of(owner_resource, owner, arena, &ref, err);
    if (rc)
        return rc;
    if (!ref.uid || !ref.kind) {
        k8s_error_set(err, K8S_EINVAL, NULL, NULL, NULL, "the owner has no %s", ref.uid ? "kind" : "uid");
        return K8S_EINVAL;
    }
    *out = (k8s_owner_ref){ref.api_version, ref.kind, ref.name, ref.uid, true, true};
    return K8S_OK;
}

static bool set_str(const k8s_type *t, void *base, const char *name, const char *value, k8s_arena *arena)
{
    const k8s_field *f = k8s_field_of(t, name, K8S_KIND_STRING);
    if (!f || !value)
        return true;
    char *copy = k8s_arena_strdup(arena, value);
    *(char **)((char *)base + f->offset) = copy;
    return copy != NULL;
}

static void set_bool(const k8s_type *t, void *base, const char *name, bool value)
{
    const k8s_field *f = flagged_field(t, name, K8S_KIND_BOOL);
    if (f) {
        *(bool *)((char *)base + f->aux) = true;
        *(bool *)((char *)base + f->offset) = value;
    }
}


k8s_code k8s_owner_ref_set(const k8s_type *child_type, void *child, const k8s_owner_ref *ref, k8s_arena *arena)
{
    if (!child_type || !child || !ref || !ref->uid || !arena)
        return K8S_EINVAL;
    const k8s_field *mf = k8s_field_of(child_type, "metadata", K8S_KIND_OBJECT);
    const k8s_field *of = mf ? array_field(mf->type, "ownerReferences", K8S_KIND_OBJECT) : NULL;
    if (!of || (of->type->flags & K8S_TYPE_UNION))
        return K8S_EINVAL;
    void **metap = (void **)((char *)child + mf->offset);
    if (!*metap && !(*metap = k8s_arena_alloc(arena, mf->type->size)))
        return K8S_ENOMEM;
    char *meta = *metap;
    const k8s_type *rt = of->type;
    char **arrp = (char **)(meta + of->offset);
    size_t *lenp = (size_t *)(meta + of->aux);
    char *slot = NULL;
    for (size_t i = 0; *arrp && i < *lenp && !slot; i++) {
        const char *uid = str_field(rt, *arrp + i * rt->size, "uid");
        if (uid && strcmp(uid, ref->uid) == 0)
            slot = *arrp + i * rt->size;
    }
    if (!slot) {
        char *grown = k8s_arena_alloc(arena, (*lenp + 1) * rt->size);
        if (!grown)
            return K8S_ENOMEM;
        if (*lenp)
            memcpy(grown, *arrp, *lenp * rt->size);
        slot = grown + *lenp * rt->size;
        *arrp = grown;
        (*lenp)++;
    }
    memset(slot, 0, rt->size);
    if (!set_str(rt, slot, "apiVersion", ref->api_version, arena) || !set_str(rt, slot, "kind", ref->kind, arena) ||
        !set_str(rt, slot, "name", ref->name, arena) || !set_str(rt, slot, "uid", ref->uid, arena))
        return K8S_ENOMEM;
    if (ref->controller) /* false is left out, as client-go leaves the pointer nil */
        set_bool(rt, slot, "controller", true);
    if (ref->block_owner_deletion)
        set_bool(rt, slot, "blockOwnerDeletion", true);
    return K8S_OK;
}

k8s_code k8s_json_member(k8s_buf *b, bool first, const char *name, const char *value)
{
    k8s_code rc = k8s_buf_append_str(b, first ? "\"" : ",\"");
    if (!rc)
        rc = k8s_buf_append_str(b, name);
    if (!rc)
        rc = k8s_buf_append_str(b, "\":");
    return rc ? rc : k8s_json_quote(b, value ? value : "");
}

static char *buf_to_arena(k8s_buf *b, k8s_code rc, k8s_arena *arena)
{
    char *s = rc ? NULL : k8s_arena_strndup(arena, b->data, b->len);
    k8s_buf_free(b);
    return s;
}

char *k8s_owner_ref_json(const k8s_owner_ref *ref, k8s_arena *arena)
{
    if (!ref || !arena)
        return NULL;
    k8s_buf b = K8S_BUF_INIT;
    k8s_code rc = k8s_buf_append_str(&b, "{");
    if (!rc)
        rc = k8s_json_member(&b, true, "apiVersion", ref->api_version);
    if (!rc)
        rc = k8s_json_member(&b, false, "kind", ref->kind);
    if (!rc)
        rc = k8s_json_member(&b, false, "name", ref->name);
    if (!rc)
        rc = k8s_json_member(&b, false, "uid", ref->uid);
    if (!rc) {
        char tail[64];
        snprintf(tail, sizeof tail, ",\"controller\":%s,\"blockOwnerDeletion\":%s}", ref->controller ? "true" : "false",
                 ref->block_owner_deletion ? "true" : "false");
        rc = k8s_buf_append_str(&b, tail);
    }
    return buf_to_arena(&b, rc, arena);
}

/* ---- writes ---- */

static k8s_op op_for(const k8s_resource *r, k8s_verb verb, const char *subresource)
{
    return (k8s_op){r, subresource, verb, r->type, r->type, r->kind};
}

/* A copy of obj in arena. */
static void *copy_of(const k8s_resource *r, const void *obj, k8s_arena *arena)
{
    return r->type ? k8s_copy(r->type, obj, arena) : k8s_arena_strdup(arena, obj);
}

static k8s_code read_fresh(k8s_client *client, const k8s_resource *r, const k8s_object_info *info,
                           k8s_arena *arena, void **obj, k8s_error *err)
{
    k8s_op op = op_for(r, K8S_VERB_GET, NULL);
    k8s_args args = {.namespace_ = info->namespace_, .name = info->name};
    return k8s_call(client, arena, &op, &args, obj, err);
}

/* client-go's retry.DefaultRetry: 5 steps, 10 ms apart with 10% jitter. */
enum { ATTEMPTS = 5 };

static void pause_before_retry(unsigned attempt)
{
    long ns = 10000000L + (long)((attempt * 2654435761u + (unsigned)time(NULL)) % 1000000u);
    nanosleep(&(struct timespec){0, ns}, NULL);
}

/* {"metadata":{"finalizers":[...],"resourceVersion":"..."}} with finalizer
 * added to or taken from the list; *change false when it is as wanted. */
static k8s_code finalizers_patch(const k8s_object_info *info, const char *finalizer, bool add, k8s_buf *b,
                                 bool *change)
{
    bool has = k8s_object_has_finalizer(info, finalizer);
    *change = add != has;
    if (!*change)
        return K8S_OK;
    size_t kept = 0;
    k8s_code rc = k8s_buf_append_str(b, "{\"metadata\":{\"finalizers\":[");
    for (size_t i = 0; !rc && i < info->finalizers_len; i++) {
        if (!info->finalizers[i] || (!add && strcmp(info->finalizers[i], finalizer) == 0))
            continue;
        if (kept++)
            rc = k8s_buf_append_str(b, ",");
        if (!rc)
            rc = k8s_json_quote(b, info->finalizers[i]);
    }
    if (!rc && add && kept++)
        rc = k8s_buf_append_str(b, ",");
    if (!rc && add)
        rc = k8s_json_quote(b, finalizer);
    if (!rc)
        rc = k8s_buf_append_str(b, "]");
    if (!rc && info->resource_version)
        rc = k8s_json_member(b, false, "resourceVersion", info->resource_version);
    return rc ? rc : k8s_buf_append_str(b, "}}");
}

static k8s_code change_finalizers(k8s_client *client, const k8s_resource *r, const void *obj,
                                  const char *finalizer, bool add, k8s_arena *arena, void **out, k8s_error *err)
{
    void *result = NULL;
    if (out)
        *out = NULL;
    if (!client || !r || !obj || !finalizer || !arena)
        return K8S_EINVAL;
    const void *cur = obj;
    k8s_code rc = K8S_OK;
    for (unsigned attempt = 1;; attempt++) {
        k8s_object_info info;
        bool change;
        k8s_buf patch = K8S_BUF_INIT;
        if ((rc = k8s_object_info_get(r, cur, arena, &info, err)) || (rc = need_name(&info, err)))
            break;
        if ((rc = finalizers_patch(&info, finalizer, add, &patch, &change))) {
            k8s_buf_free(&patch);
            k8s_error_set(err, rc, NULL, NULL, NULL, "out of memory");
            break;
        }
        if (!change) {
            result = cur == obj ? copy_of(r, obj, arena) : (void *)cur;
            rc = result ? K8S_OK : K8S_ENOMEM;
            break;
        }
        k8s_op op = op_for(r, K8S_VERB_PATCH, NULL);
        k8s_patch_options po = {.type = K8S_PATCH_MERGE};
        k8s_args args = {.namespace_ = info.namespace_, .name = info.name, .text = patch.data, .options = &po};
        rc = k8s_call(client, arena, &op, &args, &result, err);
        k8s_buf_free(&patch);
        if (rc != K8S_ECONFLICT || attempt == ATTEMPTS)
            break;
        pause_before_retry(attempt);
        void *fresh;
        if ((rc = read_fresh(client, r, &info, arena, &fresh, err)))
            break;
        cur = fresh;
    }
    if (!rc && out)
        *out = result;
    return rc;
}

k8s_code k8s_finalizer_add(k8s_client *client, const k8s_resource *r, const void *obj, const char *finalizer,
                           k8s_arena *arena, void **out, k8s_error *err)
{
    return change_finalizers(client, r, obj, finalizer, true, arena, out, err);
}

k8s_code k8s_finalizer_remove(k8s_client *client, const k8s_resource *r, const void *obj, const char *finalizer,
                              k8s_arena *arena, void **out, k8s_error *err)
{
    return change_finalizers(client, r, obj, finalizer, false, arena, out, err);
}

k8s_code k8s_status_update(k8s_client *client, const k8s_resource *r, const void *obj, k8s_mutate_fn mutate,
                           void *data, k8s_arena *arena, void **out, k8s_error *err)
{
    if (out)
        *out = NULL;
    if (!client || !r || !obj || !mutate || !arena)
        return K8S_EINVAL;
    void *cur = copy_of(r, obj, arena), *result = NULL;
    k8s_code rc = cur ? K8S_OK : K8S_ENOMEM;
    for (unsigned attempt = 1; !rc; attempt++) {
        k8s_object_info info;
        if ((rc = mutate(data, &cur, arena)) == K8S_EDONE) {
            result = cur;
            rc = K8S_OK;
            break;
        }
        if (rc) {
            k8s_error_set(err, rc, NULL, NULL, NULL, "the status change failed: %s", k8s_strerror(rc));
            break;
        }
        if ((rc = k8s_object_info_get(r, cur, arena, &info, err)) || (rc = need_name(&info, err)))
            break;
        k8s_op op = op_for(r, K8S_VERB_REPLACE, "status");
        k8s_args args = {.namespace_ = info.namespace_, .name = info.name};
        if (r->type)
            args.body = cur;
        else
            args.text = cur;
        rc = k8s_call(client, arena, &op, &args, &result, err);
        if (rc != K8S_ECONFLICT || attempt == ATTEMPTS)
            break;
        pause_before_retry(attempt);
        rc = read_fresh(client, r, &info, arena, &cur, err);
    }
    if (!rc && out)
        *out = result;
    return rc;
}

/* JSON text with "kind" and "apiVersion" in front when it lacks them. */
static const char *with_kind(const k8s_resource *r, const char *text, const k8s_object_info *info,
                             k8s_arena *arena)
{
    if (info->kind && info->api_version)
        return text;
    const char *body = text + strspn(text, " \t\r\n");
    if (*body != '{')
        return text; /* the server says what is wrong with it */
    k8s_buf b = K8S_BUF_INIT;
    k8s_code rc = k8s_buf_append_str(&b, "{");
    bool first = true;
    if (!rc && !info->kind) {
        rc = k8s_json_member(&b, true, "kind", r->kind);
        first = false;
    }
    if (!rc && !info->api_version)
        rc = k8s_json_member(&b, first, "apiVersion", k8s_api_version_of(r, arena));
    body++;
    body += strspn(body, " \t\r\n");
    if (!rc && *body != '}')
        rc = k8s_buf_append_str(&b, ",");
    if (!rc)
        rc = k8s_buf_append_str(&b, body);
    return buf_to_arena(&b, rc, arena);
}

k8s_code k8s_apply(k8s_client *client, const k8s_resource *r, const char *namespace_, const void *obj,
                   const char *field_manager, bool force, k8s_arena *arena, void **out, k8s_error *err)
{
    if (out)
        *out = NULL;
    if (!client || !r || !obj || !field_manager || !arena)
        return K8S_EINVAL;
    k8s_object_info info;
    k8s_code rc = k8s_object_info_get(r, obj, arena, &info, err);
    if (rc || (rc = need_name(&info, err)))
        return rc;
    k8s_args args = {.namespace_ = namespace_ ? namespace_ : info.namespace_, .name = info.name};
    if (r->type) {
        /* a shallow copy with kind and apiVersion set: the server needs both */
        char *copy = k8s_arena_alloc(arena, r->type->size);
        if (!copy)
            return K8S_ENOMEM;
        memcpy(copy, obj, r->type->size);
        if ((!info.kind && !set_str(r->type, copy, "kind", r->kind, arena)) ||
            (!info.api_version && !set_str(r->type, copy, "apiVersion", k8s_api_version_of(r, arena), arena)))
            return K8S_ENOMEM;
        args.body = copy;
    } else if (!(args.text = with_kind(r, obj, &info, arena))) {
        return K8S_ENOMEM;
    }
    k8s_patch_options po = {.fieldManager = field_manager, .force = force};
    args.options = &po;
    k8s_op op = op_for(r, K8S_VERB_APPLY, NULL);
    void *result;
    rc = k8s_call(client, arena, &op, &args, &result, err);
    if (!rc && out)
        *out = result;
    return rc;
}
