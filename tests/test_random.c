/* Property test: random objects of every kind in the registry, made from
 * the descriptors (so from the spec's schemas): every field kind, extreme
 * values, empty and absent arrays and maps, unknown fields at every level,
 * free-form values of any shape. Each document is written in the encoder's
 * canonical form (descriptor order, unknown fields last, compact, the
 * encoder's escapes), so decode + encode must give back the same bytes;
 * decode + copy + encode too.
 *
 * K8S_RANDOM_SEED and K8S_RANDOM_ROUNDS (objects per kind) vary the run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "k8s/api.h"
#include "k8s/codec.h"
#include "testutil.h"

static uint64_t rng;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static unsigned pick(unsigned n)
{
    return (unsigned)(next() % n);
}

static void put(k8s_buf *b, const char *s)
{
    k8s_buf_append_str(b, s);
}

/* A string written as the encoder writes it. */
static void gen_string(k8s_buf *b)
{
    static const char *const pieces[] = {
        "a",  "name",  "Z09", " ",        "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\\\"",
        "\\\\", "\\n", "\\t", "\\u0001", "\\u001f", "/",            "-_.",              "\\r",
    };
    put(b, "\"");
    unsigned n = pick(4) == 0 ? 0 : pick(12);
    for (unsigned i = 0; i < n; i++)
        put(b, pieces[pick(sizeof pieces / sizeof pieces[0])]);
    put(b, "\"");
}

static void gen_int(k8s_buf *b, bool wide)
{
    static const char *const narrow[] = {"0", "-1", "1", "2147483647", "-2147483648", "80", "65535"};
    static const char *const wides[] = {"9223372036854775807", "-9223372036854775808",
                                        "9007199254740993",    "-9007199254740993", "4294967296"};
    if (wide && pick(2))
        put(b, wides[pick(sizeof wides / sizeof wides[0])]);
    else
        put(b, narrow[pick(sizeof narrow / sizeof narrow[0])]);
}

/* Doubles whose shortest text is what the encoder prints. */
static void gen_double(k8s_buf *b)
{
    static const char *const v[] = {"0", "0.5", "-1e-300", "1.7976931348623157e+308", "123.25",
                                    "-3", "1e+21", "0.1", "2.2250738585072014e-308"};
    put(b, v[pick(sizeof v / sizeof v[0])]);
}

static void gen_bytes(k8s_buf *b)
{
    uint8_t raw[16];
    size_t n = pick(16);
    for (size_t i = 0; i < n; i++)
        raw[i] = (uint8_t)next();
    char text[32];
    k8s_base64_encode(raw, n, text);
    text[k8s_base64_encoded_len(n)] = '\0';
    put(b, "\"");
    put(b, text);
    put(b, "\"");
}

/* Any JSON value, compact. */
static void gen_free(k8s_buf *b, int depth)
{
    switch (depth > 3 ? pick(5) : pick(7)) {
    case 0: put(b, "null"); break;
    case 1: put(b, pick(2) ? "true" : "false"); break;
    case 2: {
        static const char *const nums[] = {"0", "-0", "1.5e-7", "123456789012345678901234567890",
                                           "-9223372036854775808", "1E+2", "0.000"};
        put(b, nums[pick(sizeof nums / sizeof nums[0])]);
        break;
    }
    case 3:
    case 4: gen_string(b); break;
    case 5: {
        put(b, "[");
        for (unsigned i = 0, n = pick(4); i < n; i++) {
            if (i)
                put(b, ",");
            gen_free(b, depth + 1);
        }
        put(b, "]");
        break;
    }
    default: {
        put(b, "{");
        for (unsigned i = 0, n = pick(4); i < n; i++) {
            char key[32];
            snprintf(key, sizeof key, "%s\"k%u\":", i ? "," : "", i);
            put(b, key);
            gen_free(b, depth + 1);
        }
        put(b, "}");
        break;
    }
    }
}

static void gen_object(k8s_buf *b, const k8s_type *t, int depth);
static void gen_field_value(k8s_buf *b, const k8s_field *f, int depth);

/* element: an array element, where null is a value of its own; a field's
 * or map value's null reads as absent (test_codec), so they get values. */
static void gen_scalar(k8s_buf *b, const k8s_field *f, int depth, bool element)
{
    switch (f->kind) {
    case K8S_KIND_STRING: gen_string(b); break;
    case K8S_KIND_QUANTITY: put(b, pick(2) ? "\"100m\"" : "\"1.5Gi\""); break;
    case K8S_KIND_TIME: put(b, "\"2024-02-29T23:59:59Z\""); break;
    case K8S_KIND_MICROTIME: put(b, "\"2024-02-29T23:59:59.123456Z\""); break;
    case K8S_KIND_BOOL: put(b, pick(2) ? "true" : "false"); break;
    case K8S_KIND_INT32: gen_int(b, false); break;
    case K8S_KIND_INT64: gen_int(b, true); break;
    case K8S_KIND_DOUBLE: gen_double(b); break;
    case K8S_KIND_BYTES: gen_bytes(b); break;
    case K8S_KIND_JSON:
        for (;;) {
            size_t mark = b->len;
            gen_free(b, 0);
            if (element || strcmp(b->data + mark, "null") != 0)
                break;
            b->len = mark;
        }
        break;
    case K8S_KIND_OBJECT: gen_object(b, f->type, depth + 1); break;
    case K8S_KIND_UNION: {
        const k8s_field *m = &f->type->fields[pick(f->type->nfields)];
        gen_field_value(b, m, depth);
        break;
    }
    default: fail_msg("unexpected kind %u", f->kind);
    }
}

static void gen_field_value(k8s_buf *b, const k8s_field *f, int depth)
{
    if (f->kind == K8S_KIND_MAP) {
        put(b, "{");
        for (unsigned i = 0, n = pick(3); i < n; i++) {
            char key[32];
            snprintf(key, sizeof key, "%s\"key%u\":", i ? "," : "", i);
            put(b, key);
            gen_field_value(b, &f->type->fields[1], depth + 1);
        }
        put(b, "}");
    } else if (f->flags & K8S_FIELD_ARRAY) {
        put(b, "[");
        for (unsigned i = 0, n = pick(3); i < n; i++) {
            if (i)
                put(b, ",");
            gen_scalar(b, f, depth + 1, true);
        }

        put(b, "]");
    } else {
        gen_scalar(b, f, depth, false);
    }
}

static bool nests(const k8s_field *f)
{
    return f->kind == K8S_KIND_OBJECT || f->kind == K8S_KIND_UNION || f->kind == K8S_KIND_MAP;
}

static void gen_object(k8s_buf *b, const k8s_type *t, int depth)
{
    put(b, "{");
    bool first = true;
    for (uint16_t i = 0; i < t->nfields; i++) {
        const k8s_field *f = &t->fields[i];
        if (pick(3) == 0 || (depth > 5 && nests(f)))
            continue; /* absent */
        if (!first)
            put(b, ",");
        first = false;
        put(b, "\"");
        put(b, f->name);
        put(b, "\":");
        gen_field_value(b, f, depth);
    }
    if (pick(4) == 0) { /* unknown fields come last, as the encoder writes them */
        for (unsigned i = 0, n = 1 + pick(2); i < n; i++) {
            char key[48];
            snprintf(key, sizeof key, "%s\"zz-unknown-%u\":", first ? "" : ",", i);
            first = false;
            put(b, key);
            gen_free(b, 0);
        }
    }
    put(b, "}");
}

static void check_one(const k8s_kind_info *kind, uint64_t seed)
{
    rng = seed;
    k8s_buf in = K8S_BUF_INIT, out = K8S_BUF_INIT, again = K8S_BUF_INIT;
    gen_object(&in, kind->type, 0);
    k8s_arena *a = k8s_arena_new(), *b = k8s_arena_new();
    void *obj;
    k8s_error err;
    if (k8s_json_decode(kind->type, in.data, in.len, a, &obj, NULL, &err))
        fail_msg("%s %s seed %llu: decode: %s: %s\n%s", kind->api_version, kind->kind,
                 (unsigned long long)seed, err.path, err.message, in.data);
    if (k8s_json_encode(kind->type, obj, &out, &err))
        fail_msg("%s %s seed %llu: encode: %s", kind->api_version, kind->kind, (unsigned long long)seed,
                 err.message);
    if (strcmp(in.data, out.data) != 0) {
        size_t i = 0;
        while (in.data[i] == out.data[i])
            i++;
        fail_msg("%s %s seed %llu: differs at byte %zu\n in: %.120s\nout: %.120s", kind->api_version,
                 kind->kind, (unsigned long long)seed, i, in.data + (i > 40 ? i - 40 : 0),
                 out.data + (i > 40 ? i - 40 : 0));
    }
    void *copy = k8s_copy(kind->type, obj, b);
    assert_non_null(copy);
    k8s_arena_free(a);
    assert_int_equal(k8s_json_encode(kind->type, copy, &again, &err), K8S_OK);
    assert_string_equal(in.data, again.data);
    k8s_arena_free(b);
    k8s_buf_free(&in);
    k8s_buf_free(&out);
    k8s_buf_free(&again);
}

static void test_random_roundtrip(void **state)
{
    (void)state;
    const char *s = getenv("K8S_RANDOM_SEED"), *r = getenv("K8S_RANDOM_ROUNDS");
    uint64_t seed = s ? strtoull(s, NULL, 10) : 20261122;
    unsigned rounds = r ? (unsigned)atoi(r) : 12;
    size_t n = 0;
    for (size_t k = 0; k < k8s_api_registry.nkinds; k++)
        for (unsigned i = 0; i < rounds; i++, n++)
            check_one(&k8s_api_registry.kinds[k], seed * 1000003u + n + 1);
    print_message("%zu random objects of %zu kinds round-tripped byte for byte (seed %llu)\n", n,
                  k8s_api_registry.nkinds, (unsigned long long)seed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_roundtrip),
    };
    return test_run(tests, NULL, NULL);
}
