/* The client's rate limit: a token bucket of qps tokens a second, holding
 * up to burst; calls without a token wait in a queue, in order. */
#include "call_internal.h"

static void refill(k8s_client *c)
{
    uint64_t now = k8s_now_ms();
    c->tokens += (double)(now - c->refilled_ms) * c->qps / 1000.0;
    if (c->tokens > c->burst)
        c->tokens = c->burst;
    c->refilled_ms = now;
}

static void rate_release(void *data)
{
    k8s_client *c = data;
    refill(c);
    while (c->rate_head && c->tokens >= 1.0) {
        kcall *k = c->rate_head;
        c->rate_head = k->next_rate;
        if (!c->rate_head)
            c->rate_tail = NULL;
        c->tokens -= 1.0;
        k8s_call_need_credentials(k, false);
    }
    if (c->rate_head)
        k8s_timer_start(c->rate_timer, (uint64_t)((1.0 - c->tokens) * 1000.0 / c->qps) + 1);
}

void k8s_rate_remove(kcall *k)
{
    k8s_client *c = k->client;
    for (kcall **p = &c->rate_head, *prev = NULL; *p; prev = *p, p = &(*p)->next_rate)
        if (*p == k) {
            *p = k->next_rate;
            if (c->rate_tail == k)
                c->rate_tail = prev;
            return;
        }
}

void k8s_rate_limit(kcall *k)
{
    k8s_client *c = k->client;
    if (c->qps > 0) {
        refill(c);
        if (!c->rate_timer && !(c->rate_timer = k8s_timer_new(c->loop, rate_release, c))) {
            k8s_call_fail(k, K8S_ENOMEM, "out of memory");
            return;
        }
        if (c->rate_head || c->tokens < 1.0) {
            k->st = ST_WAIT_RATE;
            k->next_rate = NULL;
            if (c->rate_tail)
                c->rate_tail->next_rate = k;
            else
                c->rate_head = k;
            c->rate_tail = k;
            if (!k8s_timer_active(c->rate_timer))
                rate_release(c);
            return;
        }
        c->tokens -= 1.0;
    }
    k8s_call_need_credentials(k, false);
}

void k8s_rate_cancel_all(k8s_client *c)
{
    while (c->rate_head) {
        kcall *k = c->rate_head;
        c->rate_head = k->next_rate;
        k->st = ST_NEW;
        k8s_call_fail(k, K8S_ECANCELED, "the client is closing");
    }
    c->rate_tail = NULL;
}
