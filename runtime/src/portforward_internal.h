/* portforward.c's entry for tests: a stream without a connection. Private. */
#ifndef K8S_PORTFORWARD_INTERNAL_H
#define K8S_PORTFORWARD_INTERNAL_H

#include "k8s/portforward.h"

/* A stream without a connection (k8s_ws_start_detached): the caller plays
 * the server through k8s_ws_receive(k8s_portforward_ws(pf), ...). */
k8s_code k8s_portforward_start_detached(uint16_t port, const k8s_portforward_options *opts,
                                       const k8s_portforward_handlers *handlers,
                                       k8s_portforward **out);

typedef struct k8s_ws k8s_ws;
k8s_ws *k8s_portforward_ws(k8s_portforward *pf);

#endif
