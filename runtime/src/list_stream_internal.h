/* A typed list reply decoded as its bytes arrive: each element of the
 * top-level "items" array becomes a struct as soon as its last byte is in,
 * so the transfer and the decode overlap and the whole body is never held
 * (only the list's other members and the one item still arriving).
 *
 *   k8s_list_stream s;
 *   k8s_list_stream_init(&s, &k8s_core_v1_pod_list_desc, arena, cache);
 *   k8s_list_stream_feed(&s, bytes, n) ...  as often as bytes come
 *   k8s_list_stream_end(&s, &list, &err);
 *   k8s_list_stream_clear(&s);
 *
 * The result, and every error (its path "items[3].spec..." and its offset,
 * line and column in the whole body), are those k8s_json_decode gives for
 * the same bytes in one piece. Anything the splitter does not recognise as
 * a list's items (another shape, "items" spelt with escapes) is kept as
 * text and decoded whole at the end, so odd input costs memory, never
 * correctness. */
#ifndef K8S_LIST_STREAM_INTERNAL_H
#define K8S_LIST_STREAM_INTERNAL_H

#include <stdbool.h>

#include "internal.h"

typedef struct k8s_list_stream {
    const k8s_type *list_type;
    const k8s_field *items; /* list_type's "items" (an array of structs), or NULL: no streaming */
    k8s_arena *arena;
    k8s_buf shell;  /* the body without the items' text: {...,"items":[],...} */
    k8s_buf part;   /* the item arriving, when it spans chunks */
    k8s_buf structs; /* the decoded items */
    k8s_decode_cache *cache; /* the decoder's, the caller's: kept from item to item */
    size_t nitems;
    /* the splitter */
    size_t offset;           /* body bytes seen */
    unsigned line;           /* of the next byte, 1-based */
    size_t line_start;       /* body offset where that line starts */
    int depth;               /* nesting of the byte seen last */
    bool in_string, escaped;
    bool in_items;           /* inside the top-level "items" array (depth 2) */
    bool in_item;            /* an item's text is being collected */
    bool after_comma;        /* between elements, after a ',' */
    bool need_sep;           /* between elements, after one: ',' or ']' next */
    size_t items_start;      /* body offset after the items' '[' */
    unsigned end_line;       /* line and column of the items' ']' */
    size_t end_column;
    size_t item_offset;      /* where it started in the body */
    unsigned item_line;
    size_t item_column;
    size_t items_cut;        /* shell offset of the items' '[' + 1; SIZE_MAX when none */
    size_t items_removed;    /* body bytes left out of the shell there */
    k8s_code rc;             /* the first failure; feeding stops there */
    k8s_error err;           /* and where it is */
} k8s_list_stream;

/* cache: the decoder's, kept by the caller for one thread's decodes (a
 * client's, on its loop's thread), or NULL: each item is decoded as well,
 * only slower. */
void k8s_list_stream_init(k8s_list_stream *s, const k8s_type *list_type, k8s_arena *arena,
                          k8s_decode_cache *cache);
/* Feeds the next bytes: K8S_OK, or K8S_ENOMEM. A reply found wrong is
 * passed over to its end and reported by k8s_list_stream_end. */
k8s_code k8s_list_stream_feed(k8s_list_stream *s, const char *bytes, size_t n);
/* After the last byte: the list (in arena), or the failure. */
k8s_code k8s_list_stream_end(k8s_list_stream *s, void **list, k8s_error *err);
/* The bytes of the body kept so far, for a reply that turns out not to be
 * decoded as a list (e.g. to read a Status). Valid until the next feed. */
const char *k8s_list_stream_text(const k8s_list_stream *s, size_t *len);
/* Frees the buffers; the stream can be initialised again. */
void k8s_list_stream_clear(k8s_list_stream *s);

#endif
