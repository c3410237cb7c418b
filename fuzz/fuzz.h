/* What the harnesses share: invariant checks that abort (a crash to
 * libFuzzer, a failed test to the replay), the entry points, and a reader
 * of the control bytes that lead an input. */
#ifndef K8S_FUZZ_H
#define K8S_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

__attribute__((noreturn, format(printf, 3, 4))) static inline void
fuzz_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%d: invariant broken: ", file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* FUZZ_CHECK(cond, "format", ...): a broken invariant is a finding. */
#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fuzz_fail(__FILE__, __LINE__, __VA_ARGS__);                                            \
    } while (0)

/* A NUL-terminated copy of the payload, for APIs that take C strings
 * (they see it up to its first NUL); free() it. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    FUZZ_CHECK(text, "out of memory");
    for (size_t i = 0; i < size; i++)
        text[i] = (char)data[i];
    text[size] = '\0';
    return text;
}

/* Control bytes in front of the payload; missing ones read as 0. */
typedef struct fuzz_input {
    const uint8_t *data;
    size_t size;
} fuzz_input;

static inline unsigned fuzz_byte(fuzz_input *in)
{
    if (!in->size)
        return 0;
    in->size--;
    return *in->data++;
}

static inline unsigned fuzz_u16(fuzz_input *in)
{
    unsigned hi = fuzz_byte(in);
    return hi << 8 | fuzz_byte(in);
}

/* Piece sizes for feeding a stream in chunks, from a seed: mostly a few
 * bytes, sometimes up to 4 KiB, so boundaries fall everywhere. */
static inline size_t fuzz_chunk(uint32_t *state, size_t left)
{
    uint32_t x = *state ? *state : 0x9E3779B9u; /* xorshift32 */
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    size_t n = (x & 3) ? 1 + (x >> 8) % 16 : 1 + (x >> 8) % 4096;
    return n < left ? n : left;
}

#endif
