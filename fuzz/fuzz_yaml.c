/* YAML manifests: the multi-document stream (k8s/yaml.h), then each
 * document into its type through the registry.
 *
 * Input: the YAML text itself. Checks: every document that converts is
 * compact JSON already (k8s_json_compact gives it back unchanged); the
 * stream ends; k8s_yaml_to_json agrees with the stream about a single
 * document; what the registry decodes survives encode + decode + encode;
 * errors keep their positions inside the input. */
#include <string.h>

#include "fuzz.h"
#include "k8s/api_types.h"
#include "k8s/yaml.h"
#include "roundtrip.h"

static void check_compact(const k8s_buf *json)
{
    k8s_buf again = K8S_BUF_INIT;
    k8s_error err = {0};
    k8s_code rc = k8s_json_compact(json->data, json->len, &again, &err);
    FUZZ_CHECK(rc == K8S_OK, "the YAML front end wrote JSON that does not read back: %s: %s\n%.*s",
               k8s_strerror(rc), err.message, 3000, json->data);
    FUZZ_CHECK(again.len == json->len && memcmp(again.data, json->data, json->len) == 0,
               "the YAML front end wrote JSON that is not compact\n%.*s\n%.*s", 3000, json->data,
               3000, again.data);
    k8s_buf_free(&again);
}

static void decode_document(const k8s_yaml_reader *s, const k8s_buf *json, size_t size)
{
    k8s_arena *arena = k8s_arena_new();
    FUZZ_CHECK(arena, "out of memory");
    const k8s_kind_info *kind = NULL;
    void *obj = NULL;
    k8s_error err = {0};
    k8s_code rc = k8s_registry_decode(&k8s_api_registry, json->data, json->len, arena, &kind, &obj,
                                      NULL, &err);
    if (rc == K8S_OK) {
        fuzz_check_roundtrip(kind->type, obj);
    } else {
        k8s_yaml_reader_locate(s, &err);
        FUZZ_CHECK(err.offset <= size, "error offset %zu past the input (%zu bytes)", err.offset,
                   size);
    }
    k8s_arena_free(arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    k8s_yaml_reader *s = NULL;
    k8s_error err = {0};
    k8s_code rc = k8s_yaml_reader_start(&s, text, size, &err);
    FUZZ_CHECK(rc == K8S_OK, "k8s_yaml_reader_start: %s", k8s_strerror(rc));

    k8s_buf json = K8S_BUF_INIT, only = K8S_BUF_INIT;
    size_t docs = 0, calls = 0, failed_at = (size_t)-1;
    for (;;) {
        /* every call reads at least a document start, a few bytes */
        FUZZ_CHECK(++calls <= size + 2, "the stream does not end (%zu calls)", calls);
        rc = k8s_yaml_reader_next(s, &json, &err);
        size_t index = k8s_yaml_reader_document_index(s);
        if (rc == K8S_EDONE)
            break;
        if (rc) {
            FUZZ_CHECK(err.code == rc, "k8s_yaml_reader_next returned %s, err says %s", k8s_strerror(rc),
                       k8s_strerror(err.code));
            FUZZ_CHECK(err.offset <= size, "error offset %zu past the input (%zu bytes)",
                       err.offset, size);
            if (index == failed_at)
                break; /* the stream is broken: the same error from now on */
            failed_at = index;
            docs++;
            continue;
        }
        docs++;
        check_compact(&json);
        if (docs == 1 && k8s_buf_append(&only, json.data, json.len) != K8S_OK)
            FUZZ_CHECK(0, "out of memory");
        decode_document(s, &json, size);
    }
    k8s_yaml_reader_free(s);

    /* the one-document entry point: the same JSON when there is exactly one */
    k8s_buf single = K8S_BUF_INIT;
    rc = k8s_yaml_to_json(text, size, &single, &err);
    if (rc == K8S_OK)
        FUZZ_CHECK(docs == 1 && single.len == only.len &&
                       memcmp(single.data, only.data, only.len) == 0,
                   "k8s_yaml_to_json gives one document, the stream %zu:\n%.*s\n%.*s", docs,
                   3000, single.data, 3000, only.data);
    k8s_buf_free(&single);
    k8s_buf_free(&only);
    k8s_buf_free(&json);
    return 0;
}
