/* Starting and steering the bundled test API server (tests/apiserver,
 * Node.js) from C tests. */
#ifndef K8S_TESTSERVER_H
#define K8S_TESTSERVER_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct test_server {
    pid_t pid;
    int stdin_fd; /* the server exits when this closes */
    int port;
    bool tls;
    char url[128];
    char dir[512]; /* a temporary folder: certificates, kubeconfigs */
} test_server;

/* Starts the server on 127.0.0.1 (with TLS: certificates are made first by
 * mkcerts.sh into s->dir). False, with a message, when node or openssl is
 * missing or the server does not come up: the caller should skip. */
bool test_server_start(test_server *s, bool tls);
/* Stops it and removes s->dir. */
void test_server_stop(test_server *s);

/* A request to the control API (/_test/...); the HTTP status, or -1. The
 * reply body, when wanted, is malloc'ed. */
int test_server_control(const test_server *s, const char *method, const char *path,
                        const char *json, char **reply);

/* Writes s->dir/NAME, a kubeconfig for the server whose user is given as
 * YAML lines (e.g. "    token: admin-token"), and returns its path
 * (static buffer, valid until the next call). */
const char *test_server_kubeconfig(const test_server *s, const char *name, const char *user_yaml);

#endif
