/* Informers against the bundled test API server: the synced store equals
 * the server (typed and dynamic), a storm of changes with dropped watches
 * converges with a consistent handler sequence, a 410 relist reports the
 * difference, streaming lists are used (and given up on a server without
 * them), lookups from other threads while events flow, freeing while it
 * runs. And the label selector parser, which needs no server. */
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
#include <cjson/cJSON.h>
#include <pthread.h>

#include "k8s/api.h"
#include "k8s/informer.h"
#include "k8s/selector.h"
#include "pack_internal.h"
#include "fixture.h"
#include "testutil.h"

/* ConfigMaps through the dynamic client: objects as JSON text. */
static const k8s_resource dyn_cms = {"", "v1", "configmaps", "ConfigMap", true, NULL, NULL};

/* ---- "name rv" lines, sorted: what the server has and what a store has ---- */

typedef struct keys {
    char (*v)[96];
    int n;
} keys;

static int cmp_line(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void keys_add(keys *k, const char *name, const char *rv)
{
    k->v = realloc(k->v, (size_t)(k->n + 1) * sizeof *k->v);
    snprintf(k->v[k->n++], 96, "%s %s", name, rv);
}

static void keys_sort(keys *k)
{
    if (k->n)
        qsort(k->v, (size_t)k->n, sizeof *k->v, cmp_line);
}

static keys server_keys(const char *ns, const char *selector)
{
    keys k = {0};
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_config_map_list *l;
    k8s_list_options lo = {.labelSelector = selector};
    k8s_error err;
    CHECK_OK(k8s_core_v1_config_map_list_get(writer, a, ns, &lo, &l, &err));
    for (size_t i = 0; i < l->items_len; i++)
        keys_add(&k, l->items[i].metadata->name, l->items[i].metadata->resourceVersion);
    k8s_arena_free(a);
    keys_sort(&k);
    return k;
}

/* The name and resourceVersion of a stored object, typed or JSON text. */
static void obj_key(const void *obj, bool dynamic, char *ns, char *name, char *rv)
{
    if (!dynamic) {
        const k8s_core_v1_config_map *cm = obj;
        snprintf(ns, 64, "%s", cm->metadata->namespace_);
        snprintf(name, 64, "%s", cm->metadata->name);
        snprintf(rv, 32, "%s", cm->metadata->resourceVersion);
        return;
    }
    cJSON *doc = cJSON_Parse(obj);
    assert_non_null(doc);
    cJSON *meta = cJSON_GetObjectItem(doc, "metadata");
    snprintf(ns, 64, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(meta, "namespace")));
    snprintf(name, 64, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(meta, "name")));
    snprintf(rv, 32, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(meta, "resourceVersion")));
    cJSON_Delete(doc);
}

static keys store_keys(k8s_informer *inf, const char *ns, const char *selector, bool dynamic)
{
    keys k = {0};
    k8s_arena *a = k8s_arena_new();
    void **objs;
    size_t n;
    assert_int_equal(k8s_informer_list(inf, ns, selector, a, &objs, &n), K8S_OK);
    for (size_t i = 0; i < n; i++) {
        char ons[64], name[64], rv[32];
        obj_key(objs[i], dynamic, ons, name, rv);
        keys_add(&k, name, rv);
    }
    k8s_arena_free(a);
    keys_sort(&k);
    return k;
}

static bool keys_equal(const keys *a, const keys *b)
{
    if (a->n != b->n)
        return false;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->v[i], b->v[i]) != 0)
            return false;
    return true;
}

static void keys_print(const char *what, const keys *k)
{
    print_message("%s (%d):", what, k->n);
    for (int i = 0; i < k->n; i++)
        print_message(" [%s]", k->v[i]);
    print_message("\n");
}

/* Waits (up to 20 s) until the store has what the server has. */
static void assert_converges(k8s_informer *inf, const char *ns, bool dynamic)
{
    keys want = {0}, have = {0};
    bool same = false;
    for (int i = 0; i < 200 && !same; i++) {
        free(want.v);
        free(have.v);
        want = server_keys(ns, NULL);
        have = store_keys(inf, ns, NULL, dynamic);
        same = keys_equal(&want, &have);
        if (!same)
            usleep(100000);
    }
    if (!same) {
        keys_print("server", &want);
        keys_print("store", &have);
    }
    free(want.v);
    free(have.v);
    assert_true(same);
}

/* ---- recording handler calls and checking their sequence ---- */

typedef struct shadow_entry {
    char key[160];
    char rv[32];
} shadow_entry;

/* What the handlers have said the store holds, and any call that did not
 * fit it (an add for a key it had, an update or delete for one it lacked,
 * an update whose old object was not the last one reported). */
typedef struct recorder {
    pthread_mutex_t mu;
    bool dynamic;
    const char *ns; /* only this namespace's objects are tracked */
    shadow_entry *v;
    int n, cap;
    int adds, updates, deletes, synced, errors, violations;
    int ends; /* on_end calls, and the last one's code */
    k8s_code end_code;
    char last_violation[256];
    char log[512][96]; /* "ADD name", ... after `logging` is set */
    int nlog;
    bool logging;
    k8s_informer *free_me; /* on_add frees the informer after free_after adds */
    int free_after;
    int calls_after_free;
    bool freed;
} recorder;

static recorder *new_recorder(bool dynamic, const char *ns)
{
    recorder *r = calloc(1, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    r->dynamic = dynamic;
    r->ns = ns;
    return r;
}

static void free_recorder(recorder *r)
{
    pthread_mutex_destroy(&r->mu);
    free(r->v);
    free(r);
}

static int shadow_find(recorder *r, const char *key)
{
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->v[i].key, key) == 0)
            return i;
    return -1;
}

static void violation(recorder *r, const char *what, const char *key)
{
    r->violations++;
    snprintf(r->last_violation, sizeof r->last_violation, "%s: %s", key, what);
}

static void note(recorder *r, const char *what, const char *name)
{
    if (r->logging && r->nlog < 512)
        snprintf(r->log[r->nlog++], 96, "%s %s", what, name);
}

static bool tracked(recorder *r, const void *obj, char *key, char *name, char *rv)
{
    char ns[64];
    obj_key(obj, r->dynamic, ns, name, rv);
    snprintf(key, 160, "%s/%s", ns, name);
    return !r->ns || strcmp(ns, r->ns) == 0;
}

static void on_add(void *data, const void *obj)
{
    recorder *r = data;
    char key[160], name[64], rv[32];
    pthread_mutex_lock(&r->mu);
    if (r->freed)
        r->calls_after_free++;
    if (tracked(r, obj, key, name, rv)) {
        r->adds++;
        note(r, "ADD", name);
        if (shadow_find(r, key) >= 0) {
            violation(r, "an add for a key the store had", key);
        } else {
            if (r->n == r->cap) {
                r->cap = r->cap ? r->cap * 2 : 64;
                r->v = realloc(r->v, (size_t)r->cap * sizeof *r->v);
            }
            snprintf(r->v[r->n].key, sizeof r->v[r->n].key, "%s", key);
            snprintf(r->v[r->n++].rv, sizeof r->v[0].rv, "%s", rv);
        }
    }
    k8s_informer *f = r->free_me && r->adds >= r->free_after ? r->free_me : NULL;
    if (f) {
        r->free_me = NULL;
        r->freed = true;
    }
    pthread_mutex_unlock(&r->mu);
    if (f)
        k8s_informer_free(f); /* on the loop thread, inside a handler */
}

static void on_update(void *data, const void *old_obj, const void *new_obj)
{
    recorder *r = data;
    char key[160], name[64], rv[32], okey[160], oname[64], orv[32];
    pthread_mutex_lock(&r->mu);
    if (r->freed)
        r->calls_after_free++;
    if (tracked(r, new_obj, key, name, rv)) {
        tracked(r, old_obj, okey, oname, orv);
        r->updates++;
        note(r, "UPDATE", name);
        int i = shadow_find(r, key);
        if (i < 0 || strcmp(okey, key) != 0)
            violation(r, "an update for a key the store lacked", key);
        else if (strcmp(r->v[i].rv, orv) != 0)
            violation(r, "an update whose old object is not the last one reported", key);
        else
            snprintf(r->v[i].rv, sizeof r->v[i].rv, "%s", rv);
    }
    pthread_mutex_unlock(&r->mu);
}

static void on_delete(void *data, const void *obj)
{
    recorder *r = data;
    char key[160], name[64], rv[32];
    pthread_mutex_lock(&r->mu);
    if (r->freed)
        r->calls_after_free++;
    if (tracked(r, obj, key, name, rv)) {
        r->deletes++;
        note(r, "DELETE", name);
        int i = shadow_find(r, key);
        if (i < 0)
            violation(r, "a delete for a key the store lacked", key);
        else
            r->v[i] = r->v[--r->n];
    }
    pthread_mutex_unlock(&r->mu);
}

static void on_synced(void *data)
{
    recorder *r = data;
    pthread_mutex_lock(&r->mu);
    r->synced++;
    pthread_mutex_unlock(&r->mu);
}

static void on_error(void *data, const k8s_error *err)
{
    recorder *r = data;
    (void)err;
    pthread_mutex_lock(&r->mu);
    r->errors++;
    pthread_mutex_unlock(&r->mu);
}

static void on_end(void *data, k8s_code code, const k8s_error *err)
{
    recorder *r = data;
    assert_non_null(err);
    pthread_mutex_lock(&r->mu);
    r->ends++;
    r->end_code = code;
    pthread_mutex_unlock(&r->mu);
}

static k8s_informer_handlers handlers(recorder *r)
{
    return (k8s_informer_handlers){.on_add = on_add, .on_update = on_update, .on_delete = on_delete,
                                   .on_synced = on_synced, .on_error = on_error, .on_end = on_end, .data = r};
}

/* The handlers' view, as "name rv" lines, equals the server's. */
static void assert_shadow_is(recorder *r, const char *ns)
{
    keys want = server_keys(ns, NULL), have = {0};
    pthread_mutex_lock(&r->mu);
    for (int i = 0; i < r->n; i++)
        keys_add(&have, strchr(r->v[i].key, '/') + 1, r->v[i].rv);
    int violations = r->violations;
    pthread_mutex_unlock(&r->mu);
    keys_sort(&have);
    if (violations)
        print_message("handler sequence: %d violations, last: %s\n", violations, r->last_violation);
    assert_int_equal(violations, 0);
    if (!keys_equal(&want, &have)) {
        keys_print("server", &want);
        keys_print("handlers", &have);
    }
    assert_true(keys_equal(&want, &have));
    free(want.v);
    free(have.v);
}

static k8s_informer *start(const k8s_resource *res, const char *ns, recorder *r, bool streaming)
{
    k8s_informer_options o = {.namespace_ = ns, .no_streaming_list = !streaming, .max_backoff_ms = 300,
                              .handlers = handlers(r)};
    k8s_informer *inf;
    assert_int_equal(k8s_informer_start(client, res, &o, &inf), K8S_OK);
    return inf;
}

/* ---- faults ---- */

static int fault_hits(int *remaining)
{
    char *body = NULL;
    assert_int_equal(test_server_control(&srv, "GET", "/_test/faults", NULL, &body), 200);
    cJSON *doc = cJSON_Parse(body);
    free(body);
    int hits = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(doc, "faults"))
    {
        hits += (int)cJSON_GetNumberValue(cJSON_GetObjectItem(f, "hits"));
    }
    if (remaining)
        *remaining = cJSON_GetArraySize(cJSON_GetObjectItem(doc, "faults"));
    cJSON_Delete(doc);
    return hits;
}

static void wait_faults_spent(void)
{
    int left = 1;
    for (int i = 0; i < 500 && left; i++) {
        fault_hits(&left);
        if (left)
            usleep(10000);
    }
    assert_int_equal(left, 0);
}

static void fault(const char *ns, const char *what, const char *extra)
{
    char json[512];
    snprintf(json, sizeof json, "{\"path\":\"/namespaces/%s/configmaps\\\\?.*watch=true\",\"fault\":\"%s\"%s}", ns,
             what, extra ? extra : "");
    control("POST", "/_test/faults", json);
}

/* ---- label selectors ---- */

static bool sel_matches(const char *text, const char *const *kv)
{
    k8s_arena *a = k8s_arena_new();
    k8s_selector *s;
    k8s_error err;
    k8s_string_entry labels[8];
    size_t n = 0;
    for (; kv && kv[2 * n]; n++)
        labels[n] = (k8s_string_entry){(char *)kv[2 * n], (char *)kv[2 * n + 1]};
    if (k8s_selector_parse(text, a, &s, &err) != K8S_OK)
        fail_msg("%s: %s", text, err.message);
    bool m = k8s_selector_match(s, labels, n);
    k8s_arena_free(a);
    return m;
}

static void sel_error(const char *text, size_t offset, const char *says)
{
    k8s_arena *a = k8s_arena_new();
    k8s_selector *s = (k8s_selector *)1;
    k8s_error err;
    k8s_code rc = k8s_selector_parse(text, a, &s, &err);
    if (rc != K8S_EINVAL)
        fail_msg("'%s' parsed", text);
    assert_null(s);
    if (err.offset != offset || !strstr(err.message, says))
        fail_msg("'%s': offset %zu, \"%s\"; wanted offset %zu and \"%s\"", text, err.offset, err.message,
                 offset, says);
    assert_int_equal(err.column, offset + 1);
    k8s_arena_free(a);
    print_message("  %-22s -> %s\n", text, err.message);
}

static void test_selectors(void **state)
{
    (void)state;
    const char *web[] = {"app", "web", "tier", "front", "example.com/team", "a", "n", "10", NULL};
    const char *none[] = {NULL};
    assert_true(sel_matches("", web));
    assert_true(sel_matches(NULL, none));
    assert_true(sel_matches("app=web", web));
    assert_true(sel_matches("app==web", web));
    assert_true(sel_matches("  app = web , tier==front ", web));
    assert_false(sel_matches("app=web,tier=back", web));
    assert_true(sel_matches("app!=db", web));
    assert_true(sel_matches("app!=db", none)); /* != matches a missing label, as the server does */
    assert_false(sel_matches("app!=web", web));
    assert_true(sel_matches("tier in (back, front)", web));
    assert_true(sel_matches("tier in(front)", web));
    assert_false(sel_matches("tier in (back,db)", web));
    assert_false(sel_matches("tier in (back)", none));
    assert_true(sel_matches("tier notin (back)", web));
    assert_true(sel_matches("tier notin (back)", none));
    assert_false(sel_matches("tier notin (front,back)", web));
    assert_true(sel_matches("app", web));
    assert_false(sel_matches("app", none));
    assert_true(sel_matches("!gpu", web));
    assert_false(sel_matches("!app", web));
    assert_true(sel_matches("example.com/team=a", web));
    assert_true(sel_matches("n>9,n<11", web));
    assert_false(sel_matches("n>10", web));
    assert_false(sel_matches("app>1", web)); /* not a number */
    assert_true(sel_matches("app=web,!gpu,tier in (front),example.com/team", web));
    assert_true(sel_matches("x=", (const char *[]){"x", "", NULL}));        /* empty value */
    assert_true(sel_matches("x in (a,)", (const char *[]){"x", "", NULL})); /* and in a set */
    assert_true(sel_matches("in=notin", (const char *[]){"in", "notin", NULL}));

    sel_error("app=web,", 8, "expected a label key, found the end");
    sel_error(",app", 0, "expected a label key");
    sel_error("app=web tier=x", 8, "expected ',' or the end");
    sel_error("app in web", 7, "expected '(' after 'in'");
    sel_error("app in ()", 8, "expected at least one value");
    sel_error("app in (a b)", 10, "expected ',' or ')'");
    sel_error("app in (a", 9, "expected ',' or ')', found the end");
    sel_error("app=we$b", 4, "expected a label value");
    sel_error("-app=x", 0, "expected a label key");
    sel_error("Example.com/a=x", 0, "expected a label key");
    sel_error("app=(x)", 4, "expected a label value");
    sel_error("app>x", 4, "expected an integer");
    sel_error("!app=x", 4, "expected ',' or the end");
    sel_error("!", 1, "expected a label key after '!'");
    sel_error("app=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 4, "at most 63");
}

/* ---- packed objects: exact size, same content ---- */

/* Every conformance fixture (every field of every kind set), packed as the
 * typed store keeps objects: the block is used to its last byte (ASan and
 * valgrind see any overrun) and encodes to the same JSON. */
static void test_pack_conformance(void **state)
{
    (void)state;
    const char *shared = test_shared_dir();
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/conformance/k8s-%s", shared ? shared : "", k8s_api_registry.kubernetes_version);
    char **files = shared ? test_list_dir(dir, ".json") : NULL;
    if (!files) {
        test_skip("no conformance fixtures at %s", dir);
    }
    int n = 0;
    size_t json_total = 0, packed_total = 0;
    for (char **f = files; *f; f++, n++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, *f);
        size_t len;
        char *text = test_read_file(path, &len);
        k8s_arena *a = k8s_arena_new();
        const k8s_kind_info *kind;
        void *obj;
        k8s_error err;
        if (k8s_registry_decode(&k8s_api_registry, text, len, a, &kind, &obj, NULL, &err)) {
            n--; /* WatchEvent has no apiVersion of its own */
            k8s_arena_free(a);
            free(text);
            continue;
        }
        k8s_pack_size ps = k8s_pack_measure(kind->type, obj);
        char *block = malloc(ps.fixed + ps.text);
        void *packed = k8s_pack(kind->type, obj, block, ps);
        assert_ptr_equal(packed, block);
        k8s_buf want = K8S_BUF_INIT, got = K8S_BUF_INIT;
        assert_int_equal(k8s_json_encode(kind->type, obj, &want, &err), K8S_OK);
        assert_int_equal(k8s_json_encode(kind->type, packed, &got, &err), K8S_OK);
        if (want.len != got.len || memcmp(want.data, got.data, want.len) != 0)
            fail_msg("%s: the packed copy encodes differently", *f);
        json_total += want.len;
        packed_total += ps.fixed + ps.text;
        /* a copy of the packed object is an ordinary arena value */
        void *copy = k8s_copy(kind->type, packed, a);
        got.len = 0;
        assert_int_equal(k8s_json_encode(kind->type, copy, &got, &err), K8S_OK);
        assert_true(want.len == got.len && memcmp(want.data, got.data, want.len) == 0);
        k8s_buf_free(&want);
        k8s_buf_free(&got);
        free(block);
        k8s_arena_free(a);
        free(text);
    }
    print_message("  %d kinds: packed %.2fx their JSON\n", n, (double)packed_total / (double)json_total);
    assert_true(n > 90);
    test_free_list(files);
}

/* ---- the store equals the server ---- */

static void test_sync_typed_and_dynamic(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("inf", ns, sizeof ns);
    char name[32];
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "cm-%02d", i);
        put_config_map(ns, name, name, i % 3 ? "app=web" : "app=db");
    }
    for (int streaming = 0; streaming < 2; streaming++) {
        for (int dynamic = 0; dynamic < 2; dynamic++) {
            recorder *r = new_recorder(dynamic, ns);
            k8s_informer *inf = start(dynamic ? &dyn_cms : &k8s_core_v1_config_map_resource, ns, r, streaming);
            assert_int_equal(k8s_informer_wait_synced(inf, 10000), K8S_OK);
            assert_true(k8s_informer_synced(inf));
            assert_int_equal(r->synced, 1);
            assert_int_equal(r->adds, 40); /* all in before on_synced */
            assert_int_equal(k8s_informer_size(inf), 40);
            keys want = server_keys(ns, NULL), have = store_keys(inf, ns, NULL, dynamic);
            assert_true(keys_equal(&want, &have));
            free(want.v);
            free(have.v);
            assert_shadow_is(r, ns);

            /* by key: the whole object comes back */
            k8s_arena *a = k8s_arena_new();
            void *obj;
            assert_int_equal(k8s_informer_get(inf, ns, "cm-07", a, &obj), K8S_OK);
            if (dynamic) {
                assert_non_null(strstr(obj, "\"v\":\"cm-07\""));
                assert_non_null(strstr(obj, "\"kind\":\"ConfigMap\""));
            } else {
                k8s_core_v1_config_map *cm = obj;
                assert_string_equal(cm->kind, "ConfigMap"); /* from a list too, as from a watch */
                assert_string_equal(cm->apiVersion, "v1");
                assert_string_equal(cm->data[0].value, "cm-07");
                assert_string_equal(cm->metadata->labels[0].value, "web");
                assert_non_null(cm->metadata->uid);
            }
            assert_int_equal(k8s_informer_get(inf, ns, "nope", a, &obj), K8S_ENOTFOUND);
            assert_int_equal(k8s_informer_get(inf, "other", "cm-07", a, &obj), K8S_ENOTFOUND);
            void **objs;
            size_t n;
            assert_int_equal(k8s_informer_list(inf, ns, "app=db", a, &objs, &n), K8S_OK);
            assert_int_equal(n, 14);
            assert_int_equal(k8s_informer_list(inf, ns, "app in (web,db),app!=web", a, &objs, &n), K8S_OK);
            assert_int_equal(n, 14);
            assert_int_equal(k8s_informer_list(inf, "other", NULL, a, &objs, &n), K8S_OK);
            assert_int_equal(n, 0);
            assert_int_equal(k8s_informer_list(inf, ns, "app in", a, &objs, &n), K8S_EINVAL);
            k8s_arena_free(a);

            k8s_informer_stats st;
            k8s_informer_stats_get(inf, &st);
            assert_int_equal(st.objects, 40);
            assert_int_equal(st.streaming, streaming);
            assert_int_equal(st.list_pages, streaming ? 0 : 1);
            print_message("  %s, %s: 40 objects, %zu bytes\n", dynamic ? "dynamic" : "typed",
                          streaming ? "streaming list" : "list", st.bytes);
            k8s_informer_free(inf);
            free_recorder(r);
        }
    }
}

/* ---- a storm of changes with dropped watches ---- */

static void test_storm_with_disconnects(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("inf", ns, sizeof ns);
    /* every watch lasts a second, so faults meet reconnects often */
    control("POST", "/_test/config", "{\"watchTimeoutSeconds\":1}");
    char name[32], value[32];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "s-%02d", i);
        put_config_map(ns, name, "0", "app=web");
    }
    recorder *rt = new_recorder(false, ns), *rd = new_recorder(true, ns);
    k8s_informer *typed = start(&k8s_core_v1_config_map_resource, ns, rt, true);
    k8s_informer *dyn = start(&dyn_cms, ns, rd, false);
    assert_int_equal(k8s_informer_wait_synced(typed, 10000), K8S_OK);
    assert_int_equal(k8s_informer_wait_synced(dyn, 10000), K8S_OK);

    unsigned seed = 12345;
    int ops = 0;
    for (int round = 0; round < 10; round++) {
        /* the next watch is cut mid-event or closed before it answers
         * (with its connection, or only its HTTP/2 stream), or fails */
        switch (round % 5) {
        case 0: fault(ns, "drop-watch-mid-event", ",\"after\":1"); break;
        case 1: fault(ns, "close", NULL); break;
        case 2: fault(ns, "drop-watch-mid-event", ",\"after\":0,\"stream\":true,\"times\":2"); break;
        case 3: fault(ns, "close", ",\"stream\":true,\"times\":2"); break;
        default: fault(ns, "status-500", NULL); break;
        }
        for (int i = 0; i < 50; i++, ops++) {
            seed = seed * 1103515245u + 12345u;
            int k = (int)((seed >> 8) % 40);
            snprintf(name, sizeof name, "s-%02d", k);
            snprintf(value, sizeof value, "%d", ops);
            if ((seed >> 20) % 4 == 0)
                delete_config_map(ns, name);
            else
                put_config_map(ns, name, value, (seed >> 24) % 2 ? "app=web" : "app=db");
        }
        wait_faults_spent();
    }
    assert_converges(typed, ns, false);
    assert_converges(dyn, ns, true);
    assert_shadow_is(rt, ns);
    assert_shadow_is(rd, ns);
    k8s_informer_stats st, sd;
    k8s_informer_stats_get(typed, &st);
    k8s_informer_stats_get(dyn, &sd);
    print_message("  %d writes; typed: %d adds %d updates %d deletes, %llu watches, %llu resyncs, %llu errors; "
                  "dynamic: %d/%d/%d, %llu, %llu, %llu\n",
                  ops, rt->adds, rt->updates, rt->deletes, (unsigned long long)st.watches,
                  (unsigned long long)st.resyncs, (unsigned long long)st.errors, rd->adds, rd->updates,
                  rd->deletes, (unsigned long long)sd.watches, (unsigned long long)sd.resyncs,
                  (unsigned long long)sd.errors);
    /* the first two watches, and a reconnect after each cut (the client
     * itself retries a request closed before it answered) */
    assert_true(st.watches + sd.watches >= 2 + 6);
    assert_int_equal(st.resyncs + sd.resyncs, 0); /* resumed, never listed again */
    control("POST", "/_test/config", "{\"watchTimeoutSeconds\":1800}");
    k8s_informer_free(typed);
    k8s_informer_free(dyn);
    free_recorder(rt);
    free_recorder(rd);
}

/* ---- 410: the informer lists again and reports the difference ---- */

static bool logged(recorder *r, const char *line)
{
    for (int i = 0; i < r->nlog; i++)
        if (strcmp(r->log[i], line) == 0)
            return true;
    return false;
}

static void relist_after_compaction(bool streaming, bool dynamic)
{
    char ns[64];
    new_namespace("inf", ns, sizeof ns);
    control("POST", "/_test/config", "{\"watchTimeoutSeconds\":1}");
    put_config_map(ns, "keep", "1", "app=web");
    put_config_map(ns, "change", "1", "app=web");
    put_config_map(ns, "remove", "1", "app=web");
    recorder *r = new_recorder(dynamic, ns);
    k8s_informer *inf = start(dynamic ? &dyn_cms : &k8s_core_v1_config_map_resource, ns, r, streaming);
    assert_int_equal(k8s_informer_wait_synced(inf, 10000), K8S_OK);

    /* the watch ends within a second; every reconnect fails until the
     * history it would resume from is gone */
    fault(ns, "close", ",\"times\":-1");
    for (int i = 0; i < 300 && fault_hits(NULL) < 1; i++)
        usleep(10000);
    assert_true(fault_hits(NULL) >= 1);
    pthread_mutex_lock(&r->mu);
    r->logging = true;
    pthread_mutex_unlock(&r->mu);
    put_config_map(ns, "change", "2", "app=db");
    delete_config_map(ns, "remove");
    put_config_map(ns, "new", "1", "app=web");
    control("POST", "/_test/compact", "{}");
    control("DELETE", "/_test/faults", NULL);

    assert_converges(inf, ns, dynamic);
    assert_shadow_is(r, ns);
    pthread_mutex_lock(&r->mu);
    assert_int_equal(r->nlog, 3); /* exactly the difference, nothing for "keep" */
    assert_true(logged(r, "UPDATE change"));
    assert_true(logged(r, "DELETE remove"));
    assert_true(logged(r, "ADD new"));
    pthread_mutex_unlock(&r->mu);
    k8s_informer_stats st;
    k8s_informer_stats_get(inf, &st);
    assert_int_equal(st.resyncs, 1);
    assert_int_equal(st.streaming, streaming);
    assert_int_equal(r->synced, 1);
    control("POST", "/_test/config", "{\"watchTimeoutSeconds\":1800}");
    k8s_informer_free(inf);
    free_recorder(r);
}

static void test_relist_after_410(void **state)
{
    (void)state;
    need_server();
    relist_after_compaction(false, false);
    relist_after_compaction(true, false);
    relist_after_compaction(false, true);
    relist_after_compaction(true, true);
}

/* ---- streaming lists on the wire, and the fallback ---- */

static void test_streaming_list_and_fallback(void **state)
{
    (void)state;
    need_server();
    char ns[64], json[512];
    new_namespace("inf", ns, sizeof ns);
    for (int i = 0; i < 10; i++) {
        char name[16];
        snprintf(name, sizeof name, "w-%d", i);
        put_config_map(ns, name, "x", "app=web");
    }
    /* a plain list of this namespace would fail: only the watch may ask */
    snprintf(json, sizeof json,
             "{\"method\":\"GET\",\"path\":\"/namespaces/%s/configmaps(\\\\?(?!.*watch=true).*)?$\","
             "\"fault\":\"status-500\",\"times\":-1}", ns);
    control("POST", "/_test/faults", json);
    recorder *r = new_recorder(false, ns);
    k8s_informer *inf = start(&k8s_core_v1_config_map_resource, ns, r, true);
    assert_int_equal(k8s_informer_wait_synced(inf, 10000), K8S_OK);
    assert_int_equal(fault_hits(NULL), 0);
    k8s_informer_stats st;
    k8s_informer_stats_get(inf, &st);
    assert_true(st.streaming);
    assert_int_equal(st.list_pages, 0);
    assert_int_equal(st.watches, 1);
    assert_int_equal(k8s_informer_size(inf), 10);
    put_config_map(ns, "w-10", "x", "app=web"); /* the same watch goes on */
    for (int i = 0; i < 300 && k8s_informer_size(inf) < 11; i++)
        usleep(10000);
    assert_int_equal(k8s_informer_size(inf), 11);
    k8s_informer_free(inf);
    assert_int_equal(r->errors, 0);
    free_recorder(r);
    control("DELETE", "/_test/faults", NULL);

    /* without the WatchList gate: 422, then lists, in pages of 3 */
    control("POST", "/_test/config", "{\"watchList\":false,\"watchTimeoutSeconds\":1}");
    r = new_recorder(false, ns);
    k8s_informer_options o = {.namespace_ = ns, .page_size = 3, .handlers = handlers(r)};
    assert_int_equal(k8s_informer_start(client, &k8s_core_v1_config_map_resource, &o, &inf), K8S_OK);
    assert_int_equal(k8s_informer_wait_synced(inf, 10000), K8S_OK);
    k8s_informer_stats_get(inf, &st);
    assert_false(st.streaming);
    assert_int_equal(st.list_pages, 4); /* 11 objects, 3 a page */
    assert_int_equal(r->errors, 0);     /* an expected refusal, not an error */
    assert_int_equal(r->adds, 11);
    assert_shadow_is(r, ns);
    /* for good: a later relist lists too, even once the server could stream */
    control("POST", "/_test/config", "{\"watchList\":true}");
    fault(ns, "close", ",\"times\":-1");
    for (int i = 0; i < 300 && fault_hits(NULL) < 1; i++)
        usleep(10000);
    assert_true(fault_hits(NULL) >= 1);
    put_config_map(ns, "w-11", "x", "app=web");
    control("POST", "/_test/compact", "{}");
    control("DELETE", "/_test/faults", NULL);
    assert_converges(inf, ns, false);
    k8s_informer_stats_get(inf, &st);
    assert_false(st.streaming);
    assert_int_equal(st.resyncs, 1);
    assert_int_equal(st.list_pages, 8);
    control("POST", "/_test/config", "{\"watchTimeoutSeconds\":1800}");
    k8s_informer_free(inf);
    free_recorder(r);
}

/* ---- failures are reported and retried ---- */

static void test_errors_are_retried(void **state)
{
    (void)state;
    need_server();
    char ns[64], json[256];
    new_namespace("inf", ns, sizeof ns);
    put_config_map(ns, "e", "x", "app=web");
    snprintf(json, sizeof json, "{\"path\":\"/namespaces/%s/configmaps\",\"fault\":\"status-500\",\"times\":3}", ns);
    control("POST", "/_test/faults", json);
    recorder *r = new_recorder(false, ns);
    k8s_informer *inf = start(&k8s_core_v1_config_map_resource, ns, r, false);
    assert_int_equal(k8s_informer_wait_synced(inf, 10000), K8S_OK);
    /* the client retries 5xx only for 503s: each 500 reaches the informer */
    assert_int_equal(r->errors, 3);
    k8s_informer_stats st;
    k8s_informer_stats_get(inf, &st);
    assert_int_equal(st.errors, 3);
    assert_int_equal(k8s_informer_size(inf), 1);
    k8s_informer_free(inf);
    free_recorder(r);
}

/* ---- lookups from other threads while events flow ---- */

typedef struct reader {
    k8s_informer *inf;
    const char *ns;
    volatile bool stop;
    int rounds, bad;
} reader;

static void *read_loop(void *data)
{
    reader *rd = data;
    while (!rd->stop) {
        k8s_arena *a = k8s_arena_new();
        void **objs;
        size_t n;
        if (k8s_informer_list(rd->inf, rd->ns, "app=db", a, &objs, &n) != K8S_OK)
            rd->bad++;
        for (size_t i = 0; i < n; i++) {
            k8s_core_v1_config_map *cm = objs[i];
            if (strcmp(cm->metadata->namespace_, rd->ns) != 0 || cm->metadata->labels_len != 1 ||
                strcmp(cm->metadata->labels[0].value, "db") != 0)
                rd->bad++;
        }
        void *obj;
        k8s_code rc = k8s_informer_get(rd->inf, rd->ns, "t-3", a, &obj);
        if (rc == K8S_OK && strcmp(((k8s_core_v1_config_map *)obj)->metadata->name, "t-3") != 0)
            rd->bad++;
        else if (rc != K8S_OK && rc != K8S_ENOTFOUND)
            rd->bad++;
        (void)k8s_informer_size(rd->inf);
        k8s_arena_free(a);
        rd->rounds++;
    }
    return NULL;
}

static void test_lookups_from_threads(void **state)
{
    (void)state;
    need_server();
    char ns1[64], ns2[64];
    new_namespace("inf", ns1, sizeof ns1);
    new_namespace("inf", ns2, sizeof ns2);
    recorder *r = new_recorder(false, NULL);
    k8s_informer *inf = start(&k8s_core_v1_config_map_resource, K8S_ALL_NAMESPACES, r, true);
    assert_int_equal(k8s_informer_wait_synced(inf, 10000), K8S_OK);
    reader rd[4] = {{inf, ns1, false, 0, 0}, {inf, ns2, false, 0, 0}, {inf, ns1, false, 0, 0}, {inf, ns2, false, 0, 0}};
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, read_loop, &rd[i]);
    char name[16], value[16];
    for (int i = 0; i < 120; i++) {
        snprintf(name, sizeof name, "t-%d", i % 15);
        snprintf(value, sizeof value, "%d", i);
        if (i % 7 == 6)
            delete_config_map(i % 2 ? ns1 : ns2, name);
        else
            put_config_map(i % 2 ? ns1 : ns2, name, value, i % 3 ? "app=web" : "app=db");
    }
    assert_converges(inf, ns1, false);
    assert_converges(inf, ns2, false);
    for (int i = 0; i < 4; i++) {
        rd[i].stop = true;
        pthread_join(th[i], NULL);
        assert_int_equal(rd[i].bad, 0);
        assert_true(rd[i].rounds > 0);
    }
    const char *nss[2] = {ns1, ns2};
    for (int i = 0; i < 2; i++) { /* by namespace and label, as the server selects */
        for (int s = 0; s < 3; s++) {
            const char *sel = s == 0 ? "app=db" : s == 1 ? "app!=db" : "app in (web)";
            keys want = server_keys(nss[i], sel), have = store_keys(inf, nss[i], sel, false);
            assert_true(keys_equal(&want, &have));
            free(want.v);
            free(have.v);
        }
    }
    print_message("  readers: %d, %d, %d, %d rounds\n", rd[0].rounds, rd[1].rounds, rd[2].rounds, rd[3].rounds);
    k8s_informer_free(inf);
    assert_int_equal(r->violations, 0);
    free_recorder(r);
}

/* ---- freeing while it runs ---- */

static void test_free_while_running(void **state)
{
    (void)state;
    need_server();
    char ns[64], name[16];
    new_namespace("inf", ns, sizeof ns);
    for (int i = 0; i < 30; i++) {
        snprintf(name, sizeof name, "f-%d", i);
        put_config_map(ns, name, "x", "app=web");
    }
    /* at once, before anything arrived; and during the first sync */
    for (int streaming = 0; streaming < 2; streaming++) {
        recorder *r = new_recorder(false, ns);
        k8s_informer_free(start(&k8s_core_v1_config_map_resource, ns, r, streaming));
        k8s_informer *inf = start(&k8s_core_v1_config_map_resource, ns, r, streaming);
        usleep(2000);
        k8s_informer_free(inf);
        free_recorder(r);
    }
    /* while changes flow, from this thread: no handler runs afterwards */
    recorder *r = new_recorder(false, ns);
    k8s_informer *inf = start(&k8s_core_v1_config_map_resource, ns, r, true);
    assert_int_equal(k8s_informer_wait_synced(inf, 10000), K8S_OK);
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "f-%d", i);
        put_config_map(ns, name, "y", "app=db");
    }
    k8s_informer_free(inf);
    pthread_mutex_lock(&r->mu);
    r->freed = true;
    pthread_mutex_unlock(&r->mu);
    for (int i = 20; i < 30; i++) {
        snprintf(name, sizeof name, "f-%d", i);
        put_config_map(ns, name, "y", "app=db");
    }
    usleep(200000);
    assert_int_equal(r->calls_after_free, 0);
    free_recorder(r);

    /* from its own handler, on the loop thread, in the middle of the first adds */
    r = new_recorder(false, ns);
    r->free_after = 5;
    k8s_informer_options o = {.namespace_ = ns, .handlers = handlers(r)};
    pthread_mutex_lock(&r->mu);
    assert_int_equal(k8s_informer_start(client, &k8s_core_v1_config_map_resource, &o, &inf), K8S_OK);
    r->free_me = inf;
    pthread_mutex_unlock(&r->mu);
    for (int i = 0; i < 300; i++) {
        pthread_mutex_lock(&r->mu);
        bool freed = r->freed;
        pthread_mutex_unlock(&r->mu);
        if (freed)
            break;
        usleep(10000);
    }
    usleep(200000);
    assert_true(r->freed);
    assert_int_equal(r->adds, 5);
    assert_int_equal(r->calls_after_free, 0);
    assert_int_equal(r->synced, 0);
    free_recorder(r);

    /* while it waits to retry after an error */
    char json[256];
    snprintf(json, sizeof json, "{\"path\":\"/namespaces/%s/configmaps\",\"fault\":\"status-500\",\"times\":-1}", ns);
    control("POST", "/_test/faults", json);
    r = new_recorder(false, ns);
    inf = start(&k8s_core_v1_config_map_resource, ns, r, false);
    for (int i = 0; i < 300 && !r->errors; i++)
        usleep(10000);
    assert_true(r->errors > 0);
    assert_int_equal(k8s_informer_wait_synced(inf, 50), K8S_ETIMEDOUT);
    k8s_informer_free(inf);
    control("DELETE", "/_test/faults", NULL);
    free_recorder(r);
}

/* NULL is the client's namespace, as for calls (K8S_ALL_NAMESPACES is
 * every namespace); k8s_informer_stop ends it with on_end and the store
 * stays readable until k8s_informer_free. */
static void test_stop_and_null_namespace(void **state)
{
    (void)state;
    need_server();
    const char *mine = k8s_client_namespace(client);
    char other[64];
    new_namespace("inf", other, sizeof other);
    put_config_map(mine, "nulns-a", "x", "app=web");
    put_config_map(other, "nulns-b", "x", "app=web");
    recorder *r = new_recorder(false, mine);
    k8s_informer *inf = start(&k8s_core_v1_config_map_resource, NULL, r, true);
    assert_int_equal(k8s_informer_wait_synced(inf, 10000), K8S_OK);
    k8s_arena *a = k8s_arena_new();
    void *obj, **objs;
    size_t n;
    assert_int_equal(k8s_informer_get(inf, NULL, "nulns-a", a, &obj), K8S_OK);
    assert_int_equal(k8s_informer_get(inf, mine, "nulns-a", a, &obj), K8S_OK);
    assert_int_equal(k8s_informer_get(inf, other, "nulns-b", a, &obj), K8S_ENOTFOUND); /* not watched */
    assert_int_equal(k8s_informer_list(inf, NULL, NULL, a, &objs, &n), K8S_OK);
    size_t in_mine = n;
    assert_true(in_mine >= 1);
    assert_int_equal(k8s_informer_list(inf, K8S_ALL_NAMESPACES, NULL, a, &objs, &n), K8S_OK);
    assert_int_equal(n, in_mine);

    k8s_informer_stop(inf);
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&r->mu);
        int ends = r->ends;
        pthread_mutex_unlock(&r->mu);
        if (ends)
            break;
        usleep(10000);
    }
    assert_int_equal(r->ends, 1);
    assert_int_equal(r->end_code, K8S_ECANCELED);
    assert_true(k8s_informer_synced(inf)); /* what it had stays: the store is still readable */
    assert_int_equal(k8s_informer_get(inf, NULL, "nulns-a", a, &obj), K8S_OK);
    k8s_informer_stop(inf); /* again: nothing more happens */
    k8s_informer_free(inf);
    assert_int_equal(r->ends, 1);
    delete_config_map(mine, "nulns-a");
    k8s_arena_free(a);
    free_recorder(r);

    /* freed without stop: on_end still runs, once, before free returns */
    r = new_recorder(false, other);
    inf = start(&k8s_core_v1_config_map_resource, other, r, false);
    k8s_informer_free(inf);
    assert_int_equal(r->ends, 1);
    free_recorder(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selectors),
        cmocka_unit_test(test_pack_conformance),
        cmocka_unit_test(test_sync_typed_and_dynamic),
        cmocka_unit_test(test_storm_with_disconnects),
        cmocka_unit_test(test_relist_after_410),
        cmocka_unit_test(test_streaming_list_and_fallback),
        cmocka_unit_test(test_errors_are_retried),
        cmocka_unit_test(test_lookups_from_threads),
        cmocka_unit_test(test_free_while_running),
        cmocka_unit_test(test_stop_and_null_namespace),
    };
    return test_run(tests, fixture_setup, fixture_teardown);
}
