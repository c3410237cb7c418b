#include "roundtrip.h"

#include <string.h>

#include "fuzz.h"
#include "k8s/arena.h"
#include "k8s/buf.h"
#include "k8s/codec.h"
#include "k8s/validate.h"

#define SHOW 3000 /* bytes of JSON quoted in a failure */

static void encode(const k8s_type *type, const void *obj, k8s_buf *out, const char *what)
{
    k8s_error err = {0};
    k8s_code rc = k8s_json_encode(type, obj, out, &err);
    FUZZ_CHECK(rc == K8S_OK, "%s: encoding %s: %s: %s: %s", type->name, what, k8s_strerror(rc),
               err.path, err.message);
}

static bool same(const k8s_buf *a, const k8s_buf *b)
{
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

void fuzz_check_roundtrip(const k8s_type *type, const void *obj)
{
    k8s_buf first = K8S_BUF_INIT, second = K8S_BUF_INIT, copied = K8S_BUF_INIT;
    encode(type, obj, &first, "what was decoded");

    k8s_arena *arena = k8s_arena_new();
    FUZZ_CHECK(arena, "out of memory");
    void *again = NULL;
    k8s_error err = {0};
    k8s_code rc = k8s_json_decode(type, first.data, first.len, arena, &again, NULL, &err);
    FUZZ_CHECK(rc == K8S_OK, "%s: decoding its own encoding: %s: %s: %s\n%.*s", type->name,
               k8s_strerror(rc), err.path, err.message, SHOW, first.data);
    encode(type, again, &second, "it again");
    FUZZ_CHECK(same(&first, &second), "%s: encode, decode, encode is unstable\n%.*s\n%.*s",
               type->name, SHOW, first.data, SHOW, second.data);

    void *copy = k8s_copy(type, obj, arena);
    FUZZ_CHECK(copy, "%s: k8s_copy failed", type->name);
    encode(type, copy, &copied, "a copy");
    FUZZ_CHECK(same(&first, &copied), "%s: a copy encodes differently\n%.*s\n%.*s", type->name,
               SHOW, first.data, SHOW, copied.data);

    k8s_validate(type, obj, NULL, NULL); /* reports; must not crash */

    k8s_arena_free(arena);
    k8s_buf_free(&first);
    k8s_buf_free(&second);
    k8s_buf_free(&copied);
}
