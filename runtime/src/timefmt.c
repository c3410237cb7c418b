/* meta/v1 Time and MicroTime (RFC 3339) and Go durations; see k8s/values.h.
 * Dates go through a days-from-civil computation on the proleptic Gregorian
 * calendar, never through mktime, timegm or TZ, so the process time zone
 * and locale play no part. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "k8s/values.h"

#define NANOS_PER_SECOND 1000000000
#define SECONDS_PER_DAY 86400
/* Days from 0000-03-01, where the counting below starts, to 1970-01-01. */
#define DAYS_0000_03_01_TO_EPOCH 719468
#define DAYS_PER_400_YEARS 146097

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    return (r != 0 && (r < 0) != (b < 0)) ? r + b : r;
}

static size_t copy_out(const char *text, size_t len, char *buf, size_t n)
{
    if (n) {
        size_t c = len < n ? len : n - 1;
        memcpy(buf, text, c);
        buf[c] = '\0';
    }
    return len;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ---- calendar ---- */

static bool is_leap(int64_t year)
{
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

static unsigned days_in_month(int64_t year, unsigned month)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

/* Years are counted from March, so that the leap day ends a year, and in
 * 400-year cycles of 146097 days, which repeat exactly. */
static int64_t days_from_civil(int64_t year, unsigned month, unsigned day)
{
    int64_t y = month <= 2 ? year - 1 : year;
    int64_t cycle = floor_div(y, 400);
    int64_t year_of_cycle = y - cycle * 400;
    unsigned march_month = month > 2 ? month - 3 : month + 9;
    int64_t day_of_year = (153 * march_month + 2) / 5 + day - 1;
    int64_t day_of_cycle =
        year_of_cycle * 365 + year_of_cycle / 4 - year_of_cycle / 100 + day_of_year;
    return cycle * DAYS_PER_400_YEARS + day_of_cycle - DAYS_0000_03_01_TO_EPOCH;
}

static void civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
    days += DAYS_0000_03_01_TO_EPOCH;
    int64_t cycle = floor_div(days, DAYS_PER_400_YEARS);
    int64_t day_of_cycle = days - cycle * DAYS_PER_400_YEARS;
    /* the corrections undo the leap days of 4, 100 and 400 years */
    int64_t year_of_cycle = (day_of_cycle - day_of_cycle / 1460 + day_of_cycle / 36524 -
                             day_of_cycle / (DAYS_PER_400_YEARS - 1)) /
                            365;
    int64_t day_of_year =
        day_of_cycle - (365 * year_of_cycle + year_of_cycle / 4 - year_of_cycle / 100);
    int64_t march_month = (5 * day_of_year + 2) / 153;
    *day = (unsigned)(day_of_year - (153 * march_month + 2) / 5 + 1);
    *month = (unsigned)(march_month < 10 ? march_month + 3 : march_month - 9);
    *year = cycle * 400 + year_of_cycle + (*month <= 2);
}

/* ---- Time ---- */

/* Reads exactly n digits at *p. */
static bool fixed_digits(const char **p, size_t n, unsigned *v)
{
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((*p)[i]))
            return false;
        *v = *v * 10 + (unsigned)((*p)[i] - '0');
    }
    *p += n;
    return true;
}

static bool literal(const char **p, char c)
{
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

typedef struct civil_time {
    unsigned year, month, day, hour, minute, second;
    int32_t nanos;
    bool west; /* a '-' offset */
    unsigned offset_hours, offset_minutes;
} civil_time;

/* The layout 2006-01-02T15:04:05Z07:00 as Go's parser reads it. On failure
 * *p is where the text stops matching. */
static bool scan_rfc3339(const char **p, civil_time *c)
{
    if (!fixed_digits(p, 4, &c->year) || !literal(p, '-') || !fixed_digits(p, 2, &c->month) ||
        !literal(p, '-') || !fixed_digits(p, 2, &c->day) || !literal(p, 'T'))
        return false;
    /* Go reads the hour ("15") with one or two digits */
    if (!fixed_digits(p, is_digit((*p)[0]) && is_digit((*p)[1]) ? 2 : 1, &c->hour) ||
        !literal(p, ':') || !fixed_digits(p, 2, &c->minute) || !literal(p, ':') ||
        !fixed_digits(p, 2, &c->second))
        return false;
    c->nanos = 0;
    if (((*p)[0] == '.' || (*p)[0] == ',') && is_digit((*p)[1])) {
        /* any number of digits; those past the ninth are dropped */
        (*p)++;
        int32_t scale = NANOS_PER_SECOND;
        for (; is_digit(**p); (*p)++) {
            if (scale > 1) {
                scale /= 10;
                c->nanos += (int32_t)(**p - '0') * scale;
            }
        }
    }
    c->west = false;
    c->offset_hours = c->offset_minutes = 0;
    if (literal(p, 'Z'))
        return true;
    c->west = **p == '-';
    if (!literal(p, '+') && !literal(p, '-'))
        return false;
    return fixed_digits(p, 2, &c->offset_hours) && literal(p, ':') &&
           fixed_digits(p, 2, &c->offset_minutes);
}

static const char *civil_range_error(const civil_time *c)
{
    if (c->month < 1 || c->month > 12)
        return "month out of range";
    if (c->day < 1 || c->day > days_in_month(c->year, c->month))
        return "day out of range";
    if (c->hour > 23)
        return "hour out of range";
    if (c->minute > 59)
        return "minute out of range";
    if (c->second > 59)
        return "second out of range";
    /* Go's general parser allows 24 and 60 here and its fast path does not;
     * time.Parse takes what either of them accepts. */
    if (c->offset_hours > 24 || c->offset_minutes > 60)
        return "time zone offset out of range";
    return NULL;
}

k8s_code k8s_time_parse(const char *text, k8s_time *t, k8s_error *err)
{
    if (!text || !t) {
        return k8s_fail(err, K8S_EINVAL, "missing time text or result");
    }
    memset(t, 0, sizeof *t);
    const char *p = text;
    civil_time c;
    if (!scan_rfc3339(&p, &c))
        return k8s_fail_text(err, K8S_EVALUE, "time", text, p,
                             "does not match RFC 3339 2006-01-02T15:04:05Z07:00", NULL, 0);
    if (*p)
        return k8s_fail_text(err, K8S_EVALUE, "time", text, p, "extra text", p, strlen(p));
    const char *range = civil_range_error(&c);
    if (range)
        return k8s_fail_text(err, K8S_EVALUE, "time", text, text, range, NULL, 0);
    int64_t days = days_from_civil(c.year, c.month, c.day);
    int64_t offset = (int64_t)(c.offset_hours * 60 + c.offset_minutes) * 60;
    t->seconds = days * SECONDS_PER_DAY + c.hour * 3600 + c.minute * 60 + c.second +
                 (c.west ? offset : -offset);
    t->nanos = c.nanos;
    return K8S_OK;
}

/* Writes the date and time of t (UTC) as Go's RFC 3339 layout does, with
 * `digits` fraction digits (0 = none). */
static size_t format_time(const k8s_time *t, int digits, char *buf, size_t n)
{
    int64_t seconds = t->seconds, nanos = t->nanos;
    if (nanos < 0 || nanos >= NANOS_PER_SECOND) {
        int64_t carry = floor_div(nanos, NANOS_PER_SECOND);
        nanos = floor_mod(nanos, NANOS_PER_SECOND);
        if ((carry > 0 && seconds <= INT64_MAX - carry) ||
            (carry < 0 && seconds >= INT64_MIN - carry))
            seconds += carry;
    }
    int64_t days = floor_div(seconds, SECONDS_PER_DAY);
    int64_t of_day = floor_mod(seconds, SECONDS_PER_DAY);
    int64_t year;
    unsigned month, day;
    civil_from_days(days, &year, &month, &day);
    char text[K8S_TIME_TEXT_MAX], fraction[16] = "";
    if (digits) {
        int64_t unit = 1;
        for (int i = digits; i < 9; i++)
            unit *= 10;
        snprintf(fraction, sizeof fraction, ".%0*" PRId64, digits, nanos / unit);
    }
    /* Go writes a year with at least four digits and a '-' when negative */
    int len = snprintf(text, sizeof text, "%s%04" PRId64 "-%02u-%02uT%02d:%02d:%02d%sZ",
                       year < 0 ? "-" : "", year < 0 ? -year : year, month, day,
                       (int)(of_day / 3600), (int)(of_day / 60 % 60), (int)(of_day % 60),
                       fraction);
    return copy_out(text, len < 0 ? 0 : (size_t)len, buf, n);
}

size_t k8s_time_format(const k8s_time *t, char *buf, size_t n)
{
    return format_time(t, 0, buf, n);
}

size_t k8s_microtime_format(const k8s_time *t, char *buf, size_t n)
{
    return format_time(t, 6, buf, n);
}

k8s_code k8s_time_now(k8s_time *t)
{
    struct timespec ts;
    if (timespec_get(&ts, TIME_UTC) != TIME_UTC)
        return K8S_EIO;
    t->seconds = (int64_t)ts.tv_sec;
    t->nanos = (int32_t)ts.tv_nsec;
    return K8S_OK;
}

/* ---- Duration ---- */

#define DURATION_LIMIT ((uint64_t)1 << 63) /* |INT64_MIN| */

static const struct {
    const char *name;
    uint64_t nanos;
} duration_units[] = {
    {"ns", 1},
    {"us", 1000},
    {"\xC2\xB5s", 1000}, /* U+00B5 MICRO SIGN */
    {"\xCE\xBCs", 1000}, /* U+03BC GREEK SMALL LETTER MU */
    {"ms", 1000000},
    {"s", 1000000000},
    {"m", 60 * (uint64_t)1000000000},
    {"h", 3600 * (uint64_t)1000000000},
};

static uint64_t unit_nanos(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof duration_units / sizeof duration_units[0]; i++)
        if (strlen(duration_units[i].name) == len && !memcmp(duration_units[i].name, name, len))
            return duration_units[i].nanos;
    return 0;
}

/* Go's leadingInt: [0-9]*, false past 2^63. */
static bool leading_int(const char **p, uint64_t *v)
{
    *v = 0;
    for (; is_digit(**p); (*p)++) {
        if (*v > DURATION_LIMIT / 10)
            return false;
        *v = *v * 10 + (uint64_t)(**p - '0');
        if (*v > DURATION_LIMIT)
            return false;
    }
    return true;
}

/* Go's leadingFraction: [0-9]* as f / scale, keeping only the digits that
 * fit; scale is a double because Go computes the fraction through one. */
static void leading_fraction(const char **p, uint64_t *f, double *scale)
{
    bool full = false;
    *f = 0;
    *scale = 1;
    for (; is_digit(**p); (*p)++) {
        if (full)
            continue;
        if (*f > (DURATION_LIMIT - 1) / 10) {
            full = true;
            continue;
        }
        uint64_t next = *f * 10 + (uint64_t)(**p - '0');
        if (next > DURATION_LIMIT) {
            full = true;
            continue;
        }
        *f = next;
        *scale *= 10;
    }
}

static k8s_code duration_fail(k8s_error *err, k8s_code code, const char *text, const char *at,
                              const char *problem)
{
    return k8s_fail_text(err, code, "duration", text, at, problem, NULL, 0);
}

k8s_code k8s_duration_parse(const char *text, int64_t *nanos, k8s_error *err)
{
    if (!text || !nanos) {
        return k8s_fail(err, K8S_EINVAL, "missing duration text or result");
    }
    *nanos = 0;
    const char *p = text;
    bool negative = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    if (!strcmp(p, "0"))
        return K8S_OK;
    if (!*p)
        return duration_fail(err, K8S_EVALUE, text, p, "invalid duration");
    uint64_t total = 0;
    while (*p) {
        const char *start = p;
        if (*p != '.' && !is_digit(*p))
            return duration_fail(err, K8S_EVALUE, text, p, "invalid duration");
        uint64_t v, f = 0;
        double scale = 1;
        if (!leading_int(&p, &v))
            return duration_fail(err, K8S_ERANGE, text, start, "out of range");
        bool digits = p != start;
        if (*p == '.') {
            const char *frac = ++p;
            leading_fraction(&p, &f, &scale);
            digits |= p != frac;
        }
        if (!digits)
            return duration_fail(err, K8S_EVALUE, text, start, "invalid duration");
        const char *unit = p;
        while (*p && *p != '.' && !is_digit(*p))
            p++;
        if (p == unit)
            return duration_fail(err, K8S_EVALUE, text, unit, "missing unit");
        uint64_t per = unit_nanos(unit, (size_t)(p - unit));
        if (!per)
            return k8s_fail_text(err, K8S_EVALUE, "duration", text, unit, "unknown unit", unit,
                                 (size_t)(p - unit));
        if (v > DURATION_LIMIT / per)
            return duration_fail(err, K8S_ERANGE, text, start, "out of range");
        v *= per;
        if (f > 0) {
            /* the same double arithmetic as Go, so the result is the same */
            v += (uint64_t)((double)f * ((double)per / scale));
            if (v > DURATION_LIMIT)
                return duration_fail(err, K8S_ERANGE, text, start, "out of range");
        }
        if (v > DURATION_LIMIT - total)
            return duration_fail(err, K8S_ERANGE, text, start, "out of range");
        total += v;
    }
    if (negative)
        *nanos = total == DURATION_LIMIT ? INT64_MIN : -(int64_t)total;
    else if (total > (uint64_t)INT64_MAX)
        return duration_fail(err, K8S_ERANGE, text, text, "out of range");
    else
        *nanos = (int64_t)total;
    return K8S_OK;
}

/* Writes the last `prec` digits of v as a fraction before *w, without
 * trailing zeros (and without the point when all are zero), as Go's fmtFrac;
 * returns v / 10^prec. */
static uint64_t put_fraction(char *buf, size_t *w, uint64_t v, int prec)
{
    bool print = false;
    for (int i = 0; i < prec; i++) {
        unsigned digit = (unsigned)(v % 10);
        print = print || digit != 0;
        if (print)
            buf[--*w] = (char)('0' + digit);
        v /= 10;
    }
    if (print)
        buf[--*w] = '.';
    return v;
}

static void put_int(char *buf, size_t *w, uint64_t v)
{
    do {
        buf[--*w] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
}

static void put_str(char *buf, size_t *w, const char *s)
{
    size_t len = strlen(s);
    *w -= len;
    memcpy(buf + *w, s, len);
}

size_t k8s_duration_format(int64_t nanos, char *buf, size_t n)
{
    /* filled from the end, as Go does; the longest is -2562047h47m16.854775808s */
    char text[K8S_DURATION_TEXT_MAX];
    size_t w = sizeof text;
    uint64_t u = nanos < 0 ? 0 - (uint64_t)nanos : (uint64_t)nanos;
    text[--w] = '\0';
    if (u < NANOS_PER_SECOND) {
        /* below a second the unit shrinks instead: 1.2ms, 3µs, 5ns */
        int prec;
        if (u == 0) {
            put_str(text, &w, "0s");
            return copy_out(text + w, sizeof text - 1 - w, buf, n);
        } else if (u < 1000) {
            prec = 0;
            put_str(text, &w, "ns");
        } else if (u < 1000000) {
            prec = 3;
            put_str(text, &w, "\xC2\xB5s");
        } else {
            prec = 6;
            put_str(text, &w, "ms");
        }
        u = put_fraction(text, &w, u, prec);
        put_int(text, &w, u);
    } else {
        put_str(text, &w, "s");
        u = put_fraction(text, &w, u, 9);
        put_int(text, &w, u % 60);
        u /= 60;
        if (u > 0) {
            put_str(text, &w, "m");
            put_int(text, &w, u % 60);
            u /= 60;
            /* hours are the largest unit: days vary in length */
            if (u > 0) {
                put_str(text, &w, "h");
                put_int(text, &w, u);
            }
        }
    }
    if (nanos < 0)
        text[--w] = '-';
    return copy_out(text + w, sizeof text - 1 - w, buf, n);
}
