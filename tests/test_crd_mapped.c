/* A tree made with --map Rollout.spec.template=core/v1.PodTemplateSpec
 * (tests/CMakeLists.txt): the Rollout's pod template is the built-in
 * k8s_core_v1_pod_template_spec, so the built-in tree's types, Quantity and
 * IntOrString included, apply there; the example Rollout decodes into it
 * strictly and round-trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crdutil.h"
#include "k8s/crd_rollouts.h"
#include "k8s/validate.h"
#include "k8s/yaml.h"
#include "testutil.h"

static void test_rollout_template_is_the_builtin_type(void **state)
{
    (void)state;
    char path[1024];
    const char *src = getenv("K8S_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/tests/crd/examples/argo-rollouts.yaml", src ? src : "..");
    size_t len;
    char *data = test_read_file(path, &len);
    assert_non_null(data);
    k8s_yaml_reader *ys;
    k8s_error err;
    k8s_buf json = K8S_BUF_INIT, out = K8S_BUF_INIT;
    assert_int_equal(k8s_yaml_reader_start(&ys, data, len, &err), K8S_OK);
    assert_int_equal(k8s_yaml_reader_next(ys, &json, &err), K8S_OK); /* the Rollout comes first */
    k8s_arena *a = k8s_arena_new();
    k8s_decode_options strict = {.reject_unknown = true};
    const k8s_kind_info *info;
    k8s_argoproj_io_v1alpha1_rollout *ro;
    if (k8s_registry_decode(&k8s_crd_rollouts_registry, json.data, json.len, a, &info, (void **)&ro, &strict, &err))
        fail_msg("%s: %s", err.path, err.message);
    k8s_core_v1_pod_template_spec *tmpl = ro->spec->template_;
    const k8s_core_v1_container *c = &tmpl->spec->containers[0];
    assert_string_equal(c->image, "argoproj/rollouts-demo:blue");
    assert_string_equal(c->resources->requests[1].key, "memory");
    assert_string_equal(c->resources->requests[1].value, "64Mi"); /* a Quantity */
    assert_string_equal(c->readinessProbe->httpGet->port.strVal, "http");
    assert_int_equal(c->ports[0].containerPort, 8080);
    assert_string_equal(tmpl->metadata->labels[0].value, "guestbook");
    assert_int_equal(k8s_validate(info->type, ro, NULL, NULL), 0);
    assert_int_equal(k8s_json_encode(info->type, ro, &out, &err), K8S_OK);
    char *want = canonical_json(json.data, json.len), *got = canonical_json(out.data, out.len);
    assert_string_equal(got, want);
    free(want);
    free(got);
    /* the rest of the tree is as without --map */
    assert_non_null(k8s_registry_find(&k8s_crd_rollouts_registry, "argoproj.io/v1alpha1", "RolloutList"));
    k8s_arena_free(a);
    k8s_yaml_reader_free(ys);
    k8s_buf_free(&json);
    k8s_buf_free(&out);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rollout_template_is_the_builtin_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
