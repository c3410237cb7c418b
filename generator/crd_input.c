/* Reads CustomResourceDefinitions for crd.c: from files (YAML or JSON, any
 * number of documents, List objects included), folders (every .yaml, .yml
 * and .json file below, in name order), standard input ("-"), or the
 * cluster of the current kubeconfig (with k8s::client: K8SGEN_CLUSTER). The
 * runtime's YAML front end turns each document into JSON; cJSON holds it
 * for the model builder. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#ifdef K8SGEN_CLUSTER
#include "k8s/client.h"
#include "k8s/config.h"
#endif
#include "k8s/buf.h"
#include "k8s/yaml.h"
#include "k8sgen.h"

#define INPUT_LIMIT ((size_t)1 << 30) /* a mistaken path (a device) stops here */

static int cmp_member(const void *a, const void *b)
{
    return strcmp((*(cJSON *const *)a)->string, (*(cJSON *const *)b)->string);
}

/* Puts the members of every object in j in name order, as an API server
 * sends a CRD back: the same CRD gives the same tree (its fields in name
 * order) whether it came from a file or a cluster, whatever order its
 * author wrote. */
static void sort_members(cJSON *j)
{
    size_t n = 0;
    for (cJSON *c = j->child; c; c = c->next) {
        sort_members(c);
        n++;
    }
    if (!cJSON_IsObject(j) || n < 2)
        return;
    cJSON **m = malloc(n * sizeof *m);
    if (!m)
        return;
    n = 0;
    for (cJSON *c = j->child; c; c = c->next)
        m[n++] = c;
    qsort(m, n, sizeof *m, cmp_member);
    for (size_t i = 0; i < n; i++) {
        m[i]->prev = i ? m[i - 1] : m[n - 1]; /* cJSON: the first's prev is the last */
        m[i]->next = i + 1 < n ? m[i + 1] : NULL;
    }
    j->child = m[0];
    free(m);
}

static void add_crd(crd_input *in, cJSON *json, const char *origin)
{
    sort_members(json);
    if (in->ndocs == in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 16;
        crd_doc *nd = k8s_arena_alloc(in->arena, cap * sizeof *nd);
        if (in->ndocs)
            memcpy(nd, in->docs, in->ndocs * sizeof *nd);
        in->docs = nd;
        in->cap = cap;
    }
    in->docs[in->ndocs++] = (crd_doc){json, origin};
}

static const char *str_at(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Takes ownership of doc: a CRD is kept, a List is taken apart, anything
 * else is noted and dropped. */
static void add_document(crd_input *in, cJSON *doc, const char *origin)
{
    const char *api_version = str_at(doc, "apiVersion"), *kind = str_at(doc, "kind");
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, "items");
    if (kind && strcmp(kind, "CustomResourceDefinition") == 0 && api_version &&
        (strcmp(api_version, "apiextensions.k8s.io/v1") == 0 ||
         strcmp(api_version, "apiextensions.k8s.io/v1beta1") == 0)) {
        add_crd(in, doc, origin);
        return;
    }
    if (kind && strlen(kind) >= 4 && strcmp(kind + strlen(kind) - 4, "List") == 0 && cJSON_IsArray(items)) {
        int i = 0;
        cJSON *item;
        while ((item = cJSON_DetachItemFromArray((cJSON *)items, 0)))
            add_document(in, item, arena_printf(in->arena, "%s, item %d", origin, i++));
        cJSON_Delete(doc);
        return;
    }
    const char *name = str_at(cJSON_GetObjectItemCaseSensitive(doc, "metadata"), "name");
    fprintf(stderr, "k8sgen: note: %s: %s%s%s%s%s is not a CustomResourceDefinition; skipped\n", origin,
            api_version ? api_version : "", api_version ? " " : "", kind ? kind : "a document without a kind",
            name ? " " : "", name ? name : "");
    cJSON_Delete(doc);
}

static void add_text(crd_input *in, const char *label, const char *data, size_t len)
{
    k8s_yaml_reader *ys;
    k8s_error err;
    if (k8s_yaml_reader_start(&ys, data, len, &err) != K8S_OK) {
        fprintf(stderr, "k8sgen: %s: %s\n", label, err.message);
        in->errors++;
        return;
    }
    k8s_buf json = K8S_BUF_INIT;
    for (;;) {
        k8s_code rc = k8s_yaml_reader_next(ys, &json, &err);
        if (rc == K8S_EDONE)
            break;
        const char *origin = arena_printf(in->arena, "%s, document %zu", label, k8s_yaml_reader_document_index(ys));
        if (rc != K8S_OK) {
            char msg[600];
            fprintf(stderr, "k8sgen: %s: %s\n", origin, k8s_error_format(&err, msg, sizeof msg));
            in->errors++;
            break;
        }
        cJSON *doc = cJSON_ParseWithLength(json.data, json.len);
        if (!cJSON_IsObject(doc)) {
            fprintf(stderr, "k8sgen: note: %s: not an object; skipped\n", origin);
            cJSON_Delete(doc);
            continue;
        }
        add_document(in, doc, origin);
    }
    k8s_buf_free(&json);
    k8s_yaml_reader_free(ys);
}

static bool add_file(crd_input *in, const char *path)
{
    size_t len = 0;
    char *data;
    int e = strcmp(path, "-") == 0 ? k8s_read_fd(0, INPUT_LIMIT, &data, &len)
                                   : k8s_read_file(path, INPUT_LIMIT, &data, &len);
    if (e) {
        fprintf(stderr, "k8sgen: cannot read %s: %s\n", path, strerror(e));
        in->errors++;
        return false;
    }
    add_text(in, strcmp(path, "-") == 0 ? "standard input" : k8s_arena_strdup(in->arena, path), data, len);
    free(data);
    return true;
}

static bool manifest_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) || (n > 4 && strcmp(name + n - 4, ".yml") == 0) ||
           (n > 5 && strcmp(name + n - 5, ".json") == 0);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool add_folder(crd_input *in, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "k8sgen: cannot read %s: %s\n", dir, strerror(errno));
        in->errors++;
        return false;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn)
                break;
            names = nn;
        }
        names[n++] = k8s_arena_strdup(in->arena, e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_name); /* the same order on every machine */
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        const char *path = arena_printf(in->arena, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            ok &= add_folder(in, path);
        else if (S_ISREG(st.st_mode) && manifest_name(names[i]))
            ok &= add_file(in, path);
    }
    free(names);
    return ok;
}

bool crd_input_path(crd_input *in, const char *path)
{
    struct stat st;
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return add_folder(in, path);
    return add_file(in, path);
}

#ifdef K8SGEN_CLUSTER
/* GROUP[/VERSION]: keeps the CRD when it is of GROUP, with only VERSION. */
static bool select_crd(cJSON *crd, const char *want)
{
    const char *slash = strchr(want, '/');
    size_t glen = slash ? (size_t)(slash - want) : strlen(want);
    cJSON *spec = cJSON_GetObjectItemCaseSensitive(crd, "spec");
    const char *group = str_at(spec, "group");
    if (!group || strlen(group) != glen || strncmp(group, want, glen) != 0)
        return false;
    if (!slash)
        return true;
    cJSON *versions = cJSON_GetObjectItemCaseSensitive(spec, "versions");
    for (int i = cJSON_GetArraySize(versions) - 1; i >= 0; i--) {
        const char *name = str_at(cJSON_GetArrayItem(versions, i), "name");
        if (!name || strcmp(name, slash + 1) != 0)
            cJSON_DeleteItemFromArray(versions, i);
    }
    return cJSON_GetArraySize(versions) > 0;
}

bool crd_input_cluster(crd_input *in, const char *const *groups, size_t ngroups)
{
    k8s_config *config = NULL;
    k8s_client *client = NULL;
    k8s_arena *arena = k8s_arena_new();
    k8s_error err = {0};
    char *reply = NULL;
    bool ok = false;
    if (k8s_config_default(&config, &err) || k8s_client_new(&client, config, NULL, &err) ||
        k8s_request(client, arena, "GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", NULL, NULL,
                    &reply, &err)) {
        char msg[600];
        fprintf(stderr, "k8sgen: cannot list the cluster's CustomResourceDefinitions: %s\n",
                k8s_error_format(&err, msg, sizeof msg));
        goto out;
    }
    cJSON *list = cJSON_Parse(reply);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(list, "items");
    if (!cJSON_IsArray(items)) {
        fprintf(stderr, "k8sgen: the cluster's list of CustomResourceDefinitions has no items\n");
        cJSON_Delete(list);
        goto out;
    }
    ok = true;
    for (size_t g = 0; g < ngroups; g++) {
        size_t found = 0;
        const cJSON *item;
        cJSON_ArrayForEach(item, items)
        {
            cJSON *crd = cJSON_Duplicate(item, true);
            if (!crd || !select_crd(crd, groups[g])) {
                cJSON_Delete(crd);
                continue;
            }
            cJSON_AddStringToObject(crd, "apiVersion", "apiextensions.k8s.io/v1");
            cJSON_AddStringToObject(crd, "kind", "CustomResourceDefinition");
            const char *name = str_at(cJSON_GetObjectItemCaseSensitive(crd, "metadata"), "name");
            add_crd(in, crd, arena_printf(in->arena, "the cluster's %s", name ? name : "(unnamed CRD)"));
            found++;
        }
        if (!found) {
            fprintf(stderr, "k8sgen: the cluster has no CustomResourceDefinition for %s\n", groups[g]);
            in->errors++;
            ok = false;
        }
    }
    cJSON_Delete(list);
out:
    k8s_arena_free(arena);
    k8s_client_free(client);
    k8s_config_free(config);
    return ok;
}
#else
bool crd_input_cluster(crd_input *in, const char *const *groups, size_t ngroups)
{
    (void)in, (void)groups, (void)ngroups;
    fprintf(stderr, "k8sgen: --crd-from-cluster: this k8sgen was built without the client (K8S_BUILD_CLIENT=OFF)\n");
    return false;
}
#endif

void crd_input_free(crd_input *in)
{
    for (size_t i = 0; i < in->ndocs; i++)
        cJSON_Delete(in->docs[i].json);
    in->ndocs = 0;
}

static int cmp_doc(const void *a, const void *b)
{
    const crd_doc *x = *(crd_doc *const *)a, *y = *(crd_doc *const *)b;
    const char *nx = str_at(cJSON_GetObjectItemCaseSensitive(x->json, "metadata"), "name");
    const char *ny = str_at(cJSON_GetObjectItemCaseSensitive(y->json, "metadata"), "name");
    return strcmp(nx ? nx : "", ny ? ny : "");
}

static int cmp_map(const void *a, const void *b)
{
    return strcmp((*(crd_map *const *)a)->arg, (*(crd_map *const *)b)->arg);
}

/* Over what decides the tree, not over how it was written down: each CRD's
 * name and spec as compact JSON (keys in name order), in name order, then
 * the --map options in text order. Comments, key order, other documents in
 * the files and where the CRDs came from (files, a cluster) do not count. */
const char *crd_input_sha256(k8s_arena *a, crd_doc *docs, size_t ndocs, const crd_options *opts)
{
    crd_doc **sorted = k8s_arena_alloc(a, (ndocs + 1) * sizeof *sorted);
    for (size_t i = 0; i < ndocs; i++)
        sorted[i] = &docs[i];
    qsort(sorted, ndocs, sizeof *sorted, cmp_doc);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (size_t i = 0; ok && i < ndocs; i++) {
        const char *name = str_at(cJSON_GetObjectItemCaseSensitive(sorted[i]->json, "metadata"), "name");
        char *spec = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(sorted[i]->json, "spec"));
        const char *line = arena_printf(a, "%s\n%s\n", name ? name : "", spec ? spec : "null");
        ok = EVP_DigestUpdate(ctx, line, strlen(line));
        free(spec);
    }
    crd_map **maps = k8s_arena_alloc(a, (opts->nmaps + 1) * sizeof *maps);
    for (size_t i = 0; i < opts->nmaps; i++)
        maps[i] = &opts->maps[i];
    qsort(maps, opts->nmaps, sizeof *maps, cmp_map);
    for (size_t i = 0; ok && i < opts->nmaps; i++) {
        const char *line = arena_printf(a, "--map %s\n", maps[i]->arg);
        ok = EVP_DigestUpdate(ctx, line, strlen(line));
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return NULL;
    char *hex = k8s_arena_alloc(a, mdlen * 2 + 1);
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return hex;
}
