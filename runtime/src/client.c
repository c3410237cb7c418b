/* The HTTP engine: libcurl's multi interface driven by the loop (its
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
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client_internal.h"
#include "config_internal.h"
#include "internal.h"
#include "loop_internal.h"

#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_RETRIES 3
#define DEFAULT_MAX_CONNECTIONS 64
#define MAX_RETRY_AFTER_S 300

typedef enum state {
    ST_NEW,
    ST_WAIT_RATE,  /* in the rate limiter's queue */
    ST_WAIT_CREDS, /* a worker is fetching credentials */
    ST_SENDING,    /* in curl */
    ST_CONNECTING, /* a worker connects for k8s_client_connect */
    ST_BACKOFF     /* waiting to retry */
} state;


/* A connection of the client's multi handle, known by its local port. */
typedef struct conn_use {
    int port;    /* 0 until a transfer has used it */
    int fd;
    int streams; /* transfers on it now */
} conn_use;

typedef struct kcall {
    k8s_client *client;
    k8s_call_id id;
    struct kcall *prev, *next; /* the client's active calls */
    struct kcall *next_rate;   /* the rate limiter's queue */
    state st;
    bool linked;
    atomic_bool canceled; /* set on the loop thread, read by connect_work on a worker */

    k8s_op op;           /* copies: an async caller's op may live on its stack */
    k8s_resource resource;
    char *strings;       /* the resource's strings */
    http_request req;
    char *continue_token; /* the next page's */
    int timeout_ms;
    int attempt;
    bool force_creds, auth_retried;
    k8s_credential cred;
    k8s_error cred_err;
    k8s_code cred_rc;

    CURL *easy;
    struct curl_slist *headers;
    char curl_error[CURL_ERROR_SIZE];
    k8s_buf body;
    long retry_after; /* seconds, -1 when the reply had none */
    k8s_timer *timer; /* retry backoff */

    k8s_chunk_fn on_chunk; /* a stream: the 2xx body goes here, not into body */
    k8s_timer *limit;      /* timeout_ms from since_ms: the call's start (each page's), or
                              for a stream its last byte */
    uint64_t since_ms;
    bool attached;         /* in curl with a connection (CURLOPT_PREREQFUNCTION said so) */
    int conn_port;         /* that connection's local port */
    bool orphaned;         /* ended while a worker held it: freed when the worker is done */
    bool streaming;        /* on_chunk has had bytes: no retries from here on */
    k8s_code chunk_rc;     /* what on_chunk stopped the call with */
    k8s_connect_fn on_connect; /* a connection for a protocol of its own (WebSocket) */
    CURLcode connect_rc;
    bool all_pages;
    void *first_page;  /* the list that collects every page's items */
    k8s_buf items;     /* item structs of the pages so far */
    size_t nitems;
    k8s_json_pages json_pages; /* a dynamic list's pages */

    k8s_arena *arena;
    bool own_arena; /* a stream's, for its error: freed with the call */
    k8s_done_fn done;
    void *data;
    k8s_error err;
} kcall;

struct k8s_client {
    const k8s_config *config;
    k8s_loop *loop;
    bool own_loop;
    CURLM *multi;
    k8s_timer *curl_timer;
    k8s_credentials *creds;
    char *base_url;
    struct curl_slist *connect_to; /* tls-server-name: connect to the server, verify the name */
    char *user_agent;
    int timeout_ms, max_retries;
    bool http1;
    k8s_warning_fn on_warning;
    void *warning_ctx;

    double qps, burst, tokens;
    uint64_t refilled_ms;
    kcall *rate_head, *rate_tail;
    k8s_timer *rate_timer;

    kcall *active;
    k8s_client_stream *streams; /* k8s_client_stream_begin's */
    CURL **idle; /* easy handles for reuse */
    size_t nidle, capidle;
    uint64_t rng;

    /* HTTP/2 connections (grow_connections): libcurl puts as many streams
     * on a connection as the server allows and opens another only below
     * conn_cap, which grows when they run out. */
    int max_connections, conn_cap;
    conn_use *conns; /* the connections open */
    size_t nconns, capconns;
    size_t established;     /* of those, ones a transfer has used (their port is known) */
    bool conns_closed;      /* since the last balance_connections */
    int unattached;         /* transfers in curl without a connection yet */
    uint64_t attaches, attaches_seen; /* transfers given a connection, ever / at grow_timer's start */
    k8s_timer *grow_timer;

    atomic_uint_fast64_t next_id, n_requests, n_retries, n_connections, n_open, peer_streams;

    pthread_mutex_t mu; /* closing, pending, and the shutdown handshake */
    pthread_cond_t cond;
    bool closing;
    int pending; /* calls alive (started or queued to start) and worker jobs */
    bool cleaned;
};

/* ---- bookkeeping ---- */

static void pending_add(k8s_client *c, int n)
{
    pthread_mutex_lock(&c->mu);
    c->pending += n;
    if (c->pending == 0)
        pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->mu);
}

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

static void unlink_call(kcall *k)
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

static void release_easy(k8s_client *c, CURL *e)
{
    if (!e)
        return;
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
    curl_easy_reset(e);
    c->idle[c->nidle++] = e;
}

static void free_call(kcall *k)
{
    k8s_request_clear(&k->req);
    free(k->strings);
    free(k->continue_token);
    k8s_credential_clear(&k->cred);
    curl_slist_free_all(k->headers);
    k8s_buf_free(&k->body);
    k8s_buf_free(&k->items);
    k8s_json_pages_clear(&k->json_pages);
    k8s_timer_free(k->timer);
    k8s_timer_free(k->limit);
    if (k->own_arena)
        k8s_arena_free(k->arena);
    free(k);
}

/* The one way out of a call: its callback, exactly once. A call that a
 * worker holds (fetching credentials, connecting) ends all the same; the
 * worker's done frees it. */
static void finish(kcall *k, k8s_code code, void *result)
{
    k8s_client *c = k->client;
    bool held = k->st == ST_WAIT_CREDS || k->st == ST_CONNECTING;
    unlink_call(k);
    k8s_timer_stop(k->limit);
    if (k->st != ST_CONNECTING && k->easy) { /* a connecting worker's own */
        release_easy(c, k->easy);
        k->easy = NULL;
    }
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
        free_call(k);
    pending_add(c, -1);
}

static void fail_call(kcall *k, k8s_code code, const char *message)
{
    k8s_error_set(&k->err, code, NULL, NULL, NULL, "%s", message);
    finish(k, code, NULL);
}

/* ---- credentials and headers ---- */

static void send_call(kcall *k);
static void step(kcall *k);

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
    pending_add(c, -1); /* the worker job */
    if (k->orphaned) {
        free_call(k);
        return;
    }
    k->st = ST_NEW;
    k->force_creds = false;
    if (c->closing) {
        fail_call(k, K8S_ECANCELED, "canceled");
    } else if (k->cred_rc) {
        k->err = k->cred_err;
        finish(k, k->cred_rc, NULL);
    } else {
        send_call(k);
    }
}

static void need_credentials(kcall *k, bool force)
{
    k8s_client *c = k->client;
    k8s_credential_clear(&k->cred);
    if (!force && k8s_credentials_peek(c->creds, &k->cred)) {
        send_call(k);
        return;
    }
    k->st = ST_WAIT_CREDS;
    k->force_creds = force;
    pending_add(c, 1);
    if (k8s_loop_offload(c->loop, creds_work, creds_done, k) != K8S_OK) {
        pending_add(c, -1);
        fail_call(k, K8S_ENOMEM, "cannot hand the credential refresh to a worker");
    }
}

/* ---- rate limiting (a token bucket) ---- */

static void refill(k8s_client *c)
{
    uint64_t now = k8s_now_ms();
    c->tokens += (double)(now - c->refilled_ms) * c->qps / 1000.0;
    if (c->tokens > c->burst)
        c->tokens = c->burst;
    c->refilled_ms = now;
}

static void rate_release(void *data)
{
    k8s_client *c = data;
    refill(c);
    while (c->rate_head && c->tokens >= 1.0) {
        kcall *k = c->rate_head;
        c->rate_head = k->next_rate;
        if (!c->rate_head)
            c->rate_tail = NULL;
        c->tokens -= 1.0;
        need_credentials(k, false);
    }
    if (c->rate_head)
        k8s_timer_start(c->rate_timer, (uint64_t)((1.0 - c->tokens) * 1000.0 / c->qps) + 1);
}

static void rate_remove(kcall *k)
{
    k8s_client *c = k->client;
    for (kcall **p = &c->rate_head, *prev = NULL; *p; prev = *p, p = &(*p)->next_rate)
        if (*p == k) {
            *p = k->next_rate;
            if (c->rate_tail == k)
                c->rate_tail = prev;
            return;
        }
}

static void step(kcall *k)
{
    k8s_client *c = k->client;
    if (c->qps > 0) {
        refill(c);
        if (!c->rate_timer && !(c->rate_timer = k8s_timer_new(c->loop, rate_release, c))) {
            fail_call(k, K8S_ENOMEM, "out of memory");
            return;
        }
        if (c->rate_head || c->tokens < 1.0) {
            k->st = ST_WAIT_RATE;
            k->next_rate = NULL;
            if (c->rate_tail)
                c->rate_tail->next_rate = k;
            else
                c->rate_head = k;
            c->rate_tail = k;
            if (!k8s_timer_active(c->rate_timer))
                rate_release(c);
            return;
        }
        c->tokens -= 1.0;
    }
    need_credentials(k, false);
}

/* ---- connections ----
 *
 * libcurl 7.88 tells nothing of the server's SETTINGS_MAX_CONCURRENT_STREAMS
 * (only debug builds log it), but it obeys it: a transfer goes on an HTTP/2
 * connection only while fewer streams than that run there (lib/url.c,
 * ConnectionExists: "MAX_CONCURRENT_STREAMS reached, skip"), else on a new
 * connection, and once CURLMOPT_MAX_HOST_CONNECTIONS connections are open
 * it waits in the multi handle's pending queue, which only the end or the
 * removal of another transfer moves on (process_pending_handles) and no
 * timeout reaches. So the client watches from outside: sockets as they open
 * and close (CURLOPT_OPEN/CLOSESOCKETFUNCTION) and which connection each
 * transfer got (CURLOPT_PREREQFUNCTION, by its local port). When transfers
 * make no progress towards a connection while every open one is up (none is
 * still connecting, as PIPEWAIT waits for) and the cap is reached, every
 * connection is full, and the streams of the fullest are the server's
 * limit. Then, and only then, the cap grows by the connections the waiting
 * transfers need, and one of them is put back into the multi handle, which
 * makes libcurl move its queue on. Growing so, never ahead of need, keeps
 * away what the old fixed cap of 8 was for: after a GOAWAY libcurl 7.88
 * would reconnect every waiting call on a connection of its own. */

#define GROW_SETTLE_MS 20 /* no progress for this long: the streams ran out */

static conn_use *conn_by_port(k8s_client *c, int port)
{
    for (size_t i = 0; i < c->nconns; i++)
        if (c->conns[i].port == port)
            return &c->conns[i];
    return NULL;
}

/* Each socket curl opens is a connection (or an attempt at one), counted as
 * it opens: a watch's transfer may never finish. SOCK_CLOEXEC keeps them
 * from exec credential plugins. On a worker for k8s_client_connect. */
static curl_socket_t open_socket(void *data, curlsocktype purpose, struct curl_sockaddr *a)
{
    (void)purpose;
    kcall *k = data;
    k8s_client *c = k->client;
    curl_socket_t s = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
    if (s == CURL_SOCKET_BAD)
        return s;
    atomic_fetch_add(&c->n_connections, 1);
    if (k->on_connect) /* not the multi handle's: it leaves the client */
        return s;
    if (c->nconns == c->capconns) {
        size_t cap = c->capconns ? c->capconns * 2 : 8;
        conn_use *n = realloc(c->conns, cap * sizeof *n);
        if (!n) {
            close(s);
            return CURL_SOCKET_BAD;
        }
        c->conns = n;
        c->capconns = cap;
    }
    c->conns[c->nconns++] = (conn_use){.fd = s};
    atomic_store(&c->n_open, c->nconns);
    return s;
}

static int close_socket(void *data, curl_socket_t s)
{
    k8s_client *c = data;
    for (size_t i = 0; i < c->nconns; i++)
        if (c->conns[i].fd == s) {
            c->established -= c->conns[i].port != 0;
            c->conns[i] = c->conns[--c->nconns];
            c->conns_closed = true;
            break;
        }
    atomic_store(&c->n_open, c->nconns);
    return close(s);
}

static void detach(kcall *k)
{
    k8s_client *c = k->client;
    if (!k->attached) {
        c->unattached--;
        return;
    }
    conn_use *u = conn_by_port(c, k->conn_port);
    if (u)
        u->streams--;
    k->attached = false;
}

/* The transfer has a connection and is about to send on it. */
static int on_prereq(void *data, char *ip, char *local_ip, int port, int local_port)
{
    (void)ip;
    (void)local_ip;
    (void)port;
    kcall *k = data;
    k8s_client *c = k->client;
    detach(k); /* curl may try again on another connection */
    k->attached = true;
    k->conn_port = local_port;
    c->attaches++;
    conn_use *u = conn_by_port(c, local_port);
    for (size_t i = 0; !u && i < c->nconns; i++) { /* a connection's first transfer */
        struct sockaddr_storage sa;
        socklen_t n = sizeof sa;
        if (c->conns[i].port || getsockname(c->conns[i].fd, (struct sockaddr *)&sa, &n) != 0)
            continue;
        int p = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
                                               : ((struct sockaddr_in *)&sa)->sin_port);
        if (p) {
            c->conns[i].port = p;
            c->established++;
        }
        if (p == local_port)
            u = &c->conns[i];
    }
    if (u)
        u->streams++;
    return CURL_PREREQFUNC_OK;
}

static bool curl_add(kcall *k)
{
    k8s_client *c = k->client;
    if (curl_multi_add_handle(c->multi, k->easy) != CURLM_OK)
        return false;
    k->attached = false;
    c->unattached++;
    return true;
}

static void curl_remove(kcall *k)
{
    curl_multi_remove_handle(k->client->multi, k->easy);
    detach(k);
}

static void set_cap(k8s_client *c, int cap)
{
    c->conn_cap = cap;
    curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)cap);
}

/* Transfers wait for a connection though every open one is up and no more
 * may open. */
static bool streams_out(const k8s_client *c)
{
    return !c->http1 && c->unattached > 0 && c->nconns > 0 && c->established == c->nconns &&
           (int)c->nconns >= c->conn_cap && c->conn_cap < c->max_connections;
}

static void grow_connections(void *data)
{
    k8s_client *c = data;
    if (!streams_out(c))
        return;
    if (c->attaches != c->attaches_seen) { /* libcurl is still moving its queue on */
        c->attaches_seen = c->attaches;
        k8s_timer_start(c->grow_timer, GROW_SETTLE_MS);
        return;
    }
    int full = 1;
    for (size_t i = 0; i < c->nconns; i++)
        if (c->conns[i].streams > full)
            full = c->conns[i].streams;
    if ((uint64_t)full > atomic_load(&c->peer_streams))
        atomic_store(&c->peer_streams, (uint64_t)full);
    int want = (int)c->nconns + (c->unattached + full - 1) / full;
    set_cap(c, want < c->max_connections ? want : c->max_connections);
    for (kcall *k = c->active; k; k = k->next)
        if (k->st == ST_SENDING && !k->attached) {
            curl_remove(k); /* which moves curl's queue on */
            if (!curl_add(k))
                fail_call(k, K8S_ETRANSPORT, "curl refused the request");
            break;
        }
}

/* After each pass of curl's: connections that closed no longer count, and
 * streams that ran out start the wait before growing. */
static void balance_connections(k8s_client *c)
{
    if (c->conns_closed) {
        c->conns_closed = false;
        int open = c->nconns > 1 ? (int)c->nconns : 1;
        if (!c->http1 && open < c->conn_cap)
            set_cap(c, open);
    }
    if (!streams_out(c) || (c->grow_timer && k8s_timer_active(c->grow_timer)))
        return;
    if (!c->grow_timer && !(c->grow_timer = k8s_timer_new(c->loop, grow_connections, c)))
        return; /* out of memory: the calls' own timers still end them */
    c->attaches_seen = c->attaches;
    k8s_timer_start(c->grow_timer, GROW_SETTLE_MS);
}

/* ---- curl ---- */

static size_t on_body(char *ptr, size_t size, size_t n, void *data)
{
    kcall *k = data;
    size_t len = size * n;
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
    size_t n = strlen(name) + strlen(value) + 3;
    char *h = malloc(n);
    if (!h) {
        *ok = false;
        return list;
    }
    snprintf(h, n, "%s: %s", name, value);
    struct curl_slist *l = curl_slist_append(list, h);
    free(h);
    if (!l)
        *ok = false;
    return l ? l : list;
}

static bool set_blob(CURL *e, CURLoption opt, const k8s_blob *b)
{
    if (!b->data)
        return true;
    struct curl_blob blob = {b->data, b->len, CURL_BLOB_COPY};
    return curl_easy_setopt(e, opt, &blob) == CURLE_OK;
}

static bool configure(kcall *k)
{
    k8s_client *c = k->client;
    const k8s_config *cfg = c->config;
    CURL *e = k->easy;
    bool ok = true;
    curl_slist_free_all(k->headers);
    k->headers = NULL;
    k->headers = add_header(k->headers, "Accept", k->req.accept, &ok);
    k->headers = add_header(k->headers, "Content-Type", k->req.content_type, &ok);
    k->headers = add_header(k->headers, "Authorization", k->cred.authorization, &ok);
    k->headers = add_header(k->headers, "Expect", "", &ok); /* no 100-continue round trip */
    if (!ok)
        return false;

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
    SET(CURLOPT_USERAGENT, c->user_agent);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, k);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, k);
    SET(CURLOPT_ERRORBUFFER, k->curl_error);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_OPENSOCKETFUNCTION, open_socket);
    SET(CURLOPT_OPENSOCKETDATA, k);
    /* the call's own timer limits it (on_limit), except on a worker, which
     * blocks in curl_easy_perform until curl gives up */
    if (k->on_connect) {
        SET(CURLOPT_TIMEOUT_MS, (long)k->timeout_ms);
    } else {
        SET(CURLOPT_CLOSESOCKETFUNCTION, close_socket);
        SET(CURLOPT_CLOSESOCKETDATA, c);
        SET(CURLOPT_PREREQFUNCTION, on_prereq);
        SET(CURLOPT_PREREQDATA, k);
    }
    SET(CURLOPT_CONNECTTIMEOUT_MS,
        (long)(k->on_chunk || k->timeout_ms <= 0 || k->timeout_ms > 10000 ? 10000 : k->timeout_ms));
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_HTTP_VERSION, c->http1 ? (long)CURL_HTTP_VERSION_1_1 : (long)CURL_HTTP_VERSION_2TLS);
    SET(CURLOPT_PIPEWAIT, 1L); /* wait for a multiplexed stream rather than open a connection */
    SET(CURLOPT_SSL_VERIFYPEER, cfg->insecure ? 0L : 1L);
    SET(CURLOPT_SSL_VERIFYHOST, cfg->insecure ? 0L : 2L);
    if (c->connect_to)
        SET(CURLOPT_CONNECT_TO, c->connect_to);
    if (cfg->proxy_url)
        SET(CURLOPT_PROXY, cfg->proxy_url);
    if (k->on_connect) {
        SET(CURLOPT_CONNECT_ONLY, 1L); /* TCP and TLS only: the caller speaks next */
        SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1); /* an Upgrade needs HTTP/1.1 */
    } else if (strcmp(k->req.method, "GET") == 0) {
        SET(CURLOPT_HTTPGET, 1L);
    } else {
        SET(CURLOPT_CUSTOMREQUEST, k->req.method);
        if (k->req.body) {
            SET(CURLOPT_POSTFIELDS, k->req.body);
            SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)k->req.body_len);
        }
    }
#undef SET
    /* the blob options copy what they are given */
    bool tls = rc == CURLE_OK && set_blob(e, CURLOPT_CAINFO_BLOB, &cfg->ca);
    const k8s_blob *cert = k->cred.cert.data ? &k->cred.cert : &cfg->client_cert;
    const k8s_blob *key = k->cred.cert.data ? &k->cred.key : &cfg->client_key;
    tls = tls && set_blob(e, CURLOPT_SSLCERT_BLOB, cert) && set_blob(e, CURLOPT_SSLKEY_BLOB, key);
    if (tls && cert->data)
        tls = curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM") == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM") == CURLE_OK;
    k8s_buf_free(&url); /* CURLOPT_URL copied it */
    return tls;
}

static const char *call_path(const kcall *k);
static void abort_call(kcall *k, k8s_code code, const char *message);

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
    abort_call(k, K8S_ETIMEDOUT, msg);
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
        k->easy = c->nidle ? c->idle[--c->nidle] : curl_easy_init();
        if (!k->easy) {
            fail_call(k, K8S_ENOMEM, "cannot create a curl handle");
            return;
        }
    }
    k8s_buf_clear(&k->body);
    k->retry_after = -1;
    k->curl_error[0] = '\0';
    if (!configure(k)) {
        fail_call(k, K8S_ENOMEM, "cannot configure the request");
        return;
    }
    if (!curl_add(k)) {
        fail_call(k, K8S_ETRANSPORT, "curl refused the request");
        return;
    }
    k->st = ST_SENDING;
    atomic_fetch_add(&c->n_requests, 1);
    if (k->on_chunk)
        k->since_ms = k8s_now_ms(); /* a stream's silence counts from its request */
}

static void offload_connect(kcall *k);

/* One attempt: a connection of its own is made on a worker (which also
 * fetches credentials); requests go through the rate limiter first. */
static void attempt(kcall *k)
{
    if (k->on_connect)
        offload_connect(k);
    else
        step(k);
}

static void retry_now(void *data)
{
    kcall *k = data;
    atomic_fetch_add(&k->client->n_retries, 1);
    attempt(k);
}

static uint64_t jitter(k8s_client *c, uint64_t ms)
{
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    return ms * 3 / 4 + c->rng % (ms / 2 + 1); /* 75% .. 125% */
}

static bool retry_later(kcall *k)
{
    k8s_client *c = k->client;
    if (!k->req.idempotent || k->streaming || k->attempt >= c->max_retries)
        return false;
    if (!k->timer && !(k->timer = k8s_timer_new(c->loop, retry_now, k)))
        return false;
    k->attempt++;
    uint64_t ms = k->retry_after >= 0 ? (uint64_t)k->retry_after * 1000u
                                      : jitter(c, 200u << (k->attempt < 6 ? k->attempt - 1 : 5));
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

static void transport_failed(kcall *k, CURLcode rc)
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
    finish(k, code, NULL);
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

static void call_done(kcall *k, CURLcode rc)
{
    k8s_client *c = k->client;
    long status = 0;
    curl_easy_getinfo(k->easy, CURLINFO_RESPONSE_CODE, &status);
    if (k->streaming) {
        if (rc == CURLE_OK)
            finish(k, K8S_OK, NULL);
        else if (rc == CURLE_WRITE_ERROR && k->chunk_rc)
            finish(k, k->chunk_rc, NULL);
        else
            transport_failed(k, rc); /* no retry: the caller has seen bytes */
        return;
    }
    if (rc != CURLE_OK) {
        transport_failed(k, rc);
        return;
    }
    if (status == 401 && !k->auth_retried &&
        (c->config->token_file || c->config->exec)) { /* the credential may have rotated */
        k->auth_retried = true;
        need_credentials(k, true);
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
        code = k8s_read_reply(&k->op, status, body, k->body.len, k->arena, &result, &k->err);
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
            step(k);
            return;
        }
        code = K8S_ENOMEM;
    }
    finish(k, code, result);
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
        curl_remove(k);
        call_done(k, rc);
    }
}

static void on_io(void *data, int fd, int events)
{
    k8s_client *c = data;
    int flags = (events & K8S_IO_READ ? CURL_CSELECT_IN : 0) | (events & K8S_IO_WRITE ? CURL_CSELECT_OUT : 0) |
                (events & K8S_IO_ERROR ? CURL_CSELECT_ERR : 0);
    int running;
    curl_multi_socket_action(c->multi, fd, flags, &running);
    check_done(c);
    balance_connections(c);
}

static int on_socket(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
    (void)e;
    k8s_client *c = userp;
    k8s_io *io = socketp;
    if (what == CURL_POLL_REMOVE) {
        k8s_io_close(io);
        curl_multi_assign(c->multi, s, NULL);
        return 0;
    }
    int events = (what & CURL_POLL_IN ? K8S_IO_READ : 0) | (what & CURL_POLL_OUT ? K8S_IO_WRITE : 0);
    if (io) {
        k8s_io_update(io, events);
        return 0;
    }
    if (!(io = k8s_io_watch(c->loop, s, events, on_io, c)))
        return -1;
    curl_multi_assign(c->multi, s, io);
    return 0;
}

static void on_curl_timer(void *data)
{
    k8s_client *c = data;
    int running;
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(c);
    balance_connections(c);
}

static int on_timer_change(CURLM *m, long timeout_ms, void *userp)
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
        fail_call(k, K8S_ECANCELED, "the client is closing");
        return;
    }
    link_call(k);
    if (!start_limit(k)) {
        fail_call(k, K8S_ENOMEM, "out of memory");
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
static kcall *new_call(k8s_client *c, k8s_arena *arena, const k8s_op *op, const k8s_call_options *co)
{
    static const k8s_resource none;
    const k8s_resource *r = op->resource ? op->resource : &none;
    kcall *k = calloc(1, sizeof *k);
    size_t n = str_size(r->group) + str_size(r->version) + str_size(r->resource) + str_size(r->kind) +
               str_size(op->subresource) + str_size(op->result_kind);
    char *strings = n ? malloc(n) : NULL;
    if (!k || (n && !strings)) {
        free(k);
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
        k8s_error_set(err, K8S_EINVAL, NULL, NULL, NULL, "missing client, arena, operation or arguments");
        return K8S_EINVAL;
    }
    const k8s_call_options *co = args->options;
    const k8s_list_options *lo = op->verb == K8S_VERB_LIST ? args->options : NULL;
    kcall *k = new_call(c, arena, op, co);
    if (!k) {
        k8s_error_set(err, K8S_ENOMEM, NULL, NULL, NULL, "out of memory");
        return K8S_ENOMEM;
    }
    const char *ns = args->namespace_ ? args->namespace_ : k8s_client_namespace(c);
    k8s_code rc = k8s_build_request(&k->req, c->base_url, &k->op, args, ns, NULL, err);
    if (rc) {
        free_call(k);
        return rc;
    }
    k->all_pages = lo && lo->all_pages;
    *out = k;
    return K8S_OK;
}

/* Hands a prepared call to the loop; on failure the call is freed and
 * `done` will never run. */
static k8s_code submit(k8s_client *c, kcall *k, k8s_done_fn done, void *data)
{
    k->done = done;
    k->data = data;
    pthread_mutex_lock(&c->mu);
    bool closing = c->closing;
    if (!closing)
        c->pending++;
    pthread_mutex_unlock(&c->mu);
    k8s_code rc = closing ? K8S_ECLOSED : k8s_loop_call(c->loop, start_call, k);
    if (rc) {
        free_call(k);
        if (!closing)
            pending_add(c, -1);
    }
    return rc;
}

/* ---- waiting ---- */

bool k8s_waiting_allowed(k8s_client *c, const char *async, k8s_error *err)
{
    if (c && k8s_loop_on_thread(c->loop)) {
        k8s_error_set(err, K8S_EINVAL, NULL, NULL, NULL,
                      "waiting on the loop's own thread would never end; use %s", async);
        return false;
    }
    return true;
}

void k8s_waiter_init(k8s_waiter *w, bool stream, k8s_arena *status_arena, void *data)
{
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cond, NULL);
    w->stream = stream;
    w->status_arena = status_arena;
    w->data = data;
}

void k8s_waiter_done(void *data, k8s_code code, void *result, const k8s_error *err)
{
    k8s_waiter *w = data;
    pthread_mutex_lock(&w->mu);
    w->code = code;
    w->result = result;
    if (err)
        w->err = *err;
    if (w->stream && w->err.status) /* out of memory: no Status, the rest of the error stays */
        w->err.status = w->status_arena ? k8s_copy(&k8s_status_desc, w->err.status, w->status_arena) : NULL;
    w->finished = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->mu);
}

k8s_code k8s_waiter_wait(k8s_waiter *w, k8s_code submitted, void **result, k8s_error *err)
{
    k8s_code rc = submitted;
    if (rc) {
        k8s_error_set(err, rc, NULL, NULL, NULL, "%s", k8s_strerror(rc));
    } else {
        pthread_mutex_lock(&w->mu);
        while (!w->finished)
            pthread_cond_wait(&w->cond, &w->mu);
        pthread_mutex_unlock(&w->mu);
        rc = w->code;
        if (result)
            *result = w->result;
        if (err)
            *err = w->err;
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cond);
    return rc;
}

/* Submits k and waits for it on this (not the loop's) thread. */
static k8s_code run_waiting(k8s_client *c, kcall *k, void **result, k8s_error *err)
{
    k8s_waiter w;
    k8s_waiter_init(&w, false, NULL, NULL);
    return k8s_waiter_wait(&w, submit(c, k, k8s_waiter_done, &w), result, err);
}

k8s_code k8s_call_async(k8s_client *c, k8s_arena *arena, const k8s_op *op, const k8s_args *args,
                        k8s_done_fn done, void *data)
{
    kcall *k;
    k8s_code rc = prepare(c, arena, op, args, &k, NULL);
    return rc ? rc : submit(c, k, done, data);
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
    return submit(c, k, done, data);
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
        k8s_error_set(err, K8S_EINVAL, NULL, NULL, NULL, "a request needs a method and a path starting with '/'");
        return K8S_EINVAL;
    }
    kcall *k = new_call(c, arena, &raw_op, NULL);
    k8s_buf url = K8S_BUF_INIT;
    if (!k || k8s_buf_append_str(&url, c->base_url) || k8s_buf_append_str(&url, path) ||
        (body && !(k->req.body = strdup(body)))) {
        k8s_buf_free(&url);
        if (k)
            free_call(k);
        k8s_error_set(err, K8S_ENOMEM, NULL, NULL, NULL, "out of memory");
        return K8S_ENOMEM;
    }
    static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    k->req.method = NULL;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(method, methods[i]) == 0)
            k->req.method = methods[i];
    if (!k->req.method) {
        k8s_buf_free(&url);
        free_call(k);
        k8s_error_set(err, K8S_EINVAL, NULL, NULL, NULL, "unknown HTTP method \"%.20s\"", method);
        return K8S_EINVAL;
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
    return rc ? rc : submit(c, k, done, data);
}

/* On a worker: credentials (which may run a plugin), then a blocking
 * connect; a standalone easy handle owns the connection afterwards, so
 * curl_easy_send/recv work on it (inside a multi they would not). */
static void connect_work(void *data)
{
    kcall *k = data;
    k8s_client *c = k->client;
    k->cred_rc = k8s_credentials_get(c->creds, false, &k->cred, &k->cred_err);
    if (k->cred_rc || k->canceled)
        return;
    if (!(k->easy = curl_easy_init()) || !configure(k)) {
        k->connect_rc = CURLE_OUT_OF_MEMORY;
        return;
    }
    atomic_fetch_add(&c->n_requests, 1);
    k->connect_rc = curl_easy_perform(k->easy);
}

static void connect_done(void *data)
{
    kcall *k = data;
    k8s_client *c = k->client;
    pending_add(c, -1); /* the worker job */
    CURL *e = k->easy;
    k->easy = NULL;
    if (k->orphaned) {
        curl_easy_cleanup(e);
        free_call(k);
        return;
    }
    k->st = ST_NEW;
    if (c->closing) {
        curl_easy_cleanup(e);
        fail_call(k, K8S_ECANCELED, "canceled");
    } else if (k->cred_rc) {
        curl_easy_cleanup(e);
        k->err = k->cred_err;
        finish(k, k->cred_rc, NULL);
    } else if (!e || k->connect_rc != CURLE_OK) {
        curl_easy_cleanup(e); /* a retry connects with a new handle */
        transport_failed(k, e ? k->connect_rc : CURLE_OUT_OF_MEMORY);
    } else {
        /* the handle outlives the call: nothing of the call's may stay in it */
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
        curl_easy_setopt(e, CURLOPT_PRIVATE, NULL);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, NULL);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, NULL);
        k8s_connection conn = {e, k->req.url, k->cred.authorization, c->user_agent};
        unlink_call(k);
        k->on_connect(k->data, K8S_OK, &conn, &k->err);
        free_call(k);
        pending_add(c, -1);
    }
}

static void offload_connect(kcall *k)
{
    k8s_client *c = k->client;
    k->st = ST_CONNECTING;
    pending_add(c, 1);
    if (k8s_loop_offload(c->loop, connect_work, connect_done, k) != K8S_OK) {
        pending_add(c, -1);
        fail_call(k, K8S_ENOMEM, "cannot hand the connection to a worker");
    }
}

k8s_code k8s_client_connect(k8s_client *c, const char *path, k8s_connect_fn on_connect, void *data,
                            k8s_call_id *id)
{
    static const k8s_op connect_op = {NULL, NULL, K8S_VERB_GET, NULL, NULL, NULL};
    if (!c || !path || path[0] != '/' || !on_connect)
        return K8S_EINVAL;
    kcall *k = new_call(c, NULL, &connect_op, NULL);
    k8s_buf url = K8S_BUF_INIT;
    if (!k || k8s_buf_append_str(&url, c->base_url) || k8s_buf_append_str(&url, path)) {
        k8s_buf_free(&url);
        if (k)
            free_call(k);
        return K8S_ENOMEM;
    }
    k->req.url = url.data;
    k->req.method = "GET";
    k->req.idempotent = true; /* nothing is sent before the connection is handed over */
    k->on_connect = on_connect;
    if (id)
        *id = k->id;
    return submit(c, k, NULL, data);
}

k8s_code k8s_client_stream_begin(k8s_client *c, k8s_client_stream *s)
{
    pthread_mutex_lock(&c->mu);
    bool closing = c->closing;
    if (!closing)
        c->pending++;
    pthread_mutex_unlock(&c->mu);
    if (closing)
        return K8S_ECANCELED;
    s->prev = NULL;
    s->next = c->streams;
    if (c->streams)
        c->streams->prev = s;
    c->streams = s;
    s->linked = true;
    return K8S_OK;
}

static void stream_unlink(k8s_client *c, k8s_client_stream *s)
{
    if (!s->linked)
        return;
    if (s->prev)
        s->prev->next = s->next;
    else
        c->streams = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->linked = false;
}

void k8s_client_stream_end(k8s_client *c, k8s_client_stream *s)
{
    stream_unlink(c, s);
    pending_add(c, -1);
}

/* ---- cancelling ---- */

typedef struct cancel_req {
    k8s_client *client;
    k8s_call_id id;
} cancel_req;

/* Ends a call in whatever state it is: canceled, or out of time. */
static void abort_call(kcall *k, k8s_code code, const char *message)
{
    switch (k->st) {
    case ST_SENDING:
        curl_remove(k);
        break;
    case ST_WAIT_RATE:
        rate_remove(k);
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
    fail_call(k, code, message);
}

static void cancel_on_loop(void *data)
{
    cancel_req *r = data;
    for (kcall *k = r->client->active; k; k = k->next)
        if (k->id == r->id) {
            abort_call(k, K8S_ECANCELED, "canceled");
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

/* ---- the client ---- */

/* With tls-server-name, the URL names that host (so TLS checks it) and
 * CURLOPT_CONNECT_TO sends the connection to the real server. */
static k8s_code set_base_url(k8s_client *c, k8s_error *err)
{
    const k8s_config *cfg = c->config;
    if (!cfg->server || !*cfg->server) {
        k8s_error_set(err, K8S_ECONFIG, NULL, NULL, NULL, "%s: no server URL", cfg->origin ? cfg->origin : "config");
        return K8S_ECONFIG;
    }
    if (!cfg->tls_server_name) {
        c->base_url = strdup(cfg->server);
        return c->base_url ? K8S_OK : K8S_ENOMEM;
    }
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *url = NULL;
    k8s_code rc = K8S_ECONFIG;
    if (u && curl_url_set(u, CURLUPART_URL, cfg->server, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_HOST, cfg->tls_server_name, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &url, 0) == CURLUE_OK) {
        char rule[1024];
        snprintf(rule, sizeof rule, "%s:%s:%s:%s", cfg->tls_server_name, port, host, port);
        c->connect_to = curl_slist_append(NULL, rule);
        size_t n = strlen(url);
        while (n && url[n - 1] == '/')
            url[--n] = '\0';
        c->base_url = strdup(url);
        rc = c->connect_to && c->base_url ? K8S_OK : K8S_ENOMEM;
    }
    if (rc == K8S_ECONFIG)
        /* (not the server URL itself: it may carry user:password@) */
        k8s_error_set(err, rc, NULL, NULL, NULL, "%s: the server URL cannot be used with tls-server-name %s",
                      cfg->origin ? cfg->origin : "config", cfg->tls_server_name);
    curl_free(host);
    curl_free(port);
    curl_free(url);
    curl_url_cleanup(u);
    return rc;
}

k8s_code k8s_client_new(k8s_client **out, const k8s_config *config, const k8s_client_options *opts,
                        k8s_error *err)
{
    static const k8s_client_options defaults;
    if (!opts)
        opts = &defaults;
    *out = NULL;
    if (err)
        memset(err, 0, sizeof *err);
    if (!config) {
        k8s_error_set(err, K8S_EINVAL, NULL, NULL, NULL, "no config");
        return K8S_EINVAL;
    }
    k8s_client *c = calloc(1, sizeof *c);
    if (!c) {
        k8s_error_set(err, K8S_ENOMEM, NULL, NULL, NULL, "out of memory");
        return K8S_ENOMEM;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cond, NULL);
    c->config = config;
    c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    c->max_retries = opts->max_retries < 0 ? 0 : opts->max_retries ? opts->max_retries : DEFAULT_RETRIES;
    c->http1 = opts->http1;
    c->max_connections = opts->max_connections > 0 ? opts->max_connections : DEFAULT_MAX_CONNECTIONS;
    c->on_warning = opts->on_warning;
    c->warning_ctx = opts->warning_ctx;
    c->qps = opts->qps > 0 ? opts->qps : 0;
    c->burst = opts->burst > 0 ? opts->burst : (c->qps > 1 ? c->qps : 1);
    c->tokens = c->burst;
    c->refilled_ms = k8s_now_ms();
    c->rng = k8s_now_ms() * 0x9E3779B97F4A7C15u | 1;
    c->user_agent = strdup(opts->user_agent ? opts->user_agent : "k8s-c/" K8S_C_VERSION);
    k8s_code rc = c->user_agent ? set_base_url(c, err) : K8S_ENOMEM;
    if (rc == K8S_OK && !(c->creds = k8s_credentials_new(config)))
        rc = K8S_ENOMEM;
    if (rc == K8S_OK && !(c->multi = curl_multi_init()))
        rc = K8S_ENOMEM;
    if (rc == K8S_OK) {
        curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
        curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
        curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timer_change);
        curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
        curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
        /* curl's default of 100 streams a connection makes a steady 100 calls
         * in flight open a new connection whenever a finished stream has not
         * been reaped yet; the server's SETTINGS still set the real limit
         * (kube-apiserver: 100) */
        curl_multi_setopt(c->multi, CURLMOPT_MAX_CONCURRENT_STREAMS, 1000L);
        /* One connection to start with, more as its streams run out (see
         * grow_connections). HTTP/1.1 needs a connection per call: no cap. */
        if (!c->http1)
            set_cap(c, 1);
        if (opts->loop) {
            c->loop = opts->loop;
        } else {
            c->own_loop = true;
            rc = k8s_loop_new(&c->loop, err);
            if (rc == K8S_OK)
                rc = k8s_loop_start(c->loop, err);
        }
    }
    if (rc) {
        if (err && !err->code)
            k8s_error_set(err, rc, NULL, NULL, NULL, "%s", k8s_strerror(rc));
        k8s_client_free(c);
        return rc;
    }
    *out = c;
    return K8S_OK;
}

/* On the loop: cancels every call; cleanup waits for them to be gone. */
static void shutdown_on_loop(void *data)
{
    k8s_client *c = data;
    /* unlinked first: a stream's cancel may end other streams */
    while (c->streams) {
        k8s_client_stream *s = c->streams;
        stream_unlink(c, s);
        s->cancel(s->data);
    }
    while (c->rate_head) {
        kcall *k = c->rate_head;
        c->rate_head = k->next_rate;
        k->st = ST_NEW;
        fail_call(k, K8S_ECANCELED, "the client is closing");
    }
    c->rate_tail = NULL;
    while (c->active)
        abort_call(c->active, K8S_ECANCELED, "the client is closing");
}

static void cleanup_on_loop(void *data)
{
    k8s_client *c = data;
    for (size_t i = 0; i < c->nidle; i++)
        curl_easy_cleanup(c->idle[i]);
    c->nidle = 0;
    curl_multi_cleanup(c->multi); /* closes its sockets: their watches go via on_socket */
    c->multi = NULL;
    k8s_timer_free(c->curl_timer);
    k8s_timer_free(c->rate_timer);
    k8s_timer_free(c->grow_timer);
    c->curl_timer = c->rate_timer = c->grow_timer = NULL;
    pthread_mutex_lock(&c->mu);
    c->cleaned = true;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->mu);
}

static void queue_on_loop(k8s_client *c, k8s_fn fn)
{
    while (k8s_loop_call(c->loop, fn, c) != K8S_OK)
        sched_yield(); /* out of memory for a moment: shutting down must not be skipped */
}

static void wait_until(k8s_client *c, bool idle)
{
    pthread_mutex_lock(&c->mu);
    while (idle ? c->pending > 0 : !c->cleaned)
        pthread_cond_wait(&c->cond, &c->mu);
    pthread_mutex_unlock(&c->mu);
}

static int pending_now(k8s_client *c)
{
    pthread_mutex_lock(&c->mu);
    int n = c->pending;
    pthread_mutex_unlock(&c->mu);
    return n;
}

void k8s_client_free(k8s_client *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->closing = true;
    pthread_mutex_unlock(&c->mu);
    if (c->loop && c->multi) {
        if (k8s_loop_on_thread(c->loop)) { /* the caller drives the loop: do it here */
            shutdown_on_loop(c);
            while (pending_now(c) > 0)
                k8s_loop_run_once(c->loop, 10);
            cleanup_on_loop(c);
        } else {
            queue_on_loop(c, shutdown_on_loop);
            wait_until(c, true);
            queue_on_loop(c, cleanup_on_loop);
            wait_until(c, false);
        }
    } else if (c->multi) {
        curl_multi_cleanup(c->multi);
    }
    if (c->own_loop)
        k8s_loop_free(c->loop);
    k8s_credentials_free(c->creds);
    curl_slist_free_all(c->connect_to);
    free(c->idle);
    free(c->conns);
    free(c->base_url);
    free(c->user_agent);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cond);
    free(c);
}

k8s_loop *k8s_client_loop(k8s_client *c)
{
    return c->loop;
}

const char *k8s_client_namespace(const k8s_client *c)
{
    return c->config->namespace_ ? c->config->namespace_ : "default";
}

void k8s_client_stats_get(k8s_client *c, k8s_client_stats *out)
{
    out->requests = atomic_load(&c->n_requests);
    out->retries = atomic_load(&c->n_retries);
    out->connections = atomic_load(&c->n_connections);
    out->open_connections = atomic_load(&c->n_open);
    out->streams_per_connection = atomic_load(&c->peer_streams);
}
