/* WebSocket sessions: the transport of exec, attach and port-forward.
 *
 * The client makes the TCP/TLS connection on its terms (k8s_client_connect,
 * on a worker); from there everything happens on the loop thread:
 *
 *   connecting -> upgrade (HTTP/1.1 GET with Upgrade: websocket, RFC 6455
 *   section 4, over curl_easy_send/recv) -> open (wslay frames) -> done
 *
 * The upgrade offers the owner's subprotocols in order of preference in one
 * Sec-WebSocket-Protocol header; the server picks the first it supports
 * (apimachinery's wsstream handshake walks the client's list). A reply
 * other than 101 is read whole (Content-Length, chunked, or up to the
 * close) and becomes a typed error with the server's Status, as replies to
 * requests do. After the 101, bytes that came with the reply are framing.
 *
 * Kubernetes' channel protocols send binary messages whose first byte is
 * the channel; wslay runs without buffering, so a message is handed over
 * in pieces as it arrives and memory stays bounded whatever the server
 * sends. Outgoing messages carry at most 32 KiB of payload.
 *
 * Sockets: the connected socket is watched for reading always (unless the
 * owner paused reading) and for writing only while framed bytes wait.
 * Every read drains curl_easy_recv until CURLE_AGAIN, since TLS may hold
 * decrypted bytes the socket no longer shows. Framed bytes go through a
 * fixed buffer so that a send curl answered with CURLE_AGAIN is retried
 * with the same bytes at the same address, as OpenSSL requires.
 *
 * Other threads reach a session only through k8s_loop_call with a copy of
 * their data and a reference; `ended` (under mu) stops new hand-overs before
 * the client may go away. Memory goes with the last reference.
 *
 * A detached session (tests, fuzzing) has no client or socket: sock_recv
 * and sock_send stand in for curl, serving what k8s_ws_receive was given. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wslay/wslay.h>

#include "internal.h"
#include "ws_internal.h"

#define OUT_CAP (64 * 1024)
#define MSG_MAX (32 * 1024)
#define HEAD_MAX (64 * 1024)
#define BODY_MAX (1024 * 1024)
#define DEFAULT_MAX_UNSENT (1024 * 1024)
#define DEFAULT_TIMEOUT_MS 30000
#define CLOSE_WAIT_MS 2000
#define READ_CHUNK 16384
#define CLOSE_SIGNAL 255 /* v5.channel.k8s.io: [255, channel] closes our side of channel */

enum { ST_CONNECTING, ST_UPGRADE, ST_OPEN, ST_CLOSING, ST_DONE };

static void pump(k8s_ws *ws);
static void finish(k8s_ws *ws);
static void do_read(k8s_ws *ws, bool force);

/* ---- references and teardown ---- */

static void ws_ref(k8s_ws *ws)
{
    atomic_fetch_add(&ws->refs, 1);
}

static void wipe(k8s_buf *b)
{
    if (b->data)
        explicit_bzero(b->data, b->cap); /* the request held the Authorization header */
    k8s_buf_free(b);
}

static void release_parts(k8s_ws *ws)
{
    wslay_event_context_free(ws->ctx);
    ws->ctx = NULL;
    wipe(&ws->hs);
    k8s_buf_free(&ws->in);
    free(ws->out);
    free(ws->scratch);
    free(ws->path);
    k8s_arena_free(ws->arena);
    ws->out = ws->scratch = NULL;
    ws->path = NULL;
    ws->arena = NULL;
    pthread_mutex_destroy(&ws->mu);
}

void k8s_ws_unref(k8s_ws *ws)
{
    if (atomic_fetch_sub(&ws->refs, 1) != 1)
        return;
    if (ws->ops->destroy)
        ws->ops->destroy(ws);
    release_parts(ws);
    free(ws);
}

static void fail(k8s_ws *ws, k8s_code code, const char *fmt, ...) K8S_PRINTF(3, 4);
static void fail(k8s_ws *ws, k8s_code code, const char *fmt, ...)
{
    if (ws->stop && ws->code)
        return; /* the first failure is the one to report */
    va_list ap;
    va_start(ap, fmt);
    k8s_error_setv(&ws->err, code, NULL, NULL, NULL, fmt, ap);
    va_end(ap);
    ws->code = code;
    ws->stop = true;
}

void k8s_ws_stop(k8s_ws *ws, k8s_code code)
{
    if (ws->stop && ws->code)
        return;
    ws->code = code;
    ws->stop = true;
}

/* The one way out: the connection goes, then done, then the client may
 * forget the stream. */
static void finish(k8s_ws *ws)
{
    if (ws->state == ST_DONE)
        return;
    ws->state = ST_DONE;
    k8s_timer_free(ws->timer);
    ws->timer = NULL;
    k8s_io_close(ws->io);
    ws->io = NULL;
    if (ws->easy)
        curl_easy_cleanup(ws->easy);
    ws->easy = NULL;
    wslay_event_context_free(ws->ctx);
    ws->ctx = NULL;
    wipe(&ws->hs);
    pthread_mutex_lock(&ws->mu);
    ws->ended = true;
    pthread_mutex_unlock(&ws->mu);
    ws->err.code = ws->code;
    if (ws->code && !ws->err.message[0])
        snprintf(ws->err.message, sizeof ws->err.message, "%s", k8s_strerror(ws->code));
    ws->ops->done(ws);
    if (ws->hooked) {
        ws->hooked = false;
        k8s_client_stream_end(ws->client, &ws->hook);
    }
    k8s_ws_unref(ws); /* the session's own */
}

/* ---- the connection ---- */

/* curl_easy_recv; for a detached session, the bytes k8s_ws_receive gave
 * (0 bytes: the server closed, CURLE_AGAIN: no more yet). */
static CURLcode sock_recv(k8s_ws *ws, void *buf, size_t len, size_t *n)
{
    if (!ws->detached)
        return curl_easy_recv(ws->easy, buf, len, n);
    size_t left = ws->in.len - ws->in_off;
    *n = left < len ? left : len;
    if (!*n)
        return ws->in_eof ? CURLE_OK : CURLE_AGAIN;
    memcpy(buf, ws->in.data + ws->in_off, *n);
    ws->in_off += *n;
    return CURLE_OK;
}

/* curl_easy_send; a detached session drops what it sends. */
static CURLcode sock_send(k8s_ws *ws, const void *buf, size_t len, size_t *n)
{
    if (!ws->detached)
        return curl_easy_send(ws->easy, buf, len, n);
    *n = len;
    return CURLE_OK;
}

/* ---- wslay's side ---- */

static ssize_t ws_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user)
{
    (void)flags;
    k8s_ws *ws = user;
    if (ws->paused || ws->stop) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    if (ws->hs_off < ws->hs.len) { /* bytes that came with the 101 */
        size_t n = ws->hs.len - ws->hs_off < len ? ws->hs.len - ws->hs_off : len;
        memcpy(buf, ws->hs.data + ws->hs_off, n);
        ws->hs_off += n;
        return (ssize_t)n;
    }
    size_t n = 0;
    CURLcode rc = sock_recv(ws, buf, len, &n);
    if (rc == CURLE_AGAIN) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    if (rc != CURLE_OK || n == 0) {
        if (rc != CURLE_OK) {
            fail(ws, K8S_ETRANSPORT, "reading from the API server: %s", curl_easy_strerror(rc));
            ws->err.curl_code = (int)rc;
        }
        ws->eof = true;
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return (ssize_t)n;
}

static ssize_t ws_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
                       void *user)
{
    (void)flags;
    k8s_ws *ws = user;
    size_t room = OUT_CAP - ws->out_len;
    if (!room) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    size_t n = len < room ? len : room;
    memcpy(ws->out + ws->out_len, data, n);
    ws->out_len += n;
    return (ssize_t)n;
}

static int ws_genmask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *user)
{
    (void)user;
    if (RAND_bytes(buf, (int)len) == 1)
        return 0;
    wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
}

static void on_frame_start(wslay_event_context_ptr ctx,
                           const struct wslay_event_on_frame_recv_start_arg *arg, void *user)
{
    (void)ctx;
    k8s_ws *ws = user;
    if (arg->opcode == WSLAY_TEXT_FRAME || arg->opcode == WSLAY_BINARY_FRAME) {
        if (arg->opcode == WSLAY_TEXT_FRAME) /* only the base64 variants, which we never offer */
            fail(ws, K8S_EBADREPLY, "the server sent a text message on a binary channel protocol");
        ws->in_msg = ws->need_channel = true;
        ws->frame_is_data = true;
    } else {
        ws->frame_is_data = arg->opcode == WSLAY_CONTINUATION_FRAME && ws->in_msg;
    }
}

static void on_frame_chunk(wslay_event_context_ptr ctx,
                           const struct wslay_event_on_frame_recv_chunk_arg *arg, void *user)
{
    (void)ctx;
    k8s_ws *ws = user;
    const uint8_t *p = arg->data;
    size_t n = arg->data_length;
    if (!ws->frame_is_data || ws->stop || !n)
        return;
    if (ws->need_channel) {
        ws->channel = p[0];
        ws->need_channel = false;
        p++;
        n--;
    }
    if (n)
        ws->ops->data(ws, ws->channel, p, n);
}

static void on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
                   void *user)
{
    (void)ctx;
    k8s_ws *ws = user;
    if (arg->opcode != WSLAY_TEXT_FRAME && arg->opcode != WSLAY_BINARY_FRAME)
        return; /* wslay answers pings and closes itself */
    ws->in_msg = false;
    if (!ws->need_channel && !ws->stop && ws->ops->message_end)
        ws->ops->message_end(ws, ws->channel);
}

/* ---- sending ---- */

static void update_queued(k8s_ws *ws)
{
    size_t q = ws->ctx ? wslay_event_get_queued_msg_length(ws->ctx) : 0;
    pthread_mutex_lock(&ws->mu);
    ws->queued = q;
    pthread_mutex_unlock(&ws->mu);
}

/* Frames n bytes as messages of at most MSG_MAX bytes behind the channel
 * byte; wslay copies each. */
static k8s_code queue_data(k8s_ws *ws, int channel, const uint8_t *p, size_t n)
{
    do {
        size_t m = n < MSG_MAX ? n : MSG_MAX;
        ws->scratch[0] = (uint8_t)channel;
        if (m)
            memcpy(ws->scratch + 1, p, m);
        struct wslay_event_msg msg = {WSLAY_BINARY_FRAME, ws->scratch, m + 1};
        int r = wslay_event_queue_msg(ws->ctx, &msg);
        if (r == WSLAY_ERR_NO_MORE_MSG)
            return K8S_ECLOSED;
        if (r)
            return K8S_ENOMEM;
        p += m;
        n -= m;
    } while (n);
    return K8S_OK;
}

static void queue_close_signal(k8s_ws *ws, int channel)
{
    if (!ws->protocol || strcmp(ws->protocol, "v5.channel.k8s.io") != 0)
        return; /* older protocols cannot close one direction of a channel */
    uint8_t sig[2] = {CLOSE_SIGNAL, (uint8_t)channel};
    struct wslay_event_msg msg = {WSLAY_BINARY_FRAME, sig, 2};
    if (wslay_event_queue_msg(ws->ctx, &msg) == WSLAY_ERR_NOMEM)
        fail(ws, K8S_ENOMEM, "out of memory");
}

/* The close frame goes once the data before it has: wslay sends control
 * frames ahead of queued messages. */
static void start_close(k8s_ws *ws)
{
    if (ws->state == ST_OPEN)
        ws->state = ST_CLOSING;
}

static void queue_close_when_drained(k8s_ws *ws)
{
    if (ws->state != ST_CLOSING || ws->close_queued || wslay_event_get_queued_msg_count(ws->ctx))
        return;
    ws->close_queued = true;
    wslay_event_queue_close(ws->ctx, WSLAY_CODE_NORMAL_CLOSURE, NULL, 0);
    if (ws->timer)
        k8s_timer_start(ws->timer, CLOSE_WAIT_MS); /* a server that never answers the close */
}

/* Moves framed bytes to the socket until it would block. */
static void flush(k8s_ws *ws)
{
    for (;;) {
        while (ws->out_len < OUT_CAP && wslay_event_want_write(ws->ctx)) {
            size_t before = ws->out_len;
            if (wslay_event_send(ws->ctx) != 0) {
                fail(ws, K8S_ENOMEM, "cannot frame a WebSocket message");
                return;
            }
            if (ws->out_len == before)
                break;
        }
        if (ws->out_off == ws->out_len) {
            ws->blocked = false;
            return;
        }
        size_t n = 0;
        CURLcode rc = sock_send(ws, ws->out + ws->out_off, ws->out_len - ws->out_off, &n);
        if (rc == CURLE_AGAIN) {
            ws->blocked = true;
            return;
        }
        if (rc != CURLE_OK) {
            fail(ws, K8S_ETRANSPORT, "writing to the API server: %s", curl_easy_strerror(rc));
            ws->err.curl_code = (int)rc;
            return;
        }
        ws->out_off += n;
        if (ws->out_off == ws->out_len)
            ws->out_off = ws->out_len = 0;
    }
}

static void update_watch(k8s_ws *ws)
{
    if (!ws->io)
        return;
    int events = 0;
    if (ws->state == ST_UPGRADE)
        events = ws->requested ? K8S_IO_READ : K8S_IO_WRITE;
    else if (ws->state == ST_OPEN || ws->state == ST_CLOSING)
        events = (wslay_event_want_read(ws->ctx) && !ws->paused ? K8S_IO_READ : 0) |
                 (ws->blocked ? K8S_IO_WRITE : 0);
    if (events != ws->io_events) {
        k8s_io_update(ws->io, events);
        ws->io_events = events;
    }
}

static void maybe_writable(k8s_ws *ws)
{
    pthread_mutex_lock(&ws->mu);
    bool call = ws->full && ws->posted + ws->queued <= ws->max_unsent / 2;
    if (call)
        ws->full = false;
    pthread_mutex_unlock(&ws->mu);
    if (call && ws->ops->writable)
        ws->ops->writable(ws);
}

/* A close frame, if the socket takes it now; errors no longer matter. */
static void goodbye(k8s_ws *ws)
{
    wslay_event_queue_close(
        ws->ctx, ws->code == K8S_EBADREPLY ? WSLAY_CODE_PROTOCOL_ERROR : WSLAY_CODE_NORMAL_CLOSURE,
        NULL, 0);
    while (ws->out_len < OUT_CAP && wslay_event_want_write(ws->ctx)) {
        size_t before = ws->out_len;
        if (wslay_event_send(ws->ctx) != 0 || ws->out_len == before)
            break;
    }
    while (ws->out_off < ws->out_len) {
        size_t n = 0;
        if (sock_send(ws, ws->out + ws->out_off, ws->out_len - ws->out_off, &n) != CURLE_OK)
            break;
        ws->out_off += n;
    }
}

/* After anything happened: frames out, ends what should end, watches what
 * is needed. Re-entered calls (from owners' callbacks) run once more at
 * the outer level instead. */
static void pump(k8s_ws *ws)
{
    if (ws->pumping || ws->reading) {
        ws->pump_again = true; /* the outer caller pumps once wslay returns */
        return;
    }
    ws->pumping = true;
    do {
        ws->pump_again = false;
        if (ws->state != ST_OPEN && ws->state != ST_CLOSING)
            break;
        if (!ws->stop) {
            flush(ws);
            queue_close_when_drained(ws);
            if (ws->close_queued && wslay_event_want_write(ws->ctx) && !ws->blocked)
                flush(ws);
        }
        if (ws->stop) {
            if (!ws->eof)
                goodbye(ws);
            finish(ws);
            break;
        }
        if (!wslay_event_want_read(ws->ctx) && !wslay_event_want_write(ws->ctx) &&
            ws->out_off == ws->out_len) {
            finish(ws); /* both close frames went their way */
            break;
        }
        update_queued(ws);
        maybe_writable(ws);
        update_watch(ws);
    } while (ws->pump_again && ws->state != ST_DONE);
    ws->pumping = false;
}

/* ---- reading ---- */

static void do_read(k8s_ws *ws, bool force)
{
    if (ws->state != ST_OPEN && ws->state != ST_CLOSING)
        return;
    bool paused = ws->paused;
    if (force)
        ws->paused = false; /* an error or hang-up shows only when read */
    ws->reading = true;
    int r = wslay_event_recv(ws->ctx);
    ws->reading = false;
    if (force)
        ws->paused = paused;
    if (ws->eof) {
        if (!ws->stop) {
            if (ws->close_queued || wslay_event_get_close_received(ws->ctx))
                k8s_ws_stop(ws, K8S_OK);
            else
                fail(ws, K8S_ECLOSED,
                     "the API server closed the connection without a WebSocket close");
        }
    } else if (r != 0) {
        fail(ws, K8S_ENOMEM, "out of memory reading a WebSocket message");
    } else if (!wslay_event_get_read_enabled(ws->ctx) && !wslay_event_get_close_received(ws->ctx)) {
        fail(ws, K8S_EBADREPLY,
             "the API server sent a malformed WebSocket frame (closed with code %u)",
             (unsigned)WSLAY_CODE_PROTOCOL_ERROR);
    }
}

/* ---- the upgrade ---- */

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

static bool make_key(char key[32], char accept[32])
{
    uint8_t raw[16], md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (RAND_bytes(raw, sizeof raw) != 1)
        return false;
    k8s_base64_encode(raw, sizeof raw, key);
    key[24] = '\0';
    char text[64];
    int n = snprintf(text, sizeof text, "%s%s", key, ws_guid);
    if (!EVP_Digest(text, (size_t)n, md, &mdlen, EVP_sha1(), NULL) || mdlen != 20)
        return false;
    k8s_base64_encode(md, 20, accept);
    accept[28] = '\0';
    return true;
}

static k8s_code host_header(const char *url, k8s_buf *b)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL;
    k8s_code rc = K8S_EINVAL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_PORT, &port, 0); /* none when the scheme's default */
        rc = k8s_buf_append_str(b, host);
        if (!rc && port)
            rc = k8s_buf_append_str(b, ":") || k8s_buf_append_str(b, port) ? K8S_ENOMEM : K8S_OK;
    }
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

static k8s_code build_request(k8s_ws *ws, const k8s_connection *conn)
{
    char key[32];
    if (!make_key(key, ws->accept))
        return K8S_ENOMEM;
    k8s_buf *b = &ws->hs;
    /* room for it all at once: a reallocation would leave the token behind */
    size_t need = 512 + strlen(ws->path) + strlen(conn->url) +
                  (conn->user_agent ? strlen(conn->user_agent) : 0) +
                  (conn->authorization ? strlen(conn->authorization) : 0);
    for (const char *const *p = ws->protocols; *p; p++)
        need += strlen(*p) + 2;
    k8s_code rc = k8s_buf_reserve(b, need);
#define PUT(s) \
    if (!rc)   \
    rc = k8s_buf_append_str(b, (s))
    PUT("GET ");
    PUT(ws->path);
    PUT(" HTTP/1.1\r\nHost: ");
    if (!rc)
        rc = host_header(conn->url, b);
    PUT("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: ");
    PUT(key);
    PUT("\r\nSec-WebSocket-Protocol: ");
    for (const char *const *p = ws->protocols; *p; p++) {
        PUT(p == ws->protocols ? "" : ", ");
        PUT(*p);
    }
    if (conn->user_agent) {
        PUT("\r\nUser-Agent: ");
        PUT(conn->user_agent);
    }
    if (conn->authorization) {
        PUT("\r\nAuthorization: ");
        PUT(conn->authorization);
    }
    PUT("\r\n\r\n");
#undef PUT
    return rc;
}

typedef struct reply_head {
    int status;
    long long content_length; /* -1: none */
    bool chunked, upgrade_ws, connection_upgrade;
    const char *accept, *protocol; /* in the buffer, NUL-terminated by the parser */
} reply_head;

static char *trim(char *s, char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    *end = '\0';
    return s;
}

static bool has_token(const char *list, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > p && t[-1] == ' ')
            t--;
        if ((size_t)(t - p) == n && strncasecmp(p, token, n) == 0)
            return true;
        p = e;
    }
    return false;
}

/* Parses the head in place (it ends at `end`, the blank line's start). */
static bool parse_head(char *head, char *end, reply_head *h)
{
    memset(h, 0, sizeof *h);
    h->content_length = -1;
    char *line_end = memchr(head, '\n', (size_t)(end - head));
    if (!line_end)
        line_end = end;
    if (end - head < 12 || strncmp(head, "HTTP/1.", 7) != 0 || head[8] != ' ')
        return false;
    h->status = atoi(head + 9);
    if (h->status < 100 || h->status > 999)
        return false;
    for (char *p = line_end < end ? line_end + 1 : end; p < end;) {
        char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            e = end;
        char *colon = memchr(p, ':', (size_t)(e - p));
        if (colon) {
            *colon = '\0';
            const char *name = trim(p, colon);
            char *value = trim(colon + 1, e);
            if (!strcasecmp(name, "Content-Length"))
                h->content_length = strtoll(value, NULL, 10);
            else if (!strcasecmp(name, "Transfer-Encoding"))
                h->chunked = has_token(value, "chunked");
            else if (!strcasecmp(name, "Upgrade"))
                h->upgrade_ws = has_token(value, "websocket");
            else if (!strcasecmp(name, "Connection"))
                h->connection_upgrade = has_token(value, "upgrade");
            else if (!strcasecmp(name, "Sec-WebSocket-Accept"))
                h->accept = value;
            else if (!strcasecmp(name, "Sec-WebSocket-Protocol"))
                h->protocol = value;
        }
        p = e + 1;
    }
    return true;
}

/* Decodes a chunked body into out; false until its last chunk is in. */
static bool dechunk(const char *p, size_t n, k8s_buf *out)
{
    const char *end = p + n;
    k8s_buf_clear(out);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return false;
        char *after;
        unsigned long long size = strtoull(p, &after, 16);
        if (after == p)
            return true; /* not chunked after all: take what there is */
        p = nl + 1;
        if (size == 0)
            return true;
        if (size > (unsigned long long)(end - p))
            return false;
        if (k8s_buf_append(out, p, (size_t)size))
            return true;
        p += size;
        if (p < end && *p == '\r')
            p++;
        if (p < end && *p == '\n')
            p++;
    }
    return false;
}

static void open_session(k8s_ws *ws, const reply_head *h);

/* A reply that is not a 101: a typed error from its status and body, once
 * the body is complete (or the connection ended). */
static bool refusal(k8s_ws *ws, const reply_head *h, bool at_eof)
{
    const char *body = ws->hs.data + ws->hs_head;
    size_t len = ws->hs.len - ws->hs_head;
    k8s_buf plain = K8S_BUF_INIT;
    bool complete = at_eof || len >= BODY_MAX;
    if (h->chunked) {
        complete = dechunk(body, len, &plain) || complete;
        body = plain.data ? plain.data : "";
        len = plain.len;
    } else if (h->content_length >= 0) {
        complete = complete || len >= (size_t)h->content_length;
        if (len > (size_t)h->content_length)
            len = (size_t)h->content_length;
    }
    if (!complete) {
        k8s_buf_free(&plain);
        return false;
    }
    static const k8s_op text_op = {NULL, NULL, K8S_VERB_GET, NULL, NULL, NULL};
    void *ignored;
    k8s_code code = k8s_read_reply(&text_op, h->status, body, len, ws->arena, NULL, &ignored, &ws->err);
    if (code == K8S_OK) {
        code = K8S_EBADREPLY;
        k8s_error_set(
            &ws->err, code, NULL, NULL, NULL,
            "the API server answered the upgrade with HTTP %d instead of switching protocols",
            h->status);
        ws->err.http_status = h->status;
    }
    ws->code = code;
    ws->stop = true;
    k8s_buf_free(&plain);
    return true;
}

static void upgrade_failed(k8s_ws *ws, k8s_code code, const char *why)
{
    k8s_error_set(&ws->err, code, NULL, NULL, NULL, "WebSocket upgrade: %s", why);
    ws->code = code;
    finish(ws);
}

/* Looks at what arrived of the reply and settles the upgrade when it can. */
static void check_reply(k8s_ws *ws, bool at_eof)
{
    if (!ws->hs_head) {
        if (at_eof)
            upgrade_failed(ws, K8S_ETRANSPORT,
                           "the API server closed the connection before answering");
        else if (ws->hs.len > HEAD_MAX)
            upgrade_failed(ws, K8S_EBADREPLY, "the reply's head is too long");
        return;
    }
    reply_head *h = ws->head;
    if (!h) { /* parsed once, from a copy in the arena */
        char *text = k8s_arena_strndup(ws->arena, ws->hs.data, ws->hs_head - 4);
        h = ws->head = k8s_arena_alloc(ws->arena, sizeof *h);
        if (!text || !h) {
            upgrade_failed(ws, K8S_ENOMEM, "out of memory");
            return;
        }
        if (!parse_head(text, text + ws->hs_head - 4, h)) {
            upgrade_failed(ws, K8S_EBADREPLY, "the API server's reply is not HTTP/1.1");
            return;
        }
    }
    if (h->status != 101) {
        if (refusal(ws, h, at_eof))
            finish(ws);
        return;
    }
    if (!h->upgrade_ws || !h->connection_upgrade) {
        upgrade_failed(ws, K8S_EBADREPLY, "101 without Upgrade: websocket");
        return;
    }
    if (!h->accept || strcmp(h->accept, ws->accept) != 0) {
        upgrade_failed(ws, K8S_EBADREPLY, "wrong Sec-WebSocket-Accept");
        return;
    }
    open_session(ws, h);
}

static void open_session(k8s_ws *ws, const reply_head *h)
{
    ws->protocol = NULL;
    if (h->protocol && *h->protocol) {
        for (const char *const *p = ws->protocols; *p; p++)
            if (strcmp(*p, h->protocol) == 0)
                ws->protocol = *p;
        if (!ws->protocol) {
            upgrade_failed(ws, K8S_EBADREPLY,
                           "the API server chose a subprotocol that was not offered");
            return;
        }
    } else if (ws->need_protocol) {
        upgrade_failed(ws, K8S_EBADREPLY,
                       "the API server chose no subprotocol (none of ours is supported)");
        return;
    }
    k8s_timer_stop(ws->timer);
    ws->hs_off = ws->hs_head; /* what follows the head is the first frames */
    ws->state = ST_OPEN;
    if (ws->close_channel >= 0)
        queue_close_signal(ws, ws->close_channel);
    if (ws->close_pending)
        start_close(ws);
    if (ws->ops->open)
        ws->ops->open(ws);
    if (ws->state == ST_OPEN || ws->state == ST_CLOSING)
        do_read(ws, false);
}

static void upgrade_write(k8s_ws *ws)
{
    while (ws->hs_off < ws->hs.len) {
        size_t n = 0;
        CURLcode rc = sock_send(ws, ws->hs.data + ws->hs_off, ws->hs.len - ws->hs_off, &n);
        if (rc == CURLE_AGAIN)
            return;
        if (rc != CURLE_OK) {
            ws->err.curl_code = (int)rc;
            upgrade_failed(ws, K8S_ETRANSPORT, curl_easy_strerror(rc));
            return;
        }
        ws->hs_off += n;
    }
    wipe(&ws->hs); /* sent: the buffer now collects the reply */
    ws->hs_off = 0;
    ws->requested = true;
}

static void upgrade_read(k8s_ws *ws)
{
    char buf[READ_CHUNK];
    for (;;) {
        size_t n = 0;
        CURLcode rc = sock_recv(ws, buf, sizeof buf, &n);
        if (rc == CURLE_AGAIN)
            break;
        if (rc != CURLE_OK) {
            ws->err.curl_code = (int)rc;
            upgrade_failed(ws, K8S_ETRANSPORT, curl_easy_strerror(rc));
            return;
        }
        if (n == 0) {
            check_reply(ws, true);
            return;
        }
        if (k8s_buf_append(&ws->hs, buf, n)) {
            upgrade_failed(ws, K8S_ENOMEM, "out of memory");
            return;
        }
        if (!ws->hs_head) {
            /* settle the head first: after a 101 the rest is wslay's */
            char *end = memmem(ws->hs.data, ws->hs.len, "\r\n\r\n", 4);
            if (end) {
                ws->hs_head = (size_t)(end - ws->hs.data) + 4;
                break;
            }
            if (ws->hs.len > HEAD_MAX)
                break;
        } else if (ws->hs.len - ws->hs_head >= BODY_MAX) {
            break;
        }
    }
    check_reply(ws, false);
}

/* ---- events ---- */

static void on_io(void *data, int fd, int events)
{
    (void)fd;
    k8s_ws *ws = data;
    ws_ref(ws);
    if (ws->state == ST_UPGRADE) {
        if (!ws->requested && (events & (K8S_IO_WRITE | K8S_IO_ERROR)))
            upgrade_write(ws);
        if (ws->state == ST_UPGRADE && ws->requested && (events & (K8S_IO_READ | K8S_IO_ERROR)))
            upgrade_read(ws);
        if (ws->state == ST_UPGRADE)
            update_watch(ws);
    } else if (ws->state == ST_OPEN || ws->state == ST_CLOSING) {
        if (events & (K8S_IO_READ | K8S_IO_ERROR))
            do_read(ws, (events & K8S_IO_ERROR) != 0);
        if (events & K8S_IO_WRITE)
            ws->blocked = false; /* pump flushes */
    }
    pump(ws);
    k8s_ws_unref(ws);
}

static void on_timer(void *data)
{
    k8s_ws *ws = data;
    ws_ref(ws);
    if (ws->state == ST_UPGRADE) {
        char why[96];
        snprintf(why, sizeof why, "no answer within %d ms", ws->timeout_ms);
        upgrade_failed(ws, K8S_ETIMEDOUT, why);
    } else if (ws->state == ST_CLOSING) {
        k8s_ws_stop(ws, ws->code); /* the server did not answer our close: it ends anyway */
        pump(ws);
    }
    k8s_ws_unref(ws);
}

static void stream_cancel(void *data)
{
    k8s_ws_cancel_now(data);
}

static void begin_upgrade(k8s_ws *ws, const k8s_connection *conn)
{
    ws->easy = conn->easy;
    ws->hook.cancel = stream_cancel;
    ws->hook.data = ws;
    if (k8s_client_stream_begin(ws->client, &ws->hook)) {
        upgrade_failed(ws, K8S_ECANCELED, "the client is closing");
        return;
    }
    ws->hooked = true;
    curl_socket_t s = CURL_SOCKET_BAD;
    if (curl_easy_getinfo(ws->easy, CURLINFO_ACTIVESOCKET, &s) != CURLE_OK ||
        s == CURL_SOCKET_BAD) {
        upgrade_failed(ws, K8S_ETRANSPORT, "the connection has no socket");
        return;
    }
    ws->fd = (int)s;
    ws->state = ST_UPGRADE;
    if (build_request(ws, conn)) {
        upgrade_failed(ws, K8S_ENOMEM, "cannot build the request");
        return;
    }
    ws->timer = k8s_timer_new(ws->loop, on_timer, ws);
    ws->io = k8s_io_watch(ws->loop, ws->fd, K8S_IO_WRITE, on_io, ws);
    if (!ws->timer || !ws->io) {
        upgrade_failed(ws, K8S_ENOMEM, "cannot watch the connection");
        return;
    }
    ws->io_events = K8S_IO_WRITE;
    k8s_timer_start(ws->timer, (uint64_t)ws->timeout_ms);
    upgrade_write(ws);
    if (ws->state == ST_UPGRADE)
        update_watch(ws);
}

static void on_connect(void *data, k8s_code code, const k8s_connection *conn, const k8s_error *err)
{
    k8s_ws *ws = data;
    ws_ref(ws);
    if (code) {
        if (err)
            ws->err = *err;
        ws->err.status = NULL; /* nothing of the connect call outlives it */
        ws->code = code;
        finish(ws);
    } else if (ws->cancel_requested) {
        curl_easy_cleanup(conn->easy);
        upgrade_failed(ws, K8S_ECANCELED, "canceled");
    } else {
        begin_upgrade(ws, conn);
    }
    k8s_ws_unref(ws);
}

/* ---- starting ---- */

/* What every session needs before it connects; on failure ws holds nothing. */
static k8s_code setup(k8s_ws *ws)
{
    static const struct wslay_event_callbacks callbacks = {
        ws_recv, ws_send, ws_genmask, on_frame_start, on_frame_chunk, NULL, on_msg};
    pthread_mutex_init(&ws->mu, NULL);
    atomic_init(&ws->refs, 2);
    ws->fd = -1;
    ws->close_channel = -1;
    ws->state = ST_CONNECTING;
    if (!ws->max_unsent)
        ws->max_unsent = DEFAULT_MAX_UNSENT;
    if (ws->timeout_ms <= 0)
        ws->timeout_ms = DEFAULT_TIMEOUT_MS;
    wslay_event_context_ptr ctx = NULL;
    ws->out = malloc(OUT_CAP);
    ws->scratch = malloc(MSG_MAX + 1);
    ws->arena = k8s_arena_new();
    if (ws->out && ws->scratch && ws->arena &&
        wslay_event_context_client_init(&ctx, &callbacks, ws) == 0) {
        ws->ctx = ctx;
        wslay_event_config_set_no_buffering(ctx, 1);
        return K8S_OK;
    }
    release_parts(ws);
    return K8S_ENOMEM;
}

k8s_code k8s_ws_start(k8s_ws *ws, const char *path)
{
    ws->loop = k8s_client_loop(ws->client);
    k8s_code rc = setup(ws);
    if (rc)
        return rc;
    ws->path = strdup(path);
    rc = ws->path ? k8s_client_connect(ws->client, ws->path, on_connect, ws, &ws->call_id)
                  : K8S_ENOMEM;
    if (rc)
        release_parts(ws);
    return rc;
}

k8s_code k8s_ws_start_detached(k8s_ws *ws)
{
    char key[32];
    k8s_code rc = setup(ws);
    if (rc)
        return rc;
    if (!make_key(key, ws->accept)) {
        release_parts(ws);
        return K8S_ENOMEM;
    }
    ws->detached = true;
    ws->state = ST_UPGRADE;
    ws->requested = true;
    return K8S_OK;
}

k8s_code k8s_ws_receive(k8s_ws *ws, const void *p, size_t n, bool eof)
{
    if (!ws->detached)
        return K8S_EINVAL;
    if (ws->in_off == ws->in.len)
        ws->in_off = ws->in.len = 0;
    if (n && k8s_buf_append(&ws->in, p, n))
        return K8S_ENOMEM;
    ws->in_eof = eof;
    on_io(ws, ws->fd, K8S_IO_READ);
    return K8S_OK;
}

/* ---- hand-overs from other threads ---- */

enum { OP_SEND, OP_CLOSE_WRITE, OP_CLOSE, OP_CANCEL, OP_PAUSE, OP_RESUME };

typedef struct ws_op {
    k8s_ws *ws;
    int kind, channel;
    bool counted;
    size_t len;
    uint8_t data[];
} ws_op;

static void apply_send(k8s_ws *ws, int channel, const uint8_t *p, size_t n)
{
    if (ws->state == ST_DONE || ws->stop)
        return;
    k8s_code rc = queue_data(ws, channel, p, n);
    if (rc == K8S_ENOMEM)
        fail(ws, rc, "out of memory");
    update_queued(ws);
}

static void set_paused(k8s_ws *ws, bool paused)
{
    if (ws->paused == paused)
        return;
    ws->paused = paused;
    if (!paused && !ws->reading)
        do_read(ws, false); /* TLS may hold bytes the socket will not announce again */
}

static void run_op(void *data)
{
    ws_op *op = data;
    k8s_ws *ws = op->ws;
    if (op->counted) {
        pthread_mutex_lock(&ws->mu);
        ws->posted -= op->len;
        pthread_mutex_unlock(&ws->mu);
    }
    switch (op->kind) {
    case OP_SEND:
        apply_send(ws, op->channel, op->data, op->len);
        break;
    case OP_CLOSE_WRITE:
        if (ws->state == ST_CONNECTING || ws->state == ST_UPGRADE)
            ws->close_channel = op->channel; /* the protocol decides, once known */
        else if (ws->state == ST_OPEN && op->channel >= 0)
            queue_close_signal(ws, op->channel);
        break;
    case OP_CLOSE:
        k8s_ws_close_now(ws);
        break;
    case OP_CANCEL:
        k8s_ws_cancel_now(ws);
        break;
    case OP_PAUSE:
    case OP_RESUME:
        set_paused(ws, op->kind == OP_PAUSE);
        break;
    }
    pump(ws);
    free(op);
    k8s_ws_unref(ws);
}

/* With mu held: the hand-over itself. */
static k8s_code post_locked(k8s_ws *ws, int kind, int channel, const void *p, size_t n,
                            bool counted)
{
    ws_op *op = malloc(sizeof *op + n);
    if (!op)
        return K8S_ENOMEM;
    op->ws = ws;
    op->kind = kind;
    op->channel = channel;
    op->counted = counted;
    op->len = n;
    if (n)
        memcpy(op->data, p, n);
    ws_ref(ws);
    k8s_code rc = k8s_loop_call(ws->loop, run_op, op);
    if (rc) {
        atomic_fetch_sub(&ws->refs, 1); /* the caller still holds one */
        free(op);
        return rc;
    }
    if (counted)
        ws->posted += n;
    return K8S_OK;
}

k8s_code k8s_ws_send(k8s_ws *ws, int channel, const void *p, size_t n, bool counted)
{
    pthread_mutex_lock(&ws->mu);
    k8s_code rc = K8S_OK;
    if (ws->ended || (counted && ws->write_closed)) {
        rc = K8S_ECLOSED;
    } else if (counted && ws->posted + ws->queued >= ws->max_unsent) {
        ws->full = true;
        rc = K8S_EFULL;
    } else if (n || !counted) {
        rc = post_locked(ws, OP_SEND, channel, p, n, counted);
    }
    pthread_mutex_unlock(&ws->mu);
    return rc;
}

static k8s_code post(k8s_ws *ws, int kind, int channel)
{
    pthread_mutex_lock(&ws->mu);
    k8s_code rc = ws->ended ? K8S_ECLOSED : post_locked(ws, kind, channel, NULL, 0, false);
    pthread_mutex_unlock(&ws->mu);
    return rc;
}

k8s_code k8s_ws_close_write(k8s_ws *ws, int channel)
{
    pthread_mutex_lock(&ws->mu);
    k8s_code rc = K8S_ECLOSED;
    if (!ws->ended && !ws->write_closed) {
        rc = post_locked(ws, OP_CLOSE_WRITE, channel, NULL, 0, false);
        if (rc == K8S_OK)
            ws->write_closed = true;
    }
    pthread_mutex_unlock(&ws->mu);
    return rc;
}

k8s_code k8s_ws_close(k8s_ws *ws)
{
    pthread_mutex_lock(&ws->mu);
    k8s_code rc = K8S_ECLOSED;
    if (!ws->ended) {
        rc = post_locked(ws, OP_CLOSE, -1, NULL, 0, false);
        if (rc == K8S_OK)
            ws->write_closed = true;
    }
    pthread_mutex_unlock(&ws->mu);
    return rc;
}

void k8s_ws_cancel(k8s_ws *ws)
{
    while (post(ws, OP_CANCEL, -1) == K8S_ENOMEM)
        ; /* a cancel must not be lost to a moment without memory */
}

void k8s_ws_pause(k8s_ws *ws, bool paused)
{
    if (k8s_loop_on_thread(ws->loop)) {
        if (ws->state != ST_DONE) {
            ws_ref(ws);
            set_paused(ws, paused);
            pump(ws);
            k8s_ws_unref(ws);
        }
        return;
    }
    post(ws, paused ? OP_PAUSE : OP_RESUME, -1);
}

/* ---- the loop thread's own ---- */

bool k8s_ws_has_room(k8s_ws *ws)
{
    pthread_mutex_lock(&ws->mu);
    bool room = ws->posted + ws->queued < ws->max_unsent;
    if (!room)
        ws->full = true;
    pthread_mutex_unlock(&ws->mu);
    return room;
}

k8s_code k8s_ws_send_now(k8s_ws *ws, int channel, const void *p, size_t n)
{
    pthread_mutex_lock(&ws->mu);
    k8s_code rc = ws->ended || ws->write_closed ? K8S_ECLOSED : K8S_OK;
    pthread_mutex_unlock(&ws->mu);
    if (rc || !n)
        return rc;
    ws_ref(ws);
    apply_send(ws, channel, p, n);
    pump(ws);
    k8s_ws_unref(ws);
    return K8S_OK;
}

void k8s_ws_close_now(k8s_ws *ws)
{
    pthread_mutex_lock(&ws->mu);
    ws->write_closed = true;
    pthread_mutex_unlock(&ws->mu);
    if (ws->state == ST_CONNECTING || ws->state == ST_UPGRADE) {
        ws->close_pending = true;
        return;
    }
    if (ws->state != ST_OPEN)
        return;
    ws_ref(ws);
    start_close(ws);
    pump(ws);
    k8s_ws_unref(ws);
}

void k8s_ws_cancel_now(k8s_ws *ws)
{
    switch (ws->state) {
    case ST_CONNECTING:
        /* the connect finishes on a worker; on_connect then ends it */
        if (!ws->cancel_requested) {
            ws->cancel_requested = true;
            k8s_cancel(ws->client, ws->call_id);
        }
        break;
    case ST_DONE:
        break;
    default:
        ws_ref(ws);
        k8s_error_set(&ws->err, K8S_ECANCELED, NULL, NULL, NULL, "canceled");
        ws->code = K8S_ECANCELED;
        finish(ws); /* no goodbye: cancel means now */
        k8s_ws_unref(ws);
        break;
    }
}
