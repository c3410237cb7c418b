/* What the loop offers the runtime's own modules beyond k8s/loop.h:
 * watching file descriptors (libcurl's sockets). Private. */
#ifndef K8S_LOOP_INTERNAL_H
#define K8S_LOOP_INTERNAL_H

#include "k8s/loop.h"

enum { K8S_IO_READ = 1, K8S_IO_WRITE = 2, K8S_IO_ERROR = 4 };

typedef void (*k8s_io_fn)(void *data, int fd, int events);
typedef struct k8s_io k8s_io;

/* Loop thread only. events: K8S_IO_READ | K8S_IO_WRITE. cb gets what is
 * ready (K8S_IO_ERROR for errors and hang-ups). */
k8s_io *k8s_io_watch(k8s_loop *loop, int fd, int events, k8s_io_fn cb, void *data);
void k8s_io_update(k8s_io *io, int events);
/* Stops watching; safe while the loop is dispatching events (the watch is
 * freed after the current batch). Does not close the fd. */
void k8s_io_close(k8s_io *io);

/* A started loop whose thread is parked (nothing to do: no timer armed, no
 * fd watched, no call queued) may be driven by the calling thread instead,
 * which saves a blocking call the two thread hand-offs: true when this
 * thread now drives the loop (k8s_loop_run_once) until k8s_loop_give_back;
 * false (busy, or not started) and nothing changed. Calls queued from
 * other threads meanwhile (k8s_loop_call) are left to the loop's thread:
 * so async callbacks still run there. */
bool k8s_loop_borrow(k8s_loop *loop);
/* Calls wait to run: the borrowing thread should give the loop back. */
bool k8s_loop_wanted(k8s_loop *loop);
/* Parks the loop again when it is idle, else wakes its thread to go on. */
void k8s_loop_give_back(k8s_loop *loop);

#endif
