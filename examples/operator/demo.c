/* configmapsync_demo: what a user of the operator does, step by step,
 * checking each time that the operator did its part (demo.sh runs it).
 *
 *   configmapsync_demo setup     namespaces, a source, a ConfigMapSync; copies, status, updates
 *   configmapsync_demo leader    prints the identity holding the operator's Lease
 *   configmapsync_demo finish    retarget, repair, Events, delete (the finalizer cleans up) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <k8s/api.h>
#include <k8s/discovery.h>

#include "configmapsync.h"

static k8s_client *client;

static _Noreturn void fail(const char *what, const k8s_error *err)
{
    fprintf(stderr, "demo: %s: %s\n", what, err ? err->message : "timed out");
    exit(1);
}

/* The value of key in ns/name, or NULL when there is no such ConfigMap. */
static const char *value_of(const char *ns, const char *name, const char *key, k8s_arena *a)
{
    k8s_core_v1_config_map *cm;
    k8s_error err;
    k8s_code rc = k8s_core_v1_config_map_get(client, a, ns, name, NULL, &cm, &err);
    if (rc == K8S_ENOTFOUND)
        return NULL;
    if (rc)
        fail("get", &err);
    for (size_t i = 0; i < cm->data_len; i++)
        if (!strcmp(cm->data[i].key, key))
            return cm->data[i].value;
    return "";
}

/* Waits up to 30 s until ns/settings has color == want (NULL: is gone). */
static void wait_copy(const char *ns, const char *want)
{
    for (int i = 0; i < 300; i++) {
        k8s_arena *a = k8s_arena_new();
        const char *v = value_of(ns, "settings", "color", a);
        bool ok = want ? v && !strcmp(v, want) : !v;
        k8s_arena_free(a);
        if (ok)
            return;
        usleep(100000);
    }
    fprintf(stderr, "demo: %s/settings never became %s\n", ns, want ? want : "absent");
    exit(1);
}

static void put_source(const char *color)
{
    k8s_arena *a = k8s_arena_new();
    k8s_string_entry data = {"color", (char *)color};
    k8s_meta_v1_object_meta meta = {.name = "settings"};
    k8s_core_v1_config_map cm = {.kind = "ConfigMap", .apiVersion = "v1", .metadata = &meta, .data = &data,
                                 .data_len = 1},
                           *out;
    k8s_patch_options po = {.fieldManager = "demo", .force = true};
    k8s_error err;
    if (k8s_core_v1_config_map_apply(client, a, "default", "settings", &cm, &po, &out, &err))
        fail("source", &err);
    k8s_arena_free(a);
}

static void apply_sync(const char *targets)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"apiVersion\":\"sync.example.com/v1\",\"kind\":\"ConfigMapSync\",\"metadata\":{\"name\":\"settings-sync\"},"
             "\"spec\":{\"source\":{\"namespace\":\"default\",\"name\":\"settings\"},\"targetNamespaces\":[%s]}}",
             targets);
    k8s_arena *a = k8s_arena_new();
    k8s_op op = {&configmapsync_resource, NULL, K8S_VERB_APPLY, NULL, NULL, "ConfigMapSync"};
    k8s_patch_options po = {.fieldManager = "demo", .force = true};
    k8s_args args = {.name = "settings-sync", .text = body, .options = &po};
    void *out;
    k8s_error err;
    if (k8s_call(client, a, &op, &args, &out, &err))
        fail("ConfigMapSync", &err);
    k8s_arena_free(a);
}

/* The ConfigMapSync, or NULL once it is gone. */
static configmapsync *get_sync(k8s_arena *a)
{
    k8s_op op = {&configmapsync_resource, NULL, K8S_VERB_GET, NULL, NULL, "ConfigMapSync"};
    void *text;
    configmapsync *cms;
    k8s_error err;
    k8s_code rc = k8s_call(client, a, &op, &(k8s_args){.name = "settings-sync"}, &text, &err);
    if (rc == K8S_ENOTFOUND)
        return NULL;
    if (rc || configmapsync_decode(text, a, &cms, &err))
        fail("get ConfigMapSync", &err);
    return cms;
}

/* Waits until the Ready condition has this status and observed the
 * latest generation; prints it. */
static void wait_ready(const char *status)
{
    for (int i = 0; i < 300; i++) {
        k8s_arena *a = k8s_arena_new();
        configmapsync *cms = get_sync(a);
        const configmapsync_status *st = cms ? cms->status : NULL;
        for (size_t j = 0; st && j < st->conditions_len; j++) {
            const configmapsync_condition *c = &st->conditions[j];
            if (!strcmp(c->type, "Ready") && !strcmp(c->status, status) && st->observedGeneration == cms->metadata->generation) {
                printf("status: Ready=%s %s: %s\n", c->status, c->reason, c->message);
                k8s_arena_free(a);
                return;
            }
        }
        k8s_arena_free(a);
        usleep(100000);
    }
    fprintf(stderr, "demo: the ConfigMapSync never became Ready=%s\n", status);
    exit(1);
}

static void make_namespace(const char *name)
{
    k8s_arena *a = k8s_arena_new();
    k8s_meta_v1_object_meta meta = {.name = (char *)name};
    k8s_core_v1_namespace ns = {.metadata = &meta}, *out;
    k8s_error err;
    k8s_code rc = k8s_core_v1_namespace_create(client, a, &ns, NULL, &out, &err);
    if (rc && rc != K8S_ECONFLICT)
        fail("namespace", &err);
    k8s_arena_free(a);
}

static void setup(void)
{
    k8s_arena *a = k8s_arena_new();
    k8s_resource *r;
    k8s_error err;
    for (int i = 0; k8s_discover_kind(client, a, "sync.example.com/v1", "ConfigMapSync", &r, &err); i++)
        if (i == 300) /* the operator installs the CRD */
            fail("waiting for the ConfigMapSync CRD", &err);
        else
            usleep(100000);
    k8s_arena_free(a);
    make_namespace("team-a");
    make_namespace("team-b");
    make_namespace("team-c");
    put_source("blue");
    apply_sync("\"team-a\",\"team-b\"");
    wait_copy("team-a", "blue");
    wait_copy("team-b", "blue");
    printf("copied: team-a and team-b have settings (color=blue)\n");
    wait_ready("True");
    put_source("green");
    wait_copy("team-a", "green");
    wait_copy("team-b", "green");
    printf("source changed: the copies follow (color=green)\n");
}

static void finish(void)
{
    apply_sync("\"team-a\",\"team-c\"");
    wait_copy("team-c", "green");
    wait_copy("team-b", NULL);
    printf("retargeted: team-c has a copy, team-b's is gone\n");
    wait_ready("True");
    k8s_arena *a = k8s_arena_new();
    k8s_meta_v1_status *gone;
    k8s_error err;
    if (k8s_core_v1_config_map_delete(client, a, "team-a", "settings", NULL, &gone, &err))
        fail("delete copy", &err);
    wait_copy("team-a", "green");
    printf("repaired: the deleted copy in team-a is back\n");
    apply_sync("\"team-a\",\"team-c\",\"team-x\"");
    wait_ready("False");
    apply_sync("\"team-a\",\"team-c\"");
    wait_ready("True");

    /* what the operator said about it, series counted */
    usleep(500000);
    k8s_events_v1_event_list *events;
    if (k8s_events_v1_event_list_get(client, a, "default", NULL, &events, &err))
        fail("events", &err);
    for (size_t i = 0; i < events->items_len; i++) {
        const k8s_events_v1_event *e = &events->items[i];
        if (e->regarding && e->regarding->name && !strcmp(e->regarding->name, "settings-sync"))
            printf("event: %s %s by %s, %d time%s\n", e->type, e->reason, e->reportingInstance,
                   e->series ? e->series->count : 1, e->series ? "s" : "");
    }

    k8s_op del = {&configmapsync_resource, NULL, K8S_VERB_DELETE, NULL, NULL, NULL};
    void *out;
    if (k8s_call(client, a, &del, &(k8s_args){.name = "settings-sync"}, &out, &err))
        fail("delete ConfigMapSync", &err);
    for (int i = 0; i < 300 && get_sync(a); i++)
        usleep(100000);
    if (get_sync(a))
        fail("the ConfigMapSync is still there", NULL);
    if (value_of("team-a", "settings", "color", a) || value_of("team-c", "settings", "color", a))
        fail("copies left behind", NULL);
    printf("deleted: the finalizer removed the copies, then the ConfigMapSync went\n");
    k8s_arena_free(a);
}

static void leader(void)
{
    k8s_arena *a = k8s_arena_new();
    k8s_coordination_v1_lease *l;
    k8s_error err;
    if (k8s_coordination_v1_lease_get(client, a, "default", "configmapsync", NULL, &l, &err))
        fail("lease", &err);
    printf("%s\n", l->spec && l->spec->holderIdentity ? l->spec->holderIdentity : "");
    k8s_arena_free(a);
}

int main(int argc, char **argv)
{
    k8s_config *config;
    k8s_error err;
    if (argc != 2) {
        fprintf(stderr, "usage: configmapsync_demo setup|leader|finish\n");
        return 2;
    }
    if (k8s_config_default(&config, &err) || k8s_client_new(&client, config, NULL, &err))
        fail("client", &err);
    if (!strcmp(argv[1], "setup"))
        setup();
    else if (!strcmp(argv[1], "leader"))
        leader();
    else if (!strcmp(argv[1], "finish"))
        finish();
    else
        return 2;
    k8s_client_free(client);
    k8s_config_free(config);
    return 0;
}
