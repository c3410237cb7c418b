/* Compact deep copies (pack_internal.h). The two walks below follow
 * copy.c's field by field: one adds up, the other lays out. */
#include "pack_internal.h"

#include <string.h>

#include "internal.h"

static size_t round8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static bool is_list(const k8s_field *f)
{
    return f->kind == K8S_KIND_MAP || (f->flags & K8S_FIELD_ARRAY);
}

static bool is_text(const k8s_field *f)
{
    return f->kind == K8S_KIND_STRING || f->kind == K8S_KIND_QUANTITY || f->kind == K8S_KIND_TIME ||
           f->kind == K8S_KIND_MICROTIME || f->kind == K8S_KIND_JSON;
}

/* Strings seen so far in one object, so a repeated one ("TCP", an image
 * name in spec and status, a volume name in spec and mounts) is stored
 * once. Measuring and packing meet the same strings in the same order, so
 * they make the same choices and the measured size stays exact. */
#define SEEN_SLOTS 512
#define SEEN_MAX 384

typedef struct seen {
    const char *s[SEEN_SLOTS];
    size_t n;
} seen;

/* The slot of the earlier string equal to s (*slot set), or of an empty
 * one where s may be remembered (*slot NULL), or NULL when it is full. */
static const char **seen_slot(seen *t, const char *s, size_t len)
{
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211u;
    for (size_t i = (size_t)h & (SEEN_SLOTS - 1);; i = (i + 1) & (SEEN_SLOTS - 1)) {
        if (!t->s[i])
            return t->n < SEEN_MAX ? &t->s[i] : NULL;
        if (strcmp(t->s[i], s) == 0)
            return &t->s[i];
    }
}

static void remember(seen *t, const char **slot, const char *s)
{
    if (slot) {
        *slot = s;
        t->n++;
    }
}

/* ---- measuring ---- */

typedef struct measurer {
    k8s_pack_size size;
    seen strings;
} measurer;

static void measure_struct(const k8s_type *t, const char *src, measurer *m);

/* The value of f's kind at src, not counting where it sits itself. */
static void measure_text(const char *str, measurer *m)
{
    size_t len = strlen(str);
    const char **slot = seen_slot(&m->strings, str, len);
    if (slot && *slot)
        return;
    remember(&m->strings, slot, str);
    m->size.text += len + 1;
}

static void measure_value(const k8s_field *f, bool inline_obj, const char *src, measurer *m)
{
    if (is_text(f)) {
        const char *str = *(char *const *)src;
        if (str)
            measure_text(str, m);
    } else if (f->kind == K8S_KIND_BYTES) {
        const k8s_bytes *b = (const k8s_bytes *)src;
        if (b->data)
            m->size.text += b->len;
    } else if (f->kind == K8S_KIND_OBJECT && !inline_obj) {
        const char *obj = *(char *const *)src;
        if (obj) {
            m->size.fixed += round8(f->type->size);
            measure_struct(f->type, obj, m);
        }
    } else if (f->kind == K8S_KIND_OBJECT || f->kind == K8S_KIND_UNION) {
        measure_struct(f->type, src, m);
    }
}

static void measure_struct(const k8s_type *t, const char *src, measurer *m)
{
    for (uint16_t i = 0; i < t->nfields; i++) {
        const k8s_field *f = &t->fields[i];
        if (!is_list(f)) {
            measure_value(f, (f->flags & K8S_FIELD_INLINE) != 0, src + f->offset, m);
            continue;
        }
        const char *items = *(char *const *)(src + f->offset);
        size_t n = *(const size_t *)(src + f->aux);
        if (!items || !n)
            continue;
        bool map = f->kind == K8S_KIND_MAP;
        size_t size = map ? f->type->size : k8s_kind_size(f);
        m->size.fixed += round8(n * size);
        for (size_t j = 0; j < n; j++) {
            if (map)
                measure_struct(f->type, items + j * size, m);
            else
                measure_value(f, true, items + j * size, m);
        }
    }
    if (t->flags & K8S_TYPE_UNKNOWN) {
        const char *u = *(char *const *)(src + t->unknown_offset);
        if (u)
            measure_text(u, m);
    }
}

k8s_pack_size k8s_pack_measure(const k8s_type *t, const void *obj)
{
    measurer m = {{round8(t->size), 0}, {{0}, 0}};
    measure_struct(t, obj, &m);
    return m.size;
}

/* ---- laying out ---- */

typedef struct packer {
    char *fixed; /* next struct or array */
    char *text;  /* next string */
    seen strings;
} packer;

static char *pack_text(packer *p, const char *str)
{
    size_t len = strlen(str);
    const char **slot = seen_slot(&p->strings, str, len);
    if (slot && *slot)
        return (char *)*slot;
    char *s = memcpy(p->text, str, len + 1);
    remember(&p->strings, slot, s);
    p->text += len + 1;
    return s;
}

static void *take_fixed(packer *p, size_t n)
{
    void *m = p->fixed;
    p->fixed += round8(n);
    return m;
}

static void pack_struct(const k8s_type *t, const char *src, char *dst, packer *p);

static void pack_value(const k8s_field *f, bool inline_obj, const char *src, char *dst, packer *p)
{
    if (is_text(f)) {
        const char *str = *(char *const *)src;
        if (str)
            *(char **)dst = pack_text(p, str);
    } else if (f->kind == K8S_KIND_BYTES) {
        const k8s_bytes *b = (const k8s_bytes *)src;
        k8s_bytes *d = (k8s_bytes *)dst;
        if (b->data) {
            /* an empty value must stay non-NULL: NULL means absent */
            d->data = (uint8_t *)p->text;
            memcpy(p->text, b->data, b->len);
            p->text += b->len;
        }
    } else if (f->kind == K8S_KIND_OBJECT && !inline_obj) {
        const char *obj = *(char *const *)src;
        if (obj) {
            char *o = take_fixed(p, f->type->size);
            *(char **)dst = o;
            pack_struct(f->type, obj, o, p);
        }
    } else if (f->kind == K8S_KIND_OBJECT || f->kind == K8S_KIND_UNION) {
        pack_struct(f->type, src, dst, p);
    } else {
        memcpy(dst, src, k8s_kind_size(f));
    }
}

static void pack_struct(const k8s_type *t, const char *src, char *dst, packer *p)
{
    memcpy(dst, src, t->size); /* flags and scalars; pointers are replaced below */
    for (uint16_t i = 0; i < t->nfields; i++) {
        const k8s_field *f = &t->fields[i];
        if (!is_list(f)) {
            pack_value(f, (f->flags & K8S_FIELD_INLINE) != 0, src + f->offset, dst + f->offset, p);
            continue;
        }
        const char *items = *(char *const *)(src + f->offset);
        size_t n = *(const size_t *)(src + f->aux);
        if (!items)
            continue;
        if (!n) {
            *(char **)(dst + f->offset) = K8S_EMPTY;
            continue;
        }
        bool map = f->kind == K8S_KIND_MAP;
        size_t size = map ? f->type->size : k8s_kind_size(f);
        char *out = take_fixed(p, n * size);
        *(char **)(dst + f->offset) = out;
        for (size_t j = 0; j < n; j++) {
            if (map)
                pack_struct(f->type, items + j * size, out + j * size, p);
            else
                pack_value(f, true, items + j * size, out + j * size, p);
        }
    }
    if (t->flags & K8S_TYPE_UNKNOWN) {
        const char *u = *(char *const *)(src + t->unknown_offset);
        if (u)
            *(char **)(dst + t->unknown_offset) = pack_text(p, u);
    }
}

void *k8s_pack(const k8s_type *t, const void *obj, void *mem, k8s_pack_size size)
{
    packer p = {mem, (char *)mem + size.fixed, {{0}, 0}};
    char *dst = take_fixed(&p, t->size);
    pack_struct(t, obj, dst, &p);
    return dst;
}
