/* Written against Kubernetes 1.32: asks the API server who we are
 * (authentication.k8s.io/v1beta1 SelfSubjectReview). */
#include <stdio.h>

#include <k8s/api.h>

int whoami(k8s_client *client, k8s_arena *arena, k8s_error *err)
{
    k8s_authentication_v1beta1_self_subject_review review = {0}, *out;
    if (k8s_authentication_v1beta1_self_subject_review_create(client, arena, &review, NULL, &out, err))
        return -1;
    printf("%s\n", out->status && out->status->userInfo ? out->status->userInfo->username : "?");
    return 0;
}
