/* Arena: alignment, zeroing, large blocks, allocator hooks, accounting. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "k8s/arena.h"
#include "k8s/buf.h"
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

/* The one file reader: whole files, NUL-terminated, with a limit, and
 * errno values for what cannot be read. */
static void test_one_file_reader(void **state)
{
    (void)state;
    char dir[] = "/tmp/k8s-read-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/f", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("hello\n", f);
    fclose(f);
    char *data;
    size_t len;
    assert_int_equal(k8s_read_file(path, 100, &data, &len), 0);
    assert_int_equal(len, 6);
    assert_string_equal(data, "hello\n");
    free(data);
    assert_int_equal(k8s_read_file(path, 5, &data, &len), EFBIG); /* one byte too many */
    assert_null(data);
    assert_int_equal(len, 0);
    assert_int_equal(k8s_read_file(dir, 100, &data, &len), EISDIR);
    assert_null(data);
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    assert_int_equal(write(fd[1], "ab", 2), 2);
    close(fd[1]);
    assert_int_equal(k8s_read_fd(fd[0], 100, &data, &len), 0);
    assert_string_equal(data, "ab");
    free(data);
    close(fd[0]);
    f = fopen(path, "wb"); /* empty: "" */
    fclose(f);
    assert_int_equal(k8s_read_file(path, 100, &data, &len), 0);
    assert_int_equal(len, 0);
    assert_string_equal(data, "");
    free(data);
    unlink(path);
    assert_int_equal(k8s_read_file(path, 100, &data, &len), ENOENT);
    assert_null(data);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment_and_zero),
        cmocka_unit_test(test_large_and_strings),
        cmocka_unit_test(test_allocator_hooks),
        cmocka_unit_test(test_one_file_reader),
    };
    return test_run(tests, NULL, NULL);
}
