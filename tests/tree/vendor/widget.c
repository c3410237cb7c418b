/* A program that vendors a tree of custom resources too and decodes a Widget. */
#include <stdio.h>
#include <string.h>

#include <k8s/demo.h>

int main(void)
{
    const char *json = "{\"apiVersion\":\"demo.example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"gizmo\"},"
                       "\"spec\":{\"size\":3,\"color\":\"blue\"}}";
    k8s_arena *arena = k8s_arena_new();
    const k8s_kind_info *kind;
    k8s_demo_example_com_v1_widget *w;
    k8s_error err;
    if (k8s_registry_decode(&k8s_demo_registry, json, strlen(json), arena, &kind, (void **)&w, NULL, &err)) {
        fprintf(stderr, "decode: %s: %s\n", err.path, err.message);
        return 1;
    }
    printf("%s: size %d, color %s\n", w->metadata->name, w->spec->size, w->spec->color);
    k8s_arena_free(arena);
    return 0;
}
