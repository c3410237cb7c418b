/* Where the API server is and how to authenticate to it, resolved as
 * kubectl resolves it: kubeconfig files (KUBECONFIG lists merged in order),
 * contexts, clusters, users, exec credential plugins; or the in-cluster
 * service account. A config is immutable once loaded and may be shared by
 * clients in several threads. Secrets it holds never appear in error text. */
#ifndef K8S_CONFIG_H
#define K8S_CONFIG_H

#include <stddef.h>

#include "k8s/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8s_config k8s_config;

/* kubectl's flags of the same names; NULL leaves each to the kubeconfig. */
typedef struct k8s_config_options {
    const char *kubeconfig; /* one file, instead of $KUBECONFIG or ~/.kube/config (--kubeconfig) */
    const char *context;    /* instead of current-context (--context) */
    const char *cluster;    /* instead of the context's cluster (--cluster) */
    const char *user;       /* instead of the context's user (--user) */
    const char *namespace_; /* instead of the context's namespace (--namespace) */
} k8s_config_options;

/* kubectl's loading rules: opts->kubeconfig, else the files listed in
 * $KUBECONFIG (':'-separated, merged: the first file to define a name or
 * current-context wins; missing files are skipped), else ~/.kube/config.
 * Files named inside a kubeconfig are relative to that kubeconfig. Errors
 * (K8S_ECONFIG) name the file in err->path, and the entry and the problem
 * in err->message: 'users["alice"]: client-key-data is not valid base64'.
 * opts may be NULL. */
k8s_code k8s_config_load(k8s_config **out, const k8s_config_options *opts, k8s_error *err);

/* A kubeconfig given as text (YAML or JSON); `origin` names it in messages
 * and relative file names are taken from the current directory. */
k8s_code k8s_config_parse(k8s_config **out, const char *text, size_t len, const char *origin,
                          const k8s_config_options *opts, k8s_error *err);

/* The pod's service account: $KUBERNETES_SERVICE_HOST and _PORT, and the
 * token, ca.crt and namespace files under
 * /var/run/secrets/kubernetes.io/serviceaccount. The token file is re-read
 * when it changes (kubelet rotates it). */
k8s_code k8s_config_in_cluster(k8s_config **out, k8s_error *err);

/* What most programs want: k8s_config_load when a kubeconfig exists
 * ($KUBECONFIG or ~/.kube/config), else k8s_config_in_cluster. */
k8s_code k8s_config_default(k8s_config **out, k8s_error *err);

void k8s_config_free(k8s_config *config); /* NULL is a no-op */

/* "https://host:port" (and any path prefix of the server URL). */
const char *k8s_config_server(const k8s_config *config);
/* The context's namespace, or "default". */
const char *k8s_config_namespace(const k8s_config *config);
/* The context's name, or "in-cluster". */
const char *k8s_config_context(const k8s_config *config);

#ifdef __cplusplus
}
#endif
#endif
