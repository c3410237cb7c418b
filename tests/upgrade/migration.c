/* Written against Kubernetes 1.33: starts a storage version migration
 * (storagemigration.k8s.io/v1alpha1) and taints devices of a class
 * (resource.k8s.io/v1alpha3 DeviceTaintRule). */
#include <k8s/api.h>

int migrate(k8s_client *client, k8s_arena *arena, k8s_error *err)
{
    k8s_storagemigration_v1alpha1_group_version_resource gvr = {.group = "apps", .version = "v1",
                                                               .resource = "deployments"};
    k8s_storagemigration_v1alpha1_storage_version_migration_spec spec = {.resource = &gvr};
    k8s_meta_v1_object_meta meta = {.name = "deployments"};
    k8s_storagemigration_v1alpha1_storage_version_migration m = {.metadata = &meta, .spec = &spec}, *out;
    return k8s_storagemigration_v1alpha1_storage_version_migration_create(client, arena, &m, NULL, &out, err);
}

const char *tainted_class(const k8s_resource_v1alpha3_device_taint_rule *rule)
{
    return rule->spec && rule->spec->deviceSelector ? rule->spec->deviceSelector->deviceClassName : NULL;
}
