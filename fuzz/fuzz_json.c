/* Typed JSON decode of any kind in the registry.
 *
 * Input: 2 bytes choosing the kind (big-endian index into
 * k8s_api_registry, modulo its size), 1 byte of decoder options, then the
 * JSON text. Whatever decodes must survive encode + decode + encode
 * unchanged and must be JSON that k8s_json_compact accepts too; what the
 * report-all mode reads despite problems must at least encode, copy and
 * validate safely. */
#include <string.h>

#include "fuzz.h"
#include "k8s/api_types.h"
#include "k8s/codec.h"
#include "k8s/validate.h"
#include "roundtrip.h"

/* Counts problems (warnings, such as unknown fields, do not fail a decode). */
static void count(void *ctx, k8s_severity severity, const k8s_error *problem)
{
    FUZZ_CHECK(problem->code != K8S_OK, "a problem reported with K8S_OK");
    if (severity == K8S_PROBLEM)
        ++*(unsigned *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    const k8s_kind_info *kind = &k8s_api_registry.kinds[fuzz_u16(&in) % k8s_api_registry.nkinds];
    unsigned flags = fuzz_byte(&in), problems = 0;
    k8s_decode_options opts = {.reject_unknown = flags & 1};
    if (flags & 2) { /* report all: the decoder goes on after what it can */
        opts.diag = count;
        opts.diag_ctx = &problems;
    }
    const char *json = (const char *)in.data;

    k8s_arena *arena = k8s_arena_new();
    FUZZ_CHECK(arena, "out of memory");
    void *obj = NULL;
    k8s_error err = {0};
    k8s_code rc = k8s_json_decode(kind->type, json, in.size, arena, &obj, &opts, &err);
    /* with diag, what could be read comes back despite the problems */
    FUZZ_CHECK(opts.diag ? rc != K8S_OK || obj : (rc == K8S_OK) == (obj != NULL),
               "decode: %s but the object is %s", k8s_strerror(rc), obj ? "set" : "NULL");
    FUZZ_CHECK(rc == K8S_OK || err.code == rc, "decode: returned %s, err says %s",
               k8s_strerror(rc), k8s_strerror(err.code));
    FUZZ_CHECK(err.offset <= in.size, "error offset %zu past the input (%zu bytes)", err.offset,
               in.size);
    FUZZ_CHECK(!(opts.diag && rc == K8S_OK && problems), "%u problems reported, yet decoded",
               problems);
    if (rc == K8S_OK) {
        k8s_buf compact = K8S_BUF_INIT;
        k8s_code crc = k8s_json_compact(json, in.size, &compact, &err);
        FUZZ_CHECK(crc == K8S_OK, "%s decoded, but k8s_json_compact says %s: %s",
                   kind->type->name, k8s_strerror(crc), err.message);
        k8s_buf_free(&compact);
    }
    if (rc == K8S_OK) {
        fuzz_check_roundtrip(kind->type, obj);
    } else if (obj) { /* what report-all could read: usable, if not valid */
        k8s_buf out = K8S_BUF_INIT;
        k8s_json_encode(kind->type, obj, &out, &err);
        k8s_buf_free(&out);
        k8s_validate(kind->type, k8s_copy(kind->type, obj, arena), NULL, NULL);
    }
    k8s_arena_free(arena);
    return 0;
}
