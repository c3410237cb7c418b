/* Quantity, Time/MicroTime and Duration helpers (k8s/values.h). The tables
 * are ported from Go: apimachinery's quantity_test.go and
 * quantity_golden_test.go, and the time package's ParseDuration and
 * Duration.String tests. */
#define _POSIX_C_SOURCE 200809L /* gmtime_r, the independent calendar oracle */

#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "k8s/values.h"
#include "testutil.h"

#define DSI K8S_QUANTITY_DECIMAL_SI
#define BSI K8S_QUANTITY_BINARY_SI
#define DEXP K8S_QUANTITY_DECIMAL_EXPONENT
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Go's decQuantity/intQuantity: value * 10^scale in the given format. */
static k8s_quantity mkq(int64_t value, int32_t scale, k8s_quantity_fmt format)
{
    k8s_quantity q = k8s_quantity_from_scaled(value, scale);
    q.format = format;
    return q;
}

static k8s_quantity parse_ok(const char *text)
{
    k8s_quantity q;
    k8s_error err;
    k8s_code rc = k8s_quantity_parse(text, &q, &err);
    if (rc != K8S_OK)
        fail_msg("%s: %s", text, err.message);
    return q;
}

static const char *fmt_q(const k8s_quantity *q, char buf[K8S_QUANTITY_TEXT_MAX])
{
    size_t n = k8s_quantity_format(q, buf, K8S_QUANTITY_TEXT_MAX);
    assert_true(n < K8S_QUANTITY_TEXT_MAX);
    assert_int_equal(strlen(buf), n);
    return buf;
}

static k8s_quantity negated(k8s_quantity q)
{
    q.negative = !q.negative;
    return q;
}

/* ---- Quantity: parse ---- */

typedef struct parse_case {
    const char *in;
    int64_t value;
    int32_t scale;
    k8s_quantity_fmt format;
} parse_case;

/* TestQuantityParse */
static const parse_case parse_cases[] = {
    {"0", 0, 0, DSI},
    {"0n", 0, 0, DSI},
    {"0u", 0, 0, DSI},
    {"0m", 0, 0, DSI},
    {"0Ki", 0, 0, BSI},
    {"0k", 0, 0, DSI},
    {"0Mi", 0, 0, BSI},
    {"0M", 0, 0, DSI},
    {"0Gi", 0, 0, BSI},
    {"0G", 0, 0, DSI},
    {"0Ti", 0, 0, BSI},
    {"0T", 0, 0, DSI},
    {"1", 1, 0, DSI},
    {"1Ki", 1024, 0, BSI},
    {"8Ki", 8 * 1024, 0, BSI},
    {"7Mi", 7 * 1024 * 1024, 0, BSI},
    {"6Gi", 6LL << 30, 0, BSI},
    {"5Ti", 5LL << 40, 0, BSI},
    {"4Pi", 4LL << 50, 0, BSI},
    {"3Ei", 3LL << 60, 0, BSI},
    {"10Ti", 10LL << 40, 0, BSI},
    {"100Ti", 100LL << 40, 0, BSI},
    {"5n", 5, -9, DSI},
    {"4u", 4, -6, DSI},
    {"3m", 3, -3, DSI},
    {"9", 9, 0, DSI},
    {"8k", 8, 3, DSI},
    {"50k", 5, 4, DSI},
    {"7M", 7, 6, DSI},
    {"6G", 6, 9, DSI},
    {"5T", 5, 12, DSI},
    {"40T", 4, 13, DSI},
    {"300T", 3, 14, DSI},
    {"2P", 2, 15, DSI},
    {"1E", 1, 18, DSI},
    {"1E-3", 1, -3, DEXP},
    {"1e3", 1, 3, DEXP},
    {"1E6", 1, 6, DEXP},
    {"1e9", 1, 9, DEXP},
    {"1E12", 1, 12, DEXP},
    {"1e15", 1, 15, DEXP},
    {"1E18", 1, 18, DEXP},
    {"1e14", 1, 14, DEXP},
    {"1e13", 1, 13, DEXP},
    {"100.035k", 100035, 0, DSI},
    {"0.001", 1, -3, DSI},
    {"0.0005k", 5, -1, DSI},
    {"0.005", 5, -3, DSI},
    {"0.05", 5, -2, DSI},
    {"0.5", 5, -1, DSI},
    {"0.00050k", 5, -1, DSI},
    {"0.00500", 5, -3, DSI},
    {"0.05000", 5, -2, DSI},
    {"0.50000", 5, -1, DSI},
    {"0.5e0", 5, -1, DEXP},
    {"0.5e-1", 5, -2, DEXP},
    {"0.5e-2", 5, -3, DEXP},
    {"10.035M", 10035, 3, DSI},
    {"1.2e3", 12, 2, DEXP},
    {"1.3E+6", 13, 5, DEXP},
    {"1.40e9", 14, 8, DEXP},
    {"1.53E12", 153, 10, DEXP},
    {"1.6e15", 16, 14, DEXP},
    {"1.7E18", 17, 17, DEXP},
    {"9.01", 901, -2, DSI},
    {"8.1k", 81, 2, DSI},
    {"7.123456M", 7123456, 0, DSI},
    {"6.987654321G", 6987654321LL, 0, DSI},
    {"5.444T", 5444, 9, DSI},
    {"40.1T", 401, 11, DSI},
    {"300.2T", 3002, 11, DSI},
    {"2.5P", 25, 14, DSI},
    {"1.01E", 101, 16, DSI},
    /* things that saturate or round */
    {"3.001n", 4, -9, DSI},
    {"1.1E-9", 2, -9, DEXP},
    {"0.0000000001", 1, -9, DSI},
    {"0.0000000005", 1, -9, DSI},
    {"0.00000000050", 1, -9, DSI},
    {"0.5e-9", 1, -9, DEXP},
    {"0.9n", 1, -9, DSI},
    {"0.00000012345", 124, -9, DSI},
    {"0.00000012354", 124, -9, DSI},
    {"9Ei", INT64_MAX, 0, BSI},
    {"9223372036854775807Ki", INT64_MAX, 0, BSI},
    {"12E", 12, 18, DSI},
    /* fractional binary values */
    {"100.035Ki", 10243584, -2, BSI},
    {"0.5Mi", 524288, 0, BSI},
    {"0.05Gi", 536870912, -1, BSI},
    {"0.025Ti", 274877906944LL, -1, BSI},
    /* "things written by trolls" */
    {"0.000000000001Ki", 2, -9, DSI},
    {".001", 1, -3, DSI},
    {".0001k", 100, -3, DSI},
    {"1.", 1, 0, DSI},
    {"1.G", 1, 9, DSI},
    /* Go's scanner reads a number without digits as 0 */
    {"+", 0, 0, DSI},
    {"-", 0, 0, DSI},
    {".", 0, 0, DSI},
    {"-.", 0, 0, DSI},
    {"Ki", 0, 0, BSI},
    {"e5", 0, 0, DEXP},
    {"-000", 0, 0, DSI},
    {"0.0000000000", 0, 0, DSI},
    /* more rounding and capping */
    {"0.9999999999", 1, 0, DSI},
    {"1.9999999999", 2, 0, DSI},
    {"0.0000000009999", 1, -9, DSI},
    {"1.0000000001", 1000000001, -9, DSI},
    {"1e-2147483647", 1, -9, DEXP},
    {"8Ei", INT64_MAX, 0, BSI},
    {"7.99999999999999999999Ei", INT64_MAX, 0, BSI},
    {"0.5Ei", 1LL << 59, 0, BSI},
    {"1.5Ei", 3LL << 59, 0, BSI},
    {"-0.0001Ki", -1024, -4, DSI},
    {"1e2147483647", 1, INT32_MAX, DEXP},
};

static void check_parse(const char *in, const k8s_quantity *want, k8s_quantity_fmt format)
{
    k8s_quantity got = parse_ok(in);
    char a[K8S_QUANTITY_TEXT_MAX], b[K8S_QUANTITY_TEXT_MAX];
    if (k8s_quantity_cmp(&got, want) != 0)
        fail_msg("%s: got %s, want %s", in, fmt_q(&got, a), fmt_q(want, b));
    if (got.format != format)
        fail_msg("%s: format %d, want %d", in, (int)got.format, (int)format);
}

static void test_quantity_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < LEN(parse_cases); i++) {
        const parse_case *c = &parse_cases[i];
        k8s_quantity want = mkq(c->value, c->scale, c->format);
        char text[128];
        check_parse(c->in, &want, c->format);
        /* the negative and the explicitly positive spelling of everything */
        if (c->in[0] != '-' && c->in[0] != '+') {
            snprintf(text, sizeof text, "-%s", c->in);
            k8s_quantity neg = negated(want);
            check_parse(text, &neg, c->format);
            snprintf(text, sizeof text, "+%s", c->in);
            check_parse(text, &want, c->format);
        }
    }
}

static void test_quantity_parse_normalises(void **state)
{
    (void)state;
    k8s_quantity q = parse_ok("1000M");
    assert_int_equal(q.mant_lo, 1);
    assert_int_equal(q.mant_hi, 0);
    assert_int_equal(q.scale, 9);
    assert_false(q.negative);
    q = parse_ok("-0");
    assert_false(q.negative);
    assert_int_equal(k8s_quantity_sign(&q), 0);
    /* 10^2147483648 needs its last zero kept in the mantissa */
    q = parse_ok("10e2147483647");
    assert_int_equal(q.mant_lo, 10);
    assert_int_equal(q.scale, INT32_MAX);
    char buf[K8S_QUANTITY_TEXT_MAX];
    assert_string_equal(fmt_q(&q, buf), "100e2147483646");
    /* long inputs: exact however many digits they have */
    char text[1300];
    strcpy(text, "0.");
    memset(text + 2, '0', 1000);
    strcpy(text + 1002, "1");
    q = parse_ok(text);
    k8s_quantity nano = mkq(1, -9, DSI);
    assert_int_equal(k8s_quantity_cmp(&q, &nano), 0);
    strcpy(text, "1.");
    memset(text + 2, '0', 200);
    strcpy(text + 202, "1Ki");
    q = parse_ok(text);
    assert_int_equal(q.format, BSI);
    assert_string_equal(fmt_q(&q, buf), "1024000000001n");
    memset(text, '9', 1000);
    strcpy(text + 1000, "e-1000");
    q = parse_ok(text); /* 0.999... rounds up to 1 */
    assert_string_equal(fmt_q(&q, buf), "1");
    strcpy(text, "1");
    memset(text + 1, '0', 1000);
    text[1001] = '\0';
    q = parse_ok(text);
    assert_string_equal(fmt_q(&q, buf), "10e999");
}

typedef struct bad_case {
    const char *in;
    k8s_code code;
} bad_case;

static void test_quantity_parse_invalid(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {"", K8S_EVALUE},
        {"1.1.M", K8S_EVALUE},
        {"1+1.0M", K8S_EVALUE},
        {"0.1mi", K8S_EVALUE},
        {"0.1am", K8S_EVALUE},
        {"aoeu", K8S_EVALUE},
        {"Non-Numeric", K8S_EVALUE},
        {".5i", K8S_EVALUE},
        {"1i", K8S_EVALUE},
        {"-3.01i", K8S_EVALUE},
        {"-3.01e-", K8S_EVALUE},
        {"1e4294967297", K8S_EVALUE},
        {"1e2147483648", K8S_EVALUE},
        {"1e-2147483648", K8S_EVALUE},
        {"0e99999999999999999999", K8S_EVALUE},
        {" 1", K8S_EVALUE},
        {"1 ", K8S_EVALUE},
        {"1\n", K8S_EVALUE},
        {"12Zi", K8S_EVALUE},
        {"1K", K8S_EVALUE},
        {"1k3", K8S_EVALUE},
        {"1Ki3", K8S_EVALUE},
        {"1e", K8S_EVALUE},
        {"1E+", K8S_EVALUE},
        {"1ei", K8S_EVALUE},
        {"--1", K8S_EVALUE},
        {"+-1", K8S_EVALUE},
        {"1..", K8S_EVALUE},
        {"0x10", K8S_EVALUE},
        {"1_000", K8S_EVALUE},
        {"1,5", K8S_EVALUE},
        /* valid text, but more than 128 bits of mantissa */
        {"340282366920938463463374607431768211456", K8S_ERANGE},
        {"1234567890123456789012345678901234567891", K8S_ERANGE},
        {"123456789012345678901234567890123456789.1", K8S_ERANGE},
        {"-1234567890123456789012345678901234567891e-5", K8S_ERANGE},
        {"1000000000000000000000000000000000000000001e2147483647", K8S_ERANGE},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        k8s_quantity q = mkq(5, 0, BSI);
        k8s_error err;
        k8s_code rc = k8s_quantity_parse(cases[i].in, &q, &err);
        if (rc != cases[i].code)
            fail_msg("\"%s\": code %d, want %d", cases[i].in, (int)rc, (int)cases[i].code);
        assert_int_equal(err.code, rc);
        assert_non_null(strstr(err.message, "quantity \""));
        assert_int_equal(k8s_quantity_sign(&q), 0); /* zeroed on failure */
        assert_int_equal(k8s_quantity_parse(cases[i].in, &q, NULL), rc);
    }
    /* the largest mantissa still fits */
    k8s_quantity q = parse_ok("340282366920938463463374607431768211455");
    char buf[K8S_QUANTITY_TEXT_MAX];
    assert_string_equal(fmt_q(&q, buf), "340282366920938463463374607431768211455");
    q = parse_ok("-34028236692093846346337460743176821145.5");
    assert_string_equal(fmt_q(&q, buf), "-34028236692093846346337460743176821145500m");
}

static void test_quantity_errors(void **state)
{
    (void)state;
    k8s_quantity q;
    k8s_error err;
    assert_int_equal(k8s_quantity_parse("12Zi", &q, &err), K8S_EVALUE);
    assert_string_equal(err.message, "quantity \"12Zi\": unknown suffix \"Zi\"");
    assert_int_equal(err.offset, 2);
    assert_string_equal(err.path, "");
    assert_int_equal(k8s_quantity_parse("1e4294967297", &q, &err), K8S_EVALUE);
    assert_string_equal(err.message,
                        "quantity \"1e4294967297\": exponent out of range \"e4294967297\"");
    assert_int_equal(k8s_quantity_parse("", &q, &err), K8S_EVALUE);
    assert_string_equal(err.message, "quantity \"\": empty text");
    assert_int_equal(k8s_quantity_parse(NULL, &q, &err), K8S_EINVAL);
    assert_int_equal(k8s_quantity_parse("1", NULL, NULL), K8S_EINVAL);
    /* long text is cut in the message */
    char text[300];
    memset(text, '1', 200);
    strcpy(text + 200, "x");
    assert_int_equal(k8s_quantity_parse(text, &q, &err), K8S_EVALUE);
    assert_non_null(strstr(err.message, "...\": unknown suffix \"x\""));
    assert_int_equal(err.offset, 200);
}

/* ---- Quantity: canonical text ---- */

typedef struct string_case {
    int64_t value;
    int32_t scale;
    k8s_quantity_fmt format;
    const char *expect, *alternate;
} string_case;

/* TestQuantityString, TestQuantityStringBelowNano, TestBinarySIZeroExponentString */
static const string_case string_cases[] = {
    {1LL << 30, 0, BSI, "1Gi", "1024Mi"},
    {300LL << 20, 0, BSI, "300Mi", "307200Ki"},
    {6 * 1024, 0, BSI, "6Ki", NULL},
    {1001LL << 30, 0, BSI, "1001Gi", "1025024Mi"},
    {1LL << 40, 0, BSI, "1Ti", "1024Gi"},
    {5, 0, BSI, "5", "5000m"},
    {500, -3, BSI, "500m", "0.5"},
    {1, 9, DSI, "1G", "1000M"},
    {1000, 6, DSI, "1G", "0.001T"},
    {1000000, 3, DSI, "1G", NULL},
    {1000000000, 0, DSI, "1G", NULL},
    {1, -3, DSI, "1m", "1000u"},
    {80, -3, DSI, "80m", NULL},
    {1080, -3, DSI, "1080m", "1.08"},
    {108, -2, DSI, "1080m", "1080000000n"},
    {10800, -4, DSI, "1080m", NULL},
    {300, 6, DSI, "300M", NULL},
    {1, 12, DSI, "1T", NULL},
    {1, 18, DSI, "1E", NULL},
    {1, 21, DSI, "1e21", "1000E"},
    {5, 21, DSI, "5e21", "5000E"},
    {1, 24, DSI, "1e24", "1000000E"},
    {1, 70, BSI, "10e69", NULL},
    {2, 70, BSI, "20e69", NULL},
    {1, 72, BSI, "1e72", NULL},
    {1234567, 6, DSI, "1234567M", NULL},
    {1234567, -3, BSI, "1234567m", NULL},
    {3, 3, DSI, "3k", NULL},
    {1025, 0, BSI, "1025", NULL},
    {0, 0, DSI, "0", NULL},
    {0, 0, BSI, "0", NULL},
    {1, 9, DEXP, "1e9", ".001e12"},
    {1, -3, DEXP, "1e-3", "0.001e0"},
    {1, -9, DEXP, "1e-9", "1000e-12"},
    {80, -3, DEXP, "80e-3", NULL},
    {300, 6, DEXP, "300e6", NULL},
    {1, 12, DEXP, "1e12", NULL},
    {1, 3, DEXP, "1e3", NULL},
    {3, 3, DEXP, "3e3", NULL},
    {0, 0, DEXP, "0", "00"},
    {1, -9, DSI, "1n", NULL},
    {80, -9, DSI, "80n", NULL},
    {1080, -9, DSI, "1080n", NULL},
    {108, -8, DSI, "1080n", NULL},
    {10800, -10, DSI, "1080n", NULL},
    {1, -6, DSI, "1u", NULL},
    {80, -6, DSI, "80u", NULL},
    {1080, -6, DSI, "1080u", NULL},
    {2000, 0, BSI, "2000", NULL},
    {1023, 0, BSI, "1023", NULL},
    {1024, 0, BSI, "1Ki", NULL},
    {1536, 0, BSI, "1536", NULL},
    {15, 2, BSI, "1500", NULL},
    {10245, -1, BSI, "1024500m", NULL},
    {1, -12, DSI, "1e-12", NULL},
    {1, -10, DSI, "100e-12", NULL},
};

static void test_quantity_string(void **state)
{
    (void)state;
    char buf[K8S_QUANTITY_TEXT_MAX], text[80];
    for (size_t i = 0; i < LEN(string_cases); i++) {
        const string_case *c = &string_cases[i];
        k8s_quantity q = mkq(c->value, c->scale, c->format);
        if (strcmp(fmt_q(&q, buf), c->expect))
            fail_msg("%" PRId64 "e%d (%d): got %s, want %s", c->value, c->scale, (int)c->format,
                     buf, c->expect);
        /* below 1n a value cannot come back: parsing rounds it up */
        k8s_quantity back = parse_ok(c->expect);
        if (c->scale >= -9 && k8s_quantity_cmp(&back, &q) != 0)
            fail_msg("%s reads back differently", c->expect);
        if (c->alternate) {
            k8s_quantity alt = parse_ok(c->alternate);
            if (strcmp(fmt_q(&alt, buf), c->expect))
                fail_msg("%s: got %s, want %s", c->alternate, buf, c->expect);
        }
        if (c->value) {
            k8s_quantity neg = negated(q);
            snprintf(text, sizeof text, "-%s", c->expect);
            assert_string_equal(fmt_q(&neg, buf), text);
        }
    }
    /* a zero-filled struct */
    k8s_quantity zero;
    memset(&zero, 0, sizeof zero);
    assert_string_equal(fmt_q(&zero, buf), "0");
    zero.negative = true;
    assert_string_equal(fmt_q(&zero, buf), "0");
    /* 2^70 has no binary suffix and no decimal zeros: plain digits */
    k8s_quantity big = {0, 64, 0, false, BSI};
    assert_string_equal(fmt_q(&big, buf), "1180591620717411303424");
}

typedef struct emit_case {
    const char *in, *expect;
} emit_case;

static void check_emit(const emit_case *cases, size_t n, bool negate)
{
    char buf[K8S_QUANTITY_TEXT_MAX], in[128], want[128];
    for (size_t i = 0; i < n; i++) {
        if (negate && (cases[i].in[0] == '+' || cases[i].in[0] == '-'))
            continue;
        snprintf(in, sizeof in, "%s%s", negate ? "-" : "", cases[i].in);
        snprintf(want, sizeof want, "%s%s", negate && strcmp(cases[i].expect, "0") ? "-" : "",
                 cases[i].expect);
        k8s_quantity q = parse_ok(in);
        if (strcmp(fmt_q(&q, buf), want))
            fail_msg("%s: got %s, want %s", in, buf, want);
        /* canonical text is a fixed point */
        k8s_quantity again = parse_ok(buf);
        assert_int_equal(k8s_quantity_cmp(&again, &q), 0);
        char buf2[K8S_QUANTITY_TEXT_MAX];
        assert_string_equal(fmt_q(&again, buf2), buf);
    }
}

static void test_quantity_parse_emit(void **state)
{
    (void)state;
    static const emit_case cases[] = {
        /* TestQuantityParseEmit */
        {"1Ki", "1Ki"},
        {"1Mi", "1Mi"},
        {"1Gi", "1Gi"},
        {"1024Mi", "1Gi"},
        {"1000M", "1G"},
        {".001Ki", "1024m"},
        {".000001Ki", "1024u"},
        {".000000001Ki", "1024n"},
        {".000000000001Ki", "2n"},
        /* the brief's examples and quantity_golden_test.go */
        {"100m", "100m"},
        {"1500M", "1500M"},
        {"0.5", "500m"},
        {"1.5Gi", "1536Mi"},
        {"0.1", "100m"},
        {"0.000000000000001", "1n"},
        {"1.441", "1441m"},
        {"1.000001", "1000001u"},
        {"1.000000001", "1000000001n"},
        {"1.5", "1500m"},
        {"9223372036854775807", "9223372036854775807"},
        {"9223372036854775808", "9223372036854775808"},
        {"18446744073709551616", "18446744073709551616"},
        {"1E", "1E"},
        {"100E", "100E"},
        {"1000E", "1e21"},
        {"1e100", "10e99"},
        {"1e3", "1e3"},
        {"8Ei", "9223372036854775807"},
        {"20Ei", "9223372036854775807"},
        {"9.5Gi", "9728Mi"},
        {"9.5000000001Gi", "10200547328107374183n"},
        {"0.5Ki", "512"},
        {"0.5Ei", "512Pi"},
        {"1.5Ei", "1536Pi"},
        {"0.0001Ki", "102400u"},
        {"+1", "1"},
        {"01", "1"},
        {"1E3", "1e3"},
        {"1e+21", "1e21"},
        {"1e0", "1"},
        /* TestParseQuantity: around the int64 and 19-digit limits */
        {"999999999999999999", "999999999999999999"},
        {"999999999999999999.0", "999999999999999999"},
        {"999999999999999999.1", "999999999999999999100m"},
        {"9999999999999999999", "9999999999999999999"},
        {"1.0E", "1E"},
        {"1000000000000000000", "1E"},
        {"1000000000000000000.0", "1E"},
        {"9999999999999999999000m", "9999999999999999999"},
        {"9999999999999999999.1", "9999999999999999999100m"},
        {"1.0000000000000000001E", "1000000000000000000100m"},
        {"1000000000000000000.1", "1000000000000000000100m"},
        {"1.000000000000000001E", "1000000000000000001"},
        {"1000000000000000001", "1000000000000000001"},
        {"10E", "10E"},
        {"10000000000000000000", "10E"},
        {"10.0E", "10E"},
        {"10000000000000000000000m", "10E"},
        {"10.0000000000000000001E", "10000000000000000000100m"},
        {"10.000000000000000001E", "10000000000000000001"},
        {"10000000000000000001", "10000000000000000001"},
        {"9223372036854775806", "9223372036854775806"},
        {"9223372036854775806000m", "9223372036854775806"},
        {"9223372036854775806.1", "9223372036854775806100m"},
        {"9223372036854775807.0", "9223372036854775807"},
        {"9223372036854775807.1", "9223372036854775807100m"},
        {"9223372036854775808.1", "9223372036854775808100m"},
        {"9223372036854775809", "9223372036854775809"},
        {"0", "0"},
    };
    check_emit(cases, LEN(cases), false);
    check_emit(cases, LEN(cases), true);
}

/* What Kubernetes stores for a quantity given as text: the text itself when
 * Go's ParseQuantity keeps it (canonical NULL), else the canonical form. The
 * first block is apimachinery's TestParseQuantity, whose test takes
 * q.String() right after parsing; the rest probe each condition of Go's
 * fast path. */
typedef struct kept_case {
    const char *in, *canonical;
} kept_case;

static const kept_case kept_cases[] = {
    /* TestParseQuantity */
    {"-999999999999999999", NULL},
    {"999999999999999999", NULL},
    {"-999999999999999999.0", "-999999999999999999"},
    {"999999999999999999.0", "999999999999999999"},
    {"-999999999999999999.1", "-999999999999999999100m"},
    {"999999999999999999.1", "999999999999999999100m"},
    {"-9999999999999999999", "-9999999999999999999"}, /* 19 digits: not kept, same text */
    {"9999999999999999999", "9999999999999999999"},
    {"-1E", NULL},
    {"1E", NULL},
    {"-1000000000000000000", "-1E"},
    {"1000000000000000000", "1E"},
    {"-9999999999999999999.0", "-9999999999999999999"},
    {"9999999999999999999.0", "9999999999999999999"},
    {"-1.0E", "-1E"},
    {"1.0E", "1E"},
    {"-1000000000000000000.0", "-1E"},
    {"1000000000000000000.0", "1E"},
    {"-9999999999999999999000m", "-9999999999999999999"},
    {"9999999999999999999000m", "9999999999999999999"},
    {"-9999999999999999999.1", "-9999999999999999999100m"},
    {"9999999999999999999.1", "9999999999999999999100m"},
    {"-1.0000000000000000001E", "-1000000000000000000100m"},
    {"1.0000000000000000001E", "1000000000000000000100m"},
    {"-1000000000000000000.1", "-1000000000000000000100m"},
    {"1000000000000000000.1", "1000000000000000000100m"},
    {"-1.000000000000000001E", "-1000000000000000001"},
    {"1.000000000000000001E", "1000000000000000001"},
    {"-1000000000000000001", "-1000000000000000001"},
    {"1000000000000000001", "1000000000000000001"},
    {"-10E", NULL},
    {"10E", NULL},
    {"-10000000000000000000", "-10E"},
    {"10000000000000000000", "10E"},
    {"-10.0E", "-10E"},
    {"10.0E", "10E"},
    {"-10000000000000000000.0", "-10E"},
    {"10000000000000000000.0", "10E"},
    {"-10000000000000000000000m", "-10E"},
    {"10000000000000000000000m", "10E"},
    {"-10.0000000000000000001E", "-10000000000000000000100m"},
    {"10.0000000000000000001E", "10000000000000000000100m"},
    {"-10000000000000000000.1", "-10000000000000000000100m"},
    {"10000000000000000000.1", "10000000000000000000100m"},
    {"-10.000000000000000001E", "-10000000000000000001"},
    {"10.000000000000000001E", "10000000000000000001"},
    {"-10000000000000000001", "-10000000000000000001"},
    {"10000000000000000001", "10000000000000000001"},
    {"-9223372036854775809", "-9223372036854775809"},
    {"9223372036854775806", "9223372036854775806"},
    {"-9223372036854775809.0", "-9223372036854775809"},
    {"9223372036854775806.0", "9223372036854775806"},
    {"-9223372036854775809000m", "-9223372036854775809"},
    {"9223372036854775806000m", "9223372036854775806"},
    {"-9223372036854775809.1", "-9223372036854775809100m"},
    {"9223372036854775806.1", "9223372036854775806100m"},
    {"-9223372036854775808", "-9223372036854775808"},
    {"9223372036854775807", "9223372036854775807"},
    {"-9223372036854775808.0", "-9223372036854775808"},
    {"9223372036854775807.0", "9223372036854775807"},
    {"-9223372036854775808000m", "-9223372036854775808"},
    {"9223372036854775807000m", "9223372036854775807"},
    {"-9223372036854775808.1", "-9223372036854775808100m"},
    {"9223372036854775807.1", "9223372036854775807100m"},
    {"-9223372036854775807", "-9223372036854775807"},
    {"9223372036854775808", "9223372036854775808"},
    {"-9223372036854775807.0", "-9223372036854775807"},
    {"9223372036854775808.0", "9223372036854775808"},
    {"-9223372036854775807000m", "-9223372036854775807"},
    {"9223372036854775808000m", "9223372036854775808"},
    {"-9223372036854775807.1", "-9223372036854775807100m"},
    {"9223372036854775808.1", "9223372036854775808100m"},
    /* decimal: digits, the exponent's multiple of 3 and -9, zeros */
    {"0", NULL},
    {"-0", "0"},
    {"00", "0"},
    {"+1", NULL},
    {"0001", NULL},
    {"1.", NULL},
    {".5", "500m"},
    {"0.5", "500m"},
    {"1.441", NULL},
    {"1.5", "1500m"},
    {"1.500", NULL},
    {"1.000", "1"},
    {"1000", "1k"},
    {"1100", NULL},
    {"100m", NULL},
    {"1000m", "1"},
    {"1.5k", "1500"},
    {"1n", NULL},
    {"0.5n", "1n"},
    {"1e-9", NULL},
    {"1e-10", "1e-9"},
    {"1e9", NULL},
    {"1E9", NULL},
    {"1e+9", NULL},
    {"1e0003", NULL},
    {"1e10", "10e9"},
    {"1.5e3", "1500"},
    {"123456789012345.678", NULL},
    {"1234567890123456.78", "1234567890123456780m"},
    /* binary: no fraction, few digits, not a multiple of 8 */
    {"1Ki", NULL},
    {"7Ki", NULL},
    {"8Ki", "8Ki"},
    {"1024Ki", "1Mi"},
    {"1025Ki", NULL},
    {"1.5Ki", "1536"},
    {"0Ki", "0"},
    {"1Ti", NULL},
    {"99999999999Ki", NULL},
    {"999999999999Ki", "999999999999Ki"},
    {"1Pi", "1Pi"},
    {"3Pi", "3Pi"},
    {"1Ei", "1Ei"},
    {"-1Mi", NULL},
};

static void test_quantity_text_kept(void **state)
{
    (void)state;
    char buf[K8S_QUANTITY_TEXT_MAX];
    for (size_t i = 0; i < LEN(kept_cases); i++) {
        const kept_case *c = &kept_cases[i];
        bool kept = k8s_quantity_text_kept(c->in);
        if (kept != !c->canonical)
            fail_msg("%s: kept is %d", c->in, kept);
        k8s_quantity q = parse_ok(c->in);
        if (c->canonical && strcmp(fmt_q(&q, buf), c->canonical))
            fail_msg("%s: stored as %s, want %s", c->in, buf, c->canonical);
    }
    assert_false(k8s_quantity_text_kept(""));
    assert_false(k8s_quantity_text_kept("1x"));
    assert_false(k8s_quantity_text_kept(NULL));
}

typedef struct ctor_case {
    int64_t value;
    k8s_quantity_fmt format;
    const char *expect;
    bool exact;
} ctor_case;

static void test_quantity_constructors(void **state)
{
    (void)state;
    char buf[K8S_QUANTITY_TEXT_MAX];
    /* TestMilliNewSet */
    static const ctor_case milli[] = {
        {1, DSI, "1m", true},
        {1000, DSI, "1", true},
        {1234000, DSI, "1234", true},
        {1024, BSI, "1024m", false},
        {1000000, (k8s_quantity_fmt)99, "1e3", true},
        {1024 * 1024, BSI, "1048576m", false},
    };
    for (size_t i = 0; i < LEN(milli); i++) {
        k8s_quantity q = k8s_quantity_from_milli(milli[i].value, milli[i].format);
        assert_string_equal(fmt_q(&q, buf), milli[i].expect);
        int64_t v;
        k8s_quantity back = parse_ok(buf);
        assert_int_equal(k8s_quantity_milli_value(&back, &v), K8S_OK);
        assert_int_equal(v, milli[i].value);
    }
    /* TestNewSet */
    static const ctor_case ints[] = {
        {1, DSI, "1", true},
        {1000, DSI, "1k", true},
        {1234000, DSI, "1234k", true},
        {1024, BSI, "1Ki", true},
        {1000000, (k8s_quantity_fmt)99, "1e6", true},
        {1024 * 1024, BSI, "1Mi", true},
    };
    for (size_t i = 0; i < LEN(ints); i++) {
        k8s_quantity q = k8s_quantity_from_int(ints[i].value, ints[i].format);
        assert_string_equal(fmt_q(&q, buf), ints[i].expect);
        int64_t v;
        k8s_quantity back = parse_ok(buf);
        assert_int_equal(k8s_quantity_value(&back, &v), K8S_OK);
        assert_int_equal(v, ints[i].value);
    }
    /* TestNewScaledSet */
    static const struct {
        int64_t value;
        int32_t scale;
        const char *expect;
    } scaled[] = {
        {1, -9, "1n"}, {1000, -9, "1u"}, {1, -6, "1u"}, {1000, -6, "1m"}, {1, -3, "1m"},
        {1000, -3, "1"}, {1, 0, "1"},    {0, -9, "0"},  {0, -6, "0"},     {0, -3, "0"},
        {0, 0, "0"},
    };
    for (size_t i = 0; i < LEN(scaled); i++) {
        k8s_quantity q = k8s_quantity_from_scaled(scaled[i].value, scaled[i].scale);
        assert_int_equal(q.format, DSI);
        assert_string_equal(fmt_q(&q, buf), scaled[i].expect);
        int64_t v;
        k8s_quantity back = parse_ok(buf);
        assert_int_equal(k8s_quantity_scaled_value(&back, scaled[i].scale, &v), K8S_OK);
        assert_int_equal(v, scaled[i].value);
    }
    /* the int64 extremes (quantity_golden_test.go) */
    k8s_quantity q = k8s_quantity_from_int(INT64_MIN, DSI);
    assert_string_equal(fmt_q(&q, buf), "-9223372036854775808");
    int64_t v;
    assert_int_equal(k8s_quantity_value(&q, &v), K8S_OK);
    assert_int_equal(v, INT64_MIN);
    q = k8s_quantity_from_scaled(INT64_MAX, 1);
    assert_string_equal(fmt_q(&q, buf), "92233720368547758070");
    q = k8s_quantity_from_scaled(1, 21);
    assert_string_equal(fmt_q(&q, buf), "1e21");
    q = k8s_quantity_from_scaled(10, INT32_MAX); /* cannot move its zero into the scale */
    assert_int_equal(q.mant_lo, 10);
    assert_int_equal(q.scale, INT32_MAX);
    q = k8s_quantity_from_int(-1000, BSI);
    assert_true(q.negative);
    assert_int_equal(q.mant_lo, 1);
    assert_int_equal(q.scale, 3);
    assert_int_equal(q.format, BSI);
}

/* ---- Quantity: integer and double views ---- */

static void test_quantity_scaled_value(void **state)
{
    (void)state;
    /* TestScaledValue */
    static const struct {
        int32_t from, to;
        int64_t expect;
    } cases[] = {
        {-9, -9, 1},        {-9, -6, 1},    {-9, -3, 1},   {-9, 0, 1},         {-6, -9, 1000},
        {-6, -6, 1},        {-6, -3, 1},    {-6, 0, 1},    {-3, -9, 1000000},  {-3, -6, 1000},
        {-3, -3, 1},        {-3, 0, 1},     {0, -9, 1000000000}, {0, -6, 1000000}, {0, -3, 1000},
        {0, 0, 1},          {2, -2, 10000},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        k8s_quantity q = k8s_quantity_from_scaled(1, cases[i].from);
        int64_t v;
        assert_int_equal(k8s_quantity_scaled_value(&q, cases[i].to, &v), K8S_OK);
        assert_int_equal(v, cases[i].expect);
    }
}

static void test_quantity_rounding(void **state)
{
    (void)state;
    /* TestNegativeValueRoundsAwayFromZero, plus the RoundUp table's values */
    static const struct {
        const char *in;
        int64_t value, milli;
    } cases[] = {
        {"-.484785E-7466", -1, -1},
        {".484785E-7466", 1, 1},
        {"-.484785E-1", -1, -49},
        {".484785E-1", 1, 49},
        {"-0.0005", -1, -1},
        {"0.0005", 1, 1},
        {"-1500m", -2, -1500},
        {"1500m", 2, 1500},
        {"-9.5000000001Gi", -10200547329LL, -10200547328108LL},
        {"9.5000000001Gi", 10200547329LL, 10200547328108LL},
        {"-1", -1, -1000},
        {"1", 1, 1000},
        {"0", 0, 0},
        {"9.01", 10, 9010},
        {"-9.01", -10, -9010},
        {"100m", 1, 100},
        {"1Gi", 1073741824, 1073741824000LL},
        {"1n", 1, 1},
        {"-1n", -1, -1},
        {"1.0001m", 1, 2},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        k8s_quantity q = parse_ok(cases[i].in);
        int64_t v, m;
        assert_int_equal(k8s_quantity_value(&q, &v), K8S_OK);
        assert_int_equal(k8s_quantity_milli_value(&q, &m), K8S_OK);
        if (v != cases[i].value || m != cases[i].milli)
            fail_msg("%s: value %" PRId64 " milli %" PRId64, cases[i].in, v, m);
    }
    int64_t v;
    k8s_quantity q = k8s_quantity_from_scaled(7, -400);
    assert_int_equal(k8s_quantity_value(&q, &v), K8S_OK);
    assert_int_equal(v, 1);
    q = k8s_quantity_from_scaled(-7, INT32_MIN);
    assert_int_equal(k8s_quantity_scaled_value(&q, INT32_MAX, &v), K8S_OK);
    assert_int_equal(v, -1);
}

static void test_quantity_overflow(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int32_t scale;
        k8s_code code;
        int64_t expect;
    } cases[] = {
        {"9223372036854775807", 0, K8S_OK, INT64_MAX},
        {"9223372036854775808", 0, K8S_ERANGE, INT64_MAX},
        {"-9223372036854775808", 0, K8S_OK, INT64_MIN},
        {"-9223372036854775809", 0, K8S_ERANGE, INT64_MIN},
        {"9223372036854775806.1", 0, K8S_OK, INT64_MAX},
        {"9223372036854775807.1", 0, K8S_ERANGE, INT64_MAX},
        {"10E", 0, K8S_ERANGE, INT64_MAX},
        {"-10E", 0, K8S_ERANGE, INT64_MIN},
        {"9223372036854775807m", -3, K8S_OK, INT64_MAX},
        {"9223372036854775807", -3, K8S_ERANGE, INT64_MAX},
        {"9223372036854775807n", -9, K8S_OK, INT64_MAX},
        {"9223372036854775807001n", -9, K8S_ERANGE, INT64_MAX},
        {"1e2147483647", 0, K8S_ERANGE, INT64_MAX},
        {"1", INT32_MIN, K8S_ERANGE, INT64_MAX},
        {"-1", INT32_MIN, K8S_ERANGE, INT64_MIN},
        {"1", INT32_MAX, K8S_OK, 1},
        {"340282366920938463463374607431768211455", 30, K8S_OK, 340282367},
        {"0", INT32_MIN, K8S_OK, 0},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        k8s_quantity q = parse_ok(cases[i].in);
        int64_t v = 42;
        k8s_code rc = k8s_quantity_scaled_value(&q, cases[i].scale, &v);
        if (rc != cases[i].code || v != cases[i].expect)
            fail_msg("%s at %d: code %d value %" PRId64, cases[i].in, cases[i].scale, (int)rc, v);
    }
    int64_t v;
    assert_int_equal(k8s_quantity_value(NULL, &v), K8S_EINVAL);
}

static void test_quantity_to_double(void **state)
{
    (void)state;
    /* TestQuantityAsFloat64Slow: exact results */
    static const struct {
        int64_t value;
        int32_t scale;
        double expect;
    } cases[] = {
        {0, 0, 0.0},
        {0, 500, 0.0},
        {0, -500, 0.0},
        {1, 0, 1},
        {1024, 0, 1024},
        {8 * 1024, 0, 8 * 1024},
        {7 * 1024 * 1024, 0, 7 * 1024 * 1024},
        {7 * 1024 * 1024, 1, (7 * 1024 * 1024) * 10.0},
        {7 * 1024 * 1024, 4, (7 * 1024 * 1024) * 10000.0},
        {7 * 1024 * 1024, 8, (7 * 1024 * 1024) * 100000000.0},
        {7 * 1024 * 1024, -1, (7 * 1024 * 1024) / 10.0},
        {7 * 1024 * 1024, -8, (7 * 1024 * 1024) / 100000000.0},
        {INT64_MAX, 0, 9223372036854775807.0},
        {12, 18, 1.2e19},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        for (int f = 0; f < 3; f++) {
            k8s_quantity q = mkq(cases[i].value, cases[i].scale, (k8s_quantity_fmt)f);
            assert_true(k8s_quantity_to_double(&q) == cases[i].expect);
        }
    }
    k8s_quantity q = mkq(12, 500, DSI);
    assert_true(isinf(k8s_quantity_to_double(&q)) && k8s_quantity_to_double(&q) > 0);
    q = mkq(-12, 500, DSI);
    assert_true(isinf(k8s_quantity_to_double(&q)) && k8s_quantity_to_double(&q) < 0);
    /* TestStringQuantityAsFloat64Slow */
    static const struct {
        const char *in;
        double expect;
    } texts[] = {{"2Ki", 2048}, {"1.1Ki", 1126.4}, {"1Mi", 1.048576e+06}, {"2Gi", 2.147483648e+09},
                 {"-100m", -0.1}, {"1n", 1e-9}};
    for (size_t i = 0; i < LEN(texts); i++) {
        q = parse_ok(texts[i].in);
        assert_true(k8s_quantity_to_double(&q) == texts[i].expect);
    }
}

static void test_quantity_cmp(void **state)
{
    (void)state;
    /* TestQuantityCmp */
    static const struct {
        const char *x, *y;
        int expect;
    } texts[] = {
        {"0", "0", 0},       {"100m", "50m", 1}, {"50m", "100m", -1}, {"10000T", "100Gi", 1},
        {"1Ki", "1024", 0},  {"1k", "1Ki", -1},  {"-1k", "-1Ki", 1},  {"0Ki", "0e9", 0},
        {"1e-3", "1m", 0},   {"1n", "0", 1},     {"-1n", "0", -1},    {"9Ei", "8Ei", 0},
        {"1e2147483647", "9223372036854775807", 1},
    };
    for (size_t i = 0; i < LEN(texts); i++) {
        k8s_quantity x = parse_ok(texts[i].x), y = parse_ok(texts[i].y);
        assert_int_equal(k8s_quantity_cmp(&x, &y), texts[i].expect);
        assert_int_equal(k8s_quantity_cmp(&y, &x), -texts[i].expect);
    }
    /* TestQuantityCmpInt64AndDec */
    static const struct {
        int64_t av;
        int32_t as;
        int64_t bv;
        int32_t bs;
        int expect;
    } cases[] = {
        {901, -2, 901, -2, 0},
        {90, -1, 901, -2, -1},
        {901, -2, 900, -2, 1},
        {0, 0, 0, 0, 0},
        {0, 1, 0, -1, 0},
        {0, -1, 0, 1, 0},
        {800, -3, 1, 0, -1},
        {800, -3, 79, -2, 1},
        {INT64_MAX, 0, 1, -1, 1},
        {INT64_MAX, 1, 1, 0, 1},
        {INT64_MAX, 1, 1, 1, 1},
        {INT64_MAX, 1, 0, 1, 1},
        {INT64_MAX, -16, 1, 3, -1},
        {INT64_MIN, 0, 0, 0, -1},
        {INT64_MIN, -18, -1, 0, -1},
        {INT64_MIN, -19, -1, 0, 1},
        {1000000000000000000LL, -17, 1, 1, 0},
        {1000000000000000000LL, -17, -10, 0, 1},
        {-1000000000000000000LL, -17, -10, 0, 0},
        {1000000000000000000LL, -17, 1, 0, 1},
        {1000000000000000001LL, -17, 1, 1, 1},
        {999999999999999999LL, -17, 1, 1, -1},
        {7, INT32_MIN, 1, 0, -1},
        {1, INT32_MAX, INT64_MAX, INT32_MAX - 1, -1},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        k8s_quantity a = mkq(cases[i].av, cases[i].as, DSI);
        k8s_quantity b = mkq(cases[i].bv, cases[i].bs, BSI);
        if (k8s_quantity_cmp(&a, &b) != cases[i].expect ||
            k8s_quantity_cmp(&b, &a) != -cases[i].expect)
            fail_msg("case %zu", i);
    }
}

/* Random values: text -> quantity -> canonical text is stable and exact. */
static void test_quantity_random(void **state)
{
    (void)state;
    uint64_t seed = 0x9E3779B97F4A7C15u;
    char buf[K8S_QUANTITY_TEXT_MAX], buf2[K8S_QUANTITY_TEXT_MAX];
    for (int i = 0; i < 20000; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        int64_t v = (int64_t)(seed >> (seed % 64));
        if (seed & 1)
            v = -v;
        k8s_quantity_fmt f = (k8s_quantity_fmt)((seed >> 8) % 3);
        int32_t scale = (int32_t)((seed >> 16) % 30) - 9;
        /* BinarySI text past 2^63-1 parses capped, as in Go */
        if (f == BSI && scale > 0)
            scale = 0;
        if (f == BSI && v == INT64_MIN)
            v++;
        k8s_quantity q = mkq(v, scale, f);
        fmt_q(&q, buf);
        k8s_quantity back = parse_ok(buf);
        if (k8s_quantity_cmp(&back, &q) != 0)
            fail_msg("%" PRId64 "e%d: %s reads back differently", v, scale, buf);
        /* BinarySI written without a suffix reads back as DecimalSI, so
         * the text is stable from the second round on */
        fmt_q(&back, buf2);
        k8s_quantity again = parse_ok(buf2);
        assert_string_equal(fmt_q(&again, buf), buf2);
    }
}

/* ---- Time ---- */

typedef struct time_case {
    const char *in;
    int64_t seconds;
    int32_t nanos;
} time_case;

static void test_time_parse(void **state)
{
    (void)state;
    static const time_case cases[] = {
        {"1970-01-01T00:00:00Z", 0, 0},
        {"2006-01-02T15:04:05Z", 1136214245, 0},
        {"2006-01-02T15:04:05+07:00", 1136214245 - 7 * 3600, 0},
        {"2006-01-02T15:04:05-07:00", 1136214245 + 7 * 3600, 0},
        {"2006-01-02T15:04:05+00:00", 1136214245, 0},
        {"2006-01-02T15:04:05-00:00", 1136214245, 0},
        {"2006-01-02T15:04:05+05:30", 1136214245 - 5 * 3600 - 30 * 60, 0},
        {"2006-01-02T15:04:05.999999999Z", 1136214245, 999999999},
        {"2006-01-02T15:04:05.5Z", 1136214245, 500000000},
        {"2006-01-02T15:04:05.000001Z", 1136214245, 1000},
        {"2006-01-02T15:04:05.123456789123Z", 1136214245, 123456789},
        {"2006-01-02T15:04:05.9999999999Z", 1136214245, 999999999},
        {"2006-01-02T15:04:05,5Z", 1136214245, 500000000},
        {"2006-01-02T15:04:05.5-01:00", 1136214245 + 3600, 500000000},
        {"2006-01-02T1:04:05Z", 1136214245 - 14 * 3600, 0},
        {"1969-12-31T23:59:59.5Z", -1, 500000000},
        {"1969-12-31T23:59:59Z", -1, 0},
        {"2000-02-29T00:00:00Z", 951782400, 0},
        {"2004-02-29T12:00:00Z", 1078056000, 0},
        {"2024-02-29T00:00:00Z", 1709164800, 0},
        {"2000-03-01T00:00:00Z", 951868800, 0},
        {"2038-01-19T03:14:08Z", 2147483648LL, 0},
        {"0001-01-01T00:00:00Z", -62135596800LL, 0},
        {"0000-01-01T00:00:00Z", -62167219200LL, 0},
        {"0000-02-29T00:00:00Z", -62162121600LL, 0},
        {"9999-12-31T23:59:59.999999999Z", 253402300799LL, 999999999},
        {"9999-12-31T23:59:59-24:00", 253402300799LL + 86400, 0},
        {"0000-01-01T00:00:00+24:00", -62167219200LL - 86400, 0},
        {"2006-01-02T15:04:05+23:60", 1136214245 - 24 * 3600, 0},
        /* the conformance fixtures' values */
        {"2008-01-01T01:01:01Z", 1199149261, 0},
        {"2002-01-01T01:01:01.000002Z", 1009846861, 2000},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        k8s_time t;
        k8s_error err;
        k8s_code rc = k8s_time_parse(cases[i].in, &t, &err);
        if (rc != K8S_OK)
            fail_msg("%s: %s", cases[i].in, err.message);
        if (t.seconds != cases[i].seconds || t.nanos != cases[i].nanos)
            fail_msg("%s: got %" PRId64 ".%09d", cases[i].in, t.seconds, t.nanos);
    }
}

static void test_time_parse_invalid(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "",
        "2006-01-02",
        "2006-01-02T15:04:05",
        "2006-01-02 15:04:05Z",
        "2006-01-02t15:04:05Z",
        "2006-01-02T15:04:05z",
        "2006-01-02T15:04:05.Z",
        "2006-01-02T15:04:05.123",
        "2006-01-02T15:04:05+0700",
        "2006-01-02T15:04:05+07",
        "2006-01-02T15:04:05+7:00",
        "2006-01-02T15:04:05 +07:00",
        "2006-01-02T15:04:05Z ",
        " 2006-01-02T15:04:05Z",
        "2006-01-02T15:04:05ZZ",
        "2006-01-02T15:04:05Z07:00",
        "06-01-02T15:04:05Z",
        "+2006-01-02T15:04:05Z",
        "-2006-01-02T15:04:05Z",
        "20060-01-02T15:04:05Z",
        "2006-1-02T15:04:05Z",
        "2006-01-2T15:04:05Z",
        "2006-01-02T015:04:05Z",
        "2006-01-02T15:4:05Z",
        "2006-01-02T15:04:5Z",
        "2006-01-02T15:04Z",
        "2006/01/02T15:04:05Z",
        "2006-01-02T15:04:05.+07:00",
        /* out of range */
        "2006-00-02T15:04:05Z",
        "2006-13-02T15:04:05Z",
        "2006-01-00T15:04:05Z",
        "2006-01-32T15:04:05Z",
        "2006-04-31T15:04:05Z",
        "2006-02-29T15:04:05Z",
        "1900-02-29T15:04:05Z",
        "2100-02-29T15:04:05Z",
        "2023-02-29T15:04:05Z",
        "2006-01-02T24:00:00Z",
        "2006-01-02T15:60:05Z",
        "2006-01-02T15:04:60Z",
        "2016-12-31T23:59:60Z",
        "2006-01-02T15:04:05+25:00",
        "2006-01-02T15:04:05+24:61",
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        k8s_time t = {5, 5};
        k8s_error err;
        if (k8s_time_parse(cases[i], &t, &err) != K8S_EVALUE)
            fail_msg("\"%s\" parsed", cases[i]);
        assert_non_null(strstr(err.message, "time \""));
        assert_true(t.seconds == 0 && t.nanos == 0);
        assert_int_equal(k8s_time_parse(cases[i], &t, NULL), K8S_EVALUE);
    }
    k8s_time t;
    k8s_error err;
    assert_int_equal(k8s_time_parse("2006-04-31T15:04:05Z", &t, &err), K8S_EVALUE);
    assert_string_equal(err.message, "time \"2006-04-31T15:04:05Z\": day out of range");
    assert_int_equal(k8s_time_parse("2006-01-02T15:04:05Zx", &t, &err), K8S_EVALUE);
    assert_string_equal(err.message, "time \"2006-01-02T15:04:05Zx\": extra text \"x\"");
    assert_int_equal(err.offset, 20);
    assert_int_equal(k8s_time_parse("2006-01-02X", &t, &err), K8S_EVALUE);
    assert_int_equal(err.offset, 10);
    assert_int_equal(k8s_time_parse(NULL, &t, &err), K8S_EINVAL);
}

static void check_time_format(int64_t seconds, int32_t nanos, const char *want, const char *micro)
{
    k8s_time t = {seconds, nanos};
    char buf[K8S_TIME_TEXT_MAX];
    size_t n = k8s_time_format(&t, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
    n = k8s_microtime_format(&t, buf, sizeof buf);
    assert_string_equal(buf, micro);
    assert_int_equal(n, strlen(micro));
}

static void test_time_format(void **state)
{
    (void)state;
    check_time_format(0, 0, "1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000000Z");
    check_time_format(1136214245, 999999999, "2006-01-02T15:04:05Z",
                      "2006-01-02T15:04:05.999999Z");
    check_time_format(1009846861, 2000, "2002-01-01T01:01:01Z", "2002-01-01T01:01:01.000002Z");
    check_time_format(-1, 500000000, "1969-12-31T23:59:59Z", "1969-12-31T23:59:59.500000Z");
    check_time_format(951782400, 0, "2000-02-29T00:00:00Z", "2000-02-29T00:00:00.000000Z");
    check_time_format(-62135596800LL, 0, "0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000Z");
    check_time_format(-62167219200LL, 0, "0000-01-01T00:00:00Z", "0000-01-01T00:00:00.000000Z");
    check_time_format(253402300799LL, 999, "9999-12-31T23:59:59Z", "9999-12-31T23:59:59.000000Z");
    /* outside Go's parseable years, written as Go's AppendFormat does */
    check_time_format(-62167219201LL, 0, "-0001-12-31T23:59:59Z", "-0001-12-31T23:59:59.000000Z");
    check_time_format(253402300800LL, 0, "10000-01-01T00:00:00Z", "10000-01-01T00:00:00.000000Z");
    /* nanos outside [0, 1e9) are carried into the seconds */
    check_time_format(10, -1, "1970-01-01T00:00:09Z", "1970-01-01T00:00:09.999999Z");
    check_time_format(10, 1000000000, "1970-01-01T00:00:11Z", "1970-01-01T00:00:11.000000Z");

    /* the extremes format without overflow */
    char buf[K8S_TIME_TEXT_MAX];
    k8s_time t = {INT64_MAX, 999999999};
    assert_true(k8s_microtime_format(&t, buf, sizeof buf) < sizeof buf);
    assert_string_equal(buf, "292277026596-12-04T15:30:07.999999Z");
    t = (k8s_time){INT64_MIN, 0};
    assert_true(k8s_microtime_format(&t, buf, sizeof buf) < sizeof buf);
    assert_string_equal(buf, "-292277022657-01-27T08:29:52.000000Z");
    /* snprintf-style truncation */
    t = (k8s_time){0, 0};
    assert_int_equal(k8s_time_format(&t, NULL, 0), 20);
    assert_int_equal(k8s_time_format(&t, buf, 5), 20);
    assert_string_equal(buf, "1970");
}

/* Calendar arithmetic against the C library's gmtime_r, and text round
 * trips, over the whole 0000-9999 range. */
static void test_time_calendar(void **state)
{
    (void)state;
    const int64_t lo = -62167219200LL, hi = 253402300799LL;
    char buf[K8S_TIME_TEXT_MAX], want[64];
    for (int64_t s = lo; s <= hi; s += 86400LL * 29 + 3607) {
        time_t tt = (time_t)s;
        struct tm tm;
        assert_non_null(gmtime_r(&tt, &tm));
        snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        k8s_time t = {s, (int32_t)((s % 1000 + 1000) % 1000) * 1000};
        k8s_time_format(&t, buf, sizeof buf);
        if (strcmp(buf, want))
            fail_msg("%" PRId64 ": %s, want %s", s, buf, want);
        k8s_time back;
        assert_int_equal(k8s_time_parse(buf, &back, NULL), K8S_OK);
        assert_true(back.seconds == s && back.nanos == 0);
        k8s_microtime_format(&t, buf, sizeof buf);
        assert_int_equal(k8s_time_parse(buf, &back, NULL), K8S_OK);
        assert_true(back.seconds == s && back.nanos == t.nanos);
    }
    /* every day boundary of a 400-year cycle */
    for (int64_t s = 0; s < 146097LL * 86400; s += 86400) {
        k8s_time t = {s - 1, 0}, back;
        k8s_time_format(&t, buf, sizeof buf);
        assert_int_equal(k8s_time_parse(buf, &back, NULL), K8S_OK);
        assert_true(back.seconds == s - 1);
    }
}

static void test_time_now(void **state)
{
    (void)state;
    k8s_time a, b;
    assert_int_equal(k8s_time_now(&a), K8S_OK);
    assert_int_equal(k8s_time_now(&b), K8S_OK);
    assert_true(a.seconds > 1700000000);
    assert_true(a.nanos >= 0 && a.nanos < 1000000000);
    assert_true(b.seconds > a.seconds || (b.seconds == a.seconds && b.nanos >= a.nanos));
}

/* ---- Duration ---- */

#define NS 1LL
#define US (1000 * NS)
#define MS (1000 * US)
#define SEC (1000 * MS)
#define MIN (60 * SEC)
#define HOUR (60 * MIN)

static void test_duration_parse(void **state)
{
    (void)state;
    /* Go's parseDurationTests */
    static const struct {
        const char *in;
        int64_t want;
    } cases[] = {
        {"0", 0},
        {"5s", 5 * SEC},
        {"30s", 30 * SEC},
        {"1478s", 1478 * SEC},
        {"-5s", -5 * SEC},
        {"+5s", 5 * SEC},
        {"-0", 0},
        {"+0", 0},
        {"5.0s", 5 * SEC},
        {"5.6s", 5 * SEC + 600 * MS},
        {"5.s", 5 * SEC},
        {".5s", 500 * MS},
        {"1.0s", 1 * SEC},
        {"1.00s", 1 * SEC},
        {"1.004s", 1 * SEC + 4 * MS},
        {"1.0040s", 1 * SEC + 4 * MS},
        {"100.00100s", 100 * SEC + 1 * MS},
        {"10ns", 10 * NS},
        {"11us", 11 * US},
        {"12\xC2\xB5s", 12 * US},
        {"12\xCE\xBCs", 12 * US},
        {"13ms", 13 * MS},
        {"14s", 14 * SEC},
        {"15m", 15 * MIN},
        {"16h", 16 * HOUR},
        {"3h30m", 3 * HOUR + 30 * MIN},
        {"10.5s4m", 4 * MIN + 10 * SEC + 500 * MS},
        {"-2m3.4s", -(2 * MIN + 3 * SEC + 400 * MS)},
        {"1h2m3s4ms5us6ns", 1 * HOUR + 2 * MIN + 3 * SEC + 4 * MS + 5 * US + 6 * NS},
        {"39h9m14.425s", 39 * HOUR + 9 * MIN + 14 * SEC + 425 * MS},
        {"52763797000ns", 52763797000 * NS},
        {"0.3333333333333333333h", 20 * MIN},
        {"9007199254740993ns", (1LL << 53) + 1},
        {"9223372036854775807ns", INT64_MAX},
        {"9223372036854775.807us", INT64_MAX},
        {"9223372036s854ms775us807ns", INT64_MAX},
        {"-9223372036854775808ns", INT64_MIN},
        {"-9223372036854775.808us", INT64_MIN},
        {"-9223372036s854ms775us808ns", INT64_MIN},
        {"-2562047h47m16.854775808s", INT64_MIN},
        {"0.100000000000000000000h", 6 * MIN},
        {"0.830103483285477580700h", 49 * MIN + 48 * SEC + 372539827 * NS},
        {"1h30m", 90 * MIN},
        {"1.5h", 90 * MIN},
        {"2562047h47m16.854775807s", INT64_MAX},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        int64_t d = 42;
        k8s_error err;
        k8s_code rc = k8s_duration_parse(cases[i].in, &d, &err);
        if (rc != K8S_OK)
            fail_msg("%s: %s", cases[i].in, err.message);
        if (d != cases[i].want)
            fail_msg("%s: got %" PRId64 ", want %" PRId64, cases[i].in, d, cases[i].want);
    }
}

static void test_duration_parse_invalid(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {"", K8S_EVALUE},
        {"3", K8S_EVALUE},
        {"-", K8S_EVALUE},
        {"+", K8S_EVALUE},
        {"s", K8S_EVALUE},
        {".", K8S_EVALUE},
        {"-.", K8S_EVALUE},
        {".s", K8S_EVALUE},
        {"+.s", K8S_EVALUE},
        {"1d", K8S_EVALUE},
        {"00", K8S_EVALUE},
        {"1s ", K8S_EVALUE},
        {" 1s", K8S_EVALUE},
        {"1S", K8S_EVALUE},
        {"1sec", K8S_EVALUE},
        {"1s-1s", K8S_EVALUE},
        {"\x85\x85", K8S_EVALUE},
        {"\xff\xff", K8S_EVALUE},
        {"hello \xff\xff world", K8S_EVALUE},
        {"9223372036854775808ns", K8S_ERANGE},
        {"9223372036854775.808us", K8S_ERANGE},
        {"9223372036854ms775us808ns", K8S_ERANGE},
        {"9223372036s854ms775us808ns", K8S_ERANGE},
        {"-9223372036854775809ns", K8S_ERANGE},
        {"2562047h47m16.854775808s", K8S_ERANGE},
        {"3000000h", K8S_ERANGE},
        {"99999999999999999999ns", K8S_ERANGE},
        {"-9223372036854775808ns1ns", K8S_ERANGE},
        {"-9223372036854775808ns9223372036854775808ns", K8S_ERANGE},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        int64_t d = 42;
        k8s_error err;
        k8s_code rc = k8s_duration_parse(cases[i].in, &d, &err);
        if (rc != cases[i].code)
            fail_msg("\"%s\": code %d, want %d", cases[i].in, (int)rc, (int)cases[i].code);
        assert_int_equal(d, 0);
        assert_non_null(strstr(err.message, "duration \""));
    }
    int64_t d;
    k8s_error err;
    assert_int_equal(k8s_duration_parse("1d", &d, &err), K8S_EVALUE);
    assert_string_equal(err.message, "duration \"1d\": unknown unit \"d\"");
    assert_int_equal(err.offset, 1);
    assert_int_equal(k8s_duration_parse("3", &d, &err), K8S_EVALUE);
    assert_string_equal(err.message, "duration \"3\": missing unit");
    assert_int_equal(k8s_duration_parse(NULL, &d, NULL), K8S_EINVAL);
}

static void test_duration_format(void **state)
{
    (void)state;
    /* Go's durationTests, and the brief's examples */
    static const struct {
        int64_t d;
        const char *want;
    } cases[] = {
        {0, "0s"},
        {1 * NS, "1ns"},
        {1100 * NS, "1.1\xC2\xB5s"},
        {2200 * US, "2.2ms"},
        {3300 * MS, "3.3s"},
        {4 * MIN + 5 * SEC, "4m5s"},
        {4 * MIN + 5001 * MS, "4m5.001s"},
        {5 * HOUR + 6 * MIN + 7001 * MS, "5h6m7.001s"},
        {8 * MIN + 1 * NS, "8m0.000000001s"},
        {INT64_MAX, "2562047h47m16.854775807s"},
        {INT64_MIN, "-2562047h47m16.854775808s"},
        {90 * MIN, "1h30m0s"},
        {1500 * MS, "1.5s"},
        {-(2 * MIN + 3400 * MS), "-2m3.4s"},
        {1 * US, "1\xC2\xB5s"},
        {-1 * NS, "-1ns"},
        {999 * MS, "999ms"},
        {HOUR, "1h0m0s"},
        {HOUR + 5 * SEC, "1h0m5s"},
        {SEC, "1s"},
    };
    char buf[K8S_DURATION_TEXT_MAX];
    for (size_t i = 0; i < LEN(cases); i++) {
        size_t n = k8s_duration_format(cases[i].d, buf, sizeof buf);
        assert_string_equal(buf, cases[i].want);
        assert_int_equal(n, strlen(cases[i].want));
        int64_t back;
        assert_int_equal(k8s_duration_parse(buf, &back, NULL), K8S_OK);
        assert_int_equal(back, cases[i].d);
    }
    assert_int_equal(k8s_duration_format(HOUR, NULL, 0), 6);
    assert_int_equal(k8s_duration_format(HOUR, buf, 3), 6);
    assert_string_equal(buf, "1h");
    /* any value survives format and parse */
    uint64_t seed = 88172645463325252u;
    for (int i = 0; i < 100000; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        int64_t d = (int64_t)(seed >> (seed % 64));
        if (seed & 1)
            d = -d;
        k8s_duration_format(d, buf, sizeof buf);
        int64_t back;
        assert_int_equal(k8s_duration_parse(buf, &back, NULL), K8S_OK);
        if (back != d)
            fail_msg("%" PRId64 " -> %s -> %" PRId64, d, buf, back);
    }
}

/* ---- the conformance fixtures ---- */

/* Keys whose object value maps names to quantities (ResourceList and the
 * like) and keys whose string value is one quantity. */
static const char *const quantity_maps[] = {
    "limits", "requests", "capacity", "allocatable", "hard", "used", "overhead",
    "allocatedResources", "podFixed", "default", "defaultRequest", "max", "min",
    "maxLimitRequestRatio", "consumedCapacity",
};
static const char *const quantity_scalars[] = {
    "divisor", "sizeLimit", "averageValue", "maximumVolumeSize", "storageCapacity",
};

static bool in_list(const char *key, const char *const *list, size_t n)
{
    for (size_t i = 0; key && i < n; i++)
        if (!strcmp(key, list[i]))
            return true;
    return false;
}

static bool looks_like_time(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    for (size_t i = 0; shape[i]; i++) {
        if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
            return false;
    }
    return true;
}

typedef struct scan_stats {
    size_t quantities, times;
    const char *file;
} scan_stats;

static void check_fixture_quantity(const char *text, scan_stats *st)
{
    k8s_quantity q;
    k8s_error err;
    if (k8s_quantity_parse(text, &q, &err) != K8S_OK)
        fail_msg("%s: %s", st->file, err.message);
    st->quantities++;
}

static void check_fixture_time(const char *text, scan_stats *st)
{
    k8s_time t;
    k8s_error err;
    if (k8s_time_parse(text, &t, &err) != K8S_OK)
        fail_msg("%s: %s", st->file, err.message);
    /* what the server wrote is what Time or MicroTime writes back */
    char buf[K8S_TIME_TEXT_MAX];
    if (strchr(text, '.'))
        k8s_microtime_format(&t, buf, sizeof buf);
    else
        k8s_time_format(&t, buf, sizeof buf);
    if (strcmp(buf, text))
        fail_msg("%s: %s formats as %s", st->file, text, buf);
    st->times++;
}

static void scan_json(const cJSON *node, scan_stats *st)
{
    for (const cJSON *c = node ? node->child : NULL; c; c = c->next) {
        if (cJSON_IsString(c)) {
            if (looks_like_time(c->valuestring))
                check_fixture_time(c->valuestring, st);
            else if (in_list(c->string, quantity_scalars, LEN(quantity_scalars)))
                check_fixture_quantity(c->valuestring, st);
        } else if (cJSON_IsObject(c) && in_list(c->string, quantity_maps, LEN(quantity_maps))) {
            for (const cJSON *v = c->child; v; v = v->next)
                if (cJSON_IsString(v))
                    check_fixture_quantity(v->valuestring, st);
            scan_json(c, st);
        } else {
            scan_json(c, st);
        }
    }
}

static void test_conformance_fixtures(void **state)
{
    (void)state;
    const char *shared = test_shared_dir();
    char dir[4096];
    if (!shared) {
        test_skip("no shared data folder ($K8S_SHARED_DIR)");
    }
    snprintf(dir, sizeof dir, "%s/conformance/k8s-1.35", shared);
    char **files = test_list_dir(dir, ".json");
    if (!files || !files[0]) {
        test_free_list(files);
        test_skip("no fixtures in %s", dir);
    }
    scan_stats st = {0, 0, NULL};
    for (char **f = files; *f; f++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, *f);
        char *text = test_read_file(path, NULL);
        assert_non_null(text);
        cJSON *doc = cJSON_Parse(text);
        assert_non_null(doc);
        st.file = *f;
        scan_json(doc, &st);
        cJSON_Delete(doc);
        free(text);
    }
    test_free_list(files);
    print_message("checked %zu quantities and %zu times\n", st.quantities, st.times);
    assert_true(st.quantities > 100);
    assert_true(st.times > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantity_parse),
        cmocka_unit_test(test_quantity_parse_normalises),
        cmocka_unit_test(test_quantity_parse_invalid),
        cmocka_unit_test(test_quantity_errors),
        cmocka_unit_test(test_quantity_string),
        cmocka_unit_test(test_quantity_parse_emit),
        cmocka_unit_test(test_quantity_text_kept),
        cmocka_unit_test(test_quantity_constructors),
        cmocka_unit_test(test_quantity_scaled_value),
        cmocka_unit_test(test_quantity_rounding),
        cmocka_unit_test(test_quantity_overflow),
        cmocka_unit_test(test_quantity_to_double),
        cmocka_unit_test(test_quantity_cmp),
        cmocka_unit_test(test_quantity_random),
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_time_parse_invalid),
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_time_calendar),
        cmocka_unit_test(test_time_now),
        cmocka_unit_test(test_duration_parse),
        cmocka_unit_test(test_duration_parse_invalid),
        cmocka_unit_test(test_duration_format),
        cmocka_unit_test(test_conformance_fixtures),
    };
    return test_run(tests, NULL, NULL);
}
