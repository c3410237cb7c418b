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

#include "internal.h" /* k8s_arena_adopt, k8s_arena_share */
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

/* A reset arena hands out its kept blocks again: the same memory, zeroed,
 * and no new blocks from the allocator for the same work. */
static void test_reset_reuses_blocks(void **state)
{
    (void)state;
    counting c = {0, 0, 0};
    k8s_allocator al = {count_alloc, count_free, &c};
    k8s_arena *a = k8s_arena_new_with(&al);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 20000; i++) {
            unsigned char *p = k8s_arena_alloc(a, 100 + (size_t)i % 50);
            assert_non_null(p);
            for (size_t j = 0; j < 100; j++)
                assert_int_equal(p[j], 0); /* zeroed, though the block was used */
            memset(p, 0xCD, 100);
            assert_non_null(k8s_arena_strdup(a, "some text"));
        }
        size_t calls = c.calls;
        char *big = k8s_arena_alloc(a, 3 << 20); /* a block of its own: freed by reset */
        assert_non_null(big);
        assert_int_equal(c.calls, calls + 1);
        size_t held = c.live;
        assert_int_equal(k8s_arena_size(a), held);
        k8s_arena_reset(a);
        assert_true(c.live < held);                /* the large block went back */
        assert_int_equal(k8s_arena_size(a), c.live); /* the kept blocks still count */
        if (round)
            assert_int_equal(c.calls, calls + 1); /* the round's blocks were all kept ones */
    }
    /* adopted memory is freed by reset and by free (ASan/valgrind see leaks) */
    char *mine = malloc(1000);
    assert_ptr_equal(k8s_arena_adopt(a, mine, 1000), mine);
    size_t before = k8s_arena_size(a);
    char *more = malloc(10);
    assert_ptr_equal(k8s_arena_adopt(a, more, 10), more);
    assert_true(k8s_arena_size(a) >= before + 10); /* counted (plus its record) */
    k8s_arena_reset(a);
    k8s_arena_reset(a); /* twice in a row, and on an empty arena */
    assert_non_null(k8s_arena_strdup(a, "after"));
    k8s_arena_free(a);
    assert_int_equal(c.live, 0);
    k8s_arena_reset(NULL);

    /* a fresh arena reset at once, then used */
    k8s_arena *b = k8s_arena_new();
    k8s_arena_reset(b);
    assert_string_equal(k8s_arena_strdup(b, "x"), "x");
    k8s_arena_free(b);
}

/* Blocks from 2 MiB on (the default allocator's huge-page ones) work as
 * any other: written end to end, freed, kept by reset. */
static void test_large_blocks(void **state)
{
    (void)state;
    k8s_arena *a = k8s_arena_new();
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 300; i++) {
            char *p = k8s_arena_alloc(a, 64 * 1024 - 64);
            assert_non_null(p);
            memset(p, i, 64 * 1024 - 64);
        }
        assert_true(k8s_arena_size(a) >= 300 * 64 * 1024 - 300 * 64);
        k8s_arena_reset(a);
    }
    k8s_arena_free(a);
}

/* Decoded short strings: a copy each in a small arena; one shared copy of
 * equal ones (up to 15 bytes) once the arena is large; never a share
 * between different strings, nor across a reset. */
static void test_shared_short_strings(void **state)
{
    (void)state;
    k8s_arena *a = k8s_arena_new();
    char *x = k8s_arena_share(a, "TCP", 3), *y = k8s_arena_share(a, "TCP", 3);
    assert_string_equal(x, "TCP");
    assert_ptr_not_equal(x, y); /* small: plain copies */
    while (k8s_arena_size(a) < 512 * 1024)
        assert_non_null(k8s_arena_alloc(a, 4096));
    x = k8s_arena_share(a, "TCP", 3);
    assert_ptr_equal(k8s_arena_share(a, "TCPx", 3), x); /* only n bytes count */
    assert_ptr_equal(k8s_arena_share(a, "TCP", 3), x);
    static const char *const words[] = {"", "T", "TC", "TCP ", "UDP", "IfNotPresent", "123456789012345",
                                        "1234567890123456", "12345678901234567890"};
    char *first[9];
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 9; i++) {
            size_t n = strlen(words[i]);
            char *p = k8s_arena_share(a, words[i], n);
            assert_string_equal(p, words[i]);
            if (round == 0)
                first[i] = p;
            else if (n <= 15)
                assert_ptr_equal(p, first[i]);
            else
                assert_ptr_not_equal(p, first[i]); /* longer ones are always copies */
        }
    /* thousands of distinct strings through the table: each still itself */
    char buf[16];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(buf, sizeof buf, "v%d", i);
        assert_string_equal(k8s_arena_share(a, buf, (size_t)n), buf);
    }
    assert_string_equal(k8s_arena_share(a, "TCP", 3), "TCP");
    k8s_arena_reset(a); /* the table lived in the blocks: starts again */
    while (k8s_arena_size(a) < 512 * 1024)
        assert_non_null(k8s_arena_alloc(a, 4096));
    x = k8s_arena_share(a, "UDP", 3);
    assert_string_equal(x, "UDP");
    assert_ptr_equal(k8s_arena_share(a, "UDP", 3), x);
    k8s_arena_free(a);
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
        cmocka_unit_test(test_reset_reuses_blocks),
        cmocka_unit_test(test_large_blocks),
        cmocka_unit_test(test_shared_short_strings),
        cmocka_unit_test(test_one_file_reader),
    };
    return test_run(tests, NULL, NULL);
}
