/* k8s_validate: a walk over a decoded object through its descriptor. */
#include <string.h>

#include "internal.h"
#include "k8s/validate.h"
#include "k8s/values.h"

typedef struct walker {
    k8s_diag_fn diag;
    void *ctx;
    size_t problems;
} walker;

static void report(walker *w, const k8s_path *path, const char *msg)
{
    k8s_error e;
    k8s_error_set(&e, K8S_EVALUE, path, NULL, NULL, "%s", msg);
    w->problems++;
    if (w->diag)
        w->diag(w->ctx, K8S_PROBLEM, &e);
}

static void check_struct(walker *w, const k8s_type *t, const char *obj, const k8s_path *path);

/* One value of f's kind at v. */
static void check_value(walker *w, const k8s_field *f, const char *v, const k8s_path *path)
{
    k8s_error e;
    switch (f->kind) {
    case K8S_KIND_QUANTITY: {
        k8s_quantity q;
        const char *s = *(char *const *)v;
        if (s && k8s_quantity_parse(s, &q, &e) != K8S_OK)
            report(w, path, e.message);
        break;
    }
    case K8S_KIND_TIME:
    case K8S_KIND_MICROTIME: {
        k8s_time t;
        const char *s = *(char *const *)v;
        if (s && k8s_time_parse(s, &t, &e) != K8S_OK)
            report(w, path, e.message);
        break;
    }
    case K8S_KIND_OBJECT: {
        const char *obj = f->flags & K8S_FIELD_INLINE ? v : *(char *const *)v;
        if (obj)
            check_struct(w, f->type, obj, path);
        break;
    }
    case K8S_KIND_UNION:
        check_struct(w, f->type, v, path);
        break;
    default:
        break;
    }
}

static void check_field(walker *w, const k8s_field *f, const char *base, const k8s_path *path)
{
    if (f->kind == K8S_KIND_MAP) {
        const char *entries = *(char *const *)(base + f->offset);
        size_t n = *(const size_t *)(base + f->aux);
        const k8s_type *et = f->type;
        for (size_t i = 0; entries && i < n; i++) {
            const char *entry = entries + i * et->size;
            const char *key = *(char *const *)(entry + et->fields[0].offset);
            k8s_path item = {path, key, key ? strlen(key) : 0, i};
            if (k8s_field_present(&et->fields[1], entry))
                check_field(w, &et->fields[1], entry, &item);
        }
    } else if (f->flags & K8S_FIELD_ARRAY) {
        const char *items = *(char *const *)(base + f->offset);
        size_t n = *(const size_t *)(base + f->aux), size = k8s_kind_size(f);
        k8s_field elem = *f;
        if (elem.kind == K8S_KIND_OBJECT)
            elem.flags |= K8S_FIELD_INLINE;
        for (size_t i = 0; items && i < n; i++) {
            k8s_path item = {path, NULL, 0, i};
            check_value(w, &elem, items + i * size, &item);
        }
    } else {
        check_value(w, f, base + f->offset, path);
    }
}

static void check_struct(walker *w, const k8s_type *t, const char *obj, const k8s_path *path)
{
    for (uint16_t i = 0; i < t->nfields; i++) {
        const k8s_field *f = &t->fields[i];
        k8s_path child = {path, f->name, f->name_len, 0};
        if (!k8s_field_present(f, obj)) {
            if ((f->flags & K8S_FIELD_REQUIRED) && !k8s_field_null(f, obj))
                report(w, &child, "required field is missing");
            continue;
        }
        check_field(w, f, obj, &child);
    }
}

size_t k8s_validate(const k8s_type *type, const void *obj, k8s_diag_fn diag, void *ctx)
{
    walker w = {diag, ctx, 0};
    if (type && obj)
        check_struct(&w, type, obj, NULL);
    return w.problems;
}
