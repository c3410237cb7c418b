/* kubeconfig loading (files, merging, overrides, every field, errors),
 * in-cluster config, and the credential cache (static tokens, basic auth,
 * token file rotation, exec plugins). Every test works in its own mkdtemp
 * directory: kubeconfigs, certificates, token files and plugin scripts are
 * written there and removed afterwards. Secrets in the configs all contain
 * "SEKRET", and no error text may. */
#define _XOPEN_SOURCE 700 /* mkdtemp, setenv, nftw */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "config_internal.h"
#include "internal.h"
#include "k8s/config.h"
#include "k8s/values.h"
#include "testutil.h"

/* A real certificate (self-signed, CN=k8s-c-test-ca, valid until 2126):
 * certificate authorities are read with OpenSSL when a config loads. */
#define CA_PEM \
    "-----BEGIN CERTIFICATE-----\n" \
    "MIIBhjCCAS2gAwIBAgIUT4q4bzjqNMEUsSxwi0Z8r+RWVFIwCgYIKoZIzj0EAwIw\n" \
    "GDEWMBQGA1UEAwwNazhzLWMtdGVzdC1jYTAgFw0yNjEyMDUwMDU2MjRaGA8yMTI2\n" \
    "MTExMTAwNTYyNFowGDEWMBQGA1UEAwwNazhzLWMtdGVzdC1jYTBZMBMGByqGSM49\n" \
    "AgEGCCqGSM49AwEHA0IABGiKTTs1HrQNl4bmDMjs0RkNPc3xrIpdQj9f1XZY251Z\n" \
    "GwcPHCrIB58a7WP9FIVHhBeKLl3G4c0MyV9gqWmMEJmjUzBRMB0GA1UdDgQWBBQZ\n" \
    "7LIvWRUdOUbCcKssXbh8rLSaijAfBgNVHSMEGDAWgBQZ7LIvWRUdOUbCcKssXbh8\n" \
    "rLSaijAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIE4H0kAxTf4f\n" \
    "HS4zdxgeW3qGE87jc3wNvhIERCZhY+JvAiA1CM4H2DxeZWyqRqavJqWPuqDdHD2F\n" \
    "w5IgvW/BZOlgXA==\n" \
    "-----END CERTIFICATE-----\n"
#define CERT_PEM "-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n"
#define KEY_PEM "-----BEGIN PRIVATE KEY-----\nSEKRET-KEY\n-----END PRIVATE KEY-----\n"

typedef struct fixture {
    char dir[256];
} fixture;

/* ---- helpers ---- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static const char *env_names[] = {"KUBECONFIG", "HOME", "KUBERNETES_SERVICE_HOST",
                                  "KUBERNETES_SERVICE_PORT", "POD_NAMESPACE",
                                  "K8S_TEST_OUTER"};

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/k8s-config-test-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    for (size_t i = 0; i < sizeof env_names / sizeof env_names[0]; i++)
        unsetenv(env_names[i]);
    setenv("HOME", f->dir, 1); /* no ~/.kube/config unless a test writes one */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    for (size_t i = 0; i < sizeof env_names / sizeof env_names[0]; i++)
        unsetenv(env_names[i]);
    free(f);
    return 0;
}

/* text with every "@DIR@" replaced by dir; static buffer */
static const char *subst(const char *text, const char *dir)
{
    static char out[16384];
    size_t k = 0;
    for (const char *p = text; *p;) {
        if (strncmp(p, "@DIR@", 5) == 0) {
            size_t n = strlen(dir);
            assert_true(k + n < sizeof out);
            memcpy(out + k, dir, n);
            k += n;
            p += 5;
        } else {
            assert_true(k + 1 < sizeof out);
            out[k++] = *p++;
        }
    }
    out[k] = '\0';
    return out;
}

/* Writes dir/name (making one level of subdirectory if the name has it);
 * returns the path in a static buffer (one of four, rotating). */
static const char *write_at(const char *dir, const char *name, const char *text, int mode)
{
    static char paths[4][512];
    static int turn;
    char *path = paths[turn++ % 4];
    snprintf(path, 512, "%s/%s", dir, name);
    for (char *s = strchr(path + strlen(dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(path, 0755);
        *s = '/';
    }
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *fp = fopen(tmp, "wb");
    assert_non_null(fp);
    fputs(subst(text, dir), fp);
    fclose(fp);
    chmod(tmp, (mode_t)mode);
    /* a rename, as kubelet rotates tokens, and so a script being replaced
     * is never "text file busy" */
    assert_int_equal(rename(tmp, path), 0);
    return path;
}

static const char *write_file(fixture *f, const char *name, const char *text)
{
    return write_at(f->dir, name, text, 0644);
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

static void assert_no_secret(const char *text)
{
    if (strstr(text, "SEKRET") || strstr(text, "U0VLUkVU") /* base64 of SEKRET */)
        fail_msg("a secret leaked: %s", text);
}

static const char *formatted(const k8s_error *err)
{
    static char buf[800];
    return k8s_error_format(err, buf, sizeof buf);
}

static char *b64(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(k8s_base64_encoded_len(n) + 1);
    k8s_base64_encode((const uint8_t *)s, n, out);
    out[k8s_base64_encoded_len(n)] = '\0';
    return out;
}

static k8s_config *load_file(const char *path, const k8s_config_options *o)
{
    k8s_config_options opts = o ? *o : (k8s_config_options){0};
    opts.kubeconfig = path;
    k8s_config *cfg = NULL;
    k8s_error err;
    k8s_code rc = k8s_config_load(&cfg, &opts, &err);
    if (rc)
        fail_msg("%s: %s", k8s_strerror(rc), formatted(&err));
    assert_no_secret(cfg->origin);
    return cfg;
}

/* Loads a kubeconfig that must fail; checks the code, that the file is in
 * err->path, the message, and that no secret is in either. */
static void expect_error(fixture *f, const char *yaml, const char *text)
{
    char message[512]; /* subst's buffer is about to be reused */
    snprintf(message, sizeof message, "%s", text);
    const char *path = write_file(f, "bad-config", yaml);
    char file[512];
    snprintf(file, sizeof file, "%s", path);
    k8s_config_options opts = {.kubeconfig = file};
    k8s_config *cfg = (k8s_config *)1;
    k8s_error err;
    k8s_code rc = k8s_config_load(&cfg, &opts, &err);
    if (rc == K8S_OK)
        fail_msg("loaded, expected \"%s\"", message);
    assert_null(cfg);
    assert_int_equal(rc, K8S_ECONFIG);
    assert_int_equal(err.code, K8S_ECONFIG);
    assert_string_equal(err.path, file);
    assert_contains(err.message, message);
    assert_no_secret(formatted(&err));
    print_message("  %s\n", formatted(&err));
}

/* Every kubeconfig below is built on this: a cluster, a user, a context. */
#define HEAD                                                                                   \
    "apiVersion: v1\nkind: Config\ncurrent-context: ctx\n"                                     \
    "contexts:\n- name: ctx\n  context: {cluster: c, user: alice}\n"

/* ---- kubeconfig: fields ---- */

static void test_every_field(void **state)
{
    fixture *f = *state;
    char *ca = b64(CA_PEM), *cert = b64(CERT_PEM), *key = b64(KEY_PEM);
    char yaml[4096];
    snprintf(yaml, sizeof yaml,
             "apiVersion: v1\n"
             "kind: Config\n"
             "preferences: {}\n"
             "current-context: prod\n"
             "clusters:\n"
             "- name: eu\n"
             "  cluster:\n"
             "    server: https://api.example.com:6443/prefix/\n"
             "    certificate-authority-data: %s\n"
             "    tls-server-name: api.internal\n"
             "    proxy-url: socks5://proxy:1080\n"
             "    unknown-field: ignored\n"
             "users:\n"
             "- name: alice\n"
             "  user:\n"
             "    token: SEKRET-TOKEN-1\n"
             "    client-certificate-data: %s\n"
             "    client-key-data: %s\n"
             "contexts:\n"
             "- name: prod\n"
             "  context:\n"
             "    cluster: eu\n"
             "    user: alice\n"
             "    namespace: shop\n",
             ca, cert, key);
    k8s_config *cfg = load_file(write_file(f, "config", yaml), NULL);
    assert_string_equal(k8s_config_server(cfg), "https://api.example.com:6443/prefix");
    assert_string_equal(k8s_config_namespace(cfg), "shop");
    assert_string_equal(k8s_config_context(cfg), "prod");
    assert_string_equal(cfg->tls_server_name, "api.internal");
    assert_string_equal(cfg->proxy_url, "socks5://proxy:1080");
    assert_false(cfg->insecure);
    assert_string_equal(cfg->ca.data, CA_PEM);
    assert_int_equal(cfg->ca.len, strlen(CA_PEM));
    assert_string_equal(cfg->client_cert.data, CERT_PEM);
    assert_string_equal(cfg->client_key.data, KEY_PEM);
    assert_string_equal(cfg->token, "SEKRET-TOKEN-1");
    assert_null(cfg->token_file);
    assert_null(cfg->exec);
    assert_string_equal(cfg->user, "alice");
    assert_contains(cfg->origin, "/config");
    assert_contains(cfg->origin, "prod");
    k8s_config_free(cfg);

    /* the same as JSON, through the JSON parser */
    snprintf(yaml, sizeof yaml,
             "{\"apiVersion\": \"v1\", \"kind\": \"Config\", \"current-context\": \"x\",\n"
             "\t\"clusters\": [{\"name\": \"c\", \"cluster\": {\"server\": \"https://h\",\n"
             "\t\t\"insecure-skip-tls-verify\": true}}],\n"
             "\t\"users\": [{\"name\": \"u\", \"user\": {\"username\": \"bob\",\n"
             "\t\t\"password\": \"SEKRET-PW\"}}],\n"
             "\t\"contexts\": [{\"name\": \"x\", \"context\": {\"cluster\": \"c\", \"user\": "
             "\"u\"}}]}\n");
    cfg = load_file(write_file(f, "config.json", yaml), NULL);
    assert_string_equal(cfg->server, "https://h");
    assert_true(cfg->insecure);
    assert_string_equal(cfg->username, "bob");
    assert_string_equal(cfg->password, "SEKRET-PW");
    assert_string_equal(k8s_config_namespace(cfg), "default");
    k8s_config_free(cfg);
    free(ca);
    free(cert);
    free(key);
}

static void test_exec_fields(void **state)
{
    fixture *f = *state;
    k8s_config *cfg = load_file(
        write_file(f, "config",
                   HEAD "clusters:\n- name: c\n  cluster:\n    server: https://h\n"
                        "    extensions:\n    - name: client.authentication.k8s.io/exec\n"
                        "      extension: {audience: k8s, count: 1}\n"
                        "users:\n- name: alice\n  user:\n    exec:\n"
                        "      apiVersion: client.authentication.k8s.io/v1\n"
                        "      command: aws\n      args: [eks, get-token, --cluster, x]\n"
                        "      env:\n      - {name: AWS_PROFILE, value: SEKRET-PROFILE}\n"
                        "      - {name: EMPTY}\n"
                        "      installHint: brew install aws\n"
                        "      provideClusterInfo: true\n      interactiveMode: Never\n"),
        NULL);
    const k8s_exec_config *x = cfg->exec;
    assert_non_null(x);
    assert_string_equal(x->command, "aws"); /* a bare name: found in $PATH */
    assert_string_equal(x->args[0], "eks");
    assert_string_equal(x->args[3], "x");
    assert_null(x->args[4]);
    assert_string_equal(x->env[0], "AWS_PROFILE=SEKRET-PROFILE");
    assert_string_equal(x->env[1], "EMPTY=");
    assert_null(x->env[2]);
    assert_string_equal(x->api_version, "client.authentication.k8s.io/v1");
    assert_string_equal(x->install_hint, "brew install aws");
    assert_true(x->provide_cluster_info);
    assert_string_equal(x->cluster_config, "{\"audience\":\"k8s\",\"count\":1}");
    k8s_config_free(cfg);

    /* v1beta1 defaults interactiveMode; other credentials switch exec off,
     * as in client-go */
    cfg = load_file(write_file(f, "config",
                               HEAD "clusters:\n- name: c\n  cluster: {server: https://h}\n"
                                    "users:\n- name: alice\n  user:\n"
                                    "    exec: {apiVersion: client.authentication.k8s.io/v1beta1,"
                                    " command: p}\n"),
                    NULL);
    assert_non_null(cfg->exec);
    assert_null(cfg->exec->args[0]);
    assert_false(cfg->exec->provide_cluster_info);
    k8s_config_free(cfg);
    cfg = load_file(write_file(f, "config",
                               HEAD "clusters:\n- name: c\n  cluster: {server: https://h}\n"
                                    "users:\n- name: alice\n  user:\n    token: SEKRET-T\n"
                                    "    exec: {apiVersion: client.authentication.k8s.io/v1beta1,"
                                    " command: p}\n"),
                    NULL);
    assert_null(cfg->exec);
    assert_string_equal(cfg->token, "SEKRET-T");
    k8s_config_free(cfg);
}

static void test_relative_paths(void **state)
{
    fixture *f = *state;
    write_file(f, "sub/ca.crt", CA_PEM);
    write_file(f, "sub/certs/client.crt", CERT_PEM);
    write_file(f, "key.pem", KEY_PEM);
    write_file(f, "sub/token", "SEKRET-FILE-TOKEN\n");
    write_file(f, "abs.crt", CERT_PEM);
    const char *path = write_file(
        f, "sub/config",
        HEAD "clusters:\n- name: c\n  cluster:\n    server: https://h\n"
             "    certificate-authority: ca.crt\n"
             "users:\n- name: alice\n  user:\n    tokenFile: token\n"
             "    client-certificate: certs/client.crt\n    client-key: ../key.pem\n");
    k8s_config *cfg = load_file(path, NULL);
    char want[600];
    assert_string_equal(cfg->ca.data, CA_PEM);
    assert_string_equal(cfg->client_cert.data, CERT_PEM);
    assert_string_equal(cfg->client_key.data, KEY_PEM);
    snprintf(want, sizeof want, "%s/sub/token", f->dir);
    assert_string_equal(cfg->token_file, want);
    assert_null(cfg->token);
    k8s_config_free(cfg);

    /* absolute paths stay; an exec command with a '/' is relative too */
    path = write_file(f, "sub/config",
                      subst(HEAD "clusters:\n- name: c\n  cluster: {server: https://h}\n"
                                 "users:\n- name: alice\n  user:\n"
                                 "    exec: {apiVersion: client.authentication.k8s.io/v1beta1,"
                                 " command: ./bin/plugin}\n",
                            f->dir));
    cfg = load_file(path, NULL);
    snprintf(want, sizeof want, "%s/sub/./bin/plugin", f->dir);
    assert_string_equal(cfg->exec->command, want);
    k8s_config_free(cfg);

    /* a relative kubeconfig name: relative to the current directory */
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(f->dir), 0);
    cfg = load_file("sub/config", NULL);
    assert_string_equal(cfg->exec->command, want);
    k8s_config_free(cfg);
    assert_int_equal(chdir(cwd), 0);

    /* k8s_config_parse: relative to the current directory */
    assert_int_equal(chdir(f->dir), 0);
    k8s_config *parsed;
    k8s_error err;
    const char *text = HEAD "clusters:\n- name: c\n  cluster:\n    server: https://h\n"
                            "    certificate-authority: sub/ca.crt\n"
                            "users:\n- name: alice\n  user: {client-certificate: @DIR@/abs.crt,"
                            " client-key: key.pem}\n";
    text = subst(text, f->dir);
    assert_int_equal(k8s_config_parse(&parsed, text, strlen(text), "inline", NULL, &err), K8S_OK);
    assert_int_equal(chdir(cwd), 0);
    assert_string_equal(parsed->ca.data, CA_PEM);
    assert_string_equal(parsed->client_cert.data, CERT_PEM);
    assert_string_equal(parsed->client_key.data, KEY_PEM);
    k8s_config_free(parsed);
}

static void test_http_server(void **state)
{
    fixture *f = *state;
    /* kubectl sends no credentials over plain http */
    k8s_config *cfg = load_file(
        write_file(f, "config",
                   HEAD "clusters:\n- name: c\n  cluster: {server: 'http://127.0.0.1:8080/'}\n"
                        "users:\n- name: alice\n  user: {token: SEKRET-T}\n"),
        NULL);
    assert_string_equal(cfg->server, "http://127.0.0.1:8080");
    assert_null(cfg->token);
    k8s_config_free(cfg);
    /* no scheme: http, as client-go makes it */
    cfg = load_file(write_file(f, "config",
                               HEAD "clusters:\n- name: c\n  cluster: {server: 'h:8080'}\n"
                                    "users:\n- name: alice\n  user: {token: SEKRET-T}\n"),
                    NULL);
    assert_string_equal(cfg->server, "http://h:8080");
    assert_null(cfg->token);
    k8s_config_free(cfg);
    /* the scheme in any case, lowercased as Go's url.Parse does (the host
     * stays as written); found by fuzz_kubeconfig,
     * fuzz/regressions/kubeconfig/server-scheme-uppercase */
    cfg = load_file(write_file(f, "config",
                               HEAD "clusters:\n- name: c\n  cluster: {server: 'HTtpS://H:6443/'}\n"
                                    "users:\n- name: alice\n  user: {token: SEKRET-T}\n"),
                    NULL);
    assert_string_equal(k8s_config_server(cfg), "https://H:6443");
    assert_string_equal(cfg->token, "SEKRET-T");
    k8s_config_free(cfg);
}

/* ---- kubeconfig: merging and overrides ---- */

static void test_merge(void **state)
{
    fixture *f = *state;
    char a[512], b[512], list[2048];
    snprintf(a, sizeof a, "%s",
             write_file(f, "a", "clusters:\n"
                                "- name: shared\n  cluster: {server: https://a}\n"
                                "users:\n- name: u\n  user: {token: SEKRET-A}\n"
                                "current-context: ''\n"));
    snprintf(b, sizeof b, "%s",
             write_file(f, "b", "clusters:\n"
                                "- name: shared\n  cluster: {server: https://b}\n"
                                "- name: only-b\n  cluster: {server: https://only-b}\n"
                                "users:\n- name: u\n  user: {token: SEKRET-B}\n"
                                "contexts:\n- name: ctx\n  context: {cluster: shared, user: u,"
                                " namespace: from-b}\n"
                                "- name: ctx2\n  context: {cluster: only-b, user: u}\n"
                                "current-context: ctx\n"));
    /* missing files are skipped, a file listed twice counts once */
    snprintf(list, sizeof list, "%s/missing:%s::%s:%s", f->dir, a, b, a);
    setenv("KUBECONFIG", list, 1);
    k8s_config *cfg;
    k8s_error err;
    assert_int_equal(k8s_config_load(&cfg, NULL, &err), K8S_OK);
    assert_string_equal(cfg->context, "ctx"); /* a's is empty: b's counts */
    assert_string_equal(cfg->server, "https://a");
    assert_string_equal(cfg->token, "SEKRET-A");
    assert_string_equal(cfg->namespace_, "from-b");
    assert_string_equal(cfg->user_origin, a);
    assert_contains(cfg->origin, a);
    assert_contains(cfg->origin, b);
    k8s_config_free(cfg);

    /* the first non-empty current-context wins */
    char c[512];
    snprintf(c, sizeof c, "%s", write_file(f, "c", "current-context: ctx2\n"));
    snprintf(list, sizeof list, "%s:%s:%s", a, c, b);
    setenv("KUBECONFIG", list, 1);
    assert_int_equal(k8s_config_load(&cfg, NULL, &err), K8S_OK);
    assert_string_equal(cfg->context, "ctx2");
    assert_string_equal(cfg->server, "https://only-b");
    assert_string_equal(cfg->namespace_, "default");
    k8s_config_free(cfg);

    /* only missing files: an error naming them */
    snprintf(list, sizeof list, "%s/none1:%s/none2", f->dir, f->dir);
    setenv("KUBECONFIG", list, 1);
    assert_int_equal(k8s_config_load(&cfg, NULL, &err), K8S_ECONFIG);
    assert_contains(err.message, "none1");
    /* a broken file in the list is an error, even if others are fine */
    write_file(f, "broken", "clusters: [\n");
    snprintf(list, sizeof list, "%s:%s/broken", a, f->dir);
    setenv("KUBECONFIG", list, 1);
    assert_int_equal(k8s_config_load(&cfg, NULL, &err), K8S_ECONFIG);
    assert_contains(err.path, "/broken");
}

static void test_home_fallback(void **state)
{
    fixture *f = *state;
    k8s_config *cfg;
    k8s_error err;
    /* no ~/.kube/config yet */
    assert_int_equal(k8s_config_load(&cfg, NULL, &err), K8S_ECONFIG);
    assert_contains(err.path, ".kube/config");
    write_file(f, ".kube/config",
               HEAD "clusters:\n- name: c\n  cluster: {server: https://home}\n"
                    "users:\n- name: alice\n  user: {}\n");
    setenv("KUBECONFIG", "", 1); /* empty: falls back */
    assert_int_equal(k8s_config_load(&cfg, NULL, &err), K8S_OK);
    assert_string_equal(cfg->server, "https://home");
    k8s_config_free(cfg);
    setenv("KUBECONFIG", ":", 1);
    assert_int_equal(k8s_config_default(&cfg, &err), K8S_OK);
    assert_string_equal(cfg->server, "https://home");
    k8s_config_free(cfg);
}

static void test_overrides(void **state)
{
    fixture *f = *state;
    const char *path = write_file(
        f, "config",
        "current-context: one\n"
        "clusters:\n- name: c1\n  cluster: {server: https://c1}\n"
        "- name: c2\n  cluster: {server: https://c2}\n"
        "users:\n- name: u1\n  user: {token: SEKRET-1}\n- name: u2\n  user: {token: SEKRET-2}\n"
        "contexts:\n- name: one\n  context: {cluster: c1, user: u1, namespace: ns1}\n"
        "- name: two\n  context: {cluster: c2, user: u2}\n");
    k8s_config *cfg = load_file(path, NULL);
    assert_string_equal(cfg->server, "https://c1");
    assert_string_equal(cfg->token, "SEKRET-1");
    assert_string_equal(cfg->namespace_, "ns1");
    k8s_config_free(cfg);

    cfg = load_file(path, &(k8s_config_options){.context = "two"});
    assert_string_equal(cfg->context, "two");
    assert_string_equal(cfg->server, "https://c2");
    assert_string_equal(cfg->namespace_, "default");
    k8s_config_free(cfg);

    cfg = load_file(path, &(k8s_config_options){.cluster = "c2", .user = "u2", .namespace_ = "x"});
    assert_string_equal(cfg->context, "one");
    assert_string_equal(cfg->server, "https://c2");
    assert_string_equal(cfg->token, "SEKRET-2");
    assert_string_equal(k8s_config_namespace(cfg), "x");
    k8s_config_free(cfg);

    /* empty strings are no override */
    cfg = load_file(path, &(k8s_config_options){.context = "", .cluster = "", .namespace_ = ""});
    assert_string_equal(cfg->server, "https://c1");
    assert_string_equal(cfg->namespace_, "ns1");
    k8s_config_free(cfg);

    /* a cluster without any context, as kubectl --cluster allows */
    path = write_file(f, "config", "clusters:\n- name: c1\n  cluster: {server: https://c1}\n");
    cfg = load_file(path, &(k8s_config_options){.cluster = "c1"});
    assert_string_equal(cfg->server, "https://c1");
    assert_string_equal(cfg->namespace_, "default");
    assert_string_equal(cfg->context, "");
    assert_null(cfg->user);
    k8s_config_free(cfg);
}

/* ---- kubeconfig: errors ---- */

static void test_missing_file(void **state)
{
    fixture *f = *state;
    char path[512];
    snprintf(path, sizeof path, "%s/nope", f->dir);
    k8s_config *cfg;
    k8s_error err;
    k8s_config_options opts = {.kubeconfig = path};
    assert_int_equal(k8s_config_load(&cfg, &opts, &err), K8S_ECONFIG);
    assert_string_equal(err.path, path);
    assert_contains(err.message, "cannot read the kubeconfig: No such file");
    assert_int_equal(k8s_config_load(&cfg, &(k8s_config_options){.kubeconfig = f->dir}, &err),
                     K8S_ECONFIG);
    assert_contains(err.message, "directory");
}

static void test_syntax_errors(void **state)
{
    fixture *f = *state;
    const char *path = write_file(f, "config", "clusters:\n- name: a\n  cluster: {server: x\n");
    k8s_config *cfg;
    k8s_error err;
    assert_int_equal(k8s_config_load(&cfg, &(k8s_config_options){.kubeconfig = path}, &err),
                     K8S_ECONFIG);
    assert_string_equal(err.path, path);
    assert_int_equal(err.line, 4);
    assert_true(err.column >= 1);
    assert_contains(formatted(&err), "line 4, column");

    /* a duplicate key: the JSON path and the position */
    path = write_file(f, "config", "users:\n- name: a\n  user:\n    token: x\n    token: y\n");
    assert_int_equal(k8s_config_load(&cfg, &(k8s_config_options){.kubeconfig = path}, &err),
                     K8S_ECONFIG);
    assert_int_equal(err.line, 5);
    assert_contains(err.message, "users[0].user.token: duplicate key");

    /* a YAML error about a secret value does not quote it */
    path = write_file(f, "config", "users:\n- name: a\n  user:\n    token: !!int SEKRET-TOK\n");
    assert_int_equal(k8s_config_load(&cfg, &(k8s_config_options){.kubeconfig = path}, &err),
                     K8S_ECONFIG);
    assert_int_equal(err.line, 4);
    assert_contains(err.message, "users[0].user.token");
    assert_no_secret(formatted(&err));

    /* JSON syntax: position too */
    path = write_file(f, "config", "{\"clusters\": [\n  {\"name\": \"a\",,}]}\n");
    assert_int_equal(k8s_config_load(&cfg, &(k8s_config_options){.kubeconfig = path}, &err),
                     K8S_ECONFIG);
    assert_int_equal(err.line, 2);
    assert_contains(err.message, "malformed JSON");
    path = write_file(f, "config", "{\"clusters\": []} trailing\n");
    assert_int_equal(k8s_config_load(&cfg, &(k8s_config_options){.kubeconfig = path}, &err),
                     K8S_ECONFIG);

    expect_error(f, "- a\n- b\n", "not a kubeconfig");
    expect_error(f, "apiVersion: v1\nkind: Pod\n", "not a kubeconfig");
    expect_error(f, "", "no current-context");
}

typedef struct bad_case {
    const char *yaml;
    const char *message;
} bad_case;

#define CLUSTER_C "clusters:\n- name: c\n  cluster: {server: https://h}\n"
#define USER_A(...) "users:\n- name: alice\n  user: {" __VA_ARGS__ "}\n"

static const bad_case bad_cases[] = {
    {"current-context: prod\n", "current-context is \"prod\", which no kubeconfig file defines"},
    {"contexts:\n- name: prod\n  context: {cluster: eu, user: alice}\ncurrent-context: prod\n",
     "context \"prod\" refers to cluster \"eu\", which no kubeconfig file defines"},
    {HEAD CLUSTER_C, "context \"ctx\" refers to user \"alice\", which no kubeconfig file defines"},
    {"current-context: ctx\ncontexts:\n- name: ctx\n  context: {user: alice}\n",
     "contexts[\"ctx\"]: no cluster is set"},
    {HEAD "clusters:\n- name: c\n  cluster: {}\n" USER_A(), "clusters[\"c\"]: no server is set"},
    {HEAD "clusters:\n- name: c\n  cluster: {server: 'ftp://h'}\n" USER_A(),
     "clusters[\"c\"]: server must be an http or https URL"},
    {HEAD CLUSTER_C USER_A("client-key-data: 'SEKRET!!'"),
     "users[\"alice\"]: client-key-data is not valid base64"},
    {HEAD "clusters:\n- name: other\n  cluster: {certificate-authority-data: '@@'}\n"
          "- name: c\n  cluster: {server: https://h}\n" USER_A(),
     "clusters[\"other\"]: certificate-authority-data is not valid base64"},
    {HEAD CLUSTER_C USER_A("client-certificate: nope.crt, client-key-data: U0VLUkVU"),
     "users[\"alice\"]: cannot read client-certificate @DIR@/nope.crt: No such file"},
    {HEAD "clusters:\n- name: c\n  cluster: {server: https://h, certificate-authority: ca}\n"
         USER_A(),
     "clusters[\"c\"]: cannot read certificate-authority @DIR@/ca: No such file"},
    {HEAD CLUSTER_C USER_A("client-certificate-data: Q0VSVA=="),
     "users[\"alice\"]: a client certificate is set without a client key"},
    {HEAD CLUSTER_C USER_A("client-key-data: U0VLUkVU"),
     "users[\"alice\"]: a client key is set without a client certificate"},
    {HEAD CLUSTER_C USER_A("client-key-data: U0VLUkVU, client-key: k, client-certificate-data: "
                           "Q0VSVA=="),
     "users[\"alice\"]: client-key and client-key-data are both set"},
    {HEAD CLUSTER_C USER_A("auth-provider: {name: gcp, config: {access-token: SEKRET-AT}}"),
     "users[\"alice\"]: auth-provider \"gcp\" is not supported"},
    {HEAD CLUSTER_C USER_A("token: SEKRET-T, username: bob, password: SEKRET-P"),
     "users[\"alice\"]: a token and a username/password are both set"},
    {HEAD CLUSTER_C USER_A("tokenFile: missing-token"),
     "users[\"alice\"]: cannot read tokenFile @DIR@/missing-token"},
    {HEAD CLUSTER_C USER_A("token: \"SEKRET\\nX-Evil: 1\""),
     "users[\"alice\"]: token contains a control character"},
    {HEAD "clusters:\n- name: c\n  cluster: {server: https://h, insecure-skip-tls-verify: maybe}\n"
         USER_A(),
     "clusters[\"c\"]: insecure-skip-tls-verify must be a boolean"},
    {HEAD "clusters:\n- name: c\n  cluster: {server: https://h, insecure-skip-tls-verify: true,"
          " certificate-authority-data: Q0E=}\n" USER_A(),
     "clusters[\"c\"]: insecure-skip-tls-verify cannot be combined"},
    {HEAD "clusters:\n- name: c\n  cluster: {server: https://h, proxy-url: 'ftp://p'}\n" USER_A(),
     "clusters[\"c\"]: proxy-url must be an http, https or socks5 URL"},
    {HEAD CLUSTER_C "- name: c\n  cluster: {server: https://h2}\n" USER_A(),
     "clusters[\"c\"]: the name is used twice"},
    {HEAD "clusters: {}\n", "clusters must be a list"},
    {HEAD "clusters:\n- 12\n", "clusters[0] must be a mapping"},
    {HEAD CLUSTER_C USER_A("token: [SEKRET]"), "users[\"alice\"]: token must be a string"},
    {HEAD CLUSTER_C USER_A("exec: {command: aws}"),
     "users[\"alice\"]: exec.apiVersion is not set"},
    {HEAD CLUSTER_C USER_A("exec: {apiVersion: client.authentication.k8s.io/v1, command: aws}"),
     "users[\"alice\"]: exec.interactiveMode must be set"},
    {HEAD CLUSTER_C USER_A("exec: {apiVersion: client.authentication.k8s.io/v1alpha1,"
                           " command: aws}"),
     "exec.apiVersion \"client.authentication.k8s.io/v1alpha1\" is not supported"},
    {HEAD CLUSTER_C USER_A("exec: {apiVersion: client.authentication.k8s.io/v1beta1,"
                           " command: aws, interactiveMode: Always}"),
     "exec.interactiveMode is Always"},
    {HEAD CLUSTER_C USER_A("exec: {apiVersion: client.authentication.k8s.io/v1beta1,"
                           " command: aws, env: [{value: SEKRET}]}"),
     "users[\"alice\"]: an exec.env item has no name"},
    {HEAD CLUSTER_C USER_A("exec: {apiVersion: client.authentication.k8s.io/v1beta1,"
                           " command: aws, args: [1, SEKRET]}"),
     "users[\"alice\"]: exec.args must be a list of strings"},
    {HEAD CLUSTER_C USER_A("as: admin"), "users[\"alice\"]: impersonation"},
};

static void test_entry_errors(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        expect_error(f, bad_cases[i].yaml, subst(bad_cases[i].message, f->dir));
    }
}

static void test_option_errors(void **state)
{
    fixture *f = *state;
    const char *path = write_file(f, "config", HEAD CLUSTER_C USER_A());
    struct {
        k8s_config_options o;
        const char *message;
    } cases[] = {
        {{.context = "nope"}, "context \"nope\" is not defined"},
        {{.cluster = "nope"}, "cluster \"nope\" is not defined"},
        {{.user = "nope"}, "user \"nope\" is not defined"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        k8s_config *cfg;
        k8s_error err;
        cases[i].o.kubeconfig = path;
        assert_int_equal(k8s_config_load(&cfg, &cases[i].o, &err), K8S_ECONFIG);
        assert_string_equal(err.path, path);
        assert_contains(err.message, cases[i].message);
    }
}

/* A certificate authority that holds no certificate is refused when the
 * config loads, naming the file (or the cluster's -data), not at the first
 * request; where a good one came from is kept for TLS messages. */
static void test_certificate_authority_checked(void **state)
{
    fixture *f = *state;
    write_file(f, "garbage.crt", "this is not a certificate\n");
    write_file(f, "bad-base64.crt", "-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n");
    write_file(f, "key-only.pem", KEY_PEM);
    write_file(f, "empty.crt", "");
    static const char *const bad[] = {"garbage.crt", "bad-base64.crt", "key-only.pem", "empty.crt"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char yaml[512], want[512];
        snprintf(yaml, sizeof yaml, HEAD "clusters:\n- name: c\n  cluster: {server: https://h, certificate-authority: %s}\n"
                 USER_A("token: t"), bad[i]);
        snprintf(want, sizeof want, "clusters[\"c\"]: certificate-authority %s/%s holds no PEM certificate", f->dir, bad[i]);
        expect_error(f, yaml, want);
    }
    char *junk = b64("not a certificate either"), yaml[1024];
    snprintf(yaml, sizeof yaml, HEAD "clusters:\n- name: c\n  cluster: {server: https://h, certificate-authority-data: %s}\n"
             USER_A("token: t"), junk);
    free(junk);
    expect_error(f, yaml, "clusters[\"c\"]: certificate-authority-data holds no PEM certificate");

    /* good ones: where they came from, for messages; text around PEM blocks is allowed */
    write_file(f, "good.crt", "# the cluster's CA\n" CA_PEM "trailing words\n");
    k8s_config *cfg = load_file(write_file(f, "config", HEAD "clusters:\n- name: c\n  cluster: {server: https://h,"
                                                          " certificate-authority: good.crt}\n" USER_A("token: t")),
                                NULL);
    char want[700];
    snprintf(want, sizeof want, "certificate-authority file %s/good.crt of clusters[\"c\"]", f->dir);
    assert_string_equal(cfg->ca_origin, want);
    k8s_config_free(cfg);
    char *ca = b64(CA_PEM);
    snprintf(yaml, sizeof yaml, HEAD "clusters:\n- name: c\n  cluster: {server: https://h, certificate-authority-data: %s}\n"
             USER_A("token: t"), ca);
    free(ca);
    const char *path = write_file(f, "config", yaml);
    cfg = load_file(path, NULL);
    snprintf(want, sizeof want, "certificate-authority-data of clusters[\"c\"] in %s", path);
    assert_string_equal(cfg->ca_origin, want);
    k8s_config_free(cfg);
    cfg = load_file(write_file(f, "config", HEAD "clusters:\n- name: c\n  cluster: {server: https://h}\n" USER_A("token: t")),
                    NULL);
    assert_null(cfg->ca_origin); /* the system's CAs */
    k8s_config_free(cfg);

    /* the service account's ca.crt */
    k8s_error err;
    char sa[512];
    snprintf(sa, sizeof sa, "%s/sa", f->dir);
    setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    write_file(f, "sa/token", "SEKRET-SA-TOKEN\n");
    write_file(f, "sa/ca.crt", "garbage\n");
    assert_int_equal(k8s_config_in_cluster_at(&cfg, sa, &err), K8S_ECONFIG);
    assert_contains(err.path, "/sa/ca.crt");
    assert_contains(err.message, "the cluster's CA certificate holds no PEM certificate");
}

/* What a 401 says was sent: kind, source and user, never the value. */
static void test_credential_described(void **state)
{
    fixture *f = *state;
    write_file(f, "client.crt", CERT_PEM);
    write_file(f, "client.key", KEY_PEM);
    const struct {
        const char *user, *sent;
    } cases[] = {
        {"token: SEKRET-TOKEN-1", "the token"},
        {"client-certificate: client.crt, client-key: client.key", "the client certificate"},
        {"token: SEKRET-TOKEN-1, client-certificate: client.crt, client-key: client.key",
         "the token and the client certificate"},
        {"username: bob, password: SEKRET-PASSWORD", "the username and password"},
        {"", "no credentials"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[512], want[1024], got[1024];
        snprintf(yaml, sizeof yaml, HEAD "clusters:\n- name: c\n  cluster: {server: https://h}\n"
                 "users:\n- name: alice\n  user: {%s}\n", cases[i].user);
        char path[512];
        snprintf(path, sizeof path, "%s", write_file(f, "config", yaml));
        k8s_config *cfg = load_file(path, NULL);
        k8s_credentials *creds = k8s_credentials_new(cfg);
        k8s_credential cred;
        k8s_error err;
        assert_int_equal(k8s_credentials_get(creds, false, &cred, &err), K8S_OK);
        k8s_credential_describe(cfg, &cred, got, sizeof got);
        snprintf(want, sizeof want, "%s of kubeconfig user \"alice\" (%s)", cases[i].sent, path);
        assert_string_equal(got, want);
        assert_no_secret(got);
        k8s_credential_clear(&cred);
        k8s_credentials_free(creds);
        k8s_config_free(cfg);
    }
}

/* ---- in-cluster ---- */

static void test_in_cluster(void **state)
{
    fixture *f = *state;
    k8s_config *cfg;
    k8s_error err;
    char sa[512];
    snprintf(sa, sizeof sa, "%s/sa", f->dir);
    assert_int_equal(k8s_config_in_cluster_at(&cfg, sa, &err), K8S_ECONFIG);
    assert_contains(err.message, "not running in a cluster");
    setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    /* no token */
    assert_int_equal(k8s_config_in_cluster_at(&cfg, sa, &err), K8S_ECONFIG);
    assert_contains(err.path, "/sa/token");
    assert_contains(err.message, "cannot read the service account token");

    write_file(f, "sa/token", "SEKRET-SA-TOKEN\n");
    assert_int_equal(k8s_config_in_cluster_at(&cfg, sa, &err), K8S_OK);
    assert_string_equal(cfg->server, "https://10.0.0.1:443");
    assert_string_equal(k8s_config_namespace(cfg), "default"); /* no namespace file */
    assert_string_equal(k8s_config_context(cfg), "in-cluster");
    assert_null(cfg->ca.data); /* no ca.crt: the system's CAs */
    assert_null(cfg->token);
    char want[600];
    snprintf(want, sizeof want, "%s/token", sa);
    assert_string_equal(cfg->token_file, want);
    assert_no_secret(cfg->origin);
    k8s_config_free(cfg);

    write_file(f, "sa/ca.crt", CA_PEM);
    write_file(f, "sa/namespace", "team-a\n");
    setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "6443", 1);
    assert_int_equal(k8s_config_in_cluster_at(&cfg, sa, &err), K8S_OK);
    assert_string_equal(cfg->server, "https://[fd00::1]:6443");
    assert_string_equal(cfg->namespace_, "team-a");
    assert_string_equal(cfg->ca.data, CA_PEM);
    /* the token is re-read through the credential cache */
    k8s_credentials *creds = k8s_credentials_new(cfg);
    k8s_credential cred;
    assert_int_equal(k8s_credentials_get(creds, false, &cred, &err), K8S_OK);
    assert_string_equal(cred.authorization, "Bearer SEKRET-SA-TOKEN");
    k8s_credential_clear(&cred);
    k8s_credentials_free(creds);
    k8s_config_free(cfg);

    setenv("POD_NAMESPACE", "from-env", 1);
    assert_int_equal(k8s_config_in_cluster_at(&cfg, sa, &err), K8S_OK);
    assert_string_equal(cfg->namespace_, "from-env");
    k8s_config_free(cfg);
}

static void test_default(void **state)
{
    fixture *f = *state;
    k8s_config *cfg;
    k8s_error err;
    /* nothing at all */
    assert_int_equal(k8s_config_default(&cfg, &err), K8S_ECONFIG);
    assert_contains(err.message, "no kubeconfig");
    assert_contains(err.message, "not in a cluster");
    /* in a cluster, but the real mount is not there: that error */
    setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    struct stat st;
    if (stat("/var/run/secrets/kubernetes.io/serviceaccount/token", &st) != 0) {
        assert_int_equal(k8s_config_default(&cfg, &err), K8S_ECONFIG);
        assert_contains(err.path, "serviceaccount/token");
    }
    /* a kubeconfig in $KUBECONFIG wins */
    const char *path = write_file(f, "kc", HEAD CLUSTER_C USER_A());
    setenv("KUBECONFIG", path, 1);
    assert_int_equal(k8s_config_default(&cfg, &err), K8S_OK);
    assert_string_equal(cfg->server, "https://h");
    k8s_config_free(cfg);
}

/* ---- credentials: static and token files ---- */

static k8s_config *parse(const char *yaml)
{
    k8s_config *cfg;
    k8s_error err;
    if (k8s_config_parse(&cfg, yaml, strlen(yaml), "test", NULL, &err))
        fail_msg("%s", formatted(&err));
    return cfg;
}

static void test_static_credentials(void **state)
{
    (void)state;
    k8s_config *cfg = parse(HEAD CLUSTER_C USER_A("token: SEKRET-T"));
    k8s_credentials *c = k8s_credentials_new(cfg);
    k8s_credential cred;
    assert_true(k8s_credentials_peek(c, &cred));
    assert_string_equal(cred.authorization, "Bearer SEKRET-T");
    assert_int_equal(cred.expires_at, 0);
    assert_null(cred.cert.data);
    k8s_credential_clear(&cred);
    k8s_error err;
    assert_int_equal(k8s_credentials_get(c, true, &cred, &err), K8S_OK);
    assert_string_equal(cred.authorization, "Bearer SEKRET-T");
    k8s_credential_clear(&cred);
    k8s_credentials_free(c);
    k8s_config_free(cfg);

    cfg = parse(HEAD CLUSTER_C USER_A("username: bob, password: 'SEKRET:pw'"));
    c = k8s_credentials_new(cfg);
    assert_true(k8s_credentials_peek(c, &cred));
    char *want = b64("bob:SEKRET:pw");
    assert_string_equal(cred.authorization + 6, want);
    assert_memory_equal(cred.authorization, "Basic ", 6);
    free(want);
    k8s_credential_clear(&cred);
    k8s_credentials_free(c);
    k8s_config_free(cfg);

    /* anonymous: nothing to send, nothing to refresh */
    cfg = parse(HEAD CLUSTER_C USER_A());
    c = k8s_credentials_new(cfg);
    assert_true(k8s_credentials_peek(c, &cred));
    assert_null(cred.authorization);
    assert_int_equal(k8s_credentials_get(c, false, &cred, &err), K8S_OK);
    assert_null(cred.authorization);
    k8s_credentials_free(c);
    k8s_config_free(cfg);
}

static void set_mtime(const char *path, time_t sec)
{
    struct timespec ts[2] = {{sec, 0}, {sec, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void test_token_file_rotation(void **state)
{
    fixture *f = *state;
    char token[512];
    snprintf(token, sizeof token, "%s", write_file(f, "token", "  SEKRET-ONE\n\n"));
    set_mtime(token, 1000);
    k8s_config *cfg = load_file(
        write_file(f, "config", HEAD CLUSTER_C USER_A("tokenFile: token")), NULL);
    k8s_credentials *c = k8s_credentials_new(cfg);
    k8s_credential cred;
    k8s_error err;
    assert_false(k8s_credentials_peek(c, &cred)); /* not read yet */
    assert_int_equal(k8s_credentials_get(c, false, &cred, &err), K8S_OK);
    assert_string_equal(cred.authorization, "Bearer SEKRET-ONE");
    k8s_credential_clear(&cred);
    assert_true(k8s_credentials_peek(c, &cred));
    assert_string_equal(cred.authorization, "Bearer SEKRET-ONE");
    k8s_credential_clear(&cred);

    /* rewritten in place (same inode), same size: the new mtime shows it */
    FILE *fp = fopen(token, "wb");
    assert_non_null(fp);
    fputs("  SEKRET-TWO\n\n", fp);
    fclose(fp);
    set_mtime(token, 2000);
    assert_false(k8s_credentials_peek(c, &cred));
    assert_int_equal(k8s_credentials_get(c, false, &cred, &err), K8S_OK);
    assert_string_equal(cred.authorization, "Bearer SEKRET-TWO");
    k8s_credential_clear(&cred);
    assert_true(k8s_credentials_peek(c, &cred));
    k8s_credential_clear(&cred);

    /* a file that vanishes for a moment: the last token goes on */
    assert_int_equal(unlink(token), 0);
    assert_false(k8s_credentials_peek(c, &cred));
    assert_int_equal(k8s_credentials_get(c, false, &cred, &err), K8S_OK);
    assert_string_equal(cred.authorization, "Bearer SEKRET-TWO");
    k8s_credential_clear(&cred);
    write_file(f, "token", "SEKRET-THREE");
    assert_int_equal(k8s_credentials_get(c, false, &cred, &err), K8S_OK);
    assert_string_equal(cred.authorization, "Bearer SEKRET-THREE");
    k8s_credential_clear(&cred);
    k8s_credentials_free(c);

    /* a fresh cache with no file: the error names it */
    assert_int_equal(unlink(token), 0);
    c = k8s_credentials_new(cfg);
    assert_int_equal(k8s_credentials_get(c, false, &cred, &err), K8S_EAUTH);
    assert_string_equal(err.path, token);
    assert_contains(err.message, "cannot read the token file");
    write_file(f, "token", " \n");
    assert_int_equal(k8s_credentials_get(c, false, &cred, &err), K8S_EAUTH);
    assert_contains(err.message, "empty");
    k8s_credentials_free(c);
    k8s_config_free(cfg);
}

/* ---- exec plugins ---- */

/* A plugin that records its arguments, environment and runs, then prints
 * @DIR@/response. */
#define RECORDING_PLUGIN                                                                       \
    "#!/bin/sh\n"                                                                              \
    "echo run >> '@DIR@/runs'\n"                                                               \
    "printf '%s\\n' \"$@\" > '@DIR@/args'\n"                                                   \
    "printf '%s' \"$KUBERNETES_EXEC_INFO\" > '@DIR@/info'\n"                                   \
    "printf '%s|%s|%s' \"$MY_VAR\" \"$K8S_TEST_OUTER\" \"$EMPTY_VAR\" > '@DIR@/env'\n"          \
    "test -t 0 && echo tty > '@DIR@/stdin' || cat > '@DIR@/stdin'\n"                          \
    "cat '@DIR@/response'\n"

static const char *plugin_config(fixture *f, const char *api, const char *extra)
{
    static char yaml[4096];
    char *ca = b64(CA_PEM);
    snprintf(yaml, sizeof yaml,
             HEAD "clusters:\n- name: c\n  cluster:\n    server: https://h:6443\n"
                  "    certificate-authority-data: %s\n    tls-server-name: api.local\n"
                  "    proxy-url: http://proxy:3128\n"
                  "    extensions:\n    - name: client.authentication.k8s.io/exec\n"
                  "      extension: {audience: k8s}\n"
                  "users:\n- name: alice\n  user:\n    exec:\n"
                  "      apiVersion: client.authentication.k8s.io/%s\n"
                  "      interactiveMode: IfAvailable\n"
                  "      command: ./plugin\n      args: [get-token, --name, 'two words']\n"
                  "      env:\n      - {name: MY_VAR, value: my-value}\n"
                  "      - {name: K8S_TEST_OUTER, value: inner}\n"
                  "%s",
             ca, api, extra);
    free(ca);
    return write_file(f, "config", yaml);
}

static void respond(fixture *f, const char *api, const char *status)
{
    char text[4096];
    snprintf(text, sizeof text,
             "{\"apiVersion\": \"client.authentication.k8s.io/%s\", \"kind\": \"ExecCredential\","
             " \"status\": {%s}}\n",
             api, status);
    write_file(f, "response", text);
}

static int runs(fixture *f)
{
    char path[512];
    snprintf(path, sizeof path, "%s/runs", f->dir);
    size_t len = 0;
    char *text = test_read_file(path, &len);
    free(text);
    return (int)(len / 4);
}

static void expiry_text(char *buf, int64_t from_now)
{
    k8s_time t = {(int64_t)time(NULL) + from_now, 0};
    k8s_time_format(&t, buf, K8S_TIME_TEXT_MAX);
}

static void test_exec_token(void **state)
{
    fixture *f = *state;
    write_at(f->dir, "plugin", RECORDING_PLUGIN, 0755);
    char exp[K8S_TIME_TEXT_MAX], status[256];
    expiry_text(exp, 3600);
    snprintf(status, sizeof status, "\"token\": \"SEKRET-EXEC-1\", \"expirationTimestamp\": \"%s\"",
             exp);
    respond(f, "v1", status);
    setenv("K8S_TEST_OUTER", "outer", 1);
    k8s_config *cfg = load_file(plugin_config(f, "v1", "      provideClusterInfo: true\n"), NULL);
    k8s_credentials *c = k8s_credentials_new(cfg);
    k8s_credential cred;
    k8s_error err;
    assert_false(k8s_credentials_peek(c, &cred));
    assert_int_equal(k8s_credentials_get(c, false, &cred, &err), K8S_OK);
    assert_string_equal(cred.authorization, "Bearer SEKRET-EXEC-1");
    k8s_time t;
    assert_int_equal(k8s_time_parse(exp, &t, NULL), K8S_OK);
    assert_int_equal(cred.expires_at, t.seconds);
    assert_null(cred.cert.data);
    k8s_credential_clear(&cred);
    assert_int_equal(runs(f), 1);

    /* cached: peek and get reuse it */
    assert_true(k8s_credentials_peek(c, &cred));
    assert_string_equal(cred.authorization, "Bearer SEKRET-EXEC-1");
    k8s_credential_clear(&cred);
    assert_int_equal(k8s_credentials_get(c, false, &cred, &err), K8S_OK);
    k8s_credential_clear(&cred);
    assert_int_equal(runs(f), 1);

    /* what the plugin saw */
    char path[512];
    snprintf(path, sizeof path, "%s/args", f->dir);
    char *text = test_read_file(path, NULL);
    assert_string_equal(text, "get-token\n--name\ntwo words\n");
    free(text);
    snprintf(path, sizeof path, "%s/env", f->dir);
    text = test_read_file(path, NULL);
    assert_string_equal(text, "my-value|inner|");
    free(text);
    snprintf(path, sizeof path, "%s/stdin", f->dir);
    text = test_read_file(path, NULL);
    assert_string_equal(text, ""); /* /dev/null, not a terminal */
    free(text);
    snprintf(path, sizeof path, "%s/info", f->dir);
    text = test_read_file(path, NULL);
    cJSON *info = cJSON_Parse(text);
    free(text);
    assert_non_null(info);
    assert_string_equal(cJSON_GetObjectItem(info, "apiVersion")->valuestring,
                        "client.authentication.k8s.io/v1");
    assert_string_equal(cJSON_GetObjectItem(info, "kind")->valuestring, "ExecCredential");
    cJSON *spec = cJSON_GetObjectItem(info, "spec");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(spec, "interactive")));
    cJSON *cluster = cJSON_GetObjectItem(spec, "cluster");
    assert_non_null(cluster);
    assert_string_equal(cJSON_GetObjectItem(cluster, "server")->valuestring, "https://h:6443");
    assert_string_equal(cJSON_GetObjectItem(cluster, "tls-server-name")->valuestring,
                        "api.local");
    assert_string_equal(cJSON_GetObjectItem(cluster, "proxy-url")->valuestring,
                        "http://proxy:3128");
    char *ca = b64(CA_PEM);
    assert_string_equal(cJSON_GetObjectItem(cluster, "certificate-authority-data")->valuestring,
                        ca);
    free(ca);
    assert_null(cJSON_GetObjectItem(cluster, "insecure-skip-tls-verify"));
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(cluster, "config"), "audience")->valuestring,
        "k8s");
    cJSON_Delete(info);

    /* force re-runs it (after a 401) */
    respond(f, "v1", "\"token\": \"SEKRET-EXEC-2\"");
    assert_int_equal(k8s_credentials_get(c, true, &cred, &err), K8S_OK);
    assert_string_equal(cred.authorization, "Bearer SEKRET-EXEC-2");
    assert_int_equal(cred.expires_at, 0); /* none given: good until a 401 */
    k8s_credential_clear(&cred);
    assert_int_equal(runs(f), 2);
    assert_true(k8s_credentials_peek(c, &cred));
    k8s_credential_clear(&cred);
    k8s_credentials_free(c);
    k8s_config_free(cfg);
}

static void test_exec_near_expiry(void **state)
{
    fixture *f = *state;
    write_at(f->dir, "plugin", RECORDING_PLUGIN, 0755);
    char exp[K8S_TIME_TEXT_MAX], status[256];
    expiry_text(exp, 30); /* inside the minute before expiry */
    snprintf(status, sizeof status, "\"token\": \"SEKRET-SHORT\", \"expirationTimestamp\": \"%s\"",
             exp);
    respond(f, "v1beta1", status);
    k8s_config *cfg = load_file(plugin_config(f, "v1beta1", ""), NULL);
    k8s_credentials *c = k8s_credentials_new(cfg);
    k8s_credential cred;
    k8s_error err;
    assert_int_equal(k8s_credentials_get(c, false, &cred, &err), K8S_OK);
    assert_string_equal(cred.authorization, "Bearer SEKRET-SHORT");
    k8s_credential_clear(&cred);
    assert_false(k8s_credentials_peek(c, &cred));
    assert_int_equal(k8s_credentials_get(c, false, &cred, &err), K8S_OK);
    k8s_credential_clear(&cred);
    assert_int_equal(runs(f), 2);

    /* no provideClusterInfo: no spec.cluster */
    char path[512];
    snprintf(path, sizeof path, "%s/info", f->dir);
    char *text = test_read_file(path, NULL);
    cJSON *info = cJSON_Parse(text);
    free(text);
    assert_string_equal(cJSON_GetObjectItem(info, "apiVersion")->valuestring,
                        "client.authentication.k8s.io/v1beta1");
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(info, "spec"), "cluster"));
    cJSON_Delete(info);
    k8s_credentials_free(c);
    k8s_config_free(cfg);
}

static void test_exec_client_cert(void **state)
{
    fixture *f = *state;
    write_at(f->dir, "plugin", RECORDING_PLUGIN, 0755);
    respond(f, "v1",
            "\"clientCertificateData\": \"-----BEGIN CERTIFICATE-----\\nPLUGIN\\n-----END "
            "CERTIFICATE-----\\n\", \"clientKeyData\": \"SEKRET-PLUGIN-KEY\"");
    k8s_config *cfg = load_file(plugin_config(f, "v1", ""), NULL);
    k8s_credentials *c = k8s_credentials_new(cfg);
    k8s_credential cred;
    k8s_error err;
    assert_int_equal(k8s_credentials_get(c, false, &cred, &err), K8S_OK);
    assert_null(cred.authorization);
    assert_string_equal(cred.cert.data,
                        "-----BEGIN CERTIFICATE-----\nPLUGIN\n-----END CERTIFICATE-----\n");
    assert_string_equal(cred.key.data, "SEKRET-PLUGIN-KEY");
    assert_int_equal(cred.key.len, strlen("SEKRET-PLUGIN-KEY"));
    k8s_credential_clear(&cred);
    k8s_credentials_free(c);
    k8s_config_free(cfg);
}

/* Runs the plugin of config once, expecting a failure whose message holds
 * `message`. */
static void expect_plugin_error(fixture *f, const char *config, const char *message)
{
    k8s_config *cfg = load_file(config, NULL);
    k8s_credentials *c = k8s_credentials_new(cfg);
    k8s_credential cred;
    k8s_error err;
    assert_int_equal(k8s_credentials_get(c, false, &cred, &err), K8S_EAUTH);
    assert_null(cred.authorization);
    assert_string_equal(err.path, config);
    assert_contains(err.message, "exec plugin \"");
    assert_contains(err.message, "for user \"alice\": ");
    assert_contains(err.message, message);
    assert_no_secret(formatted(&err));
    assert_false(k8s_credentials_peek(c, &cred));
    k8s_credentials_free(c);
    k8s_config_free(cfg);
    (void)f;
}

static void test_exec_errors(void **state)
{
    fixture *f = *state;
    char config[512];
    write_at(f->dir, "plugin", RECORDING_PLUGIN, 0755);
    snprintf(config, sizeof config, "%s", plugin_config(f, "v1", ""));

    write_file(f, "response", "{\"token\": \"SEKRET\", oops");
    expect_plugin_error(f, config, "its output is not a JSON ExecCredential");
    respond(f, "v1beta1", "\"token\": \"SEKRET-WRONG-API\"");
    expect_plugin_error(f, config, "it returned apiVersion \"client.authentication.k8s.io/v1beta1"
                                   "\", not client.authentication.k8s.io/v1");
    write_file(f, "response", "{\"apiVersion\": \"client.authentication.k8s.io/v1\", "
                              "\"kind\": \"ExecCredential\"}");
    expect_plugin_error(f, config, "it returned no status");
    respond(f, "v1", "\"token\": \"\"");
    expect_plugin_error(f, config, "neither a token nor a client certificate");
    respond(f, "v1", "\"token\": \"SEKRET\", \"clientKeyData\": \"SEKRET-K\"");
    expect_plugin_error(f, config, "a client key without a certificate");
    respond(f, "v1", "\"token\": \"SEKRET\", \"expirationTimestamp\": \"tomorrow\"");
    expect_plugin_error(f, config, "expirationTimestamp");
    respond(f, "v1", "\"token\": 42"); /* the codec says where */
    expect_plugin_error(f, config, "not a valid ExecCredential (status.token: ");
    write_file(f, "response", "{\"apiVersion\": \"client.authentication.k8s.io/v1\", "
                              "\"kind\": \"ExecCredential\", \"status\": [\"SEKRET\"]}");
    expect_plugin_error(f, config, "not a valid ExecCredential (status: ");

    /* exits non-zero: the status and the start of stderr */
    write_at(f->dir, "plugin",
             "#!/bin/sh\necho '{\"status\": {\"token\": \"SEKRET-STDOUT\"}}'\n"
             "printf 'error: the SSO session\\nhas expired\\n' >&2\nexit 3\n",
             0755);
    expect_plugin_error(f, config, "exited with status 3: error: the SSO session has expired");
    write_at(f->dir, "plugin", "#!/bin/sh\nkill -9 $$\n", 0755);
    expect_plugin_error(f, config, "was killed by signal 9");
}

static void test_exec_not_found(void **state)
{
    fixture *f = *state;
    const char *config = write_file(
        f, "config",
        HEAD CLUSTER_C "users:\n- name: alice\n  user:\n    exec:\n"
                       "      apiVersion: client.authentication.k8s.io/v1beta1\n"
                       "      command: k8s-test-no-such-plugin\n"
                       "      installHint: |\n        Install it with\n"
                       "        apt install the-plugin\n");
    char path[512];
    snprintf(path, sizeof path, "%s", config);
    expect_plugin_error(f, path,
                        "executable not found; Install it with apt install the-plugin");
    write_file(f, "config",
               HEAD CLUSTER_C "users:\n- name: alice\n  user:\n    exec:\n"
                              "      apiVersion: client.authentication.k8s.io/v1beta1\n"
                              "      command: ./missing/plugin\n");
    expect_plugin_error(f, path, "executable not found");
}

static void test_exec_time_limit(void **state)
{
    fixture *f = *state;
    write_at(f->dir, "plugin", "#!/bin/sh\necho waiting >&2\nexec sleep 20\n", 0755);
    k8s_config *cfg = load_file(plugin_config(f, "v1", ""), NULL);
    k8s_credentials *c = k8s_credentials_new(cfg);
    k8s_credentials_set_exec_timeout(c, 300);
    k8s_credential cred;
    k8s_error err;
    time_t start = time(NULL);
    assert_int_equal(k8s_credentials_get(c, false, &cred, &err), K8S_EAUTH);
    assert_true(time(NULL) - start < 10);
    assert_contains(err.message, "did not finish within 300 ms and was killed: waiting");
    k8s_credentials_free(c);
    k8s_config_free(cfg);
}

typedef struct racer {
    k8s_credentials *c;
    k8s_code rc;
    char auth[64];
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    k8s_credential cred;
    k8s_error err;
    r->rc = k8s_credentials_get(r->c, false, &cred, &err);
    if (!r->rc)
        snprintf(r->auth, sizeof r->auth, "%s", cred.authorization);
    k8s_credential_clear(&cred);
    return NULL;
}

static void test_exec_concurrent(void **state)
{
    fixture *f = *state;
    write_at(f->dir, "plugin",
             "#!/bin/sh\necho run >> '@DIR@/runs'\nsleep 1\n"
             "echo '{\"apiVersion\": \"client.authentication.k8s.io/v1\", "
             "\"kind\": \"ExecCredential\", \"status\": {\"token\": \"SEKRET-SHARED\"}}'\n",
             0755);
    k8s_config *cfg = load_file(plugin_config(f, "v1", ""), NULL);
    k8s_credentials *c = k8s_credentials_new(cfg);
    enum { N = 6 };
    racer r[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        r[i] = (racer){.c = c};
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    }
    k8s_credential cred;
    for (int i = 0; i < N; i++)
        k8s_credentials_peek(c, &cred) ? k8s_credential_clear(&cred) : (void)0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(r[i].rc, K8S_OK);
        assert_string_equal(r[i].auth, "Bearer SEKRET-SHARED");
    }
    assert_int_equal(runs(f), 1);
    k8s_credentials_free(c);
    k8s_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relative_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_server, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_home_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overrides, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entry_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_option_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_certificate_authority_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credential_described, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_cluster, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_static_credentials, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_file_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_near_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_client_cert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_time_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_concurrent, setup, teardown),
    };
    return test_run(tests, NULL, NULL);
}
