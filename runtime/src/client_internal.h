/* The client's private parts: how a call becomes an HTTP request and how a
 * reply becomes a result. */
#ifndef K8S_CLIENT_INTERNAL_H
#define K8S_CLIENT_INTERNAL_H

#include <stdbool.h>

#include "k8s/buf.h"
#include "k8s/client.h"

/* An HTTP request made from an op and its args; owns its strings. */
typedef struct http_request {
    const char *method; /* static */
    char *url;
    const char *content_type; /* static; NULL: no body */
    char *body;
    size_t body_len;
    const char *accept; /* static */
    bool idempotent;    /* may be retried after a dropped connection, 429 or 503 */
} http_request;

/* Builds req for base_url (no trailing '/'); ns is the namespace to use
 * (NULL already replaced by the client's). continue_token overrides the
 * list options' continue_ (paging). Fails with K8S_EINVAL for calls that
 * cannot be made (a name missing, a namespace where none may be). */
k8s_code k8s_build_request(http_request *req, const char *base_url, const k8s_op *op,
                           const k8s_args *args, const char *ns, const char *continue_token,
                           k8s_error *err);
void k8s_request_clear(http_request *req);

/* Appends s to b with every byte outside RFC 3986's unreserved set as %XX. */
k8s_code k8s_buf_append_escaped(k8s_buf *b, const char *s);

/* Turns a reply into the call's result (2xx) or its error (otherwise),
 * decoding into arena. result_out gets the typed object, the text, or NULL. */
k8s_code k8s_read_reply(const k8s_op *op, long http_status, const char *body, size_t len,
                        k8s_arena *arena, void **result_out, k8s_error *err);

/* The k8s_code for an HTTP error status. */
k8s_code k8s_code_for_http(long http_status);

#endif
