/* A chained hash table of string keys whose entries live inside the
 * caller's structs (an intrusive table: no allocation per entry). The
 * work queue and the event recorder keep their items in one. No locking. */
#ifndef K8S_HTABLE_INTERNAL_H
#define K8S_HTABLE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct k8s_hentry {
    struct k8s_hentry *next;
    uint32_t hash;
    const char *key; /* owned by the struct around the entry */
} k8s_hentry;

typedef struct k8s_htable {
    k8s_hentry **buckets;
    size_t mask; /* buckets - 1 */
    size_t n;
} k8s_htable;

uint32_t k8s_hash_str(const char *s);
k8s_hentry *k8s_htable_find(const k8s_htable *t, const char *key, uint32_t hash);
/* e->key and e->hash set; the key must not be in the table. False when
 * growing the table failed (e not inserted). */
bool k8s_htable_insert(k8s_htable *t, k8s_hentry *e);
void k8s_htable_remove(k8s_htable *t, k8s_hentry *e);
/* Calls fn for every entry (fn may free it, not touch the table); then
 * the table is empty. */
void k8s_htable_clear(k8s_htable *t, void (*fn)(k8s_hentry *e));

/* The entry's enclosing struct. */
#define K8S_HCONTAINER(e, type, member) ((type *)(void *)((char *)(e) - offsetof(type, member)))

#endif
