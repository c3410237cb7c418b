/* The tree k8sgen --crd makes from tests/crd/features.yaml (every schema
 * feature; built into the build folder by tests/CMakeLists.txt): its types,
 * names, descriptors and codec behaviour, random objects of its schemas in
 * JSON and YAML, and its typed calls, watches and informer against the test
 * API server. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "crdutil.h"
#include "fixture.h"
#include "k8s/crd_features.h"
#include "k8s/informer.h"
#include "k8s/validate.h"
#include "k8s/watch.h"
#include "k8s/yaml.h"
#include "testutil.h"

typedef k8s_features_k8sgen_test_v1_gadget gadget;
typedef k8s_features_k8sgen_test_v1_gadget_spec gadget_spec;

static const char *features_path(void)
{
    static char path[1024];
    const char *src = getenv("K8S_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/tests/crd/features.yaml", src ? src : "..");
    return path;
}

/* Decodes json as a Gadget, encodes it, and checks the result is the same
 * JSON (keys in any order); the same through YAML. Returns the object. */
static gadget *roundtrip(k8s_arena *a, const char *json)
{
    gadget *g;
    k8s_error err;
    if (k8s_json_decode(&k8s_features_k8sgen_test_v1_gadget_desc, json, strlen(json), a, (void **)&g, NULL, &err))
        fail_msg("decode: %s: %s", err.path, err.message);
    k8s_buf out = K8S_BUF_INIT;
    assert_int_equal(k8s_json_encode(&k8s_features_k8sgen_test_v1_gadget_desc, g, &out, &err), K8S_OK);
    char why[512];
    if (!same_json(json, out.data, why, sizeof why))
        fail_msg("JSON round trip: %s", why);
    jval *v = jv_parse(json, strlen(json));
    k8s_buf yaml = K8S_BUF_INIT, again = K8S_BUF_INIT;
    jv_yaml(v, &yaml);
    jv_free(v);
    gadget *y;
    if (k8s_yaml_decode(&k8s_features_k8sgen_test_v1_gadget_desc, yaml.data, yaml.len, a, (void **)&y, NULL, &err))
        fail_msg("YAML decode: %s: %s\n%s", err.path, err.message, yaml.data);
    assert_int_equal(k8s_json_encode(&k8s_features_k8sgen_test_v1_gadget_desc, y, &again, &err), K8S_OK);
    if (!same_json(json, again.data, why, sizeof why))
        fail_msg("YAML round trip: %s", why);
    k8s_buf_free(&out);
    k8s_buf_free(&yaml);
    k8s_buf_free(&again);
    return g;
}

static const char full_gadget[] =
    "{\"apiVersion\":\"features.k8sgen.test/v1\",\"kind\":\"Gadget\","
    "\"metadata\":{\"name\":\"g1\",\"namespace\":\"ns\",\"labels\":{\"app\":\"a\"}},"
    "\"spec\":{\"replicas\":2,\"size\":9223372036854775807,\"ratio\":0.1,\"weight\":3,\"enabled\":false,"
    "\"mode\":\"with-dash\",\"level\":-3,\"created\":\"2024-01-02T03:04:05Z\",\"blob\":\"aGVsbG8=\","
    "\"address\":\"10.0.0.1\",\"port\":\"http\",\"limits\":{\"cpu\":\"500m\",\"memory\":17179869184},"
    "\"labels\":{\"b\":\"2\",\"a\":\"1\"},\"counts\":{\"x\":-9223372036854775808,\"y\":null},"
    "\"flags\":{\"on\":true,\"off\":false},\"scores\":{\"s\":2.5e-07},"
    "\"stamps\":{\"t\":\"2024-06-30T23:59:59.123456Z\"},\"secrets\":{\"k\":\"AAECAw==\"},"
    "\"groups\":{\"g\":[\"a\",\"b\"],\"e\":[]},\"matrix\":[[1,2],[],[3]],"
    "\"grid\":[[{\"x\":1,\"y\":2}],[{\"x\":3}]],\"cube\":[[[\"a\"],[]],[[\"b\",\"c\"]]],"
    "\"tables\":[{\"k\":\"v\"},{}],\"nested\":{\"inner\":{\"deep\":{\"value\":\"v\"}}},"
    "\"servers\":[{\"name\":\"a\",\"port\":80},{\"name\":\"a\",\"port\":443,\"protocol\":\"UDP\"}],"
    "\"tags\":[\"x\",\"y\"],\"steps\":[{\"run\":\"make\"}],"
    "\"byName\":{\"one\":{\"host\":\"h1\",\"weight\":5},\"two\":{}},"
    "\"byNameList\":{\"l\":[{\"host\":\"h\"}]},\"mapOfMaps\":{\"m\":{\"k\":\"v\"},\"n\":{}},"
    "\"intMatrixMap\":{\"r\":[1,-1]},\"anyMap\":{\"x\":{\"deep\":[1,\"two\",null]},\"y\":3},"
    "\"extra\":{\"z\":1,\"a\":[1,2.5,{\"q\":null}]},\"anything\":[true,\"x\"],"
    "\"template\":{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"t\"},"
    "\"spec\":{\"free\":[1]}},\"embeddedRaw\":{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"data\":{}},"
    "\"optionalNote\":null,\"maybeCount\":null,\"maybeObject\":null,\"maybeList\":null,"
    "\"nullableItems\":[\"a\",null],\"partial\":{\"known\":\"k\",\"other\":{\"kept\":1}},"
    "\"emptyObject\":{},\"choice\":{\"a\":\"x\"},\"default\":\"d\",\"namespace\":\"n\",\"linux\":\"l\","
    "\"class\":1,\"x-dash-name\":\"dash\",\"fooBar\":\"camel\",\"foo_bar\":\"snake\",\"count\":0,"
    "\"has_count\":\"text\",\"settings\":{\"retries\":0,\"note\":\"\"},\"futureField\":{\"a\":1}},"
    "\"status\":{\"replicas\":0,\"selector\":\"app=a\",\"phase\":\"Ready\",\"conditions\":[{\"type\":\"Ready\","
    "\"status\":\"True\",\"lastTransitionTime\":\"2024-01-02T03:04:05Z\"}]},\"unknownTop\":[1]}";

static void test_every_feature_roundtrips(void **state)
{
    (void)state;
    k8s_arena *a = k8s_arena_new();
    gadget *g = roundtrip(a, full_gadget);
    gadget_spec *s = g->spec;
    /* scalars: present and zero/false are kept apart from absent */
    assert_true(s->has_replicas && s->replicas == 2);
    assert_true(s->has_size && s->size == INT64_MAX);
    assert_true(s->has_enabled && !s->enabled);
    assert_true(s->has_count && s->count == 0);
    assert_string_equal(s->has_count_2, "text");
    assert_true(s->has_level && s->level == K8S_FEATURES_K8SGEN_TEST_V1_GADGET_SPEC_LEVEL_MINUS_3);
    assert_string_equal(s->mode, K8S_FEATURES_K8SGEN_TEST_V1_GADGET_SPEC_MODE_WITH_DASH);
    assert_string_equal(s->created, "2024-01-02T03:04:05Z");
    assert_int_equal(s->blob.len, 5);
    assert_memory_equal(s->blob.data, "hello", 5);
    /* int-or-string: a string, and int64 in maps (17179869184 > 2^32) */
    assert_false(s->port.has_intVal);
    assert_string_equal(s->port.strVal, "http");
    assert_int_equal(s->limits_len, 2);
    assert_string_equal(s->limits[0].value.strVal, "500m");
    assert_true(s->limits[1].value.has_intVal && s->limits[1].value.intVal == 17179869184LL);
    /* maps keep document order; maps of scalars have their own entries */
    assert_string_equal(s->labels[0].key, "b");
    assert_true(s->counts[0].has_value && s->counts[0].value == INT64_MIN);
    assert_false(s->counts[1].has_value); /* null, written back as null */
    assert_true(s->flags[1].has_value && !s->flags[1].value);
    assert_true(s->scores[0].value == 2.5e-7);
    assert_int_equal(s->secrets[0].value.len, 4);
    assert_int_equal(s->groups[1].value_len, 0);
    assert_non_null(s->groups[1].value); /* empty, not absent */
    /* arrays of arrays, of maps */
    assert_int_equal(s->matrix_len, 3);
    assert_int_equal(s->matrix[0].items[1], 2);
    assert_int_equal(s->matrix[1].items_len, 0);
    assert_int_equal(s->grid[0].items[0].y, 2);
    assert_false(s->grid[1].items[0].has_y);
    assert_string_equal(s->cube[1].items[0].items[1], "c");
    assert_string_equal(s->tables[0].entries[0].value, "v");
    /* nested objects, list-maps, maps of objects, arrays and maps */
    assert_string_equal(s->nested->inner->deep->value, "v");
    assert_int_equal(s->servers[1].port, 443);
    assert_string_equal(s->byName[0].value.host, "h1");
    assert_null(s->byName[1].value.host);
    assert_string_equal(s->byNameList[0].value[0].host, "h");
    assert_string_equal(s->mapOfMaps[0].value[0].value, "v");
    assert_int_equal(s->intMatrixMap[0].value[1], -1);
    assert_string_equal(s->anyMap[0].value, "{\"deep\":[1,\"two\",null]}");
    /* free-form JSON exactly as sent (compact), in document order */
    assert_string_equal(s->extra, "{\"z\":1,\"a\":[1,2.5,{\"q\":null}]}");
    assert_string_equal(s->anything, "[true,\"x\"]");
    assert_string_equal(s->emptyObject, "{}");
    assert_string_equal(s->nullableItems[1], "null");
    /* embedded resources: typed apiVersion, kind and built-in metadata */
    assert_string_equal(s->template_->kind, "ConfigMap");
    assert_string_equal(s->template_->metadata->name, "t");
    assert_string_equal(s->template_->spec, "{\"free\":[1]}");
    assert_string_equal(s->embeddedRaw, "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"data\":{}}");
    /* unknown fields, at every level, kept */
    assert_string_equal(g->_unknown, "{\"unknownTop\":[1]}");
    assert_string_equal(s->_unknown, "{\"futureField\":{\"a\":1}}");
    assert_string_equal(s->partial->_unknown, "{\"other\":{\"kept\":1}}");
    /* names: keywords and macros mangled, others as in JSON */
    assert_string_equal(s->default_, "d");
    assert_string_equal(s->namespace_, "n");
    assert_string_equal(s->linux_, "l");
    assert_true(s->has_class_);
    assert_string_equal(s->x_dash_name, "dash");
    assert_string_equal(s->fooBar, "camel");
    assert_string_equal(s->foo_bar, "snake");
    assert_true(s->settings->has_retries && s->settings->retries == 0);
    assert_string_equal(g->status->conditions[0].status, "True");
    assert_string_equal(g->status->phase, K8S_FEATURES_K8SGEN_TEST_V1_GADGET_STATUS_PHASE_READY);
    k8s_arena_free(a);
}

static void test_nullable(void **state)
{
    (void)state;
    k8s_arena *a = k8s_arena_new();
    gadget *g = roundtrip(a, full_gadget);
    gadget_spec *s = g->spec;
    assert_true(s->null_optionalNote && !s->optionalNote);
    assert_true(s->null_maybeCount && !s->has_maybeCount);
    assert_true(s->null_maybeObject && !s->maybeObject);
    assert_true(s->null_maybeList && !s->maybeList);
    /* absent stays absent, a value is a value */
    gadget *h = roundtrip(a, "{\"spec\":{\"size\":1,\"servers\":[],\"maybeCount\":0,\"optionalNote\":\"\"}}");
    assert_false(h->spec->null_optionalNote);
    assert_string_equal(h->spec->optionalNote, "");
    assert_true(h->spec->has_maybeCount && !h->spec->null_maybeCount);
    assert_false(h->spec->null_maybeObject);
    /* built by hand: null_ alone sends null */
    gadget_spec spec = {.has_size = true, .size = 1, .servers = K8S_EMPTY, .null_maybeList = true};
    gadget obj = {.spec = &spec};
    k8s_buf out = K8S_BUF_INIT;
    k8s_error err;
    assert_int_equal(k8s_json_encode(&k8s_features_k8sgen_test_v1_gadget_desc, &obj, &out, &err), K8S_OK);
    assert_string_equal(out.data, "{\"spec\":{\"maybeList\":null,\"servers\":[],\"size\":1}}"); /* name order */
    k8s_buf_free(&out);
    /* null where the schema does not allow it reads as absent, as before */
    gadget *n = roundtrip(a, "{\"spec\":{\"size\":1,\"servers\":[],\"mode\":\"Fast\"}}");
    assert_false(n->spec->has_ratio);
    k8s_arena_free(a);
}

static void test_free_form_exact(void **state)
{
    (void)state;
    /* kept as sent, compacted: key order, duplicates, number spelling */
    const char *json = "{\"spec\":{\"extra\":{ \"z\" : 1, \"a\":[1, 2.50, 1e2, {\"q\":null}], \"z\":\"\\u00e9\"},"
                       "\"anything\":-0.0,\"partial\":{\"known\":\"k\",\"b\":1,\"a\":2}}}";
    k8s_arena *a = k8s_arena_new();
    gadget *g;
    k8s_error err;
    assert_int_equal(k8s_json_decode(&k8s_features_k8sgen_test_v1_gadget_desc, json, strlen(json), a, (void **)&g,
                                     NULL, &err),
                     K8S_OK);
    assert_string_equal(g->spec->extra, "{\"z\":1,\"a\":[1,2.50,1e2,{\"q\":null}],\"z\":\"\\u00e9\"}");
    assert_string_equal(g->spec->anything, "-0.0");
    k8s_buf out = K8S_BUF_INIT;
    assert_int_equal(k8s_json_encode(&k8s_features_k8sgen_test_v1_gadget_desc, g, &out, &err), K8S_OK);
    assert_string_equal(out.data, "{\"spec\":{\"anything\":-0.0,\"extra\":{\"z\":1,\"a\":[1,2.50,1e2,{\"q\":null}],"
                                  "\"z\":\"\\u00e9\"},\"partial\":{\"known\":\"k\",\"b\":1,\"a\":2}}}");
    k8s_buf_free(&out);
    k8s_arena_free(a);
}

typedef struct problems {
    char text[2048];
    size_t n;
} problems;

static void collect(void *ctx, k8s_severity severity, const k8s_error *e)
{
    (void)severity;
    problems *p = ctx;
    size_t l = strlen(p->text);
    snprintf(p->text + l, sizeof p->text - l, "%s: %s\n", e->path, e->message);
    p->n++;
}

static void test_required_fields_validate(void **state)
{
    (void)state;
    k8s_arena *a = k8s_arena_new();
    const char *json = "{\"spec\":{\"servers\":[{\"name\":\"a\"}],\"nested\":{\"inner\":{}}},"
                       "\"status\":{\"conditions\":[{\"type\":\"Ready\"}]}}";
    gadget *g;
    k8s_error err;
    assert_int_equal(k8s_json_decode(&k8s_features_k8sgen_test_v1_gadget_desc, json, strlen(json), a, (void **)&g,
                                     NULL, &err),
                     K8S_OK);
    problems p = {.n = 0};
    assert_int_equal(k8s_validate(&k8s_features_k8sgen_test_v1_gadget_desc, g, collect, &p), 4);
    assert_non_null(strstr(p.text, "spec.size: required field is missing"));
    assert_non_null(strstr(p.text, "spec.servers[0].port: required field is missing"));
    assert_non_null(strstr(p.text, "spec.nested.inner.deep: required field is missing"));
    assert_non_null(strstr(p.text, "status.conditions[0].status: required field is missing"));
    /* the full object is valid */
    gadget *full;
    assert_int_equal(k8s_json_decode(&k8s_features_k8sgen_test_v1_gadget_desc, full_gadget, strlen(full_gadget), a,
                                     (void **)&full, NULL, &err),
                     K8S_OK);
    assert_int_equal(k8s_validate(&k8s_features_k8sgen_test_v1_gadget_desc, full, NULL, NULL), 0);
    k8s_arena_free(a);
}

static void test_bad_values_name_the_path(void **state)
{
    (void)state;
    static const struct {
        const char *json, *path, *message;
    } cases[] = {
        {"{\"spec\":{\"replicas\":2147483648}}", "spec.replicas", "out of range for int32"},
        {"{\"spec\":{\"size\":9223372036854775808}}", "spec.size", "out of range for int64"},
        {"{\"spec\":{\"port\":true}}", "spec.port", "expected"},
        {"{\"spec\":{\"matrix\":[[1],\"x\"]}}", "spec.matrix[1]", "expected"},
        {"{\"spec\":{\"counts\":{\"a\":\"1\"}}}", "spec.counts.a", "expected an integer"},
        {"{\"spec\":{\"blob\":\"!!\"}}", "spec.blob", "base64"},
        {"{\"spec\":{\"servers\":[null]}}", "spec.servers[0]", "null is not allowed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        k8s_arena *a = k8s_arena_new();
        void *out;
        k8s_error err;
        assert_int_not_equal(k8s_json_decode(&k8s_features_k8sgen_test_v1_gadget_desc, cases[i].json,
                                             strlen(cases[i].json), a, &out, NULL, &err),
                             K8S_OK);
        if (strcmp(err.path, cases[i].path) != 0 || !strstr(err.message, cases[i].message))
            fail_msg("%s: got %s: %s", cases[i].json, err.path, err.message);
        k8s_arena_free(a);
    }
}

static const k8s_field *field(const k8s_type *t, const char *name)
{
    const k8s_field *f = k8s_type_field(t, name, strlen(name));
    if (!f)
        fail_msg("%s has no field %s", t->name, name);
    return f;
}

static void test_schema_in_descriptors(void **state)
{
    (void)state;
    const k8s_type *spec = &k8s_features_k8sgen_test_v1_gadget_spec_desc;
    const k8s_field *servers = field(spec, "servers");
    assert_int_equal(servers->flags & K8S_FIELD_LIST_TYPE, K8S_FIELD_LIST_MAP);
    assert_true(servers->flags & K8S_FIELD_REQUIRED);
    assert_string_equal(servers->list_map_keys[0], "name");
    assert_string_equal(servers->list_map_keys[1], "port");
    assert_null(servers->list_map_keys[2]);
    assert_int_equal(field(spec, "tags")->flags & K8S_FIELD_LIST_TYPE, K8S_FIELD_LIST_SET);
    assert_int_equal(field(spec, "steps")->flags & K8S_FIELD_LIST_TYPE, K8S_FIELD_LIST_ATOMIC);
    assert_int_equal(field(spec, "matrix")->flags & K8S_FIELD_LIST_TYPE, 0);
    assert_true(field(spec, "labels")->flags & K8S_FIELD_MAP_ATOMIC);
    assert_false(field(spec, "counts")->flags & K8S_FIELD_MAP_ATOMIC);
    const k8s_field *note = field(spec, "optionalNote");
    assert_true(note->flags & K8S_FIELD_NULLABLE);
    assert_int_equal(note->null_at, offsetof(gadget_spec, null_optionalNote));
    assert_false(field(spec, "mode")->flags & K8S_FIELD_NULLABLE);
    const k8s_field *conditions = field(&k8s_features_k8sgen_test_v1_gadget_status_desc, "conditions");
    assert_string_equal(conditions->list_map_keys[0], "type");
    assert_string_equal(spec->name, "features.k8sgen.test/v1.Gadget.spec");
}

static void test_registry_and_resources(void **state)
{
    (void)state;
    const k8s_registry *reg = &k8s_crd_features_registry;
    static const struct {
        const char *api_version, *kind;
        const k8s_type *type;
    } kinds[] = {
        {"features.k8sgen.test/v1", "Gadget", &k8s_features_k8sgen_test_v1_gadget_desc},
        {"features.k8sgen.test/v1", "GadgetList", &k8s_features_k8sgen_test_v1_gadget_list_desc},
        {"features.k8sgen.test/v1beta1", "Gadget", &k8s_features_k8sgen_test_v1beta1_gadget_desc},
        {"other.k8sgen.test/v1", "Widget", &k8s_other_k8sgen_test_v1_widget_desc},
        {"other.k8sgen.test/v1", "WidgetSpec", &k8s_other_k8sgen_test_v1_widget_spec_desc},
        {"legacy.k8sgen.test/v1", "Relic", &k8s_legacy_k8sgen_test_v1_relic_desc},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const k8s_kind_info *k = k8s_registry_find(reg, kinds[i].api_version, kinds[i].kind);
        assert_non_null(k);
        assert_ptr_equal(k->type, kinds[i].type);
    }
    assert_int_equal(reg->nkinds, 10); /* 5 kinds and their lists */
    assert_null(k8s_registry_find(reg, "features.k8sgen.test/v1alpha1", "Gadget")); /* not served */
    assert_true(k8s_features_k8sgen_test_v1_gadget_resource.namespaced);
    assert_false(k8s_other_k8sgen_test_v1_widget_resource.namespaced);
    assert_string_equal(k8s_other_k8sgen_test_v1_widget_resource.resource, "widgets");
    assert_ptr_equal(k8s_registry_find(reg, "features.k8sgen.test/v1", "Gadget")->resource,
                     &k8s_features_k8sgen_test_v1_gadget_resource);
    /* the kind WidgetSpec keeps its name; Widget's .spec gets the next one */
    k8s_other_k8sgen_test_v1_widget_spec_2 ws = {.color = "red"};
    k8s_other_k8sgen_test_v1_widget w = {.spec = &ws};
    assert_string_equal(w.spec->color, "red");
    /* decoding by apiVersion and kind */
    k8s_arena *a = k8s_arena_new();
    const char *json = "{\"apiVersion\":\"legacy.k8sgen.test/v1\",\"kind\":\"Relic\",\"spec\":{\"age\":3}}";
    const k8s_kind_info *info;
    void *obj;
    k8s_error err;
    assert_int_equal(k8s_registry_decode(reg, json, strlen(json), a, &info, &obj, NULL, &err), K8S_OK);
    assert_int_equal(((k8s_legacy_k8sgen_test_v1_relic *)obj)->spec->age, 3);
    k8s_arena_free(a);
}

typedef struct random_run {
    uint64_t rng;
    size_t objects;
} random_run;

static void random_version(void *ctx, const char *group, const char *version, const char *kind, const cJSON *schema)
{
    random_run *run = ctx;
    const char *r = getenv("K8S_RANDOM_ROUNDS");
    char why[1024];
    for (int i = r ? atoi(r) : 200; i > 0; i--, run->objects++)
        if (!crd_roundtrip_random(&k8s_crd_features_registry, &run->rng, schema, group, version, kind, why, sizeof why))
            fail_msg("%s", why);
}

static void test_random_objects_roundtrip(void **state)
{
    (void)state;
    cJSON **docs = crd_read_docs(features_path());
    assert_non_null(docs);
    const char *s = getenv("K8S_RANDOM_SEED");
    random_run run = {s ? strtoull(s, NULL, 10) : 20260312, 0};
    for (cJSON **d = docs; *d; d++)
        crd_each_version(*d, random_version, &run);
    print_message("%zu random objects round-tripped, JSON and YAML\n", run.objects);
    crd_free_docs(docs);
}

/* ---- against the test API server ---- */

static int server_setup(void **state)
{
    fixture_setup(state);
    char why[512];
    if (client && crd_install(writer, features_path(), why, sizeof why))
        fail_msg("%s", why);
    return 0;
}

static gadget *new_gadget(k8s_arena *a, const char *name, int64_t size)
{
    gadget *g = k8s_arena_alloc(a, sizeof *g);
    gadget_spec *s = k8s_arena_alloc(a, sizeof *s);
    k8s_meta_v1_object_meta *m = k8s_arena_alloc(a, sizeof *m);
    k8s_features_k8sgen_test_v1_gadget_spec_servers *srv = k8s_arena_alloc(a, sizeof *srv);
    k8s_string_entry *labels = k8s_arena_alloc(a, sizeof *labels);
    *labels = (k8s_string_entry){"app", "gadgets"};
    *m = (k8s_meta_v1_object_meta){.name = k8s_arena_strdup(a, name), .labels = labels, .labels_len = 1};
    *srv = (k8s_features_k8sgen_test_v1_gadget_spec_servers){.name = "web", .has_port = true, .port = 80};
    *s = (gadget_spec){.has_size = true, .size = size, .servers = srv, .servers_len = 1,
                       .mode = K8S_FEATURES_K8SGEN_TEST_V1_GADGET_SPEC_MODE_SLOW, .has_replicas = true, .replicas = 1,
                       .port = {.has_intVal = true, .intVal = 1LL << 40}, .extra = "{\"b\":[1,2],\"a\":null}",
                       .null_optionalNote = true};
    *g = (gadget){.apiVersion = "features.k8sgen.test/v1", .kind = "Gadget", .metadata = m, .spec = s};
    return g;
}

static void test_server_typed_calls(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("crd", ns, sizeof ns);
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    gadget *made, *got, *patched, *applied;
    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_create(client, a, ns, new_gadget(a, "one", INT64_MAX), NULL, &made,
                                                         &err));
    assert_true(made->spec->size == INT64_MAX);
    assert_true(made->spec->port.has_intVal && made->spec->port.intVal == 1LL << 40);
    char why[512];
    if (!same_json("{\"b\":[1,2],\"a\":null}", made->spec->extra, why, sizeof why)) /* servers sort keys */
        fail_msg("extra: %s", why);
    assert_true(made->spec->null_optionalNote); /* null kept: the field is nullable */
    /* the server's defaults arrive typed */
    assert_true(made->spec->has_enabled && made->spec->enabled);
    assert_true(made->spec->has_maybeCount && made->spec->maybeCount == 7);
    assert_string_equal(made->spec->servers[0].protocol, "TCP");
    assert_true(made->spec->settings->retries == 3);
    assert_non_null(made->metadata->uid);

    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_get(client, a, ns, "one", NULL, &got, &err));
    assert_string_equal(got->metadata->resourceVersion, made->metadata->resourceVersion);
    assert_string_equal(got->spec->mode, "Slow");
    gadget *none;
    assert_int_equal(k8s_features_k8sgen_test_v1_gadget_get(client, a, ns, "none", NULL, &none, &err), K8S_ENOTFOUND);
    assert_null(none);

    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_create(client, a, ns, new_gadget(a, "two", 2), NULL, &made, &err));
    k8s_features_k8sgen_test_v1_gadget_list *list;
    k8s_list_options lo = {.labelSelector = "app=gadgets", .limit = 1, .all_pages = true};
    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_list_get(client, a, ns, &lo, &list, &err));
    assert_int_equal(list->items_len, 2);
    assert_string_equal(list->items[1].metadata->name, "two");
    assert_string_equal(list->kind, "GadgetList");

    k8s_patch_options po = {.type = K8S_PATCH_MERGE};
    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_patch(client, a, ns, "two", "{\"spec\":{\"size\":5,\"tags\":[\"p\"]}}",
                                                        &po, &patched, &err));
    assert_true(patched->spec->size == 5 && patched->spec->tags_len == 1);

    gadget *want = new_gadget(a, "two", 6);
    char *tags[] = {"applied"};
    want->spec->tags = tags;
    want->spec->tags_len = 1;
    k8s_patch_options ao = {.fieldManager = "crd-test", .force = true};
    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_apply(client, a, ns, "two", want, &ao, &applied, &err));
    assert_true(applied->spec->size == 6);
    assert_string_equal(applied->spec->tags[0], "applied");

    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_get(client, a, ns, "one", NULL, &got, &err));
    got->spec->size = 9;
    got->spec->null_optionalNote = false;
    got->spec->optionalNote = "replaced";
    gadget *replaced;
    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_replace(client, a, ns, "one", got, NULL, &replaced, &err));
    assert_true(replaced->spec->size == 9);
    assert_string_equal(replaced->spec->optionalNote, "replaced");

    /* the status subresource: only status changes through it */
    k8s_features_k8sgen_test_v1_gadget_status_conditions cond = {.type = "Ready", .status = "True"};
    k8s_features_k8sgen_test_v1_gadget_status st = {.phase = K8S_FEATURES_K8SGEN_TEST_V1_GADGET_STATUS_PHASE_READY,
                                                     .has_replicas = true, .replicas = 1, .selector = "app=gadgets",
                                                     .conditions = &cond, .conditions_len = 1};
    replaced->status = &st;
    replaced->spec->size = 100;
    gadget *with_status, *status_got;
    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_status_replace(client, a, ns, "one", replaced, NULL, &with_status,
                                                                 &err));
    assert_string_equal(with_status->status->phase, "Ready");
    assert_true(with_status->spec->size == 9); /* spec untouched */
    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_status_patch(client, a, ns, "one",
                                                               "{\"status\":{\"phase\":\"Pending\"}}", &po,
                                                               &status_got, &err));
    assert_string_equal(status_got->status->phase, "Pending");
    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_status_get(client, a, ns, "one", NULL, &status_got, &err));
    assert_string_equal(status_got->status->conditions[0].type, "Ready");

    /* the scale subresource, typed as the built-in autoscaling/v1 Scale */
    k8s_autoscaling_v1_scale *scale, *scaled;
    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_scale_get(client, a, ns, "one", NULL, &scale, &err));
    assert_int_equal(scale->spec->replicas, 1);
    scale->spec->replicas = 4;
    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_scale_replace(client, a, ns, "one", scale, NULL, &scaled, &err));
    assert_int_equal(scaled->spec->replicas, 4);
    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_get(client, a, ns, "one", NULL, &got, &err));
    assert_int_equal(got->spec->replicas, 4);

    gadget *deleted;
    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_delete(client, a, ns, "one", NULL, &deleted, &err));
    k8s_features_k8sgen_test_v1_gadget_list *gone;
    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_list_delete(client, a, ns, NULL, NULL, &gone, &err));
    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_list_get(client, a, ns, NULL, &list, &err));
    assert_int_equal(list->items_len, 0);

    /* a cluster-scoped kind: no namespace argument */
    k8s_meta_v1_object_meta wm = {.name = "w1"};
    k8s_other_k8sgen_test_v1_widget_spec_2 wspec = {.color = "blue"};
    k8s_other_k8sgen_test_v1_widget w = {.apiVersion = "other.k8sgen.test/v1", .kind = "Widget", .metadata = &wm,
                                         .spec = &wspec},
                                        *wout;
    CHECK_OK(k8s_other_k8sgen_test_v1_widget_create(client, a, &w, NULL, &wout, &err));
    CHECK_OK(k8s_other_k8sgen_test_v1_widget_get(client, a, "w1", NULL, &wout, &err));
    assert_string_equal(wout->spec->color, "blue");
    CHECK_OK(k8s_other_k8sgen_test_v1_widget_delete(client, a, "w1", NULL, &wout, &err));
    k8s_arena_free(a);
}

static void on_event(void *data, k8s_watch_event *ev)
{
    if (ev->type == K8S_WATCH_BOOKMARK)
        return;
    const gadget *g = ev->object;
    event_note(data, "%s %s %lld\n", k8s_watch_type_name(ev->type), g->metadata->name, (long long)g->spec->size);
}

static void on_add(void *data, const void *obj)
{
    const gadget *g = obj;
    event_note(data, "add %s %s\n", g->metadata->name, g->spec->mode);
}

static void test_server_watch_and_informer(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("crdw", ns, sizeof ns);
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    gadget *made;
    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_create(writer, a, ns, new_gadget(a, "first", 1), NULL, &made, &err));

    event_log w = EVENT_LOG_INIT, inf_seen = EVENT_LOG_INIT;
    k8s_watcher_options wo = {.on_event = on_event, .on_end = ignore_end, .data = &w};
    k8s_watcher *watcher;
    CHECK_OK(k8s_watcher_start(client, &k8s_features_k8sgen_test_v1_gadget_resource, ns, &wo, &watcher));
    k8s_informer_options io = {.namespace_ = ns, .handlers = {.on_add = on_add, .data = &inf_seen}};
    k8s_informer *inf;
    CHECK_OK(k8s_informer_start(client, &k8s_features_k8sgen_test_v1_gadget_resource, &io, &inf));
    CHECK_OK(k8s_informer_wait_synced(inf, 10000));
    assert_true(event_logged(&w, "ADDED first 1\n"));
    assert_true(event_logged(&inf_seen, "add first Slow\n"));

    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_create(writer, a, ns, new_gadget(a, "second", INT64_MIN), NULL, &made,
                                                         &err));
    assert_true(event_logged(&w, "ADDED second -9223372036854775808\n"));
    k8s_patch_options po = {.type = K8S_PATCH_MERGE};
    gadget *patched;
    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_patch(writer, a, ns, "first", "{\"spec\":{\"size\":77}}", &po,
                                                        &patched, &err));
    assert_true(event_logged(&w, "MODIFIED first 77\n"));
    CHECK_OK(k8s_features_k8sgen_test_v1_gadget_delete(writer, a, ns, "second", NULL, &made, &err));
    assert_true(event_logged(&w, "DELETED second"));

    /* the informer's store holds typed copies */
    assert_true(event_logged(&inf_seen, "add second Slow\n"));
    gadget *cached = NULL;
    for (int i = 0; i < 200; i++) {
        k8s_arena *c = k8s_arena_new();
        if (k8s_informer_get(inf, ns, "first", c, (void **)&cached) == K8S_OK && cached->spec->size == 77) {
            char why[512];
            if (!same_json("{\"b\":[1,2],\"a\":null}", cached->spec->extra, why, sizeof why))
                fail_msg("extra: %s", why);
            k8s_arena_free(c);
            break;
        }
        cached = NULL;
        k8s_arena_free(c);
        usleep(20000);
    }
    assert_non_null(cached);
    for (int i = 0; i < 200 && k8s_informer_size(inf) != 1; i++)
        usleep(20000);
    assert_int_equal(k8s_informer_size(inf), 1);
    k8s_informer_free(inf);
    k8s_watcher_free(watcher);
    k8s_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest offline[] = {
        cmocka_unit_test(test_every_feature_roundtrips),   cmocka_unit_test(test_nullable),
        cmocka_unit_test(test_free_form_exact),
        cmocka_unit_test(test_required_fields_validate),   cmocka_unit_test(test_bad_values_name_the_path),
        cmocka_unit_test(test_schema_in_descriptors),      cmocka_unit_test(test_registry_and_resources),
        cmocka_unit_test(test_random_objects_roundtrip),
    };
    const struct CMUnitTest server[] = {
        cmocka_unit_test(test_server_typed_calls),
        cmocka_unit_test(test_server_watch_and_informer),
    };
    int failed = cmocka_run_group_tests_name("offline", offline, NULL, NULL);
    return failed + cmocka_run_group_tests_name("server", server, server_setup, fixture_teardown);
}
