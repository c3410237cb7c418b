/* fuzz_seeds SHARED_DIR OUT_DIR: seed corpora for the harnesses, made at
 * run time from Kubernetes' serialization fixtures
 * (SHARED_DIR/conformance/k8s-1.35) and the recorded kube-apiserver
 * transcripts (SHARED_DIR/apiserver/transcripts), in each harness's input
 * format (see the comment at the top of each fuzz_*.c):
 *
 *   json/      each fixture and transcript object, behind its kind's index
 *   yaml/      each YAML fixture, and streams of 3 small ones
 *   watch/     each recorded watch stream, typed and dynamic
 *   ws/        each recorded error reply as a refused upgrade, and each
 *              Status as an exec session's exit message
 *   selector/  each labelSelector sent, with the labels of the objects
 *   values/    each Quantity, Time and Duration text found in the fixtures
 *
 * Nothing is copied into the repository; OUT_DIR is scratch space. */
#define _DEFAULT_SOURCE
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_internal.h"
#include "k8s/api_types.h"
#include "k8s/values.h"

static const char *out_dir;
static unsigned written;

static void die(const char *what, const char *path)
{
    fprintf(stderr, "fuzz_seeds: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

/* OUT_DIR/harness/name: prefix, then data. */
static void seed(const char *harness, const char *name, const void *prefix, size_t prefix_len,
                 const void *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", out_dir, harness);
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        die("cannot make", path);
    snprintf(path, sizeof path, "%s/%s/%s", out_dir, harness, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(prefix, 1, prefix_len, f) != prefix_len || fwrite(data, 1, len, f) != len ||
        fclose(f) != 0)
        die("cannot write", path);
    written++;
}

static char *slurp(const char *path, size_t *len)
{
    char *text;
    int e = k8s_read_file(path, (size_t)64 << 20, &text, len);
    if (e) {
        errno = e;
        die("cannot read", path);
    }
    return text;
}

/* The files of dir ending in suffix, sorted; NULL-terminated. */
static char **list(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **names = calloc(1, sizeof *names);
    size_t n = 0, sl = strlen(suffix);
    for (struct dirent *e; names && (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (l <= sl || strcmp(e->d_name + l - sl, suffix) != 0)
            continue;
        char **grown = realloc(names, (n + 2) * sizeof *names);
        if (!grown || !(grown[n] = malloc(strlen(dir) + l + 2)))
            die("out of memory for", dir);
        names = grown;
        sprintf(names[n++], "%s/%s", dir, e->d_name);
        names[n] = NULL;
    }
    closedir(d);
    for (size_t i = 1; i < n; i++) /* insertion sort: a few hundred names */
        for (size_t j = i; j && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    return names;
}

static void free_list(char **names)
{
    for (char **p = names; p && *p; p++)
        free(*p);
    free(names);
}

static const char *base(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* ---- json: [kind index, 2 bytes][options byte][JSON] ---- */

static void json_seed(const char *name, const char *json, size_t len)
{
    k8s_arena *arena = k8s_arena_new();
    char *api_version = NULL, *kind = NULL;
    if (arena && k8s_json_peek_kind(json, len, arena, &api_version, &kind, NULL) == K8S_OK) {
        const k8s_kind_info *k = k8s_registry_find(&k8s_api_registry, api_version, kind);
        if (k) {
            size_t i = (size_t)(k - k8s_api_registry.kinds);
            uint8_t prefix[3] = {(uint8_t)(i >> 8), (uint8_t)i, 0};
            seed("json", name, prefix, sizeof prefix, json, len);
        }
    }
    k8s_arena_free(arena);
}

/* ---- values: [mode][text] ---- */

static void value_seed(const char *text)
{
    k8s_quantity q;
    k8s_time t;
    int64_t d;
    int mode = k8s_time_parse(text, &t, NULL) == K8S_OK                        ? 1
               : strpbrk(text, "0123456789") && k8s_duration_parse(text, &d, NULL) == K8S_OK &&
                       strpbrk(text, "hms")                                   ? 2
               : strpbrk(text, "0123456789") && k8s_quantity_parse(text, &q, NULL) == K8S_OK ? 0
                                                                                              : -1;
    if (mode < 0)
        return;
    char name[80];
    unsigned h = 2166136261u; /* FNV-1a names the file: the same text once */
    for (const char *p = text; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    snprintf(name, sizeof name, "%d-%08x", mode, h);
    uint8_t prefix = (uint8_t)mode;
    seed("values", name, &prefix, 1, text, strlen(text));
}

static void value_seeds(const cJSON *node)
{
    if (cJSON_IsString(node) && strlen(node->valuestring) < 64)
        value_seed(node->valuestring);
    for (const cJSON *c = node ? node->child : NULL; c; c = c->next)
        value_seeds(c);
}

/* ---- the conformance fixtures ---- */

static void fixtures(const char *shared)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/conformance/k8s-1.35", shared);
    char **json = list(dir, ".json"), **yaml = list(dir, ".yaml");
    if (!json || !yaml) {
        fprintf(stderr, "fuzz_seeds: no fixtures in %s; skipped\n", dir);
        free_list(json);
        free_list(yaml);
        return;
    }
    for (char **p = json; *p; p++) {
        size_t len;
        char *text = slurp(*p, &len);
        json_seed(base(*p), text, len);
        cJSON *root = cJSON_ParseWithLength(text, len);
        value_seeds(root);
        cJSON_Delete(root);
        free(text);
    }
    k8s_buf stream = K8S_BUF_INIT;
    size_t docs = 0, streams = 0;
    for (char **p = yaml; *p; p++) {
        size_t len;
        char *text = slurp(*p, &len);
        seed("yaml", base(*p), "", 0, text, len);
        /* the small ones also make streams of 3 documents (large inputs
         * slow the fuzzer down more than they teach it) */
        if (len < 4096 && (k8s_buf_append_str(&stream, docs ? "---\n" : "") ||
                           k8s_buf_append(&stream, text, len)))
            die("out of memory for", *p);
        docs += len < 4096;
        if (docs == 3 || (!p[1] && docs)) {
            char name[32];
            snprintf(name, sizeof name, "stream-%02zu.yaml", streams++);
            seed("yaml", name, "", 0, stream.data, stream.len);
            k8s_buf_clear(&stream);
            docs = 0;
        }
        free(text);
    }
    k8s_buf_free(&stream);
    free_list(json);
    free_list(yaml);
}

/* ---- the transcripts ---- */

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A watch stream: one event per line; typed by its first object's kind. */
static void watch_seed(const char *name, const cJSON *events)
{
    k8s_buf b = K8S_BUF_INIT;
    const cJSON *ev;
    int type = 0;
    cJSON_ArrayForEach(ev, events)
    {
        char *line = cJSON_PrintUnformatted(ev);
        if (!line || k8s_buf_append_str(&b, line) || k8s_buf_append(&b, "\n", 1))
            die("out of memory for", name);
        free(line);
        const char *kind = str(cJSON_GetObjectItemCaseSensitive(ev, "object"), "kind");
        if (!type && kind)
            type = !strcmp(kind, "Pod") ? 1 : !strcmp(kind, "ConfigMap") ? 2
                   : !strcmp(kind, "Deployment")                          ? 3
                                                                          : 4;
    }
    uint8_t prefix[5] = {0, 0x12, 0x34, 0x56, 0x78};
    char file[300];
    snprintf(file, sizeof file, "%s-dynamic", name);
    seed("watch", file, prefix, sizeof prefix, b.data ? b.data : "", b.len);
    if (type && type < 4) {
        prefix[0] = (uint8_t)type;
        snprintf(file, sizeof file, "%s-typed", name);
        seed("watch", file, prefix, sizeof prefix, b.data ? b.data : "", b.len);
    }
    k8s_buf_free(&b);
}

/* An error reply as the answer to an upgrade (raw mode), and a Status as
 * an exec session's exit message on channel 3 after a 101. */
static void ws_seeds(const char *name, int status, const char *status_text, const char *body)
{
    char head[256], file[300];
    size_t len = strlen(body);
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu"
                     "\r\n\r\n",
                     status, status_text, len);
    k8s_buf b = K8S_BUF_INIT;
    uint8_t raw_mode[5] = {2 | 128, 0, 0, 0, 7};
    if (k8s_buf_append(&b, head, (size_t)n) || k8s_buf_append(&b, body, len))
        die("out of memory for", name);
    snprintf(file, sizeof file, "%s-refused", name);
    seed("ws", file, raw_mode, sizeof raw_mode, b.data, b.len);

    /* one binary frame, unmasked, as servers send: channel 3, the Status */
    k8s_buf_clear(&b);
    size_t payload = len + 1;
    uint8_t frame[4] = {0x82, 0, 0, 0};
    size_t flen = 2;
    if (payload < 126) {
        frame[1] = (uint8_t)payload;
    } else {
        frame[1] = 126;
        frame[2] = (uint8_t)(payload >> 8);
        frame[3] = (uint8_t)payload;
        flen = 4;
    }
    if (payload > 65535 || k8s_buf_append(&b, frame, flen) || k8s_buf_append(&b, "\3", 1) ||
        k8s_buf_append(&b, body, len)) {
        k8s_buf_free(&b);
        return;
    }
    uint8_t exec_mode[5] = {128, 0, 0, 0, 3};
    snprintf(file, sizeof file, "%s-exit", name);
    seed("ws", file, exec_mode, sizeof exec_mode, b.data, b.len);
    k8s_buf_free(&b);
}

static int unhex(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                        : c >= 'A' && c <= 'F'   ? c - 'A' + 10
                                                                 : -1;
}

/* labelSelector=... of a request path, percent-decoded; "" when none. */
static void label_selector(const char *path, char *out, size_t n)
{
    const char *p = strstr(path, "labelSelector=");
    size_t k = 0;
    for (p = p ? p + 14 : ""; *p && *p != '&' && k + 1 < n; p++) {
        if (*p == '%' && unhex(p[1]) >= 0 && unhex(p[2]) >= 0) {
            out[k++] = (char)(unhex(p[1]) << 4 | unhex(p[2]));
            p += 2;
        } else {
            out[k++] = *p == '+' ? ' ' : *p;
        }
    }
    out[k] = '\0';
}

/* Labels of the objects in a body, NUL-separated key, value pairs. */
static void labels_of(const cJSON *node, k8s_buf *out)
{
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(node, "labels");
    const cJSON *l;
    if (!cJSON_IsObject(labels))
        labels = NULL;
    cJSON_ArrayForEach(l, labels)
    {
        if (cJSON_IsString(l) && (k8s_buf_append(out, "", 1) || k8s_buf_append_str(out, l->string) ||
                                  k8s_buf_append(out, "", 1) ||
                                  k8s_buf_append_str(out, l->valuestring)))
            die("out of memory for", "labels");
    }
    for (const cJSON *c = node ? node->child : NULL; c; c = c->next)
        labels_of(c, out);
}

static void transcripts(const char *shared)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/apiserver/transcripts", shared);
    char **files = list(dir, ".json");
    if (!files) {
        fprintf(stderr, "fuzz_seeds: no transcripts in %s; skipped\n", dir);
        return;
    }
    for (char **p = files; *p; p++) {
        size_t len;
        char *text = slurp(*p, &len);
        cJSON *root = cJSON_ParseWithLength(text, len);
        const cJSON *req = cJSON_GetObjectItemCaseSensitive(root, "request");
        const cJSON *resp = cJSON_GetObjectItemCaseSensitive(root, "response");
        const cJSON *body = cJSON_GetObjectItemCaseSensitive(resp, "body");
        const cJSON *reqbody = cJSON_GetObjectItemCaseSensitive(req, "body");
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(resp, "status");
        char name[300];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(base(*p), "."), base(*p));
        char *json = cJSON_IsObject(body) ? cJSON_PrintUnformatted(body) : NULL;
        char *reqjson = cJSON_IsObject(reqbody) ? cJSON_PrintUnformatted(reqbody) : NULL;
        if (json)
            json_seed(name, json, strlen(json));
        if (reqjson) {
            char reqname[320];
            snprintf(reqname, sizeof reqname, "%s-request", name);
            json_seed(reqname, reqjson, strlen(reqjson));
        }
        if (cJSON_IsArray(body))
            watch_seed(name, body);
        if (json && cJSON_IsNumber(status) && str(body, "kind") &&
            !strcmp(str(body, "kind"), "Status"))
            ws_seeds(name, status->valueint, str(resp, "status_text") ? str(resp, "status_text")
                                                                       : "Error",
                     json);
        char sel[512];
        label_selector(str(req, "path") ? str(req, "path") : "", sel, sizeof sel);
        if (*sel) {
            k8s_buf b = K8S_BUF_INIT;
            if (k8s_buf_append_str(&b, sel))
                die("out of memory for", *p);
            labels_of(body, &b);
            seed("selector", name, "", 0, b.data, b.len);
            k8s_buf_free(&b);
        }
        free(json);
        free(reqjson);
        cJSON_Delete(root);
        free(text);
    }
    free_list(files);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fuzz_seeds SHARED_DIR OUT_DIR\n");
        return 2;
    }
    out_dir = argv[2];
    if (mkdir(out_dir, 0777) != 0 && errno != EEXIST)
        die("cannot make", out_dir);
    fixtures(argv[1]);
    transcripts(argv[1]);
    printf("fuzz_seeds: %u seeds from %s in %s\n", written, argv[1], out_dir);
    return 0;
}
