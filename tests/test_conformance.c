/* Kubernetes' own serialization fixtures (k8s.io/api testdata) through the
 * typed codec: every kind decodes with no unknown field, and encodes back to
 * the same JSON value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "k8s/api.h"
#include "k8s/codec.h"
#include "testutil.h"

static char dir[4096];

static int setup(void **state)
{
    (void)state;
    const char *shared = test_shared_dir();
    if (shared)
        snprintf(dir, sizeof dir, "%s/conformance/k8s-%s", shared, k8s_api_registry.kubernetes_version);
    return 0;
}

/* The kind a fixture file is named after: <group>.<version>.<Kind>.json,
 * group "core" for the legacy group. (WatchEvent has no apiVersion/kind of
 * its own, so the name is the only reliable source.) */
static const k8s_kind_info *kind_of_file(const char *name)
{
    char buf[256], api_version[520];
    snprintf(buf, sizeof buf, "%s", name);
    char *ext = strrchr(buf, '.');
    *ext = '\0';
    char *kind = strrchr(buf, '.');
    *kind++ = '\0';
    char *version = strrchr(buf, '.');
    *version++ = '\0';
    if (strcmp(buf, "core") == 0)
        snprintf(api_version, sizeof api_version, "%s", version);
    else
        snprintf(api_version, sizeof api_version, "%s/%s", buf, version);
    return k8s_registry_find(&k8s_api_registry, api_version, kind);
}

/* Decodes one fixture strictly and compares its encoding with the file. */
static bool roundtrip(const char *name, const char *json, size_t len)
{
    k8s_arena *a = k8s_arena_new();
    const k8s_kind_info *kind = kind_of_file(name);
    void *obj;
    k8s_error err;
    k8s_decode_options strict = {.reject_unknown = true};
    bool ok = false;
    if (!kind) {
        print_error("%s: no such kind in the registry\n", name);
        goto out;
    }
    k8s_code rc = k8s_json_decode(kind->type, json, len, a, &obj, &strict, &err);
    if (rc) {
        char msg[600];
        print_error("%s: %s\n", name, k8s_error_format(&err, msg, sizeof msg));
        goto out;
    }
    k8s_buf out = K8S_BUF_INIT;
    rc = k8s_json_encode(kind->type, obj, &out, &err);
    if (rc) {
        print_error("%s: encode: %s\n", name, err.message);
        k8s_buf_free(&out);
        goto out;
    }
    cJSON *want = cJSON_Parse(json), *got = cJSON_Parse(out.data);
    const char *where = "";
    ok = want && got && test_json_equal(want, got, &where);
    if (!ok)
        print_error("%s: round trip differs at %s\n", name, where);
    cJSON_Delete(want);
    cJSON_Delete(got);
    k8s_buf_free(&out);
out:
    k8s_arena_free(a);
    return ok;
}

static void test_json_fixtures(void **state)
{
    (void)state;
    char **files = test_list_dir(dir, ".json");
    if (!files) {
        test_skip("conformance fixtures not found at %s", dir);
    }
    int n = 0, failed = 0;
    for (char **f = files; *f; f++, n++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, *f);
        size_t len;
        char *json = test_read_file(path, &len);
        assert_non_null(json);
        if (!roundtrip(*f, json, len))
            failed++;
        free(json);
    }
    test_free_list(files);
    print_message("%d fixtures, %d failed\n", n, failed);
    assert_int_equal(failed, 0);
    assert_true(n >= 95); /* 96 kinds for 1.35, 95 for 1.34 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_fixtures),
    };
    return test_run(tests, setup, NULL);
}
