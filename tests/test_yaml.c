/* YAML front end: scalar resolution, tags, keys, anchors and merge keys,
 * streams, limits, error positions, typed decoding, and the conformance
 * fixtures' YAML twins. Expected values of the resolution tables are what
 * sigs.k8s.io/yaml 1.3.0 over go-yaml 2.4.0 (kubectl's converter) gives. */
#define _POSIX_C_SOURCE 200809L
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "k8s/yaml.h"
#include "testutil.h"

typedef struct pair {
    const char *yaml, *json;
} pair;

/* Plain scalars as values: go-yaml v2's resolve() plus encoding/json. */
static const pair values[] = {
    {"v: ~", "{\"v\":null}"},
    {"v: null", "{\"v\":null}"},
    {"v: Null", "{\"v\":null}"},
    {"v: NULL", "{\"v\":null}"},
    {"v: nUll", "{\"v\":\"nUll\"}"},
    {"v: y", "{\"v\":true}"},
    {"v: Y", "{\"v\":true}"},
    {"v: yes", "{\"v\":true}"},
    {"v: Yes", "{\"v\":true}"},
    {"v: YES", "{\"v\":true}"},
    {"v: yEs", "{\"v\":\"yEs\"}"},
    {"v: n", "{\"v\":false}"},
    {"v: N", "{\"v\":false}"},
    {"v: no", "{\"v\":false}"},
    {"v: No", "{\"v\":false}"},
    {"v: NO", "{\"v\":false}"},
    {"v: true", "{\"v\":true}"},
    {"v: True", "{\"v\":true}"},
    {"v: TRUE", "{\"v\":true}"},
    {"v: tRue", "{\"v\":\"tRue\"}"},
    {"v: false", "{\"v\":false}"},
    {"v: False", "{\"v\":false}"},
    {"v: FALSE", "{\"v\":false}"},
    {"v: on", "{\"v\":true}"},
    {"v: On", "{\"v\":true}"},
    {"v: ON", "{\"v\":true}"},
    {"v: off", "{\"v\":false}"},
    {"v: Off", "{\"v\":false}"},
    {"v: OFF", "{\"v\":false}"},
    {"v: 0", "{\"v\":0}"},
    {"v: -0", "{\"v\":0}"},
    {"v: +12", "{\"v\":12}"},
    {"v: -12", "{\"v\":-12}"},
    {"v: 0x1F", "{\"v\":31}"},
    {"v: 0X1f", "{\"v\":31}"},
    {"v: -0x10", "{\"v\":-16}"},
    {"v: +0x10", "{\"v\":16}"},
    {"v: 0o17", "{\"v\":15}"},
    {"v: 0O17", "{\"v\":15}"},
    {"v: 0644", "{\"v\":420}"},
    {"v: -0644", "{\"v\":-420}"},
    {"v: 08", "{\"v\":8}"},
    {"v: 09", "{\"v\":9}"},
    {"v: 00.5", "{\"v\":0.5}"},
    {"v: 1_000", "{\"v\":1000}"},
    {"v: 0x_1F", "{\"v\":31}"},
    {"v: 0_644", "{\"v\":420}"},
    {"v: 0b101", "{\"v\":5}"},
    {"v: 0B101", "{\"v\":5}"},
    {"v: -0b101", "{\"v\":-5}"},
    {"v: 0b-101", "{\"v\":-5}"},
    {"v: 9223372036854775807", "{\"v\":9223372036854775807}"},
    {"v: 9223372036854775808", "{\"v\":9223372036854775808}"},
    {"v: -9223372036854775808", "{\"v\":-9223372036854775808}"},
    {"v: -9223372036854775809", "{\"v\":-9223372036854776000}"},
    {"v: 18446744073709551615", "{\"v\":18446744073709551615}"},
    {"v: 18446744073709551616", "{\"v\":18446744073709552000}"},
    {"v: 99999999999999999999", "{\"v\":100000000000000000000}"},
    {"v: 0x10000000000000000", "{\"v\":\"0x10000000000000000\"}"},
    {"v: 1.0", "{\"v\":1}"},
    {"v: 1.", "{\"v\":1}"},
    {"v: .5", "{\"v\":0.5}"},
    {"v: -.5", "{\"v\":-0.5}"},
    {"v: +.5", "{\"v\":0.5}"},
    {"v: 1e3", "{\"v\":1000}"},
    {"v: 1E3", "{\"v\":1000}"},
    {"v: 1e+3", "{\"v\":1000}"},
    {"v: 1e-3", "{\"v\":0.001}"},
    {"v: 1.5e3", "{\"v\":1500}"},
    {"v: .5e3", "{\"v\":500}"},
    {"v: 1e21", "{\"v\":1e+21}"},
    {"v: 1e20", "{\"v\":100000000000000000000}"},
    {"v: 1e-7", "{\"v\":1e-7}"},
    {"v: 0.000001", "{\"v\":0.000001}"},
    {"v: 1.5e-7", "{\"v\":1.5e-7}"},
    {"v: 5e-324", "{\"v\":5e-324}"},
    {"v: 1e-400", "{\"v\":0}"},
    {"v: 0.1", "{\"v\":0.1}"},
    {"v: -0.0", "{\"v\":-0}"},
    {"v: .5_0", "{\"v\":0.5}"},
    {"v: 1_0.5", "{\"v\":10.5}"},
    {"v: 3.14159265358979", "{\"v\":3.14159265358979}"},
    {"v: 1.7976931348623157e308", "{\"v\":1.7976931348623157e+308}"},
    {"v: 1e400", "{\"v\":\"1e400\"}"},
    {"v: 1e", "{\"v\":\"1e\"}"},
    {"v: 1e+", "{\"v\":\"1e+\"}"},
    {"v: e3", "{\"v\":\"e3\"}"},
    {"v: .", "{\"v\":\".\"}"},
    {"v: .e3", "{\"v\":\".e3\"}"},
    {"v: 1.2.3", "{\"v\":\"1.2.3\"}"},
    {"v: 0x", "{\"v\":\"0x\"}"},
    {"v: 0o", "{\"v\":\"0o\"}"},
    {"v: 0b", "{\"v\":\"0b\"}"},
    {"v: 0xg", "{\"v\":\"0xg\"}"},
    {"v: 0o8", "{\"v\":\"0o8\"}"},
    {"v: _1", "{\"v\":\"_1\"}"},
    {"v: 1_", "{\"v\":1}"},
    {"v: ._5", "{\"v\":\"._5\"}"},
    {"v: +", "{\"v\":\"+\"}"},
    {"v: <<", "{\"v\":\"<<\"}"}, /* Go writes \u003c\u003c */
    {"v: 0x1p3", "{\"v\":\"0x1p3\"}"},
    {"v: Infinity", "{\"v\":\"Infinity\"}"},
    {"v: NaN", "{\"v\":\"NaN\"}"},
    {"v: inf", "{\"v\":\"inf\"}"},
    {"v: 1,000", "{\"v\":\"1,000\"}"},
    {"v: 1:20:30", "{\"v\":\"1:20:30\"}"},
    {"v: 2001-12-14", "{\"v\":\"2001-12-14\"}"},
    {"v: 2001-12-14T21:59:43Z", "{\"v\":\"2001-12-14T21:59:43Z\"}"},
};

/* Non-string keys as sigs.k8s.io/yaml names them. */
static const pair keys[] = {
    {"1: v", "{\"1\":\"v\"}"},
    {"-1: v", "{\"-1\":\"v\"}"},
    {"0x10: v", "{\"16\":\"v\"}"},
    {"0644: v", "{\"420\":\"v\"}"},
    {"1.5: v", "{\"1.5\":\"v\"}"},
    {"1e6: v", "{\"1e+06\":\"v\"}"},
    {"1e5: v", "{\"100000\":\"v\"}"},
    {"1e-5: v", "{\"1e-05\":\"v\"}"},
    {"1e-4: v", "{\"0.0001\":\"v\"}"},
    {"3.14159265358979: v", "{\"3.1415927\":\"v\"}"},
    {"0.1: v", "{\"0.1\":\"v\"}"},
    {"1234567.0: v", "{\"1.234567e+06\":\"v\"}"},
    {"123456.0: v", "{\"123456\":\"v\"}"},
    {"1e39: v", "{\".inf\":\"v\"}"},
    {"-0.0: v", "{\"-0\":\"v\"}"},
    {"true: v", "{\"true\":\"v\"}"},
    {"yes: v", "{\"true\":\"v\"}"},
    {"on: v", "{\"true\":\"v\"}"},
    {"y: v", "{\"true\":\"v\"}"},
    {"no: v", "{\"false\":\"v\"}"},
    {"off: v", "{\"false\":\"v\"}"},
    {".inf: v", "{\".inf\":\"v\"}"},
    {"-.inf: v", "{\"-.inf\":\"v\"}"},
    {".nan: v", "{\".nan\":\"v\"}"},
    {"2001-12-14: v", "{\"2001-12-14\":\"v\"}"},
    {"9223372036854775807: v", "{\"9223372036854775807\":\"v\"}"},
};

/* ---- helpers ---- */

/* The JSON of the only document in yaml; fails the test on an error. */
static char *json_of(const char *yaml, size_t len)
{
    k8s_buf out = K8S_BUF_INIT;
    k8s_error err;
    k8s_code rc = k8s_yaml_to_json(yaml, len, &out, &err);
    if (rc) {
        char msg[600];
        print_error("%s: %s\n", yaml, k8s_error_format(&err, msg, sizeof msg));
        fail();
    }
    return out.data;
}

static void expect(const char *yaml, const char *json)
{
    char *got = json_of(yaml, strlen(yaml));
    if (strcmp(got, json) != 0)
        print_error("yaml: %s\n", yaml);
    assert_string_equal(got, json);
    free(got);
}

/* Fails with code at line:column (0 = not checked) and a message that
 * contains part. */
static void expect_error(const char *yaml, size_t len, k8s_code code, unsigned line,
                         unsigned column, const char *part)
{
    k8s_buf out = K8S_BUF_INIT;
    k8s_error err;
    k8s_code rc = k8s_yaml_to_json(yaml, len, &out, &err);
    if (rc != code || (line && (err.line != line || err.column != column)) ||
        (part && !strstr(err.message, part))) {
        char msg[600];
        print_error("yaml: %.200s\ngot %s: %s\n", yaml, k8s_strerror(rc),
                    rc ? k8s_error_format(&err, msg, sizeof msg) : out.data);
        fail();
    }
    assert_int_equal(err.code, code);
    assert_int_equal(out.len, 0);
    k8s_buf_free(&out);
}

static void fails(const char *yaml, k8s_code code, unsigned line, unsigned column,
                  const char *part)
{
    expect_error(yaml, strlen(yaml), code, line, column, part);
}

/* ---- scalars ---- */

static void test_resolution_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        expect(values[i].yaml, values[i].json);
}

static void test_special_floats_fail(void **state)
{
    (void)state;
    static const char *const specials[] = {".inf", ".Inf", ".INF", "+.inf", "-.inf",
                                           "-.Inf", ".nan", ".NaN", ".NAN"};
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) {
        char yaml[64];
        snprintf(yaml, sizeof yaml, "a: 1\nv: %s\n", specials[i]);
        fails(yaml, K8S_EVALUE, 2, 4, "no JSON form");
    }
    /* other spellings are strings */
    expect("v: .iNf", "{\"v\":\".iNf\"}");
    expect("v: +.nan", "{\"v\":\"+.nan\"}");
}

static void test_quoted_and_block_scalars(void **state)
{
    (void)state;
    expect("a: '12'\nb: \"true\"\nc: 'null'\nd: \"\"\ne: ''\nf: '~'",
           "{\"a\":\"12\",\"b\":\"true\",\"c\":\"null\",\"d\":\"\",\"e\":\"\",\"f\":\"~\"}");
    expect("a: |\n  12\nb: >\n  yes\n  no\nc: |-\n  x\nd: |+\n  k\n\ne: >-\n  p\n\n  q\n",
           "{\"a\":\"12\\n\",\"b\":\"yes no\\n\",\"c\":\"x\",\"d\":\"k\\n\\n\",\"e\":\"p\\nq\"}");
    expect("a: plain\n  continued\nb: 'it''s'\nc: 'multi\n  line'",
           "{\"a\":\"plain continued\",\"b\":\"it's\",\"c\":\"multi line\"}");
    /* escapes come out as JSON escapes; U+0000 is kept for the decoder to refuse */
    expect("a: \"\\t\\u00e9\\x01\\\\ \\\" \\0 \\U0001F600\\r\\b\"",
           "{\"a\":\"\\t\xc3\xa9\\u0001\\\\ \\\" \\u0000 \xf0\x9f\x98\x80\\r\\u0008\"}");
    expect("a: [x, 'y', \"z\", {d: e}]", "{\"a\":[\"x\",\"y\",\"z\",{\"d\":\"e\"}]}");
    expect("{\"json\": [1, 2.5, true, null, \"x\"]}",
           "{\"json\":[1,2.5,true,null,\"x\"]}");
    expect("k: v # comment\n# more\n", "{\"k\":\"v\"}");
}

/* ---- tags ---- */

static void test_tags(void **state)
{
    (void)state;
    expect("v: !!str 12", "{\"v\":\"12\"}");
    expect("v: !!str yes", "{\"v\":\"yes\"}");
    expect("v: !!str ~", "{\"v\":\"~\"}");
    expect("v: ! 12", "{\"v\":\"12\"}");
    expect("v: !!int 0x10", "{\"v\":16}");
    expect("v: !!int '12'", "{\"v\":12}");
    expect("v: !!int 18446744073709551615", "{\"v\":18446744073709551615}");
    expect("v: !!float 1", "{\"v\":1}");
    expect("v: !!float '1.5'", "{\"v\":1.5}");
    expect("v: !!bool yes", "{\"v\":true}");
    expect("v: !!bool 'off'", "{\"v\":false}");
    expect("v: !!null ''", "{\"v\":null}");
    expect("v: !!null ~", "{\"v\":null}");
    expect("v: !!timestamp 2001-12-14", "{\"v\":\"2001-12-14\"}");
    expect("v: !!timestamp 2001-12-14t21:59:43.10-05:00",
           "{\"v\":\"2001-12-14t21:59:43.10-05:00\"}");
    expect("v: !!timestamp 2002-12-14 12:13:14", "{\"v\":\"2002-12-14 12:13:14\"}");
    expect("v: !!timestamp 2000-02-29", "{\"v\":\"2000-02-29\"}");
    expect("v: !<tag:yaml.org,2002:int> 12", "{\"v\":12}");
    expect("%TAG !e! tag:yaml.org,2002:\n---\nv: !e!int 12", "{\"v\":12}");
    expect("a: !!map {b: 1}\nc: !!seq [1]\nd: ! [2]", "{\"a\":{\"b\":1},\"c\":[1],\"d\":[2]}");
    /* !!binary keeps the base64 text, without its line breaks */
    expect("v: !!binary aGVsbG8=", "{\"v\":\"aGVsbG8=\"}");
    expect("v: !!binary |\n  aGVs\n  bG8=\n", "{\"v\":\"aGVsbG8=\"}");
    expect("? !!binary |\n  aGVs\n  bG8=\n: v", "{\"aGVsbG8=\":\"v\"}");

    fails("v: !!int 1.5", K8S_EYAML, 1, 4, "cannot read \"1.5\" as !!int");
    fails("v: !!int x", K8S_EYAML, 1, 4, "!!int");
    fails("v: !!bool 1", K8S_EYAML, 1, 4, "!!bool");
    fails("v: !!null x", K8S_EYAML, 1, 4, "!!null");
    fails("v: !!float x", K8S_EYAML, 1, 4, "!!float");
    fails("v: !!float 18446744073709551615", K8S_EYAML, 1, 4, "!!float");
    fails("v: !!binary '@@@@'", K8S_EYAML, 1, 4, "base64");
    fails("v: !!timestamp 2001-13-01", K8S_EYAML, 1, 4, "!!timestamp");
    fails("v: !!timestamp 2001-02-29", K8S_EYAML, 1, 4, "!!timestamp");
    fails("v: !!timestamp 2001-12-14T21:59:43", K8S_EYAML, 1, 4, "!!timestamp");
    fails("a: 1\nv: !foo x", K8S_EYAML, 2, 4, "unsupported tag !foo");
    fails("v: !!set {a}", K8S_EYAML, 1, 4, "unsupported tag !!set");
    fails("v: !!str [1]", K8S_EYAML, 1, 4, "tag !!str does not fit a sequence");
    fails("v: !!map [1]", K8S_EYAML, 1, 4, "does not fit");
    fails("v: !!seq {a: 1}", K8S_EYAML, 1, 4, "does not fit");
    fails("v: !!map x", K8S_EYAML, 1, 4, "does not fit");
}

/* ---- keys ---- */

static void test_keys(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        expect(keys[i].yaml, keys[i].json);
    expect("'1': a\n\"true\": b\n? |\n  block\n: c",
           "{\"1\":\"a\",\"true\":\"b\",\"block\\n\":\"c\"}");
    expect("? a\n? b\n", "{\"a\":null,\"b\":null}");
    expect("{a, b: 1}", "{\"a\":null,\"b\":1}");
    /* keys keep document order */
    expect("z: 1\na: 2\nm: 3", "{\"z\":1,\"a\":2,\"m\":3}");

    fails("~: a", K8S_EYAML, 1, 1, "null cannot be a mapping key");
    fails("a: 1\n? \n: b", K8S_EYAML, 2, 2, "null");
    fails("18446744073709551615: a", K8S_EYAML, 1, 1, "does not fit in int64");
    fails("x:\n  [a]: 1", K8S_EYAML, 2, 3, "a sequence cannot be a mapping key");
    fails("? {a: 1}\n: x", K8S_EYAML, 1, 3, "a mapping cannot be a mapping key");
    fails("a: &m {b: 1}\n*m : x", K8S_EYAML, 2, 1, "a mapping cannot be a mapping key");
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    k8s_buf out = K8S_BUF_INIT;
    k8s_error err;
    const char *yaml = "a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\n";
    assert_int_equal(k8s_yaml_to_json(yaml, strlen(yaml), &out, &err), K8S_EDUPKEY);
    assert_string_equal(err.path, "b.c");
    assert_string_equal(err.message, "duplicate key \"c\"");
    assert_int_equal(err.line, 5);
    assert_int_equal(err.column, 3);
    assert_int_equal(err.offset, 24);
    k8s_buf_free(&out);

    fails("a: 1\n'a': 2", K8S_EDUPKEY, 2, 1, "\"a\"");
    fails("1: a\n'1': b", K8S_EDUPKEY, 2, 1, "\"1\"");     /* same JSON name */
    fails("1.0: a\n1: b", K8S_EDUPKEY, 2, 1, "\"1\"");
    fails("true: a\nyes: b", K8S_EDUPKEY, 2, 1, "\"true\"");
    fails("&k key: 1\n*k : 2", K8S_EDUPKEY, 2, 1, "\"key\"");
    fails("- {a: 1, b: 2, a: 3}", K8S_EDUPKEY, 1, 16, "\"a\"");
    /* inside a merge source too */
    fails("m:\n  <<: {a: 1, a: 2}", K8S_EDUPKEY, 2, 14, "\"a\"");
}

/* ---- anchors, aliases, merge keys ---- */

static void test_aliases(void **state)
{
    (void)state;
    expect("a: &a {x: 1}\nb: *a", "{\"a\":{\"x\":1},\"b\":{\"x\":1}}");
    expect("a: &a [1, 2]\nb: [*a, *a]", "{\"a\":[1,2],\"b\":[[1,2],[1,2]]}");
    expect("a: &s 0x10\nb: *s\nc: &q '0x10'\nd: *q",
           "{\"a\":16,\"b\":16,\"c\":\"0x10\",\"d\":\"0x10\"}");
    expect("a: &k key\n*k : 2", "{\"a\":\"key\",\"key\":2}");
    /* a later anchor of the same name wins from there on */
    expect("a: &x 1\nb: *x\nc: &x 2\nd: *x", "{\"a\":1,\"b\":1,\"c\":2,\"d\":2}");
    fails("a: 1\nb: *nope", K8S_EYAML, 2, 4, "unknown anchor \"nope\"");
    fails("a: &a [1, *a]", K8S_EYAML, 1, 11, "inside the value it names");
    fails("a: &a {b: *a}", K8S_EYAML, 1, 11, "inside the value it names");
    fails("a: &a {<<: *a}", K8S_EYAML, 1, 12, "inside the value it names");
    /* anchors do not reach into the next document */
    k8s_yaml_reader *s;
    k8s_buf out = K8S_BUF_INIT;
    k8s_error err;
    const char *yaml = "a: &a 1\n---\nb: *a\n";
    assert_int_equal(k8s_yaml_reader_start(&s, yaml, strlen(yaml), &err), K8S_OK);
    assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_OK);
    assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_EYAML);
    assert_int_equal(err.line, 3);
    k8s_yaml_reader_free(s);
    k8s_buf_free(&out);
}

static void test_merge_keys(void **state)
{
    (void)state;
    /* the mapping's own keys win wherever they stand; merged keys go where << is */
    expect("b: &b {x: 1, k: 2}\nm:\n  <<: *b\n  x: 3",
           "{\"b\":{\"x\":1,\"k\":2},\"m\":{\"k\":2,\"x\":3}}");
    expect("b: &b {x: 1, k: 2}\nm:\n  x: 3\n  <<: *b\n  z: 4",
           "{\"b\":{\"x\":1,\"k\":2},\"m\":{\"x\":3,\"k\":2,\"z\":4}}");
    /* earlier sources win */
    expect("b1: &b1 {x: 1}\nb2: &b2 {x: 2, z: 2}\nm: {<<: [*b1, *b2]}",
           "{\"b1\":{\"x\":1},\"b2\":{\"x\":2,\"z\":2},\"m\":{\"x\":1,\"z\":2}}");
    expect("m:\n  <<: [{a: 1}, {a: 2, b: 3}]", "{\"m\":{\"a\":1,\"b\":3}}");
    expect("m: {<<: {a: 1}, <<: {a: 2, b: 2}}", "{\"m\":{\"a\":1,\"b\":2}}");
    /* sources that merge in turn */
    expect("b1: &b1 {x: 1, w: 1}\nb2: &b2 {<<: *b1, w: 2}\nm: {<<: *b2, z: 3}",
           "{\"b1\":{\"x\":1,\"w\":1},\"b2\":{\"x\":1,\"w\":2},\"m\":{\"x\":1,\"w\":2,\"z\":3}}");
    /* only a plain << (or !!merge) merges */
    expect("m: {'<<': {a: 1}}", "{\"m\":{\"<<\":{\"a\":1}}}");
    expect("m: {!!merge <<: {a: 1}}", "{\"m\":{\"a\":1}}");
    expect("v: <<", "{\"v\":\"<<\"}");
    fails("m:\n  <<: 1", K8S_EYAML, 2, 7, "<< needs a mapping or a list of mappings");
    fails("a: &a [1]\nm:\n  <<: *a", K8S_EYAML, 3, 7, "<< needs");
    fails("m:\n  <<: [{a: 1}, [1]]", K8S_EYAML, 2, 16, "<< needs");
    fails("m:\n  <<: ~", K8S_EYAML, 2, 7, "<< needs");
}

/* ---- streams ---- */

static void test_documents(void **state)
{
    (void)state;
    const char *yaml = "a: 1\n---\n---\n~\n---\n# nothing\n---\nb: 2\n...\n---\nnull\n--- c\n"
                       "--- []\n...\n";
    static const struct {
        const char *json;
        size_t index;
    } want[] = {{"{\"a\":1}", 1}, {"{\"b\":2}", 5}, {"\"c\"", 7}, {"[]", 8}};
    k8s_yaml_reader *s;
    k8s_buf out = K8S_BUF_INIT;
    k8s_error err;
    assert_int_equal(k8s_yaml_reader_start(&s, yaml, strlen(yaml), &err), K8S_OK);
    assert_int_equal(k8s_yaml_reader_document_index(s), 0);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_OK);
        assert_string_equal(out.data, want[i].json);
        assert_int_equal(k8s_yaml_reader_document_index(s), want[i].index);
    }
    assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_EDONE);
    assert_int_equal(out.len, 0);
    assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_EDONE);
    k8s_yaml_reader_free(s);
    k8s_yaml_reader_free(NULL);

    /* empty input: no documents at all */
    assert_int_equal(k8s_yaml_reader_start(&s, NULL, 0, &err), K8S_OK);
    assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_EDONE);
    k8s_yaml_reader_free(s);

    /* to_json wants exactly one non-empty document */
    expect("---\n# c\n---\na: 1\n---\n~\n", "{\"a\":1}");
    fails("", K8S_EYAML, 0, 0, "no YAML document");
    fails("# only a comment\n", K8S_EYAML, 0, 0, "no YAML document");
    fails("null\n---\n~", K8S_EYAML, 0, 0, "no YAML document");
    fails("a: 1\n---\nb: 2", K8S_EYAML, 2, 1, "found another");
    fails("a: 1\n---\nb: [", K8S_EYAML, 0, 0, NULL);
    k8s_buf_free(&out);
}

static void test_stream_recovers_after_document_errors(void **state)
{
    (void)state;
    const char *yaml = "a: 1\na: 2\n---\nb: !nope 1\n---\nc: .nan\n---\nd: 4\n";
    k8s_yaml_reader *s;
    k8s_buf out = K8S_BUF_INIT;
    k8s_error err;
    assert_int_equal(k8s_yaml_reader_start(&s, yaml, strlen(yaml), &err), K8S_OK);
    assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_EDUPKEY);
    assert_int_equal(k8s_yaml_reader_document_index(s), 1);
    assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_EYAML);
    assert_int_equal(k8s_yaml_reader_document_index(s), 2);
    assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_EVALUE);
    assert_int_equal(err.line, 6);
    assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_OK);
    assert_string_equal(out.data, "{\"d\":4}");
    assert_int_equal(k8s_yaml_reader_document_index(s), 4);
    assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_EDONE);
    k8s_yaml_reader_free(s);
    k8s_buf_free(&out);
}

static char *repeat(const char *a, size_t n, const char *mid, const char *b, size_t m)
{
    size_t la = strlen(a), lb = strlen(b), lm = strlen(mid);
    char *s = malloc(la * n + lm + lb * m + 1), *p = s;
    assert_non_null(s);
    for (size_t i = 0; i < n; i++, p += la)
        memcpy(p, a, la);
    memcpy(p, mid, lm);
    p += lm;
    for (size_t i = 0; i < m; i++, p += lb)
        memcpy(p, b, lb);
    *p = '\0';
    return s;
}

static void test_syntax_error_ends_stream(void **state)
{
    (void)state;
    const char *yaml = "a: 1\n---\nb: [1,\nc: 2\n---\nd: 4\n";
    k8s_yaml_reader *s;
    k8s_buf out = K8S_BUF_INIT;
    k8s_error err;
    assert_int_equal(k8s_yaml_reader_start(&s, yaml, strlen(yaml), &err), K8S_OK);
    assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_OK);
    assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_EYAML);
    assert_int_equal(out.len, 0);
    assert_true(err.line >= 3);
    /* reported once; then the stream has ended, for good */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_EDONE);
        assert_int_equal(out.len, 0);
    }
    k8s_yaml_reader_free(s);
    k8s_buf_free(&out);
}

static void test_depth_ends_stream(void **state)
{
    (void)state;
    /* issue 8's reproduction, between two good documents */
    char *deep = repeat("[", K8S_DEFAULT_MAX_DEPTH, "", "]", K8S_DEFAULT_MAX_DEPTH);
    char *yaml = malloc(strlen(deep) + 128);
    sprintf(yaml, "a: 1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: %s\n"
                  "---\nb: 2\n", deep);
    k8s_yaml_reader *s;
    k8s_buf out = K8S_BUF_INIT;
    k8s_error err;
    assert_int_equal(k8s_yaml_reader_start(&s, yaml, strlen(yaml), &err), K8S_OK);
    assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_OK);
    assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_EDEPTH);
    assert_int_equal(err.line, 6);
    assert_int_equal(err.column, 6 + K8S_DEFAULT_MAX_DEPTH);
    assert_non_null(strstr(err.message, "nesting deeper than 512"));
    assert_int_equal(k8s_yaml_reader_document_index(s), 2);
    assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_EDONE);
    assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_EDONE);
    k8s_yaml_reader_free(s);
    /* a wrong call ends the stream too, so even that loop stops */
    assert_int_equal(k8s_yaml_reader_start(&s, "a: 1", 4, &err), K8S_OK);
    assert_int_equal(k8s_yaml_reader_next(s, NULL, &err), K8S_EINVAL);
    assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_EDONE);
    k8s_yaml_reader_free(s);
    k8s_buf_free(&out);
    free(deep);
    free(yaml);
}

/* The documented loop, `while (next != K8S_EDONE)`, ends on every kind of
 * input after at most one call per document, plus the one that ends it. */
static void test_document_loop_always_ends(void **state)
{
    (void)state;
    char *deep = repeat("[", K8S_DEFAULT_MAX_DEPTH + 1, "", "]", K8S_DEFAULT_MAX_DEPTH + 1);
    char *abyss = repeat("{a: ", 100000, "1", "}", 100000);
    char *aliases = repeat("a: &a [1]\nb: ", 1, "", "[*a, ", 600);
    const char *inputs[] = {
        "", "---", "--- \n...\n---\n", "a: 1", "a: 1\na: 2\n---\nb: !nope 1\n---\nc: .nan",
        "a: [", "a: 1\n---\nb: [1,\n---\nc: 3", "\xff\xfe\x00", "a: \x01", "a: *nope\n---\nb: 1",
        "%YAML 1.1\n%YAML 1.1\n--- a", "a: b: c\n---\nd: 1", deep, abyss, aliases,
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        size_t len = strlen(inputs[i]), docs = 1;
        for (const char *p = inputs[i]; (p = strstr(p, "---")); p += 3)
            docs++;
        k8s_yaml_reader *s;
        k8s_buf out = K8S_BUF_INIT;
        k8s_error err;
        assert_int_equal(k8s_yaml_reader_start(&s, inputs[i], len, &err), K8S_OK);
        size_t calls = 0;
        while (k8s_yaml_reader_next(s, &out, &err) != K8S_EDONE)
            if (++calls > docs)
                fail_msg("input %zu: call %zu did not end the stream", i, calls);
        assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_EDONE);
        k8s_yaml_reader_free(s);
        k8s_buf_free(&out);
    }
    free(deep);
    free(abyss);
    free(aliases);
}

/* ---- errors and limits ---- */

static void test_syntax_error_positions(void **state)
{
    (void)state;
    fails("a: b: c", K8S_EYAML, 1, 5, "mapping values are not allowed");
    fails("a: 1\n b: 2", K8S_EYAML, 2, 3, "mapping values are not allowed");
    fails("a:\n  - b\n  c: d", K8S_EYAML, 3, 3, "did not find expected");
    fails("a:\n\tb: 1", K8S_EYAML, 2, 1, "cannot start any token");
    fails("key: \"open", K8S_EYAML, 1, 11, "unexpected end of stream");
    /* CR LF ends a line; columns count characters, offsets bytes */
    k8s_buf out = K8S_BUF_INIT;
    k8s_error err;
    const char *yaml = "\xc3\xa9: 1\r\n\xc3\xa9\xc3\xa9: b: c";
    assert_int_equal(k8s_yaml_to_json(yaml, strlen(yaml), &out, &err), K8S_EYAML);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 6);
    assert_int_equal(err.offset, 14);
    char msg[600];
    assert_string_equal(k8s_error_format(&err, msg, sizeof msg),
                        "line 2, column 6: mapping values are not allowed in this context");
    k8s_buf_free(&out);
}

static void test_encodings(void **state)
{
    (void)state;
    /* invalid UTF-8 */
    expect_error("a: \xff", 4, K8S_EYAML, 1, 4, "invalid leading UTF-8 octet");
    expect_error("a: \xc3(", 5, K8S_EYAML, 1, 5, "invalid trailing UTF-8 octet");
    expect_error("a: \xed\xa0\x80", 6, K8S_EYAML, 1, 4, NULL); /* a surrogate */
    expect_error("a: b\0c", 6, K8S_EYAML, 1, 5, "control characters");
    /* a UTF-8 byte order mark is skipped; UTF-16 is read */
    expect("\xef\xbb\xbf" "a: 1", "{\"a\":1}");
    static const char utf16le[] = "\xff\xfe" "a\0:\0 \0\xe9\0";
    char *got = json_of(utf16le, sizeof utf16le - 1);
    assert_string_equal(got, "{\"a\":\"\xc3\xa9\"}");
    free(got);
    static const char utf16be[] = "\xfe\xff" "\0[\0\"\xd8\x3d\xde\x00\0\"\0]";
    got = json_of(utf16be, sizeof utf16be - 1);
    assert_string_equal(got, "[\"\xf0\x9f\x98\x80\"]");
    free(got);
}

static void test_depth(void **state)
{
    (void)state;
    size_t max = K8S_DEFAULT_MAX_DEPTH;
    char *ok = repeat("[", max, "", "]", max);
    char *got = json_of(ok, strlen(ok));
    assert_string_equal(got, ok);
    free(got);
    free(ok);

    char *deep = repeat("[", max + 1, "", "]", max + 1);
    fails(deep, K8S_EDEPTH, 1, (unsigned)max + 1, "nesting deeper than 512");
    free(deep);

    /* far deeper than any limit: no recursion on the C stack while reading */
    char *abyss = repeat("{a: ", 200000, "1", "}", 200000);
    fails(abyss, K8S_EDEPTH, 0, 0, NULL);
    free(abyss);

    /* block mappings count the same way */
    char *blocks = malloc(max * (2 * max + 8)), *p = blocks;
    for (size_t i = 0; i <= max; i++)
        p += sprintf(p, "%*sk:\n", (int)i, "");
    fails(blocks, K8S_EDEPTH, (unsigned)max + 1, (unsigned)max + 1, NULL);
    free(blocks);

    /* aliases can nest deeper than the text does */
    char *half = repeat("[", 300, "", "]", 300);
    char *inner = repeat("[", 300, "*a", "]", 300);
    char *yaml = malloc(strlen(half) + strlen(inner) + 32);
    sprintf(yaml, "a: &a %s\nb: %s\n", half, inner);
    fails(yaml, K8S_EDEPTH, 0, 0, "nesting deeper");
    free(half);
    free(inner);
    free(yaml);
}

static void test_billion_laughs(void **state)
{
    (void)state;
    char yaml[2048], *p = yaml;
    p += sprintf(p, "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\","
                    "\"lol\"]\n");
    for (char c = 'b'; c <= 'i'; c++) {
        p += sprintf(p, "%c: &%c [", c, c);
        for (int i = 0; i < 9; i++)
            p += sprintf(p, "%s*%c", i ? "," : "", c - 1);
        p += sprintf(p, "]\n");
    }
    fails(yaml, K8S_ETOOBIG, 0, 0, "more than 67108864 bytes");

    /* the same through merge keys, which cost work without output */
    p = yaml;
    p += sprintf(p, "a: &a {k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7}\n");
    for (char c = 'b'; c <= 'z'; c++) {
        p += sprintf(p, "%c: &%c {<<: [", c, c);
        for (int i = 0; i < 8; i++)
            p += sprintf(p, "%s*%c", i ? "," : "", c - 1);
        p += sprintf(p, "]}\n");
    }
    fails(yaml, K8S_ETOOBIG, 0, 0, NULL);

    /* moderate reuse is fine */
    expect("a: &a [1, 2]\nb: [*a, *a, *a]", "{\"a\":[1,2],\"b\":[[1,2],[1,2],[1,2]]}");
}

static void test_bad_arguments(void **state)
{
    (void)state;
    k8s_yaml_reader *s;
    k8s_buf out = K8S_BUF_INIT;
    k8s_error err;
    assert_int_equal(k8s_yaml_reader_start(NULL, "a", 1, &err), K8S_EINVAL);
    assert_int_equal(k8s_yaml_reader_start(&s, NULL, 3, NULL), K8S_EINVAL);
    assert_int_equal(k8s_yaml_reader_next(NULL, &out, &err), K8S_EINVAL);
    assert_int_equal(k8s_yaml_to_json("a: 1", 4, NULL, &err), K8S_EINVAL);
    assert_int_equal(k8s_yaml_reader_document_index(NULL), 0);
    k8s_yaml_reader_locate(NULL, &err);
    /* a NULL error pointer is fine everywhere */
    assert_int_equal(k8s_yaml_to_json("a: [", 4, &out, NULL), K8S_EYAML);
    assert_int_equal(k8s_yaml_to_json("a: 1\na: 2", 9, &out, NULL), K8S_EDUPKEY);
    assert_int_equal(k8s_yaml_to_json("a: 1", 4, &out, NULL), K8S_OK);
    /* json is replaced, not appended to */
    assert_int_equal(k8s_yaml_to_json("b: 2", 4, &out, NULL), K8S_OK);
    assert_string_equal(out.data, "{\"b\":2}");
    k8s_buf_free(&out);
}

static void test_locale_independent(void **state)
{
    (void)state;
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "ru_RU.UTF-8"};
    const char *set = NULL;
    for (size_t i = 0; !set && i < sizeof names / sizeof names[0]; i++)
        set = setlocale(LC_NUMERIC, names[i]);
    if (!set)
        print_message("no locale with a decimal comma installed; checking under \"C\" only\n");
    expect("a: 1.5\nb: 1e-7\nc: 2.5e30\n1.25: k",
           "{\"a\":1.5,\"b\":1e-7,\"c\":2.5e+30,\"1.25\":\"k\"}");
    setlocale(LC_NUMERIC, "C");
}

/* ---- typed decoding ---- */

typedef struct demo {
    char *name;
    bool has_replicas;
    int32_t replicas;
    char **tags;
    size_t tags_len;
} demo;

static const k8s_field demo_fields[] = {
    K8S_VALUE(demo, name, "name", K8S_KIND_STRING, 0, NULL),
    K8S_SCALAR(demo, replicas, "replicas", K8S_KIND_INT32, 0),
    K8S_ARRAY(demo, tags, "tags", K8S_KIND_STRING, 0, NULL),
};

typedef struct demo_type {
    uint8_t index[8];
    k8s_type type;
} demo_type;

static void demo_init(demo_type *d)
{
    memset(d, 0, sizeof *d);
    for (uint8_t i = 0; i < 3; i++) {
        uint32_t h = k8s_field_hash(demo_fields[i].name, demo_fields[i].name_len) & 7;
        while (d->index[h])
            h = (h + 1) & 7;
        d->index[h] = (uint8_t)(i + 1);
    }
    d->type = (k8s_type){.name = "demo", .fields = demo_fields, .index = d->index,
                         .size = sizeof(demo), .nfields = 3, .index_mask = 7};
}

typedef struct seen {
    int n;
    k8s_error first, second;
} seen;

static void collect_diag(void *ctx, k8s_severity severity, const k8s_error *problem)
{
    (void)severity;
    seen *s = ctx;
    if (s->n == 0)
        s->first = *problem;
    else if (s->n == 1)
        s->second = *problem;
    s->n++;
}

static void test_decode(void **state)
{
    (void)state;
    demo_type dt;
    demo_init(&dt);
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    void *out;
    const char *yaml = "# a demo\nname: web\nreplicas: 0x3\ntags: [a, 'b']\n";
    assert_int_equal(k8s_yaml_decode(&dt.type, yaml, strlen(yaml), a, &out, NULL, &err), K8S_OK);
    demo *d = out;
    assert_string_equal(d->name, "web");
    assert_true(d->has_replicas);
    assert_int_equal(d->replicas, 3);
    assert_int_equal(d->tags_len, 2);
    assert_string_equal(d->tags[1], "b");

    /* type errors come from the JSON decoder but point into the YAML */
    yaml = "name: web\ntags:\n  - a\n  - 12\n";
    assert_int_equal(k8s_yaml_decode(&dt.type, yaml, strlen(yaml), a, &out, NULL, &err),
                     K8S_ETYPE);
    assert_null(out);
    assert_string_equal(err.path, "tags[1]");
    assert_int_equal(err.line, 4);
    assert_int_equal(err.column, 5);
    assert_int_equal(err.offset, 26);

    /* inside an alias's expansion: the alias */
    yaml = "tags: &r [a]\nname: web\nreplicas: *r\n";
    assert_int_equal(k8s_yaml_decode(&dt.type, yaml, strlen(yaml), a, &out, NULL, &err),
                     K8S_ETYPE);
    assert_string_equal(err.path, "replicas");
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 11);

    /* errors of the YAML itself */
    assert_int_equal(k8s_yaml_decode(&dt.type, "name: [", 7, a, &out, NULL, &err), K8S_EYAML);
    assert_int_equal(k8s_yaml_decode(&dt.type, "a: 1\n---\nb: 1", 13, a, &out, NULL, &err),
                     K8S_EYAML);
    assert_int_equal(k8s_yaml_decode(&dt.type, "name: x", 7, a, NULL, NULL, &err), K8S_EINVAL);

    /* every problem, each placed in the YAML */
    seen s = {0};
    k8s_decode_options opts = {.reject_unknown = true, .diag = collect_diag, .diag_ctx = &s};
    yaml = "name: web\nextra: 1\nreplicas: many\n";
    assert_int_not_equal(k8s_yaml_decode(&dt.type, yaml, strlen(yaml), a, &out, &opts, &err),
                         K8S_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.first.code, K8S_EUNKNOWN_FIELD);
    assert_int_equal(s.first.line, 2);
    assert_int_equal(s.first.column, 1);
    assert_int_equal(s.second.code, K8S_ETYPE);
    assert_int_equal(s.second.line, 3);
    assert_int_equal(s.second.column, 11);
    k8s_arena_free(a);
}

static void test_locate(void **state)
{
    (void)state;
    k8s_yaml_reader *s;
    k8s_buf out = K8S_BUF_INIT;
    k8s_error err;
    const char *yaml = "first: 1\n---\nkind: X\nspec:\n  items: [1, {b: true}]\n";
    assert_int_equal(k8s_yaml_reader_start(&s, yaml, strlen(yaml), &err), K8S_OK);
    assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_OK);
    assert_int_equal(k8s_yaml_reader_next(s, &out, &err), K8S_OK);
    const char *at = strstr(out.data, "true");
    assert_non_null(at);
    err = (k8s_error){.code = K8S_ETYPE, .offset = (size_t)(at - out.data), .line = 1,
                      .column = 99};
    k8s_yaml_reader_locate(s, &err);
    assert_int_equal(err.line, 5);
    assert_int_equal(err.column, 18);
    assert_int_equal(err.offset, (size_t)(strstr(yaml, "true") - yaml));
    /* without a position nothing changes */
    err = (k8s_error){.code = K8S_ETYPE};
    k8s_yaml_reader_locate(s, &err);
    assert_int_equal(err.line, 0);
    k8s_yaml_reader_free(s);
    k8s_buf_free(&out);
}

/* ---- conformance fixtures ---- */

static bool same_as_twin(const char *dir, const char *name)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t ylen, jlen;
    char *yaml = test_read_file(path, &ylen);
    snprintf(path + strlen(path) - 5, 6, ".json");
    char *json = test_read_file(path, &jlen);
    bool ok = false;
    k8s_buf out = K8S_BUF_INIT;
    k8s_error err;
    if (!yaml || !json) {
        print_error("%s: cannot read it or its .json twin\n", name);
    } else if (k8s_yaml_to_json(yaml, ylen, &out, &err)) {
        char msg[600];
        print_error("%s: %s\n", name, k8s_error_format(&err, msg, sizeof msg));
    } else {
        cJSON *got = cJSON_Parse(out.data), *want = cJSON_Parse(json);
        const char *where = "";
        ok = got && want && cJSON_Compare(got, want, true) && test_json_equal(got, want, &where);
        if (!ok)
            print_error("%s: differs from the .json twin at %s\n", name, where);
        cJSON_Delete(got);
        cJSON_Delete(want);
    }
    k8s_buf_free(&out);
    free(yaml);
    free(json);
    return ok;
}

static void test_conformance_twins(void **state)
{
    (void)state;
    const char *shared = test_shared_dir();
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/conformance/k8s-1.35", shared ? shared : "");
    char **files = shared ? test_list_dir(dir, ".yaml") : NULL;
    if (!files) {
        test_skip("conformance fixtures not found (%s); set K8S_SHARED_DIR", shared ? dir : "no shared dir");
    }
    int n = 0, failed = 0;
    for (char **f = files; *f; f++, n++)
        failed += !same_as_twin(dir, *f);
    test_free_list(files);
    print_message("%d YAML fixtures, %d differ\n", n, failed);
    assert_int_equal(failed, 0);
    assert_true(n >= 90);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolution_table),
        cmocka_unit_test(test_special_floats_fail),
        cmocka_unit_test(test_quoted_and_block_scalars),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_aliases),
        cmocka_unit_test(test_merge_keys),
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_stream_recovers_after_document_errors),
        cmocka_unit_test(test_syntax_error_ends_stream),
        cmocka_unit_test(test_depth_ends_stream),
        cmocka_unit_test(test_document_loop_always_ends),
        cmocka_unit_test(test_syntax_error_positions),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_billion_laughs),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_locale_independent),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_locate),
        cmocka_unit_test(test_conformance_twins),
    };
    return test_run(tests, NULL, NULL);
}
