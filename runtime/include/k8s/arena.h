/* Arenas: every decoded result lives in one, and one call frees it all.
 *
 * An arena hands out memory by bumping a pointer through blocks it gets from
 * an allocator (malloc by default); nothing is freed before the arena is.
 * An arena is not thread-safe; give each thread, or each result, its own. */
#ifndef K8S_ARENA_H
#define K8S_ARENA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where an arena gets its blocks from. Embedded
 * programs and tests can plug in their own; `free` is given the size that was
 * asked for. */
typedef struct k8s_allocator {
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *ptr, size_t size);
    void *ctx;
} k8s_allocator;

typedef struct k8s_arena k8s_arena;

/* NULL on out-of-memory. */
k8s_arena *k8s_arena_new(void);
/* alloc may be NULL (malloc). The allocator must outlive the arena. */
k8s_arena *k8s_arena_new_with(const k8s_allocator *alloc);
/* Frees every block; NULL is a no-op. With malloc as the allocator, a few
 * small blocks (at most 8 of at most 64 KiB, for the whole process) are
 * kept for the next arenas instead. */
void k8s_arena_free(k8s_arena *arena);

/* Forgets every allocation (all pointers into the arena become invalid)
 * but keeps the arena's ordinary blocks for its next allocations, so that
 * a loop doing the same call again (a list every few seconds, a GET per
 * item) finds its memory already mapped instead of faulting fresh pages
 * in. Blocks of single large allocations are freed. k8s_arena_size still
 * counts the kept blocks; k8s_arena_free releases them. NULL is a no-op. */
void k8s_arena_reset(k8s_arena *arena);

/* Zero-filled memory aligned for any k8s struct (8 bytes); NULL on
 * out-of-memory. size 0 gives a valid unique pointer (used for empty arrays). */
void *k8s_arena_alloc(k8s_arena *arena, size_t size);
/* Copies of strings; NULL in gives NULL out (and is not an error). */
char *k8s_arena_strdup(k8s_arena *arena, const char *s);
char *k8s_arena_strndup(k8s_arena *arena, const char *s, size_t n);

/* Bytes obtained from the allocator, headers and unused block tails included:
 * the real memory cost of everything the arena holds. */
size_t k8s_arena_size(const k8s_arena *arena);

/* The allocator this arena uses (never NULL). */
const k8s_allocator *k8s_arena_allocator(const k8s_arena *arena);

#ifdef __cplusplus
}
#endif
#endif
