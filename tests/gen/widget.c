/* Uses the tree generated from widget.json: the names it must have, and a
 * round trip through them. Compiled as C11 and as C++. */
#include <stdio.h>
#include <string.h>

#include <k8s/api.h>

#define CHECK(cond)                                                   \
    do {                                                              \
        if (!(cond)) {                                                \
            fprintf(stderr, "widget.c:%d: %s failed\n", __LINE__, #cond); \
            return 1;                                                 \
        }                                                             \
    } while (0)

int main(void)
{
    /* fields in spec order, except that metadata (with kind and apiVersion) leads */
    const char *json =
        "{\"metadata\":{\"name\":\"w\",\"namespace\":\"ns\"},\"name\":\"n\",\"namespace\":\"s\","
        "\"default\":false,\"$ref\":\"r\",\"x-kubernetes-thing\":7,\"linux\":\"l\","
        "\"count\":-9223372036854775808,\"ratio\":0.25,\"blob\":\"AQI=\",\"when\":\"2024-01-01T00:00:00Z\","
        "\"size\":\"1Gi\",\"port\":\"http\",\"tags\":[],\"parts\":[{\"id\":1}],\"labels\":{\"k\":\"v\"},"
        "\"byName\":{\"p\":{\"id\":2}},\"lists\":{\"a\":[\"b\"]},\"anything\":{\"a\":[1]},\"raw\":[true],"
        "\"empty\":{\"x\":1}}";
    k8s_arena *a = k8s_arena_new();
    k8s_demo_v1_widget *w = NULL;
    k8s_error err;
    CHECK(k8s_json_decode(&k8s_demo_v1_widget_desc, json, strlen(json), a, (void **)&w, NULL, &err) == K8S_OK);
    CHECK(strcmp(w->_ref, "r") == 0);
    CHECK(w->has_default_ && !w->default_);
    CHECK(strcmp(w->namespace_, "s") == 0);
    CHECK(strcmp(w->linux_, "l") == 0);
    CHECK(w->has_x_kubernetes_thing && w->x_kubernetes_thing == 7);
    CHECK(w->has_count && w->count == INT64_MIN);
    CHECK(w->blob.len == 2 && w->blob.data[1] == 2);
    CHECK(w->byName_len == 1 && w->byName[0].value.has_id && w->byName[0].value.id == 2);
    CHECK(w->lists[0].value_len == 1);
    CHECK(strcmp(w->anything, "{\"a\":[1]}") == 0);
    CHECK(strcmp(w->raw, "[true]") == 0);
    CHECK(strcmp(w->empty->_unknown, "{\"x\":1}") == 0);
    CHECK(w->port.strVal && strcmp(w->port.strVal, "http") == 0);
    CHECK(w->tags != NULL && w->tags_len == 0);
    CHECK(strcmp(w->metadata->namespace_, "ns") == 0);
    k8s_buf out = K8S_BUF_INIT;
    CHECK(k8s_json_encode(&k8s_demo_v1_widget_desc, w, &out, &err) == K8S_OK);
    if (strcmp(out.data, json) != 0)
        fprintf(stderr, "encoded: %s\nwanted:  %s\n", out.data, json);
    CHECK(strcmp(out.data, json) == 0);
    k8s_buf_free(&out);
    const k8s_kind_info *k = k8s_registry_find(&k8s_api_registry, "demo.example.com/v1", "Widget");
    CHECK(k && k->type == &k8s_demo_v1_widget_desc);
    CHECK(strcmp(K8S_API_VERSION, "0.1") == 0);
    k8s_arena_free(a);
    puts("widget: ok");
    return 0;
}
