/* The receive side of exec, attach and port-forward sessions: the
 * upgrade reply and the WebSocket frames a server sends, fed to a session
 * without a connection (k8s_ws_start_detached) in arbitrary pieces.
 *
 * Input: 1 mode byte, 4 bytes seeding the piece sizes, then what the
 * server sends. Mode bits:
 *   0     exec (0) or port-forward to port 8080 (1)
 *   1     the input starts with the whole upgrade reply, "@ACCEPT@"
 *         standing for the Sec-WebSocket-Accept value (1), or only frames
 *         follow a well-formed 101 reply (0)
 *   2-3   that 101's subprotocol: the first or second offered, none, or
 *         one never offered
 *   4     exec offers v4.channel.k8s.io only
 *   5     once open, the client sends a message (stdin / port data)
 *   6     once open, the client starts a clean close
 *   7     the server then closes the connection (1) or the client cancels
 * Checks: the end comes exactly once and nothing after it; output only on
 * stdout/stderr; an exit status only with K8S_OK and within 0..255; the
 * error's code is the result; the protocol is one offered. */
#define _GNU_SOURCE
#include <string.h>

#include "exec_internal.h"
#include "fuzz.h"
#include "portforward_internal.h"
#include "ws_internal.h"

#define PORT 8080

static const char *const exec_v4_only[] = {"v4.channel.k8s.io", NULL};
static const char *const pf_protocols[] = {"v4.channel.k8s.io", "portforward.k8s.io", NULL};

typedef struct session {
    unsigned mode;
    k8s_ws *ws;
    const char *const *offered;
    unsigned opens, ends;
} session;

static void opened(session *s, const char *protocol)
{
    FUZZ_CHECK(!s->ends, "open after the end");
    FUZZ_CHECK(++s->opens == 1, "open %u times", s->opens);
    if (protocol) {
        bool offered = false;
        for (const char *const *p = s->offered; *p; p++)
            offered |= strcmp(*p, protocol) == 0;
        FUZZ_CHECK(offered, "protocol \"%s\" was not offered", protocol);
    }
    if (s->mode & 32)
        k8s_ws_send_now(s->ws, 0, "ping\n", 5);
    if (s->mode & 64)
        k8s_ws_close_now(s->ws);
}

static void ended(session *s, k8s_code code, const k8s_error *err)
{
    FUZZ_CHECK(++s->ends == 1, "the end came %u times", s->ends);
    FUZZ_CHECK(err && err->code == code, "ended with %s, err says %s", k8s_strerror(code),
               err ? k8s_strerror(err->code) : "nothing");
    FUZZ_CHECK(code == K8S_OK || err->message[0], "%s without a message", k8s_strerror(code));
}

static void exec_open(void *data, const char *protocol)
{
    FUZZ_CHECK(protocol, "exec opened without a protocol");
    opened(data, protocol);
}

static void exec_output(void *data, int channel, const char *bytes, size_t len)
{
    session *s = data;
    (void)bytes;
    FUZZ_CHECK(s->opens && !s->ends, "output outside the session");
    FUZZ_CHECK(channel == K8S_EXEC_STDOUT || channel == K8S_EXEC_STDERR, "output on channel %d",
               channel);
    FUZZ_CHECK(len, "empty output");
}

static void exec_exit(void *data, k8s_code code, int exit_status, const k8s_error *err)
{
    ended(data, code, err);
    FUZZ_CHECK(code == K8S_OK ? exit_status >= 0 && exit_status <= 255 : exit_status == -1,
               "exit status %d with %s", exit_status, k8s_strerror(code));
}

static void pf_open(void *data)
{
    opened(data, NULL);
}

static void pf_received(void *data, const char *bytes, size_t len)
{
    session *s = data;
    (void)bytes;
    FUZZ_CHECK(s->opens && !s->ends, "data outside the stream");
    FUZZ_CHECK(len, "empty data");
}

static void pf_close(void *data, k8s_code code, const k8s_error *err)
{
    ended(data, code, err);
}

/* The server's reply and frames, with the accept value in place. */
static k8s_buf reply(const session *s, const fuzz_input *in)
{
    k8s_buf b = K8S_BUF_INIT;
    bool ok = true;
    if (s->mode & 2) {
        static const char token[] = "@ACCEPT@";
        const char *p = (const char *)in->data, *end = p + in->size;
        for (const char *t; (t = memmem(p, (size_t)(end - p), token, sizeof token - 1));) {
            ok &= !k8s_buf_append(&b, p, (size_t)(t - p)) && !k8s_buf_append_str(&b, s->ws->accept);
            p = t + sizeof token - 1;
        }
        ok &= !k8s_buf_append(&b, p, (size_t)(end - p));
    } else {
        static const char *const extra[] = {NULL, NULL, NULL, "bogus.k8s.io"};
        unsigned pick = s->mode >> 2 & 3;
        const char *protocol = pick < 2 ? s->offered[pick] : extra[pick];
        ok &= !k8s_buf_append_str(&b, "HTTP/1.1 101 Switching Protocols\r\n"
                                      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                      "Sec-WebSocket-Accept: ") &&
              !k8s_buf_append_str(&b, s->ws->accept) && !k8s_buf_append_str(&b, "\r\n");
        if (protocol)
            ok &= !k8s_buf_append_str(&b, "Sec-WebSocket-Protocol: ") &&
                  !k8s_buf_append_str(&b, protocol) && !k8s_buf_append_str(&b, "\r\n");
        ok &= !k8s_buf_append_str(&b, "\r\n") && !k8s_buf_append(&b, in->data, in->size);
    }
    FUZZ_CHECK(ok, "out of memory");
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    session s = {.mode = fuzz_byte(&in)};
    uint32_t seed = (uint32_t)fuzz_u16(&in) << 16;
    seed |= fuzz_u16(&in);

    k8s_exec *e = NULL;
    k8s_portforward *pf = NULL;
    if (s.mode & 1) {
        static const k8s_portforward_handlers h = {pf_open, pf_received, NULL, pf_close, NULL};
        k8s_portforward_handlers hs = h;
        hs.data = &s;
        s.offered = pf_protocols; /* what portforward.c offers */
        FUZZ_CHECK(k8s_portforward_start_detached(PORT, NULL, &hs, &pf) == K8S_OK, "cannot start");
        s.ws = k8s_portforward_ws(pf);
    } else {
        k8s_exec_options o = {.stdin_ = true, .stdout_ = true, .stderr_ = true};
        k8s_exec_handlers h = {exec_open, exec_output, NULL, exec_exit, &s};
        s.offered = s.mode & 16 ? exec_v4_only : k8s_exec_protocols_default;
        FUZZ_CHECK(k8s_exec_start_detached(&o, &h, s.offered, &e) == K8S_OK, "cannot start");
        s.ws = k8s_exec_ws(e);
    }

    k8s_buf bytes = reply(&s, &in);
    bool eof = s.mode & 128;
    for (size_t off = 0, n; off < bytes.len && !s.ends; off += n) {
        n = fuzz_chunk(&seed, bytes.len - off);
        k8s_ws_receive(s.ws, bytes.data + off, n, eof && off + n == bytes.len);
    }
    if (!s.ends && eof)
        k8s_ws_receive(s.ws, NULL, 0, true);
    if (!s.ends)
        k8s_ws_cancel_now(s.ws);
    FUZZ_CHECK(s.ends == 1, "no end after %s", eof ? "the connection closed" : "a cancel");
    k8s_buf_free(&bytes);
    k8s_exec_free(e);
    k8s_portforward_free(pf);
    return 0;
}
