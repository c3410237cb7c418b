/* Running commands in containers (pods/exec) and attaching to their main
 * process (pods/attach), over WebSocket as kubectl does with Kubernetes
 * 1.30+: subprotocol v5.channel.k8s.io, or v4.channel.k8s.io from servers
 * without the close signal.
 *
 * A session is asynchronous: start returns at once; what happens arrives
 * through the handlers, on the client's loop thread (they must not block;
 * hand slow work to k8s_loop_offload). on_end runs exactly once per started
 * session, as the last callback, and never when start fails. The
 * functions that act on a session may be called from any thread until
 * k8s_exec_free; they copy what they are given.
 *
 *   k8s_exec_options o = {.command = (const char *[]){"ls", "-l", NULL}, .stdout_ = true};
 *   k8s_exec_handlers h = {.on_output = on_output, .on_end = on_end, .data = me};
 *   k8s_exec_start(client, "default", "web", &o, &h, &me->exec);
 *   ... on_end: k8s_exec_free(me->exec) (there, or later from any thread)
 *
 * k8s_exec_run does the common case in one call and waits for it. */
#ifndef K8S_EXEC_H
#define K8S_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "k8s/arena.h"
#include "k8s/client.h"
#include "k8s/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8s_exec k8s_exec;

/* The channels of output (and of stdin, for completeness). */
enum { K8S_EXEC_STDIN = 0, K8S_EXEC_STDOUT = 1, K8S_EXEC_STDERR = 2 };

typedef struct k8s_exec_options {
    const char *container;      /* NULL: the pod's only (or default) container */
    const char *const *command; /* exec: argv, NULL-terminated, at least one; attach: unused */
    bool stdin_;                /* (stdin, stdout and stderr may be macros) */
    bool stdout_;
    bool stderr_;
    bool tty;          /* a terminal: stderr comes on stdout; resize applies */
    size_t max_unsent; /* stdin bytes buffered before k8s_exec_write says K8S_EFULL; 0: 1 MiB */
    /* For the upgrade once connected (connecting follows the client's
     * timeout); 0: 30 s. The session itself has none. */
    int timeout_ms;
} k8s_exec_options;

typedef struct k8s_exec_handlers {
    /* The upgrade succeeded: protocol is "v5.channel.k8s.io" or
     * "v4.channel.k8s.io". May be NULL. */
    void (*on_open)(void *data, const char *protocol);
    /* Bytes the process wrote: channel K8S_EXEC_STDOUT or K8S_EXEC_STDERR,
     * in pieces of any size, in order. Valid during the call. */
    void (*on_output)(void *data, int channel, const char *bytes, size_t len);
    /* After k8s_exec_write said K8S_EFULL: the unsent stdin fell to half
     * of max_unsent. May be NULL. */
    void (*on_writable)(void *data);
    /* The end, once. code K8S_OK: the process exited with exit_status
     * (0..255). Otherwise the session failed or was canceled and
     * exit_status is -1: K8S_ECANCELED, a refused upgrade as for other
     * calls (K8S_EFORBIDDEN, K8S_ENOTFOUND, K8S_EHTTP for a 400 such as a
     * pod without a node; err->http_status and err->status, which stays
     * valid until k8s_exec_free), a Failure status other than an exit code
     * (the code for its HTTP code, or K8S_EHTTP; err->status), K8S_ECLOSED
     * when the connection ended without an exit status, K8S_EBADREPLY for
     * a server breaking the protocol, K8S_ETRANSPORT/K8S_ETLS/K8S_ETIMEDOUT. */
    void (*on_end)(void *data, k8s_code code, int exit_status, const k8s_error *err);
    void *data;
} k8s_exec_handlers;

/* namespace_ NULL: the client's. *out is set before any handler can run
 * and stays NULL when start fails (K8S_EINVAL for missing arguments or
 * no stream requested, K8S_ENOMEM, K8S_ECLOSED when the client closes). */
k8s_code k8s_exec_start(k8s_client *client, const char *namespace_, const char *pod,
                        const k8s_exec_options *opts, const k8s_exec_handlers *handlers,
                        k8s_exec **out);
/* The same for the container's main process (command is not used). */
k8s_code k8s_attach_start(k8s_client *client, const char *namespace_, const char *pod,
                          const k8s_exec_options *opts, const k8s_exec_handlers *handlers,
                          k8s_exec **out);

/* Queues len bytes for the process's stdin (copied; sent in order, also
 * when written before the upgrade is done). K8S_EFULL when max_unsent
 * bytes already wait (nothing is taken; try again after on_writable: a write
 * that finds room is taken whole), K8S_EINVAL without stdin_, K8S_ECLOSED
 * after k8s_exec_close_stdin or the end. */
k8s_code k8s_exec_write(k8s_exec *exec, const void *bytes, size_t len);
/* No more stdin: on v5.channel.k8s.io the process reads end-of-file once
 * what was written has been sent. v4.channel.k8s.io cannot say this: the
 * process never sees end-of-file (only further writes are refused); end
 * such a session with k8s_exec_stop. */
k8s_code k8s_exec_close_stdin(k8s_exec *exec);
/* The terminal's size (sent as {"Width":w,"Height":h} on channel 4). */
k8s_code k8s_exec_resize(k8s_exec *exec, unsigned width, unsigned height);
/* Ends the session now (any thread, asynchronous): on_end follows with
 * K8S_ECANCELED unless it had run. */
void k8s_exec_stop(k8s_exec *exec);
/* After on_end has run (in it, or later from any thread). NULL: no-op. */
void k8s_exec_free(k8s_exec *exec);

/* Runs a command and waits for it (not from the loop thread): stdin_data
 * (len bytes; NULL: no stdin) is written and stdin closed; stdout and
 * stderr are collected when their pointers are non-NULL, NUL-terminated,
 * in arena. K8S_OK when the command ran, whatever its *exit_status; other
 * codes as for on_end (err->status lives in arena). opts gives
 * command, container, tty and timeout_ms; its stream flags are ignored. */
k8s_code k8s_exec_run(k8s_client *client, k8s_arena *arena, const char *namespace_, const char *pod,
                      const k8s_exec_options *opts, const void *stdin_data, size_t stdin_len,
                      char **stdout_, size_t *stdout_len, char **stderr_, size_t *stderr_len,
                      int *exit_status, k8s_error *err);

#ifdef __cplusplus
}
#endif
#endif
