/* The client's connections.
 *
 * libcurl 7.88 tells nothing of the server's SETTINGS_MAX_CONCURRENT_STREAMS
 * (only debug builds log it), but it obeys it: a transfer goes on an HTTP/2
 * connection only while fewer streams than that run there (lib/url.c,
 * ConnectionExists: "MAX_CONCURRENT_STREAMS reached, skip"), else on a new
 * connection, and once CURLMOPT_MAX_HOST_CONNECTIONS connections are open
 * it waits in the multi handle's pending queue, which only the end or the
 * removal of another transfer moves on (process_pending_handles) and no
 * timeout reaches. So the client watches from outside: sockets as they open
 * and close (CURLOPT_OPEN/CLOSESOCKETFUNCTION) and which connection each
 * transfer got (CURLOPT_PREREQFUNCTION, by its local port). When transfers
 * make no progress towards a connection while every open one is up (none is
 * still connecting, as PIPEWAIT waits for) and the cap is reached, every
 * connection is full, and the streams of the fullest are the server's
 * limit. Then, and only then, the cap grows by the connections the waiting
 * transfers need, and one of them is put back into the multi handle, which
 * makes libcurl move its queue on. Growing so, never ahead of need, keeps
 * away what the old fixed cap of 8 was for: after a GOAWAY libcurl 7.88
 * would reconnect every waiting call on a connection of its own. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "call_internal.h"

#define GROW_SETTLE_MS 20 /* no progress for this long: the streams ran out */

static conn_use *conn_by_port(k8s_client *c, int port)
{
    for (size_t i = 0; i < c->nconns; i++)
        if (c->conns[i].port == port)
            return &c->conns[i];
    return NULL;
}

/* Each socket curl opens is a connection (or an attempt at one), counted as
 * it opens: a watch's transfer may never finish. SOCK_CLOEXEC keeps them
 * from exec credential plugins. On a worker for k8s_client_connect. */
curl_socket_t k8s_conns_open_socket(void *data, curlsocktype purpose, struct curl_sockaddr *a)
{
    (void)purpose;
    kcall *k = data;
    k8s_client *c = k->client;
    curl_socket_t s = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
    if (s == CURL_SOCKET_BAD)
        return s;
    atomic_fetch_add(&c->n_connections, 1);
    if (k->on_connect) /* not the multi handle's: it leaves the client */
        return s;
    if (c->nconns == c->capconns) {
        size_t cap = c->capconns ? c->capconns * 2 : 8;
        conn_use *n = realloc(c->conns, cap * sizeof *n);
        if (!n) {
            close(s);
            return CURL_SOCKET_BAD;
        }
        c->conns = n;
        c->capconns = cap;
    }
    c->conns[c->nconns++] = (conn_use){.fd = s};
    atomic_store(&c->n_open, c->nconns);
    return s;
}

conn_use *k8s_conns_by_fd(k8s_client *c, int s)
{
    for (size_t i = 0; i < c->nconns; i++)
        if (c->conns[i].fd == s)
            return &c->conns[i];
    return NULL;
}

int k8s_conns_close_socket(void *data, curl_socket_t s)
{
    k8s_client *c = data;
    conn_use *u = k8s_conns_by_fd(c, s);
    if (u) {
        k8s_io_close(u->io); /* before the fd goes: its number may come back */
        c->established -= u->port != 0;
        *u = c->conns[--c->nconns];
        c->conns_closed = true;
    }
    atomic_store(&c->n_open, c->nconns);
    return close(s);
}

static void detach(kcall *k)
{
    k8s_client *c = k->client;
    if (!k->attached) {
        c->unattached--;
        return;
    }
    conn_use *u = conn_by_port(c, k->conn_port);
    if (u)
        u->streams--;
    k->attached = false;
}

/* The transfer has a connection and is about to send on it. */
int k8s_conns_on_prereq(void *data, char *ip, char *local_ip, int port, int local_port)
{
    (void)ip;
    (void)local_ip;
    (void)port;
    kcall *k = data;
    k8s_client *c = k->client;
    detach(k); /* curl may try again on another connection */
    k->attached = true;
    k->conn_port = local_port;
    c->attaches++;
    conn_use *u = conn_by_port(c, local_port);
    for (size_t i = 0; !u && i < c->nconns; i++) { /* a connection's first transfer */
        struct sockaddr_storage sa;
        socklen_t n = sizeof sa;
        if (c->conns[i].port || getsockname(c->conns[i].fd, (struct sockaddr *)&sa, &n) != 0)
            continue;
        int p = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
                                               : ((struct sockaddr_in *)&sa)->sin_port);
        if (p) {
            c->conns[i].port = p;
            c->established++;
        }
        if (p == local_port)
            u = &c->conns[i];
    }
    if (u)
        u->streams++;
    return CURL_PREREQFUNC_OK;
}

bool k8s_conns_add(kcall *k)
{
    k8s_client *c = k->client;
    if (curl_multi_add_handle(c->multi, k->easy) != CURLM_OK)
        return false;
    k->attached = false;
    c->unattached++;
    return true;
}

void k8s_conns_remove(kcall *k)
{
    curl_multi_remove_handle(k->client->multi, k->easy);
    detach(k);
}

void k8s_conns_stirred(kcall *k)
{
    conn_use *u = k->attached ? conn_by_port(k->client, k->conn_port) : NULL;
    if (u)
        u->stirred = true;
}

void k8s_conns_set_cap(k8s_client *c, int cap)
{
    c->conn_cap = cap;
    curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)cap);
}

/* Transfers wait for a connection though every open one is up and no more
 * may open. */
static bool streams_out(const k8s_client *c)
{
    return !c->http1 && c->unattached > 0 && c->nconns > 0 && c->established == c->nconns &&
           (int)c->nconns >= c->conn_cap && c->conn_cap < c->max_connections;
}

static void grow_connections(void *data)
{
    k8s_client *c = data;
    if (!streams_out(c))
        return;
    if (c->attaches != c->attaches_seen) { /* libcurl is still moving its queue on */
        c->attaches_seen = c->attaches;
        k8s_timer_start(c->grow_timer, GROW_SETTLE_MS);
        return;
    }
    int full = 1;
    for (size_t i = 0; i < c->nconns; i++)
        if (c->conns[i].streams > full)
            full = c->conns[i].streams;
    if ((uint64_t)full > atomic_load(&c->peer_streams))
        atomic_store(&c->peer_streams, (uint64_t)full);
    int want = (int)c->nconns + (c->unattached + full - 1) / full;
    k8s_conns_set_cap(c, want < c->max_connections ? want : c->max_connections);
    for (kcall *k = c->active; k; k = k->next)
        if (k->st == ST_SENDING && !k->attached) {
            k8s_conns_remove(k); /* which moves curl's queue on */
            if (!k8s_conns_add(k))
                k8s_call_fail(k, K8S_ETRANSPORT, "curl refused the request");
            break;
        }
}

/* After each pass of curl's: connections that closed no longer count, and
 * streams that ran out start the wait before growing. */
void k8s_conns_balance(k8s_client *c)
{
    if (c->conns_closed) {
        c->conns_closed = false;
        int open = c->nconns > 1 ? (int)c->nconns : 1;
        if (!c->http1 && open < c->conn_cap)
            k8s_conns_set_cap(c, open);
    }
    if (!streams_out(c) || (c->grow_timer && k8s_timer_active(c->grow_timer)))
        return;
    if (!c->grow_timer && !(c->grow_timer = k8s_timer_new(c->loop, grow_connections, c)))
        return; /* out of memory: the calls' own timers still end them */
    c->attaches_seen = c->attaches;
    k8s_timer_start(c->grow_timer, GROW_SETTLE_MS);
}
