/* Helpers for the text-valued scalar types: resource.Quantity, meta/v1 Time
 * and MicroTime, and Go durations.
 *
 * Generated structs keep Quantity, Time and MicroTime fields as their exact
 * text (`char *`), so a round trip never changes them. These functions turn
 * such text into numbers and back, following the Go code that the API server
 * runs (k8s.io/apimachinery/pkg/api/resource and Go's time package).
 *
 * Conventions:
 *   - Parse functions return K8S_OK, K8S_EVALUE for text Go rejects (the
 *     message quotes it), K8S_ERANGE for valid text whose value does not fit
 *     the C type, or K8S_EINVAL for NULL arguments; err may be NULL. On
 *     failure the output is left zeroed.
 *   - Format functions write a NUL-terminated text, truncated to n bytes (n
 *     may be 0 and buf NULL), and return the length of the full text, like
 *     snprintf. The *_TEXT_MAX sizes always suffice.
 *   - Nothing here allocates, reads the locale or the process time zone, or
 *     keeps state: every function is thread-safe.
 */
#ifndef K8S_VALUES_H
#define K8S_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- resource.Quantity ------------------------------------------------ */

/* How a quantity is written (Go's Format). The text "1Gi" parses as BINARY_SI,
 * "1G" and "100m" as DECIMAL_SI, "1e9" as DECIMAL_EXPONENT; formatting keeps
 * that kind of suffix. Values outside the enum format as DECIMAL_EXPONENT, as
 * Go does with an unknown Format. */
typedef enum k8s_quantity_fmt {
    K8S_QUANTITY_DECIMAL_SI = 0, /* n u m "" k M G T P E */
    K8S_QUANTITY_BINARY_SI,      /* Ki Mi Gi Ti Pi Ei */
    K8S_QUANTITY_DECIMAL_EXPONENT /* e<n> */
} k8s_quantity_fmt;

/* An exact quantity: value = (negative ? -1 : 1) * mantissa * 10^scale, where
 * mantissa = mant_hi * 2^64 + mant_lo.
 *
 * The 128-bit mantissa holds every value that Go keeps in its int64Amount
 * form (an int64 times a power of ten, binary suffixes included: 1Ei = 2^60,
 * "8Ei" caps at 2^63-1), and also what Go can only keep in its inf.Dec
 * fallback as long as its mantissa fits 128 bits (any value of up to 38
 * significant digits): 2^64, "9223372036854775807.1", or "9.5000000001Gi"
 * (10200547328107374183n). A quantity text whose mantissa, after Go's
 * rounding to 1n, needs more than 128 bits is K8S_ERANGE; so is one whose
 * exponent cannot be held in `scale`.
 *
 * Parsing and the constructors move trailing zeros of the mantissa into the
 * scale, so equal values give equal fields (except at the edge scale
 * INT32_MAX). A zero-filled struct is 0 in DECIMAL_SI. Read values through the
 * functions below; the fields are public so quantities can live on the stack
 * and be copied with `=`. */
typedef struct k8s_quantity {
    uint64_t mant_lo;
    uint64_t mant_hi;
    int32_t scale;
    bool negative; /* ignored when the mantissa is 0 */
    k8s_quantity_fmt format;
} k8s_quantity;

/* Enough for any text k8s_quantity_format() writes. */
#define K8S_QUANTITY_TEXT_MAX 64

/* Go's ParseQuantity: an optional sign, digits with an optional decimal
 * point, then a suffix (binary Ki..Ei, decimal n u m k M G T P E, or a
 * decimal exponent e/E with an optional sign). Go's rules, including its
 * oddities, are kept:
 *   - the value is exact, except that a non-zero value finer than 1n is
 *     rounded away from zero to the next 1n ("0.9n" is 1n, "-1.0000000001"
 *     is -1000000001n);
 *   - a binary-suffixed value is capped at 2^63-1 in magnitude ("9Ei");
 *   - a binary-suffixed value between -1 and 1 (not 0) becomes DECIMAL_SI;
 *   - "" is rejected, but a number without digits reads as 0: "+", ".",
 *     "-." and a bare suffix such as "Ki" parse as 0, as they do in Go;
 *   - no white space is allowed, and a decimal exponent must lie within
 *     +-2147483647 (newer Go rejects the rest instead of truncating it).
 * K8S_EVALUE names the part that is wrong ("quantity \"12Zi\": unknown
 * suffix \"Zi\""); err->offset is where that part starts. */
k8s_code k8s_quantity_parse(const char *text, k8s_quantity *q, k8s_error *err);

/* Go's canonical String(), the way Go writes a quantity it computed: no
 * fractional digits, the largest suffix that keeps the value exact, an
 * exponent that is a multiple of 3: "1500M" -> "1500M", "0.5" -> "500m",
 * "1.5Gi" -> "1536Mi", "1024Mi" -> "1Gi", "1.5Ki" -> "1536". BINARY_SI values
 * between -1024 and 1024, or with a fraction, are written in DECIMAL_SI
 * ("0.5Ki" -> "512", 0.5 -> "500m"). Values past the largest suffix fall back
 * to exponent form ("1000E" -> "1e21", 2^70 in BINARY_SI -> its digits), as
 * newer Go does instead of dropping the suffix. (Unlike Go, a BINARY_SI
 * integer of 2^128 or more, which only a struct filled by hand can hold, is
 * always written in exponent form.)
 *
 * Note: Go's String() on a Quantity fresh from ParseQuantity may echo the
 * input ("1.441", "+1"); Kubernetes stores whichever it got (see
 * k8s_quantity_text_kept). A generated struct keeps the original text anyway,
 * so send that text unless you changed the value. */
size_t k8s_quantity_format(const k8s_quantity *q, char *buf, size_t n);

/* Whether Kubernetes keeps text as it is when it reads it as a quantity:
 * Go's ParseQuantity remembers the text as the quantity's String() when it
 * has at most 18 digits, an exponent (suffix power minus fraction digits)
 * that is a multiple of 3 and at least -9, a non-zero integer part, and no
 * "000" at the end of its digits (a binary suffix: no fraction, few digits,
 * and a number that is not a multiple of 8). The API server then stores
 * and returns that text ("2", "1.441", "+1", "1e+3", "100m", "1Ki");
 * otherwise it stores k8s_quantity_format()'s canonical text ("0.5" ->
 * "500m", "1000" -> "1k", "1.5e3" -> "1500", "1.0" -> "1", "1024Ki" -> "1Mi").
 * "0" is kept; text that does not parse is not. This is how a JSON number
 * in a Quantity field is read (k8s/codec.h). */
bool k8s_quantity_text_kept(const char *text);

/* q / 10^scale rounded away from zero to an integer (Go's ScaledValue:
 * "1500m" at scale 0 is 2, "-1500m" is -2). Where Go silently overflows this
 * returns K8S_ERANGE and stores INT64_MAX or INT64_MIN (by the sign of q);
 * otherwise K8S_OK. */
k8s_code k8s_quantity_scaled_value(const k8s_quantity *q, int32_t scale, int64_t *out);
/* Value(): scaled_value at scale 0. */
k8s_code k8s_quantity_value(const k8s_quantity *q, int64_t *out);
/* MilliValue(): scaled_value at scale -3. */
k8s_code k8s_quantity_milli_value(const k8s_quantity *q, int64_t *out);

/* The double nearest to the value (+-HUGE_VAL beyond the double range, as
 * Go's AsApproximateFloat64 gives +-Inf). Correctly rounded, like Go's
 * AsFloat64Slow; AsApproximateFloat64 can differ from it in the last bit. */
double k8s_quantity_to_double(const k8s_quantity *q);

/* -1, 0 or 1 as a < b, a == b, a > b (Go's Cmp); the format plays no part. */
int k8s_quantity_cmp(const k8s_quantity *a, const k8s_quantity *b);
/* -1, 0 or 1 by the sign of the value. */
int k8s_quantity_sign(const k8s_quantity *q);

/* Go's NewQuantity(value, format): an integer. */
k8s_quantity k8s_quantity_from_int(int64_t value, k8s_quantity_fmt format);
/* Go's NewMilliQuantity(milli, format): milli / 1000. */
k8s_quantity k8s_quantity_from_milli(int64_t milli, k8s_quantity_fmt format);
/* Go's NewScaledQuantity(value, scale): value * 10^scale in DECIMAL_SI. */
k8s_quantity k8s_quantity_from_scaled(int64_t value, int32_t scale);

/* ---- meta/v1 Time and MicroTime --------------------------------------- */

/* An instant as Unix time in UTC: seconds since 1970-01-01T00:00:00Z plus
 * nanos in [0, 999999999] (so 1969-12-31T23:59:59.5Z is {-1, 500000000}). */
typedef struct k8s_time {
    int64_t seconds;
    int32_t nanos;
} k8s_time;

/* Enough for any text the time format functions write. */
#define K8S_TIME_TEXT_MAX 40

/* RFC 3339 as Go's time.Parse(time.RFC3339, ...) reads it, which is how
 * Time and MicroTime values are decoded: "2006-01-02T15:04:05Z",
 * "2006-01-02T15:04:05.999999999+07:00". Year 0000-9999, month 01-12, day
 * 01 up to the month's length (leap years counted), hour 00-23, minute and
 * second 00-59 (no leap second 60; Go rejects it too). Like Go it also
 * accepts a one-digit hour, ',' before the fraction, a fraction of any
 * length (digits past the ninth are dropped, not rounded), and offsets up to
 * +-24:60; it rejects 'z', 't', spaces and anything after the offset. (Go
 * reads MicroTime with exactly 6 fraction digits; this accepts the wider
 * form.) The offset is applied, so t is UTC. */
k8s_code k8s_time_parse(const char *text, k8s_time *t, k8s_error *err);

/* What Time marshals to: UTC, whole seconds (the fraction is dropped, not
 * rounded), "2006-01-02T15:04:05Z". Years outside 0000-9999 are written as
 * Go writes them ("-0001", "10000"), though Go cannot parse them back. */
size_t k8s_time_format(const k8s_time *t, char *buf, size_t n);

/* What MicroTime marshals to: "2006-01-02T15:04:05.000000Z", the fraction
 * truncated to microseconds. */
size_t k8s_microtime_format(const k8s_time *t, char *buf, size_t n);

/* The current time (the C11 TIME_UTC clock, which is CLOCK_REALTIME on
 * POSIX systems). K8S_EIO if the clock cannot be read. */
k8s_code k8s_time_now(k8s_time *t);

/* ---- Go time.Duration --------------------------------------------------- */

/* Enough for any text k8s_duration_format() writes. */
#define K8S_DURATION_TEXT_MAX 32

/* Go's time.ParseDuration: an optional sign, then one or more
 * <number><unit> with units ns, us, "\xC2\xB5s" (U+00B5), "\xCE\xBCs" (U+03BC),
 * ms, s, m, h and numbers that may have a fraction ("1h30m", "1.5s", "-2m3.4s", ".5h"); "0"
 * alone needs no unit. Fractions are converted the way Go does it (through
 * a double), so results match Go to the nanosecond. A value beyond the int64
 * range of nanoseconds is K8S_ERANGE. */
k8s_code k8s_duration_parse(const char *text, int64_t *nanos, k8s_error *err);

/* Go's Duration.String(): "1h30m0s", "1.5s", "0s", "-2m3.4s", "1\xC2\xB5s", "2ns". */
size_t k8s_duration_format(int64_t nanos, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
