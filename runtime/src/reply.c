/* From an HTTP reply to a call's result or its error, and dynamic lists'
 * pages into one list (all_pages). */
#include <stdio.h>
#include <string.h>

#include "client_internal.h"
#include "internal.h"
#include "list_stream_internal.h"

/* A dynamic list page as read for all_pages: exact item texts, and every
 * other member kept (K8S_TYPE_UNKNOWN) to be written back. */
typedef struct json_list_meta {
    char *continue_;
    char *_unknown;
} json_list_meta;

typedef struct json_list {
    char *kind;
    char *apiVersion;
    json_list_meta *metadata;
    char **items;
    size_t items_len;
    char *_unknown;
} json_list;

static const k8s_field json_list_meta_fields[] = {
    K8S_VALUE(json_list_meta, continue_, "continue", K8S_KIND_STRING, 0, NULL),
};
static const k8s_type json_list_meta_desc = {.name = "ListMeta", .fields = json_list_meta_fields,
                                             .size = sizeof(json_list_meta),
                                             .unknown_offset = offsetof(json_list_meta, _unknown),
                                             .nfields = 1, .flags = K8S_TYPE_UNKNOWN};
static const k8s_field json_list_fields[] = {
    K8S_VALUE(json_list, kind, "kind", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(json_list, apiVersion, "apiVersion", K8S_KIND_STRING, 0, NULL),
    K8S_VALUE(json_list, metadata, "metadata", K8S_KIND_OBJECT, 0, &json_list_meta_desc),
    K8S_ARRAY(json_list, items, "items", K8S_KIND_JSON, 0, NULL),
};
static const k8s_type json_list_desc = {.name = "List", .fields = json_list_fields, .size = sizeof(json_list),
                                        .unknown_offset = offsetof(json_list, _unknown), .nfields = 4,
                                        .flags = K8S_TYPE_UNKNOWN};

k8s_code k8s_json_pages_add(k8s_json_pages *p, const char *body, size_t len, k8s_arena *arena,
                            const char **next, char **result, k8s_error *err)
{
    *next = NULL;
    *result = NULL;
    if (!p->arena && !(p->arena = k8s_arena_new()))
        return K8S_ENOMEM;
    json_list *l = NULL;
    k8s_code rc = k8s_json_decode(&json_list_desc, body, len, p->arena, (void **)&l, NULL, err);
    if (rc == K8S_ENOMEM)
        return rc;
    if (rc) {
        char msg[sizeof err->message];
        memcpy(msg, err->message, sizeof msg);
        snprintf(err->message, sizeof err->message, "the reply is not a list: %.200s", msg);
        err->code = K8S_EBADREPLY;
        return K8S_EBADREPLY;
    }
    if (l->items_len && k8s_buf_append(&p->items, l->items, l->items_len * sizeof *l->items))
        return K8S_ENOMEM;
    const char *token = l->metadata ? l->metadata->continue_ : NULL;
    if (token && *token) {
        *next = token;
        return K8S_OK;
    }
    /* the last page: one list with every item */
    if (l->metadata)
        l->metadata->continue_ = NULL;
    l->items_len = p->items.len / sizeof *l->items;
    if (l->items_len)
        l->items = (char **)p->items.data;
    k8s_buf out = K8S_BUF_INIT;
    rc = k8s_json_encode(&json_list_desc, l, &out, err);
    if (rc == K8S_OK && !(*result = k8s_arena_strndup(arena, out.data, out.len)))
        rc = K8S_ENOMEM;
    k8s_buf_free(&out);
    return rc;
}

void k8s_json_pages_clear(k8s_json_pages *p)
{
    k8s_arena_free(p->arena);
    k8s_buf_free(&p->items);
    p->arena = NULL;
}

k8s_code k8s_code_for_http(long s)
{
    switch (s) {
    case 401: return K8S_EUNAUTHORIZED;
    case 403: return K8S_EFORBIDDEN;
    case 404: return K8S_ENOTFOUND;
    case 409: return K8S_ECONFLICT;
    case 410: return K8S_EGONE;
    case 422: return K8S_EINVALID;
    case 429: return K8S_ETHROTTLED;
    default: return K8S_EHTTP;
    }
}

/* A Status in the body, when the body is one. */
static k8s_status *read_status(const char *body, size_t len, k8s_arena *arena)
{
    char *api_version = NULL, *kind = NULL;
    if (!len || k8s_json_peek_kind(body, len, arena, &api_version, &kind, NULL) != K8S_OK || !kind ||
        strcmp(kind, "Status") != 0)
        return NULL;
    void *st = NULL;
    k8s_json_decode(&k8s_status_desc, body, len, arena, &st, NULL, NULL);
    return st;
}

/* The first line of a body that is not a Status, printable and short. */
static void body_excerpt(const char *body, size_t len, char *out, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < n && o < 200; i++) {
        unsigned char c = (unsigned char)body[i];
        if (c == '\n' || c == '\r')
            break;
        out[o++] = c >= 0x20 && c < 0x7F ? (char)c : '?';
    }
    out[o] = '\0';
}

static k8s_code http_error(long http_status, const char *body, size_t len, k8s_arena *arena,
                           k8s_error *err)
{
    k8s_code code = k8s_code_for_http(http_status);
    k8s_status *st = read_status(body, len, arena);
    if (st && st->message) {
        k8s_error_set(err, code, NULL, NULL, NULL, "%s", st->message);
    } else {
        char excerpt[256];
        body_excerpt(body, len, excerpt, sizeof excerpt);
        k8s_error_set(err, code, NULL, NULL, NULL, "HTTP %ld%s%s", http_status, *excerpt ? ": " : "",
                      excerpt);
    }
    err->status = st;
    err->http_status = (int)http_status;
    return code;
}

/* A 2xx reply of another kind than the op's: K8S_OK when that still
 * means done (with nothing to return), else K8S_EBADREPLY saying so. */
static k8s_code other_kind(const k8s_op *op, long http_status, const char *kind, const char *body, size_t len,
                           k8s_arena *arena, k8s_error *err)
{
    /* Deletes answer with the object, a Status or a list, depending on
     * the resource and the server's version, whatever the spec says:
     * any 2xx means it is done, and only the expected kind is decoded. */
    if (op->verb == K8S_VERB_DELETE || op->verb == K8S_VERB_DELETE_COLLECTION)
        return K8S_OK;
    k8s_status *st = strcmp(kind, "Status") == 0 ? read_status(body, len, arena) : NULL;
    if (st && st->status && strcmp(st->status, "Success") == 0)
        return K8S_OK; /* e.g. an eviction: nothing else to return */
    k8s_error_set(err, K8S_EBADREPLY, NULL, NULL, NULL, "expected a %s, the server sent a %.100s",
                  op->result_kind, kind);
    err->http_status = (int)http_status;
    return K8S_EBADREPLY;
}

static bool is_other_kind(const k8s_op *op, const char *kind)
{
    return kind && op->result_kind && strcmp(kind, op->result_kind) != 0;
}

/* A 2xx reply's kind against the op's, looked for before decoding. K8S_OK
 * with *decode when the reply is to be decoded as op->result; K8S_OK
 * without: done, nothing to return. */
static k8s_code check_kind(const k8s_op *op, long http_status, const char *body, size_t len, k8s_arena *arena,
                           bool *decode, k8s_error *err)
{
    *decode = false;
    char *api_version = NULL, *kind = NULL;
    k8s_code rc = k8s_json_peek_kind(body, len, arena, &api_version, &kind, err);
    if (rc == K8S_OK && is_other_kind(op, kind))
        return other_kind(op, http_status, kind, body, len, arena, err);
    *decode = rc == K8S_OK;
    return rc;
}

/* The result type's own "kind" member, which its decoded value says. */
static const k8s_field *kind_field(const k8s_type *t)
{
    const k8s_field *f = k8s_type_field(t, "kind", 4);
    return f && f->kind == K8S_KIND_STRING && !(f->flags & (K8S_FIELD_ARRAY | K8S_FIELD_INLINE)) ? f : NULL;
}

/* Decodes the reply as op->result and then checks its kind (one pass over
 * the text, not a look for the kind first); when the decode fails, the
 * reply may be of another kind, which says more than the failure. */
static k8s_code decode_checked(const k8s_op *op, long http_status, const char *body, size_t len, k8s_arena *arena,
                               k8s_decode_cache *cache, void **result, k8s_error *err)
{
    const k8s_field *kf = kind_field(op->result);
    if (!kf) {
        bool decode;
        k8s_code rc = check_kind(op, http_status, body, len, arena, &decode, err);
        return decode ? k8s_json_decode_cached(op->result, body, len, arena, cache, result, err) : rc;
    }
    void *obj = NULL;
    k8s_code rc = k8s_json_decode_cached(op->result, body, len, arena, cache, &obj, err);
    if (rc == K8S_OK) {
        const char *kind = *(char *const *)((const char *)obj + kf->offset);
        if (!is_other_kind(op, kind)) {
            *result = obj;
            return K8S_OK;
        }
        return other_kind(op, http_status, kind, body, len, arena, err);
    }
    char *api_version = NULL, *kind = NULL;
    if (rc == K8S_ENOMEM || k8s_json_peek_kind(body, len, arena, &api_version, &kind, NULL) != K8S_OK ||
        !is_other_kind(op, kind))
        return rc; /* the decoder's error */
    memset(err, 0, sizeof *err);
    err->http_status = (int)http_status;
    return other_kind(op, http_status, kind, body, len, arena, err);
}

/* A decoder's failure as the reply's: keeps its path and position, says
 * whose fault it is. */
static k8s_code bad_reply(const k8s_op *op, long http_status, k8s_code rc, k8s_error *err)
{
    if (rc == K8S_OK || rc == K8S_ENOMEM || rc == K8S_EBADREPLY) /* the last: said already */
        return rc;
    char msg[sizeof err->message];
    memcpy(msg, err->message, sizeof msg);
    if (rc == K8S_ESYNTAX || rc == K8S_EENCODING)
        snprintf(err->message, sizeof err->message, "the reply is not valid JSON: %.200s", msg);
    else
        snprintf(err->message, sizeof err->message, "the reply is not a valid %.40s: %.180s",
                 op->result_kind ? op->result_kind : "object", msg);
    err->code = K8S_EBADREPLY;
    err->http_status = (int)http_status;
    return K8S_EBADREPLY;
}

k8s_code k8s_read_reply(const k8s_op *op, long http_status, const char *body, size_t len,
                        k8s_arena *arena, k8s_decode_cache *cache, void **result, k8s_error *err)
{
    k8s_error local;
    if (!err)
        err = &local;
    memset(err, 0, sizeof *err);
    *result = NULL;
    if (http_status < 200 || http_status > 299)
        return http_error(http_status, body, len, arena, err);
    err->http_status = (int)http_status;
    if (!op->result) { /* text: logs, and JSON for dynamic calls */
        char *text = k8s_arena_strndup(arena, len ? body : "", len);
        if (!text) {
            return k8s_fail(err, K8S_ENOMEM, "out of memory");
        }
        *result = text;
        return K8S_OK;
    }
    return bad_reply(op, http_status, decode_checked(op, http_status, body, len, arena, cache, result, err), err);
}

k8s_code k8s_read_list_reply(const k8s_op *op, long http_status, k8s_list_stream *s, k8s_arena *arena,
                             void **result, k8s_error *err)
{
    k8s_error local;
    if (!err)
        err = &local;
    memset(err, 0, sizeof *err);
    *result = NULL;
    err->http_status = (int)http_status;
    /* the kind is in what was kept: the list without its items */
    size_t len;
    const char *kept = k8s_list_stream_text(s, &len);
    bool broken = s->rc || s->in_items; /* k8s_list_stream_end says where */
    bool decode = false;
    k8s_code rc = broken ? K8S_OK : check_kind(op, http_status, kept, len, arena, &decode, err);
    if (broken || decode)
        rc = k8s_list_stream_end(s, result, err);
    rc = bad_reply(op, http_status, rc, err);
    err->http_status = (int)http_status;
    return rc;
}
