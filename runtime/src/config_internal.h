/* What a loaded config holds (k8s/config.h), and the credential cache the
 * HTTP client asks for an Authorization header and client certificate
 * before each request. Private to the runtime. */
#ifndef K8S_CONFIG_INTERNAL_H
#define K8S_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/config.h"

/* Bytes read from *-data fields or files: PEM text for certificates. */
typedef struct k8s_blob {
    char *data; /* NUL-terminated copy; NULL when absent */
    size_t len;
} k8s_blob;

/* users[].user.exec: a client.authentication.k8s.io credential plugin. */
typedef struct k8s_exec_config {
    char *command;
    char **args; /* NULL-terminated */
    char **env;  /* "NAME=value", NULL-terminated, added to the environment */
    char *api_version;
    char *install_hint;
    bool provide_cluster_info;
    /* JSON of the cluster's client.authentication.k8s.io/exec extension,
     * passed in KUBERNETES_EXEC_INFO; or NULL */
    char *cluster_config;
} k8s_exec_config;

struct k8s_config {
    char *origin;  /* for messages: file name(s) and context, never secrets */
    char *context; /* context name, "in-cluster" */
    char *server;  /* URL without a trailing '/' */
    char *namespace_;
    /* TLS */
    bool insecure; /* insecure-skip-tls-verify */
    char *tls_server_name;
    char *proxy_url;
    k8s_blob ca;          /* certificate-authority(-data), read at load time */
    /* for messages, where ca came from: 'certificate-authority file /x/ca.crt
     * of clusters["c"]', 'certificate-authority-data of clusters["c"] in
     * /home/u/.kube/config', ...; NULL: the system's CA store */
    char *ca_origin;
    k8s_blob client_cert; /* client-certificate(-data) */
    k8s_blob client_key;  /* client-key(-data) */
    /* authentication: at most one of these sets a header */
    char *token;
    char *token_file; /* re-read when it changes */
    char *username, *password;
    k8s_exec_config *exec;
    /* for messages about credentials: the users[] entry and the file that
     * defines it (NULL for in-cluster and anonymous configs) */
    char *user;
    char *user_origin;
};

/* For tests and non-standard mounts: in-cluster config from dir instead of
 * /var/run/secrets/kubernetes.io/serviceaccount. */
k8s_code k8s_config_in_cluster_at(k8s_config **out, const char *dir, k8s_error *err);

/* strerror, thread-safe: the text for errno value e. */
const char *k8s_errno_text(int e, char *buf, size_t n);

/* ---- credentials ---- */

typedef struct k8s_credential {
    char *authorization; /* Authorization header value ("Bearer ...", "Basic ..."), or NULL */
    k8s_blob cert, key;  /* a client certificate from an exec plugin, or empty */
    int64_t expires_at;  /* Unix seconds; 0: does not expire */
} k8s_credential;

typedef struct k8s_credentials k8s_credentials;

/* The cache for one config (which must outlive it). Thread-safe. */
k8s_credentials *k8s_credentials_new(const k8s_config *config);
void k8s_credentials_free(k8s_credentials *c);

/* Never blocks: copies the cached credential into out and returns true
 * when it is good for at least a minute more and, for a token file, the
 * file has not changed since it was read (a stat, no read). False when a
 * refresh (k8s_credentials_get) is due. */
bool k8s_credentials_peek(k8s_credentials *c, k8s_credential *out);

/* May block (reads token files, runs exec plugins, with a time limit):
 * refreshes what is due, or everything when force (after a 401), and
 * copies the result into out. Concurrent callers share one refresh.
 * (out is overwritten, not freed, by peek and get.) */
k8s_code k8s_credentials_get(k8s_credentials *c, bool force, k8s_credential *out, k8s_error *err);

/* How long an exec plugin may run before it is killed. */
#define K8S_EXEC_TIMEOUT_MS 60000
/* For tests: another limit for this cache's plugin runs. */
void k8s_credentials_set_exec_timeout(k8s_credentials *c, int ms);

/* Reads an exec plugin's output, the ExecCredential JSON of cfg->exec's
 * apiVersion, into out (zeroed by the caller; k8s_credential_clear frees
 * it, also what a failure left). Errors are K8S_EAUTH naming the plugin
 * and the user, never quoting the output. */
k8s_code k8s_exec_credential_parse(const k8s_config *cfg, const char *json, size_t len,
                                   k8s_credential *out, k8s_error *err);

/* Frees what a credential holds. */
void k8s_credential_clear(k8s_credential *cred);

/* For messages, what a request with cred carried and whose it is, never
 * its value: 'the token from the exec plugin /usr/bin/x of kubeconfig user
 * "alice" (/home/a/.kube/config)', 'no credentials'. */
void k8s_credential_describe(const k8s_config *cfg, const k8s_credential *cred, char *buf, size_t n);

#endif
