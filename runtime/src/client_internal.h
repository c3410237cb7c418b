/* The client's private parts: how a call becomes an HTTP request and how a
 * reply becomes a result. */
#ifndef K8S_CLIENT_INTERNAL_H
#define K8S_CLIENT_INTERNAL_H

#include <pthread.h>
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

/* Appends a resource's REST path to b: /api/v1 or /apis/GROUP/VERSION,
 * /namespaces/NS when ns is neither NULL nor empty, /RESOURCE, then /NAME
 * and /SUBRESOURCE when not NULL; every segment escaped. */
k8s_code k8s_rest_path(k8s_buf *b, const k8s_resource *r, const char *ns, const char *name,
                       const char *subresource);
/* core/v1 pods, for the calls the runtime makes itself (exec, attach,
 * port-forward). */
extern const k8s_resource k8s_pods_resource;

/* Appends s to b with every byte outside RFC 3986's unreserved set as %XX. */
k8s_code k8s_buf_append_escaped(k8s_buf *b, const char *s);

/* Turns a reply into the call's result (2xx) or its error (otherwise),
 * decoding into arena. result_out gets the typed object, the text, or NULL.
 * cache: the decoder's, kept from reply to reply by the client, or NULL. */
struct k8s_decode_cache;
k8s_code k8s_read_reply(const k8s_op *op, long http_status, const char *body, size_t len,
                        k8s_arena *arena, struct k8s_decode_cache *cache, void **result_out, k8s_error *err);

/* The decoder's cache for the client's replies, lists and watch events (call.c),
 * made the first time: NULL when out of memory. On the loop's thread. */
struct k8s_decode_cache *k8s_client_decode_cache(k8s_client *client);

/* The same for a typed list's 2xx reply decoded as it arrived. */
struct k8s_list_stream;
k8s_code k8s_read_list_reply(const k8s_op *op, long http_status, struct k8s_list_stream *s, k8s_arena *arena,
                             void **result_out, k8s_error *err);

/* A dynamic list (JSON text) read page by page for all_pages. */
typedef struct k8s_json_pages {
    k8s_arena *arena; /* the pages read so far */
    k8s_buf items;    /* char *: their items' exact JSON text */
} k8s_json_pages;

/* Reads one page (a 2xx reply): its items join the others' and *next is
 * its continue token (NULL on the last page, valid until the next page).
 * After the last page *result is one list with every page's items and the
 * rest of the last page (kind, apiVersion, metadata without continue, any
 * other member) as JSON text in arena. */
k8s_code k8s_json_pages_add(k8s_json_pages *p, const char *body, size_t len, k8s_arena *arena,
                            const char **next, char **result, k8s_error *err);
void k8s_json_pages_clear(k8s_json_pages *p);

/* A connection made on the client's terms (server, TLS, proxy, client
 * certificate, credentials), for a protocol the client does not speak
 * itself: WebSocket streams. */
typedef struct k8s_connection {
    void *easy;                /* CURL *, connected (CONNECT_ONLY): curl_easy_send/recv; the
                                  new owner calls curl_easy_cleanup */
    const char *url;           /* the URL that was connected to (its path and query) */
    const char *authorization; /* the Authorization header value to send, or NULL */
    const char *user_agent;
} k8s_connection;

/* On the loop thread: conn (valid during the call) on success, or the
 * error (then conn is NULL). Called exactly once. */
typedef void (*k8s_connect_fn)(void *data, k8s_code code, const k8s_connection *conn,
                               const k8s_error *err);

/* Connects to base URL + path as requests do (credentials fetched or
 * refreshed first, retries on refused connections) and hands the open
 * connection over. id (optional) can cancel it with k8s_cancel. */
k8s_code k8s_client_connect(k8s_client *client, const char *path, k8s_connect_fn on_connect,
                            void *data, k8s_call_id *id);

/* A stream that outlives its k8s_client_connect (a WebSocket session).
 * While registered it counts as pending, so k8s_client_free waits for it;
 * k8s_client_free first calls cancel(data) on the loop thread, after which
 * the stream must end soon with k8s_client_stream_end. Loop thread only;
 * begin fails with K8S_ECANCELED once the client is closing. */
typedef struct k8s_client_stream {
    void (*cancel)(void *data);
    void *data;
    struct k8s_client_stream *prev, *next;
    bool linked;
} k8s_client_stream;

k8s_code k8s_client_stream_begin(k8s_client *client, k8s_client_stream *s);
void k8s_client_stream_end(k8s_client *client, k8s_client_stream *s);

/* Waiting on a caller's thread for an async call to end: the blocking
 * forms of calls, watches and log streams all go through it. */
typedef struct k8s_waiter {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool finished;
    bool stream;           /* the Status dies with the call: status_arena gets a copy */
    k8s_arena *status_arena; /* the caller's, or NULL: no Status */
    k8s_code code;
    void *result;
    k8s_error err;
    void *data; /* the caller's, for callbacks that forward to theirs */
} k8s_waiter;

/* False, with err saying why, on the loop's own thread, where waiting
 * would never end; `async` names the form to use instead. */
bool k8s_waiting_allowed(k8s_client *client, const char *async, k8s_error *err);
/* A stream's waiter (stream) copies the error's Status into status_arena,
 * on the loop thread while the Status still lives. */
void k8s_waiter_init(k8s_waiter *w, bool stream, k8s_arena *status_arena, void *data);
/* A k8s_done_fn, with the waiter as data. */
void k8s_waiter_done(void *w, k8s_code code, void *result, const k8s_error *err);
/* With submitted the code of the async submission: waits for the end if
 * it went in, fills result and err (each may be NULL), releases the
 * waiter and returns the call's code. */
k8s_code k8s_waiter_wait(k8s_waiter *w, k8s_code submitted, void **result, k8s_error *err);

/* The k8s_code for an HTTP error status. */
k8s_code k8s_code_for_http(long http_status);

#endif
