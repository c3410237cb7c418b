/* What the Kubernetes REST API is made of, apart from any I/O: resources,
 * operations and their arguments, the options each verb takes, and the
 * Status a server answers with. The client (k8s/client.h) performs
 * operations; generated trees describe theirs with these types (a
 * k8s_resource per kind, a k8s_op per typed function), and the registry
 * points from a kind to its resource, so a program that only decodes and
 * encodes needs none of the client. */
#ifndef K8S_RESOURCE_H
#define K8S_RESOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The API server's Status, as it sent it (meta/v1 Status); a failed call's
 * k8s_error points at it (err.status) along with err.http_status. */
typedef struct k8s_status_cause {
    char *reason;
    char *message;
    char *field;
    char *_unknown;
} k8s_status_cause;

typedef struct k8s_status_details {
    char *name;
    char *group;
    char *kind;
    char *uid;
    k8s_status_cause *causes;
    size_t causes_len;
    bool has_retryAfterSeconds;
    int32_t retryAfterSeconds;
    char *_unknown;
} k8s_status_details;

typedef struct k8s_status {
    char *kind;
    char *apiVersion;
    char *status; /* "Success" or "Failure" */
    char *message;
    char *reason; /* "NotFound", "AlreadyExists", "Conflict", "Invalid", ... */
    k8s_status_details *details;
    bool has_code;
    int32_t code;
    char *_unknown;
} k8s_status;

extern const k8s_type k8s_status_desc;

/* A REST resource: what a URL is made of. Generated trees define one per
 * kind (k8s_core_v1_pod_resource); for custom resources fill one in or get
 * it from discovery. */
typedef struct k8s_resource {
    const char *group;    /* "" for the core group */
    const char *version;  /* "v1" */
    const char *resource; /* plural, lower case: "pods" */
    const char *kind;     /* "Pod" */
    bool namespaced;
    const k8s_type *type;      /* the object's type; NULL for dynamic use */
    const k8s_type *list_type; /* the list's type; NULL for dynamic use */
} k8s_resource;

/* The one spelling of "every namespace", for lists, watches, watchers and
 * informers (and informer lookups). Everywhere a namespace is taken, NULL
 * means the client's namespace (k8s_client_namespace), never all. */
#define K8S_ALL_NAMESPACES ""

typedef uint64_t k8s_call_id;

/* Part of every options struct. */
typedef struct k8s_call_options {
    /* 0: the client's. The call ends with K8S_ETIMEDOUT this long after it
     * started whatever it is waiting for (the rate limit, credentials, a
     * free HTTP/2 stream, the reply, a retry); each page of all_pages gets
     * it anew. Streams: the silence allowed between bytes (0: none). */
    int timeout_ms;
    k8s_call_id *id; /* receives the call's id at submission, for k8s_cancel */
} k8s_call_options;

/* Query parameters: zero means "not sent"; where zero or false is itself a
 * value worth sending, a has_ flag says whether to send it. */
typedef struct k8s_get_options {
    k8s_call_options call;
} k8s_get_options;

typedef struct k8s_list_options {
    k8s_call_options call;
    const char *labelSelector;
    const char *fieldSelector;
    int64_t limit;
    const char *continue_;
    const char *resourceVersion;
    const char *resourceVersionMatch;
    int64_t timeoutSeconds;
    bool allowWatchBookmarks;
    bool has_sendInitialEvents;
    bool sendInitialEvents;
    const char *shardSelector; /* Kubernetes 1.36+, alpha: a CEL shardRange() expression */
    /* Not sent: follow metadata.continue to the last page and return one
     * list holding every item (each page asks for `limit` items). */
    bool all_pages;
} k8s_list_options;

/* create and replace */
typedef struct k8s_write_options {
    k8s_call_options call;
    const char *dryRun;          /* "All" */
    const char *fieldManager;
    const char *fieldValidation; /* "Ignore", "Warn", "Strict" */
} k8s_write_options;

typedef enum k8s_patch_type {
    K8S_PATCH_MERGE = 0, /* application/merge-patch+json (RFC 7386) */
    K8S_PATCH_JSON,      /* application/json-patch+json (RFC 6902) */
    K8S_PATCH_STRATEGIC, /* application/strategic-merge-patch+json */
    K8S_PATCH_APPLY      /* application/apply-patch+yaml: server-side apply */
} k8s_patch_type;

typedef struct k8s_patch_options {
    k8s_call_options call;
    k8s_patch_type type;
    const char *dryRun;
    const char *fieldManager; /* required for K8S_PATCH_APPLY */
    const char *fieldValidation;
    bool force; /* apply: take fields other managers own */
} k8s_patch_options;

/* Sent as a DeleteOptions body, as kubectl does. */
typedef struct k8s_delete_options {
    k8s_call_options call;
    const char *dryRun;
    bool has_gracePeriodSeconds;
    int64_t gracePeriodSeconds;
    const char *propagationPolicy; /* "Orphan", "Background", "Foreground" */
    bool has_orphanDependents;
    bool orphanDependents;
    bool ignoreStoreReadErrorWithClusterBreakingPotential;
    const char *preconditionUID;             /* delete only this uid */
    const char *preconditionResourceVersion; /* delete only at this version */
} k8s_delete_options;

/* pods/log */
typedef struct k8s_log_options {
    k8s_call_options call;
    const char *container;
    bool follow;
    bool previous;
    bool timestamps;
    int64_t sinceSeconds;
    const char *sinceTime; /* RFC 3339 */
    bool has_tailLines;
    int64_t tailLines;
    int64_t limitBytes;
    bool insecureSkipTLSVerifyBackend;
    const char *stream; /* "Stdout", "Stderr", "All" */
} k8s_log_options;

typedef enum k8s_verb {
    K8S_VERB_GET = 1,
    K8S_VERB_LIST,
    K8S_VERB_CREATE,
    K8S_VERB_REPLACE,
    K8S_VERB_PATCH,
    K8S_VERB_APPLY, /* a PATCH with an encoded object as the apply patch */
    K8S_VERB_DELETE,
    K8S_VERB_DELETE_COLLECTION,
    K8S_VERB_WATCH /* a LIST's URL with watch=true; options are k8s_list_options */
} k8s_verb;

/* One operation of the API: generated tables hold one per typed function. */
typedef struct k8s_op {
    const k8s_resource *resource;
    const char *subresource;  /* NULL, "status", "scale", "log", "eviction", ... */
    k8s_verb verb;
    const k8s_type *body;     /* the request body's type, or NULL */
    const k8s_type *result;   /* the reply's type; NULL: text (pods/log) */
    const char *result_kind;  /* the kind the reply should have */
} k8s_op;

/* What changes from call to call. Which options struct `options` points
 * at follows from the verb (get, list, write, patch, delete, delete for
 * DELETE_COLLECTION with `list` for its selectors; log for pods/log). */
typedef struct k8s_args {
    const char *namespace_; /* NULL: the client's namespace */
    const char *name;
    const void *body;       /* typed body (create, replace, apply, eviction, ...) */
    const char *text;       /* patch text, or a JSON body for dynamic calls */
    const void *options;
    const k8s_list_options *list; /* DELETE_COLLECTION's selectors */
} k8s_args;

#ifdef __cplusplus
}
#endif
#endif
