/* Loading kubeconfig files (k8s_config_load over $KUBECONFIG).
 *
 * Input: YAML or JSON text, optionally a first line "#opts CONTEXT,
 * CLUSTER,USER,NAMESPACE" (kubectl's flags; empty items are unset) and a
 * line "#file" splitting it into two files that $KUBECONFIG merges.
 *
 * The files live in a private temporary directory beside a CA
 * certificate, a client certificate and key and a token file (also one
 * in a subdirectory), which kubeconfigs name by relative paths. Nothing
 * outside that directory is read: an input whose documents hold any
 * string that starts with '/' or contains ".." is skipped before the
 * loader sees it (the check reads the files the way the loader does).
 * Exec plugins are never run.
 *
 * Checks: a loaded config has a server and a namespace; a credential
 * (token file, token, basic auth) can be read from it; a failure says
 * why, names the file, and never quotes a token, password or key data. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_internal.h"
#include "fuzz.h"
#include "k8s/yaml.h"

static char dir[64];
static char path_a[96], path_b[96];

/* What kubeconfigs refer to: tiny stand-ins (the loader reads them, TLS
 * never sees them). */
static const char *const referenced[][2] = {
    {"ca.crt", "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"},
    {"client.crt", "-----BEGIN CERTIFICATE-----\nMIIBclient\n-----END CERTIFICATE-----\n"},
    {"client.key", "-----BEGIN PRIVATE KEY-----\nMIIBkey\n-----END PRIVATE KEY-----\n"},
    {"token", "eyJhbGciOiJSUzI1NiJ9.fuzz-token\n"},
    {"certs/ca.pem", "-----BEGIN CERTIFICATE-----\nMIIBsub\n-----END CERTIFICATE-----\n"},
};
#define NREFERENCED (sizeof referenced / sizeof referenced[0])

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f && fwrite(data, 1, len, f) == len && fclose(f) == 0, "cannot write %s", path);
}

static void remove_dir(void)
{
    char path[160];
    for (size_t i = 0; i < NREFERENCED; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, referenced[i][0]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/certs", dir);
    rmdir(path);
    unlink(path_a);
    unlink(path_b);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%.30s/k8s-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    FUZZ_CHECK(mkdtemp(dir), "cannot make a directory in %s", dir);
    char path[160];
    snprintf(path, sizeof path, "%s/certs", dir);
    FUZZ_CHECK(mkdir(path, 0700) == 0, "cannot make %s", path);
    for (size_t i = 0; i < NREFERENCED; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, referenced[i][0]);
        write_file(path, referenced[i][1], strlen(referenced[i][1]));
    }
    snprintf(path_a, sizeof path_a, "%s/a", dir);
    snprintf(path_b, sizeof path_b, "%s/b", dir);
    atexit(remove_dir);
    return 0;
}

/* The document as the loader reads it (config.c's parse_text): JSON when
 * it starts with '{', else the first YAML document; NULL when it fails. */
static cJSON *read_doc(const char *text, size_t len)
{
    size_t i = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (i < len && strchr(" \t\r\n", text[i]))
        i++;
    if (i < len && text[i] == '{')
        return cJSON_ParseWithLengthOpts(text + i, len - i, NULL, false);
    k8s_yaml_reader *s;
    k8s_buf json = K8S_BUF_INIT;
    cJSON *root = NULL;
    if (k8s_yaml_reader_start(&s, text, len, NULL) == K8S_OK && k8s_yaml_reader_next(s, &json, NULL) == K8S_OK)
        root = cJSON_ParseWithLength(json.data, json.len);
    k8s_yaml_reader_free(s);
    k8s_buf_free(&json);
    return root;
}

/* Whether a string could name a file outside the directory. */
static bool escapes(const cJSON *node)
{
    if (cJSON_IsString(node) && (node->valuestring[0] == '/' || strstr(node->valuestring, "..")))
        return true;
    for (const cJSON *c = node ? node->child : NULL; c; c = c->next)
        if (escapes(c))
            return true;
    return false;
}

/* Secrets: values under these keys, long and mixed enough that no message
 * text could hold them by chance, and found nowhere else in the files. */
static bool secret_key(const char *key)
{
    return key && (!strcmp(key, "token") || !strcmp(key, "password") ||
                   !strcmp(key, "client-key-data"));
}

static bool mixed(const char *s)
{
    bool digit = false, upper = false, lower = false;
    for (const char *p = s; *p; p++) {
        digit |= *p >= '0' && *p <= '9';
        upper |= *p >= 'A' && *p <= 'Z';
        lower |= *p >= 'a' && *p <= 'z';
    }
    return strlen(s) >= 12 && digit && upper && lower;
}

static bool occurs(const cJSON *node, const cJSON *skip, const char *s)
{
    if (!node || node == skip)
        return false;
    if ((cJSON_IsString(node) && strstr(node->valuestring, s)) ||
        (node->string && strstr(node->string, s)))
        return true;
    for (const cJSON *c = node->child; c; c = c->next)
        if (occurs(c, skip, s))
            return true;
    return false;
}

static void check_secrets(const cJSON *node, cJSON *const docs[2], const k8s_error *err)
{
    for (const cJSON *c = node ? node->child : NULL; c; c = c->next) {
        if (secret_key(c->string) && cJSON_IsString(c) && mixed(c->valuestring) &&
            !strstr(dir, c->valuestring) && !occurs(docs[0], c, c->valuestring) &&
            !occurs(docs[1], c, c->valuestring))
            FUZZ_CHECK(!strstr(err->message, c->valuestring) && !strstr(err->path, c->valuestring),
                       "the %s is in the error: %s: %s", c->string, err->path, err->message);
        check_secrets(c, docs, err);
    }
}

/* "#opts context,cluster,user,namespace" */
static void read_options(char *line, k8s_config_options *o)
{
    const char **fields[] = {&o->context, &o->cluster, &o->user, &o->namespace_};
    char *p = line + 6;
    for (size_t i = 0; i < 4 && p; i++) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        *fields[i] = p;
        p = comma ? comma + 1 : NULL;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* text, NUL-terminated so the options line can be cut in place */
    char *text = fuzz_text(data, size);
    char *start = text, *end = text + size;
    k8s_config_options opts = {0};
    if (size >= 6 && memcmp(text, "#opts ", 6) == 0) {
        char *nl = memchr(text, '\n', size);
        start = nl ? nl + 1 : end;
        if (nl)
            *nl = '\0';
        read_options(text, &opts);
    }
    static const char split[] = "\n#file\n";
    char *second = memmem(start, (size_t)(end - start), split, sizeof split - 1);
    size_t len_a = second ? (size_t)(second - start) : (size_t)(end - start);
    char *b = second ? second + sizeof split - 1 : NULL;
    size_t len_b = b ? (size_t)(end - b) : 0;

    cJSON *docs[2] = {read_doc(start, len_a), b ? read_doc(b, len_b) : NULL};
    if (escapes(docs[0]) || escapes(docs[1])) {
        cJSON_Delete(docs[0]);
        cJSON_Delete(docs[1]);
        free(text);
        return 0;
    }
    write_file(path_a, start, len_a);
    char list[200];
    snprintf(list, sizeof list, "%s%s%s", path_a, b ? ":" : "", b ? path_b : "");
    if (b)
        write_file(path_b, b, len_b);
    setenv("KUBECONFIG", list, 1);

    k8s_config *cfg = NULL;
    k8s_error err = {0};
    k8s_code rc = k8s_config_load(&cfg, &opts, &err);
    if (rc == K8S_OK) {
        FUZZ_CHECK(cfg, "loaded, but no config");
        const char *server = k8s_config_server(cfg), *ns = k8s_config_namespace(cfg);
        FUZZ_CHECK(server && (!strncmp(server, "https://", 8) || !strncmp(server, "http://", 7)),
                   "server \"%s\"", server ? server : "(null)");
        FUZZ_CHECK(ns && *ns && k8s_config_context(cfg), "no namespace or context");
        if (!cfg->exec) { /* plugins are never run here */
            k8s_credentials *creds = k8s_credentials_new(cfg);
            FUZZ_CHECK(creds, "out of memory");
            k8s_credential cred = {0};
            k8s_error cerr = {0};
            k8s_code crc = k8s_credentials_get(creds, false, &cred, &cerr);
            FUZZ_CHECK(crc == K8S_OK || (crc == K8S_EAUTH && cfg->token_file),
                       "credentials: %s: %s", k8s_strerror(crc), cerr.message);
            k8s_credential_clear(&cred);
            k8s_credentials_free(creds);
        }
        k8s_config_free(cfg);
    } else {
        FUZZ_CHECK(!cfg, "failed, yet a config came back");
        FUZZ_CHECK(err.code == rc && err.message[0], "%s: \"%s\"", k8s_strerror(rc), err.message);
        FUZZ_CHECK(rc != K8S_ECONFIG || err.path[0], "no file named: %s", err.message);
        check_secrets(docs[0], docs, &err);
        check_secrets(docs[1], docs, &err);
    }
    cJSON_Delete(docs[0]);
    cJSON_Delete(docs[1]);
    free(text);
    return 0;
}
