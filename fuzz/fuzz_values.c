/* Quantity, Time/MicroTime and Duration text (k8s/values.h).
 *
 * Input: 1 byte choosing what to test, then the text (up to the first
 * NUL) or the numbers:
 *   0  a quantity's text     1  a time's text     2  a duration's text
 *   3  a quantity from numbers (16 bytes of mantissa, 4 of scale, 2 of
 *      sign and format; and the constructors on the first 8 and 4 bytes)
 *   4  a duration (8 bytes of nanoseconds) and a time (8 bytes of
 *      seconds, 4 of nanos) from numbers
 * Checks, as values.h promises: parse -> format -> parse gives the same
 * value (values finer than 1n, which only constructors make, come back
 * rounded away from zero to 1n), and formatting it again in the same
 * format gives the same text; failures leave the output zeroed;
 * format truncates like snprintf within the *_TEXT_MAX sizes; parsed
 * quantities keep no trailing zeros in the mantissa; signs agree; the
 * text Kubernetes stores for a parsed quantity (k8s_quantity_text_kept)
 * holds its value and is stored again unchanged. */
#include <string.h>

#include "fuzz.h"
#include "k8s/values.h"

typedef unsigned __int128 u128;

static uint64_t take(fuzz_input *in, unsigned bytes)
{
    uint64_t v = 0;
    while (bytes--)
        v = v << 8 | fuzz_byte(in);
    return v;
}

/* format(v, buf, n) for a small n must write the prefix of the full text. */
#define CHECK_TRUNCATION(format_call_n, full, len, cut)                                            \
    do {                                                                                           \
        char small_[64];                                                                           \
        size_t n_ = (cut) % (sizeof small_);                                                       \
        memset(small_, 'x', sizeof small_);                                                        \
        size_t r_ = format_call_n;                                                                 \
        FUZZ_CHECK(r_ == (len), "truncated to %zu: length %zu, not %zu", n_, r_, (size_t)(len));   \
        size_t keep_ = n_ ? (n_ - 1 < (len) ? n_ - 1 : (len)) : 0;                                 \
        FUZZ_CHECK(!n_ || (memcmp(small_, full, keep_) == 0 && small_[keep_] == '\0'),             \
                   "truncated to %zu: not a prefix of \"%s\"", n_, full);                          \
    } while (0)

/* ---- Quantity ---- */

/* Whether q is a whole number of nanos: what parsing gives back exactly
 * (it rounds finer values away from zero to 1n). */
static bool whole_nanos(const k8s_quantity *q)
{
    u128 m = (u128)q->mant_hi << 64 | q->mant_lo;
    int64_t scale = q->scale;
    while (m && m % 10 == 0) {
        m /= 10;
        scale++;
    }
    return !m || scale >= -9;
}

/* Whether |q| is past 2^63-1. */
static bool past_cap(const k8s_quantity *q)
{
    k8s_quantity magnitude = *q, cap = k8s_quantity_from_int(INT64_MAX, K8S_QUANTITY_BINARY_SI);
    magnitude.negative = false;
    return k8s_quantity_cmp(&magnitude, &cap) > 0;
}

static void check_quantity(const k8s_quantity *q, unsigned cut, bool parsed)
{
    char text[K8S_QUANTITY_TEXT_MAX], again[K8S_QUANTITY_TEXT_MAX];
    size_t len = k8s_quantity_format(q, text, sizeof text);
    FUZZ_CHECK(len < sizeof text && strlen(text) == len, "format: length %zu", len);
    CHECK_TRUNCATION(k8s_quantity_format(q, small_, n_), text, len, cut);

    k8s_quantity back;
    k8s_error err = {0};
    k8s_code rc = k8s_quantity_parse(text, &back, &err);
    /* a value made by hand or by a constructor may be beyond what text can
     * hold (a mantissa past 128 bits), and any value whose exponent is at
     * int32's edge ("2000E2147483647" reads, but its canonical text
     * "20e2147483649" names an exponent past int32, as Go's would) */
    bool edge = q->scale <= INT32_MIN + 64 || q->scale >= INT32_MAX - 64;
    FUZZ_CHECK(rc == K8S_OK || edge || (!parsed && rc == K8S_ERANGE),
               "\"%s\" does not parse back: %s", text, err.message);
    /* binary-suffixed text reads back capped at 2^63-1 (Go's rule); a value
     * past it in BINARY_SI can only have been made by hand */
    k8s_quantity cap = k8s_quantity_from_int(INT64_MAX, K8S_QUANTITY_BINARY_SI);
    if (past_cap(q) && text[len - 1] == 'i') {
        if (q->negative)
            cap.negative = true;
        FUZZ_CHECK(!parsed && rc == K8S_OK && k8s_quantity_cmp(&back, &cap) == 0,
                   "\"%s\" does not read back capped at 2^63-1", text);
    } else if (rc == K8S_OK && whole_nanos(q)) {
        FUZZ_CHECK(k8s_quantity_cmp(q, &back) == 0, "\"%s\" parses back to another value", text);
        /* the text may read back in another format (Go's "4.8828125Ki" is
         * "5000", which reads as DecimalSI "5k"); within one it is stable */
        size_t n = k8s_quantity_format(&back, again, sizeof again);
        FUZZ_CHECK(back.format != q->format || (n == len && strcmp(text, again) == 0),
                   "format is unstable: \"%s\", \"%s\"", text, again);
    } else if (rc == K8S_OK) { /* from a constructor or by hand: finer than 1n */
        FUZZ_CHECK(k8s_quantity_cmp(&back, q) == k8s_quantity_sign(q) && whole_nanos(&back),
                   "\"%s\" is not rounded away from zero to 1n", text);
    }

    int sign = k8s_quantity_sign(q);
    k8s_quantity zero = {0};
    FUZZ_CHECK(sign == k8s_quantity_cmp(q, &zero), "sign %d, compared to 0 %d", sign,
               k8s_quantity_cmp(q, &zero));
    double d = k8s_quantity_to_double(q);
    FUZZ_CHECK(sign < 0 ? d <= 0 : sign > 0 ? d >= 0 : d == 0, "\"%s\" is %g as a double", text,
               d);
    int64_t v;
    rc = k8s_quantity_scaled_value(q, (int32_t)(cut * 2654435761u), &v);
    FUZZ_CHECK(rc == K8S_OK || rc == K8S_ERANGE, "scaled_value: %s", k8s_strerror(rc));
    rc = k8s_quantity_milli_value(q, &v);
    FUZZ_CHECK(rc == K8S_OK || rc == K8S_ERANGE, "milli_value: %s", k8s_strerror(rc));
}

/* What Kubernetes stores for a quantity it read: the text itself when
 * k8s_quantity_text_kept, else the canonical text (the JSON decoder does the
 * same with a number). */
static const char *stored_text(const char *text, const k8s_quantity *q, char *buf, size_t size)
{
    k8s_quantity_format(q, buf, size);
    return k8s_quantity_text_kept(text) ? text : buf;
}

/* What is stored holds the value read, and storing settles after a second
 * round: Go's canonical text of a binary quantity that is no whole multiple
 * of 1024 is the plain integer ("62.5Ki" is stored as "64000"), which reads
 * back as a decimal one ("64k"), as the API server does too. */
static void check_stored(const char *text, const k8s_quantity *q)
{
    if (q->scale <= INT32_MIN + 64 || q->scale >= INT32_MAX - 64)
        return; /* Go's text of it may name an exponent past int32 (check_quantity) */
    char b1[K8S_QUANTITY_TEXT_MAX], b2[K8S_QUANTITY_TEXT_MAX], b3[K8S_QUANTITY_TEXT_MAX];
    const char *stored = stored_text(text, q, b1, sizeof b1);
    k8s_quantity back, back2;
    k8s_error err = {0};
    FUZZ_CHECK(k8s_quantity_parse(stored, &back, &err) == K8S_OK,
               "\"%s\" is stored as \"%s\", which does not parse: %s", text, stored, err.message);
    FUZZ_CHECK(k8s_quantity_cmp(&back, q) == 0,
               "\"%s\" is stored as \"%s\", another value", text, stored);
    const char *restored = stored_text(stored, &back, b2, sizeof b2);
    FUZZ_CHECK(k8s_quantity_parse(restored, &back2, &err) == K8S_OK && k8s_quantity_cmp(&back2, q) == 0,
               "\"%s\" is stored as \"%s\", then as \"%s\", another value", text, stored, restored);
    const char *settled = stored_text(restored, &back2, b3, sizeof b3);
    FUZZ_CHECK(strcmp(restored, settled) == 0, "\"%s\" is stored as \"%s\", then \"%s\", then \"%s\"",
               text, stored, restored, settled);
}

static void quantity_text(const char *text, unsigned cut)
{
    k8s_quantity q;
    k8s_error err = {0};
    k8s_code rc = k8s_quantity_parse(text, &q, &err);
    if (rc) {
        FUZZ_CHECK(rc == K8S_EVALUE || rc == K8S_ERANGE, "parse: %s", k8s_strerror(rc));
        FUZZ_CHECK(!q.mant_lo && !q.mant_hi && !q.scale && !q.negative && !q.format,
                   "a failed parse left a value");
        FUZZ_CHECK(err.offset <= strlen(text), "error offset %zu", err.offset);
        return;
    }
    u128 m = (u128)q.mant_hi << 64 | q.mant_lo;
    FUZZ_CHECK(!m || q.scale == INT32_MAX || m % 10, "\"%s\": trailing zeros in the mantissa",
               text);
    check_quantity(&q, cut, true);
    check_stored(text, &q);
}

static void quantity_numbers(fuzz_input *in)
{
    fuzz_input copy = *in;
    k8s_quantity q = {.mant_hi = take(in, 8), .mant_lo = take(in, 8)};
    q.scale = (int32_t)(uint32_t)take(in, 4);
    q.negative = fuzz_byte(in) & 1;
    q.format = (k8s_quantity_fmt)(fuzz_byte(in) % 4); /* 3: outside the enum */
    check_quantity(&q, fuzz_byte(in), false);

    int64_t value = (int64_t)take(&copy, 8);
    int32_t scale = (int32_t)(uint32_t)take(&copy, 4);
    k8s_quantity_fmt format = (k8s_quantity_fmt)(value & 1 ? K8S_QUANTITY_BINARY_SI : 0);
    k8s_quantity a = k8s_quantity_from_int(value, format);
    int64_t back;
    FUZZ_CHECK(k8s_quantity_value(&a, &back) == K8S_OK && back == value,
               "from_int(%lld) reads back %lld", (long long)value, (long long)back);
    check_quantity(&a, (unsigned)scale, false);
    k8s_quantity m = k8s_quantity_from_milli(value, format);
    FUZZ_CHECK(k8s_quantity_milli_value(&m, &back) == K8S_OK && back == value,
               "from_milli(%lld) reads back %lld", (long long)value, (long long)back);
    check_quantity(&m, (unsigned)scale, false);
    k8s_quantity s = k8s_quantity_from_scaled(value, scale);
    check_quantity(&s, (unsigned)value, false);
}

/* ---- Time and MicroTime ---- */

static void check_time(const k8s_time *t, unsigned cut)
{
    FUZZ_CHECK(t->nanos >= 0 && t->nanos < 1000000000, "nanos %d", (int)t->nanos);
    char text[K8S_TIME_TEXT_MAX], micro[K8S_TIME_TEXT_MAX];
    size_t len = k8s_time_format(t, text, sizeof text);
    size_t mlen = k8s_microtime_format(t, micro, sizeof micro);
    FUZZ_CHECK(len < sizeof text && strlen(text) == len, "time format: length %zu", len);
    FUZZ_CHECK(mlen < sizeof micro && strlen(micro) == mlen, "microtime format: length %zu", mlen);
    CHECK_TRUNCATION(k8s_time_format(t, small_, n_), text, len, cut);
    CHECK_TRUNCATION(k8s_microtime_format(t, small_, n_), micro, mlen, cut);
    /* years outside 0000-9999 are written as Go writes them, which Go
     * (and this) cannot read back */
    if (len != sizeof "2006-01-02T15:04:05Z" - 1 || text[0] == '-')
        return;
    k8s_time back, mback;
    k8s_error err = {0};
    FUZZ_CHECK(k8s_time_parse(text, &back, &err) == K8S_OK, "\"%s\" does not parse back: %s", text,
               err.message);
    FUZZ_CHECK(back.seconds == t->seconds && back.nanos == 0, "\"%s\" parses back to %lld.%09d",
               text, (long long)back.seconds, (int)back.nanos);
    FUZZ_CHECK(k8s_time_parse(micro, &mback, &err) == K8S_OK, "\"%s\" does not parse back: %s",
               micro, err.message);
    FUZZ_CHECK(mback.seconds == t->seconds && mback.nanos == t->nanos / 1000 * 1000,
               "\"%s\" parses back to %lld.%09d", micro, (long long)mback.seconds,
               (int)mback.nanos);
}

static void time_text(const char *text, unsigned cut)
{
    k8s_time t;
    k8s_error err = {0};
    k8s_code rc = k8s_time_parse(text, &t, &err);
    if (rc) {
        FUZZ_CHECK(rc == K8S_EVALUE || rc == K8S_ERANGE, "parse: %s", k8s_strerror(rc));
        FUZZ_CHECK(!t.seconds && !t.nanos, "a failed parse left a value");
        return;
    }
    check_time(&t, cut);
}

/* ---- Duration ---- */

static void check_duration(int64_t nanos, unsigned cut)
{
    char text[K8S_DURATION_TEXT_MAX], again[K8S_DURATION_TEXT_MAX];
    size_t len = k8s_duration_format(nanos, text, sizeof text);
    FUZZ_CHECK(len < sizeof text && strlen(text) == len, "format: length %zu", len);
    CHECK_TRUNCATION(k8s_duration_format(nanos, small_, n_), text, len, cut);
    int64_t back;
    k8s_error err = {0};
    k8s_code rc = k8s_duration_parse(text, &back, &err);
    FUZZ_CHECK(rc == K8S_OK && back == nanos, "%lld ns as \"%s\" parses back to %lld (%s)",
               (long long)nanos, text, (long long)back, err.message);
    k8s_duration_format(back, again, sizeof again);
    FUZZ_CHECK(strcmp(text, again) == 0, "format is unstable: \"%s\", \"%s\"", text, again);
}

static void duration_text(const char *text, unsigned cut)
{
    int64_t nanos;
    k8s_error err = {0};
    k8s_code rc = k8s_duration_parse(text, &nanos, &err);
    if (rc) {
        FUZZ_CHECK(rc == K8S_EVALUE || rc == K8S_ERANGE, "parse: %s", k8s_strerror(rc));
        FUZZ_CHECK(!nanos, "a failed parse left a value");
        return;
    }
    check_duration(nanos, cut);
}

static void numbers(fuzz_input *in)
{
    check_duration((int64_t)take(in, 8), fuzz_byte(in));
    k8s_time t = {.seconds = (int64_t)take(in, 8)};
    t.nanos = (int32_t)(take(in, 4) % 1000000000);
    check_time(&t, fuzz_byte(in));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    unsigned mode = fuzz_byte(&in) % 5;
    if (mode == 3) {
        quantity_numbers(&in);
        return 0;
    }
    if (mode == 4) {
        numbers(&in);
        return 0;
    }
    char *text = fuzz_text(in.data, in.size);
    unsigned cut = (unsigned)size * 7u;
    if (mode == 0)
        quantity_text(text, cut);
    else if (mode == 1)
        time_text(text, cut);
    else
        duration_text(text, cut);
    free(text);
    return 0;
}
