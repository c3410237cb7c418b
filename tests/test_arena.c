/* Arena: alignment, zeroing, large blocks, allocator hooks, accounting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "k8s/arena.h"
#include "testutil.h"

static void test_alignment_and_zero(void **state)
{
    (void)state;
    k8s_arena *a = k8s_arena_new();
    assert_non_null(a);
    for (size_t n = 0; n < 100; n++) {
        unsigned char *p = k8s_arena_alloc(a, n * 3 + 1);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 8, 0);
        for (size_t i = 0; i < n * 3 + 1; i++)
            assert_int_equal(p[i], 0);
        memset(p, 0xAB, n * 3 + 1);
    }
    k8s_arena_free(a);
}

static void test_large_and_strings(void **state)
{
    (void)state;
    k8s_arena *a = k8s_arena_new();
    char *small = k8s_arena_strdup(a, "hello");
    char *big = k8s_arena_alloc(a, 1 << 20);
    char *after = k8s_arena_strndup(a, "worldwide", 5);
    assert_non_null(big);
    assert_string_equal(small, "hello");
    assert_string_equal(after, "world");
    assert_null(k8s_arena_strdup(a, NULL));
    assert_true(k8s_arena_size(a) >= (1u << 20));
    /* distinct zero-size allocations are distinct pointers */
    assert_ptr_not_equal(k8s_arena_alloc(a, 0), k8s_arena_alloc(a, 0));
    k8s_arena_free(a);
    k8s_arena_free(NULL);
}

typedef struct counting {
    size_t live, calls, fail_at;
} counting;

static void *count_alloc(void *ctx, size_t size)
{
    counting *c = ctx;
    if (++c->calls == c->fail_at)
        return NULL;
    c->live += size;
    return malloc(size);
}

static void count_free(void *ctx, void *p, size_t size)
{
    counting *c = ctx;
    c->live -= size;
    free(p);
}

static void test_allocator_hooks(void **state)
{
    (void)state;
    counting c = {0, 0, 0};
    k8s_allocator al = {count_alloc, count_free, &c};
    k8s_arena *a = k8s_arena_new_with(&al);
    for (int i = 0; i < 1000; i++)
        assert_non_null(k8s_arena_alloc(a, 100));
    assert_int_equal(k8s_arena_size(a), c.live);
    k8s_arena_free(a);
    assert_int_equal(c.live, 0);

    /* a failing allocator gives NULL, never a crash */
    c = (counting){0, 0, 3};
    a = k8s_arena_new_with(&al);
    int failures = 0;
    for (int i = 0; i < 100; i++)
        if (!k8s_arena_alloc(a, 4000))
            failures++;
    assert_int_equal(failures, 1);
    k8s_arena_free(a);
    assert_int_equal(c.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment_and_zero),
        cmocka_unit_test(test_large_and_strings),
        cmocka_unit_test(test_allocator_hooks),
    };
    return test_run(tests, NULL, NULL);
}
