/* From an op and its args to an HTTP request: the REST path of the
 * resource, percent-encoded query parameters, headers and body. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "documents_internal.h"
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

/* The DeleteOptions body, or no body when no option is set. The encoder
 * checks the strings (valid UTF-8) and says which one is wrong. */
static k8s_code delete_body(const k8s_delete_options *o, k8s_buf *b, k8s_error *err)
{
    if (!o || !(o->dryRun || o->has_gracePeriodSeconds || o->propagationPolicy ||
                o->has_orphanDependents || o->ignoreStoreReadErrorWithClusterBreakingPotential ||
                o->preconditionUID || o->preconditionResourceVersion))
        return K8S_OK;
    const char *dry_run[] = {o->dryRun};
    delete_preconditions_doc pre = {o->preconditionUID, o->preconditionResourceVersion};
    delete_options_doc doc = {
        .kind = "DeleteOptions",
        .apiVersion = "v1",
        .dryRun = o->dryRun ? dry_run : NULL,
        .dryRun_len = o->dryRun ? 1 : 0,
        .has_gracePeriodSeconds = o->has_gracePeriodSeconds,
        .gracePeriodSeconds = o->gracePeriodSeconds,
        .propagationPolicy = o->propagationPolicy,
        .has_orphanDependents = o->has_orphanDependents,
        .orphanDependents = o->orphanDependents,
        .has_ignoreStoreReadErrorWithClusterBreakingPotential =
            o->ignoreStoreReadErrorWithClusterBreakingPotential,
        .ignoreStoreReadErrorWithClusterBreakingPotential = true,
        .preconditions = pre.uid || pre.resourceVersion ? &pre : NULL,
    };
    return k8s_json_encode(&k8s_delete_options_desc, &doc, b, err);
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
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
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

const k8s_resource k8s_pods_resource = {"", "v1", "pods", "Pod", true, NULL, NULL};

static k8s_code append_segment(k8s_buf *b, const char *prefix, const char *segment)
{
    k8s_code rc = k8s_buf_append_str(b, prefix);
    return rc ? rc : k8s_buf_append_escaped(b, segment);
}

k8s_code k8s_rest_path(k8s_buf *b, const k8s_resource *r, const char *ns, const char *name,
                       const char *subresource)
{
    k8s_code rc = *r->group ? append_segment(b, "/apis/", r->group) : k8s_buf_append_str(b, "/api");
    if (!rc)
        rc = append_segment(b, "/", r->version);
    if (!rc && ns && *ns)
        rc = append_segment(b, "/namespaces/", ns);
    if (!rc)
        rc = append_segment(b, "/", r->resource);
    if (!rc && name)
        rc = append_segment(b, "/", name);
    if (!rc && subresource)
        rc = append_segment(b, "/", subresource);
    return rc;
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
        return k8s_fail(err, K8S_EINVAL, "the operation names no resource");
    if (collection && args->name && v != K8S_VERB_CREATE)
        return k8s_fail(err, K8S_EINVAL, "a list or deletecollection call takes no name");
    if (!collection && (!args->name || !*args->name))
        return k8s_fail(err, K8S_EINVAL, "a name is required");
    bool all_namespaces = r->namespaced && ns && !*ns;
    if (all_namespaces && v != K8S_VERB_LIST && v != K8S_VERB_WATCH)
        return k8s_fail(err, K8S_EINVAL, "a namespace is required (only lists may span all namespaces)");
    if (v == K8S_VERB_PATCH && !args->text)
        return k8s_fail(err, K8S_EINVAL, "a patch needs its text");

    k8s_buf b = K8S_BUF_INIT;
    k8s_code rc = k8s_buf_append_str(&b, base_url);
    if (!rc)
        rc = k8s_rest_path(&b, r, r->namespaced && !all_namespaces ? ns : NULL,
                           collection ? NULL : args->name, op->subresource);

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
            return k8s_fail(err, K8S_EINVAL, "server-side apply needs a fieldManager");
        }
        ctype = patch_content_type(v == K8S_VERB_APPLY ? K8S_PATCH_APPLY : o ? o->type : K8S_PATCH_MERGE);
        break;
    }
    case K8S_VERB_DELETE:
        req->method = "DELETE";
        req->idempotent = true;
        if (!q.rc)
            q.rc = delete_body(args->options, &body, err);
        ctype = body.len ? "application/json" : NULL;
        break;
    case K8S_VERB_DELETE_COLLECTION:
        req->method = "DELETE";
        req->idempotent = true;
        list_query(&q, args->list, continue_token);
        if (!q.rc)
            q.rc = delete_body(args->options, &body, err);
        ctype = body.len ? "application/json" : NULL;
        break;
    default:
        k8s_buf_free(&b);
        return k8s_fail(err, K8S_EINVAL, "unknown verb");
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
            return k8s_fail(err, K8S_EINVAL, "a body is required");
        }
    }
    if (rc) {
        k8s_buf_free(&b);
        k8s_buf_free(&body);
        return rc == K8S_ENOMEM ? k8s_fail(err, rc, "out of memory") : rc; /* else the encoder said why */
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
