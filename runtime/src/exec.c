/* pods/exec and pods/attach over WebSocket (k8s/exec.h), on the sessions
 * of ws.c.
 *
 * The protocol, as Kubernetes speaks it (client-go's remotecommand
 * WebSocket executor, kubelet's cri/streaming/remotecommand, apimachinery's
 * wsstream and the API server's stream translator):
 *
 *   GET /api/v1/namespaces/NS/pods/POD/exec?command=A&command=B&container=C
 *       &stdin=true&stdout=true&stderr=true&tty=true   (attach: no command)
 *   Sec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io
 *
 * The server picks the first protocol of ours it supports. Every message
 * is binary; its first byte is the channel:
 *
 *   0 stdin (to the server)      1 stdout      2 stderr
 *   3 error: one meta/v1 Status when the process ends, then the server
 *     closes. {"status":"Success"} is exit 0; "Failure" with reason
 *     "NonZeroExitCode" and details.causes[{reason:"ExitCode",
 *     message:"N"}] is exit N (0..255, client-go parses it as uint8);
 *     any other Failure is an error with the Status's message.
 *   4 resize (to the server): {"Width":W,"Height":H}
 *   255 (v5 only, to the server): [255, N] closes our side of channel N;
 *     [255, 0] is stdin's end-of-file. v4 has no way to say it.
 *
 * The kubelet starts with an empty message on the lowest output channel;
 * pieces of a channel are passed on as they come. Channels we do not know
 * are ignored, as client-go discards them. We end the session as soon as
 * the Status is complete (a close frame, then the connection goes): by
 * then all output has arrived, since it came before on the same socket. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "documents_internal.h"
#include "exec_internal.h"
#include "internal.h"
#include "k8s/codec.h"
#include "k8s/exec.h"
#include "ws_internal.h"

#define STATUS_MAX (64 * 1024)
#define CH_ERROR 3
#define CH_RESIZE 4

struct k8s_exec {
    k8s_ws ws; /* first: the session's memory is the exec's */
    k8s_exec_handlers h;
    bool has_stdin;
    k8s_buf status_text; /* channel 3 so far */
    const k8s_status *status;
};

const char *const k8s_exec_protocols_default[] = {"v5.channel.k8s.io", "v4.channel.k8s.io", NULL};

static k8s_exec *of(k8s_ws *ws)
{
    return (k8s_exec *)ws;
}

/* ---- the Status on channel 3 ---- */

static bool parse_exit_code(const char *s, int *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || errno || v > 255 || *s == '-' || *s == '+' || *s == ' ')
        return false;
    *out = (int)v;
    return true;
}

/* The exit the Status means: K8S_OK with *exit_status, or an error in err. */
static k8s_code read_status(const k8s_status *st, int *exit_status, k8s_error *err)
{
    const char *s = st->status ? st->status : "";
    if (strcmp(s, "Success") == 0) {
        *exit_status = 0;
        return K8S_OK;
    }
    if (strcmp(s, "Failure") != 0) {
        return k8s_fail(err, K8S_EBADREPLY, "the exit Status has status \"%.40s\"", s);
    }
    if (st->reason && strcmp(st->reason, "NonZeroExitCode") == 0) {
        for (size_t i = 0; st->details && i < st->details->causes_len; i++) {
            const k8s_status_cause *c = &st->details->causes[i];
            if (!c->reason || strcmp(c->reason, "ExitCode") != 0)
                continue;
            if (parse_exit_code(c->message, exit_status))
                return K8S_OK;
            return k8s_fail(err, K8S_EBADREPLY, "the exit code \"%.40s\" is not a number 0..255",
                            c->message ? c->message : "");
        }
        return k8s_fail(err, K8S_EBADREPLY, "a NonZeroExitCode Status without an ExitCode cause");
    }
    k8s_code code = st->has_code && st->code >= 400 ? k8s_code_for_http(st->code) : K8S_EHTTP;
    if (st->message && *st->message)
        k8s_error_set(err, code, NULL, NULL, NULL, "%s", st->message);
    else /* a Status may come without a message, even empty */
        k8s_error_set(err, code, NULL, NULL, NULL, "the command failed (%.60s)",
                      st->reason && *st->reason ? st->reason : "a Failure Status without a message");
    err->status = st;
    err->http_status = st->has_code ? st->code : 0;
    return code;
}

static bool try_status(k8s_exec *e)
{
    if (e->status || !e->status_text.len)
        return e->status != NULL;
    void *st = NULL;
    if (k8s_json_decode(&k8s_status_desc, e->status_text.data, e->status_text.len, e->ws.arena, &st,
                        NULL, NULL) == K8S_OK)
        e->status = st;
    return e->status != NULL;
}

/* ---- session events ---- */

static void on_open(k8s_ws *ws)
{
    k8s_exec *e = of(ws);
    if (e->h.on_open)
        e->h.on_open(e->h.data, ws->protocol);
}

static void on_data(k8s_ws *ws, int channel, const uint8_t *p, size_t n)
{
    k8s_exec *e = of(ws);
    if (channel == K8S_EXEC_STDOUT || channel == K8S_EXEC_STDERR) {
        if (e->h.on_output)
            e->h.on_output(e->h.data, channel, (const char *)p, n);
    } else if (channel == CH_ERROR) {
        k8s_code rc = e->status_text.len + n > STATUS_MAX ? K8S_EBADREPLY
                                                          : k8s_buf_append(&e->status_text, p, n);
        if (rc) {
            k8s_error_set(&ws->err, rc, NULL, NULL, NULL, "%s",
                          rc == K8S_EBADREPLY ? "the exit Status is too long" : "out of memory");
            k8s_ws_stop(ws, rc);
        }
    }
}

static void on_message_end(k8s_ws *ws, int channel)
{
    if (channel == CH_ERROR && try_status(of(ws)))
        k8s_ws_stop(ws, K8S_OK); /* the process is gone: nothing else is coming */
}

static void on_writable(k8s_ws *ws)
{
    k8s_exec *e = of(ws);
    if (e->h.on_writable)
        e->h.on_writable(e->h.data);
}

static void on_done(k8s_ws *ws)
{
    k8s_exec *e = of(ws);
    int exit_status = -1;
    k8s_code code = ws->code;
    if (code == K8S_OK || code == K8S_ECLOSED) {
        /* a Status settles it, also when the connection ended right after */
        if (try_status(e)) {
            memset(&ws->err, 0, sizeof ws->err);
            code = read_status(e->status, &exit_status, &ws->err);
        } else if (e->status_text.len) {
            code = K8S_EBADREPLY;
            k8s_error_set(&ws->err, code, NULL, NULL, NULL,
                          "the exit Status is not valid JSON: %.80s", e->status_text.data);
        } else if (code == K8S_OK) {
            code = K8S_ECLOSED;
            k8s_error_set(&ws->err, code, NULL, NULL, NULL,
                          "the session ended without an exit status");
        }
    }
    ws->err.code = code;
    if (code)
        exit_status = -1;
    e->h.on_end(e->h.data, code, exit_status, &ws->err);
}

static void on_destroy(k8s_ws *ws)
{
    k8s_buf_free(&of(ws)->status_text);
}

static const k8s_ws_ops exec_ops = {on_open,     on_data, on_message_end,
                                    on_writable, on_done, on_destroy};

/* ---- starting ---- */

static k8s_code add_param(k8s_buf *b, const char *name, const char *value)
{
    if (k8s_buf_append_str(b, strchr(b->data, '?') ? "&" : "?") || k8s_buf_append_str(b, name) ||
        k8s_buf_append_str(b, "=") || k8s_buf_append_escaped(b, value))
        return K8S_ENOMEM;
    return K8S_OK;
}

static k8s_code build_path(k8s_buf *b, k8s_client *client, const char *ns, const char *pod,
                           bool attach, const k8s_exec_options *o)
{
    k8s_code rc = K8S_OK;
    if (k8s_rest_path(b, &k8s_pods_resource, ns ? ns : k8s_client_namespace(client), pod,
                      attach ? "attach" : "exec"))
        return K8S_ENOMEM;
    for (const char *const *c = attach ? NULL : o->command; !rc && c && *c; c++)
        rc = add_param(b, "command", *c);
    if (!rc && o->container)
        rc = add_param(b, "container", o->container);
    if (!rc && o->stdin_)
        rc = add_param(b, "stdin", "true");
    if (!rc && o->stdout_)
        rc = add_param(b, "stdout", "true");
    if (!rc && o->stderr_)
        rc = add_param(b, "stderr", "true");
    if (!rc && o->tty)
        rc = add_param(b, "tty", "true");
    return rc;
}

static k8s_exec *exec_new(const k8s_exec_options *o, const k8s_exec_handlers *h,
                          const char *const *protocols)
{
    k8s_exec *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->h = *h;
    e->has_stdin = o->stdin_;
    e->ws.ops = &exec_ops;
    e->ws.protocols = protocols;
    e->ws.need_protocol = true; /* without one the server speaks v1: no exit status */
    e->ws.max_unsent = o->max_unsent;
    e->ws.timeout_ms = o->timeout_ms;
    return e;
}

k8s_code k8s_exec_start_with(k8s_client *client, const char *ns, const char *pod, bool attach,
                             const k8s_exec_options *o, const k8s_exec_handlers *h,
                             const char *const *protocols, k8s_exec **out)
{
    if (out)
        *out = NULL;
    if (!client || !pod || !*pod || !o || !h || !h->on_end || !out || !protocols || !*protocols ||
        (!o->stdin_ && !o->stdout_ && !o->stderr_) || (!attach && (!o->command || !o->command[0])))
        return K8S_EINVAL;
    k8s_exec *e = exec_new(o, h, protocols);
    if (!e)
        return K8S_ENOMEM;
    k8s_buf path = K8S_BUF_INIT;
    k8s_code rc = build_path(&path, client, ns, pod, attach, o);
    if (rc) {
        k8s_buf_free(&path);
        free(e);
        return rc;
    }
    e->ws.client = client;
    *out = e; /* before any handler can run */
    rc = k8s_ws_start(&e->ws, path.data);
    k8s_buf_free(&path);
    if (rc) {
        *out = NULL;
        free(e);
    }
    return rc;
}

k8s_code k8s_exec_start_detached(const k8s_exec_options *o, const k8s_exec_handlers *h,
                                 const char *const *protocols, k8s_exec **out)
{
    if (out)
        *out = NULL;
    if (!o || !h || !h->on_end || !out || !protocols || !*protocols)
        return K8S_EINVAL;
    k8s_exec *e = exec_new(o, h, protocols);
    if (!e)
        return K8S_ENOMEM;
    k8s_code rc = k8s_ws_start_detached(&e->ws);
    if (rc)
        free(e);
    else
        *out = e;
    return rc;
}

k8s_ws *k8s_exec_ws(k8s_exec *e)
{
    return &e->ws;
}

k8s_code k8s_exec_start(k8s_client *client, const char *ns, const char *pod,
                        const k8s_exec_options *o, const k8s_exec_handlers *h, k8s_exec **out)
{
    return k8s_exec_start_with(client, ns, pod, false, o, h, k8s_exec_protocols_default, out);
}

k8s_code k8s_attach_start(k8s_client *client, const char *ns, const char *pod,
                          const k8s_exec_options *o, const k8s_exec_handlers *h, k8s_exec **out)
{
    return k8s_exec_start_with(client, ns, pod, true, o, h, k8s_exec_protocols_default, out);
}

/* ---- acting on a session ---- */

k8s_code k8s_exec_write(k8s_exec *e, const void *bytes, size_t len)
{
    if (!e || (!bytes && len))
        return K8S_EINVAL;
    if (!e->has_stdin)
        return K8S_EINVAL;
    return k8s_ws_send(&e->ws, K8S_EXEC_STDIN, bytes, len, true);
}

k8s_code k8s_exec_close_stdin(k8s_exec *e)
{
    if (!e || !e->has_stdin)
        return K8S_EINVAL;
    return k8s_ws_close_write(&e->ws, K8S_EXEC_STDIN);
}

k8s_code k8s_exec_resize(k8s_exec *e, unsigned width, unsigned height)
{
    if (!e || width > 65535 || height > 65535)
        return K8S_EINVAL;
    terminal_size_doc size = {true, (int32_t)width, true, (int32_t)height};
    k8s_buf msg = K8S_BUF_INIT;
    k8s_code rc = k8s_json_encode(&k8s_terminal_size_desc, &size, &msg, NULL);
    if (!rc)
        rc = k8s_ws_send(&e->ws, CH_RESIZE, msg.data, msg.len, false);
    k8s_buf_free(&msg);
    return rc;
}

void k8s_exec_stop(k8s_exec *e)
{
    if (e)
        k8s_ws_cancel(&e->ws);
}

void k8s_exec_free(k8s_exec *e)
{
    if (e)
        k8s_ws_unref(&e->ws);
}

/* ---- run and wait ---- */

typedef struct runner {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool exited;
    unsigned writable; /* how many writable calls so far */
    k8s_code code;
    int exit_status;
    k8s_error err;
    k8s_buf out, errout;
    bool oom;
} runner;

static void run_output(void *data, int channel, const char *bytes, size_t len)
{
    runner *r = data;
    if (k8s_buf_append(channel == K8S_EXEC_STDERR ? &r->errout : &r->out, bytes, len))
        r->oom = true;
}

static void run_writable(void *data)
{
    runner *r = data;
    pthread_mutex_lock(&r->mu);
    r->writable++;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->mu);
}

static void run_exit(void *data, k8s_code code, int exit_status, const k8s_error *err)
{
    runner *r = data;
    pthread_mutex_lock(&r->mu);
    r->exited = true;
    r->code = code;
    r->exit_status = exit_status;
    r->err = *err; /* err->status stays valid until the session is freed */
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->mu);
}

/* Writes stdin in pieces, waiting for room when the session is full. */
static void feed(k8s_exec *e, runner *r, const uint8_t *p, size_t n)
{
    while (n) {
        size_t m = n < 256 * 1024 ? n : 256 * 1024;
        pthread_mutex_lock(&r->mu);
        unsigned seen = r->writable;
        pthread_mutex_unlock(&r->mu);
        k8s_code rc = k8s_exec_write(e, p, m);
        if (rc == K8S_OK) {
            p += m;
            n -= m;
        } else if (rc == K8S_EFULL) {
            pthread_mutex_lock(&r->mu);
            while (r->writable == seen && !r->exited)
                pthread_cond_wait(&r->cond, &r->mu);
            bool over = r->exited;
            pthread_mutex_unlock(&r->mu);
            if (over)
                return;
        } else {
            return; /* closed: exit tells why */
        }
    }
}

static char *to_arena(k8s_arena *a, const k8s_buf *b, size_t *len)
{
    if (len)
        *len = b->len;
    return k8s_arena_strndup(a, b->data ? b->data : "", b->len);
}

k8s_code k8s_exec_run(k8s_client *client, k8s_arena *arena, const char *ns, const char *pod,
                      const k8s_exec_options *opts, const void *stdin_data, size_t stdin_len,
                      char **stdout_, size_t *stdout_len, char **stderr_, size_t *stderr_len,
                      int *exit_status, k8s_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
    if (!client || !arena || !opts || k8s_loop_on_thread(k8s_client_loop(client))) {
        return k8s_fail(err, K8S_EINVAL, "k8s_exec_run: invalid arguments (or called on the loop thread)");
    }
    k8s_exec_options o = *opts;
    o.stdin_ = stdin_data != NULL;
    o.stdout_ = stdout_ != NULL;
    o.stderr_ = stderr_ != NULL;
    runner r = {.code = K8S_OK};
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.cond, NULL);
    k8s_exec_handlers h = {NULL, run_output, run_writable, run_exit, &r};
    k8s_exec *e = NULL;
    k8s_code rc = k8s_exec_start(client, ns, pod, &o, &h, &e);
    if (rc) {
        k8s_error_set(err, rc, NULL, NULL, NULL, "cannot start the command: %s", k8s_strerror(rc));
    } else {
        if (stdin_data) {
            feed(e, &r, stdin_data, stdin_len);
            k8s_exec_close_stdin(e);
        }
        pthread_mutex_lock(&r.mu);
        while (!r.exited)
            pthread_cond_wait(&r.cond, &r.mu);
        pthread_mutex_unlock(&r.mu);
        rc = r.oom ? K8S_ENOMEM : r.code;
        if (err) {
            *err = r.err;
            if (r.err.status) /* the session's arena goes with it */
                err->status = k8s_copy(&k8s_status_desc, r.err.status, arena);
            if (r.oom)
                k8s_error_set(err, rc, NULL, NULL, NULL, "out of memory collecting the output");
        }
        if (rc == K8S_OK && exit_status)
            *exit_status = r.exit_status;
        if (rc == K8S_OK && stdout_ && !(*stdout_ = to_arena(arena, &r.out, stdout_len)))
            rc = K8S_ENOMEM;
        if (rc == K8S_OK && stderr_ && !(*stderr_ = to_arena(arena, &r.errout, stderr_len)))
            rc = K8S_ENOMEM;
        k8s_exec_free(e);
    }
    k8s_buf_free(&r.out);
    k8s_buf_free(&r.errout);
    pthread_mutex_destroy(&r.mu);
    pthread_cond_destroy(&r.cond);
    return rc;
}
