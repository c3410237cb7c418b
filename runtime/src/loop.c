/* The event loop: epoll for file descriptors, an eventfd to wake it from
 * other threads, a binary heap of timers, a FIFO of calls handed over from
 * other threads, and a small worker pool for blocking work. */
#define _GNU_SOURCE /* pthread, epoll, eventfd */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "loop_internal.h"

#define MAX_WORKERS 4
#define NO_SLOT SIZE_MAX

typedef struct call {
    struct call *next;
    k8s_fn fn;
    void *data;
} call;

typedef struct job {
    struct job *next;
    k8s_fn work, done;
    void *data;
} job;

struct k8s_timer {
    k8s_loop *loop;
    k8s_fn fn;
    void *data;
    uint64_t due;
    size_t slot; /* index in the heap, NO_SLOT when not armed */
};

struct k8s_io {
    k8s_loop *loop;
    int fd;
    k8s_io_fn cb;
    void *data;
    uint32_t wanted;  /* EPOLLIN/EPOLLOUT the owner wants */
    uint32_t in_epoll; /* what epoll has, when registered */
    bool registered;
    bool dead;
    struct k8s_io *next_dead;
};

struct k8s_loop {
    int epfd, wakefd;
    pthread_t thread;
    bool started;
    atomic_bool stop;

    pthread_mutex_t mu; /* calls, wake state, who drives the loop */
    call *calls, *calls_tail;
    bool woken;
    bool driving;
    pthread_t driver;
    /* A started loop's thread parks (waits on `park`, not in epoll) when
     * the loop is idle, and a blocking call may then borrow the loop: drive
     * it on its own thread until the call ends or a call from elsewhere
     * wants the loop (k8s_loop_borrow). */
    enum { LOOP_RUNNING, LOOP_PARKED, LOOP_BORROWED } owner;
    pthread_cond_t park;
    size_t nio; /* watches that want events (the wakefd aside): the driver's */

    k8s_timer **heap; /* room for every timer, so arming never allocates */
    size_t nheap, capheap, ntimers;
    k8s_io *dead; /* watches closed while dispatching */

    pthread_mutex_t wmu; /* the worker pool */
    pthread_cond_t wcond;
    job *jobs, *jobs_tail;
    pthread_t workers[MAX_WORKERS];
    unsigned nworkers, idle;
    bool wstop;
};

uint64_t k8s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void wake(k8s_loop *loop)
{
    uint64_t one = 1;
    /* the eventfd counter only saturates; a failed write cannot lose the wakeup */
    while (write(loop->wakefd, &one, sizeof one) < 0 && errno == EINTR)
        ;
}

k8s_code k8s_loop_new(k8s_loop **out, k8s_error *err)
{
    *out = NULL;
    k8s_loop *loop = calloc(1, sizeof *loop);
    if (!loop) {
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    }
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    loop->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (loop->epfd < 0 || loop->wakefd < 0 || epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->wakefd, &ev)) {
        k8s_error_set(err, K8S_EIO, NULL, NULL, NULL, "cannot create the event loop: %s", strerror(errno));
        if (loop->epfd >= 0)
            close(loop->epfd);
        if (loop->wakefd >= 0)
            close(loop->wakefd);
        free(loop);
        return K8S_EIO;
    }
    pthread_mutex_init(&loop->mu, NULL);
    pthread_cond_init(&loop->park, NULL);
    pthread_mutex_init(&loop->wmu, NULL);
    pthread_cond_init(&loop->wcond, NULL);
    *out = loop;
    return K8S_OK;
}

int k8s_loop_fd(const k8s_loop *loop)
{
    return loop->epfd;
}

bool k8s_loop_on_thread(const k8s_loop *loop)
{
    k8s_loop *l = (k8s_loop *)loop;
    pthread_mutex_lock(&l->mu);
    bool on = l->driving && pthread_equal(l->driver, pthread_self());
    pthread_mutex_unlock(&l->mu);
    return on;
}

/* ---- timers: a binary min-heap on `due` ---- */

static void heap_set(k8s_loop *loop, size_t i, k8s_timer *t)
{
    loop->heap[i] = t;
    t->slot = i;
}

static void sift_up(k8s_loop *loop, size_t i)
{
    k8s_timer *t = loop->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (loop->heap[parent]->due <= t->due)
            break;
        heap_set(loop, i, loop->heap[parent]);
        i = parent;
    }
    heap_set(loop, i, t);
}

static void sift_down(k8s_loop *loop, size_t i)
{
    k8s_timer *t = loop->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= loop->nheap)
            break;
        if (c + 1 < loop->nheap && loop->heap[c + 1]->due < loop->heap[c]->due)
            c++;
        if (loop->heap[c]->due >= t->due)
            break;
        heap_set(loop, i, loop->heap[c]);
        i = c;
    }
    heap_set(loop, i, t);
}

static void heap_remove(k8s_loop *loop, k8s_timer *t)
{
    size_t i = t->slot;
    k8s_timer *last = loop->heap[--loop->nheap];
    t->slot = NO_SLOT;
    if (last == t)
        return;
    heap_set(loop, i, last);
    sift_down(loop, i);
    sift_up(loop, last->slot);
}

k8s_timer *k8s_timer_new(k8s_loop *loop, k8s_fn fn, void *data)
{
    if (loop->ntimers == loop->capheap) {
        size_t cap = loop->capheap ? loop->capheap * 2 : 16;
        k8s_timer **nh = realloc(loop->heap, cap * sizeof *nh);
        if (!nh)
            return NULL;
        loop->heap = nh;
        loop->capheap = cap;
    }
    k8s_timer *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    loop->ntimers++;
    t->loop = loop;
    t->fn = fn;
    t->data = data;
    t->slot = NO_SLOT;
    return t;
}

void k8s_timer_start(k8s_timer *t, uint64_t ms)
{
    k8s_loop *loop = t->loop;
    if (t->slot != NO_SLOT)
        heap_remove(loop, t);
    t->due = k8s_now_ms() + ms;
    heap_set(loop, loop->nheap++, t);
    sift_up(loop, t->slot);
}

void k8s_timer_stop(k8s_timer *t)
{
    if (t && t->slot != NO_SLOT)
        heap_remove(t->loop, t);
}

bool k8s_timer_active(const k8s_timer *t)
{
    return t->slot != NO_SLOT;
}

void k8s_timer_free(k8s_timer *t)
{
    if (!t)
        return;
    k8s_timer_stop(t);
    t->loop->ntimers--;
    free(t);
}

int k8s_loop_timeout(const k8s_loop *loop)
{
    if (!loop->nheap)
        return -1;
    uint64_t now = k8s_now_ms(), due = loop->heap[0]->due;
    if (due <= now)
        return 0;
    return due - now > INT32_MAX ? INT32_MAX : (int)(due - now);
}

static void run_timers(k8s_loop *loop)
{
    uint64_t now = k8s_now_ms();
    while (loop->nheap && loop->heap[0]->due <= now) {
        k8s_timer *t = loop->heap[0];
        heap_remove(loop, t);
        t->fn(t->data); /* may re-arm or free t */
    }
}

/* ---- calls from other threads ---- */

/* The loop this thread is running (inside k8s_loop_run_once), if any. */
static __thread k8s_loop *running_here;

k8s_code k8s_loop_call(k8s_loop *loop, k8s_fn fn, void *data)
{
    call *c = malloc(sizeof *c);
    if (!c)
        return K8S_ENOMEM;
    c->next = NULL;
    c->fn = fn;
    c->data = data;
    pthread_mutex_lock(&loop->mu);
    if (loop->calls_tail)
        loop->calls_tail->next = c;
    else
        loop->calls = c;
    loop->calls_tail = c;
    bool need_wake = false;
    if (running_here == loop && loop->started) {
        /* from a callback of a started loop: the thread driving it runs
         * the call before it waits again (a loop the program drives polls
         * its fd, so it is woken as ever) */
    } else if (loop->owner == LOOP_PARKED) { /* its thread waits on the condition, not in epoll */
        loop->owner = LOOP_RUNNING;
        pthread_cond_signal(&loop->park);
    } else {
        need_wake = !loop->woken;
        loop->woken = true;
    }
    pthread_mutex_unlock(&loop->mu);
    if (need_wake)
        wake(loop);
    return K8S_OK;
}

/* Runs the calls queued so far (not those they queue: those wait for the
 * next round, so a call that re-queues itself cannot starve the loop). */
static bool run_calls(k8s_loop *loop)
{
    pthread_mutex_lock(&loop->mu);
    call *c = loop->calls;
    loop->calls = loop->calls_tail = NULL;
    loop->woken = false;
    pthread_mutex_unlock(&loop->mu);
    bool any = c != NULL;
    while (c) {
        call *next = c->next;
        c->fn(c->data);
        free(c);
        c = next;
    }
    return any;
}

/* ---- file descriptors ---- */

static uint32_t epoll_mask(int events)
{
    return (events & K8S_IO_READ ? EPOLLIN : 0) | (events & K8S_IO_WRITE ? EPOLLOUT : 0);
}

static bool set_epoll(k8s_io *io, uint32_t mask)
{
    struct epoll_event ev = {.events = mask, .data.ptr = io};
    if (epoll_ctl(io->loop->epfd, io->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, io->fd, &ev) != 0)
        return false;
    io->registered = true;
    io->in_epoll = mask;
    return true;
}

static void unset_epoll(k8s_io *io)
{
    /* the fd may already be closed by its owner; EBADF/ENOENT are fine */
    if (io->registered)
        epoll_ctl(io->loop->epfd, EPOLL_CTL_DEL, io->fd, NULL);
    io->registered = false;
}

/* Counts the watches that want something: the loop is idle without. */
static void want(k8s_io *io, uint32_t mask)
{
    if (mask && !io->wanted)
        io->loop->nio++;
    else if (!mask && io->wanted)
        io->loop->nio--;
    io->wanted = mask;
}

k8s_io *k8s_io_watch(k8s_loop *loop, int fd, int events, k8s_io_fn cb, void *data)
{
    k8s_io *io = calloc(1, sizeof *io);
    if (!io)
        return NULL;
    io->loop = loop;
    io->fd = fd;
    io->cb = cb;
    io->data = data;
    if (!set_epoll(io, epoll_mask(events))) {
        free(io);
        return NULL;
    }
    want(io, epoll_mask(events));
    return io;
}

/* Wanting nothing more than epoll reads leaves epoll as it is (a read
 * event, rare on a socket at rest, turns it off when it comes): a
 * connection that goes idle between requests and back costs no syscall. */
void k8s_io_update(k8s_io *io, int events)
{
    uint32_t mask = epoll_mask(events);
    want(io, mask);
    if (io->registered && io->in_epoll == mask)
        return;
    if (!mask && io->registered && !(io->in_epoll & EPOLLOUT))
        return;
    if (!mask)
        unset_epoll(io);
    else if (!set_epoll(io, mask))
        unset_epoll(io); /* cannot fail for a valid fd; if it does, no events rather than wrong ones */
}

void k8s_io_close(k8s_io *io)
{
    if (!io)
        return;
    unset_epoll(io);
    want(io, 0);
    io->dead = true;
    io->next_dead = io->loop->dead;
    io->loop->dead = io;
}

static void free_dead(k8s_loop *loop)
{
    while (loop->dead) {
        k8s_io *next = loop->dead->next_dead;
        free(loop->dead);
        loop->dead = next;
    }
}

/* ---- running ---- */

void k8s_loop_run_once(k8s_loop *loop, int timeout_ms)
{
    pthread_mutex_lock(&loop->mu);
    loop->driving = true;
    loop->driver = pthread_self();
    /* a borrowing thread leaves calls to the loop's own (k8s_loop_wanted) */
    bool lent = loop->owner == LOOP_BORROWED;
    bool calls_waiting = !lent && loop->calls != NULL;
    pthread_mutex_unlock(&loop->mu);

    int t = calls_waiting ? 0 : timeout_ms, next = k8s_loop_timeout(loop);
    if (next >= 0 && (t < 0 || next < t))
        t = next;
    struct epoll_event evs[64];
    int n = epoll_wait(loop->epfd, evs, 64, t);
    k8s_loop *outer = running_here; /* a loop may run inside another's callback */
    running_here = loop;
    for (int i = 0; i < n; i++) {
        k8s_io *io = evs[i].data.ptr;
        if (!io) {
            uint64_t v;
            while (read(loop->wakefd, &v, sizeof v) < 0 && errno == EINTR)
                ;
            continue;
        }
        if (io->dead)
            continue;
        if (!io->wanted) { /* left in epoll by k8s_io_update */
            unset_epoll(io);
            continue;
        }
        int ready = (evs[i].events & EPOLLIN ? K8S_IO_READ : 0) |
                    (evs[i].events & EPOLLOUT ? K8S_IO_WRITE : 0) |
                    (evs[i].events & (EPOLLERR | EPOLLHUP) ? K8S_IO_ERROR : 0);
        io->cb(io->data, io->fd, ready);
    }
    free_dead(loop);
    run_timers(loop);
    if (!lent)
        run_calls(loop);
    free_dead(loop);
    running_here = outer;
}

/* Nothing can happen but a call from another thread: no timer armed, no
 * fd watched, no call queued. The driver's view (mu held). */
static bool idle_locked(const k8s_loop *loop)
{
    return !loop->calls && !loop->nheap && !loop->nio && !loop->dead;
}

static void *loop_thread(void *arg)
{
    k8s_loop *loop = arg;
    pthread_mutex_lock(&loop->mu);
    while (!atomic_load(&loop->stop)) {
        if (loop->owner == LOOP_RUNNING && idle_locked(loop)) {
            loop->owner = LOOP_PARKED;
            loop->driving = false;
        }
        if (loop->owner != LOOP_RUNNING) { /* parked, or a caller drives */
            pthread_cond_wait(&loop->park, &loop->mu);
            continue;
        }
        pthread_mutex_unlock(&loop->mu);
        k8s_loop_run_once(loop, -1);
        pthread_mutex_lock(&loop->mu);
    }
    pthread_mutex_unlock(&loop->mu);
    return NULL;
}

bool k8s_loop_borrow(k8s_loop *loop)
{
    pthread_mutex_lock(&loop->mu);
    bool ok = loop->started && loop->owner == LOOP_PARKED && !atomic_load(&loop->stop);
    if (ok) {
        loop->owner = LOOP_BORROWED;
        loop->driving = true;
        loop->driver = pthread_self();
    }
    pthread_mutex_unlock(&loop->mu);
    return ok;
}

bool k8s_loop_wanted(k8s_loop *loop)
{
    pthread_mutex_lock(&loop->mu);
    bool wanted = loop->calls != NULL;
    pthread_mutex_unlock(&loop->mu);
    return wanted;
}

void k8s_loop_give_back(k8s_loop *loop)
{
    pthread_mutex_lock(&loop->mu);
    loop->driving = false;
    if (idle_locked(loop)) {
        loop->owner = LOOP_PARKED; /* its thread sleeps on */
    } else {
        loop->owner = LOOP_RUNNING;
        pthread_cond_signal(&loop->park);
    }
    pthread_mutex_unlock(&loop->mu);
}

k8s_code k8s_loop_start(k8s_loop *loop, k8s_error *err)
{
    if (loop->started) {
        return k8s_fail(err, K8S_EINVAL, "the loop is already running");
    }
    pthread_mutex_lock(&loop->mu);
    loop->owner = LOOP_RUNNING;
    loop->started = true;
    pthread_mutex_unlock(&loop->mu);
    int rc = pthread_create(&loop->thread, NULL, loop_thread, loop);
    if (rc) {
        pthread_mutex_lock(&loop->mu);
        loop->started = false;
        pthread_mutex_unlock(&loop->mu);
        return k8s_fail(err, K8S_EIO, "cannot start the loop thread: %s", strerror(rc));
    }
    return K8S_OK;
}

/* ---- the worker pool ---- */

static void *worker(void *arg)
{
    k8s_loop *loop = arg;
    pthread_mutex_lock(&loop->wmu);
    for (;;) {
        while (!loop->jobs && !loop->wstop) {
            loop->idle++;
            pthread_cond_wait(&loop->wcond, &loop->wmu);
            loop->idle--;
        }
        job *j = loop->jobs;
        if (!j)
            break; /* stopping, and nothing left to do */
        loop->jobs = j->next;
        if (!loop->jobs)
            loop->jobs_tail = NULL;
        pthread_mutex_unlock(&loop->wmu);
        j->work(j->data);
        if (j->done)
            while (k8s_loop_call(loop, j->done, j->data) != K8S_OK)
                sched_yield(); /* out of memory: the done must not be lost */
        free(j);
        pthread_mutex_lock(&loop->wmu);
    }
    pthread_mutex_unlock(&loop->wmu);
    return NULL;
}

k8s_code k8s_loop_offload(k8s_loop *loop, k8s_fn work, k8s_fn done, void *data)
{
    job *j = malloc(sizeof *j);
    if (!j)
        return K8S_ENOMEM;
    *j = (job){NULL, work, done, data};
    pthread_mutex_lock(&loop->wmu);
    if (loop->wstop) {
        pthread_mutex_unlock(&loop->wmu);
        free(j);
        return K8S_ECLOSED;
    }
    if (!loop->idle && loop->nworkers < MAX_WORKERS &&
        pthread_create(&loop->workers[loop->nworkers], NULL, worker, loop) == 0)
        loop->nworkers++;
    if (!loop->nworkers) {
        pthread_mutex_unlock(&loop->wmu);
        free(j);
        return K8S_ENOMEM;
    }
    if (loop->jobs_tail)
        loop->jobs_tail->next = j;
    else
        loop->jobs = j;
    loop->jobs_tail = j;
    pthread_cond_signal(&loop->wcond);
    pthread_mutex_unlock(&loop->wmu);
    return K8S_OK;
}

void k8s_loop_free(k8s_loop *loop)
{
    if (!loop)
        return;
    if (loop->started) {
        pthread_mutex_lock(&loop->mu);
        atomic_store(&loop->stop, true);
        pthread_cond_signal(&loop->park);
        pthread_mutex_unlock(&loop->mu);
        wake(loop);
        pthread_join(loop->thread, NULL);
    }
    pthread_mutex_lock(&loop->wmu);
    loop->wstop = true;
    pthread_cond_broadcast(&loop->wcond);
    pthread_mutex_unlock(&loop->wmu);
    for (unsigned i = 0; i < loop->nworkers; i++)
        pthread_join(loop->workers[i], NULL);
    /* what was handed over still runs, here: done callbacks release their data */
    pthread_mutex_lock(&loop->mu);
    loop->driving = true;
    loop->driver = pthread_self();
    pthread_mutex_unlock(&loop->mu);
    while (run_calls(loop))
        ;
    free_dead(loop);
    free(loop->heap);
    close(loop->wakefd);
    close(loop->epfd);
    pthread_mutex_destroy(&loop->mu);
    pthread_cond_destroy(&loop->park);
    pthread_mutex_destroy(&loop->wmu);
    pthread_cond_destroy(&loop->wcond);
    free(loop);
}
