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

#endif
