/* Error codes and the error detail struct shared by every k8s_ function.
 *
 * The code list only ever grows at its end (append-only, like CURLcode), so a
 * number printed in a log keeps its meaning across versions. */
#ifndef K8S_ERROR_H
#define K8S_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, text): the enum and k8s_strerror() are both made from this table. */
#define K8S_CODES(X)                                                          \
    X(K8S_OK, "success")                                                      \
    X(K8S_ENOMEM, "out of memory")                                            \
    X(K8S_EINVAL, "invalid argument")                                         \
    X(K8S_EIO, "input/output error")                                          \
    X(K8S_ESYNTAX, "malformed JSON")                                          \
    X(K8S_ETYPE, "value has the wrong type")                                  \
    X(K8S_ERANGE, "number out of range")                                      \
    X(K8S_EENCODING, "invalid UTF-8 or escape sequence")                      \
    X(K8S_EDEPTH, "nesting too deep")                                         \
    X(K8S_ETOOBIG, "value too large")                                         \
    X(K8S_EDUPKEY, "duplicate key")                                           \
    X(K8S_EUNKNOWN_FIELD, "unknown field")                                    \
    X(K8S_EVALUE, "invalid value")                                            \
    X(K8S_EUNKNOWN_KIND, "unknown apiVersion/kind")                           \
    X(K8S_EYAML, "malformed YAML")                                            \
    X(K8S_EDONE, "no more items")                                            \
    X(K8S_ECONFIG, "invalid configuration")                                   \
    X(K8S_EAUTH, "cannot get credentials")                                    \
    X(K8S_ETIMEDOUT, "timed out")                                             \
    X(K8S_ECANCELED, "canceled")                                              \
    X(K8S_ECLOSED, "closed")                                                  \
    X(K8S_EFULL, "queue is full")                                             \
    X(K8S_ETRANSPORT, "cannot reach the API server")                         \
    X(K8S_ETLS, "TLS failure")                                                \
    X(K8S_EBADREPLY, "the API server's reply cannot be read")                 \
    X(K8S_EHTTP, "the API server refused the request")                        \
    X(K8S_EUNAUTHORIZED, "unauthorized (HTTP 401)")                           \
    X(K8S_EFORBIDDEN, "forbidden (HTTP 403)")                                 \
    X(K8S_ENOTFOUND, "not found (HTTP 404)")                                  \
    X(K8S_ECONFLICT, "conflict or already exists (HTTP 409)")                \
    X(K8S_EGONE, "expired: resource version too old (HTTP 410)")             \
    X(K8S_EINVALID, "invalid object (HTTP 422)")                              \
    X(K8S_ETHROTTLED, "too many requests (HTTP 429)")

typedef enum k8s_code {
#define K8S_CODE_ENUM_(name, text) name,
    K8S_CODES(K8S_CODE_ENUM_)
#undef K8S_CODE_ENUM_
    K8S_CODE_COUNT_
} k8s_code;

/* A static, human-readable text for a code; never NULL. */
const char *k8s_strerror(k8s_code code);

struct k8s_status;

/* Detail for the last failure. Callers own it (usually on the stack) and may
 * pass NULL where they only want the code. Nothing in it needs freeing. */
typedef struct k8s_error {
    k8s_code code;
    char path[256];    /* JSON path of the failing value ("spec.containers[2].image"); "" = root */
    char message[256]; /* what went wrong, without the path */
    size_t offset;     /* byte offset in the input, when the input was text */
    unsigned line;     /* 1-based line/column of offset; 0 when unknown */
    unsigned column;
    /* API calls (k8s/client.h): */
    int http_status;                 /* 0 when no reply came */
    int curl_code;                   /* libcurl's code for a transport or TLS failure, else 0 */
    const struct k8s_status *status; /* the server's Status, in the call's arena; or NULL */
} k8s_error;

/* Writes "path: message" (with "line L, column C: " in front when known)
 * into buf, truncating to n bytes; returns buf. */
const char *k8s_error_format(const k8s_error *err, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
