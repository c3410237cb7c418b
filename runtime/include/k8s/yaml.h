/* The YAML front end: manifests become compact JSON text, which the typed
 * codec (k8s/codec.h) then reads, as kubectl does (sigs.k8s.io/yaml over
 * go-yaml v2). Errors about types therefore come from the JSON decoder.
 *
 * Conversion rules (what the tests pin down):
 *   - Plain scalars resolve as in YAML 1.1 / go-yaml v2: null (~, null,
 *     empty), booleans (true/false, yes/no, y/n, on/off in three cases),
 *     integers (decimal, 0x, 0o, 0b, 0644-style octal, '_' ignored, signed;
 *     decimal ones past uint64 become floats), floats (.5, 1e3, .inf, .nan;
 *     1e400 stays a string). All else, timestamps included, and every quoted
 *     or block scalar, is a string.
 *   - Integers are written as digits, floats as Go's encoding/json writes a
 *     float64 (1.0 -> 1, 1e3 -> 1000, 1e21 -> 1e+21). .inf and .nan have no
 *     JSON form: K8S_EVALUE.
 *   - Tags !!str, !!int, !!float, !!bool, !!null force a type (K8S_EYAML
 *     when the text does not fit); !!binary keeps the base64 text (line
 *     breaks removed, checked to be base64; go-yaml v2 would decode it);
 *     !!timestamp keeps the text (checked as go-yaml v2 checks it);
 *     !!map, !!seq and the non-specific ! are accepted. Any other tag is
 *     K8S_EYAML (go-yaml v2 would keep the scalar as a string).
 *   - Mapping keys become strings: 1 -> "1", 0x10 -> "16", yes -> "true",
 *     1.5 -> "1.5" (floats as float32 in %g style, like sigs.k8s.io/yaml).
 *     Null keys, integers past int64 and collections as keys are K8S_EYAML.
 *   - Keys keep document order. A key repeated in one mapping is
 *     K8S_EDUPKEY; two keys that give the same string (1 and "1") count.
 *   - Aliases are expanded. Merge keys (<<: *a, <<: [*a, *b]) merge as
 *     YAML 1.1 says: the mapping's own keys win wherever they stand, then
 *     earlier sources beat later ones; merged keys take the place of <<.
 *     (go-yaml v2 lets a << that follows a key override it.) An alias
 *     inside the value it names is K8S_EYAML.
 *   - A document's JSON, plus the bookkeeping that merge keys cost, may not
 *     exceed max(64 MiB, 16 x the input size): aliases can multiply text
 *     ("billion laughs"), plain YAML never grows past about 5x. Past the
 *     cap: K8S_ETOOBIG.
 *   - Nesting deeper than K8S_DEFAULT_MAX_DEPTH (also through aliases) is
 *     K8S_EDEPTH.
 *   - Whatever libyaml rejects (syntax, invalid UTF-8, an unknown anchor)
 *     is K8S_EYAML with libyaml's text and 1-based line/column.
 *   - Errors found while converting carry the JSON path of the value and
 *     its YAML line and column.
 */
#ifndef K8S_YAML_H
#define K8S_YAML_H

#include <stddef.h>

#include "k8s/arena.h"
#include "k8s/buf.h"
#include "k8s/codec.h"
#include "k8s/error.h"
#include "k8s/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8s_yaml_reader k8s_yaml_reader;

/* A reader of a stream of one or more YAML documents over data (UTF-8, or
 * UTF-16 with a byte order mark), which must outlive the reader. It is
 * pulled (k8s_yaml_reader_next) on the caller's thread: nothing runs in the
 * background, so there is no _stop, only k8s_yaml_reader_free. */
k8s_code k8s_yaml_reader_start(k8s_yaml_reader **out, const char *data, size_t len, k8s_error *err);

/* Converts the next document to compact JSON, replacing the content of json.
 * Documents that are empty or only null are skipped, as kubectl skips them.
 *
 * Returns K8S_OK with a document, an error code for a document that failed,
 * or K8S_EDONE when the stream has ended, which every later call returns
 * too. Each call moves on, so a loop that stops on K8S_EDONE alone always
 * ends, having seen every document and every problem once:
 *
 *     while ((rc = k8s_yaml_reader_next(s, &json, &err)) != K8S_EDONE) {
 *         if (rc == K8S_OK)
 *             use(&json);
 *         else
 *             report(&err);
 *     }
 *
 * When a document fails for what it holds (a duplicate key, a tag, the size
 * cap, nesting that only aliases make too deep), the next call goes on with
 * the following document. Malformed YAML (whatever libyaml reports,
 * K8S_EYAML) and text nested past the depth limit (K8S_EDEPTH; libyaml
 * slows down quadratically with nesting) end the stream instead: that call
 * reports the problem, the rest of the input is not read, and the next call
 * returns K8S_EDONE. A NULL json is K8S_EINVAL and ends the stream the same
 * way; a NULL s is K8S_EINVAL. */
k8s_code k8s_yaml_reader_next(k8s_yaml_reader *s, k8s_buf *json, k8s_error *err);

/* 1-based position in the stream of the document that the last
 * k8s_yaml_reader_next returned or failed on. Skipped documents count too, so the
 * number is what a reader counts in the file. 0 before the first call. */
size_t k8s_yaml_reader_document_index(const k8s_yaml_reader *s);

/* When err came from decoding the JSON of the last document (for example
 * k8s_json_decode), moves its line, column and offset from the JSON text
 * to the YAML value it names (inside an alias's expansion: the alias). Does
 * nothing when err has no position. */
void k8s_yaml_reader_locate(const k8s_yaml_reader *s, k8s_error *err);

/* Releases the reader. NULL is a no-op. */
void k8s_yaml_reader_free(k8s_yaml_reader *s);

/* Exactly one document (after skipping empty ones) to JSON, replacing the
 * content of json. K8S_EYAML when there is none or more than one. */
k8s_code k8s_yaml_to_json(const char *data, size_t len, k8s_buf *json, k8s_error *err);

/* k8s_yaml_to_json, then k8s_json_decode into a new struct of type in arena
 * (same contract as k8s_json_decode). Positions in errors, including those
 * given to opts->diag, are YAML lines and columns. */
k8s_code k8s_yaml_decode(const k8s_type *type, const char *data, size_t len, k8s_arena *arena,
                         void **out, const k8s_decode_options *opts, k8s_error *err);

#ifdef __cplusplus
}
#endif
#endif
