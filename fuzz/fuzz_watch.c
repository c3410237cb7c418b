/* The watch stream decoder (runtime/src/watch_internal.h): newline-ended
 * {"type","object"} events cut into arbitrary pieces.
 *
 * Input: 1 byte choosing the object type (bits 0-1: dynamic JSON text,
 * Pod, ConfigMap, Deployment) and whether the callback takes each event's
 * arena and frees it before returning (bit 2), 4 bytes seeding the piece
 * sizes, then the stream. The stream is decoded twice, whole and in
 * pieces, and both must give the same events (type, metadata, object), the
 * same result and the same error text and Status: "any split of the stream
 * gives the same events". */
#include <string.h>

#include "fuzz.h"
#include "k8s/api_types.h"
#include "watch_internal.h"

static const k8s_type *types[4];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const char *const kinds[][2] = {{"v1", "Pod"}, {"v1", "ConfigMap"},
                                           {"apps/v1", "Deployment"}};
    for (size_t i = 0; i < 3; i++) {
        const k8s_kind_info *k = k8s_registry_find(&k8s_api_registry, kinds[i][0], kinds[i][1]);
        FUZZ_CHECK(k, "%s %s is not in the registry", kinds[i][0], kinds[i][1]);
        types[i + 1] = k->type;
    }
    return 0;
}

typedef struct run {
    const k8s_type *type;
    bool take; /* the callback takes each event's arena (and frees it) */
    k8s_buf log; /* one line per event: what the callback saw, then the end */
} run;

static void put(k8s_buf *b, const char *s)
{
    FUZZ_CHECK(k8s_buf_append_str(b, s ? s : "(null)") == K8S_OK &&
                   k8s_buf_append(b, "|", 1) == K8S_OK,
               "out of memory");
}

static void on_event(void *data, k8s_watch_event *ev)
{
    run *r = data;
    FUZZ_CHECK(ev->type >= K8S_WATCH_ADDED && ev->type <= K8S_WATCH_ERROR, "event type %d",
               (int)ev->type);
    FUZZ_CHECK(ev->arena, "an event without its arena");
    FUZZ_CHECK((ev->type == K8S_WATCH_ERROR) == (ev->object == NULL),
               "%s event with object %p", k8s_watch_type_name(ev->type), ev->object);
    FUZZ_CHECK(!ev->initial_events_end || ev->type == K8S_WATCH_BOOKMARK,
               "initial-events-end on a %s event", k8s_watch_type_name(ev->type));
    put(&r->log, k8s_watch_type_name(ev->type));
    put(&r->log, ev->namespace_);
    put(&r->log, ev->name);
    put(&r->log, ev->resource_version);
    put(&r->log, ev->initial_events_end ? "end" : "");
    if (ev->type == K8S_WATCH_ERROR) {
        put(&r->log, ev->status ? ev->status->message : NULL);
    } else if (r->type) {
        k8s_error err = {0};
        k8s_code rc = k8s_json_encode(r->type, ev->object, &r->log, &err);
        FUZZ_CHECK(rc == K8S_OK, "encoding a decoded %s: %s", r->type->name, err.message);
    } else {
        put(&r->log, ev->object);
    }
    put(&r->log, "\n");
    if (r->take) { /* the caller's now: "set arena to NULL and free it yourself" */
        k8s_arena *mine = ev->arena;
        ev->arena = NULL;
        k8s_arena_free(mine);
    }
}

/* Feeds the stream in pieces (size 0: whole) and returns the result. */
static k8s_code decode(run *r, const char *bytes, size_t len, uint32_t seed, k8s_error *err)
{
    k8s_watch_decoder d;
    k8s_watch_decoder_init(&d, r->type, on_event, r);
    k8s_code rc = K8S_OK;
    while (len && rc == K8S_OK) {
        size_t n = seed ? fuzz_chunk(&seed, len) : len;
        rc = k8s_watch_decoder_feed(&d, bytes, n, err);
        bytes += n;
        len -= n;
    }
    if (err->status) /* an ERROR event's Status, valid until the decoder is cleared */
        put(&r->log, err->status->message);
    err->status = NULL;
    k8s_watch_decoder_clear(&d);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    unsigned flags = fuzz_byte(&in);
    const k8s_type *type = types[flags % 4];
    bool take = flags & 4;
    uint32_t seed = (uint32_t)fuzz_u16(&in) << 16;
    seed |= fuzz_u16(&in);
    seed |= 1; /* nonzero: pieces */
    run whole = {type, take, K8S_BUF_INIT}, pieces = {type, take, K8S_BUF_INIT};
    k8s_error whole_err = {0}, pieces_err = {0};
    k8s_code whole_rc = decode(&whole, (const char *)in.data, in.size, 0, &whole_err);
    k8s_code pieces_rc = decode(&pieces, (const char *)in.data, in.size, seed, &pieces_err);
    FUZZ_CHECK(whole_rc == pieces_rc, "whole: %s (%s), in pieces: %s (%s)",
               k8s_strerror(whole_rc), whole_err.message, k8s_strerror(pieces_rc),
               pieces_err.message);
    FUZZ_CHECK(strcmp(whole_err.message, pieces_err.message) == 0 &&
                   strcmp(whole_err.path, pieces_err.path) == 0,
               "error text differs: \"%s: %s\" whole, \"%s: %s\" in pieces", whole_err.path,
               whole_err.message, pieces_err.path, pieces_err.message);
    FUZZ_CHECK(whole.log.len == pieces.log.len &&
                   (!whole.log.len || memcmp(whole.log.data, pieces.log.data, whole.log.len) == 0),
               "events differ\nwhole:\n%.*s\nin pieces:\n%.*s", 3000,
               whole.log.data ? whole.log.data : "", 3000,
               pieces.log.data ? pieces.log.data : "");
    k8s_buf_free(&whole.log);
    k8s_buf_free(&pieces.log);
    return 0;
}
