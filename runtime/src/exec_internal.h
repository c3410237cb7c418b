/* exec.c's entry for tests: a session offering chosen subprotocols (such
 * as v4.channel.k8s.io alone, to see the fallback). Private. */
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

#endif
