// Written against Kubernetes 1.35, in C++: reads a gang-scheduling Workload
// (scheduling.k8s.io/v1alpha1).
#include <cstdio>

#include <k8s/api.h>

int print_workload(k8s_client *client, k8s_arena *arena, k8s_error *err)
{
    k8s_scheduling_v1alpha2_workload *w = nullptr;
    if (k8s_scheduling_v1alpha2_workload_get(client, arena, "default", "training", nullptr, &w, err))
        return -1;
    std::printf("%s\n", w->metadata->name);
    return 0;
}
