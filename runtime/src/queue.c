/* k8s_queue: a mutex, a condition variable and a linked FIFO. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "k8s/loop.h"
#include "timing_internal.h"

typedef struct item {
    struct item *next;
    void *value;
} item;

struct k8s_queue {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    item *head, *tail;
    size_t len, capacity;
    bool closed;
};

k8s_queue *k8s_queue_new(size_t capacity)
{
    k8s_queue *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* timeouts immune to clock changes */
    pthread_cond_init(&q->cond, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&q->mu, NULL);
    q->capacity = capacity;
    return q;
}

k8s_code k8s_queue_put(k8s_queue *q, void *value)
{
    item *it = malloc(sizeof *it);
    if (!it)
        return K8S_ENOMEM;
    it->next = NULL;
    it->value = value;
    pthread_mutex_lock(&q->mu);
    k8s_code rc = q->closed ? K8S_ECLOSED : q->capacity && q->len >= q->capacity ? K8S_EFULL : K8S_OK;
    if (rc == K8S_OK) {
        if (q->tail)
            q->tail->next = it;
        else
            q->head = it;
        q->tail = it;
        q->len++;
        pthread_cond_signal(&q->cond);
    }
    pthread_mutex_unlock(&q->mu);
    if (rc)
        free(it);
    return rc;
}

k8s_code k8s_queue_get(k8s_queue *q, int timeout_ms, void **value)
{
    struct timespec deadline = k8s_deadline_after(timeout_ms);
    *value = NULL;
    pthread_mutex_lock(&q->mu);
    k8s_code rc = K8S_OK;
    while (!q->head && !q->closed && rc == K8S_OK) {
        if (timeout_ms < 0)
            pthread_cond_wait(&q->cond, &q->mu);
        else if (timeout_ms == 0 || pthread_cond_timedwait(&q->cond, &q->mu, &deadline) == ETIMEDOUT)
            rc = q->head ? K8S_OK : K8S_ETIMEDOUT;
    }
    item *it = q->head;
    if (it) {
        q->head = it->next;
        if (!q->head)
            q->tail = NULL;
        q->len--;
        *value = it->value;
        rc = K8S_OK;
    } else if (rc == K8S_OK) {
        rc = K8S_ECLOSED;
    }
    pthread_mutex_unlock(&q->mu);
    free(it);
    return rc;
}

void k8s_queue_close(k8s_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = true;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->mu);
}

void k8s_queue_free(k8s_queue *q, k8s_fn free_item)
{
    if (!q)
        return;
    while (q->head) {
        item *it = q->head;
        q->head = it->next;
        if (free_item)
            free_item(it->value);
        free(it);
    }
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cond);
    free(q);
}
