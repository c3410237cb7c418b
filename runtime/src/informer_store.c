/* The informer's hash table (informer_store_internal.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "informer_store_internal.h"

uint32_t k8s_store_hash(const char *namespace_, const char *name)
{
    uint32_t h = 2166136261u; /* FNV-1a over "namespace/name" */
    for (const char *p = namespace_; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    h = (h ^ '/') * 16777619u;
    for (const char *p = name; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    return h;
}

static k8s_entry **slot(const k8s_store *s, uint32_t hash, const char *namespace_, const char *name)
{
    k8s_entry **p = &s->buckets[hash & s->mask];
    while (*p && ((*p)->hash != hash || strcmp((*p)->name, name) != 0 ||
                  strcmp((*p)->namespace_, namespace_) != 0))
        p = &(*p)->next;
    return p;
}

k8s_entry *k8s_store_find(const k8s_store *s, const char *namespace_, const char *name)
{
    if (!s->buckets)
        return NULL;
    return *slot(s, k8s_store_hash(namespace_, name), namespace_, name);
}

/* One bucket per entry at most: chains stay about one long. */
static bool grow(k8s_store *s)
{
    size_t nb = s->buckets ? (s->mask + 1) * 2 : 64;
    k8s_entry **b = calloc(nb, sizeof *b);
    if (!b)
        return false;
    for (size_t i = 0; s->buckets && i <= s->mask; i++) {
        for (k8s_entry *e = s->buckets[i], *next; e; e = next) {
            next = e->next;
            e->next = b[e->hash & (nb - 1)];
            b[e->hash & (nb - 1)] = e;
        }
    }
    free(s->buckets);
    s->buckets = b;
    s->mask = nb - 1;
    return true;
}

bool k8s_store_put(k8s_store *s, k8s_entry *e, k8s_entry **old)
{
    *old = NULL;
    if ((!s->buckets || s->n > s->mask) && !grow(s))
        return false;
    k8s_entry **p = slot(s, e->hash, e->namespace_, e->name);
    if (*p) {
        *old = *p;
        e->next = (*p)->next;
        s->bytes -= (*p)->size;
        s->n--;
    } else {
        e->next = NULL;
    }
    *p = e;
    s->bytes += e->size;
    s->n++;
    return true;
}

k8s_entry *k8s_store_remove(k8s_store *s, const char *namespace_, const char *name)
{
    if (!s->buckets)
        return NULL;
    k8s_entry **p = slot(s, k8s_store_hash(namespace_, name), namespace_, name);
    k8s_entry *e = *p;
    if (e) {
        *p = e->next;
        s->n--;
        s->bytes -= e->size;
    }
    return e;
}

void k8s_store_sweep(k8s_store *s, uint32_t mark, void (*fn)(void *ctx, k8s_entry *e), void *ctx)
{
    for (size_t i = 0; s->buckets && i <= s->mask; i++) {
        k8s_entry **p = &s->buckets[i];
        while (*p) {
            k8s_entry *e = *p;
            if (e->mark == mark) {
                p = &e->next;
                continue;
            }
            *p = e->next;
            s->n--;
            s->bytes -= e->size;
            fn(ctx, e);
        }
    }
}

void k8s_store_clear(k8s_store *s)
{
    for (size_t i = 0; s->buckets && i <= s->mask; i++) {
        for (k8s_entry *e = s->buckets[i], *next; e; e = next) {
            next = e->next;
            free(e);
        }
    }
    free(s->buckets);
    memset(s, 0, sizeof *s);
}

size_t k8s_store_bytes(const k8s_store *s)
{
    return s->bytes + (s->buckets ? (s->mask + 1) * sizeof *s->buckets : 0);
}
