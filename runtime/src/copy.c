/* Deep copy through the descriptors; see k8s_copy in k8s/codec.h. */
#include <string.h>

#include "internal.h"
#include "k8s/codec.h"

static bool copy_struct(const k8s_type *t, const char *src, char *dst, k8s_arena *a);

/* Copies the value of f's kind at src into dst (same layout). */
static bool copy_value(const k8s_field *f, bool inline_obj, const char *src, char *dst, k8s_arena *a)
{
    switch (f->kind) {
    case K8S_KIND_BOOL:
    case K8S_KIND_INT32:
    case K8S_KIND_INT64:
    case K8S_KIND_DOUBLE:
        memcpy(dst, src, k8s_kind_size(f));
        return true;
    case K8S_KIND_BYTES: {
        const k8s_bytes *s = (const k8s_bytes *)src;
        k8s_bytes *d = (k8s_bytes *)dst;
        if (!s->data)
            return true;
        if (!(d->data = k8s_arena_alloc(a, s->len)))
            return false;
        memcpy(d->data, s->data, s->len);
        d->len = s->len;
        return true;
    }
    case K8S_KIND_OBJECT:
        if (inline_obj)
            return copy_struct(f->type, src, dst, a);
        if (!*(char *const *)src)
            return true;
        char *obj = k8s_arena_alloc(a, f->type->size);
        *(char **)dst = obj;
        return obj && copy_struct(f->type, *(char *const *)src, obj, a);
    case K8S_KIND_UNION:
        return copy_struct(f->type, src, dst, a);
    default: { /* text */
        const char *s = *(char *const *)src;
        return !s || (*(char **)dst = k8s_arena_strdup(a, s)) != NULL;
    }
    }
}

static bool copy_list(const k8s_field *f, const char *src, char *dst, k8s_arena *a)
{
    const char *items = *(char *const *)(src + f->offset);
    size_t n = *(const size_t *)(src + f->aux);
    if (!items)
        return true;
    bool map = f->kind == K8S_KIND_MAP;
    size_t size = map ? f->type->size : k8s_kind_size(f);
    char *out = n ? k8s_arena_alloc(a, n * size) : K8S_EMPTY;
    if (!out)
        return false;
    *(char **)(dst + f->offset) = out;
    *(size_t *)(dst + f->aux) = n;
    for (size_t i = 0; i < n; i++) {
        bool ok = map ? copy_struct(f->type, items + i * size, out + i * size, a)
                      : copy_value(f, true, items + i * size, out + i * size, a);
        if (!ok)
            return false;
    }
    return true;
}

static bool copy_struct(const k8s_type *t, const char *src, char *dst, k8s_arena *a)
{
    memcpy(dst, src, t->size); /* flags and scalars; pointers are replaced below */
    for (uint16_t i = 0; i < t->nfields; i++) {
        const k8s_field *f = &t->fields[i];
        bool ok;
        if (f->kind == K8S_KIND_MAP || (f->flags & K8S_FIELD_ARRAY)) {
            *(char **)(dst + f->offset) = NULL;
            ok = copy_list(f, src, dst, a);
        } else {
            ok = copy_value(f, (f->flags & K8S_FIELD_INLINE) != 0, src + f->offset, dst + f->offset, a);
        }
        if (!ok)
            return false;
    }
    if (t->flags & K8S_TYPE_UNKNOWN) {
        const char *u = *(char *const *)(src + t->unknown_offset);
        if (u && !(*(char **)(dst + t->unknown_offset) = k8s_arena_strdup(a, u)))
            return false;
    }
    return true;
}

void *k8s_copy(const k8s_type *type, const void *obj, k8s_arena *arena)
{
    if (!type || !obj || !arena)
        return NULL;
    char *dst = k8s_arena_alloc(arena, type->size);
    if (!dst || !copy_struct(type, obj, dst, arena))
        return NULL;
    return dst;
}
