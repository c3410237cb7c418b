/* Reads a Pod manifest and prints its phase and container images. */
#include <stdio.h>

#include <k8s/api_types.h>
#include <k8s/yaml.h>

int main(int argc, char **argv)
{
    static char text[1 << 20];
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
    size_t len = f ? fread(text, 1, sizeof text, f) : 0;
    if (f)
        fclose(f);
    k8s_arena *arena = k8s_arena_new(); /* the Pod lives here; one call frees it */
    k8s_core_v1_pod *pod;
    k8s_error err;
    if (k8s_yaml_decode(&k8s_core_v1_pod_desc, text, len, arena, (void **)&pod, NULL, &err)) {
        char msg[600];
        fprintf(stderr, "%s\n", k8s_error_format(&err, msg, sizeof msg));
        k8s_arena_free(arena);
        return 1;
    }
    printf("%s: %s\n", pod->metadata->name, pod->status ? pod->status->phase : "(no status)");
    for (size_t i = 0; pod->spec && i < pod->spec->containers_len; i++)
        printf("  %s\n", pod->spec->containers[i].image);
    k8s_arena_free(arena);
    return 0;
}
