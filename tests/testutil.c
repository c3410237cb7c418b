/* Helpers shared by the test suites; see testutil.h. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include "k8s/buf.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int skipped;

void test_note_skip(const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    print_message("SKIP: %s\n", reason);
    skipped++;
}

/* A glob: * matches any run of characters, ? any one. */
static bool glob_matches(const char *s, const char *glob, const char *end)
{
    if (glob == end)
        return !*s;
    if (*glob == '*')
        return glob_matches(s, glob + 1, end) || (*s && glob_matches(s + 1, glob, end));
    return *s && (*glob == '?' || *glob == *s) && glob_matches(s + 1, glob + 1, end);
}

/* Whether name matches one of the comma-separated globs in list. */
static bool listed(const char *name, const char *list)
{
    for (const char *g = list; *g;) {
        const char *end = strchr(g, ',');
        end = end ? end : g + strlen(g);
        if (glob_matches(name, g, end))
            return true;
        g = *end ? end + 1 : end;
    }
    return false;
}

int test_run_group(const struct CMUnitTest *tests, size_t n, CMFixtureFunction setup, CMFixtureFunction teardown)
{
    const char *only = getenv("K8S_TEST_ONLY"), *except = getenv("K8S_TEST_EXCEPT");
    struct CMUnitTest *chosen = calloc(n ? n : 1, sizeof *chosen);
    if (!chosen)
        return 1;
    size_t ran = 0;
    for (size_t i = 0; i < n; i++)
        if ((!only || !*only || listed(tests[i].name, only)) && !(except && *except && listed(tests[i].name, except)))
            chosen[ran++] = tests[i];
    int failed = _cmocka_run_group_tests("tests", chosen, ran, setup, teardown);
    free(chosen);
    if (failed == 0 && ran > 0 && skipped == (int)ran) {
        printf("every test skipped itself: the suite could not do its work\n");
        return 77;
    }
    return failed;
}

const char *test_shared_dir(void)
{
    static char buf[4096];
    const char *env = getenv("K8S_SHARED_DIR");
    if (env && *env)
        snprintf(buf, sizeof buf, "%s", env);
    else
        snprintf(buf, sizeof buf, "%s/../shared", getenv("K8S_SOURCE_DIR") ? getenv("K8S_SOURCE_DIR") : ".");
    struct stat st;
    return stat(buf, &st) == 0 && S_ISDIR(st.st_mode) ? buf : NULL;
}

char *test_read_file(const char *path, size_t *len)
{
    size_t n;
    char *data;
    k8s_read_file(path, (size_t)1 << 30, &data, len ? len : &n);
    return data;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **test_list_dir(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    size_t n = 0, cap = 64;
    char **list = malloc(cap * sizeof *list);
    struct dirent *e;
    size_t sl = strlen(suffix);
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < sl || strcmp(e->d_name + l - sl, suffix) != 0)
            continue;
        if (n + 1 >= cap)
            list = realloc(list, (cap *= 2) * sizeof *list);
        list[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(list, n, sizeof *list, cmp_names);
    list[n] = NULL;
    return list;
}

void test_free_list(char **list)
{
    for (char **p = list; p && *p; p++)
        free(*p);
    free(list);
}

static char where_buf[1024];

static bool eq(const cJSON *a, const cJSON *b, char *path, size_t plen)
{
    if ((a->type & 0xFF) != (b->type & 0xFF)) {
        snprintf(where_buf, sizeof where_buf, "%s: types differ", path);
        return false;
    }
    if (cJSON_IsNumber(a)) {
        if (a->valuedouble != b->valuedouble) {
            snprintf(where_buf, sizeof where_buf, "%s: %.17g != %.17g", path, a->valuedouble, b->valuedouble);
            return false;
        }
        return true;
    }
    if (cJSON_IsString(a)) {
        if (strcmp(a->valuestring, b->valuestring) != 0) {
            snprintf(where_buf, sizeof where_buf, "%s: \"%.60s\" != \"%.60s\"", path, a->valuestring, b->valuestring);
            return false;
        }
        return true;
    }
    if (cJSON_IsArray(a)) {
        int n = cJSON_GetArraySize(a);
        if (n != cJSON_GetArraySize(b)) {
            snprintf(where_buf, sizeof where_buf, "%s: %d vs %d items", path, n, cJSON_GetArraySize(b));
            return false;
        }
        const cJSON *x = a->child, *y = b->child;
        for (int i = 0; x; i++, x = x->next, y = y->next) {
            size_t l = strlen(path);
            snprintf(path + l, plen - l, "[%d]", i);
            if (!eq(x, y, path, plen))
                return false;
            path[l] = '\0';
        }
        return true;
    }
    if (cJSON_IsObject(a)) {
        if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b)) {
            const cJSON *x;
            cJSON_ArrayForEach(x, a) if (!cJSON_GetObjectItemCaseSensitive(b, x->string))
            {
                snprintf(where_buf, sizeof where_buf, "%s.%s: missing on the right", path, x->string);
                return false;
            }
            cJSON_ArrayForEach(x, b) if (!cJSON_GetObjectItemCaseSensitive(a, x->string))
            {
                snprintf(where_buf, sizeof where_buf, "%s.%s: missing on the left", path, x->string);
                return false;
            }
            snprintf(where_buf, sizeof where_buf, "%s: key counts differ", path);
            return false;
        }
        const cJSON *x;
        cJSON_ArrayForEach(x, a)
        {
            const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, x->string);
            size_t l = strlen(path);
            snprintf(path + l, plen - l, ".%s", x->string);
            if (!y) {
                snprintf(where_buf, sizeof where_buf, "%s: missing on the right", path);
                return false;
            }
            if (!eq(x, y, path, plen))
                return false;
            path[l] = '\0';
        }
        return true;
    }
    return true; /* null, true, false: type equality suffices */
}

bool test_json_equal(const cJSON *a, const cJSON *b, const char **where)
{
    char path[1024] = "";
    bool ok = eq(a, b, path, sizeof path);
    if (where)
        *where = ok ? "" : where_buf;
    return ok;
}
