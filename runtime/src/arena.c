/* Bump allocation through a chain of blocks; see k8s/arena.h.
 *
 * Blocks double from 2 KiB to 2 MiB (a large list needs few); a decode that
 * knows its input's length starts at the size that input will need
 * (k8s_arena_expect), so a GET's object takes one block. From 2 MiB on,
 * malloc's blocks are aligned to 2 MiB and marked MADV_HUGEPAGE, so the
 * kernel can back them with huge pages: a fresh 4 KiB page costs a fault
 * each (~16 us on some VMs), a huge page one fault per 2 MiB.
 * k8s_arena_reset keeps the ordinary blocks for the next use, so a reused
 * arena faults nothing in. */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#define ARENA_ALIGN 8
#define FIRST_BLOCK 2048
#define MAX_BLOCK (2 * 1024 * 1024)
#define HUGE_PAGE (2 * 1024 * 1024)
#define SHARE_FROM (256 * 1024) /* arena size from which short strings are shared */

typedef struct block {
    struct block *next;
    size_t size;    /* whole block, header included */
    bool dedicated; /* one large allocation's own */
} block;

struct k8s_arena {
    k8s_arena_bump bump; /* first: internal.h allocates text inline through it */
    block *blocks;
    block *spare;     /* ordinary blocks kept by k8s_arena_reset, largest first */
    struct adopted *adopted; /* malloc'ed memory handed over (k8s_arena_adopt) */
    size_t total;     /* bytes taken from the allocator */
    size_t next_size; /* size of the next ordinary block */
    k8s_allocator alloc;
};

static void *default_alloc(void *ctx, size_t size)
{
    (void)ctx;
    if (size < HUGE_PAGE)
        return malloc(size);
    void *p = aligned_alloc(HUGE_PAGE, (size + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1));
#ifdef MADV_HUGEPAGE
    if (p)
        madvise(p, size & ~(size_t)(HUGE_PAGE - 1), MADV_HUGEPAGE); /* a hint: failure is harmless */
#endif
    return p;
}

static void default_free(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    (void)size;
    free(ptr);
}

static const k8s_allocator malloc_allocator = {default_alloc, default_free, NULL};

/* Ordinary blocks of freed arenas (malloc's), kept for the next arenas of
 * the process: most results live in an arena of their own (a GET's object,
 * a watch event's), and a block fresh from malloc took its slow path
 * (sizes over what its per-thread caches keep) and came back cache-cold.
 * A few small blocks only. The lock is only ever tried: a thread that finds
 * it taken goes to malloc, so none waits. */
#define KEPT_BLOCKS 8
#define KEPT_BLOCK_MAX (64 * 1024)

static struct {
    atomic_flag busy;
    int n;
    struct block *b[KEPT_BLOCKS];
} kept = {ATOMIC_FLAG_INIT, 0, {NULL}};

static bool try_lock_kept(void)
{
    return !atomic_flag_test_and_set_explicit(&kept.busy, memory_order_acquire);
}

static void unlock_kept(void)
{
    atomic_flag_clear_explicit(&kept.busy, memory_order_release);
}

/* Whether an ordinary block of this size may be kept (and taken). */
static bool keepable(const k8s_arena *a, bool dedicated, size_t size)
{
    return a->alloc.alloc == default_alloc && !dedicated && size <= KEPT_BLOCK_MAX;
}

/* A kept block of exactly size bytes, or NULL. */
static block *take_kept(size_t size)
{
    block *b = NULL;
    if (!try_lock_kept())
        return NULL;
    for (int i = kept.n - 1; i >= 0 && !b; i--)
        if (kept.b[i]->size == size) {
            b = kept.b[i];
            kept.b[i] = kept.b[--kept.n];
        }
    unlock_kept();
    return b;
}

/* Keeps an ordinary malloc'ed block instead of freeing it, when there is room. */
static bool keep_block(const k8s_arena *a, block *b)
{
    if (!keepable(a, b->dedicated, b->size) || !try_lock_kept())
        return false;
    bool room = kept.n < KEPT_BLOCKS;
    if (room)
        kept.b[kept.n++] = b;
    unlock_kept();
    return room;
}

static size_t round_up(size_t n)
{
    return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

k8s_arena *k8s_arena_new_with(const k8s_allocator *alloc)
{
    if (!alloc)
        alloc = &malloc_allocator;
    k8s_arena *a = alloc->alloc(alloc->ctx, sizeof *a);
    if (!a)
        return NULL;
    memset(a, 0, sizeof *a);
    a->alloc = *alloc;
    a->total = sizeof *a;
    a->next_size = FIRST_BLOCK;
    return a;
}

k8s_arena *k8s_arena_new(void)
{
    return k8s_arena_new_with(NULL);
}

typedef struct adopted {
    struct adopted *next;
    void *mem;
    size_t size;
} adopted;

static void free_adopted(k8s_arena *a)
{
    for (adopted *d = a->adopted; d; d = d->next) {
        free(d->mem);
        a->total -= d->size;
    }
    a->adopted = NULL;
}

void *k8s_arena_adopt(k8s_arena *a, void *mem, size_t size)
{
    adopted *d = k8s_arena_alloc(a, sizeof *d);
    if (!d)
        return NULL;
    *d = (adopted){a->adopted, mem, size};
    a->adopted = d;
    a->total += size;
    return mem;
}

static void free_chain(k8s_arena *a, block *b)
{
    while (b) {
        block *next = b->next;
        if (!keep_block(a, b))
            a->alloc.free(a->alloc.ctx, b, b->size);
        b = next;
    }
}

void k8s_arena_free(k8s_arena *a)
{
    if (!a)
        return;
    free_adopted(a);
    free_chain(a, a->blocks);
    free_chain(a, a->spare);
    k8s_allocator alloc = a->alloc;
    alloc.free(alloc.ctx, a, sizeof *a);
}

void k8s_arena_reset(k8s_arena *a)
{
    if (!a)
        return;
    free_adopted(a); /* before the blocks its records are in */
    /* The chain runs newest first, and ordinary blocks grow: kept in that
     * order they come back largest first. */
    block *keep = NULL, **tail = &keep;
    for (block *b = a->blocks, *next; b; b = next) {
        next = b->next;
        if (b->dedicated) {
            a->total -= b->size;
            a->alloc.free(a->alloc.ctx, b, b->size);
        } else {
            *tail = b;
            tail = &b->next;
        }
    }
    *tail = a->spare;
    a->spare = keep;
    a->blocks = NULL;
    a->bump.cur = a->bump.end = NULL;
    a->bump.shared = NULL; /* it lived in the blocks */
}

/* Gets a block with room for n bytes. Requests larger than a quarter of the
 * usual block get a block of their own, kept behind the current one so its
 * free tail is not lost. Ordinary blocks come from the spares first. */
static void *grow(k8s_arena *a, size_t n)
{
    size_t header = round_up(sizeof(block));
    int dedicated = n > a->next_size / 4;
    size_t size = dedicated ? header + n : a->next_size; /* ordinary: a power of two, header included */
    if (size < n) /* overflow */
        return NULL;
    block *b;
    bool reused = !dedicated && a->spare && a->spare->size - header >= n;
    if (reused) {
        b = a->spare;
        a->spare = b->next;
        size = b->size;
    } else {
        b = keepable(a, dedicated, size) ? take_kept(size) : NULL;
        if (!b && !(b = a->alloc.alloc(a->alloc.ctx, size)))
            return NULL;
        b->size = size;
        b->dedicated = dedicated;
        a->total += size;
        a->bump.share = a->total >= SHARE_FROM;
    }
    char *mem = (char *)b + header;
    if (dedicated && a->blocks) {
        b->next = a->blocks->next;
        a->blocks->next = b;
        return mem;
    }
    b->next = a->blocks;
    a->blocks = b;
    a->bump.cur = mem + n;
    a->bump.end = (char *)b + size;
    if (!dedicated && !reused && a->next_size < MAX_BLOCK)
        a->next_size *= 2;
    return mem;
}

void k8s_arena_expect(k8s_arena *a, size_t n)
{
    size_t want = n + round_up(sizeof(block));
    while (a->next_size < want && a->next_size < MAX_BLOCK)
        a->next_size *= 2;
}

/* Internal: k8s_arena_alloc_bytes when the newest block is full. */
void *k8s_arena_grow_bytes(k8s_arena *a, size_t n)
{
    return grow(a, n);
}

void *k8s_arena_alloc_uninit(k8s_arena *a, size_t size)
{
    k8s_arena_bump *b = &a->bump;
    uintptr_t cur = (uintptr_t)b->cur;
    size_t pad = (size_t)(-cur & (ARENA_ALIGN - 1));
    size_t n = size ? size : 1;
    void *p;
    if (b->cur && (size_t)(b->end - b->cur) >= pad && (size_t)(b->end - b->cur) - pad >= n) {
        p = b->cur + pad;
        b->cur += pad + n;
    } else {
        p = grow(a, round_up(n));
    }
    return p;
}

void *k8s_arena_alloc(k8s_arena *a, size_t size)
{
    void *p = k8s_arena_alloc_uninit(a, size);
    if (p)
        memset(p, 0, size ? size : 1);
    return p;
}

char *k8s_arena_strndup(k8s_arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    if (n + 1 == 0)
        return NULL;
    char *p = k8s_arena_alloc_bytes(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* A list of thousands of objects repeats the same short values in every
 * item ("TCP", "True", "IfNotPresent", label keys and values), each copy
 * costing its bytes and a NUL: in a 5,000-pod list, an eighth of the
 * decoded size. A direct-mapped table of recent short strings lets equal
 * ones share one copy. Small arenas (a GET) never build it. */
char *k8s_arena_share_miss(k8s_arena *a, const uint64_t key[2], const char *s, size_t n)
{
    k8s_shared_text **table = &a->bump.shared;
    char *p = k8s_arena_strndup(a, s, n);
    if (p && a->bump.share && (*table || (*table = k8s_arena_alloc(a, sizeof **table << K8S_SHARE_SLOT_BITS))))
        *k8s_shared_slot(*table, key) = (k8s_shared_text){{key[0], key[1]}, p};
    return p;
}

char *k8s_arena_share(k8s_arena *a, const char *s, size_t n)
{
    if (n >= 16 || !a->bump.share)
        return k8s_arena_strndup(a, s, n);
    uint64_t key[2] = {0, 0};
    memcpy(key, s, n);
    return k8s_arena_share_inline(a, key, s, n);
}

char *k8s_arena_strdup(k8s_arena *a, const char *s)
{
    return s ? k8s_arena_strndup(a, s, strlen(s)) : NULL;
}

size_t k8s_arena_size(const k8s_arena *a)
{
    return a ? a->total : 0;
}

const k8s_allocator *k8s_arena_allocator(const k8s_arena *a)
{
    return &a->alloc;
}
