/* The intrusive string hash table (htable_internal.h). */
#include <stdlib.h>
#include <string.h>

#include "htable_internal.h"

uint32_t k8s_hash_str(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

k8s_hentry *k8s_htable_find(const k8s_htable *t, const char *key, uint32_t hash)
{
    if (!t->buckets)
        return NULL;
    for (k8s_hentry *e = t->buckets[hash & t->mask]; e; e = e->next)
        if (e->hash == hash && strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

/* One bucket per entry at most: chains stay about one long. */
static bool grow(k8s_htable *t)
{
    size_t nb = t->buckets ? (t->mask + 1) * 2 : 64;
    k8s_hentry **b = calloc(nb, sizeof *b);
    if (!b)
        return false;
    for (size_t i = 0; t->buckets && i <= t->mask; i++) {
        for (k8s_hentry *e = t->buckets[i], *next; e; e = next) {
            next = e->next;
            e->next = b[e->hash & (nb - 1)];
            b[e->hash & (nb - 1)] = e;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->mask = nb - 1;
    return true;
}

bool k8s_htable_insert(k8s_htable *t, k8s_hentry *e)
{
    if ((!t->buckets || t->n > t->mask) && !grow(t))
        return false;
    k8s_hentry **b = &t->buckets[e->hash & t->mask];
    e->next = *b;
    *b = e;
    t->n++;
    return true;
}

void k8s_htable_remove(k8s_htable *t, k8s_hentry *e)
{
    for (k8s_hentry **p = t->buckets ? &t->buckets[e->hash & t->mask] : NULL; p && *p; p = &(*p)->next) {
        if (*p == e) {
            *p = e->next;
            t->n--;
            return;
        }
    }
}

void k8s_htable_clear(k8s_htable *t, void (*fn)(k8s_hentry *e))
{
    for (size_t i = 0; t->buckets && i <= t->mask; i++) {
        for (k8s_hentry *e = t->buckets[i], *next; e; e = next) {
            next = e->next;
            if (fn)
                fn(e);
        }
    }
    free(t->buckets);
    memset(t, 0, sizeof *t);
}
