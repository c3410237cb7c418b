/* resource.Quantity: parsing, Go's canonical text, integer and double views;
 * see k8s/values.h. A value is a 128-bit mantissa times a power of ten, so
 * everything here is exact integer arithmetic on at most 39 digits. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "k8s/values.h"

/* ---- 128-bit unsigned arithmetic, portable C (no __int128) ---- */

typedef struct u128 {
    uint64_t hi, lo;
} u128;

static u128 u128_of(uint64_t v)
{
    return (u128){0, v};
}

static bool u128_is_zero(u128 a)
{
    return !a.hi && !a.lo;
}

static int u128_cmp(u128 a, u128 b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo)
        return a.lo < b.lo ? -1 : 1;
    return 0;
}

static void u128_split(u128 a, uint32_t limb[4])
{
    limb[0] = (uint32_t)a.lo;
    limb[1] = (uint32_t)(a.lo >> 32);
    limb[2] = (uint32_t)a.hi;
    limb[3] = (uint32_t)(a.hi >> 32);
}

static u128 u128_join(const uint32_t limb[4])
{
    return (u128){limb[2] | (uint64_t)limb[3] << 32, limb[0] | (uint64_t)limb[1] << 32};
}

/* *a = *a * m + add; false, with *a unchanged, when that does not fit. */
static bool u128_mul_add(u128 *a, uint32_t m, uint32_t add)
{
    uint32_t limb[4];
    u128_split(*a, limb);
    uint64_t carry = add;
    for (int i = 0; i < 4; i++) {
        uint64_t t = (uint64_t)limb[i] * m + carry;
        limb[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry)
        return false;
    *a = u128_join(limb);
    return true;
}

/* *a /= d (d > 0); returns the remainder. */
static uint32_t u128_divmod(u128 *a, uint32_t d)
{
    uint32_t limb[4];
    u128_split(*a, limb);
    uint64_t rem = 0;
    for (int i = 3; i >= 0; i--) {
        uint64_t cur = rem << 32 | limb[i];
        limb[i] = (uint32_t)(cur / d);
        rem = cur % d;
    }
    *a = u128_join(limb);
    return (uint32_t)rem;
}

static bool u128_add(u128 *a, uint64_t b)
{
    uint64_t lo = a->lo + b;
    uint64_t hi = a->hi + (lo < a->lo);
    if (hi < a->hi)
        return false;
    a->lo = lo;
    a->hi = hi;
    return true;
}

/* *a <<= p for 0 < p < 64; false when bits would fall off the top. */
static bool u128_shl(u128 *a, unsigned p)
{
    if (a->hi >> (64 - p))
        return false;
    a->hi = a->hi << p | a->lo >> (64 - p);
    a->lo <<= p;
    return true;
}

/* Decimal digits of a, most significant first ("0" for zero), NUL-terminated
 * in out[40]; returns how many. 2^128 - 1 has 39 digits. */
static size_t u128_digits(u128 a, char out[40])
{
    char rev[40];
    size_t n = 0;
    do
        rev[n++] = (char)('0' + u128_divmod(&a, 10));
    while (!u128_is_zero(a));
    for (size_t i = 0; i < n; i++)
        out[i] = rev[n - 1 - i];
    out[n] = '\0';
    return n;
}

/* ---- the quantity struct ---- */

static u128 mantissa(const k8s_quantity *q)
{
    return (u128){q->mant_hi, q->mant_lo};
}

int k8s_quantity_sign(const k8s_quantity *q)
{
    if (u128_is_zero(mantissa(q)))
        return 0;
    return q->negative ? -1 : 1;
}

/* Stores ±m × 10^exp, trailing zeros of m moved into the exponent so equal
 * values get equal fields. An exponent past INT32_MAX takes zeros back into
 * the mantissa while they fit; false when even that cannot hold it. */
static bool quantity_set(k8s_quantity *q, bool negative, u128 m, int64_t exp,
                         k8s_quantity_fmt format)
{
    if (u128_is_zero(m)) {
        exp = 0;
    } else {
        for (;;) {
            u128 t = m;
            if (u128_divmod(&t, 10))
                break;
            m = t;
            exp++;
        }
    }
    while (exp > INT32_MAX && u128_mul_add(&m, 10, 0))
        exp--;
    if (exp > INT32_MAX || exp < INT32_MIN)
        return false;
    q->mant_hi = m.hi;
    q->mant_lo = m.lo;
    q->scale = (int32_t)exp;
    q->negative = negative && !u128_is_zero(m);
    q->format = format;
    return true;
}

static u128 magnitude_of(int64_t v)
{
    return u128_of(v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

k8s_quantity k8s_quantity_from_scaled(int64_t value, int32_t scale)
{
    k8s_quantity q = {0};
    quantity_set(&q, value < 0, magnitude_of(value), scale, K8S_QUANTITY_DECIMAL_SI);
    return q;
}

k8s_quantity k8s_quantity_from_int(int64_t value, k8s_quantity_fmt format)
{
    k8s_quantity q = k8s_quantity_from_scaled(value, 0);
    q.format = format;
    return q;
}

k8s_quantity k8s_quantity_from_milli(int64_t milli, k8s_quantity_fmt format)
{
    k8s_quantity q = k8s_quantity_from_scaled(milli, -3);
    q.format = format;
    return q;
}

/* ---- parsing ---- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The digits of the number part as one logical string: the integer digits
 * (leading zeros skipped) followed by the fraction digits. */
typedef struct numdigits {
    const char *whole;
    size_t nwhole;
    const char *frac;
    size_t nfrac;
} numdigits;

static unsigned digit_at(const numdigits *d, size_t i)
{
    return (unsigned)((i < d->nwhole ? d->whole[i] : d->frac[i - d->nwhole]) - '0');
}

static size_t ndigits(const numdigits *d)
{
    return d->nwhole + d->nfrac;
}

/* Go's parseQuantityString for the number part: [+-] digits [. digits],
 * where every part may be empty. Returns where the suffix starts. */
static const char *scan_number(const char *p, bool *negative, numdigits *d)
{
    *negative = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    while (*p == '0')
        p++;
    d->whole = p;
    while (is_digit(*p))
        p++;
    d->nwhole = (size_t)(p - d->whole);
    d->frac = p;
    d->nfrac = 0;
    if (*p == '.') {
        d->frac = ++p;
        while (is_digit(*p))
            p++;
        d->nfrac = (size_t)(p - d->frac);
    }
    return p;
}

/* What a suffix multiplies the number by: base^power. */
typedef struct suffix {
    unsigned base; /* 10 or 2 */
    int64_t power;
    k8s_quantity_fmt format;
} suffix;

static const struct {
    const char *text;
    suffix value;
} suffix_table[] = {
    {"", {10, 0, K8S_QUANTITY_DECIMAL_SI}},   {"n", {10, -9, K8S_QUANTITY_DECIMAL_SI}},
    {"u", {10, -6, K8S_QUANTITY_DECIMAL_SI}}, {"m", {10, -3, K8S_QUANTITY_DECIMAL_SI}},
    {"k", {10, 3, K8S_QUANTITY_DECIMAL_SI}},  {"M", {10, 6, K8S_QUANTITY_DECIMAL_SI}},
    {"G", {10, 9, K8S_QUANTITY_DECIMAL_SI}},  {"T", {10, 12, K8S_QUANTITY_DECIMAL_SI}},
    {"P", {10, 15, K8S_QUANTITY_DECIMAL_SI}}, {"E", {10, 18, K8S_QUANTITY_DECIMAL_SI}},
    {"Ki", {2, 10, K8S_QUANTITY_BINARY_SI}},  {"Mi", {2, 20, K8S_QUANTITY_BINARY_SI}},
    {"Gi", {2, 30, K8S_QUANTITY_BINARY_SI}},  {"Ti", {2, 40, K8S_QUANTITY_BINARY_SI}},
    {"Pi", {2, 50, K8S_QUANTITY_BINARY_SI}},  {"Ei", {2, 60, K8S_QUANTITY_BINARY_SI}},
};

/* Go first splits off [eEinumkKMGTP]*[+-]?[0-9]* and only then interprets it;
 * text that does not even have that shape is reported the same way, as an
 * unknown suffix. */
static bool suffix_shape(const char *s)
{
    while (*s && strchr("eEinumkKMGTP", *s))
        s++;
    if (*s == '+' || *s == '-')
        s++;
    while (is_digit(*s))
        s++;
    return *s == '\0';
}

typedef enum { SUFFIX_OK, SUFFIX_UNKNOWN, SUFFIX_RANGE } suffix_result;

static suffix_result interpret_suffix(const char *s, suffix *out)
{
    if (!suffix_shape(s))
        return SUFFIX_UNKNOWN;
    for (size_t i = 0; i < sizeof suffix_table / sizeof suffix_table[0]; i++) {
        if (!strcmp(s, suffix_table[i].text)) {
            *out = suffix_table[i].value;
            return SUFFIX_OK;
        }
    }
    if ((s[0] != 'e' && s[0] != 'E') || !s[1])
        return SUFFIX_UNKNOWN;
    const char *p = s + 1;
    bool negative = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    if (!*p)
        return SUFFIX_UNKNOWN;
    int64_t v = 0;
    for (; *p; p++) {
        if (!is_digit(*p))
            return SUFFIX_UNKNOWN;
        /* Go keeps the exponent in an int32 that it negates, so it takes
         * +-2147483647 and rejects the rest. */
        if (v <= INT32_MAX)
            v = v * 10 + (*p - '0');
    }
    if (v > INT32_MAX)
        return SUFFIX_RANGE;
    *out = (suffix){10, negative ? -v : v, K8S_QUANTITY_DECIMAL_EXPONENT};
    return SUFFIX_OK;
}

/* Index of the first and last non-zero digit; false when all are zero. */
static bool significant(const numdigits *d, size_t *first, size_t *last)
{
    size_t n = ndigits(d), i = 0;
    while (i < n && digit_at(d, i) == 0)
        i++;
    if (i == n)
        return false;
    *first = i;
    size_t j = n - 1;
    while (digit_at(d, j) == 0)
        j--;
    *last = j;
    return true;
}

/* m = digits [from, to] as an integer; false when that exceeds 128 bits. */
static bool accumulate(const numdigits *d, size_t from, size_t to, u128 *m)
{
    *m = u128_of(0);
    for (size_t i = from; i <= to; i++)
        if (!u128_mul_add(m, 10, digit_at(d, i)))
            return false;
    return true;
}

/* A decimal suffix: value = digits × 10^exp10, exact except that a non-zero
 * value finer than 1n is rounded up (away from zero) to the next 1n. Result
 * in *m × 10^*exp. */
static bool value_decimal(const numdigits *d, int64_t exp10, u128 *m, int64_t *exp)
{
    size_t first, last, n = ndigits(d);
    if (!significant(d, &first, &last)) {
        *m = u128_of(0);
        *exp = 0;
        return true;
    }
    /* digit i weighs 10^(e0 - i) */
    int64_t e0 = exp10 - (int64_t)d->nfrac + (int64_t)n - 1;
    if (e0 - (int64_t)last >= -9) {
        *exp = e0 - (int64_t)last;
        return accumulate(d, first, last, m);
    }
    int64_t keep = e0 + 9; /* index of the 10^-9 digit */
    if (keep < (int64_t)first) {
        *m = u128_of(1);
        *exp = -9;
        return true;
    }
    /* Digits past `keep` are dropped and at least one of them is non-zero,
     * so the kept part goes up by one unit: its trailing 9s carry. */
    int64_t j = keep;
    while (j >= (int64_t)first && digit_at(d, (size_t)j) == 9)
        j--;
    if (j < (int64_t)first) {
        *m = u128_of(1);
        *exp = e0 - (int64_t)first + 1;
        return true;
    }
    *exp = e0 - j;
    return accumulate(d, first, (size_t)j, m) && u128_add(m, 1);
}

/* A binary suffix: value = digits × 10^-nfrac × 2^power, rounded up to 1n
 * and capped at 2^63-1 as Go does (*capped). Result in *m × 10^*exp. */
static void value_binary(const numdigits *d, unsigned power, u128 *m, int64_t *exp, bool *capped)
{
    size_t first, last, n = ndigits(d);
    *capped = false;
    *exp = 0;
    *m = u128_of(0);
    if (!significant(d, &first, &last))
        return;
    /* With the leading digit at 10^lead and 10^lead > (2^63-1) >> power,
     * the value is past the cap; below that it is small enough for the
     * exact computation in nano units to fit 128 bits. */
    int64_t lead = (int64_t)(n - 1 - first) - (int64_t)d->nfrac;
    char bound[40];
    if (lead >= (int64_t)u128_digits(u128_of((uint64_t)INT64_MAX >> power), bound)) {
        *capped = true;
        return;
    }
    /* In nano units the value is a whole part (digits weighing 10^-9 or
     * more) and a fraction; only the whole part is multiplied by 2^power
     * directly. The fraction is multiplied digit by digit from the right,
     * which gives its carry into the whole part and whether anything is
     * left below 1n, however many digits it has. The bound above keeps all
     * of this below 10^29, so the unchecked steps cannot overflow. */
    int64_t cut = (int64_t)n - 1 - (int64_t)d->nfrac + 9; /* last whole-part digit */
    u128 whole = u128_of(0);
    for (int64_t i = (int64_t)first; i <= cut && i < (int64_t)n; i++)
        u128_mul_add(&whole, 10, digit_at(d, (size_t)i));
    for (int64_t i = (int64_t)n; i <= cut; i++)
        u128_mul_add(&whole, 10, 0);
    uint64_t carry = 0;
    bool rest = false;
    for (int64_t i = (int64_t)n - 1; i > cut && i >= 0; i--) {
        uint64_t t = ((uint64_t)digit_at(d, (size_t)i) << power) + carry;
        rest |= t % 10 != 0;
        carry = t / 10;
    }
    u128_shl(&whole, power);
    u128_add(&whole, carry + rest);
    u128 limit = u128_of(INT64_MAX);
    u128_mul_add(&limit, 1000000000, 0);
    if (u128_cmp(whole, limit) > 0) {
        *capped = true;
        return;
    }
    *m = whole;
    *exp = -9;
}

k8s_code k8s_quantity_parse(const char *text, k8s_quantity *q, k8s_error *err)
{
    if (!text || !q) {
        return k8s_fail(err, K8S_EINVAL, "missing quantity text or result");
    }
    memset(q, 0, sizeof *q);
    if (!*text)
        return k8s_fail_text(err, K8S_EVALUE, "quantity", text, text, "empty text", NULL, 0);
    bool negative;
    numdigits d;
    const char *sfx = scan_number(text, &negative, &d);
    suffix s;
    switch (interpret_suffix(sfx, &s)) {
    case SUFFIX_UNKNOWN:
        return k8s_fail_text(err, K8S_EVALUE, "quantity", text, sfx, "unknown suffix", sfx, strlen(sfx));
    case SUFFIX_RANGE:
        return k8s_fail_text(err, K8S_EVALUE, "quantity", text, sfx, "exponent out of range", sfx,
                             strlen(sfx));
    case SUFFIX_OK:
        break;
    }
    u128 m;
    int64_t exp;
    k8s_quantity_fmt format = s.format;
    if (s.base == 10) {
        if (!value_decimal(&d, s.power, &m, &exp))
            return k8s_fail_text(err, K8S_ERANGE, "quantity", text, text, "mantissa does not fit 128 bits",
                                 NULL, 0);
    } else {
        bool capped;
        value_binary(&d, (unsigned)s.power, &m, &exp, &capped);
        if (capped) {
            m = u128_of(INT64_MAX);
            exp = 0;
        } else if (!u128_is_zero(m) && u128_cmp(m, u128_of(1000000000)) < 0) {
            /* Go: a binary value between -1 and 1 is kept as DecimalSI */
            format = K8S_QUANTITY_DECIMAL_SI;
        }
    }
    if (!quantity_set(q, negative, m, exp, format)) {
        memset(q, 0, sizeof *q);
        return k8s_fail_text(err, K8S_ERANGE, "quantity", text, sfx, "exponent too large", sfx, strlen(sfx));
    }
    return K8S_OK;
}

/* Go's ParseQuantity remembers the text as the quantity's String() on its
 * fast path (an int64 mantissa), when the text already looks canonical. The
 * conditions below are that path's, step by step. */
bool k8s_quantity_text_kept(const char *text)
{
    k8s_quantity q;
    if (!text || k8s_quantity_parse(text, &q, NULL) != K8S_OK)
        return false;
    if (!strcmp(text, "0"))
        return true;
    bool negative;
    numdigits d;
    suffix s;
    interpret_suffix(scan_number(text, &negative, &d), &s);
    /* Go's digit string: the whole part without leading zeros ("0" when
     * nothing is left), then the fraction */
    size_t nnum = d.nwhole ? d.nwhole : 1;
    char first = d.nwhole ? d.whole[0] : '0';
    if (s.base == 2) {
        /* 1Ki has about 3 decimal digits of precision, 1Mi 6, ... */
        int64_t precision = 15 - (int64_t)nnum - s.power * 3 / 10 - 1;
        if (d.nfrac || precision < 0)
            return false;
        uint64_t value = 0;
        for (size_t i = 0; i < d.nwhole; i++)
            value = value * 10 + (uint64_t)(d.whole[i] - '0');
        /* the value times 2^power must fit an int64; kept unless it is a
         * multiple of 8 */
        return value <= (uint64_t)INT64_MAX >> s.power && (value & 7) != 0;
    }
    int64_t scale = s.power - (int64_t)d.nfrac;
    if (nnum + d.nfrac > 18 || scale < -9 || scale % 3 != 0 || first == '0')
        return false;
    /* not kept when the digits end in "000" (a larger suffix would do) */
    size_t n = ndigits(&d);
    return n < 3 || digit_at(&d, n - 1) || digit_at(&d, n - 2) || digit_at(&d, n - 3);
}

/* ---- integer and double views ---- */

k8s_code k8s_quantity_scaled_value(const k8s_quantity *q, int32_t scale, int64_t *out)
{
    if (!q || !out)
        return K8S_EINVAL;
    u128 m = mantissa(q);
    bool negative = k8s_quantity_sign(q) < 0, fits = true;
    int64_t delta = (int64_t)q->scale - scale;
    if (u128_is_zero(m)) {
        *out = 0;
        return K8S_OK;
    }
    if (delta >= 0) {
        for (int64_t i = 0; i < delta && fits; i++)
            fits = u128_mul_add(&m, 10, 0);
    } else if (delta < -39) {
        m = u128_of(1); /* the mantissa is below 10^39: only the rounding unit is left */
    } else {
        bool rest = false;
        for (int64_t i = 0; i < -delta; i++)
            rest |= u128_divmod(&m, 10) != 0;
        u128_add(&m, rest);
    }
    u128 limit = u128_of(negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX);
    if (!fits || u128_cmp(m, limit) > 0) {
        *out = negative ? INT64_MIN : INT64_MAX;
        return K8S_ERANGE;
    }
    if (!negative)
        *out = (int64_t)m.lo;
    else if (m.lo == (uint64_t)INT64_MAX + 1)
        *out = INT64_MIN;
    else
        *out = -(int64_t)m.lo;
    return K8S_OK;
}

k8s_code k8s_quantity_value(const k8s_quantity *q, int64_t *out)
{
    return k8s_quantity_scaled_value(q, 0, out);
}

k8s_code k8s_quantity_milli_value(const k8s_quantity *q, int64_t *out)
{
    return k8s_quantity_scaled_value(q, -3, out);
}

/* The magnitude as digits × 10^exp, digits without trailing zeros ("0" for
 * zero); exp is wide so that no arithmetic on it wraps. */
typedef struct decview {
    char digits[40];
    size_t len;
    int64_t exp;
} decview;

static void decview_of(const k8s_quantity *q, decview *v)
{
    v->len = u128_digits(mantissa(q), v->digits);
    v->exp = q->scale;
    while (v->len > 1 && v->digits[v->len - 1] == '0') {
        v->digits[--v->len] = '\0';
        v->exp++;
    }
    if (v->digits[0] == '0')
        v->exp = 0;
}

double k8s_quantity_to_double(const k8s_quantity *q)
{
    decview v;
    decview_of(q, &v);
    /* strtod rounds correctly; the text has no radix character, so the
     * locale does not change how it is read. */
    char text[80];
    snprintf(text, sizeof text, "%s%se%" PRId64, k8s_quantity_sign(q) < 0 ? "-" : "", v.digits,
             v.exp);
    int saved = errno;
    double d = strtod(text, NULL);
    errno = saved;
    return d;
}

static int cmp_magnitude(const k8s_quantity *a, const k8s_quantity *b)
{
    decview x, y;
    decview_of(a, &x);
    decview_of(b, &y);
    int64_t top_x = x.exp + (int64_t)x.len, top_y = y.exp + (int64_t)y.len;
    if (top_x != top_y)
        return top_x < top_y ? -1 : 1;
    size_t n = x.len < y.len ? x.len : y.len;
    int c = memcmp(x.digits, y.digits, n);
    if (c)
        return c < 0 ? -1 : 1;
    if (x.len != y.len)
        return x.len < y.len ? -1 : 1;
    return 0;
}

int k8s_quantity_cmp(const k8s_quantity *a, const k8s_quantity *b)
{
    int sa = k8s_quantity_sign(a), sb = k8s_quantity_sign(b);
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (!sa)
        return 0;
    int c = cmp_magnitude(a, b);
    return sa < 0 ? -c : c;
}

/* ---- canonical text (Go's CanonicalizeBytes) ---- */

static const char *const decimal_si[] = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
static const char *const binary_si[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

/* Digits padded with zeros until the exponent is a multiple of 3, then the
 * SI suffix or "e<exp>" (also where DecimalSI has no suffix: newer Go writes
 * 1000E as 1e21 rather than dropping the magnitude). */
static size_t write_decimal(char *out, bool negative, const decview *v, k8s_quantity_fmt format)
{
    int64_t exp = v->exp;
    int64_t pad = ((exp % 3) + 3) % 3;
    exp -= pad;
    size_t w = 0;
    if (negative)
        out[w++] = '-';
    memcpy(out + w, v->digits, v->len);
    w += v->len;
    while (pad--)
        out[w++] = '0';
    out[w] = '\0';
    if (format == K8S_QUANTITY_DECIMAL_SI && exp >= -9 && exp <= 18)
        strcpy(out + w, decimal_si[(exp + 9) / 3]);
    else if (exp != 0)
        snprintf(out + w, 24, "e%" PRId64, exp);
    return strlen(out);
}

/* Whether |value| < 1024, the range Go writes in DecimalSI even for BinarySI. */
static bool below_1024(const decview *v)
{
    int64_t lead = v->exp + (int64_t)v->len - 1;
    if (lead != 3)
        return lead < 3;
    unsigned whole = 0;
    for (size_t i = 0; i < 4; i++)
        whole = whole * 10 + (i < v->len ? (unsigned)(v->digits[i] - '0') : 0);
    return whole < 1024;
}

/* The value as an integer, when it is one and fits 128 bits. */
static bool integer_of(const decview *v, u128 *out)
{
    if (v->exp < 0)
        return false;
    u128 m = u128_of(0);
    for (size_t i = 0; i < v->len; i++)
        if (!u128_mul_add(&m, 10, (uint32_t)(v->digits[i] - '0')))
            return false;
    for (int64_t i = 0; i < v->exp; i++)
        if (!u128_mul_add(&m, 10, 0))
            return false;
    *out = m;
    return true;
}

static size_t canonical(const k8s_quantity *q, char *out)
{
    int sign = k8s_quantity_sign(q);
    if (!sign) {
        strcpy(out, "0");
        return 1;
    }
    decview v;
    decview_of(q, &v);
    k8s_quantity_fmt format = q->format;
    if (format == K8S_QUANTITY_BINARY_SI) {
        u128 whole;
        if (v.exp < 0 || below_1024(&v)) {
            /* Go: keep small values and fractions exact in DecimalSI */
            format = K8S_QUANTITY_DECIMAL_SI;
        } else if (integer_of(&v, &whole)) {
            unsigned power = 0;
            while ((whole.lo & 1023) == 0) {
                u128_divmod(&whole, 1024);
                power++;
            }
            if (power < sizeof binary_si / sizeof binary_si[0]) {
                char digits[40];
                u128_digits(whole, digits);
                return (size_t)sprintf(out, "%s%s%s", sign < 0 ? "-" : "", digits,
                                       binary_si[power]);
            }
            /* past Ei there is no binary suffix: newer Go writes the exact
             * decimal form instead of dropping the magnitude */
            format = K8S_QUANTITY_DECIMAL_EXPONENT;
        } else {
            format = K8S_QUANTITY_DECIMAL_EXPONENT;
        }
    } else if (format != K8S_QUANTITY_DECIMAL_SI) {
        format = K8S_QUANTITY_DECIMAL_EXPONENT;
    }
    return write_decimal(out, sign < 0, &v, format);
}

size_t k8s_quantity_format(const k8s_quantity *q, char *buf, size_t n)
{
    char text[K8S_QUANTITY_TEXT_MAX];
    size_t len = canonical(q, text);
    if (n) {
        size_t c = len < n ? len : n - 1;
        memcpy(buf, text, c);
        buf[c] = '\0';
    }
    return len;
}
