/* Helpers shared by the test suites. */
#ifndef K8S_TESTUTIL_H
#define K8S_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

/* Runs a suite's group of tests as ctest expects, in place of
 * cmocka_run_group_tests. With K8S_TEST_ONLY set, only the tests whose names
 * match it run (comma-separated globs: test_decoder_*,test_selectors); with
 * K8S_TEST_EXCEPT, the others. Returns the number of failures, or 77
 * (ctest: skipped) when every test that ran skipped itself (test_skip). */
#define test_run(tests, setup, teardown) test_run_group(tests, sizeof(tests) / sizeof((tests)[0]), setup, teardown)
int test_run_group(const struct CMUnitTest *tests, size_t n, CMFixtureFunction setup, CMFixtureFunction teardown);

/* Skips the running test because it cannot do its real work (no server, no
 * data), printing "SKIP: " and the reason. */
#define test_skip(...)                                                                             \
    do {                                                                                           \
        test_note_skip(__VA_ARGS__);                                                               \
        skip();                                                                                    \
    } while (0)
void test_note_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* $K8S_SHARED_DIR (set by ctest), else ../shared beside the source tree;
 * NULL when the folder does not exist. */
const char *test_shared_dir(void);

/* Whole file, NUL-terminated; NULL on failure. Free with free(). */
char *test_read_file(const char *path, size_t *len);

/* Sorted names of the files in dir ending in suffix; NULL-terminated
 * array, free with test_free_list. */
char **test_list_dir(const char *dir, const char *suffix);
void test_free_list(char **list);

/* Equal as JSON values: same keys (any order), same array order, numbers
 * compared by their exact text after normalisation of the form (1.0 == 1,
 * 1e2 == 100 via double comparison when they are not integers). On a
 * difference, *where gets a path (static buffer). */
bool test_json_equal(const cJSON *a, const cJSON *b, const char **where);

#endif
