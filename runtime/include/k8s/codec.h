/* The typed JSON codec: bytes straight into generated structs and back,
 * driven by the descriptor tables (k8s/types.h). No DOM in between.
 *
 * Decoding rules (what the tests pin down):
 *   - `null` reads as absent wherever a field or map value may be absent; as
 *     an array element it is an error (an array has no absent elements).
 *   - Numbers for integer fields must be integers in range (no 1.0, no 1e3);
 *     int64 is exact over its whole range.
 *   - A Quantity may be a string or a number, as Kubernetes reads it. A
 *     string is kept as it is; a number is kept as the text the API server
 *     stores for it (k8s_quantity_text_kept in k8s/values.h): 2 -> "2",
 *     0.5 -> "500m", 1000 -> "1k", 1e9 -> "1e9", exactly, however many
 *     digits. No other string-typed value takes a number (Kubernetes' Time,
 *     MicroTime, Duration and plain strings refuse them too).
 *   - Strings must be valid UTF-8 with valid escapes; lone surrogates and
 *     U+0000 (which a C string cannot hold) are errors.
 *   - A key that appears twice in one object (or map) is an error
 *     (K8S_EDUPKEY), wherever it is: typed fields, unknown fields, maps.
 *     Free-form JSON values are kept as they are, duplicates included.
 *   - Unknown fields are kept in `_unknown` and written back by the encoder.
 *   - Errors name the JSON path, the byte offset, line and column.
 */
#ifndef K8S_CODEC_H
#define K8S_CODEC_H

#include <stdbool.h>
#include <stddef.h>

#include "k8s/arena.h"
#include "k8s/buf.h"
#include "k8s/error.h"
#include "k8s/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define K8S_DEFAULT_MAX_DEPTH 512
#define K8S_DEFAULT_MAX_STRING ((size_t)64 << 20)

typedef enum k8s_severity { K8S_WARNING, K8S_PROBLEM } k8s_severity;

/* Receives each problem found when decoding in "report all" mode. */
typedef void (*k8s_diag_fn)(void *ctx, k8s_severity severity, const k8s_error *problem);

typedef struct k8s_decode_options {
    size_t max_depth;    /* nesting limit for objects and arrays; 0 = K8S_DEFAULT_MAX_DEPTH */
    /* Longest string, free-form value or unknown field value that decoding
     * keeps, in bytes; 0 = K8S_DEFAULT_MAX_STRING (64 MiB). A Kubernetes
     * object is at most a few MiB (etcd's default request limit is 1.5 MiB),
     * so a longer value is a mistake or an attack. Values only passed over
     * (finding apiVersion and kind, skipping after a problem) cost no memory
     * and are not limited, so a list of any size decodes. */
    size_t max_string;
    bool reject_unknown; /* unknown fields are K8S_EUNKNOWN_FIELD problems */
    /* With diag set, the decoder reports every problem it can recover from
     * (wrong types, ranges, duplicates, unknown fields as warnings) and goes
     * on; the call still fails with the first problem's code, but *out
     * holds what could be read. Malformed JSON stops it at once. */
    k8s_diag_fn diag;
    void *diag_ctx;
} k8s_decode_options;

/* Decodes one JSON value of `type` into a new struct allocated in `arena`.
 * opts may be NULL. On failure *out is NULL; what was allocated stays in the
 * arena until it is freed. Decoded strings are for reading: equal short
 * ones may share one copy in a large arena (a long list repeats "TCP" in
 * every item), so change a value by pointing at a new string, not by
 * writing into the old one. */
k8s_code k8s_json_decode(const k8s_type *type, const char *json, size_t len, k8s_arena *arena,
                         void **out, const k8s_decode_options *opts, k8s_error *err);

/* Appends the compact JSON of obj to out. The struct is only read. Fails on
 * values that cannot be written as valid JSON (invalid UTF-8, NaN, a
 * free-form field that is not JSON, `_unknown` that is not an object or
 * repeats a known field). On failure out keeps what it had before. */
k8s_code k8s_json_encode(const k8s_type *type, const void *obj, k8s_buf *out, k8s_error *err);

/* A deep copy of obj in arena (for values that must outlive their result);
 * NULL on out-of-memory. */
void *k8s_copy(const k8s_type *type, const void *obj, k8s_arena *arena);

/* Reads the top-level "apiVersion" and "kind" strings of a JSON object
 * without decoding the rest. Absent (or null) members come back NULL; a
 * member of another type is K8S_ETYPE ("kind must be a string, got a
 * number"). Strings are copied into arena. */
k8s_code k8s_json_peek_kind(const char *json, size_t len, k8s_arena *arena, char **api_version,
                            char **kind, k8s_error *err);

/* Checks that text is exactly one JSON value and appends it, without
 * insignificant whitespace, to out. No size limit applies: the output is
 * never longer than text. */
k8s_code k8s_json_compact(const char *text, size_t len, k8s_buf *out, k8s_error *err);

/* Gives each of errs[0, n) that names a JSON path but has no position (the
 * problems k8s_validate reports, say) the offset, line and column in json of
 * the value at that path, or of the nearest enclosing value json holds (for
 * a missing field: the object that lacks it). Errors with a line keep it.
 * One pass over json places them all, so gather a document's problems and
 * place them together. K8S_ENOMEM leaves some unplaced; else K8S_OK. */
k8s_code k8s_json_locate(const char *json, size_t len, k8s_error *errs, size_t n);

#ifdef __cplusplus
}
#endif
#endif
