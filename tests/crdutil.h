/* For the custom resource tests: JSON values with numbers kept as their
 * exact text, written canonically (keys sorted, one way of escaping) or as
 * block YAML, and random objects made from a CRD version's schema. */
#ifndef K8S_TEST_CRDUTIL_H
#define K8S_TEST_CRDUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pthread.h>

#include <cjson/cJSON.h>

#include "k8s/api.h"
#include "k8s/buf.h"

typedef struct jval jval;

/* NULL when text is not one JSON value. */
jval *jv_parse(const char *text, size_t len);
void jv_free(jval *v);
/* Compact JSON with every object's keys sorted, strings escaped one way. */
void jv_canonical(const jval *v, k8s_buf *out);
/* The same value as block-style YAML (strings double-quoted). */
void jv_yaml(const jval *v, k8s_buf *out);

/* The canonical form of a JSON text, malloc'ed; NULL when it is not JSON. */
char *canonical_json(const char *text, size_t len);

/* Whether two JSON texts are the same after key order; when not, why
 * (where they first differ). */
bool same_json(const char *want, const char *got, char *why, size_t n);

/* A random object of the CRD version whose openAPIV3Schema is schema:
 * every property kind with edge values (int64 and int32 limits, 2^53+1,
 * doubles, escapes and multi-byte UTF-8, empty and absent arrays and maps,
 * explicit nulls where the schema allows them), free-form values where it
 * preserves unknown fields, and unknown fields in typed objects. Enums,
 * required fields, minimum/maximum and list-type set/map uniqueness are
 * honoured; patterns, lengths and CEL rules are not. */
void crd_random_object(uint64_t *rng, const cJSON *schema, const char *api_version, const char *kind,
                       k8s_buf *out);

/* The served versions' schemas of a CRD document (cJSON of its JSON):
 * calls fn for each. */
typedef void (*crd_version_fn)(void *ctx, const char *group, const char *version, const char *kind,
                               const cJSON *schema);
void crd_each_version(const cJSON *crd, crd_version_fn fn, void *ctx);

/* One random object of the version (crd_random_object), decoded by its
 * apiVersion and kind through reg, encoded again and compared; then the
 * same from its YAML form. False, with why, at the first difference. */
bool crd_roundtrip_random(const k8s_registry *reg, uint64_t *rng, const cJSON *schema, const char *group,
                          const char *version, const char *kind, char *why, size_t n);

/* Creates every apiextensions.k8s.io/v1 CRD of a YAML file (one that
 * exists already is fine). K8S_OK, or the failure with why. */
k8s_code crd_install(k8s_client *client, const char *path, char *why, size_t n);

/* A log that callbacks on the loop thread append to and a test waits on. */
typedef struct event_log {
    pthread_mutex_t mu;
    char text[4096];
} event_log;
#define EVENT_LOG_INIT {PTHREAD_MUTEX_INITIALIZER, ""}
void event_note(event_log *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Whether what appears in the log within 5 s. */
bool event_logged(event_log *log, const char *what);
/* A k8s_done_fn that does nothing (a watcher's on_end). */
void ignore_end(void *data, k8s_code code, void *result, const k8s_error *err);

/* Every document of a YAML file as cJSON, in order; NULL-terminated array
 * (free with crd_free_docs); NULL when the file cannot be read or parsed. */
cJSON **crd_read_docs(const char *path);
void crd_free_docs(cJSON **docs);

#endif
