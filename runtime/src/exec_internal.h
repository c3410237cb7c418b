/* exec.c's entries for tests: a session offering chosen subprotocols (such
 * as v4.channel.k8s.io alone, to see the fallback), and one without a
 * connection. Private. */
#ifndef K8S_EXEC_INTERNAL_H
#define K8S_EXEC_INTERNAL_H

#include <stdbool.h>

#include "k8s/exec.h"

/* {"v5.channel.k8s.io", "v4.channel.k8s.io", NULL} */
extern const char *const k8s_exec_protocols_default[];

/* protocols: static strings, most wanted first, NULL-terminated. */
k8s_code k8s_exec_start_with(k8s_client *client, const char *namespace_, const char *pod,
                             bool attach, const k8s_exec_options *opts,
                             const k8s_exec_handlers *handlers, const char *const *protocols,
                             k8s_exec **out);

/* A session without a connection (k8s_ws_start_detached): the caller
 * plays the server through k8s_ws_receive(k8s_exec_ws(e), ...). */
k8s_code k8s_exec_start_detached(const k8s_exec_options *opts, const k8s_exec_handlers *handlers,
                                 const char *const *protocols, k8s_exec **out);

typedef struct k8s_ws k8s_ws;
k8s_ws *k8s_exec_ws(k8s_exec *e);

#endif
