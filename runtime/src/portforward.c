/* pods/portforward over WebSocket (k8s/portforward.h), on the sessions of
 * ws.c: streams, and a local listener that forwards TCP connections.
 *
 * The protocol is the kubelet's WebSocket port-forward (pkg/kubelet/cri/
 * streaming/portforward/websocket.go), which API servers still proxy to
 * for clients that do not ask for the SPDY tunnel (v2.portforward.k8s.io):
 *
 *   GET /api/v1/namespaces/NS/pods/POD/portforward?ports=P
 *   Sec-WebSocket-Protocol: v4.channel.k8s.io, portforward.k8s.io
 *
 * The server takes the first it supports; with none named it uses the
 * same binary framing. For the i-th port of the request (we ask for one per
 * session), channel 2i carries data both ways and channel 2i+1 errors from
 * the server; every binary message starts with its channel byte. The
 * server's first bytes on each of the two channels are the port, 2 bytes
 * little-endian (we check them and pass on what follows). Text on the
 * error channel ("error forwarding port P to pod ...") means the port
 * cannot be reached: the stream ends with K8S_EIO. There is no half-close:
 * either side closing the WebSocket ends the stream.
 *
 * The listener runs on the loop thread: it accepts connections, opens one
 * session each, and moves bytes both ways, pausing the reading side while
 * the other side holds more than it may (1 MiB unsent toward the pod, or
 * 1 MiB not yet written to the local socket). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"
#include "k8s/portforward.h"
#include "portforward_internal.h"
#include "ws_internal.h"

#define CH_DATA 0
#define CH_ERROR 1
#define ERROR_MAX 4096
#define LOCAL_HIGH (1024 * 1024)
#define LOCAL_LOW (256 * 1024)
#define LOCAL_CHUNK (32 * 1024)

struct k8s_portforward {
    k8s_ws ws; /* first: the session's memory is the stream's */
    k8s_portforward_handlers h;
    uint16_t port;
    uint8_t prefix[2][2];
    uint8_t prefix_len[2];
    k8s_buf error_text;
};

static const char *const pf_protocols[] = {"v4.channel.k8s.io", "portforward.k8s.io", NULL};

static k8s_portforward *of(k8s_ws *ws)
{
    return (k8s_portforward *)ws;
}

/* ---- a stream ---- */

static void on_open(k8s_ws *ws)
{
    k8s_portforward *pf = of(ws);
    if (pf->h.on_open)
        pf->h.on_open(pf->h.data);
}

/* The first two bytes of either channel name the port. */
static size_t take_prefix(k8s_portforward *pf, int ch, const uint8_t *p, size_t n)
{
    size_t used = 0;
    while (pf->prefix_len[ch] < 2 && used < n)
        pf->prefix[ch][pf->prefix_len[ch]++] = p[used++];
    if (used && pf->prefix_len[ch] == 2) {
        unsigned port = pf->prefix[ch][0] | (unsigned)pf->prefix[ch][1] << 8;
        if (port != pf->port) {
            k8s_error_set(&pf->ws.err, K8S_EBADREPLY, NULL, NULL, NULL,
                          "the server forwards port %u, not %u", port, (unsigned)pf->port);
            k8s_ws_stop(&pf->ws, K8S_EBADREPLY);
        }
    }
    return used;
}

static void on_data(k8s_ws *ws, int channel, const uint8_t *p, size_t n)
{
    k8s_portforward *pf = of(ws);
    if (channel != CH_DATA && channel != CH_ERROR)
        return;
    size_t used = take_prefix(pf, channel, p, n);
    p += used;
    n -= used;
    if (!n || ws->stop)
        return;
    if (channel == CH_DATA) {
        pf->h.on_data(pf->h.data, (const char *)p, n);
    } else if (pf->error_text.len < ERROR_MAX) {
        size_t room = ERROR_MAX - pf->error_text.len;
        k8s_buf_append(&pf->error_text, p, n < room ? n : room);
    }
}

static void on_message_end(k8s_ws *ws, int channel)
{
    k8s_portforward *pf = of(ws);
    if (channel != CH_ERROR || !pf->error_text.len)
        return;
    k8s_error_set(&ws->err, K8S_EIO, NULL, NULL, NULL, "%.*s", (int)pf->error_text.len,
                  pf->error_text.data);
    k8s_ws_stop(ws, K8S_EIO);
}

static void on_writable(k8s_ws *ws)
{
    k8s_portforward *pf = of(ws);
    if (pf->h.on_writable)
        pf->h.on_writable(pf->h.data);
}

static void on_done(k8s_ws *ws)
{
    k8s_portforward *pf = of(ws);
    pf->h.on_end(pf->h.data, ws->code, &ws->err);
}

static void on_destroy(k8s_ws *ws)
{
    k8s_buf_free(&of(ws)->error_text);
}

static const k8s_ws_ops pf_ops = {on_open,     on_data, on_message_end,
                                  on_writable, on_done, on_destroy};

static k8s_portforward *pf_new(uint16_t port, const k8s_portforward_options *opts,
                               const k8s_portforward_handlers *h)
{
    k8s_portforward *pf = calloc(1, sizeof *pf);
    if (!pf)
        return NULL;
    pf->h = *h;
    pf->port = port;
    pf->ws.ops = &pf_ops;
    pf->ws.protocols = pf_protocols;
    pf->ws.max_unsent = opts ? opts->max_unsent : 0;
    pf->ws.timeout_ms = opts ? opts->timeout_ms : 0;
    return pf;
}

k8s_code k8s_portforward_start(k8s_client *client, const char *ns, const char *pod, uint16_t port,
                              const k8s_portforward_options *opts,
                              const k8s_portforward_handlers *h, k8s_portforward **out)
{
    if (out)
        *out = NULL;
    if (!client || !pod || !*pod || !port || !h || !h->on_data || !h->on_end || !out)
        return K8S_EINVAL;
    k8s_portforward *pf = pf_new(port, opts, h);
    k8s_buf path = K8S_BUF_INIT;
    char num[16];
    snprintf(num, sizeof num, "%u", (unsigned)port);
    if (!pf ||
        k8s_rest_path(&path, &k8s_pods_resource, ns ? ns : k8s_client_namespace(client), pod,
                      "portforward") ||
        k8s_buf_append_str(&path, "?ports=") || k8s_buf_append_str(&path, num)) {
        k8s_buf_free(&path);
        free(pf);
        return K8S_ENOMEM;
    }
    pf->ws.client = client;
    *out = pf; /* before any handler can run */
    k8s_code rc = k8s_ws_start(&pf->ws, path.data);
    k8s_buf_free(&path);
    if (rc) {
        *out = NULL;
        free(pf);
    }
    return rc;
}

k8s_code k8s_portforward_start_detached(uint16_t port, const k8s_portforward_options *opts,
                                       const k8s_portforward_handlers *h, k8s_portforward **out)
{
    if (out)
        *out = NULL;
    if (!port || !h || !h->on_data || !h->on_end || !out)
        return K8S_EINVAL;
    k8s_portforward *pf = pf_new(port, opts, h);
    if (!pf)
        return K8S_ENOMEM;
    k8s_code rc = k8s_ws_start_detached(&pf->ws);
    if (rc)
        free(pf);
    else
        *out = pf;
    return rc;
}

k8s_ws *k8s_portforward_ws(k8s_portforward *pf)
{
    return &pf->ws;
}

k8s_code k8s_portforward_write(k8s_portforward *pf, const void *bytes, size_t len)
{
    if (!pf || (!bytes && len))
        return K8S_EINVAL;
    return k8s_ws_send(&pf->ws, CH_DATA, bytes, len, true);
}

void k8s_portforward_pause(k8s_portforward *pf, bool paused)
{
    if (pf)
        k8s_ws_pause(&pf->ws, paused);
}

k8s_code k8s_portforward_finish(k8s_portforward *pf)
{
    return pf ? k8s_ws_close(&pf->ws) : K8S_EINVAL;
}

void k8s_portforward_stop(k8s_portforward *pf)
{
    if (pf)
        k8s_ws_cancel(&pf->ws);
}

void k8s_portforward_free(k8s_portforward *pf)
{
    if (pf)
        k8s_ws_unref(&pf->ws);
}

/* ---- the listener ---- */

typedef struct fwd fwd;

struct k8s_portforward_listener {
    k8s_client *client;
    k8s_loop *loop;
    char *ns, *pod;
    uint16_t port;
    int fd;
    k8s_io *io;
    k8s_client_stream hook;
    bool started, hooked, shut, shutting;
    fwd *conns;
    pthread_mutex_t mu; /* finished, free_when_finished */
    pthread_cond_t cond;
    bool finished, free_when_finished;
};

/* One accepted connection and its session; the loop thread's. */
struct fwd {
    k8s_portforward_listener *l;
    fwd *prev, *next;
    int fd;
    k8s_io *io;
    int events;
    k8s_portforward *pf;
    k8s_buf out; /* from the pod, not yet written to the local socket */
    size_t out_off;
    bool local_eof;   /* the local side sent everything it will */
    bool read_paused; /* the session is full */
    bool pod_paused;  /* we paused the session: out is full */
    bool done;        /* the session ended */
    bool abort;       /* close the local side without flushing */
    int busy;         /* calls on the stack that use it */
    bool dead;
};

static void maybe_finished(k8s_portforward_listener *l);

static void free_listener(k8s_portforward_listener *l)
{
    free(l->ns);
    free(l->pod);
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cond);
    free(l);
}

static void close_local(fwd *f)
{
    if (f->fd < 0)
        return;
    k8s_io_close(f->io);
    f->io = NULL;
    close(f->fd);
    f->fd = -1;
}

/* Gone once the session ended and the local socket is closed. */
static void try_free(fwd *f)
{
    if (!f->done || f->fd >= 0)
        return;
    if (f->busy) {
        f->dead = true;
        return;
    }
    k8s_portforward_listener *l = f->l;
    if (f->prev)
        f->prev->next = f->next;
    else
        l->conns = f->next;
    if (f->next)
        f->next->prev = f->prev;
    k8s_portforward_free(f->pf);
    k8s_buf_free(&f->out);
    free(f);
    maybe_finished(l);
}

static void enter(fwd *f)
{
    f->busy++;
}

static void leave(fwd *f)
{
    if (--f->busy == 0 && f->dead) {
        f->dead = false;
        try_free(f);
    }
}

static size_t pending(const fwd *f)
{
    return f->out.len - f->out_off;
}

static void update_local(fwd *f)
{
    if (f->fd < 0)
        return;
    int events = (!f->local_eof && !f->read_paused && !f->done ? K8S_IO_READ : 0) |
                 (pending(f) ? K8S_IO_WRITE : 0);
    if (events != f->events) {
        k8s_io_update(f->io, events);
        f->events = events;
    }
}

/* The local peer is gone or broken: both sides end now. */
static void local_failed(fwd *f)
{
    f->abort = true;
    close_local(f);
    k8s_portforward_stop(f->pf); /* posted: the session may be mid-call */
    try_free(f);
}

static void flush_local(fwd *f)
{
    while (pending(f)) {
        ssize_t n = send(f->fd, f->out.data + f->out_off, pending(f), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n < 0) {
            local_failed(f);
            return;
        }
        f->out_off += (size_t)n;
    }
    if (!pending(f)) {
        k8s_buf_clear(&f->out);
        f->out_off = 0;
    } else if (f->out_off > f->out.len / 2) {
        memmove(f->out.data, f->out.data + f->out_off, pending(f));
        f->out.len = pending(f);
        f->out_off = 0;
    }
    if (f->pod_paused && pending(f) <= LOCAL_LOW && !f->done) {
        f->pod_paused = false;
        k8s_portforward_pause(f->pf, false);
    }
    if (f->done && !pending(f)) {
        close_local(f);
        try_free(f);
    }
}

static void read_local(fwd *f)
{
    char buf[LOCAL_CHUNK];
    for (int i = 0; i < 8 && f->fd >= 0 && !f->local_eof && !f->done; i++) {
        if (!k8s_ws_has_room(&f->pf->ws)) {
            f->read_paused = true; /* writable resumes it */
            break;
        }
        ssize_t n = recv(f->fd, buf, sizeof buf, 0);
        if (n > 0) {
            k8s_ws_send_now(&f->pf->ws, CH_DATA, buf, (size_t)n);
        } else if (n == 0) {
            f->local_eof = true; /* no half-close on the other side: end the stream */
            k8s_ws_close_now(&f->pf->ws);
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            break;
        } else {
            local_failed(f);
            return;
        }
    }
}

static void on_local(void *data, int fd, int events)
{
    (void)fd;
    fwd *f = data;
    enter(f);
    if (events & K8S_IO_ERROR) /* reset (a plain close reads as end-of-file) */
        local_failed(f);
    if (f->fd >= 0 && (events & K8S_IO_WRITE))
        flush_local(f);
    if (f->fd >= 0 && (events & K8S_IO_READ))
        read_local(f);
    update_local(f);
    leave(f);
}

static void fwd_data(void *data, const char *bytes, size_t len)
{
    fwd *f = data;
    if (f->fd < 0)
        return;
    enter(f);
    if (!pending(f)) { /* straight through when nothing waits */
        ssize_t n = send(f->fd, bytes, len, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            local_failed(f);
            leave(f);
            return;
        }
        if (n > 0) {
            bytes += n;
            len -= (size_t)n;
        }
    }
    if (len && k8s_buf_append(&f->out, bytes, len)) {
        local_failed(f);
        leave(f);
        return;
    }
    if (pending(f) > LOCAL_HIGH && !f->pod_paused) {
        f->pod_paused = true;
        k8s_portforward_pause(f->pf, true);
    }
    update_local(f);
    leave(f);
}

static void fwd_writable(void *data)
{
    fwd *f = data;
    f->read_paused = false;
    update_local(f);
}

static void fwd_close(void *data, k8s_code code, const k8s_error *err)
{
    (void)code;
    (void)err;
    fwd *f = data;
    enter(f);
    f->done = true;
    if (f->abort || !pending(f))
        close_local(f);
    else
        update_local(f); /* what came from the pod still goes out */
    try_free(f);
    leave(f);
}

static void accept_one(k8s_portforward_listener *l, int fd)
{
    static const k8s_portforward_handlers proto = {NULL, fwd_data, fwd_writable, fwd_close, NULL};
    fwd *f = calloc(1, sizeof *f);
    if (!f) {
        close(fd);
        return;
    }
    f->l = l;
    f->fd = fd;
    k8s_portforward_handlers h = proto;
    h.data = f;
    enter(f);
    f->next = l->conns;
    if (l->conns)
        l->conns->prev = f;
    l->conns = f;
    if (k8s_portforward_start(l->client, l->ns, l->pod, l->port, NULL, &h, &f->pf)) {
        f->done = true;
        close(fd);
        f->fd = -1;
    } else if (!(f->io = k8s_io_watch(l->loop, fd, K8S_IO_READ, on_local, f))) {
        close(fd);
        f->fd = -1;
        f->abort = true;
        k8s_portforward_stop(f->pf);
    } else {
        f->events = K8S_IO_READ;
    }
    try_free(f);
    leave(f);
}

static void on_accept(void *data, int fd, int events)
{
    (void)events;
    k8s_portforward_listener *l = data;
    for (int i = 0; i < 16 && !l->shut; i++) {
        int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0)
            break; /* EAGAIN, or a connection that went away meanwhile */
        accept_one(l, c);
    }
}

/* Stops listening and ends every connection (those still connecting end
 * when their connect does). May free the listener. */
static void listener_shutdown(k8s_portforward_listener *l)
{
    if (!l->shut) {
        l->shut = l->shutting = true;
        k8s_io_close(l->io);
        l->io = NULL;
        if (l->fd >= 0)
            close(l->fd);
        l->fd = -1;
        for (fwd *f = l->conns, *next; f; f = next) {
            next = f->next;
            enter(f);
            f->abort = true;
            close_local(f);
            if (!f->done)
                k8s_ws_cancel_now(&f->pf->ws);
            try_free(f);
            leave(f);
        }
        l->shutting = false;
    }
    maybe_finished(l);
}

static void maybe_finished(k8s_portforward_listener *l)
{
    if (!l->started || !l->shut || l->shutting || l->conns)
        return;
    pthread_mutex_lock(&l->mu);
    bool already = l->finished;
    pthread_mutex_unlock(&l->mu);
    if (already)
        return;
    if (l->hooked) {
        l->hooked = false;
        k8s_client_stream_end(l->client, &l->hook);
    }
    pthread_mutex_lock(&l->mu);
    l->finished = true;
    bool free_now = l->free_when_finished;
    pthread_cond_broadcast(&l->cond);
    pthread_mutex_unlock(&l->mu);
    if (free_now)
        free_listener(l);
}

static void listener_cancel(void *data)
{
    listener_shutdown(data);
}

static void listener_start(void *data)
{
    k8s_portforward_listener *l = data;
    l->started = true;
    l->hook.cancel = listener_cancel;
    l->hook.data = l;
    if (!l->shut && k8s_client_stream_begin(l->client, &l->hook) == K8S_OK) {
        l->hooked = true;
        l->io = k8s_io_watch(l->loop, l->fd, K8S_IO_READ, on_accept, l);
    }
    if (!l->io)
        listener_shutdown(l); /* (closed before it started, or cannot start) */
}

static void listener_stop(void *data)
{
    listener_shutdown(data);
}

static int bind_local(const char *address, uint16_t port, uint16_t *bound, k8s_error *err)
{
    union {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
        struct sockaddr_storage ss;
    } a;
    memset(&a, 0, sizeof a);
    socklen_t len;
    if (inet_pton(AF_INET, address, &a.in4.sin_addr) == 1) {
        a.in4.sin_family = AF_INET;
        a.in4.sin_port = htons(port);
        len = sizeof a.in4;
    } else if (inet_pton(AF_INET6, address, &a.in6.sin6_addr) == 1) {
        a.in6.sin6_family = AF_INET6;
        a.in6.sin6_port = htons(port);
        len = sizeof a.in6;
    } else {
        k8s_error_set(err, K8S_EINVAL, NULL, NULL, NULL, "%.80s is not an IPv4 or IPv6 address",
                      address);
        return -1;
    }
    int fd = socket(a.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(fd, &a.sa, len) || listen(fd, 128) || getsockname(fd, &a.sa, &len)) {
        k8s_error_set(err, K8S_EIO, NULL, NULL, NULL, "cannot listen on %.80s port %u: %s", address,
                      (unsigned)port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *bound = ntohs(a.sa.sa_family == AF_INET ? a.in4.sin_port : a.in6.sin6_port);
    return fd;
}

k8s_code k8s_portforward_listener_start(k8s_client *client, const char *ns, const char *pod,
                                uint16_t remote_port, const char *local_address,
                                uint16_t local_port, k8s_portforward_listener **out,
                                uint16_t *bound_port, k8s_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
    if (out)
        *out = NULL;
    if (!client || !pod || !*pod || !remote_port || !out) {
        return k8s_fail(err, K8S_EINVAL, "k8s_portforward_listener_start: missing arguments");
    }
    uint16_t bound = 0;
    int fd = bind_local(local_address ? local_address : "127.0.0.1", local_port, &bound, err);
    if (fd < 0)
        return err ? err->code : K8S_EIO;
    k8s_portforward_listener *l = calloc(1, sizeof *l);
    if (l) {
        pthread_mutex_init(&l->mu, NULL);
        pthread_cond_init(&l->cond, NULL);
        l->client = client;
        l->loop = k8s_client_loop(client);
        l->fd = fd;
        l->port = remote_port;
        l->ns = strdup(ns ? ns : k8s_client_namespace(client));
        l->pod = strdup(pod);
    }
    if (!l || !l->ns || !l->pod || k8s_loop_call(l->loop, listener_start, l)) {
        close(fd);
        if (l)
            free_listener(l);
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    }
    if (bound_port)
        *bound_port = bound;
    *out = l;
    return K8S_OK;
}

void k8s_portforward_listener_free(k8s_portforward_listener *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->mu);
    if (l->finished) { /* also when the client went first */
        pthread_mutex_unlock(&l->mu);
        free_listener(l);
        return;
    }
    if (k8s_loop_on_thread(l->loop)) {
        l->free_when_finished = true;
        pthread_mutex_unlock(&l->mu);
        listener_shutdown(l); /* may free it */
        return;
    }
    while (k8s_loop_call(l->loop, listener_stop, l) != K8S_OK)
        sched_yield(); /* a moment without memory must not leave it running */
    while (!l->finished)
        pthread_cond_wait(&l->cond, &l->mu);
    pthread_mutex_unlock(&l->mu);
    free_listener(l);
}
