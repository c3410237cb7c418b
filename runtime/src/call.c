/* The call engine: libcurl's multi interface driven by the loop (its
 * sockets in epoll, its timer as a loop timer), and each call's way
 * through it, all on the loop thread:
 *
 *   submit (any thread) -> rate limit -> credentials -> send
 *        -> reply: retry (backoff, Retry-After, 401 refresh), next page,
 *           or finish: decode into the caller's arena, callback once.
 *
 * Credentials that need refreshing (token files, exec plugins) are fetched
 * on the loop's worker pool so the loop never blocks. Each call has a timer
 * of its own for its time limit, whatever state it is in: libcurl 7.88
 * never times out a transfer waiting in its queue for a connection. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "call_internal.h"

#define MAX_RETRY_AFTER_S 300
#define RETRY_BASE_MS 200 /* doubled for each retry of a call */
#define RETRY_MAX_MS 6400
#define RECEIVE_BUFFER (64 * 1024L) /* curl's, per transfer: see the lost wake-ups */

/* ---- bookkeeping ---- */

static void link_call(kcall *k)
{
    k8s_client *c = k->client;
    k->prev = NULL;
    k->next = c->active;
    if (c->active)
        c->active->prev = k;
    c->active = k;
    k->linked = true;
}

void k8s_call_unlink(kcall *k)
{
    if (!k->linked)
        return;
    if (k->prev)
        k->prev->next = k->next;
    else
        k->client->active = k->next;
    if (k->next)
        k->next->prev = k->prev;
    k->linked = false;
}

static void release_easy(kcall *k);

/* ---- receive buffers ----
 * A reply's body buffer goes back to the client when its call ends, and
 * the next reply is written into it: memory already mapped and already
 * grown to the size replies have, instead of a fresh buffer doubled up
 * from nothing for each call (and, with many calls in flight, heap pages
 * that glibc gives back to the kernel between bursts and faults in
 * again). Bounded (call_internal.h), so a burst of large replies is not
 * kept. On the loop thread: a buffer only has bytes from curl there. */

static void take_spare(kcall *k)
{
    k8s_client *c = k->client;
    if (k->body.data || !c->nspare)
        return;
    k->body = c->spare[--c->nspare];
    c->spare_bytes -= k->body.cap;
    k8s_buf_clear(&k->body);
}

static void give_spare(kcall *k)
{
    k8s_client *c = k->client;
    k8s_buf *b = &k->body;
    if (b->data && b->cap <= K8S_SPARE_BUF_MAX && c->nspare < K8S_SPARE_BUFS &&
        c->spare_bytes + b->cap <= K8S_SPARE_BYTES) {
        c->spare[c->nspare++] = *b;
        c->spare_bytes += b->cap;
        *b = (k8s_buf)K8S_BUF_INIT;
    }
    k8s_buf_free(b);
}

/* ---- calls kept for reuse ----
 * An ended call goes back to its client (at most K8S_SPARE_CALLS) with its
 * request headers, which the next call reuses when its own are the same
 * (k8s_call_configure). A kcall is 2.6 KB, a size glibc's malloc serves
 * from its slow path: about 3,000 instructions a call, where the client's
 * whole bookkeeping for a GET is about 15,000. Under the client's mu:
 * calls are made on any thread. */

static kcall *take_spare_call(k8s_client *c)
{
    pthread_mutex_lock(&c->mu);
    kcall *k = c->spare_calls;
    if (k) {
        c->spare_calls = k->next;
        c->nspare_calls--;
    }
    pthread_mutex_unlock(&c->mu);
    if (k) {
        struct curl_slist *headers = k->headers;
        memset(k, 0, sizeof *k);
        k->headers = headers;
    }
    return k;
}

static void destroy_call(kcall *k)
{
    curl_slist_free_all(k->headers);
    free(k);
}

void k8s_call_free_spares(k8s_client *c)
{
    while (c->nspare)
        k8s_buf_free(&c->spare[--c->nspare]);
    c->spare_bytes = 0;
    pthread_mutex_lock(&c->mu);
    kcall *k = c->spare_calls;
    c->spare_calls = NULL;
    c->nspare_calls = 0;
    pthread_mutex_unlock(&c->mu);
    while (k) {
        kcall *next = k->next;
        destroy_call(k);
        k = next;
    }
}

void k8s_call_free(kcall *k)
{
    k8s_client *c = k->client;
    k8s_request_clear(&k->req);
    free(k->strings);
    free(k->continue_token);
    k8s_credential_clear(&k->cred);
    give_spare(k);
    if (k->body_mode == BODY_LISTED)
        k8s_list_stream_clear(&k->list);
    k8s_buf_free(&k->items);
    k8s_json_pages_clear(&k->json_pages);
    k8s_timer_free(k->timer);
    k8s_timer_free(k->limit);
    if (k->own_arena)
        k8s_arena_free(k->arena);
    pthread_mutex_lock(&c->mu);
    bool keep = !c->closing && c->nspare_calls < K8S_SPARE_CALLS;
    if (keep) {
        k->next = c->spare_calls;
        c->spare_calls = k;
        c->nspare_calls++;
    }
    pthread_mutex_unlock(&c->mu);
    if (!keep)
        destroy_call(k);
}

/* The one way out of a call: its callback, exactly once. A call that a
 * worker holds (fetching credentials, connecting) ends all the same; the
 * worker's done frees it. */
void k8s_call_finish(kcall *k, k8s_code code, void *result)
{
    k8s_client *c = k->client;
    bool held = k->st == ST_WAIT_CREDS || k->st == ST_CONNECTING;
    k8s_call_unlink(k);
    k8s_timer_stop(k->limit);
    if (k->st != ST_CONNECTING) /* a connecting worker's own */
        release_easy(k);
    k->err.code = code;
    if (code && !k->err.message[0])
        snprintf(k->err.message, sizeof k->err.message, "%s", k8s_strerror(code));
    if (k->on_connect)
        k->on_connect(k->data, code, NULL, &k->err);
    else
        k->done(k->data, code, code ? NULL : result, &k->err);
    if (held)
        k->orphaned = true;
    else
        k8s_call_free(k);
    k8s_client_pending_add(c, -1);
}

void k8s_call_fail(kcall *k, k8s_code code, const char *message)
{
    k8s_error_set(&k->err, code, NULL, NULL, NULL, "%s", message);
    k8s_call_finish(k, code, NULL);
}

/* ---- credentials and headers ---- */

static void send_call(kcall *k);

static void creds_work(void *data)
{
    kcall *k = data;
    k8s_credential_clear(&k->cred);
    k->cred_rc = k8s_credentials_get(k->client->creds, k->force_creds, &k->cred, &k->cred_err);
}

static void creds_done(void *data)
{
    kcall *k = data;
    k8s_client *c = k->client;
    k8s_client_pending_add(c, -1); /* the worker job */
    if (k->orphaned) {
        k8s_call_free(k);
        return;
    }
    k->st = ST_NEW;
    k->force_creds = false;
    if (c->closing) {
        k8s_call_fail(k, K8S_ECANCELED, "canceled");
    } else if (k->cred_rc) {
        k->err = k->cred_err;
        k8s_call_finish(k, k->cred_rc, NULL);
    } else {
        send_call(k);
    }
}

void k8s_call_need_credentials(kcall *k, bool force)
{
    k8s_client *c = k->client;
    k8s_credential_clear(&k->cred);
    if (!force && k8s_credentials_peek(c->creds, &k->cred)) {
        send_call(k);
        return;
    }
    k->st = ST_WAIT_CREDS;
    k->force_creds = force;
    k8s_client_pending_add(c, 1);
    if (k8s_loop_offload(c->loop, creds_work, creds_done, k) != K8S_OK) {
        k8s_client_pending_add(c, -1);
        k8s_call_fail(k, K8S_ENOMEM, "cannot hand the credential refresh to a worker");
    }
}
/* ---- curl ---- */

/* Room for the whole reply at once when its length is known (a lying
 * length costs at most K8S_SPARE_BUF_MAX up front; more grows as it
 * arrives). */
static void reserve_body(kcall *k)
{
    take_spare(k);
    curl_off_t length = -1;
    curl_easy_getinfo(k->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    if (length > 0)
        (void)k8s_buf_reserve(&k->body, (size_t)(length < K8S_SPARE_BUF_MAX ? length : K8S_SPARE_BUF_MAX));
}

static size_t on_body(char *ptr, size_t size, size_t n, void *data)
{
    kcall *k = data;
    size_t len = size * n;
    k8s_conns_stirred(k);
    if (k->on_chunk && k->limit)
        k->since_ms = k8s_now_ms(); /* a stream's silence ends */
    if (k->on_chunk && !k->streaming) {
        long status = 0;
        curl_easy_getinfo(k->easy, CURLINFO_RESPONSE_CODE, &status);
        k->streaming = status >= 200 && status < 300;
    }
    if (k->streaming) {
        k->chunk_rc = k->on_chunk(k->data, ptr, len, &k->err);
        return k->chunk_rc == K8S_OK ? len : 0;
    }
    if (k->body_mode == BODY_UNSEEN) {
        long status = 0;
        curl_easy_getinfo(k->easy, CURLINFO_RESPONSE_CODE, &status);
        bool listed = k->op.verb == K8S_VERB_LIST && k->op.result && !k->on_chunk && status >= 200 && status <= 299;
        k->body_mode = listed ? BODY_LISTED : BODY_KEPT;
        if (listed)
            k8s_list_stream_init(&k->list, k->op.result, k->arena, k8s_client_decode_cache(k->client));
        else
            reserve_body(k);
    }
    if (k->body_mode == BODY_LISTED) {
        k8s_list_stream_feed(&k->list, ptr, len); /* a failure, out of memory too, is reported at the end */
        return len;
    }
    return k8s_buf_append(&k->body, ptr, len) == K8S_OK ? len : 0;
}

/* Warning: 299 - "text" (one header per warning; agent '-', a quoted text
 * with \" escapes) */
static void report_warning(k8s_client *c, const char *v, size_t n)
{
    const char *q = memchr(v, '"', n);
    char text[512];
    size_t o = 0;
    if (q) {
        for (const char *p = q + 1; p < v + n && *p != '"' && o + 1 < sizeof text; p++) {
            if (*p == '\\' && p + 1 < v + n)
                p++;
            text[o++] = *p;
        }
    } else {
        for (const char *p = v; p < v + n && o + 1 < sizeof text; p++)
            text[o++] = *p;
    }
    text[o] = '\0';
    c->on_warning(c->warning_ctx, text);
}

static size_t on_header(char *ptr, size_t size, size_t n, void *data)
{
    kcall *k = data;
    size_t len = size * n;
    /* only Retry-After and Warning matter: most lines end at their first letter */
    char first = (char)(len ? ptr[0] | 0x20 : 0);
    if (first != 'r' && first != 'w')
        return size * n;
    while (len && (ptr[len - 1] == '\n' || ptr[len - 1] == '\r'))
        len--;
    if (len > 12 && strncasecmp(ptr, "Retry-After:", 12) == 0) {
        char num[32];
        size_t m = len - 12 < sizeof num - 1 ? len - 12 : sizeof num - 1;
        memcpy(num, ptr + 12, m);
        num[m] = '\0';
        char *end;
        long v = strtol(num, &end, 10);
        if (end != num && v >= 0)
            k->retry_after = v > MAX_RETRY_AFTER_S ? MAX_RETRY_AFTER_S : v;
    } else if (len > 8 && strncasecmp(ptr, "Warning:", 8) == 0 && k->client->on_warning) {
        report_warning(k->client, ptr + 8, len - 8);
    }
    return size * n;
}

static struct curl_slist *add_header(struct curl_slist *list, const char *name, const char *value,
                                     bool *ok)
{
    if (!*ok || !value)
        return list;
    char stack[256], *h = stack;
    size_t ln = strlen(name), lv = strlen(value);
    if (ln + lv + 3 > sizeof stack && !(h = malloc(ln + lv + 3))) {
        *ok = false;
        return list;
    }
    memcpy(h, name, ln);
    memcpy(h + ln, ": ", 2);
    memcpy(h + ln + 2, value, lv + 1);
    struct curl_slist *l = curl_slist_append(list, h);
    if (h != stack)
        free(h);
    if (!l)
        *ok = false;
    return l ? l : list;
}

static bool set_blob(CURL *e, CURLoption opt, const k8s_blob *b)
{
    if (!b->data)
        return curl_easy_setopt(e, opt, NULL) == CURLE_OK;
    struct curl_blob blob = {b->data, b->len, CURL_BLOB_COPY};
    return curl_easy_setopt(e, opt, &blob) == CURLE_OK;
}

/* The client certificate: the credential's own (an exec plugin's), else
 * the config's. The blob options copy what they are given. */
static bool set_client_cert(CURL *e, const k8s_config *cfg, const k8s_credential *cred)
{
    const k8s_blob *cert = cred && cred->cert.data ? &cred->cert : &cfg->client_cert;
    const k8s_blob *key = cred && cred->cert.data ? &cred->key : &cfg->client_key;
    bool ok = set_blob(e, CURLOPT_SSLCERT_BLOB, cert) && set_blob(e, CURLOPT_SSLKEY_BLOB, key);
    if (ok && cert->data)
        ok = curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM") == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM") == CURLE_OK;
    return ok;
}

/* An easy handle with what every call of the client sets alike; kept so
 * across calls (the client's idle handles), so a call sets only its own. */
CURL *k8s_call_new_handle(k8s_client *c)
{
    const k8s_config *cfg = c->config;
    CURL *e = curl_easy_init();
    if (!e)
        return NULL;
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                  \
    if (rc == CURLE_OK)                                \
    rc = curl_easy_setopt(e, opt, val)
    SET(CURLOPT_USERAGENT, c->user_agent);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_OPENSOCKETFUNCTION, k8s_conns_open_socket);
    SET(CURLOPT_CLOSESOCKETFUNCTION, k8s_conns_close_socket);
    SET(CURLOPT_CLOSESOCKETDATA, c);
    SET(CURLOPT_PREREQFUNCTION, k8s_conns_on_prereq);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_BUFFERSIZE, RECEIVE_BUFFER); /* see the lost wake-ups below */
    SET(CURLOPT_HTTP_VERSION, c->http1 ? (long)CURL_HTTP_VERSION_1_1 : (long)CURL_HTTP_VERSION_2TLS);
    SET(CURLOPT_PIPEWAIT, 1L); /* wait for a multiplexed stream rather than open a connection */
    SET(CURLOPT_SSL_VERIFYPEER, cfg->insecure ? 0L : 1L);
    SET(CURLOPT_SSL_VERIFYHOST, cfg->insecure ? 0L : 2L);
    if (c->connect_to)
        SET(CURLOPT_CONNECT_TO, c->connect_to);
    if (cfg->proxy_url)
        SET(CURLOPT_PROXY, cfg->proxy_url);
#undef SET
    if (rc != CURLE_OK || (cfg->ca.data && !set_blob(e, CURLOPT_CAINFO_BLOB, &cfg->ca)) ||
        ((cfg->client_cert.data || cfg->client_key.data) && !set_client_cert(e, cfg, NULL))) {
        curl_easy_cleanup(e);
        return NULL;
    }
    return e;
}

/* Back into the client's idle handles, as k8s_call_new_handle made it:
 * nothing of the call's stays in it. */
static void release_easy(kcall *k)
{
    k8s_client *c = k->client;
    CURL *e = k->easy;
    k->easy = NULL;
    if (!e)
        return;
    if (k->on_connect) { /* set up to connect only: not for other calls */
        curl_easy_cleanup(e);
        return;
    }
    if (c->nidle == c->capidle) {
        size_t cap = c->capidle ? c->capidle * 2 : 16;
        CURL **ni = realloc(c->idle, cap * sizeof *ni);
        if (!ni) {
            curl_easy_cleanup(e);
            return;
        }
        c->idle = ni;
        c->capidle = cap;
    }
    bool ok = !k->own_cert || set_client_cert(e, c->config, NULL);
    curl_easy_setopt(e, CURLOPT_PRIVATE, NULL);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, NULL);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, NULL);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, NULL);
    curl_easy_setopt(e, CURLOPT_PREREQDATA, NULL);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, NULL);
    if (!ok) {
        curl_easy_cleanup(e);
        return;
    }
    c->idle[c->nidle++] = e;
}

enum { NHEADERS = 4 };

/* Whether list is exactly the lines "name: value" of the headers that
 * have a value, in order. */
static bool same_headers(const struct curl_slist *list, const char *const names[NHEADERS],
                         const char *const values[NHEADERS])
{
    for (int i = 0; i < NHEADERS; i++) {
        if (!values[i])
            continue;
        size_t n = strlen(names[i]);
        if (!list || strncmp(list->data, names[i], n) != 0 || list->data[n] != ':' ||
            list->data[n + 1] != ' ' || strcmp(list->data + n + 2, values[i]) != 0)
            return false;
        list = list->next;
    }
    return list == NULL;
}

/* Sets up the call's handle (from k8s_call_new_handle) for its request:
 * what differs from call to call, all of it every time. */
bool k8s_call_configure(kcall *k)
{
    CURL *e = k->easy;
    static const char *const names[NHEADERS] = {"Accept", "Content-Type", "Authorization", "Expect"};
    const char *const values[NHEADERS] = {k->req.accept, k->req.content_type, k->cred.authorization,
                                          k->req.body ? "" : NULL}; /* no 100-continue round trip */
    if (!same_headers(k->headers, names, values)) { /* else kept from the kcall's last request */
        bool ok = true;
        curl_slist_free_all(k->headers);
        k->headers = NULL;
        for (int i = 0; i < NHEADERS; i++)
            k->headers = add_header(k->headers, names[i], values[i], &ok);
        if (!ok)
            return false;
    }

    k8s_buf url = K8S_BUF_INIT;
    const char *target = k->req.url;
    if (k->continue_token) { /* a later page: the same query plus continue */
        if (k8s_buf_append_str(&url, k->req.url) || k8s_buf_append_str(&url, strchr(k->req.url, '?') ? "&continue=" : "?continue=") ||
            k8s_buf_append_escaped(&url, k->continue_token)) {
            k8s_buf_free(&url);
            return false;
        }
        target = url.data;
    }
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                  \
    if (rc == CURLE_OK)                                \
    rc = curl_easy_setopt(e, opt, val)
    SET(CURLOPT_URL, target);
    SET(CURLOPT_PRIVATE, k);
    SET(CURLOPT_HTTPHEADER, k->headers);
    SET(CURLOPT_WRITEDATA, k);
    SET(CURLOPT_HEADERDATA, k);
    SET(CURLOPT_ERRORBUFFER, k->curl_error);
    SET(CURLOPT_OPENSOCKETDATA, k);
    SET(CURLOPT_PREREQDATA, k);
    SET(CURLOPT_CONNECTTIMEOUT_MS,
        (long)(k->on_chunk || k->timeout_ms <= 0 || k->timeout_ms > 10000 ? 10000 : k->timeout_ms));
    if (k->on_connect) {
        /* a worker's blocking connect: curl's own timeout limits it, and
         * the connection leaves the client (no multi's bookkeeping) */
        SET(CURLOPT_TIMEOUT_MS, (long)k->timeout_ms);
        SET(CURLOPT_CLOSESOCKETFUNCTION, NULL);
        SET(CURLOPT_PREREQFUNCTION, NULL);
        SET(CURLOPT_CONNECT_ONLY, 1L); /* TCP and TLS only: the caller speaks next */
        SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1); /* an Upgrade needs HTTP/1.1 */
    } else if (k->req.body) {
        SET(CURLOPT_POSTFIELDS, k->req.body);
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)k->req.body_len);
    } else {
        SET(CURLOPT_HTTPGET, 1L); /* also undoes an earlier call's POSTFIELDS */
    }
    /* the method's name: GET's own, else the verb over GET or POST */
    if (!k->on_connect)
        SET(CURLOPT_CUSTOMREQUEST, strcmp(k->req.method, "GET") == 0 ? NULL : k->req.method);
#undef SET
    /* the credential's own client certificate, or back to the config's
     * when an earlier attempt had one */
    bool cert = rc == CURLE_OK;
    if (cert && (k->cred.cert.data || k->own_cert)) {
        cert = set_client_cert(e, k->client->config, &k->cred);
        k->own_cert = k->cred.cert.data != NULL;
    }
    k8s_buf_free(&url); /* CURLOPT_URL copied it */
    return cert;
}

static const char *call_path(const kcall *k);

/* What a call that ran out of time was waiting for. */
static const char *waiting_for(const kcall *k, char *buf, size_t n)
{
    const k8s_client *c = k->client;
    switch (k->st) {
    case ST_WAIT_RATE: return "the client's rate limit";
    case ST_WAIT_CREDS: return "credentials";
    case ST_CONNECTING: return "a connection";
    case ST_BACKOFF: return "a retry";
    case ST_SENDING:
        if (k->attached)
            return "the reply";
        if (c->http1 || (int)c->nconns < c->max_connections || c->established < c->nconns)
            return "a connection";
        snprintf(buf, n, "a free stream: all k8s_client_options.max_connections = %d connections are full",
                 c->max_connections);
        return buf;
    default: return "its start";
    }
}

/* The call's time limit: a timer that, rather than being re-armed for
 * each chunk of a stream, checks when the last byte came. */
static void on_limit(void *data)
{
    kcall *k = data;
    uint64_t quiet = k8s_now_ms() - k->since_ms;
    if (quiet < (uint64_t)k->timeout_ms) {
        k8s_timer_start(k->limit, (uint64_t)k->timeout_ms - quiet);
        return;
    }
    char msg[sizeof k->err.message], what[100];
    if (k->on_chunk)
        snprintf(msg, sizeof msg, "%s %s: no data for %d ms", k->req.method, call_path(k), k->timeout_ms);
    else
        snprintf(msg, sizeof msg, "%s %s: no reply within %d ms (waiting for %s)", k->req.method,
                 call_path(k), k->timeout_ms, waiting_for(k, what, sizeof what));
    k8s_call_abort(k, K8S_ETIMEDOUT, msg);
}

/* From now (the call's start, a new page, a stream's last byte). */
static bool start_limit(kcall *k)
{
    if (k->timeout_ms <= 0)
        return true;
    if (!k->limit && !(k->limit = k8s_timer_new(k->client->loop, on_limit, k)))
        return false;
    k->since_ms = k8s_now_ms();
    k8s_timer_start(k->limit, (uint64_t)k->timeout_ms);
    return true;
}

static void send_call(kcall *k)
{
    k8s_client *c = k->client;
    if (!k->easy) {
        k->easy = c->nidle ? c->idle[--c->nidle] : k8s_call_new_handle(c);
        if (!k->easy) {
            k8s_call_fail(k, K8S_ENOMEM, "cannot create a curl handle");
            return;
        }
    }
    k8s_buf_clear(&k->body);
    if (k->body_mode == BODY_LISTED)
        k8s_list_stream_clear(&k->list);
    k->body_mode = BODY_UNSEEN;
    k->retry_after = -1;
    k->curl_error[0] = '\0';
    if (!k8s_call_configure(k)) {
        k8s_call_fail(k, K8S_ENOMEM, "cannot configure the request");
        return;
    }
    if (!k8s_conns_add(k)) {
        k8s_call_fail(k, K8S_ETRANSPORT, "curl refused the request");
        return;
    }
    k->st = ST_SENDING;
    atomic_fetch_add(&c->n_requests, 1);
    if (k->on_chunk)
        k->since_ms = k8s_now_ms(); /* a stream's silence counts from its request */
}

/* One attempt: a connection of its own is made on a worker (which also
 * fetches credentials); requests go through the rate limiter first. */
static void attempt(kcall *k)
{
    if (k->on_connect)
        k8s_upgrade_offload(k);
    else
        k8s_rate_limit(k);
}

static void retry_now(void *data)
{
    kcall *k = data;
    atomic_fetch_add(&k->client->n_retries, 1);
    attempt(k);
}

static bool retry_later(kcall *k)
{
    k8s_client *c = k->client;
    if (!k->req.idempotent || k->streaming || k->attempt >= c->max_retries)
        return false;
    if (!k->timer && !(k->timer = k8s_timer_new(c->loop, retry_now, k)))
        return false;
    k->attempt++;
    uint64_t ms = k->retry_after >= 0
                      ? (uint64_t)k->retry_after * 1000u
                      : k8s_backoff_ms(&c->rng, (unsigned)k->attempt - 1, RETRY_BASE_MS, RETRY_MAX_MS);
    k->st = ST_BACKOFF;
    k8s_timer_start(k->timer, ms);
    return true;
}

static bool transient(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

static bool tls_failure(CURLcode rc)
{
    switch (rc) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
        return true;
    default:
        return false;
    }
}

/* The path of the call, for messages (no host: it says nothing new). */
static const char *call_path(const kcall *k)
{
    const char *u = k->req.url, *p = strstr(u, "://");
    p = p ? strchr(p + 3, '/') : NULL;
    return p ? p : u;
}

/* A server certificate that did not verify: against which certificate
 * authority (file, -data of which cluster, the system's store) and for
 * which name, rather than curl's "SSL certificate problem: ...". */
static void explain_untrusted(kcall *k, CURLcode rc)
{
    const k8s_config *cfg = k->client->config;
    static const char *const prefixes[] = {"SSL certificate problem: ", "SSL: "};
    const char *why = k->curl_error[0] ? k->curl_error : curl_easy_strerror(rc);
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(why, prefixes[i], strlen(prefixes[i])) == 0)
            why += strlen(prefixes[i]);
    char *host = NULL;
    CURLU *u = curl_url();
    if (u && curl_url_set(u, CURLUPART_URL, k->client->base_url, 0) == CURLUE_OK)
        curl_url_get(u, CURLUPART_HOST, &host, 0);
    /* what to act on first: the message may be cut at its end */
    k8s_error_set(&k->err, K8S_ETLS, NULL, NULL, NULL,
                  "%s %s: the server's certificate, checked for the name \"%s\" against the %s, is not trusted: %s",
                  k->req.method, call_path(k), host ? host : "?",
                  cfg->ca_origin ? cfg->ca_origin : "system's CA store", why);
    curl_free(host);
    curl_url_cleanup(u);
}

void k8s_call_transport_failed(kcall *k, CURLcode rc)
{
    if (transient(rc) && retry_later(k))
        return;
    k8s_code code = rc == CURLE_OPERATION_TIMEDOUT ? K8S_ETIMEDOUT : tls_failure(rc) ? K8S_ETLS : K8S_ETRANSPORT;
    if (rc == CURLE_PEER_FAILED_VERIFICATION)
        explain_untrusted(k, rc);
    else
        k8s_error_set(&k->err, code, NULL, NULL, NULL, "%s %s: %s", k->req.method, call_path(k),
                      k->curl_error[0] ? k->curl_error : curl_easy_strerror(rc));
    k->err.curl_code = (int)rc;
    k8s_call_finish(k, code, NULL);
}

/* A 401 says what was refused: the request, and which credential of whose. */
static void explain_unauthorized(kcall *k)
{
    char cred[400];
    k8s_credential_describe(k->client->config, &k->cred, cred, sizeof cred);
    const k8s_status *st = k->err.status; /* in the arena, not in the message it replaces */
    int n = snprintf(k->err.message, sizeof k->err.message, "%s %s: HTTP 401 (%s): the server refused %s%s",
                     k->req.method, call_path(k), st && st->message ? st->message : "Unauthorized", cred,
                     k->auth_retried ? ", also when fetched again" : "");
    if (n >= (int)sizeof k->err.message) /* cut short: the end (the kubeconfig's name) says least */
        memcpy(k->err.message + sizeof k->err.message - 4, "...", 4);
}

/* The next page's continue token: a copy, as the page it came in may go. */
static k8s_code set_continue(kcall *k, const char *token)
{
    free(k->continue_token);
    k->continue_token = token ? strdup(token) : NULL;
    return token && !k->continue_token ? K8S_ENOMEM : K8S_OK;
}

/* Moves the items of a typed list page to the collection and tells
 * whether another page follows (setting the continue token). */
static k8s_code collect_page(kcall *k, void *page, bool *more)
{
    const k8s_type *lt = k->op.result;
    const k8s_field *items = k8s_type_field(lt, "items", 5);
    const k8s_field *meta = k8s_type_field(lt, "metadata", 8);
    const k8s_field *cont = meta ? k8s_type_field(meta->type, "continue", 8) : NULL;
    if (!items || !(items->flags & K8S_FIELD_ARRAY) || !cont)
        return K8S_EINVAL;
    size_t size = k8s_kind_size(items), n = *(size_t *)((char *)page + items->aux);
    char *list = *(char **)((char *)page + items->offset);
    if (n && k8s_buf_append(&k->items, list, n * size) != K8S_OK)
        return K8S_ENOMEM;
    k->nitems += n;
    if (!k->first_page)
        k->first_page = page;
    char *meta_obj = *(char **)((char *)page + meta->offset);
    const char *token = meta_obj ? *(char **)(meta_obj + cont->offset) : NULL;
    *more = token && *token;
    if (*more)
        return set_continue(k, token);
    /* the last page: one list with every item */
    char *first = k->first_page;
    void *all = k->nitems ? k8s_arena_alloc(k->arena, k->nitems * size) : K8S_EMPTY;
    if (!all)
        return K8S_ENOMEM;
    if (k->nitems)
        memcpy(all, k->items.data, k->nitems * size);
    *(void **)(first + items->offset) = all;
    *(size_t *)(first + items->aux) = k->nitems;
    char *first_meta = *(char **)(first + meta->offset);
    if (first_meta)
        *(char **)(first_meta + cont->offset) = NULL;
    return K8S_OK;
}

/* Text replies from this size on are handed to the arena, not copied. */
#define ADOPT_MIN (64 * 1024)

/* The decoder's cache for the client's replies, lists and watch events:
 * the same kinds come back again and again, so what one decode learnt of key order
 * speeds up the next (a small object's decode without it looks up every
 * key), and its scratch buffers are there already. NULL, when out of
 * memory, only means a slower decode. */
k8s_decode_cache *k8s_client_decode_cache(k8s_client *c)
{
    if (!c->decode_cache)
        c->decode_cache = k8s_decode_cache_new();
    return c->decode_cache;
}

static void call_done(kcall *k, CURLcode rc)
{
    k8s_client *c = k->client;
    long status = 0;
    curl_easy_getinfo(k->easy, CURLINFO_RESPONSE_CODE, &status);
    if (k->streaming) {
        if (rc == CURLE_OK)
            k8s_call_finish(k, K8S_OK, NULL);
        else if (rc == CURLE_WRITE_ERROR && k->chunk_rc)
            k8s_call_finish(k, k->chunk_rc, NULL);
        else
            k8s_call_transport_failed(k, rc); /* no retry: the caller has seen bytes */
        return;
    }
    if (rc != CURLE_OK) {
        k8s_call_transport_failed(k, rc);
        return;
    }
    if (status == 401 && !k->auth_retried &&
        (c->config->token_file || c->config->exec)) { /* the credential may have rotated */
        k->auth_retried = true;
        k8s_call_need_credentials(k, true);
        return;
    }
    if ((status == 429 || status == 503) && retry_later(k))
        return;
    void *result = NULL;
    const char *body = k->body.data ? k->body.data : "";
    bool more = false;
    k8s_code code;
    if (k->all_pages && !k->op.result && status >= 200 && status <= 299) { /* a dynamic list */
        const char *next;
        code = k8s_json_pages_add(&k->json_pages, body, k->body.len, k->arena, &next, (char **)&result, &k->err);
        more = code == K8S_OK && next;
        if (more)
            code = set_continue(k, next);
        k->err.http_status = (int)status;
    } else {
        if (k->body_mode == BODY_LISTED) {
            code = k8s_read_list_reply(&k->op, status, &k->list, k->arena, &result, &k->err);
        } else if (!k->op.result && status >= 200 && status <= 299 && k->body.len >= ADOPT_MIN &&
                   k8s_arena_adopt(k->arena, k->body.data, k->body.cap)) {
            /* a large text reply (dynamic calls): the received buffer itself
             * becomes the result, so it is neither copied nor held twice */
            memset(&k->err, 0, sizeof k->err);
            k->err.http_status = (int)status;
            result = k->body.data;
            k->body = (k8s_buf)K8S_BUF_INIT;
            code = K8S_OK;
        } else {
            code = k8s_read_reply(&k->op, status, body, k->body.len, k->arena, k8s_client_decode_cache(c), &result, &k->err);
        }
        if (code == K8S_EUNAUTHORIZED)
            explain_unauthorized(k);
        if (code == K8S_OK && k->all_pages && result) {
            code = collect_page(k, result, &more);
            result = k->first_page;
            if (code)
                k8s_error_set(&k->err, code, NULL, NULL, NULL, "cannot page through a %s",
                              k->op.result_kind ? k->op.result_kind : "list");
        }
    }
    if (code == K8S_OK && more) {
        if (start_limit(k)) {
            k->attempt = 0;
            k8s_rate_limit(k);
            return;
        }
        code = K8S_ENOMEM;
    }
    k8s_call_finish(k, code, result);
}

static void check_done(k8s_client *c)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(c->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *e = msg->easy_handle;
        CURLcode rc = msg->data.result;
        kcall *k = NULL;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&k);
        k8s_conns_remove(k);
        call_done(k, rc);
    }
}

/* ---- libcurl 7.88's lost wake-ups ----
 * Its HTTP/2 code (rewritten in 8.1) can keep a reply's last bytes with no
 * wake-up for their transfer: the server has sent them all, the socket is
 * read dry, and the reply waits for the transfer's next timer (the 10 s
 * connect timeout, else the call's limit). Bare libcurl does the same. It
 * takes concurrent replies larger than a transfer's buffer (curl pauses
 * the connection's input when one fills while another transfer reads):
 * in 40 rounds of 24 concurrent GETs (6 of them 200 KB) from Node's HTTP/2
 * server, 27 calls stalled; from nginx none. Two things make it rare,
 * neither makes it impossible: a 64 KB buffer per transfer
 * (CURLOPT_BUFFERSIZE; curl's default is 16 KB), and, once the connections
 * have been quiet for STIR_QUIET_MS after any activity, running the
 * transfers of each connection that had reply bytes once as if it were
 * readable (only those: 1,000 quiet watches are not all run for one
 * event). Together: 1-3 stalled calls in 150 such rounds, 1-9 in 30 rounds
 * with 2 MB replies. Nothing is due while nothing happens, so an idle
 * client still sleeps. */
#define STIR_QUIET_MS 20

static void on_quiet(void *data)
{
    k8s_client *c = data;
    uint64_t quiet = k8s_now_ms() - c->active_ms;
    if (quiet < STIR_QUIET_MS) {
        k8s_timer_start(c->stir_timer, STIR_QUIET_MS - quiet);
        return;
    }
    /* curl may close connections meanwhile: the array is read afresh */
    for (size_t i = 0; i < c->nconns; i++) /* a connection's transfers, each run once */
        if (c->conns[i].stirred) {
            c->conns[i].stirred = false;
            int running;
            if (c->conns[i].streams > 0)
                curl_multi_socket_action(c->multi, c->conns[i].fd, CURL_CSELECT_IN, &running);
        }
    check_done(c);
    k8s_conns_balance(c);
}

static bool transfers_on_connections(const k8s_client *c)
{
    for (size_t i = 0; i < c->nconns; i++)
        if (c->conns[i].streams > 0)
            return true;
    return false;
}

/* After each pass of curl's: the quiet period starts again, while any
 * transfer has a connection. None: no timer, so the loop can go idle (and
 * a blocking call run on its caller's thread). */
static void restart_quiet(k8s_client *c)
{
    if (!transfers_on_connections(c)) {
        if (c->stir_timer)
            k8s_timer_stop(c->stir_timer);
        return;
    }
    c->active_ms = k8s_now_ms();
    if (!c->stir_timer && !(c->stir_timer = k8s_timer_new(c->loop, on_quiet, c)))
        return; /* out of memory: only the guard is missing */
    if (!k8s_timer_active(c->stir_timer))
        k8s_timer_start(c->stir_timer, STIR_QUIET_MS);
}

static void on_io(void *data, int fd, int events)
{
    k8s_client *c = data;
    int flags = (events & K8S_IO_READ ? CURL_CSELECT_IN : 0) | (events & K8S_IO_WRITE ? CURL_CSELECT_OUT : 0) |
                (events & K8S_IO_ERROR ? CURL_CSELECT_ERR : 0);
    int running;
    curl_multi_socket_action(c->multi, fd, flags, &running);
    check_done(c);
    k8s_conns_balance(c);
    restart_quiet(c);
}

/* A connection's watch stays when curl leaves the connection idle between
 * requests and comes back to it (k8s_io_update: no syscall either way);
 * it goes when the socket closes (k8s_conns_close_socket). */
int k8s_call_on_socket(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
    (void)e;
    k8s_client *c = userp;
    k8s_io *io = socketp;
    conn_use *u = k8s_conns_by_fd(c, s);
    if (!io && u)
        io = u->io;
    if (what == CURL_POLL_REMOVE) {
        if (io && u && u->io == io)
            k8s_io_update(io, 0);
        else
            k8s_io_close(io);
        curl_multi_assign(c->multi, s, NULL);
        return 0;
    }
    int events = (what & CURL_POLL_IN ? K8S_IO_READ : 0) | (what & CURL_POLL_OUT ? K8S_IO_WRITE : 0);
    if (io) {
        k8s_io_update(io, events);
    } else if ((io = k8s_io_watch(c->loop, s, events, on_io, c))) {
        if (u)
            u->io = io;
    } else {
        return -1;
    }
    curl_multi_assign(c->multi, s, io);
    return 0;
}

static void on_curl_timer(void *data)
{
    k8s_client *c = data;
    int running;
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(c);
    k8s_conns_balance(c);
    restart_quiet(c);
}

int k8s_call_on_timer_change(CURLM *m, long timeout_ms, void *userp)
{
    (void)m;
    k8s_client *c = userp;
    /* made here, on the loop thread, the first time curl wants one */
    if (!c->curl_timer && !(c->curl_timer = k8s_timer_new(c->loop, on_curl_timer, c)))
        return -1;
    if (timeout_ms < 0)
        k8s_timer_stop(c->curl_timer);
    else
        k8s_timer_start(c->curl_timer, (uint64_t)timeout_ms);
    return 0;
}
/* ---- submitting ---- */

static void start_call(void *data)
{
    kcall *k = data;
    if (k->client->closing) {
        k8s_call_fail(k, K8S_ECANCELED, "the client is closing");
        return;
    }
    link_call(k);
    if (!start_limit(k)) {
        k8s_call_fail(k, K8S_ENOMEM, "out of memory");
        return;
    }
    attempt(k);
}

static size_t str_size(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

static char *put_str(char **p, const char *s)
{
    if (!s)
        return NULL;
    char *d = *p;
    size_t n = strlen(s) + 1;
    memcpy(d, s, n);
    *p += n;
    return d;
}

/* A call with copies of what it keeps: the op and its resource's strings
 * (an async caller's op may live on its stack). The request is filled in
 * by the caller. */
kcall *k8s_call_new(k8s_client *c, k8s_arena *arena, const k8s_op *op, const k8s_call_options *co)
{
    static const k8s_resource none;
    const k8s_resource *r = op->resource ? op->resource : &none;
    kcall *k = take_spare_call(c);
    if (!k)
        k = calloc(1, sizeof *k);
    size_t n = str_size(r->group) + str_size(r->version) + str_size(r->resource) + str_size(r->kind) +
               str_size(op->subresource) + str_size(op->result_kind);
    char *strings = n ? malloc(n) : NULL;
    if (!k || (n && !strings)) {
        if (k)
            destroy_call(k);
        free(strings);
        return NULL;
    }
    k->strings = strings;
    k->resource = *r;
    k->resource.group = put_str(&strings, r->group);
    k->resource.version = put_str(&strings, r->version);
    k->resource.resource = put_str(&strings, r->resource);
    k->resource.kind = put_str(&strings, r->kind);
    k->op = *op;
    k->op.resource = op->resource ? &k->resource : NULL;
    k->op.subresource = put_str(&strings, op->subresource);
    k->op.result_kind = put_str(&strings, op->result_kind);
    k->timeout_ms = co && co->timeout_ms > 0 ? co->timeout_ms : c->timeout_ms;
    k->client = c;
    k->arena = arena;
    k->id = atomic_fetch_add(&c->next_id, 1) + 1;
    if (co && co->id)
        *co->id = k->id;
    return k;
}

/* Validates, builds the request and copies what the call keeps. */
static k8s_code prepare(k8s_client *c, k8s_arena *arena, const k8s_op *op, const k8s_args *args,
                        kcall **out, k8s_error *err)
{
    *out = NULL;
    if (!c || !arena || !op || !op->resource || !args) {
        return k8s_fail(err, K8S_EINVAL, "missing client, arena, operation or arguments");
    }
    const k8s_call_options *co = args->options;
    const k8s_list_options *lo = op->verb == K8S_VERB_LIST ? args->options : NULL;
    kcall *k = k8s_call_new(c, arena, op, co);
    if (!k) {
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    }
    const char *ns = args->namespace_ ? args->namespace_ : k8s_client_namespace(c);
    k8s_code rc = k8s_build_request(&k->req, c->base_url, &k->op, args, ns, NULL, err);
    if (rc) {
        k8s_call_free(k);
        return rc;
    }
    k->all_pages = lo && lo->all_pages;
    *out = k;
    return K8S_OK;
}

/* Starts a prepared call: on this thread, which drives the loop (here), or
 * handed to the loop's. On failure the call is freed and `done` will
 * never run. */
static k8s_code submit(k8s_client *c, kcall *k, k8s_done_fn done, void *data, bool here)
{
    k->done = done;
    k->data = data;
    pthread_mutex_lock(&c->mu);
    bool closing = c->closing;
    if (!closing)
        c->pending++;
    pthread_mutex_unlock(&c->mu);
    k8s_code rc = closing ? K8S_ECLOSED : here ? K8S_OK : k8s_loop_call(c->loop, start_call, k);
    if (rc) {
        k8s_call_free(k);
        if (!closing)
            k8s_client_pending_add(c, -1);
    } else if (here) {
        start_call(k);
    }
    return rc;
}

k8s_code k8s_call_submit(k8s_client *c, kcall *k, k8s_done_fn done, void *data)
{
    return submit(c, k, done, data, false);
}

/* Submits k and waits for it on this (not the loop's) thread. When the
 * loop is idle this thread drives it (no hand-off to the loop's thread and
 * back) until the call ends or anything else wants the loop (another call,
 * a cancel, a worker's result): then the loop's thread takes over, the
 * call included, and this one waits as when the loop was busy from the
 * start. */
static k8s_code run_waiting(k8s_client *c, kcall *k, void **result, k8s_error *err)
{
    k8s_waiter w;
    k8s_waiter_init(&w, false, NULL, NULL);
    bool here = k8s_loop_borrow(c->loop);
    k8s_code rc = submit(c, k, k8s_waiter_done, &w, here);
    if (here) {
        /* w.finished is set by the loop's driver: this thread, until it gives the loop back */
        while (rc == K8S_OK && !w.finished && !k8s_loop_wanted(c->loop))
            k8s_loop_run_once(c->loop, -1);
        k8s_loop_give_back(c->loop);
    }
    return k8s_waiter_wait(&w, rc, result, err);
}

k8s_code k8s_call_async(k8s_client *c, k8s_arena *arena, const k8s_op *op, const k8s_args *args,
                        k8s_done_fn done, void *data)
{
    kcall *k;
    k8s_code rc = prepare(c, arena, op, args, &k, NULL);
    return rc ? rc : k8s_call_submit(c, k, done, data);
}

k8s_code k8s_stream_async(k8s_client *c, const k8s_op *op, const k8s_args *args,
                          k8s_chunk_fn on_chunk, k8s_done_fn done, void *data)
{
    if (!on_chunk || !done || (op && op->verb != K8S_VERB_GET && op->verb != K8S_VERB_WATCH))
        return K8S_EINVAL;
    k8s_arena *arena = c ? k8s_arena_new() : NULL; /* the error reply's Status */
    if (c && !arena)
        return K8S_ENOMEM;
    kcall *k;
    k8s_code rc = prepare(c, arena, op, args, &k, NULL);
    if (rc) {
        k8s_arena_free(arena);
        return rc;
    }
    const k8s_call_options *co = args->options;
    k->timeout_ms = co ? co->timeout_ms : 0;
    k->own_arena = true;
    k->on_chunk = on_chunk;
    return k8s_call_submit(c, k, done, data);
}

k8s_code k8s_call(k8s_client *c, k8s_arena *arena, const k8s_op *op, const k8s_args *args,
                  void **result, k8s_error *err)
{
    if (result)
        *result = NULL;
    if (err)
        memset(err, 0, sizeof *err);
    if (!k8s_waiting_allowed(c, "the _async form", err))
        return K8S_EINVAL;
    kcall *k;
    k8s_code rc = prepare(c, arena, op, args, &k, err);
    return rc ? rc : run_waiting(c, k, result, err);
}

/* A request by path: reply as text. */
static k8s_code prepare_raw(k8s_client *c, k8s_arena *arena, const char *method, const char *path,
                            const char *body, const char *content_type, kcall **out, k8s_error *err)
{
    static const k8s_op raw_op = {NULL, NULL, K8S_VERB_GET, NULL, NULL, NULL};
    *out = NULL;
    if (!c || !arena || !method || !path || path[0] != '/') {
        return k8s_fail(err, K8S_EINVAL, "a request needs a method and a path starting with '/'");
    }
    kcall *k = k8s_call_new(c, arena, &raw_op, NULL);
    k8s_buf url = K8S_BUF_INIT;
    if (!k || k8s_buf_append_str(&url, c->base_url) || k8s_buf_append_str(&url, path) ||
        (body && !(k->req.body = strdup(body)))) {
        k8s_buf_free(&url);
        if (k)
            k8s_call_free(k);
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    }
    static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    k->req.method = NULL;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(method, methods[i]) == 0)
            k->req.method = methods[i];
    if (!k->req.method) {
        k8s_buf_free(&url);
        k8s_call_free(k);
        return k8s_fail(err, K8S_EINVAL, "unknown HTTP method \"%.20s\"", method);
    }
    k->req.url = url.data;
    k->req.body_len = body ? strlen(body) : 0;
    k->req.content_type = body ? (content_type ? content_type : "application/json") : NULL;
    k->req.accept = "application/json, */*";
    k->req.idempotent = strcmp(method, "POST") != 0 && strcmp(method, "PATCH") != 0;
    *out = k;
    return K8S_OK;
}

k8s_code k8s_request(k8s_client *c, k8s_arena *arena, const char *method, const char *path,
                     const char *body, const char *content_type, char **reply, k8s_error *err)
{
    if (reply)
        *reply = NULL;
    if (err)
        memset(err, 0, sizeof *err);
    if (!k8s_waiting_allowed(c, "the _async form", err))
        return K8S_EINVAL;
    kcall *k;
    k8s_code rc = prepare_raw(c, arena, method, path, body, content_type, &k, err);
    return rc ? rc : run_waiting(c, k, (void **)reply, err);
}

k8s_code k8s_request_async(k8s_client *c, k8s_arena *arena, const char *method, const char *path,
                           const char *body, const char *content_type, k8s_done_fn done, void *data)
{
    kcall *k;
    k8s_code rc = prepare_raw(c, arena, method, path, body, content_type, &k, NULL);
    return rc ? rc : k8s_call_submit(c, k, done, data);
}
/* ---- cancelling ---- */

typedef struct cancel_req {
    k8s_client *client;
    k8s_call_id id;
} cancel_req;

/* Ends a call in whatever state it is: canceled, or out of time. */
void k8s_call_abort(kcall *k, k8s_code code, const char *message)
{
    switch (k->st) {
    case ST_SENDING:
        k8s_conns_remove(k);
        break;
    case ST_WAIT_RATE:
        k8s_rate_remove(k);
        break;
    case ST_BACKOFF:
        k8s_timer_stop(k->timer);
        break;
    case ST_WAIT_CREDS: /* the worker finds it ended (finish leaves it to the worker) */
    case ST_CONNECTING:
        k->canceled = true;
        break;
    default:
        break;
    }
    k8s_call_fail(k, code, message);
}

static void cancel_on_loop(void *data)
{
    cancel_req *r = data;
    for (kcall *k = r->client->active; k; k = k->next)
        if (k->id == r->id) {
            k8s_call_abort(k, K8S_ECANCELED, "canceled");
            break;
        }
    free(r);
}

k8s_code k8s_cancel(k8s_client *c, k8s_call_id id)
{
    cancel_req *r = malloc(sizeof *r);
    if (!r)
        return K8S_ENOMEM;
    r->client = c;
    r->id = id;
    k8s_code rc = k8s_loop_call(c->loop, cancel_on_loop, r);
    if (rc)
        free(r);
    return rc;
}
