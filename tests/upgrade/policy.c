/* Written against Kubernetes 1.33: installs a ValidatingAdmissionPolicy
 * (admissionregistration.k8s.io/v1beta1) and reads a pod's service account
 * the old way. */
#include <k8s/admissionregistration/v1beta1_api.h>
#include <k8s/core/v1.h>

int install_policy(k8s_client *client, k8s_arena *arena, k8s_error *err)
{
    k8s_admissionregistration_v1beta1_validation rule = {.expression = "object.spec.replicas <= 5",
                                                        .message = "too many replicas"};
    k8s_admissionregistration_v1beta1_validating_admission_policy_spec spec = {.failurePolicy = "Fail",
                                                                              .validations = &rule,
                                                                              .validations_len = 1};
    k8s_meta_v1_object_meta meta = {.name = "max-replicas"};
    k8s_admissionregistration_v1beta1_validating_admission_policy policy = {.metadata = &meta, .spec = &spec};
    k8s_admissionregistration_v1beta1_validating_admission_policy *created;
    return k8s_admissionregistration_v1beta1_validating_admission_policy_create(client, arena, &policy, NULL, &created,
                                                                               err);
}

const char *service_account(const k8s_core_v1_pod *pod)
{
    return pod->spec->serviceAccount;
}
