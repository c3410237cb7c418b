/* The typed JSON codec, rule by rule (k8s/codec.h, k8s/types.h), on real
 * generated types. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "k8s/api.h"
#include "k8s/codec.h"
#include "k8s/validate.h"
#include "k8s/yaml.h"
#include "internal.h"
#include "testutil.h"

/* ---- helpers ---- */

/* Decodes json as type; fails the test on error. */
static void *decode_ok(k8s_arena *a, const k8s_type *type, const char *json)
{
    void *obj = NULL;
    k8s_error err;
    k8s_code rc = k8s_json_decode(type, json, strlen(json), a, &obj, NULL, &err);
    if (rc) {
        char msg[700];
        fail_msg("decode failed: %s (%s)", k8s_error_format(&err, msg, sizeof msg), k8s_strerror(rc));
    }
    assert_non_null(obj);
    return obj;
}

/* The encoding of obj, malloc'ed. */
static char *encode_ok(const k8s_type *type, const void *obj)
{
    k8s_buf b = K8S_BUF_INIT;
    k8s_error err;
    k8s_code rc = k8s_json_encode(type, obj, &b, &err);
    if (rc)
        fail_msg("encode failed: %s: %s", err.path, err.message);
    return b.data;
}

static void assert_json_equal(const char *want, const char *got)
{
    cJSON *w = cJSON_Parse(want), *g = cJSON_Parse(got);
    const char *where = "";
    if (!w || !g || !test_json_equal(w, g, &where))
        fail_msg("JSON differs at %s\nwant %s\n got %s", where, want, got);
    cJSON_Delete(w);
    cJSON_Delete(g);
}

/* Decode then encode: the same JSON value must come back. */
static void roundtrip(const k8s_type *type, const char *json)
{
    k8s_arena *a = k8s_arena_new();
    void *obj = decode_ok(a, type, json);
    char *out = encode_ok(type, obj);
    assert_json_equal(json, out);
    free(out);
    k8s_arena_free(a);
}

/* Decoding must fail with code, at a path containing path_part and a
 * message containing msg_part (either may be NULL). */
static void decode_fails(const k8s_type *type, const char *json, size_t len, k8s_code code,
                         const char *path_part, const char *msg_part)
{
    k8s_arena *a = k8s_arena_new();
    void *obj = (void *)1;
    k8s_error err;
    k8s_code rc = k8s_json_decode(type, json, len, a, &obj, NULL, &err);
    if (rc != code)
        fail_msg("want %s, got %s (%s: %s)", k8s_strerror(code), k8s_strerror(rc), err.path, err.message);
    assert_int_equal(err.code, code);
    assert_null(obj);
    if (path_part && !strstr(err.path, path_part))
        fail_msg("path \"%s\" lacks \"%s\" (%s)", err.path, path_part, err.message);
    if (msg_part && !strstr(err.message, msg_part))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, msg_part);
    k8s_arena_free(a);
}

#define FAILS(type, json, code, path, msg) decode_fails(type, json, strlen(json), code, path, msg)

/* Counts what a decoder with diag reports, keeping the last one. */
typedef struct seen {
    int problems, warnings;
    char last[600];
} seen;

static void collect(void *ctx, k8s_severity sev, const k8s_error *e)
{
    seen *s = ctx;
    if (sev == K8S_PROBLEM)
        s->problems++;
    else
        s->warnings++;
    snprintf(s->last, sizeof s->last, "%s: %s", e->path, e->message);
}

static const k8s_type *const POD = &k8s_core_v1_pod_desc;

/* ---- absent versus zero ---- */

static void test_absent_and_zero_differ(void **state)
{
    (void)state;
    const char *zero = "{\"spec\":{\"hostNetwork\":false,\"priority\":0,\"nodeName\":\"\","
                       "\"containers\":[{\"name\":\"\",\"tty\":false,\"image\":\"x\"}]}}";
    const char *absent = "{\"spec\":{\"containers\":[{\"image\":\"x\"}]}}";
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_pod *z = decode_ok(a, POD, zero), *n = decode_ok(a, POD, absent);
    assert_true(z->spec->has_hostNetwork);
    assert_false(z->spec->hostNetwork);
    assert_true(z->spec->has_priority);
    assert_int_equal(z->spec->priority, 0);
    assert_string_equal(z->spec->nodeName, "");
    assert_true(z->spec->containers[0].has_tty);
    assert_false(n->spec->has_hostNetwork);
    assert_false(n->spec->has_priority);
    assert_null(n->spec->nodeName);
    assert_null(n->metadata);
    assert_null(n->spec->containers[0].name);
    k8s_arena_free(a);
    roundtrip(POD, zero);
    roundtrip(POD, absent);
    roundtrip(POD, "{}");
}

static void test_empty_arrays_and_maps(void **state)
{
    (void)state;
    const char *json = "{\"metadata\":{\"finalizers\":[],\"labels\":{},\"ownerReferences\":[]},"
                       "\"spec\":{\"containers\":[]}}";
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_pod *p = decode_ok(a, POD, json);
    assert_non_null(p->metadata->finalizers);
    assert_int_equal(p->metadata->finalizers_len, 0);
    assert_non_null(p->metadata->labels);
    assert_int_equal(p->metadata->labels_len, 0);
    assert_null(p->metadata->annotations);
    k8s_arena_free(a);
    roundtrip(POD, json);

    /* built by hand: K8S_EMPTY is sent as [] and {}, NULL is left out */
    k8s_meta_v1_object_meta meta = {0};
    meta.finalizers = K8S_EMPTY;
    meta.labels = K8S_EMPTY;
    k8s_core_v1_pod pod = {0};
    pod.metadata = &meta;
    char *out = encode_ok(POD, &pod);
    assert_string_equal(out, "{\"metadata\":{\"finalizers\":[],\"labels\":{}}}");
    free(out);
}

static void test_null_is_absent(void **state)
{
    (void)state;
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_pod *p = decode_ok(a, POD, "{\"metadata\":null,\"spec\":{\"nodeName\":null,"
                                           "\"priority\":null,\"containers\":null,\"hostNetwork\":null}}");
    assert_null(p->metadata);
    assert_null(p->spec->nodeName);
    assert_false(p->spec->has_priority);
    assert_false(p->spec->has_hostNetwork);
    assert_null(p->spec->containers);
    k8s_arena_free(a);
    FAILS(POD, "{\"metadata\":{\"finalizers\":[\"a\",null]}}", K8S_ETYPE, "metadata.finalizers[1]",
          "null");
}

/* ---- numbers ---- */

static void test_int64_exact(void **state)
{
    (void)state;
    const char *cases[][2] = {
        {"-9223372036854775808", "-9223372036854775808"},
        {"9223372036854775807", "9223372036854775807"},
        {"9007199254740993", "9007199254740993"}, /* 2^53 + 1: a double would say ...992 */
        {"-9007199254740993", "-9007199254740993"},
        {"0", "0"},
        {"-0", "0"},
        {"999999999", "999999999"}, /* the most digits the decoder's quick path takes */
        {"1000000000", "1000000000"},
    };
    const int64_t values[] = {INT64_MIN, INT64_MAX, 9007199254740993LL, -9007199254740993LL, 0, 0,
                              999999999, 1000000000};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[128], want[128];
        snprintf(json, sizeof json, "{\"metadata\":{\"generation\":%s}}", cases[i][0]);
        snprintf(want, sizeof want, "{\"metadata\":{\"generation\":%s}}", cases[i][1]);
        k8s_arena *a = k8s_arena_new();
        k8s_core_v1_pod *p = decode_ok(a, POD, json);
        assert_true(p->metadata->has_generation);
        assert_true(p->metadata->generation == values[i]);
        char *out = encode_ok(POD, p);
        assert_string_equal(out, want);
        free(out);
        k8s_arena_free(a);
    }
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_pod *p = decode_ok(a, POD, "{\"spec\":{\"containers\":[{\"ports\":[{\"containerPort\":2147483647},"
                                           "{\"containerPort\":0},{\"containerPort\":80}]}]}}");
    assert_int_equal(p->spec->containers[0].ports[0].containerPort, INT32_MAX);
    assert_int_equal(p->spec->containers[0].ports[1].containerPort, 0);
    assert_int_equal(p->spec->containers[0].ports[2].containerPort, 80);
    k8s_arena_free(a);
}

static void test_number_errors(void **state)
{
    (void)state;
    FAILS(POD, "{\"metadata\":{\"generation\":9223372036854775808}}", K8S_ERANGE,
          "metadata.generation", "out of range for int64");
    FAILS(POD, "{\"metadata\":{\"generation\":-9223372036854775809}}", K8S_ERANGE,
          "metadata.generation", NULL);
    FAILS(POD, "{\"metadata\":{\"generation\":123456789012345678901234567890}}", K8S_ERANGE,
          "metadata.generation", NULL);
    FAILS(POD, "{\"spec\":{\"containers\":[{},{\"ports\":[{\"containerPort\":2147483648}]}]}}",
          K8S_ERANGE, "spec.containers[1].ports[0].containerPort", "int32");
    FAILS(POD, "{\"spec\":{\"priority\":-2147483649}}", K8S_ERANGE, "spec.priority", NULL);
    FAILS(POD, "{\"metadata\":{\"generation\":1.0}}", K8S_ETYPE, "metadata.generation",
          "expected an integer");
    FAILS(POD, "{\"metadata\":{\"generation\":1e3}}", K8S_ETYPE, "metadata.generation", NULL);
    FAILS(POD, "{\"metadata\":{\"generation\":\"7\"}}", K8S_ETYPE, "metadata.generation",
          "got a string");
    FAILS(POD, "{\"metadata\":{\"generation\":01}}", K8S_ESYNTAX, "metadata.generation", "leading zero");
    FAILS(POD, "{\"metadata\":{\"generation\":-}}", K8S_ESYNTAX, "metadata.generation", NULL);
    FAILS(POD, "{\"metadata\":{\"generation\":+1}}", K8S_ETYPE, NULL, NULL);
    FAILS(POD, "{\"spec\":{\"containers\":[{\"ports\":[{\"containerPort\":true}]}]}}", K8S_ETYPE,
          "spec.containers[0].ports[0].containerPort", "expected an integer, got a boolean");

    /* doubles: shortest round trip, no locale, range */
    const k8s_type *jsp = &k8s_apiextensions_v1_json_schema_props_desc;
    roundtrip(jsp, "{\"maximum\":0.1,\"minimum\":-1e-300,\"multipleOf\":1.7976931348623157e308}");
    k8s_arena *a = k8s_arena_new();
    k8s_apiextensions_v1_json_schema_props *s = decode_ok(a, jsp, "{\"maximum\":2.5,\"minimum\":3}");
    assert_true(s->has_maximum && s->maximum == 2.5);
    assert_true(s->has_minimum && s->minimum == 3.0);
    char *out = encode_ok(jsp, s);
    assert_string_equal(out, "{\"maximum\":2.5,\"minimum\":3}");
    free(out);
    k8s_arena_free(a);
    FAILS(jsp, "{\"maximum\":1e400}", K8S_ERANGE, "maximum", NULL);
}

/* ---- strings ---- */

static void test_strings_and_escapes(void **state)
{
    (void)state;
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_pod *p = decode_ok(
        a, POD,
        "{\"metadata\":{\"name\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\u20ac\\ud83d\\ude00 \xc3\xa9\"}}");
    assert_string_equal(p->metadata->name, "a\"b\\c/d\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \xc3\xa9");
    char *out = encode_ok(POD, p);
    assert_string_equal(out, "{\"metadata\":{\"name\":\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\xc3\xa9\xe2\x82\xac"
                             "\xf0\x9f\x98\x80 \xc3\xa9\"}}");
    free(out);
    k8s_arena_free(a);
    roundtrip(POD, "{\"metadata\":{\"name\":\"\\u0001\\u001f\"}}");
}

/* Strings are scanned 16 bytes at a time where SSE2 is, else (other
 * machines, and the last bytes of the input) a word and a byte at a time:
 * both stop at the same byte, for every kind of stop byte at every place,
 * and read nothing past the end (ASan). */
static void test_plain_runs(void **state)
{
    (void)state;
    static const unsigned char stops[] = {'"', '\\', 0x00, 0x0A, 0x1F, 0x7F + 1, 0xC3, 0xFF};
    static const unsigned char plain[] = {' ', 'a', '~', 0x7F, '0'};
    for (size_t len = 0; len <= 40; len++) {
        char *buf = malloc(len ? len : 1); /* exactly len bytes */
        assert_non_null(buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = (char)plain[i % sizeof plain];
        assert_int_equal(k8s_plain_run(buf, buf + len), len);
        assert_int_equal(k8s_plain_run_portable(buf, buf + len), len);
        for (size_t at = 0; at < len; at++)
            for (size_t k = 0; k < sizeof stops; k++) {
                char saved = buf[at];
                buf[at] = (char)stops[k];
                assert_int_equal(k8s_plain_run(buf, buf + len), at);
                assert_int_equal(k8s_plain_run_portable(buf, buf + len), at);
                buf[at] = saved;
            }
        free(buf);
    }
    /* a long string with escapes near the end of the input, in a value */
    k8s_buf b = K8S_BUF_INIT, want = K8S_BUF_INIT;
    k8s_buf_append_str(&b, "{\"metadata\":{\"name\":\"");
    for (int i = 0; i < 100; i++) {
        k8s_buf_append_str(&b, i % 7 ? "abcdefghijklmno" : "\\n\xc3\xa9\\u0041");
        k8s_buf_append_str(&want, i % 7 ? "abcdefghijklmno" : "\n\xc3\xa9" "A");
    }
    k8s_buf_append_str(&b, "\"}}");
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_pod *p = decode_ok(a, POD, b.data);
    assert_string_equal(p->metadata->name, want.data);
    k8s_arena_free(a);
    k8s_buf_free(&b);
    k8s_buf_free(&want);
}

static void test_string_errors(void **state)
{
    (void)state;
    FAILS(POD, "{\"metadata\":{\"name\":\"\\ud800\"}}", K8S_EENCODING, "metadata.name", "lone high surrogate");
    FAILS(POD, "{\"metadata\":{\"name\":\"\\udc00\"}}", K8S_EENCODING, "metadata.name", "lone low surrogate");
    FAILS(POD, "{\"metadata\":{\"name\":\"\\ud800\\u0041\"}}", K8S_EENCODING, "metadata.name", NULL);
    FAILS(POD, "{\"metadata\":{\"name\":\"\\x\"}}", K8S_EENCODING, "metadata.name", "invalid escape");
    FAILS(POD, "{\"metadata\":{\"name\":\"\\u12G4\"}}", K8S_EENCODING, "metadata.name", NULL);
    FAILS(POD, "{\"metadata\":{\"name\":\"a\xff\"}}", K8S_EENCODING, "metadata.name", "UTF-8");
    FAILS(POD, "{\"metadata\":{\"name\":\"\xc0\xaf\"}}", K8S_EENCODING, NULL, NULL);         /* overlong */
    FAILS(POD, "{\"metadata\":{\"name\":\"\xed\xa0\x80\"}}", K8S_EENCODING, NULL, NULL);     /* surrogate */
    FAILS(POD, "{\"metadata\":{\"name\":\"\xf4\x90\x80\x80\"}}", K8S_EENCODING, NULL, NULL); /* > 10FFFF */
    FAILS(POD, "{\"metadata\":{\"name\":\"\xe2\x82\"}}", K8S_EENCODING, NULL, NULL);         /* cut */
    FAILS(POD, "{\"metadata\":{\"name\":\"a\nb\"}}", K8S_ESYNTAX, "metadata.name", "control character");
    FAILS(POD, "{\"metadata\":{\"name\":\"a\\u0000b\"}}", K8S_EVALUE, "metadata.name", "U+0000");
    FAILS(POD, "{\"metadata\":{\"name\":7}}", K8S_ETYPE, "metadata.name", "expected a string, got a number");
    /* unknown and free-form values are checked too */
    FAILS(POD, "{\"bogus\":\"\\ud800\"}", K8S_EENCODING, "bogus", NULL);
    FAILS(POD, "{\"bogus\":[\"\xff\"]}", K8S_EENCODING, "bogus", NULL);
}

static void test_huge_string(void **state)
{
    (void)state;
    size_t n = 100u << 20;
    char *json = malloc(n + 64);
    assert_non_null(json);
    size_t pre = (size_t)sprintf(json, "{\"metadata\":{\"name\":\"");
    memset(json + pre, 'x', n);
    strcpy(json + pre + n, "\"}}");
    size_t len = pre + n + 3;
    decode_fails(POD, json, len, K8S_ETOOBIG, "metadata.name", "over the limit");
    /* with the limit raised it decodes, every byte */
    k8s_decode_options big = {.max_string = 200u << 20};
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_pod *p = NULL;
    assert_int_equal(k8s_json_decode(POD, json, len, a, (void **)&p, &big, NULL), K8S_OK);
    assert_int_equal(strlen(p->metadata->name), n);
    k8s_arena_free(a);
    /* the same as an unknown (free-form) value */
    memcpy(json, "{\"metadata\":{\"nam3\":\"", pre);
    decode_fails(POD, json, len, K8S_ETOOBIG, "metadata.nam3", NULL);
    free(json);
}

/* ---- unknown fields ---- */

static void test_unknown_fields_kept(void **state)
{
    (void)state;
    const char *json =
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"future\":{\"a\":[1,2,{\"b\":null}],\"n\":-1.5e+3},"
        "\"metadata\":{\"name\":\"p\",\"newMeta\":\"x\",\"labels\":{\"k\":\"v\"}},"
        "\"spec\":{\"containers\":[{\"name\":\"c\",\"sidecarMode\":true,"
        "\"ports\":[{\"containerPort\":80,\"portX\":9223372036854775807}]}]},"
        "\"status\":{\"phase\":\"Running\",\"x\":{}}}";
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_pod *p = decode_ok(a, POD, json);
    assert_string_equal(p->_unknown, "{\"future\":{\"a\":[1,2,{\"b\":null}],\"n\":-1.5e+3}}");
    assert_string_equal(p->metadata->_unknown, "{\"newMeta\":\"x\"}");
    assert_string_equal(p->spec->containers[0]._unknown, "{\"sidecarMode\":true}");
    /* numbers in unknown fields keep their exact text */
    assert_string_equal(p->spec->containers[0].ports[0]._unknown, "{\"portX\":9223372036854775807}");
    assert_string_equal(p->status->_unknown, "{\"x\":{}}");
    assert_null(p->spec->_unknown);
    char *out = encode_ok(POD, p);
    assert_json_equal(json, out);
    assert_non_null(strstr(out, "\"portX\":9223372036854775807"));
    free(out);
    k8s_arena_free(a);

    /* strict mode names the field */
    k8s_decode_options strict = {.reject_unknown = true};
    k8s_error err;
    void *obj;
    a = k8s_arena_new();
    assert_int_equal(k8s_json_decode(POD, json, strlen(json), a, &obj, &strict, &err), K8S_EUNKNOWN_FIELD);
    assert_string_equal(err.path, "future");
    assert_string_equal(err.message, "unknown field \"future\"");
    k8s_arena_free(a);
}

static void test_unknown_on_encode(void **state)
{
    (void)state;
    k8s_core_v1_pod pod = {0};
    k8s_meta_v1_object_meta meta = {0};
    pod.metadata = &meta;
    meta.name = "n";
    meta._unknown = "{ \"extra\" : [ 1 , 2 ] }";
    char *out = encode_ok(POD, &pod);
    assert_string_equal(out, "{\"metadata\":{\"name\":\"n\",\"extra\":[1,2]}}");
    free(out);
    meta.name = NULL;
    out = encode_ok(POD, &pod);
    assert_string_equal(out, "{\"metadata\":{\"extra\":[1,2]}}");
    free(out);

    k8s_buf b = K8S_BUF_INIT;
    k8s_error err;
    meta._unknown = "{\"name\":\"dup\"}"; /* a known field: would write a duplicate */
    assert_int_equal(k8s_json_encode(POD, &pod, &b, &err), K8S_EINVAL);
    assert_string_equal(err.path, "metadata");
    meta._unknown = "[1]";
    assert_int_equal(k8s_json_encode(POD, &pod, &b, &err), K8S_EINVAL);
    meta._unknown = "{\"a\":}";
    assert_int_equal(k8s_json_encode(POD, &pod, &b, &err), K8S_ESYNTAX);
    assert_int_equal(b.len, 0); /* a failed encode leaves the buffer as it was */
    k8s_buf_free(&b);
}

/* ---- free-form JSON, Quantity, Time ---- */

static void test_free_form_exact(void **state)
{
    (void)state;
    const k8s_type *jsp = &k8s_apiextensions_v1_json_schema_props_desc;
    const char *json =
        "{\"default\":{\"z\":1,\"a\":[true,false,null,\"s\\u00e9\\n\",-0.0,1E+2,12345678901234567890]},"
        "\"enum\":[null,1,\"x\",{\"k\":{}},[]],\"example\":\"just a string\","
        "\"x-kubernetes-preserve-unknown-fields\":true}";
    k8s_arena *a = k8s_arena_new();
    k8s_apiextensions_v1_json_schema_props *s = decode_ok(a, jsp, json);
    /* kept as compact text, numbers and escapes exactly as written */
    assert_string_equal(s->default_,
                        "{\"z\":1,\"a\":[true,false,null,\"s\\u00e9\\n\",-0.0,1E+2,12345678901234567890]}");
    assert_int_equal(s->enum__len, 5);
    assert_string_equal(s->enum_[0], "null");
    assert_string_equal(s->enum_[3], "{\"k\":{}}");
    assert_string_equal(s->example, "\"just a string\"");
    assert_true(s->has_x_kubernetes_preserve_unknown_fields);
    char *out = encode_ok(jsp, s);
    assert_non_null(strstr(out, "12345678901234567890"));
    assert_json_equal(json, out);
    free(out);
    k8s_arena_free(a);

    /* whitespace inside may change, the value may not */
    a = k8s_arena_new();
    s = decode_ok(a, jsp, "{\"default\" : { \"a\" : [ 1 , { } ] , \"b\" : \"x y\" } }");
    assert_string_equal(s->default_, "{\"a\":[1,{}],\"b\":\"x y\"}");
    k8s_arena_free(a);

    /* RawExtension and FieldsV1 */
    roundtrip(&k8s_apps_v1_controller_revision_desc,
              "{\"data\":{\"spec\":{\"template\":{\"$patch\":\"replace\"}}},\"revision\":3}");
    roundtrip(POD, "{\"metadata\":{\"managedFields\":[{\"fieldsV1\":{\"f:metadata\":{\"f:labels\":"
                   "{\".\":{},\"f:app\":{}}}},\"fieldsType\":\"FieldsV1\",\"manager\":\"m\"}]}}");
    /* a user-set free-form value that is not JSON cannot be sent */
    k8s_apiextensions_v1_json_schema_props bad = {0};
    bad.default_ = "{not json";
    k8s_buf b = K8S_BUF_INIT;
    k8s_error err;
    assert_int_equal(k8s_json_encode(jsp, &bad, &b, &err), K8S_ESYNTAX);
    assert_string_equal(err.path, "default");
    k8s_buf_free(&b);
}

static void test_quantity_and_time_text(void **state)
{
    (void)state;
    const char *json = "{\"metadata\":{\"creationTimestamp\":\"2008-01-01T01:01:01Z\","
                       "\"deletionTimestamp\":\"2009-01-01T01:01:01.123456789+02:00\"},"
                       "\"spec\":{\"containers\":[{\"resources\":{\"limits\":{\"cpu\":\"0.5\","
                       "\"memory\":\"1e3\",\"x\":\"100m\",\"y\":\"1.5Gi\"}}}],"
                       "\"overhead\":{\"cpu\":\"+.5e-3\"}}}";
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_pod *p = decode_ok(a, POD, json);
    assert_string_equal(p->metadata->creationTimestamp, "2008-01-01T01:01:01Z");
    assert_string_equal(p->spec->containers[0].resources->limits[0].key, "cpu");
    assert_string_equal(p->spec->containers[0].resources->limits[0].value, "0.5");
    assert_string_equal(p->spec->containers[0].resources->limits[1].value, "1e3");
    assert_string_equal(p->spec->overhead[0].value, "+.5e-3");
    char *out = encode_ok(POD, p);
    assert_non_null(strstr(out, "\"2009-01-01T01:01:01.123456789+02:00\""));
    assert_non_null(strstr(out, "\"memory\":\"1e3\""));
    assert_json_equal(json, out);
    free(out);
    k8s_arena_free(a);
}

/* Kubernetes reads a number in a Quantity field as the quantity its text
 * denotes, and the API server returns the text Go's String() then gives
 * (resource.Quantity's UnmarshalJSON, then ParseQuantity's cached text or
 * the canonical form). Each number here, with what the server returns. */
static const char *const quantity_numbers[][2] = {
    {"2", "2"},
    {"0", "0"},
    {"-0", "0"},
    {"0.5", "500m"},
    {"-0.5", "-500m"},
    {"0.1", "100m"},
    {"1000", "1k"},
    {"2000", "2k"},
    {"1100", "1100"},
    {"100", "100"},
    {"1e9", "1e9"},
    {"1E9", "1E9"},
    {"1e+9", "1e+9"},
    {"1e0", "1e0"},
    {"1e21", "1e21"},
    {"1.5e3", "1500"},
    {"5e-1", "500e-3"},
    {"1e-3", "1e-3"},
    {"1e-9", "1e-9"},
    {"1e-10", "1e-9"},         /* below 1n: rounded up, as Go does */
    {"0.0000000001", "1n"},
    {"-0.0000000001", "-1n"},
    {"0.001", "1m"},
    {"1.5", "1500m"},
    {"-1.5", "-1500m"},
    {"1.0", "1"},
    {"1.441", "1.441"},        /* kept by Go as written */
    {"1.500", "1.500"},
    {"1.000", "1"},
    {"10.50", "10500m"},
    {"123456789012345678", "123456789012345678"},
    {"123456789012345.678", "123456789012345.678"},
    {"1234567890123456789", "1234567890123456789"},
    {"9223372036854775807", "9223372036854775807"},
    {"9223372036854775808", "9223372036854775808"},
    {"-9223372036854775809", "-9223372036854775809"},
    {"12345678901234567890123", "12345678901234567890123"}, /* exact: no double in between */
    {"100000000000000000000000", "100e21"},
    {"1000000000000000000", "1E"},
    {"1e400", "10e399"},
    {"99999999999999999999999999999999999999", "99999999999999999999999999999999999999"},
};

static const k8s_type *const RESOURCES = &k8s_core_v1_resource_requirements_desc;

static void test_quantity_numbers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof quantity_numbers / sizeof quantity_numbers[0]; i++) {
        const char *num = quantity_numbers[i][0], *want = quantity_numbers[i][1];
        char json[256], encoded[256];
        snprintf(json, sizeof json, "{\"limits\":{\"cpu\":%s}}", num);
        k8s_arena *a = k8s_arena_new();
        k8s_core_v1_resource_requirements *r = decode_ok(a, RESOURCES, json);
        if (strcmp(r->limits[0].value, want))
            fail_msg("%s: got \"%s\", want \"%s\"", num, r->limits[0].value, want);
        assert_int_equal(k8s_validate(RESOURCES, r, NULL, NULL), 0);
        char *out = encode_ok(RESOURCES, r);
        snprintf(encoded, sizeof encoded, "{\"limits\":{\"cpu\":\"%s\"}}", want);
        assert_string_equal(out, encoded);
        free(out);
        k8s_arena_free(a);
    }
    /* arrays and plain fields of Quantity too; strings stay as written */
    const k8s_type *policy = &k8s_resource_v1_capacity_request_policy_desc;
    k8s_arena *a = k8s_arena_new();
    k8s_resource_v1_capacity_request_policy *c =
        decode_ok(a, policy, "{\"default\":1000,\"validValues\":[1,0.5,\"0.5\",2e3],"
                             "\"validRange\":{\"min\":0.25,\"max\":\"1000\"}}");
    assert_string_equal(c->default_, "1k");
    assert_int_equal(c->validValues_len, 4);
    assert_string_equal(c->validValues[1], "500m");
    assert_string_equal(c->validValues[2], "0.5");
    assert_string_equal(c->validValues[3], "2e3");
    assert_string_equal(c->validRange->min, "250m");
    assert_string_equal(c->validRange->max, "1000");
    char *out = encode_ok(policy, c);
    assert_string_equal(out, "{\"default\":\"1k\",\"validRange\":{\"max\":\"1000\",\"min\":\"250m\"},"
                             "\"validValues\":[\"1\",\"500m\",\"0.5\",\"2e3\"]}");
    free(out);
    k8s_arena_free(a);
    /* YAML numbers as kubectl sends them: 1e9 is a float, written 1000000000 */
    const char *yaml = "spec:\n  overhead: {cpu: 2, memory: 1e9, a: 0.5, b: 1.0, c: 0x10}\n";
    a = k8s_arena_new();
    k8s_core_v1_pod *p = NULL;
    k8s_error err;
    assert_int_equal(k8s_yaml_decode(POD, yaml, strlen(yaml), a, (void **)&p, NULL, &err), K8S_OK);
    const char *yaml_want[] = {"2", "1G", "500m", "1", "16"};
    assert_int_equal(p->spec->overhead_len, 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(p->spec->overhead[i].value, yaml_want[i]);
    k8s_arena_free(a);
    /* what is not a quantity */
    FAILS(POD, "{\"spec\":{\"overhead\":{\"cpu\":123456789012345678901234567890123456789012}}}",
          K8S_ERANGE, "spec.overhead.cpu", "does not fit 128 bits");
    FAILS(POD, "{\"spec\":{\"overhead\":{\"cpu\":1e2147483648}}}", K8S_EVALUE, "spec.overhead.cpu",
          "exponent out of range");
    FAILS(POD, "{\"spec\":{\"overhead\":{\"cpu\":true}}}", K8S_ETYPE, "spec.overhead.cpu",
          "expected a string or a number, got a boolean");
    FAILS(POD, "{\"spec\":{\"overhead\":{\"cpu\":1.}}}", K8S_ESYNTAX, "spec.overhead.cpu", NULL);
    /* other string-typed values take no number, as in Kubernetes */
    FAILS(POD, "{\"metadata\":{\"name\":5}}", K8S_ETYPE, "metadata.name", "expected a string");
    FAILS(POD, "{\"metadata\":{\"creationTimestamp\":5}}", K8S_ETYPE, "metadata.creationTimestamp",
          "expected a string");
}

/* ---- apiVersion and kind, limits on what is only passed over ---- */

static void test_peek_kind(void **state)
{
    (void)state;
    k8s_arena *a = k8s_arena_new();
    char *v, *k;
    k8s_error err;
    const char *json = "{\"apiVersion\":\"v1\",\n \"kind\": 5}";
    assert_int_equal(k8s_json_peek_kind(json, strlen(json), a, &v, &k, &err), K8S_ETYPE);
    assert_string_equal(err.message, "kind must be a string, got a number");
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 10);
    json = "{\"apiVersion\":true}";
    assert_int_equal(k8s_json_peek_kind(json, strlen(json), a, &v, &k, &err), K8S_ETYPE);
    assert_string_equal(err.message, "apiVersion must be a string, got a boolean");
    json = "{\"apiVersion\":null,\"kind\":\"Pod\",\"x\":[1]}";
    assert_int_equal(k8s_json_peek_kind(json, strlen(json), a, &v, &k, &err), K8S_OK);
    assert_null(v);
    assert_string_equal(k, "Pod");
    /* through the registry, with diag: the problem is reported there too */
    const k8s_kind_info *info;
    void *obj;
    seen s = {0};
    k8s_decode_options opts = {.diag = collect, .diag_ctx = &s};
    json = "{\"apiVersion\":\"v1\",\"kind\":[\"Pod\"]}";
    assert_int_equal(k8s_registry_decode(&k8s_api_registry, json, strlen(json), a, &info, &obj, &opts, &err),
                     K8S_ETYPE);
    assert_int_equal(s.problems, 1);
    assert_string_equal(s.last, ": kind must be a string, got an array");
    k8s_arena_free(a);
}

/* A value the decoder only passes over costs no memory, so no size limit
 * applies to it: issue 8's 153 MB PodList failed in k8s_json_peek_kind,
 * whose skip of "items" counted against the 64 MiB string limit. */
static void test_limits_apply_to_kept_values(void **state)
{
    (void)state;
    size_t value = 60000, n = 1200;
    k8s_buf b = K8S_BUF_INIT;
    char *v = malloc(value + 1);
    assert_non_null(v);
    memset(v, 'x', value);
    v[value] = '\0';
    const char *head = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMapList\",\"items\":[";
    assert_int_equal(k8s_buf_append(&b, head, strlen(head)), K8S_OK);
    for (size_t i = 0; i < n; i++) {
        char item[64];
        int w = snprintf(item, sizeof item, "%s{\"metadata\":{\"name\":\"c%zu\"},\"data\":{\"v\":\"", i ? "," : "", i);
        assert_int_equal(k8s_buf_append(&b, item, (size_t)w), K8S_OK);
        assert_int_equal(k8s_buf_append(&b, v, value), K8S_OK);
        assert_int_equal(k8s_buf_append(&b, "\"}}", 3), K8S_OK);
    }
    assert_int_equal(k8s_buf_append(&b, "]}", 2), K8S_OK);
    assert_true(b.len > K8S_DEFAULT_MAX_STRING);
    k8s_arena *a = k8s_arena_new();
    char *api_version, *kind;
    k8s_error err;
    assert_int_equal(k8s_json_peek_kind(b.data, b.len, a, &api_version, &kind, &err), K8S_OK);
    assert_string_equal(kind, "ConfigMapList");
    const k8s_kind_info *info;
    k8s_core_v1_config_map_list *list;
    assert_int_equal(k8s_registry_decode(&k8s_api_registry, b.data, b.len, a, &info, (void **)&list, NULL, &err),
                     K8S_OK);
    assert_int_equal(list->items_len, n);
    assert_int_equal(strlen(list->items[n - 1].data[0].value), value);
    k8s_buf compact = K8S_BUF_INIT;
    assert_int_equal(k8s_json_compact(b.data, b.len, &compact, &err), K8S_OK);
    assert_int_equal(compact.len, b.len);
    k8s_buf_free(&compact);
    k8s_arena_free(a);
    k8s_buf_free(&b);
    free(v);

    /* small scale: a value skipped after a problem is not also too long, and
     * what is kept still is */
    seen s = {0};
    k8s_decode_options opts = {.max_string = 16, .diag = collect, .diag_ctx = &s};
    const char *json = "{\"spec\":{\"hostname\":[\"aaaaaaaaaaaaaaaa\",\"bbbbbbbbbbbbbbbbb\"],"
                       "\"nodeName\":\"cccccccccccccccccc\",\"future\":[1,2,3,4,5,6,7,8,9]}}";
    a = k8s_arena_new();
    void *obj;
    assert_int_equal(k8s_json_decode(POD, json, strlen(json), a, &obj, &opts, &err), K8S_ETYPE);
    assert_int_equal(s.problems, 3);
    assert_string_equal(s.last, "spec.future: value of 19 bytes is over the limit of 16");
    k8s_arena_free(a);
}

static void test_locate(void **state)
{
    (void)state;
    const char *json = "{\"metadata\":{\"labels\":{\"app.kubernetes.io/name\":\"x\"}},\n"
                       " \"spec\":{\"containers\":[{\"image\":\"x\"},\n"
                       "   {\"name\":\"y\",\"resources\":{\"limits\":{\"cpu\":\"12Zi\"}}}]}}";
    static const struct {
        const char *path;
        const char *at; /* the text the position must point at */
        unsigned line, column;
    } cases[] = {
        {"spec.containers[1].resources.limits.cpu", "\"12Zi\"", 3, 45},
        {"spec.containers[0].name", "{\"image\"", 2, 24}, /* missing: its object */
        {"spec.containers[1]", "{\"name\"", 3, 4},
        {"spec.containers[7]", "[{", 2, 23}, /* past the end: the array */
        {"metadata.labels[\"app.kubernetes.io/name\"]", "\"x\"}}", 1, 49},
        {"metadata.nope.deeper", "{\"labels\"", 1, 13},
        {"", "{", 1, 1},
        {"...ainers[1].name", "{", 1, 1}, /* a cut path: the document */
        {"spec.containers[x]", "[{", 2, 23}, /* a step it cannot read: the one before */
    };
    enum { N = sizeof cases / sizeof cases[0] };
    /* all at once, in any order, and each on its own */
    k8s_error errs[N + 1];
    for (size_t i = 0; i < N; i++) {
        errs[i] = (k8s_error){.code = K8S_EVALUE};
        snprintf(errs[i].path, sizeof errs[i].path, "%s", cases[N - 1 - i].path);
    }
    errs[N] = (k8s_error){.code = K8S_EVALUE, .path = "spec", .offset = 3, .line = 9, .column = 9};
    assert_int_equal(k8s_json_locate(json, strlen(json), errs, N + 1), K8S_OK);
    for (size_t i = 0; i < N; i++) {
        const k8s_error *e = &errs[N - 1 - i];
        k8s_error one = {.code = K8S_EVALUE};
        snprintf(one.path, sizeof one.path, "%s", cases[i].path);
        assert_int_equal(k8s_json_locate(json, strlen(json), &one, 1), K8S_OK);
        if (e->offset != (size_t)(strstr(json, cases[i].at) - json) || e->line != cases[i].line ||
            e->column != cases[i].column || one.offset != e->offset || one.line != e->line)
            fail_msg("%s: offset %zu line %u column %u", cases[i].path, e->offset, e->line, e->column);
    }
    /* a position already there stays */
    assert_int_equal(errs[N].line, 9);
    assert_int_equal(errs[N].offset, 3);
    assert_int_equal(k8s_json_locate(NULL, 0, errs, 1), K8S_OK);
    assert_int_equal(k8s_json_locate(json, strlen(json), NULL, 0), K8S_OK);
    /* malformed text: what was found before the fault counts */
    k8s_error cut = {.code = K8S_EVALUE, .path = "spec.a.b"};
    assert_int_equal(k8s_json_locate("{\"spec\":{\"a\":[1,", 16, &cut, 1), K8S_OK);
    assert_int_equal(cut.offset, 13);
}

typedef struct lines_seen {
    size_t n;
    unsigned line[8];
} lines_seen;

static void note_line(void *ctx, k8s_severity sev, const k8s_error *e)
{
    lines_seen *s = ctx;
    (void)sev;
    if (s->n < 8)
        s->line[s->n] = e->line;
    s->n++;
}

/* Problems in a long list are placed in one pass, by the decoder and by
 * k8s_json_locate: 5,000 of them, each in its own item of a 10 MB list, cost
 * 25 GB of scanning when each position is counted from the top. */
static void test_locate_many(void **state)
{
    (void)state;
    enum { N = 5000 };
    k8s_buf b = K8S_BUF_INIT;
    assert_int_equal(k8s_buf_append(&b, "{\"items\":[", 10), K8S_OK);
    char pad[2000];
    memset(pad, 'x', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    for (size_t i = 0; i < N; i++) {
        char item[2100];
        int w = snprintf(item, sizeof item, "%s\n{\"pad\":\"%s\",\"spec\":{}}", i ? "," : "", pad);
        assert_int_equal(k8s_buf_append(&b, item, (size_t)w), K8S_OK);
    }
    assert_int_equal(k8s_buf_append(&b, "]}", 2), K8S_OK);
    k8s_error *errs = calloc(N, sizeof *errs);
    assert_non_null(errs);
    for (size_t i = 0; i < N; i++)
        snprintf(errs[i].path, sizeof errs[i].path, "items[%zu].spec.containers", i);
    assert_int_equal(k8s_json_locate(b.data, b.len, errs, N), K8S_OK);
    for (size_t i = 0; i < N; i += 997) {
        assert_int_equal(errs[i].line, i + 2);
        assert_memory_equal(b.data + errs[i].offset, "{}", 2);
    }
    /* the decoder's own problems: "pad" is no field of a Pod */
    lines_seen seen_lines = {0};
    k8s_decode_options opts = {.diag = note_line, .diag_ctx = &seen_lines};
    k8s_arena *a = k8s_arena_new();
    void *list;
    assert_int_equal(k8s_json_decode(&k8s_core_v1_pod_list_desc, b.data, b.len, a, &list, &opts, NULL),
                     K8S_OK);
    assert_int_equal(seen_lines.n, N);
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(seen_lines.line[i], i + 2);
    k8s_arena_free(a);
    free(errs);
    k8s_buf_free(&b);
}

/* ---- bytes and unions ---- */

static void test_bytes(void **state)
{
    (void)state;
    const k8s_type *secret = &k8s_core_v1_secret_desc;
    const char *json = "{\"data\":{\"a\":\"aGVsbG8=\",\"empty\":\"\",\"bin\":\"AP8Q\",\"slash\":\"Pz8\\/\"}}";
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_secret *s = decode_ok(a, secret, json);
    assert_int_equal(s->data_len, 4);
    assert_int_equal(s->data[0].value.len, 5);
    assert_memory_equal(s->data[0].value.data, "hello", 5);
    assert_non_null(s->data[1].value.data);
    assert_int_equal(s->data[1].value.len, 0);
    assert_int_equal(s->data[2].value.len, 3);
    assert_memory_equal(s->data[2].value.data, "\x00\xff\x10", 3);
    char *out = encode_ok(secret, s);
    assert_string_equal(out, "{\"data\":{\"a\":\"aGVsbG8=\",\"empty\":\"\",\"bin\":\"AP8Q\",\"slash\":\"Pz8/\"}}");
    free(out);
    k8s_arena_free(a);
    FAILS(secret, "{\"data\":{\"a\":\"aGVsbG8\"}}", K8S_EVALUE, "data.a", "base64");
    FAILS(secret, "{\"data\":{\"a\":\"a*==\"}}", K8S_EVALUE, "data.a", NULL);
    FAILS(secret, "{\"data\":{\"a\":\"aGVsbG8=aGVs\"}}", K8S_EVALUE, NULL, NULL);
    FAILS(secret, "{\"data\":{\"a\":5}}", K8S_ETYPE, "data.a", NULL);
}

static void test_unions(void **state)
{
    (void)state;
    const k8s_type *svc = &k8s_core_v1_service_desc;
    const char *json = "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":8080},"
                       "{\"port\":443,\"targetPort\":\"https\"},{\"port\":1}]}}";
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_service *s = decode_ok(a, svc, json);
    assert_true(s->spec->ports[0].targetPort.has_intVal);
    assert_int_equal(s->spec->ports[0].targetPort.intVal, 8080);
    assert_null(s->spec->ports[0].targetPort.strVal);
    assert_false(s->spec->ports[1].targetPort.has_intVal);
    assert_string_equal(s->spec->ports[1].targetPort.strVal, "https");
    assert_false(s->spec->ports[2].targetPort.has_intVal);
    assert_null(s->spec->ports[2].targetPort.strVal);
    k8s_arena_free(a);
    roundtrip(svc, json);
    FAILS(svc, "{\"spec\":{\"ports\":[{\"targetPort\":{}}]}}", K8S_ETYPE, "spec.ports[0].targetPort",
          "expected a number or a string, got an object");
    FAILS(svc, "{\"spec\":{\"ports\":[{\"targetPort\":4294967296}]}}", K8S_ERANGE,
          "spec.ports[0].targetPort", NULL);

    const k8s_type *jsp = &k8s_apiextensions_v1_json_schema_props_desc;
    const char *schema =
        "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"a\":{\"type\":\"array\","
        "\"items\":{\"type\":\"string\"},\"additionalItems\":true},\"b\":{\"items\":[{\"type\":\"integer\"},"
        "{\"type\":\"string\"}],\"additionalProperties\":{\"type\":\"string\"}}},"
        "\"dependencies\":{\"a\":[\"b\",\"c\"],\"b\":{\"required\":[\"a\"]}}}";
    a = k8s_arena_new();
    k8s_apiextensions_v1_json_schema_props *p = decode_ok(a, jsp, schema);
    assert_true(p->additionalProperties.has_allows);
    assert_false(p->additionalProperties.allows);
    assert_null(p->additionalProperties.schema);
    assert_string_equal(p->properties[0].key, "a");
    assert_non_null(p->properties[0].value.items.schema);
    assert_true(p->properties[0].value.additionalItems.allows);
    assert_int_equal(p->properties[1].value.items.schemas_len, 2);
    assert_string_equal(p->properties[1].value.additionalProperties.schema->type, "string");
    assert_int_equal(p->dependencies[0].value.property_len, 2);
    assert_non_null(p->dependencies[1].value.schema);
    k8s_arena_free(a);
    roundtrip(jsp, schema);
}

/* ---- structure errors ---- */

static void test_wrong_types_carry_paths(void **state)
{
    (void)state;
    FAILS(POD, "{\"spec\":{\"containers\":[{},{},{\"ports\":[{\"containerPort\":\"80\"}]}]}}", K8S_ETYPE,
          "spec.containers[2].ports[0].containerPort", "expected an integer, got a string");
    FAILS(POD, "{\"spec\":[]}", K8S_ETYPE, "spec", "expected an object, got an array");
    FAILS(POD, "{\"spec\":{\"containers\":{}}}", K8S_ETYPE, "spec.containers", "expected an array");
    FAILS(POD, "{\"metadata\":{\"labels\":[]}}", K8S_ETYPE, "metadata.labels", "expected an object");
    FAILS(POD, "{\"metadata\":{\"labels\":{\"app.kubernetes.io/name\":1}}}", K8S_ETYPE,
          "metadata.labels[\"app.kubernetes.io/name\"]", NULL);
    FAILS(POD, "{\"spec\":{\"hostNetwork\":\"true\"}}", K8S_ETYPE, "spec.hostNetwork", "expected a boolean");
    FAILS(POD, "[]", K8S_ETYPE, "", "expected an object");
    FAILS(POD, "null", K8S_ETYPE, "", NULL);
    FAILS(POD, "", K8S_ESYNTAX, "", "empty input");
    FAILS(POD, "   ", K8S_ESYNTAX, "", NULL);
    FAILS(POD, "{} x", K8S_ESYNTAX, "", "after the JSON value");
    FAILS(POD, "{\"a\":1,}", K8S_ESYNTAX, NULL, NULL);
    FAILS(POD, "{'a':1}", K8S_ESYNTAX, NULL, "string key");
    FAILS(POD, "{\"spec\":{\"hostNetwork\":tru}}", K8S_ESYNTAX, "spec.hostNetwork", NULL);

    /* line and column point at the problem */
    k8s_arena *a = k8s_arena_new();
    void *obj;
    k8s_error err;
    const char *json = "{\n  \"metadata\": {\n    \"name\": 5\n  }\n}";
    assert_int_equal(k8s_json_decode(POD, json, strlen(json), a, &obj, NULL, &err), K8S_ETYPE);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 13);
    char msg[512];
    assert_string_equal(k8s_error_format(&err, msg, sizeof msg),
                        "line 3, column 13: metadata.name: expected a string, got a number");
    k8s_arena_free(a);
}

/* Every prefix of a valid document fails cleanly, never crashes or leaks. */
static void test_truncated_input(void **state)
{
    (void)state;
    const char *json = "{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"n\\u00e9\",\"labels\":{\"a\":\"b\"},"
                       "\"generation\":-12},\"spec\":{\"containers\":[{\"name\":\"c\",\"ports\":["
                       "{\"containerPort\":80}]}],\"overhead\":{\"cpu\":\"1\"}},\"x\":[1.5e3,true,null,{}]}";
    size_t n = strlen(json);
    for (size_t i = 0; i < n; i++) {
        k8s_arena *a = k8s_arena_new();
        void *obj;
        k8s_error err;
        k8s_code rc = k8s_json_decode(POD, json, i, a, &obj, NULL, &err);
        if (rc != K8S_ESYNTAX && rc != K8S_EENCODING)
            fail_msg("prefix of %zu bytes: %s", i, k8s_strerror(rc));
        assert_null(obj);
        assert_true(err.offset <= i);
        k8s_arena_free(a);
    }
    roundtrip(POD, json);
}

/* The decoder guesses each key from the order it met before (the same
 * fields in a list's items, often in Go's order). Whatever it guessed, the
 * result is what each object gives on its own: keys that are a guess's
 * prefix or extension, spelt with escapes, unknown, repeated, with space
 * before their ':', or cut off. */
static void test_key_order_guesses(void **state)
{
    (void)state;
    static const char *const items[] = {
        "{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\",\"generation\":3},\"spec\":{\"priority\":1}}",
        "{\"metadata\":{\"name\":\"b\",\"namespace\":\"ns\",\"generation\":4},\"spec\":{\"priority\":2}}",
        "{\"metadata\":{\"namespace\":\"ns\",\"name\":\"c\"},\"spec\":{\"priority\":3,\"hostname\":\"h\"}}",
        "{\"metadata\":{\"nam\":1,\"names\":2,\"name\":\"d\"},\"spec\":{\"priority\":4}}",
        "{\"metadata\":{\"n\\u0061me\":\"e\",\"namespace\":\"ns\",\"generation\":5},\"spec\":{\"priority\":5}}",
        "{\"spec\":{\"priority\":6},\"metadata\":{\"name\":\"f\",\"generation\":6,\"namespace\":\"ns\"}}",
        "{\"metadata\":{\"name\":\"g\",\"namespace\":\"ns\",\"generation\":7},\"spec\":{\"priority\":7}}",
        "{\"metadata\":{\"name\" : \"h\",\"namespace\"\n:\"ns\",\"generation\":8},\"spec\" :{\"priority\":8}}",
    };
    size_t n = sizeof items / sizeof *items;
    k8s_buf list = K8S_BUF_INIT;
    k8s_buf_append_str(&list, "{\"items\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            k8s_buf_append_str(&list, ",");
        k8s_buf_append_str(&list, items[i]);
    }
    k8s_buf_append_str(&list, "]}");
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_pod_list *l = decode_ok(a, &k8s_core_v1_pod_list_desc, list.data);
    assert_int_equal(l->items_len, n);
    for (size_t i = 0; i < n; i++) {
        char *got = encode_ok(POD, &l->items[i]), *want = encode_ok(POD, decode_ok(a, POD, items[i]));
        assert_string_equal(got, want);
        free(got);
        free(want);
    }
    assert_string_equal(l->items[3].metadata->_unknown, "{\"nam\":1,\"names\":2}");
    assert_string_equal(l->items[4].metadata->name, "e");
    /* a repeated key that the guess names: still a duplicate */
    const char *twice = "{\"items\":[{\"metadata\":{\"name\":\"a\",\"name\":\"b\"}},"
                        "{\"metadata\":{\"name\":\"a\",\"name\":\"b\"}}]}";
    seen s = {0};
    k8s_decode_options opts = {.diag = collect, .diag_ctx = &s};
    void *obj;
    k8s_error err;
    assert_int_equal(k8s_json_decode(&k8s_core_v1_pod_list_desc, twice, strlen(twice), a, &obj, &opts, &err),
                     K8S_EDUPKEY);
    assert_int_equal(s.problems, 2);
    assert_string_equal(s.last, "items[1].metadata.name: duplicate key \"name\"");
    k8s_arena_free(a);
    /* cut anywhere, after the guesses are learnt: an error, never a read past the end */
    for (size_t i = list.len / 2; i < list.len; i++) {
        char *cut = malloc(i); /* exactly the bytes, so ASan sees an overread */
        assert_non_null(cut);
        memcpy(cut, list.data, i);
        k8s_arena *ca = k8s_arena_new();
        k8s_code rc = k8s_json_decode(&k8s_core_v1_pod_list_desc, cut, i, ca, &obj, NULL, &err);
        if (rc != K8S_ESYNTAX && rc != K8S_EENCODING) /* EENCODING: cut in an escape */
            fail_msg("prefix of %zu bytes: %s", i, k8s_strerror(rc));
        k8s_arena_free(ca);
        free(cut);
    }
    k8s_buf_free(&list);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    size_t depth = 100000;
    char *json = malloc(depth * 2 + 32);
    size_t pre = (size_t)sprintf(json, "{\"x\":");
    memset(json + pre, '[', depth);
    memset(json + pre + depth, ']', depth);
    strcpy(json + pre + 2 * depth, "}");
    decode_fails(POD, json, strlen(json), K8S_EDEPTH, "x", "nesting deeper than");
    free(json);
    /* objects too */
    k8s_buf o = K8S_BUF_INIT;
    k8s_buf_append_str(&o, "{\"x\":");
    for (size_t i = 0; i < depth; i++)
        k8s_buf_append_str(&o, "{\"a\":");
    k8s_buf_append_str(&o, "1");
    for (size_t i = 0; i <= depth; i++)
        k8s_buf_append_str(&o, "}");
    decode_fails(POD, o.data, o.len, K8S_EDEPTH, "x", NULL);
    k8s_buf_free(&o);

    /* typed recursion: JSONSchemaProps inside JSONSchemaProps */
    k8s_buf b = K8S_BUF_INIT;
    for (int i = 0; i < 100000; i++)
        k8s_buf_append_str(&b, "{\"not\":");
    k8s_buf_append_str(&b, "{}");
    for (int i = 0; i < 100000; i++)
        k8s_buf_append_str(&b, "}");
    decode_fails(&k8s_apiextensions_v1_json_schema_props_desc, b.data, b.len, K8S_EDEPTH, "not.not", NULL);
    k8s_buf_free(&b);

    /* within the limit it works */
    k8s_buf_append_str(&b, "{\"x\":");
    for (int i = 0; i < 400; i++)
        k8s_buf_append_str(&b, "[");
    for (int i = 0; i < 400; i++)
        k8s_buf_append_str(&b, "]");
    k8s_buf_append_str(&b, "}");
    roundtrip(POD, b.data);
    k8s_buf_free(&b);
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    FAILS(POD, "{\"metadata\":{\"name\":\"a\",\"name\":\"b\"}}", K8S_EDUPKEY, "metadata.name",
          "duplicate key \"name\"");
    FAILS(POD, "{\"metadata\":{\"name\":\"a\",\"\\u006eame\":\"b\"}}", K8S_EDUPKEY, "metadata.name", NULL);
    FAILS(POD, "{\"metadata\":{\"name\":null,\"name\":\"b\"}}", K8S_EDUPKEY, NULL, NULL);
    FAILS(POD, "{\"x\":1,\"y\":2,\"x\":3}", K8S_EDUPKEY, "", "duplicate key \"x\"");
    FAILS(POD, "{\"x\":1,\"\\u0078\":3}", K8S_EDUPKEY, "", NULL);
    FAILS(POD, "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\",\"a\":\"3\"}}}", K8S_EDUPKEY,
          "metadata.labels", "duplicate key \"a\"");
    /* many keys: the check is not quadratic and still finds the one duplicate */
    k8s_buf b = K8S_BUF_INIT;
    k8s_buf_append_str(&b, "{\"metadata\":{\"labels\":{");
    for (int i = 0; i < 20000; i++) {
        char kv[64];
        snprintf(kv, sizeof kv, "%s\"k%d\":\"v\"", i ? "," : "", i);
        k8s_buf_append_str(&b, kv);
    }
    k8s_buf_append_str(&b, ",\"k777\":\"again\"}}}");
    decode_fails(POD, b.data, b.len, K8S_EDUPKEY, "metadata.labels", "\"k777\"");
    k8s_buf_free(&b);
    /* inside free-form values, duplicates are kept as they are */
    k8s_arena *a = k8s_arena_new();
    k8s_apiextensions_v1_json_schema_props *s =
        decode_ok(a, &k8s_apiextensions_v1_json_schema_props_desc, "{\"default\":{\"a\":1,\"a\":2}}");
    assert_string_equal(s->default_, "{\"a\":1,\"a\":2}");
    k8s_arena_free(a);
}

/* ---- report-all mode ---- */

static void test_report_all(void **state)
{
    (void)state;
    const char *json = "{\"metadata\":{\"name\":1,\"generation\":\"x\",\"oops\":true,\"labels\":{\"a\":2}},"
                       "\"spec\":{\"containers\":[{\"name\":\"ok\"},{\"image\":[]}],\"what\":1,"
                       "\"priority\":99999999999}}";
    seen s = {0};
    k8s_decode_options opts = {.diag = collect, .diag_ctx = &s};
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    k8s_core_v1_pod *p = NULL;
    assert_int_equal(k8s_json_decode(POD, json, strlen(json), a, (void **)&p, &opts, &err), K8S_ETYPE);
    assert_int_equal(s.problems, 5);
    assert_int_equal(s.warnings, 2);
    assert_string_equal(err.path, "metadata.name"); /* the first problem */
    /* the object is still there, with what was right */
    assert_non_null(p);
    assert_int_equal(p->spec->containers_len, 2);
    assert_string_equal(p->spec->containers[0].name, "ok");
    assert_null(p->spec->containers[1].image);
    k8s_arena_free(a);
}

/* Reporting all problems, a name given twice keeps its first value, for
 * unknown fields as for known ones: what comes back encodes to JSON that a
 * strict decode accepts (found by fuzz_json). */
static void test_report_all_keeps_first_of_repeated_keys(void **state)
{
    (void)state;
    const char *json = "{\"metadata\":{\"name\":\"a\",\"x\":1,\"y\":[2],\"x\":3,\"name\":\"b\",\"x\":{}}}";
    seen s = {0};
    k8s_decode_options opts = {.diag = collect, .diag_ctx = &s};
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    k8s_core_v1_pod *p = NULL;
    assert_int_equal(k8s_json_decode(POD, json, strlen(json), a, (void **)&p, &opts, &err), K8S_EDUPKEY);
    assert_int_equal(s.problems, 3); /* name once, x twice */
    assert_non_null(p);
    assert_string_equal(p->metadata->name, "a");
    assert_string_equal(p->metadata->_unknown, "{\"x\":1,\"y\":[2]}");
    k8s_buf b = K8S_BUF_INIT;
    assert_int_equal(k8s_json_encode(POD, p, &b, &err), K8S_OK);
    k8s_core_v1_pod *again = NULL;
    assert_int_equal(k8s_json_decode(POD, b.data, b.len, a, (void **)&again, NULL, &err), K8S_OK);
    k8s_buf_free(&b);
    k8s_arena_free(a);
}

/* ---- encode-side checks, copy ---- */

/* In a large arena equal short strings (< 16 bytes) share one copy, found
 * from the 16 bytes at the string with those past its end masked off:
 * every length 0..17, strings that are prefixes of each other, at the very
 * end of the input (fewer than 16 bytes left); each value reads back as
 * written, equal ones share, different ones never do. */
static void test_shared_strings_in_large_arenas(void **state)
{
    (void)state;
    static const char *const words[] = {"", "a", "ab", "TCP", "True", "abcdefg", "abcdefgh", "abcdefghi",
                                        "IfNotPresent", "abcdefghijklmno", "abcdefghijklmnop",
                                        "abcdefghijklmnopq", "abcdefgh\\u00e9", "x\\\"y"};
    static const char *const decoded[] = {"", "a", "ab", "TCP", "True", "abcdefg", "abcdefgh", "abcdefghi",
                                          "IfNotPresent", "abcdefghijklmno", "abcdefghijklmnop",
                                          "abcdefghijklmnopq", "abcdefgh\xc3\xa9", "x\"y"};
    enum { WORDS = sizeof words / sizeof words[0], ROUNDS = 3 };
    k8s_buf json = K8S_BUF_INIT;
    k8s_buf_append_str(&json, "{\"data\":{");
    for (int r = 0; r < ROUNDS; r++)
        for (int i = 0; i < WORDS; i++) {
            char entry[96];
            snprintf(entry, sizeof entry, "%s\"k%d-%d\":\"%s\"", r || i ? "," : "", r, i, words[i]);
            k8s_buf_append_str(&json, entry);
        }
    k8s_buf_append_str(&json, ",\"last\":\"ab\"}}"); /* "ab" with 3 bytes after it */
    k8s_arena *a = k8s_arena_new();
    while (k8s_arena_size(a) < 512 * 1024) /* large: strings are shared from here on */
        assert_non_null(k8s_arena_alloc(a, 4096));
    k8s_core_v1_config_map *cm;
    k8s_error err;
    assert_int_equal(k8s_json_decode(&k8s_core_v1_config_map_desc, json.data, json.len, a, (void **)&cm, NULL, &err),
                     K8S_OK);
    assert_int_equal(cm->data_len, ROUNDS * WORDS + 1);
    for (int r = 0; r < ROUNDS; r++)
        for (int i = 0; i < WORDS; i++) {
            const char *v = cm->data[r * WORDS + i].value;
            assert_string_equal(v, decoded[i]);
            const char *first = cm->data[i].value;
            bool shareable = strlen(decoded[i]) < 16 && !strchr(words[i], '\\');
            if (r && shareable)
                assert_ptr_equal(v, first);
            for (int j = 0; j < WORDS; j++)
                if (j != i)
                    assert_ptr_not_equal(v, cm->data[r * WORDS + j].value);
        }
    assert_string_equal(cm->data[ROUNDS * WORDS].value, "ab");
    assert_ptr_equal(cm->data[ROUNDS * WORDS].value, cm->data[2].value);
    k8s_arena_free(a);
    k8s_buf_free(&json);
}

static void test_encode_rejects_bad_values(void **state)
{
    (void)state;
    k8s_meta_v1_object_meta meta = {0};
    k8s_core_v1_pod pod = {.metadata = &meta};
    k8s_buf b = K8S_BUF_INIT;
    k8s_error err;
    meta.name = "bad\xff";
    assert_int_equal(k8s_json_encode(POD, &pod, &b, &err), K8S_EENCODING);
    assert_string_equal(err.path, "metadata.name");
    meta.name = NULL;
    char *fins[] = {"a", NULL};
    meta.finalizers = fins;
    meta.finalizers_len = 2;
    assert_int_equal(k8s_json_encode(POD, &pod, &b, &err), K8S_EINVAL);
    assert_string_equal(err.path, "metadata.finalizers[1]");
    meta.finalizers = NULL;
    meta.finalizers_len = 0;
    k8s_string_entry labels[] = {{NULL, "v"}};
    meta.labels = labels;
    meta.labels_len = 1;
    assert_int_equal(k8s_json_encode(POD, &pod, &b, &err), K8S_EINVAL);
    meta.labels = NULL;
    assert_int_equal(b.len, 0);

    k8s_apiextensions_v1_json_schema_props s = {0};
    s.has_maximum = true;
    s.maximum = 0.0 / 0.0;
    assert_int_equal(k8s_json_encode(&k8s_apiextensions_v1_json_schema_props_desc, &s, &b, &err), K8S_EVALUE);
    k8s_buf_free(&b);
}

static void test_deep_copy(void **state)
{
    (void)state;
    const char *json = "{\"metadata\":{\"name\":\"p\",\"labels\":{\"a\":\"b\"},\"generation\":3,\"z\":[1]},"
                       "\"spec\":{\"containers\":[{\"name\":\"c\",\"ports\":[{\"containerPort\":1}],"
                       "\"args\":[]}],\"overhead\":{\"cpu\":\"1\"}}}";
    k8s_arena *a = k8s_arena_new(), *b = k8s_arena_new();
    k8s_core_v1_pod *p = decode_ok(a, POD, json);
    k8s_core_v1_pod *c = k8s_copy(POD, p, b);
    assert_non_null(c);
    assert_ptr_not_equal(c->metadata, p->metadata);
    assert_ptr_not_equal(c->metadata->name, p->metadata->name);
    k8s_arena_free(a); /* the copy stands alone */
    char *out = encode_ok(POD, c);
    assert_json_equal(json, out);
    free(out);
    k8s_arena_free(b);
}

/* ---- out of memory ---- */

typedef struct failing {
    size_t calls, fail_at;
} failing;

static void *fail_alloc(void *ctx, size_t size)
{
    failing *f = ctx;
    return ++f->calls == f->fail_at ? NULL : malloc(size);
}

static void plain_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    (void)size;
    free(p);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    /* a document that needs several arena blocks: the decoder sizes the
     * first from the input's length, so most of this one's structs come
     * from a few bytes each (empty objects) */
    k8s_buf b = K8S_BUF_INIT;
    k8s_buf_append_str(&b, "{\"metadata\":{\"labels\":{");
    for (int i = 0; i < 500; i++) {
        char kv[64];
        snprintf(kv, sizeof kv, "%s\"key-%d\":\"value-%d\"", i ? "," : "", i, i);
        k8s_buf_append_str(&b, kv);
    }
    k8s_buf_append_str(&b, "}},\"spec\":{\"containers\":[");
    for (int i = 0; i < 500; i++)
        k8s_buf_append_str(&b, i ? ",{\"securityContext\":{\"capabilities\":{}}}" : "{\"securityContext\":{\"capabilities\":{}}}");
    k8s_buf_append_str(&b, "]}}");
    /* each allocation the decode makes (after the arena's own, the first)
     * fails in turn, and the decode says so; one more and it succeeds */
    size_t calls = 0;
    for (size_t at = 2;; at++) {
        failing f = {0, at};
        k8s_allocator al = {fail_alloc, plain_free, &f};
        k8s_arena *a = k8s_arena_new_with(&al);
        void *obj;
        k8s_error err;
        k8s_code rc = k8s_json_decode(POD, b.data, b.len, a, &obj, NULL, &err);
        k8s_arena_free(a);
        if (rc == K8S_OK) {
            calls = f.calls;
            assert_int_equal(at, calls + 1);
            break;
        }
        assert_int_equal(rc, K8S_ENOMEM);
        assert_null(obj);
    }
    assert_true(calls >= 4); /* the arena, two blocks and the containers' own */
    k8s_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_absent_and_zero_differ),
        cmocka_unit_test(test_empty_arrays_and_maps),
        cmocka_unit_test(test_null_is_absent),
        cmocka_unit_test(test_int64_exact),
        cmocka_unit_test(test_number_errors),
        cmocka_unit_test(test_strings_and_escapes),
        cmocka_unit_test(test_string_errors),
        cmocka_unit_test(test_huge_string),
        cmocka_unit_test(test_unknown_fields_kept),
        cmocka_unit_test(test_unknown_on_encode),
        cmocka_unit_test(test_free_form_exact),
        cmocka_unit_test(test_quantity_and_time_text),
        cmocka_unit_test(test_quantity_numbers),
        cmocka_unit_test(test_peek_kind),
        cmocka_unit_test(test_limits_apply_to_kept_values),
        cmocka_unit_test(test_locate),
        cmocka_unit_test(test_locate_many),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_unions),
        cmocka_unit_test(test_wrong_types_carry_paths),
        cmocka_unit_test(test_truncated_input),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_plain_runs),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_key_order_guesses),
        cmocka_unit_test(test_report_all),
        cmocka_unit_test(test_report_all_keeps_first_of_repeated_keys),
        cmocka_unit_test(test_shared_strings_in_large_arenas),
        cmocka_unit_test(test_encode_rejects_bad_values),
        cmocka_unit_test(test_deep_copy),
        cmocka_unit_test(test_out_of_memory),
    };
    return test_run(tests, NULL, NULL);
}
