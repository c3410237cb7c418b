/* The client's call engine, shared by its modules:
 *
 *   call.c         a call's way: submit (any thread) -> rate limit -> credentials
 *                  -> send -> reply: retry, next page, or finish (callback once)
 *   rate_limit.c   the token bucket calls wait in before they are sent
 *   connections.c  which HTTP/2 connection each transfer got, and when to open more
 *   upgrade.c      connections handed over for protocols of their own (WebSocket)
 *   waiter.c       the blocking forms: waiting on a caller's thread for a call
 *   client.c       the client itself: options, shutdown, streams it waits for
 *
 * All of it runs on the loop thread unless a function says otherwise. */
#ifndef K8S_CALL_INTERNAL_H
#define K8S_CALL_INTERNAL_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "client_internal.h"
#include "config_internal.h"
#include "internal.h"
#include "list_stream_internal.h"
#include "loop_internal.h"
#include "timing_internal.h"

typedef enum state {
    ST_NEW,
    ST_WAIT_RATE,  /* in the rate limiter's queue */
    ST_WAIT_CREDS, /* a worker is fetching credentials */
    ST_SENDING,    /* in curl */
    ST_CONNECTING, /* a worker connects for k8s_client_connect */
    ST_BACKOFF     /* waiting to retry */
} state;

/* Receive buffers the client keeps for its next replies: at most this
 * many, of at most K8S_SPARE_BUF_MAX bytes each, K8S_SPARE_BYTES in all. */
#define K8S_SPARE_BUFS 128
#define K8S_SPARE_BUF_MAX (64 * 1024)
#define K8S_SPARE_BYTES (1024 * 1024)
/* Ended calls a client keeps for its next ones (call.c). */
#define K8S_SPARE_CALLS 16


/* A connection of the client's multi handle, known by its local port. */
typedef struct conn_use {
    int port;    /* 0 until a transfer has used it */
    int fd;
    int streams; /* transfers on it now */
    bool stirred; /* reply bytes came on it since the last quiet pass (call.c) */
    struct k8s_io *io; /* its watch, kept while curl leaves it idle (call.c) */
} conn_use;

typedef struct kcall {
    k8s_client *client;
    k8s_call_id id;
    struct kcall *prev, *next; /* the client's active calls; next: its spare calls */
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
    bool own_cert; /* the easy handle has the credential's client certificate */
    struct curl_slist *headers;
    char curl_error[CURL_ERROR_SIZE];
    k8s_buf body;
    /* a typed list's 2xx body is decoded as it arrives instead */
    enum { BODY_UNSEEN, BODY_KEPT, BODY_LISTED } body_mode; /* this attempt's */
    k8s_list_stream list;
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
    k8s_buf spare[K8S_SPARE_BUFS]; /* receive buffers for reuse (call.c) */
    k8s_decode_cache *decode_cache; /* the decoder's, for replies (call.c) */
    size_t nspare, spare_bytes;
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
    k8s_timer *stir_timer; /* runs the transfers once the connections go quiet (call.c) */
    uint64_t active_ms;    /* curl's last pass */

    atomic_uint_fast64_t next_id, n_requests, n_retries, n_connections, n_open, peer_streams;

    pthread_mutex_t mu; /* closing, pending, the shutdown handshake, spare calls */
    pthread_cond_t cond;
    bool closing;
    int pending; /* calls alive (started or queued to start) and worker jobs */
    kcall *spare_calls; /* ended calls for reuse (call.c) */
    size_t nspare_calls;
    bool cleaned;
};

/* ---- client.c ---- */

/* Counts calls alive and worker jobs; k8s_client_free waits for zero. */
void k8s_client_pending_add(k8s_client *c, int n);

/* ---- call.c ---- */

kcall *k8s_call_new(k8s_client *c, k8s_arena *arena, const k8s_op *op, const k8s_call_options *co);
/* Hands a prepared call to the loop; on failure the call is freed and
 * `done` will never run. Any thread. */
k8s_code k8s_call_submit(k8s_client *c, kcall *k, k8s_done_fn done, void *data);
void k8s_call_free(kcall *k);
/* Frees the client's spare receive buffers and calls. */
void k8s_call_free_spares(k8s_client *c);
void k8s_call_unlink(kcall *k);
/* The one way out of a call: its callback, exactly once. */
void k8s_call_finish(kcall *k, k8s_code code, void *result);
void k8s_call_fail(kcall *k, k8s_code code, const char *message);
/* Ends a call in whatever state it is: canceled, or out of time. */
void k8s_call_abort(kcall *k, k8s_code code, const char *message);
/* Credentials (from the cache, or fetched on a worker; force: fetched
 * again), then the request goes to curl. */
void k8s_call_need_credentials(kcall *k, bool force);
/* An easy handle set up as every call of the client's wants it (any
 * thread); NULL: out of memory. */
CURL *k8s_call_new_handle(k8s_client *c);
/* Sets the call's easy handle (from k8s_call_new_handle) up for its
 * request; false: out of memory. */
bool k8s_call_configure(kcall *k);
/* Retries a transient failure, or ends the call with an error that says
 * what failed. */
void k8s_call_transport_failed(kcall *k, CURLcode rc);
/* The multi handle's CURLMOPT_SOCKETFUNCTION and CURLMOPT_TIMERFUNCTION. */
int k8s_call_on_socket(CURL *e, curl_socket_t s, int what, void *userp, void *socketp);
int k8s_call_on_timer_change(CURLM *m, long timeout_ms, void *userp);

/* ---- rate_limit.c ---- */

/* On to credentials now, or into the rate limiter's queue. */
void k8s_rate_limit(kcall *k);
void k8s_rate_remove(kcall *k);
/* Ends every call waiting for a token (the client is closing). */
void k8s_rate_cancel_all(k8s_client *c);

/* ---- connections.c ---- */

/* The easy handle's CURLOPT_OPENSOCKETFUNCTION (data: the call),
 * CLOSESOCKETFUNCTION (data: the client) and PREREQFUNCTION (the call). */
curl_socket_t k8s_conns_open_socket(void *data, curlsocktype purpose, struct curl_sockaddr *a);
int k8s_conns_close_socket(void *data, curl_socket_t s);
int k8s_conns_on_prereq(void *data, char *ip, char *local_ip, int port, int local_port);
/* Into and out of the multi handle, counting transfers without a connection. */
bool k8s_conns_add(kcall *k);
void k8s_conns_remove(kcall *k);
void k8s_conns_set_cap(k8s_client *c, int cap);
/* The call's connection has had reply bytes. */
void k8s_conns_stirred(kcall *k);
/* The connection of socket s; NULL for a socket of no connection. */
conn_use *k8s_conns_by_fd(k8s_client *c, int s);
/* After each pass of curl's. */
void k8s_conns_balance(k8s_client *c);

/* ---- upgrade.c ---- */

/* A connection of the call's own, made on a worker. */
void k8s_upgrade_offload(kcall *k);

#endif
