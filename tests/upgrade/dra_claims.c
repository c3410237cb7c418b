/* Written against Kubernetes 1.33: prints the DRA resource claims of a
 * namespace and checks their device class (resource.k8s.io/v1alpha3). */
#include <stdio.h>

#include <k8s/api.h>

static void print_claim(const k8s_resource_v1alpha3_resource_claim *claim)
{
    printf("%s\n", claim->metadata->name);
    if (!claim->spec || !claim->spec->devices)
        return;
    for (size_t i = 0; i < claim->spec->devices->requests_len; i++) {
        const k8s_resource_v1alpha3_device_request *r = &claim->spec->devices->requests[i];
        printf("  %s: %s\n", r->name, r->deviceClassName);
    }
}

int list_claims(k8s_client *client, k8s_arena *arena, const char *namespace_, k8s_error *err)
{
    k8s_resource_v1alpha3_resource_claim_list *claims;
    if (k8s_resource_v1alpha3_resource_claim_list_get(client, arena, namespace_, NULL, &claims, err))
        return -1;
    for (size_t i = 0; i < claims->items_len; i++)
        print_claim(&claims->items[i]);
    k8s_resource_v1alpha3_device_class *gpu;
    return k8s_resource_v1alpha3_device_class_get(client, arena, "gpu", NULL, &gpu, err) ? -1 : 0;
}
