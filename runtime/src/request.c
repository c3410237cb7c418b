/* From an op and its args to an HTTP request: the REST path of the
 * resource, percent-encoded query parameters, headers and body. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "internal.h"

k8s_code k8s_buf_append_escaped(k8s_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    k8s_code rc = k8s_buf_reserve(b, n * 3);
    if (rc)
        return rc;
    char *o = b->data + b->len;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
            c == '.' || c == '_' || c == '~') {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
    return K8S_OK;
}

/* Query parameters, each `name=value` percent-encoded, joined by '&'. */
typedef struct query {
    k8s_buf *b;
    k8s_code rc;
} query;

static void q_str(query *q, const char *name, const char *value)
{
    if (!value || q->rc)
        return;
    const char *sep = strchr(q->b->data, '?') ? "&" : "?";
    if ((q->rc = k8s_buf_append_str(q->b, sep)) || (q->rc = k8s_buf_append_str(q->b, name)) ||
        (q->rc = k8s_buf_append(q->b, "=", 1)))
        return;
    q->rc = k8s_buf_append_escaped(q->b, value);
}

static void q_int(query *q, const char *name, bool send, int64_t value)
{
    char num[24];
    snprintf(num, sizeof num, "%" PRId64, value);
    if (send)
        q_str(q, name, num);
}

static void q_bool(query *q, const char *name, bool send, bool value)
{
    if (send)
        q_str(q, name, value ? "true" : "false");
}

static void list_query(query *q, const k8s_list_options *o, const char *continue_token)
{
    if (!o)
        return;
    q_str(q, "labelSelector", o->labelSelector);
    q_str(q, "fieldSelector", o->fieldSelector);
    q_int(q, "limit", o->limit != 0, o->limit);
    q_str(q, "continue", continue_token ? continue_token : o->continue_);
    q_str(q, "resourceVersion", o->resourceVersion);
    q_str(q, "resourceVersionMatch", o->resourceVersionMatch);
    q_int(q, "timeoutSeconds", o->timeoutSeconds != 0, o->timeoutSeconds);
    q_bool(q, "allowWatchBookmarks", o->allowWatchBookmarks, true);
    q_bool(q, "sendInitialEvents", o->has_sendInitialEvents, o->sendInitialEvents);
    q_str(q, "shardSelector", o->shardSelector);
}

static void log_query(query *q, const k8s_log_options *o)
{
    if (!o)
        return;
    q_str(q, "container", o->container);
    q_bool(q, "follow", o->follow, true);
    q_bool(q, "previous", o->previous, true);
    q_bool(q, "timestamps", o->timestamps, true);
    q_int(q, "sinceSeconds", o->sinceSeconds != 0, o->sinceSeconds);
    q_str(q, "sinceTime", o->sinceTime);
    q_int(q, "tailLines", o->has_tailLines, o->tailLines);
    q_int(q, "limitBytes", o->limitBytes != 0, o->limitBytes);
    q_bool(q, "insecureSkipTLSVerifyBackend", o->insecureSkipTLSVerifyBackend, true);
    q_str(q, "stream", o->stream);
}

/* A small writer for the few JSON objects the client composes itself. */
typedef struct jw {
    k8s_buf *b;
    k8s_code rc;
    bool first;
} jw;

static void jw_raw(jw *w, const char *s)
{
    if (!w->rc)
        w->rc = k8s_buf_append_str(w->b, s);
}

static void jw_key(jw *w, const char *key)
{
    jw_raw(w, w->first ? "\"" : ",\"");
    w->first = false;
    jw_raw(w, key);
    jw_raw(w, "\":");
}

static void jw_str(jw *w, const char *key, const char *value)
{
    if (!value)
        return;
    jw_key(w, key);
    if (!w->rc)
        w->rc = k8s_json_quote(w->b, value);
}

static void jw_open(jw *w, const char *key)
{
    if (key)
        jw_key(w, key);
    jw_raw(w, "{");
    w->first = true;
}

/* The DeleteOptions body, or no body when no option is set. */
static k8s_code delete_body(const k8s_delete_options *o, k8s_buf *b)
{
    if (!o || !(o->dryRun || o->has_gracePeriodSeconds || o->propagationPolicy ||
                o->has_orphanDependents || o->ignoreStoreReadErrorWithClusterBreakingPotential ||
                o->preconditionUID || o->preconditionResourceVersion))
        return K8S_OK;
    jw w = {b, K8S_OK, true};
    jw_open(&w, NULL);
    jw_str(&w, "kind", "DeleteOptions");
    jw_str(&w, "apiVersion", "v1");
    if (o->dryRun) {
        jw_key(&w, "dryRun");
        jw_raw(&w, "[");
        if (!w.rc)
            w.rc = k8s_json_quote(b, o->dryRun);
        jw_raw(&w, "]");
    }
    if (o->has_gracePeriodSeconds) {
        char num[24];
        snprintf(num, sizeof num, "%" PRId64, o->gracePeriodSeconds);
        jw_key(&w, "gracePeriodSeconds");
        jw_raw(&w, num);
    }
    jw_str(&w, "propagationPolicy", o->propagationPolicy);
    if (o->has_orphanDependents) {
        jw_key(&w, "orphanDependents");
        jw_raw(&w, o->orphanDependents ? "true" : "false");
    }
    if (o->ignoreStoreReadErrorWithClusterBreakingPotential) {
        jw_key(&w, "ignoreStoreReadErrorWithClusterBreakingPotential");
        jw_raw(&w, "true");
    }
    if (o->preconditionUID || o->preconditionResourceVersion) {
        jw_open(&w, "preconditions");
        jw_str(&w, "uid", o->preconditionUID);
        jw_str(&w, "resourceVersion", o->preconditionResourceVersion);
        jw_raw(&w, "}");
    }
    jw_raw(&w, "}");
    return w.rc;
}

static const char *patch_content_type(k8s_patch_type t)
{
    switch (t) {
    case K8S_PATCH_JSON: return "application/json-patch+json";
    case K8S_PATCH_STRATEGIC: return "application/strategic-merge-patch+json";
    case K8S_PATCH_APPLY: return "application/apply-patch+yaml";
    default: return "application/merge-patch+json";
    }
}

/* Metadata-only and table replies are asked for by Accept parameters;
 * text replies (logs) by a wildcard. */
static const char *accept_for(const k8s_op *op)
{
    const char *k = op->result_kind;
    if (k && strcmp(k, "PartialObjectMetadata") == 0)
        return "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";
    if (k && strcmp(k, "PartialObjectMetadataList") == 0)
        return "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
    if (k && strcmp(k, "Table") == 0)
        return "application/json;as=Table;g=meta.k8s.io;v=v1";
    return op->result || !op->subresource ? "application/json" : "*/*";
}

/* Where a type keeps the string member of that JSON name, or NULL. */
static char **string_at(const k8s_type *t, const void *obj, const char *name)
{
    const k8s_field *f = t->kind ? k8s_type_field(t, name, strlen(name)) : NULL;
    if (!f || f->kind != K8S_KIND_STRING || (f->flags & K8S_FIELD_ARRAY))
        return NULL;
    return (char **)((char *)obj + f->offset);
}

/* A typed body as JSON, with its type's own apiVersion and kind where it
 * leaves them empty (a Scale sent to deployments/scale is autoscaling/v1
 * Scale): server-side apply refuses an object without them; create and
 * replace take them as the URL implies them. The caller's struct is only
 * read: a shallow copy carries the two strings. */
static k8s_code encode_body(const k8s_type *t, const void *obj, k8s_buf *out, k8s_error *err)
{
    char **api_version = string_at(t, obj, "apiVersion"), **kind = string_at(t, obj, "kind");
    if (!api_version || !kind || (*api_version && **api_version && *kind && **kind))
        return k8s_json_encode(t, obj, out, err);
    char *copy = malloc(t->size);
    if (!copy) {
        k8s_error_set(err, K8S_ENOMEM, NULL, NULL, NULL, "out of memory");
        return K8S_ENOMEM;
    }
    memcpy(copy, obj, t->size);
    char **a = (char **)(copy + ((char *)api_version - (char *)obj));
    char **k = (char **)(copy + ((char *)kind - (char *)obj));
    if (!*a || !**a)
        *a = (char *)t->api_version;
    if (!*k || !**k)
        *k = (char *)t->kind;
    k8s_code rc = k8s_json_encode(t, copy, out, err);
    free(copy);
    return rc;
}

static k8s_code invalid(k8s_error *err, const char *message)
{
    k8s_error_set(err, K8S_EINVAL, NULL, NULL, NULL, "%s", message);
    return K8S_EINVAL;
}

k8s_code k8s_build_request(http_request *req, const char *base_url, const k8s_op *op,
                           const k8s_args *args, const char *ns, const char *continue_token,
                           k8s_error *err)
{
    memset(req, 0, sizeof *req);
    const k8s_resource *r = op->resource;
    k8s_verb v = op->verb;
    bool collection = v == K8S_VERB_LIST || v == K8S_VERB_WATCH || v == K8S_VERB_DELETE_COLLECTION ||
                      (v == K8S_VERB_CREATE && !op->subresource);
    if (!r || !r->version || !r->resource)
        return invalid(err, "the operation names no resource");
    if (collection && args->name && v != K8S_VERB_CREATE)
        return invalid(err, "a list or deletecollection call takes no name");
    if (!collection && (!args->name || !*args->name))
        return invalid(err, "a name is required");
    bool all_namespaces = r->namespaced && ns && !*ns;
    if (all_namespaces && v != K8S_VERB_LIST && v != K8S_VERB_WATCH)
        return invalid(err, "a namespace is required (only lists may span all namespaces)");
    if (v == K8S_VERB_PATCH && !args->text)
        return invalid(err, "a patch needs its text");

    k8s_buf b = K8S_BUF_INIT;
    k8s_code rc = k8s_buf_append_str(&b, base_url);
    if (!rc)
        rc = k8s_buf_append_str(&b, *r->group ? "/apis/" : "/api");
    if (!rc && *r->group)
        rc = k8s_buf_append_escaped(&b, r->group);
    if (!rc)
        rc = k8s_buf_append(&b, "/", 1);
    if (!rc)
        rc = k8s_buf_append_escaped(&b, r->version);
    if (!rc && r->namespaced && !all_namespaces) {
        rc = k8s_buf_append_str(&b, "/namespaces/");
        if (!rc)
            rc = k8s_buf_append_escaped(&b, ns);
    }
    if (!rc)
        rc = k8s_buf_append(&b, "/", 1);
    if (!rc)
        rc = k8s_buf_append_escaped(&b, r->resource);
    if (!rc && args->name && !collection) {
        rc = k8s_buf_append(&b, "/", 1);
        if (!rc)
            rc = k8s_buf_append_escaped(&b, args->name);
    }
    if (!rc && op->subresource) {
        rc = k8s_buf_append(&b, "/", 1);
        if (!rc)
            rc = k8s_buf_append_escaped(&b, op->subresource);
    }

    query q = {&b, rc};
    k8s_buf body = K8S_BUF_INIT;
    const char *ctype = NULL;
    req->accept = accept_for(op);
    switch (v) {
    case K8S_VERB_GET:
        req->method = "GET";
        req->idempotent = true;
        if (op->subresource && strcmp(op->subresource, "log") == 0)
            log_query(&q, args->options);
        break;
    case K8S_VERB_LIST:
        req->method = "GET";
        req->idempotent = true;
        list_query(&q, args->options, continue_token);
        break;
    case K8S_VERB_WATCH:
        req->method = "GET";
        req->idempotent = true;
        q_str(&q, "watch", "true");
        list_query(&q, args->options, NULL);
        break;
    case K8S_VERB_CREATE:
    case K8S_VERB_REPLACE: {
        const k8s_write_options *o = args->options;
        req->method = v == K8S_VERB_CREATE ? "POST" : "PUT";
        req->idempotent = v == K8S_VERB_REPLACE;
        if (o) {
            q_str(&q, "dryRun", o->dryRun);
            q_str(&q, "fieldManager", o->fieldManager);
            q_str(&q, "fieldValidation", o->fieldValidation);
        }
        ctype = "application/json";
        break;
    }
    case K8S_VERB_PATCH:
    case K8S_VERB_APPLY: {
        const k8s_patch_options *o = args->options;
        req->method = "PATCH";
        if (o) {
            q_str(&q, "dryRun", o->dryRun);
            q_str(&q, "fieldManager", o->fieldManager);
            q_str(&q, "fieldValidation", o->fieldValidation);
            q_bool(&q, "force", o->force, true);
        }
        if (v == K8S_VERB_APPLY && (!o || !o->fieldManager)) {
            k8s_buf_free(&b);
            return invalid(err, "server-side apply needs a fieldManager");
        }
        ctype = patch_content_type(v == K8S_VERB_APPLY ? K8S_PATCH_APPLY : o ? o->type : K8S_PATCH_MERGE);
        break;
    }
    case K8S_VERB_DELETE:
        req->method = "DELETE";
        req->idempotent = true;
        if (!q.rc)
            q.rc = delete_body(args->options, &body);
        ctype = body.len ? "application/json" : NULL;
        break;
    case K8S_VERB_DELETE_COLLECTION:
        req->method = "DELETE";
        req->idempotent = true;
        list_query(&q, args->list, continue_token);
        if (!q.rc)
            q.rc = delete_body(args->options, &body);
        ctype = body.len ? "application/json" : NULL;
        break;
    default:
        k8s_buf_free(&b);
        return invalid(err, "unknown verb");
    }
    rc = q.rc;

    /* the body of create, replace, patch and apply */
    if (!rc && (v == K8S_VERB_CREATE || v == K8S_VERB_REPLACE || v == K8S_VERB_PATCH || v == K8S_VERB_APPLY)) {
        if (args->body && op->body && v != K8S_VERB_PATCH) {
            rc = encode_body(op->body, args->body, &body, err);
            if (rc) {
                k8s_buf_free(&b);
                k8s_buf_free(&body);
                return rc;
            }
        } else if (args->text) {
            rc = k8s_buf_append_str(&body, args->text);
        } else {
            k8s_buf_free(&b);
            return invalid(err, "a body is required");
        }
    }
    if (rc) {
        k8s_buf_free(&b);
        k8s_buf_free(&body);
        k8s_error_set(err, rc, NULL, NULL, NULL, "out of memory");
        return rc;
    }
    req->url = b.data;
    req->body = body.data;
    req->body_len = body.len;
    req->content_type = ctype;
    return K8S_OK;
}

void k8s_request_clear(http_request *req)
{
    free(req->url);
    free(req->body);
    memset(req, 0, sizeof *req);
}
