/* The informer's store: objects keyed by namespace/name in a chained hash
 * table. Each entry and its object live in one malloc'ed block. No locking
 * here: the informer holds its reader/writer lock around these calls. */
#ifndef K8S_INFORMER_STORE_INTERNAL_H
#define K8S_INFORMER_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct k8s_entry {
    struct k8s_entry *next; /* in its bucket */
    uint32_t hash;
    uint32_t mark;          /* the full state (generation) that last confirmed it */
    const char *namespace_; /* "" when cluster-scoped; these three point into the block */
    const char *name;
    const char *rv;
    void *obj;              /* the packed struct, or the JSON text */
    size_t size;            /* of the whole block */
} k8s_entry;

typedef struct k8s_store {
    k8s_entry **buckets;
    size_t mask; /* buckets - 1; 0 with no table yet */
    size_t n;
    size_t bytes; /* the entries' blocks */
} k8s_store;

uint32_t k8s_store_hash(const char *namespace_, const char *name);
k8s_entry *k8s_store_find(const k8s_store *s, const char *namespace_, const char *name);
/* Inserts e (its hash set), replacing and returning the entry of the same
 * key, if any. False only when growing the table failed (e not inserted). */
bool k8s_store_put(k8s_store *s, k8s_entry *e, k8s_entry **old);
/* Unlinks and returns the entry of that key, or NULL. */
k8s_entry *k8s_store_remove(k8s_store *s, const char *namespace_, const char *name);
/* Unlinks every entry whose mark is not `mark`, handing each to fn. */
void k8s_store_sweep(k8s_store *s, uint32_t mark, void (*fn)(void *ctx, k8s_entry *e), void *ctx);
/* Frees every entry and the table. */
void k8s_store_clear(k8s_store *s);
/* Bytes held: entries and table. */
size_t k8s_store_bytes(const k8s_store *s);

#endif
