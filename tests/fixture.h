/* For the CMocka suites that run against the bundled test API server: the
 * server, a config for its admin user, and two clients on it. `client` is
 * what a suite tests; `writer` makes the suite's own changes on
 * connections of its own, which the faults aimed at `client` do not cut. */
#ifndef K8S_TEST_FIXTURE_H
#define K8S_TEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "k8s/api.h"
#include "testserver.h"

extern test_server srv;
extern k8s_config *cfg;
extern k8s_client *client, *writer;

/* Fails the test with the call's text and err.message unless it gives K8S_OK. */
#define CHECK_OK(call)                                                                       \
    do {                                                                                     \
        k8s_code rc_ = (call);                                                               \
        if (rc_ != K8S_OK)                                                                   \
            fail_msg("%s: %s (%s)", #call, k8s_strerror(rc_), err.message);                  \
    } while (0)

/* Group setup and teardown. Without node the server cannot start: setup
 * still succeeds, and each test skips through need_server(). */
int fixture_setup(void **state);
int fixture_teardown(void **state);
void need_server(void);

/* A control API request (/_test/...) that must answer 200. */
void control(const char *method, const char *path, const char *json);

/* Creates a pod in "default" with busybox containers of these names
 * ("a,b"); run: the test server's kubelet part starts it. */
void create_pod(const char *name, const char *containers, bool run);

/* A client of its own for the user given as kubeconfig YAML lines
 * ("    token: no-rights-token"); free both with fixture_client_free. */
k8s_client *fixture_client_as(const char *name, const char *user_yaml);
void fixture_client_free(k8s_client *c);

/* With writer: creates or replaces the ConfigMap ns/name with data v=value
 * and, unless label is NULL, one label given as "key=value". */
void put_config_map(const char *ns, const char *name, const char *value, const char *label);
/* With writer: deletes the ConfigMap ns/name (one already gone is fine). */
void delete_config_map(const char *ns, const char *name);

/* Creates a namespace "<prefix>-<pid>-<serial>" (into buf) with writer. */
const char *new_namespace(const char *prefix, char *buf, size_t n);

#endif
