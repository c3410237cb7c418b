/* The watch stream decoder on its own: bytes in, events out. Watches feed
 * it from the network; the benchmark and the tests feed it directly. */
#ifndef K8S_WATCH_INTERNAL_H
#define K8S_WATCH_INTERNAL_H

#include "k8s/watch.h"
#include "objmeta_internal.h"

typedef struct k8s_watch_decoder {
    const k8s_type *type; /* NULL: objects stay JSON text */
    k8s_meta_fields meta; /* typed objects' */
    k8s_watch_fn on_event;
    void *data;
    k8s_buf line;            /* a line cut by a chunk boundary */
    uint64_t nevents;        /* lines read so far */
    k8s_arena *status_arena; /* an ERROR event's Status, which the error points at */
    /* the typed decoder's, kept from event to event (events of one kind
     * have one shape, like a list's items): the client's, or NULL */
    struct k8s_decode_cache *cache;
} k8s_watch_decoder;

void k8s_watch_decoder_init(k8s_watch_decoder *d, const k8s_type *type, k8s_watch_fn on_event,
                            void *data);
/* Any split of the stream into pieces gives the same events. An ERROR
 * event, after on_event has seen it, ends the stream: the result is its
 * code, with err pointing at its Status until k8s_watch_decoder_clear. */
k8s_code k8s_watch_decoder_feed(k8s_watch_decoder *d, const char *bytes, size_t len, k8s_error *err);
void k8s_watch_decoder_clear(k8s_watch_decoder *d);

#endif
