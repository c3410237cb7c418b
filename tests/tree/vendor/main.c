/* A program that vendors the runtime and the 1.35 tree and decodes a Pod. */
#include <stdio.h>
#include <string.h>

#include <k8s/api.h>

int main(void)
{
    const char *json = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\","
                       "\"namespace\":\"demo\"},\"spec\":{\"containers\":[{\"name\":\"web\","
                       "\"image\":\"nginx:1.27\"}]},\"status\":{\"phase\":\"Running\"}}";
    k8s_arena *arena = k8s_arena_new();
    k8s_core_v1_pod *pod;
    k8s_error err;
    if (k8s_json_decode(&k8s_core_v1_pod_desc, json, strlen(json), arena, (void **)&pod, NULL, &err)) {
        fprintf(stderr, "decode: %s: %s\n", err.path, err.message);
        return 1;
    }
    printf("%s/%s: %s, image %s\n", pod->metadata->namespace_, pod->metadata->name, pod->status->phase,
           pod->spec->containers[0].image);
    k8s_arena_free(arena);
    return 0;
}
