// C++ over the C API: every header included (all_headers.h), a Pod built and
// encoded, then decoded back through the registry.
#include <cstdio>
#include <cstring>
#include <string>

#include "all_headers.h"

int main()
{
    k8s_meta_v1_object_meta meta = k8s_meta_v1_object_meta();
    meta.name = const_cast<char *>("web");
    k8s_core_v1_container container = k8s_core_v1_container();
    container.name = const_cast<char *>("web");
    container.image = const_cast<char *>("nginx:1.27");
    k8s_core_v1_pod_spec spec = k8s_core_v1_pod_spec();
    spec.containers = &container;
    spec.containers_len = 1;
    k8s_core_v1_pod pod = k8s_core_v1_pod();
    pod.apiVersion = const_cast<char *>("v1");
    pod.kind = const_cast<char *>("Pod");
    pod.metadata = &meta;
    pod.spec = &spec;

    k8s_buf json = K8S_BUF_INIT;
    k8s_error err;
    if (k8s_json_encode(&k8s_core_v1_pod_desc, &pod, &json, &err) != K8S_OK) {
        std::fprintf(stderr, "encode: %s\n", err.message);
        return 1;
    }
    k8s_arena *arena = k8s_arena_new();
    const k8s_kind_info *kind = nullptr;
    void *obj = nullptr;
    k8s_code rc = k8s_registry_decode(&k8s_api_registry, json.data, json.len, arena, &kind, &obj, nullptr, &err);
    std::string image = rc == K8S_OK ? static_cast<k8s_core_v1_pod *>(obj)->spec->containers[0].image : "";
    std::printf("C++: %s %s, image %s (%s)\n", kind ? kind->kind : "?", json.data, image.c_str(), K8S_API_VERSION);
    k8s_arena_free(arena);
    k8s_buf_free(&json);
    return rc == K8S_OK && image == "nginx:1.27" ? 0 : 1;
}
