/* Typed lists decoded as their bytes arrive (list_stream.c): the same
 * result, and the same error at the same place, as k8s_json_decode of the
 * whole body, however the body is split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "k8s/api.h"
#include "list_stream_internal.h"
#include "testutil.h"

#define LIST (&k8s_core_v1_pod_list_desc)

/* Pods with what makes splitting hard: brackets, commas and escaped quotes
 * in strings, nested arrays, an "items" key deeper down, newlines, and the
 * list's metadata after the items. */
static const char tricky[] =
    "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\n \"items\" : [\n"
    "  {\"metadata\":{\"name\":\"a]b,c\",\"labels\":{\"x\":\"{[\\\"]}\"}},"
    "\"spec\":{\"containers\":[{\"name\":\"c\",\"args\":[\"[\",\"]\",\",\"]}],"
    "\"volumes\":[{\"name\":\"v\",\"configMap\":{\"name\":\"m\",\"items\":[{\"key\":\"k\",\"path\":\"p\"}]}}]}},\n"
    "  {\"metadata\":{\"name\":\"\\u00e9t\\u00e9\"}} ,\n"
    "  {}\n"
    " ],\n \"metadata\":{\"resourceVersion\":\"42\",\"continue\":\"tok\"}}";

static char *encode(const void *list)
{
    k8s_buf b = K8S_BUF_INIT;
    k8s_error err;
    assert_int_equal(k8s_json_encode(LIST, list, &b, &err), K8S_OK);
    return b.data;
}

/* Feeds body in pieces of `step` bytes (the first piece `first` bytes). */
static k8s_code stream_decode(const char *body, size_t len, size_t first, size_t step, k8s_arena *a, void **out,
                              k8s_error *err)
{
    k8s_list_stream s;
    k8s_decode_cache *cache = k8s_decode_cache_new(); /* as a client keeps one */
    k8s_list_stream_init(&s, LIST, a, cache);
    k8s_code rc = K8S_OK;
    size_t at = 0, n = first;
    while (at < len && rc == K8S_OK) {
        if (n > len - at)
            n = len - at;
        rc = k8s_list_stream_feed(&s, body + at, n);
        at += n;
        n = step;
    }
    if (rc == K8S_OK)
        rc = k8s_list_stream_end(&s, out, err);
    k8s_list_stream_clear(&s);
    k8s_decode_cache_free(cache);
    return rc;
}

/* Returns the code both gave. */
static k8s_code check_same(const char *body, size_t len, size_t first, size_t step)
{
    k8s_arena *a = k8s_arena_new();
    void *whole, *streamed = NULL;
    k8s_error we, se;
    k8s_code wrc = k8s_json_decode(LIST, body, len, a, &whole, NULL, &we);
    k8s_code src = stream_decode(body, len, first, step, a, &streamed, &se);
    if (wrc != src || (wrc && (strcmp(we.path, se.path) || we.offset != se.offset || we.line != se.line ||
                               we.column != se.column)))
        fail_msg("split at %zu then every %zu of %zu bytes: whole %d '%s' at %zu (%u:%u) '%s', streamed %d '%s' at %zu"
                 " (%u:%u) '%s'",
                 first, step, len, wrc, we.path, we.offset, we.line, we.column, we.message, src, se.path, se.offset,
                 se.line, se.column, se.message);
    if (!wrc) {
        char *a_text = encode(whole), *b_text = encode(streamed);
        assert_string_equal(a_text, b_text);
        free(a_text);
        free(b_text);
    }
    k8s_arena_free(a);
    return wrc;
}

static void test_every_split(void **state)
{
    (void)state;
    size_t len = strlen(tricky);
    for (size_t first = 0; first <= len; first++)
        check_same(tricky, len, first, len);
    check_same(tricky, len, 1, 1);
    check_same(tricky, len, 3, 7);
}

static void test_items_land_in_order(void **state)
{
    (void)state;
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_pod_list *l;
    k8s_error err;
    assert_int_equal(stream_decode(tricky, strlen(tricky), 10, 5, a, (void **)&l, &err), K8S_OK);
    assert_int_equal(l->items_len, 3);
    assert_string_equal(l->items[0].metadata->name, "a]b,c");
    assert_string_equal(l->items[0].spec->containers[0].args[1], "]");
    assert_string_equal(l->items[1].metadata->name, "\xc3\xa9t\xc3\xa9");
    assert_null(l->items[2].metadata);
    assert_string_equal(l->metadata->continue_, "tok");
    k8s_arena_free(a);
}

/* Every prefix of a good body is a truncated one: the same error. */
static void test_truncated(void **state)
{
    (void)state;
    size_t len = strlen(tricky);
    for (size_t cut = 0; cut < len; cut++) {
        check_same(tricky, cut, cut, 1);
        check_same(tricky, cut, cut / 2, 3);
    }
}

static void test_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"items\":[1]}",
        "{\"items\":[{},]}",
        "{\"items\":[,{}]}",
        "{\"items\":[{} {}]}",
        "{\"items\":[{\"metadata\":{\"name\":7}}]}",
        "{\"items\":[{\"metadata\":{\"name\":\"x\"}},{\"spec\":{\"containers\":{}}}]}",
        "{\"items\":[{\"metadata\":{\"name\":\"x\"]}]}",
        "{\"items\":[null]}",
        "{\"items\":[{}],\"items\":[{}]}",
        "{\"kind\":7,\"items\":[{\"metadata\":{\"name\":7}}]}",
        "{\"items\":[{}],\"metadata\":{\"continue\":[]}}",
        "{\"items\":[{}],\n\"metadata\":\n {\"continue\":[]}}",
        "{\"items\":[{}]} trailing",
        "{\"items\":[{}]}}",
        "{\"items\":[{\"a\":\"\n\"}]}",
        "{\"items\":[\"\\\"]\"]}",
        "[{\"items\":[]}]",
        "{\"items\":{}}",
        "not json",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        size_t len = strlen(bad[i]);
        for (size_t first = 0; first <= len; first++)
            if (check_same(bad[i], len, first, 1 + first % 3) == K8S_OK)
                fail_msg("accepted: %s", bad[i]);
    }
}

/* Replies the splitter leaves whole: the same result. */
static void test_other_shapes(void **state)
{
    (void)state;
    static const char *const good[] = {
        "{\"items\":null,\"kind\":\"PodList\"}",
        "{\"kind\":\"PodList\",\"items\":[]}",
        "{\"kind\":\"PodList\",\"items\" :\n[ \n]\n}",
        "{\"\\u0069tems\":[{\"metadata\":{\"name\":\"escaped key\"}}]}",
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Success\"}",
        "{\"metadata\":{\"items\":[]},\"items\":[{}]}",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        size_t len = strlen(good[i]);
        for (size_t first = 0; first <= len; first++)
            if (check_same(good[i], len, first, 1 + first % 4) != K8S_OK)
                fail_msg("rejected: %s", good[i]);
    }
}

static void test_large_list(void **state)
{
    (void)state;
    k8s_buf b = K8S_BUF_INIT;
    k8s_buf_append_str(&b, "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"items\":[");
    for (int i = 0; i < 2000; i++) {
        char pod[256];
        snprintf(pod, sizeof pod,
                 "%s{\"metadata\":{\"name\":\"pod-%d\",\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":"
                 "[{\"name\":\"c\",\"image\":\"nginx:%d\"}]}}",
                 i ? "," : "", i, i % 10);
        k8s_buf_append_str(&b, pod);
    }
    k8s_buf_append_str(&b, "]}");
    assert_int_equal(check_same(b.data, b.len, 1000, 16384), K8S_OK);
    /* the items were decoded as they came: only the rest was kept */
    k8s_arena *sa = k8s_arena_new();
    k8s_list_stream s;
    k8s_list_stream_init(&s, LIST, sa, NULL);
    for (size_t at = 0; at < b.len; at += 4096)
        assert_int_equal(k8s_list_stream_feed(&s, b.data + at, b.len - at < 4096 ? b.len - at : 4096), K8S_OK);
    size_t kept;
    k8s_list_stream_text(&s, &kept);
    assert_true(kept < 100);
    assert_true(s.part.cap < 4096);
    k8s_list_stream_clear(&s);
    k8s_arena_free(sa);
    check_same(b.data, b.len, 77, 1013);
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_pod_list *l;
    k8s_error err;
    assert_int_equal(stream_decode(b.data, b.len, 5, 4096, a, (void **)&l, &err), K8S_OK);
    assert_int_equal(l->items_len, 2000);
    assert_string_equal(l->items[1999].metadata->name, "pod-1999");
    k8s_arena_free(a);
    k8s_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_split),
        cmocka_unit_test(test_items_land_in_order),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_other_shapes),
        cmocka_unit_test(test_large_list),
    };
    return test_run(tests, NULL, NULL);
}
