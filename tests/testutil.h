/* Helpers shared by the test suites. */
#ifndef K8S_TESTUTIL_H
#define K8S_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

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
