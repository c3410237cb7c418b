/* The event loop every client runs on, and the small primitives it offers
 * to programs (asyncio's call_soon_threadsafe, timers, to_thread, Queue).
 *
 * A loop runs either on a thread of its own (k8s_loop_start) or inside the
 * program's own event loop: poll k8s_loop_fd() for reading with a timeout
 * of k8s_loop_timeout() milliseconds, then call k8s_loop_run_once(loop, 0).
 * Callbacks (calls, timers, completions of client requests) run on the
 * loop's thread, one at a time; they must not block: hand blocking work to
 * k8s_loop_offload. Linux (epoll, eventfd). */
#ifndef K8S_LOOP_H
#define K8S_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "k8s/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8s_loop k8s_loop;
typedef void (*k8s_fn)(void *data);

k8s_code k8s_loop_new(k8s_loop **out, k8s_error *err);

/* Runs the loop on a new thread until k8s_loop_free. */
k8s_code k8s_loop_start(k8s_loop *loop, k8s_error *err);

/* Stops the loop's thread (if started) and the worker pool, letting work
 * already handed over finish: queued calls and the `done` of offloaded
 * work still run (on the calling thread). Timers must be freed before. Not
 * from a loop callback. NULL is a no-op. */
void k8s_loop_free(k8s_loop *loop);

/* ---- driving the loop yourself ---- */

/* Readable when the loop has something to do. */
int k8s_loop_fd(const k8s_loop *loop);
/* Milliseconds until the next timer is due; -1 when none is. */
int k8s_loop_timeout(const k8s_loop *loop);
/* Waits up to timeout_ms (0: not at all, -1: until something happens) and
 * runs what is ready. Only one thread at a time may drive a loop. */
void k8s_loop_run_once(k8s_loop *loop, int timeout_ms);

/* True on the thread that runs (or is driving) the loop right now. */
bool k8s_loop_on_thread(const k8s_loop *loop);

/* ---- primitives ---- */

/* From any thread: runs fn(data) on the loop soon, in the order of calls. */
k8s_code k8s_loop_call(k8s_loop *loop, k8s_fn fn, void *data);

/* From any thread: runs work(data) on a worker thread, then done(data) on
 * the loop. For what blocks (files, processes, slow user code). */
k8s_code k8s_loop_offload(k8s_loop *loop, k8s_fn work, k8s_fn done, void *data);

/* Timers belong to the loop's thread: create, start, stop and free them
 * there (or before the loop runs). A started timer runs fn(data) once. */
typedef struct k8s_timer k8s_timer;
k8s_timer *k8s_timer_new(k8s_loop *loop, k8s_fn fn, void *data);
void k8s_timer_start(k8s_timer *timer, uint64_t ms); /* (re)arms it */
void k8s_timer_stop(k8s_timer *timer);
bool k8s_timer_active(const k8s_timer *timer);
void k8s_timer_free(k8s_timer *timer); /* NULL is a no-op */

/* Milliseconds on a monotonic clock. */
uint64_t k8s_now_ms(void);

/* A thread-safe FIFO for handing results and events to other threads. */
typedef struct k8s_queue k8s_queue;
/* capacity 0: unbounded. */
k8s_queue *k8s_queue_new(size_t capacity);
/* K8S_EFULL when bounded and full, K8S_ECLOSED after k8s_queue_close. */
k8s_code k8s_queue_put(k8s_queue *q, void *item);
/* Waits up to timeout_ms (-1: forever) for an item: K8S_OK, K8S_ETIMEDOUT,
 * or K8S_ECLOSED once the queue is closed and empty. */
k8s_code k8s_queue_get(k8s_queue *q, int timeout_ms, void **item);
/* Wakes every waiter; items already queued can still be taken. */
void k8s_queue_close(k8s_queue *q);
/* free_item (may be NULL) gets each item still queued. */
void k8s_queue_free(k8s_queue *q, k8s_fn free_item);

#ifdef __cplusplus
}
#endif
#endif
