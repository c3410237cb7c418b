/* Private helpers shared by the runtime's modules. Not installed. */
#ifndef K8S_INTERNAL_H
#define K8S_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "k8s/arena.h"
#include "k8s/buf.h"
#include "k8s/codec.h"
#include "k8s/error.h"
#include "k8s/types.h"

#if defined(__GNUC__)
#define K8S_LIKELY(x) __builtin_expect(!!(x), 1)
#define K8S_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define K8S_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define K8S_LIKELY(x) (x)
#define K8S_UNLIKELY(x) (x)
#define K8S_PRINTF(a, b)
#endif

/* A short string shared in a large arena (k8s_arena_share): its bytes,
 * zero-padded (unique, as text has no NUL), and its one copy. */
typedef struct k8s_shared_text {
    uint64_t key[2];
    char *text;
} k8s_shared_text;

#define K8S_SHARE_SLOT_BITS 10 /* 1,024 slots, direct-mapped: a collision only loses a share */

/* The free bytes of an arena's newest block: the first member of every
 * k8s_arena (arena.c), so text is allocated inline, without a call. */
typedef struct k8s_arena_bump {
    char *cur; /* next free byte */
    char *end;
    bool share;              /* large: equal short strings may share a copy */
    k8s_shared_text *shared; /* their table, made on first use */
} k8s_arena_bump;

static inline k8s_arena_bump *k8s_arena_bump_of(k8s_arena *a)
{
    return (k8s_arena_bump *)(void *)a;
}

void *k8s_arena_grow_bytes(k8s_arena *a, size_t n);
/* The arena's next block, when it needs one, holds at least n bytes: a
 * decode that knows its input's size gets one block instead of a chain
 * doubling up to it. */
void k8s_arena_expect(k8s_arena *a, size_t n);

/* k8s_arena_alloc without the zeroing, for memory about to be copied over. */
void *k8s_arena_alloc_uninit(k8s_arena *a, size_t size);

/* Unaligned, uninitialised arena memory for text. */
static inline void *k8s_arena_alloc_bytes(k8s_arena *a, size_t n)
{
    k8s_arena_bump *b = k8s_arena_bump_of(a);
    if ((size_t)(b->end - b->cur) >= n) {
        void *p = b->cur;
        b->cur += n;
        return p;
    }
    return k8s_arena_grow_bytes(a, n);
}

/* s[0..n) (no NUL inside) as a NUL-terminated copy, which in a large arena
 * (bump.share) may be shared with an equal string of up to 15 bytes copied
 * before: for decoded text, which users replace rather than edit in place.
 * NULL: out of memory. */
char *k8s_arena_share(k8s_arena *a, const char *s, size_t n);
/* The table's slot for a key (the string's bytes, zero-padded). */
static inline k8s_shared_text *k8s_shared_slot(k8s_shared_text *table, const uint64_t key[2])
{
    uint64_t h = (key[0] ^ (key[1] * 0xff51afd7ed558ccdULL)) * 0x9e3779b97f4a7c15ULL;
    return &table[h >> (64 - K8S_SHARE_SLOT_BITS)];
}

/* For n < 16 with its key: the copy the table holds, looked up inline,
 * else k8s_arena_share_miss's (arena.c), which makes one and keeps it. */
char *k8s_arena_share_miss(k8s_arena *a, const uint64_t key[2], const char *s, size_t n);

static inline char *k8s_arena_share_inline(k8s_arena *a, const uint64_t key[2], const char *s, size_t n)
{
    k8s_shared_text *table = k8s_arena_bump_of(a)->shared;
    if (table) {
        k8s_shared_text *slot = k8s_shared_slot(table, key);
        if (slot->text && slot->key[0] == key[0] && slot->key[1] == key[1])
            return slot->text;
    }
    return k8s_arena_share_miss(a, key, s, n);
}

/* Hands malloc'ed memory (size bytes) to the arena, which frees it with
 * free() when it is freed or reset: a received body becomes a result
 * without a copy. Returns mem, or NULL (out of memory: mem stays the
 * caller's). */
void *k8s_arena_adopt(k8s_arena *a, void *mem, size_t size);

/* One step of a JSON path, kept on the C stack while descending. */
typedef struct k8s_path {
    const struct k8s_path *up;
    const char *name; /* field name or map key; NULL for an array index */
    size_t len;
    size_t index;
} k8s_path;

/* Renders the path root-first ("spec.containers[2].image") into out. */
void k8s_path_format(const k8s_path *p, char *out, size_t n);
/* One step of it, as snprintf does: ".name" ("name" first), "[\"odd key\"]"
 * (keys cut at 120 bytes) or "[index]" when name is NULL. */
#define K8S_PATH_SEGMENT_MAX 160
int k8s_path_segment(char *out, size_t n, const char *name, size_t len, size_t index, bool root);

/* Fills err (when non-NULL): code, path, message, and offset/line/column
 * of `at` within [start, ...) when start is non-NULL. */
void k8s_error_set(k8s_error *err, k8s_code code, const k8s_path *path, const char *start,
                   const char *at, const char *fmt, ...) K8S_PRINTF(6, 7);
void k8s_error_setv(k8s_error *err, k8s_code code, const k8s_path *path, const char *start,
                    const char *at, const char *fmt, va_list ap) K8S_PRINTF(6, 0);
/* The one way to fail with a message: fills err (when non-NULL) with code
 * and the message, and returns code, so `return k8s_fail(err, ...)`. */
k8s_code k8s_fail(k8s_error *err, k8s_code code, const char *fmt, ...) K8S_PRINTF(3, 4);
/* A value written as text that is wrong: `<what> "<text>": <problem>`,
 * then ` "<part>"` when part is not NULL (long texts and parts cut to
 * their start), with err->offset at `at`. Returns code. */
k8s_code k8s_fail_text(k8s_error *err, k8s_code code, const char *what, const char *text, const char *at,
                       const char *problem, const char *part, size_t part_len);
/* k8s_fail about a file: err->path names it (when not NULL). */
k8s_code k8s_fail_in(k8s_error *err, const char *file, k8s_code code, const char *fmt, ...) K8S_PRINTF(4, 5);
/* Names the file an error is about in err->path; a name too long keeps its
 * end, the informative part. */
void k8s_error_in_file(k8s_error *err, const char *file);
/* Sets only the offset, line and column of `at` within text from start. */
void k8s_error_at(k8s_error *err, const char *start, const char *at);
/* The same, counting on from where tp was last (when that is not past at),
 * so positions asked for in text order cost one pass in all. Start with
 * {NULL}. */
typedef struct k8s_text_pos {
    const char *at;
    unsigned line, column;
} k8s_text_pos;
void k8s_text_pos_at(k8s_text_pos *tp, const char *start, const char *at, k8s_error *err);

/* Size of one element of a field's kind (arrays, map values). */
size_t k8s_kind_size(const k8s_field *f);
/* Whether a field is present in the struct at base. Inline: the encoder
 * asks it of every field of every object it writes. */
static inline bool k8s_field_present(const k8s_field *f, const char *base)
{
    const char *v = base + f->offset;
    if (f->flags & K8S_FIELD_HAS)
        return *(const bool *)(base + f->aux);
    if ((f->flags & K8S_FIELD_ARRAY) || f->kind == K8S_KIND_MAP)
        return *(void *const *)v != NULL;
    switch (f->kind) {
    case K8S_KIND_BYTES:
        return ((const k8s_bytes *)v)->data != NULL;
    case K8S_KIND_UNION:
        for (uint16_t i = 0; i < f->type->nfields; i++)
            if (k8s_field_present(&f->type->fields[i], v))
                return true;
        return false;
    case K8S_KIND_OBJECT:
        if (f->flags & K8S_FIELD_INLINE)
            return true;
        return *(void *const *)v != NULL;
    case K8S_KIND_BOOL:
    case K8S_KIND_INT32:
    case K8S_KIND_INT64:
    case K8S_KIND_DOUBLE:
        return true; /* a map value or array element: always there */
    default:
        return *(void *const *)v != NULL;
    }
}

/* Whether a K8S_FIELD_NULLABLE field is an explicit null in the struct at base. */
static inline bool k8s_field_null(const k8s_field *f, const char *base)
{
    return (f->flags & K8S_FIELD_NULLABLE) && *(const bool *)(base + f->null_at);
}

/* Length of a valid UTF-8 sequence at p (1..4), or 0 when invalid. */
size_t k8s_utf8_seq(const unsigned char *p, const unsigned char *end);

/* Whether any of the 8 bytes at p needs a look inside a JSON string: '"',
 * '\\', a control character or a non-ASCII byte. Lets string scanners skip
 * plain text a word at a time. */
static inline bool k8s_word_needs_care(const unsigned char *p)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    uint64_t x;
    memcpy(&x, p, 8);
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
    /* (v - ones) & ~v has the high bit set in each byte of v that is zero */
    uint64_t t = ((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x) | x;
    return (t & high) != 0;
}

/* The number of plain bytes from p on, before end: bytes a JSON string
 * holds as they are (not '"', '\\', a control character or non-ASCII).
 * Portable: a word at a time, then byte by byte. */
static inline size_t k8s_plain_run_portable(const char *p, const char *end)
{
    const char *s = p;
    while (end - s >= 8 && !k8s_word_needs_care((const unsigned char *)s))
        s += 8;
    for (; s < end; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
            break;
    }
    return (size_t)(s - p);
}

/* The same, 16 bytes at a time where SSE2 is (every x86-64); the last
 * bytes before end, fewer than 16, go the portable way, so nothing past end
 * is read. */
static inline size_t k8s_plain_run(const char *p, const char *end)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    const char *s = p;
    while (end - s >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
        /* signed: control characters and non-ASCII bytes (negative) are both below ' ' */
        __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                    _mm_cmplt_epi8(v, space));
        unsigned mask = (unsigned)_mm_movemask_epi8(stop);
        if (mask)
            return (size_t)(s - p) + (size_t)__builtin_ctz(mask);
        s += 16;
    }
    return (size_t)(s - p) + k8s_plain_run_portable(s, end);
#else
    return k8s_plain_run_portable(p, end);
#endif
}

/* Whether the n bytes at a and b are equal: for names, short enough that a
 * call to memcmp costs more than the compare. */
static inline bool k8s_same_bytes(const char *a, const char *b, size_t n)
{
    if (n >= 8) {
        uint64_t x, y;
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (x != y)
                return false;
        }
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    if (n >= 4) {
        uint32_t x, y, u, v;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        memcpy(&u, a + n - 4, 4);
        memcpy(&v, b + n - 4, 4);
        return ((x ^ y) | (u ^ v)) == 0;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* base64 (standard alphabet, padded), as Go's encoding/json writes []byte. */
size_t k8s_base64_encoded_len(size_t n);
void k8s_base64_encode(const uint8_t *in, size_t n, char *out);
/* Decodes into out (room for n*3/4 bytes); ignores \r and \n as Go does.
 * Returns false on anything else that is not valid padded base64. */
bool k8s_base64_decode(const char *in, size_t n, uint8_t *out, size_t *out_len);

/* Appends s as a JSON string (quoted, escaped; s must be UTF-8). */
k8s_code k8s_json_quote(k8s_buf *b, const char *s);

/* k8s_json_peek_kind with decode options (opts may be NULL). */
k8s_code k8s_peek_kind_opts(const char *json, size_t len, k8s_arena *arena,
                            const k8s_decode_options *opts, char **api_version, char **kind,
                            k8s_error *err);

/* What the typed decoder keeps from one decode to the next (json_decode.c):
 * what it learnt of the order of members, and its scratch buffers. One
 * thread's at a time: a client's, from reply to reply, list item to list
 * item and watch event to watch event, on its loop's thread. */
typedef struct k8s_decode_cache k8s_decode_cache;
k8s_decode_cache *k8s_decode_cache_new(void); /* NULL when out of memory */
void k8s_decode_cache_free(k8s_decode_cache *cache);

/* k8s_json_decode with what earlier decodes kept (NULL: nothing). */
k8s_code k8s_json_decode_cached(const k8s_type *type, const char *json, size_t len, k8s_arena *arena,
                                k8s_decode_cache *cache, void **out, k8s_error *err);

/* Decodes one JSON object of type into obj (zeroed, type->size bytes, the
 * caller's), errors' paths under path: a list item decoded on its own.
 * cache: what earlier decodes kept, or NULL. */
k8s_code k8s_json_decode_at(const k8s_type *type, const char *json, size_t len, k8s_arena *arena, void *obj,
                            const k8s_path *path, k8s_decode_cache *cache, k8s_error *err);

/* k8s_json_compact, with errors placed at path. */
k8s_code k8s_compact_at(const char *text, size_t len, k8s_buf *out, const k8s_path *path,
                        k8s_error *err);

/* Writes the members of the JSON object `text` (the `_unknown` of a struct
 * of `type`), compacted, to out, each preceded by a comma when *first is
 * false. Rejects text that is not an object or names a field of type. */
k8s_code k8s_unknown_splice(const k8s_type *type, const char *text, k8s_buf *out, bool *first,
                            const k8s_path *path, k8s_error *err);

#endif
