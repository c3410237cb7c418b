/* Object metadata without the object's type (objmeta_internal.h). */
#include <string.h>

#include "k8s/codec.h"
#include "objmeta_internal.h"

const k8s_field *k8s_field_of(const k8s_type *t, const char *name, k8s_kind kind)
{
    const k8s_field *f = t ? k8s_type_field(t, name, strlen(name)) : NULL;
    return f && f->kind == kind && !(f->flags & K8S_FIELD_INLINE) ? f : NULL;
}

static const k8s_field *string_map(const k8s_type *t, const char *name)
{
    const k8s_field *f = k8s_field_of(t, name, K8S_KIND_MAP);
    return f && f->type == &k8s_string_entry_desc ? f : NULL;
}

void k8s_meta_fields_find(const k8s_type *t, k8s_meta_fields *f)
{
    memset(f, 0, sizeof *f);
    if (!(f->metadata = k8s_field_of(t, "metadata", K8S_KIND_OBJECT)))
        return;
    const k8s_type *mt = f->metadata->type;
    f->name = k8s_field_of(mt, "name", K8S_KIND_STRING);
    f->namespace_ = k8s_field_of(mt, "namespace", K8S_KIND_STRING);
    f->rv = k8s_field_of(mt, "resourceVersion", K8S_KIND_STRING);
    f->labels = string_map(mt, "labels");
    f->annotations = string_map(mt, "annotations");
}

static const void *ptr_at(const void *base, const k8s_field *f)
{
    return base && f ? *(const void *const *)((const char *)base + f->offset) : NULL;
}

static size_t len_at(const void *base, const k8s_field *f)
{
    return base && f ? *(const size_t *)((const char *)base + f->aux) : 0;
}

void k8s_meta_typed(const k8s_meta_fields *f, const void *obj, k8s_meta *out)
{
    const void *meta = ptr_at(obj, f->metadata);
    *out = (k8s_meta){
        .name = ptr_at(meta, f->name),
        .namespace_ = ptr_at(meta, f->namespace_),
        .resource_version = ptr_at(meta, f->rv),
        .labels = ptr_at(meta, f->labels),
        .labels_len = len_at(meta, f->labels),
        .annotations = ptr_at(meta, f->annotations),
        .annotations_len = len_at(meta, f->annotations),
    };
}

/* ---- JSON text ---- */

typedef struct view_meta {
    char *name;
    char *namespace_;
    char *resourceVersion;
    k8s_string_entry *labels;
    size_t labels_len;
    k8s_string_entry *annotations;
    size_t annotations_len;
} view_meta;

typedef struct view {
    char *kind;
    view_meta *metadata;
} view;

static const k8s_field view_meta_fields[] = {
    K8S_VALUE(view_meta, name, "name", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(view_meta, namespace_, "namespace", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(view_meta, resourceVersion, "resourceVersion", K8S_KIND_STRING, 0, NULL),
    K8S_MAP(view_meta, labels, "labels", 0, &k8s_string_entry_desc),
    K8S_MAP(view_meta, annotations, "annotations", 0, &k8s_string_entry_desc),
};
static const k8s_type view_meta_desc = {.name = "ObjectMeta", .fields = view_meta_fields,
                                        .size = sizeof(view_meta), .nfields = 5, .flags = K8S_TYPE_PARTIAL};
static const k8s_field view_fields[] = {
    K8S_VALUE(view, kind, "kind", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(view, metadata, "metadata", K8S_KIND_OBJECT, 0, &view_meta_desc),
};
static const k8s_type view_desc = {.name = "Object", .fields = view_fields, .size = sizeof(view), .nfields = 2,
                                   .flags = K8S_TYPE_PARTIAL};

k8s_code k8s_meta_json(const char *json, size_t len, k8s_arena *arena, k8s_meta *out, k8s_error *err)
{
    memset(out, 0, sizeof *out);
    view *v = NULL;
    k8s_code rc = k8s_json_decode(&view_desc, json, len, arena, (void **)&v, NULL, err);
    if (rc)
        return rc;
    out->kind = v->kind;
    const view_meta *m = v->metadata;
    if (m)
        *out = (k8s_meta){v->kind, m->name, m->namespace_, m->resourceVersion, m->labels,
                          m->annotations, m->labels_len, m->annotations_len};
    return K8S_OK;
}
