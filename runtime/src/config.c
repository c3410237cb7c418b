/* kubeconfig and in-cluster configuration (k8s/config.h), resolved as
 * client-go's clientcmd resolves it for kubectl.
 *
 * Every kubeconfig error names the file in err->path and the entry and the
 * problem in err->message ('users["alice"]: client-key-data is not valid
 * base64'), so k8s_error_format prints "file: entry: problem". Values of
 * fields that may hold secrets (tokens, passwords, keys, server and proxy
 * URLs, which can carry user:password@) are never quoted. */
#define _POSIX_C_SOURCE 200809L

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_internal.h"
#include "internal.h"
#include "k8s/yaml.h"

#define SERVICE_ACCOUNT_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
/* Kubeconfigs and certificates are small; the cap keeps a mistaken path
 * such as /dev/zero from eating memory. */
#define MAX_FILE_SIZE (16u << 20)
#define EXEC_EXTENSION "client.authentication.k8s.io/exec"

/* ---- small helpers ---- */

const char *k8s_errno_text(int e, char *buf, size_t n)
{
    if (strerror_r(e, buf, n) != 0)
        snprintf(buf, n, "error %d", e);
    return buf;
}

static bool empty(const char *s)
{
    return !s || !*s;
}

static char *dup_or_null(const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = true;
    return d;
}

/* Go's filepath.Join(dir, p) for a relative p; absolute ones stay. */
static char *join_path(const char *dir, const char *p)
{
    if (p[0] == '/' || !dir)
        return strdup(p);
    size_t a = strlen(dir), b = strlen(p);
    char *s = malloc(a + b + 2);
    if (!s)
        return NULL;
    memcpy(s, dir, a);
    if (a && dir[a - 1] != '/')
        s[a++] = '/';
    memcpy(s + a, p, b + 1);
    return s;
}

/* The absolute directory of file: where its relative paths point. */
static char *dir_of(const char *file)
{
    const char *slash = strrchr(file, '/');
    char *dir = slash ? strndup(file, slash == file ? 1 : (size_t)(slash - file)) : NULL;
    if (slash && !dir)
        return NULL;
    if (dir && dir[0] == '/')
        return dir;
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) {
        free(dir);
        return strdup(".");
    }
    char *abs = dir ? join_path(cwd, dir) : strdup(cwd);
    free(dir);
    return abs;
}

K8S_PRINTF(1, 2)
static char *printf_dup(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return s;
}

/* ---- parsed kubeconfig files ---- */

typedef struct kfile {
    char *name;  /* as given, for messages */
    char *dir;   /* absolute directory of the file */
    cJSON *root; /* NULL for an empty file */
} kfile;

/* One clusters[], users[] or contexts[] item and where it came from. */
typedef struct entry {
    const kfile *file;
    const char *name;
    const cJSON *body; /* the cluster/user/context object; NULL when absent */
    char what[160];    /* 'users["alice"]', for messages */
} entry;

typedef enum ftype { F_STR, F_BOOL, F_BYTES, F_STRLIST, F_LIST, F_OBJ } ftype;

typedef struct field_spec {
    const char *name;
    ftype type;
} field_spec;

static const field_spec cluster_fields[] = {
    {"server", F_STR},
    {"certificate-authority", F_STR},
    {"certificate-authority-data", F_BYTES},
    {"insecure-skip-tls-verify", F_BOOL},
    {"tls-server-name", F_STR},
    {"proxy-url", F_STR},
    {"disable-compression", F_BOOL},
    {"extensions", F_LIST},
    {NULL, F_STR},
};

static const field_spec user_fields[] = {
    {"token", F_STR},
    {"tokenFile", F_STR},
    {"client-certificate", F_STR},
    {"client-certificate-data", F_BYTES},
    {"client-key", F_STR},
    {"client-key-data", F_BYTES},
    {"username", F_STR},
    {"password", F_STR},
    {"as", F_STR},
    {"as-uid", F_STR},
    {"as-groups", F_STRLIST},
    {"as-user-extra", F_OBJ},
    {"auth-provider", F_OBJ},
    {"exec", F_OBJ},
    {"extensions", F_LIST},
    {NULL, F_STR},
};

static const field_spec context_fields[] = {
    {"cluster", F_STR},
    {"user", F_STR},
    {"namespace", F_STR},
    {"extensions", F_LIST},
    {NULL, F_STR},
};

static const field_spec exec_fields[] = {
    {"command", F_STR},
    {"args", F_STRLIST},
    {"env", F_LIST},
    {"apiVersion", F_STR},
    {"installHint", F_STR},
    {"provideClusterInfo", F_BOOL},
    {"interactiveMode", F_STR},
    {NULL, F_STR},
};

/* A member that is absent or null is not there, as for Go's decoder. */
static const cJSON *member(const cJSON *obj, const char *key)
{
    const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    return v && !cJSON_IsNull(v) ? v : NULL;
}

/* Types are checked before anything is read, so this is a string or NULL. */
static const char *str(const cJSON *obj, const char *key)
{
    const cJSON *v = member(obj, key);
    return v ? v->valuestring : NULL;
}

static bool flag(const cJSON *obj, const char *key)
{
    return cJSON_IsTrue(member(obj, key));
}

static const char *type_name(ftype t)
{
    switch (t) {
    case F_STR:
    case F_BYTES:
        return "a string";
    case F_BOOL:
        return "a boolean";
    case F_STRLIST:
        return "a list of strings";
    case F_LIST:
        return "a list";
    default:
        return "a mapping";
    }
}

static bool valid_base64(const char *s)
{
    size_t n = strlen(s);
    uint8_t *tmp = malloc(n / 4 * 3 + 3);
    size_t out;
    bool ok = tmp && k8s_base64_decode(s, n, tmp, &out);
    free(tmp);
    return ok;
}

static bool has_type(const cJSON *v, ftype t)
{
    switch (t) {
    case F_STR:
    case F_BYTES:
        return cJSON_IsString(v);
    case F_BOOL:
        return cJSON_IsBool(v);
    case F_OBJ:
        return cJSON_IsObject(v);
    case F_LIST:
        return cJSON_IsArray(v);
    case F_STRLIST: {
        if (!cJSON_IsArray(v))
            return false;
        const cJSON *x;
        cJSON_ArrayForEach(x, v) if (!cJSON_IsString(x)) return false;
        return true;
    }
    }
    return false;
}

/* What Go's decoder rejects: a field of the wrong type, or []byte fields
 * that are not base64. Unknown fields are ignored, as there. */
static k8s_code check_fields(const kfile *f, const char *what, const char *prefix,
                             const cJSON *obj, const field_spec *fields, k8s_error *err)
{
    for (const field_spec *d = fields; d->name; d++) {
        const cJSON *v = member(obj, d->name);
        if (!v)
            continue;
        if (!has_type(v, d->type))
            return k8s_fail_in(err, f->name, K8S_ECONFIG, "%s: %s%s must be %s", what, prefix, d->name,
                               type_name(d->type));
        if (d->type == F_BYTES && !valid_base64(v->valuestring))
            return k8s_fail_in(err, f->name, K8S_ECONFIG, "%s: %s%s is not valid base64", what, prefix,
                               d->name);
    }
    return K8S_OK;
}

static k8s_code check_exec(const kfile *f, const char *what, const cJSON *exec, k8s_error *err)
{
    k8s_code rc = check_fields(f, what, "exec.", exec, exec_fields, err);
    if (rc)
        return rc;
    const cJSON *env = member(exec, "env"), *x;
    int i = 0;
    cJSON_ArrayForEach(x, env)
    {
        if (!cJSON_IsObject(x) || (member(x, "name") && !cJSON_IsString(member(x, "name"))) ||
            (member(x, "value") && !cJSON_IsString(member(x, "value"))))
            return k8s_fail_in(err, f->name, K8S_ECONFIG,
                               "%s: exec.env[%d] must be a mapping with string name and value", what, i);
        i++;
    }
    return K8S_OK;
}

typedef struct list_kind {
    const char *list; /* "clusters" */
    const char *body; /* "cluster" */
    const field_spec *fields;
} list_kind;

static const list_kind clusters = {"clusters", "cluster", cluster_fields};
static const list_kind users = {"users", "user", user_fields};
static const list_kind contexts = {"contexts", "context", context_fields};

static void describe(char *out, size_t n, const list_kind *k, const char *name, int index)
{
    if (name)
        snprintf(out, n, "%s[\"%.120s\"]", k->list, name);
    else
        snprintf(out, n, "%s[%d]", k->list, index);
}

static k8s_code check_list(const kfile *f, const list_kind *k, k8s_error *err)
{
    const cJSON *list = member(f->root, k->list), *item;
    if (!list)
        return K8S_OK;
    if (!cJSON_IsArray(list))
        return k8s_fail_in(err, f->name, K8S_ECONFIG, "%s must be a list", k->list);
    int i = 0;
    cJSON_ArrayForEach(item, list)
    {
        char what[160];
        const cJSON *name = member(item, "name");
        describe(what, sizeof what, k, cJSON_IsString(name) ? name->valuestring : NULL, i);
        if (!cJSON_IsObject(item))
            return k8s_fail_in(err, f->name, K8S_ECONFIG, "%s must be a mapping", what);
        if (name && !cJSON_IsString(name))
            return k8s_fail_in(err, f->name, K8S_ECONFIG, "%s: name must be a string", what);
        const cJSON *body = member(item, k->body);
        if (body && !cJSON_IsObject(body))
            return k8s_fail_in(err, f->name, K8S_ECONFIG, "%s: %s must be a mapping", what, k->body);
        k8s_code rc = check_fields(f, what, "", body, k->fields, err);
        if (!rc && k == &users && member(body, "exec"))
            rc = check_exec(f, what, member(body, "exec"), err);
        if (rc)
            return rc;
        /* client-go refuses a name given twice in one file */
        const cJSON *prev;
        int j = 0;
        cJSON_ArrayForEach(prev, list)
        {
            if (j++ == i)
                break;
            const char *a = str(prev, "name"), *b = str(item, "name");
            if (strcmp(a ? a : "", b ? b : "") == 0)
                return k8s_fail_in(err, f->name, K8S_ECONFIG, "%s: the name is used twice", what);
        }
        i++;
    }
    return K8S_OK;
}

static k8s_code check_file(const kfile *f, k8s_error *err)
{
    if (!f->root)
        return K8S_OK;
    if (!cJSON_IsObject(f->root))
        return k8s_fail_in(err, f->name, K8S_ECONFIG, "not a kubeconfig: the document is not a mapping");
    const cJSON *kind = member(f->root, "kind"), *api = member(f->root, "apiVersion");
    if ((kind && (!cJSON_IsString(kind) || strcmp(kind->valuestring, "Config") != 0)) ||
        (api && (!cJSON_IsString(api) || strcmp(api->valuestring, "v1") != 0)))
        return k8s_fail_in(err, f->name, K8S_ECONFIG,
                           "not a kubeconfig: expected apiVersion v1 and kind Config");
    const cJSON *cc = member(f->root, "current-context");
    if (cc && !cJSON_IsString(cc))
        return k8s_fail_in(err, f->name, K8S_ECONFIG, "current-context must be a string");
    k8s_code rc = check_list(f, &clusters, err);
    if (!rc)
        rc = check_list(f, &users, err);
    if (!rc)
        rc = check_list(f, &contexts, err);
    return rc;
}

/* YAML errors may quote the offending scalar; under these keys that can be
 * a secret, so the message is replaced (line and column stay). */
static bool secret_path(const char *path)
{
    static const char *const words[] = {"token", "password", "key-data", "secret", "env",
                                        "auth-provider", "exec"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(path, words[i]))
            return true;
    return false;
}

static k8s_code yaml_failed(const char *name, k8s_error *err)
{
    if (!err)
        return K8S_ECONFIG;
    if (err->code == K8S_ENOMEM)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    char msg[sizeof err->path + sizeof err->message + 2];
    const char *text = err->message;
    if (err->path[0] && strchr(err->message, '"') && secret_path(err->path))
        text = k8s_strerror(err->code);
    snprintf(msg, sizeof msg, "%s%s%s", err->path, err->path[0] ? ": " : "", text);
    size_t n = strlen(msg);
    n = n < sizeof err->message ? n : sizeof err->message - 1;
    memcpy(err->message, msg, n);
    err->message[n] = '\0';
    err->code = K8S_ECONFIG;
    k8s_error_in_file(err, name);
    return K8S_ECONFIG;
}

/* YAML or JSON text to a tree; *root stays NULL for an empty document. */
static k8s_code parse_text(const char *name, const char *text, size_t len, cJSON **root,
                           k8s_error *err)
{
    *root = NULL;
    size_t i = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len && strchr(" \t\r\n", text[i]))
        i++;
    if (i < len && text[i] == '{') {
        /* JSON goes to a JSON parser, as client-go's codec does: YAML
         * forbids some of what JSON allows (tabs as indentation) */
        const char *end = NULL;
        *root = cJSON_ParseWithLengthOpts(text + i, len - i, &end, false);
        while (*root && end < text + len && strchr(" \t\r\n", *end))
            end++;
        if (*root && end >= text + len)
            return K8S_OK;
        cJSON_Delete(*root);
        *root = NULL;
        k8s_error_set(err, K8S_ECONFIG, NULL, text, end ? end : text + i, "malformed JSON");
        k8s_error_in_file(err, name);
        return K8S_ECONFIG;
    }
    k8s_yaml_reader *s;
    k8s_buf json = K8S_BUF_INIT;
    k8s_code rc = k8s_yaml_reader_start(&s, text, len, err);
    if (rc)
        return yaml_failed(name, err);
    /* kubectl reads the first document and ignores the rest */
    rc = k8s_yaml_reader_next(s, &json, err);
    k8s_yaml_reader_free(s);
    if (rc == K8S_EDONE) {
        k8s_buf_free(&json);
        return K8S_OK;
    }
    if (rc) {
        k8s_buf_free(&json);
        return yaml_failed(name, err);
    }
    *root = cJSON_ParseWithLength(json.data, json.len);
    k8s_buf_free(&json);
    return *root ? K8S_OK : k8s_fail(err, K8S_ENOMEM, "out of memory");
}

static void free_files(kfile *files, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(files[i].name);
        free(files[i].dir);
        cJSON_Delete(files[i].root);
    }
    free(files);
}

static k8s_code add_file(kfile **files, size_t *n, const char *name, const char *text, size_t len,
                         const char *dir, k8s_error *err)
{
    kfile *grown = realloc(*files, (*n + 1) * sizeof **files);
    if (!grown)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    *files = grown;
    kfile *f = &grown[*n];
    memset(f, 0, sizeof *f);
    f->name = strdup(name);
    f->dir = dir ? strdup(dir) : dir_of(name);
    (*n)++;
    if (!f->name || !f->dir)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    k8s_code rc = parse_text(name, text, len, &f->root, err);
    return rc ? rc : check_file(f, err);
}

/* ---- resolving the context ---- */

static bool find(const kfile *files, size_t n, const list_kind *k, const char *name, entry *out)
{
    for (size_t i = 0; i < n; i++) {
        const cJSON *item;
        cJSON_ArrayForEach(item, member(files[i].root, k->list))
        {
            const char *nm = str(item, "name");
            if (strcmp(nm ? nm : "", name) == 0) {
                out->file = &files[i];
                out->name = name;
                out->body = member(item, k->body);
                describe(out->what, sizeof out->what, k, name, 0);
                return true;
            }
        }
    }
    return false;
}

/* Reads a file that an entry names, relative to the entry's kubeconfig. */
static k8s_code read_ref(const entry *e, const char *field, const char *value, k8s_blob *out,
                         k8s_error *err)
{
    char *path = join_path(e->file->dir, value);
    if (!path)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    int errn = k8s_read_file(path, MAX_FILE_SIZE, &out->data, &out->len);
    k8s_code rc = K8S_OK;
    if (errn == ENOMEM) {
        rc = k8s_fail(err, K8S_ENOMEM, "out of memory");
    } else if (errn) {
        char buf[128];
        rc = k8s_fail_in(err, e->file->name, K8S_ECONFIG, "%s: cannot read %s %s: %s", e->what, field, path,
                         k8s_errno_text(errn, buf, sizeof buf));
    }
    free(path);
    return rc;
}

static k8s_code decode_data(const entry *e, const char *field, k8s_blob *out, k8s_error *err)
{
    const char *s = str(e->body, field);
    size_t n = strlen(s);
    out->data = malloc(n / 4 * 3 + 4);
    if (!out->data)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    if (!k8s_base64_decode(s, n, (uint8_t *)out->data, &out->len))
        return k8s_fail_in(err, e->file->name, K8S_ECONFIG, "%s: %s is not valid base64", e->what, field);
    out->data[out->len] = '\0';
    return K8S_OK;
}

/* x-data or x (a file), at most one of them. */
static k8s_code data_or_file(const entry *e, const char *file_field, k8s_blob *out,
                             k8s_error *err)
{
    char data_field[64];
    snprintf(data_field, sizeof data_field, "%s-data", file_field);
    const char *file = str(e->body, file_field), *data = str(e->body, data_field);
    if (!empty(file) && !empty(data))
        return k8s_fail_in(err, e->file->name, K8S_ECONFIG, "%s: %s and %s are both set", e->what, file_field,
                           data_field);
    if (!empty(data))
        return decode_data(e, data_field, out, err);
    if (!empty(file))
        return read_ref(e, file_field, file, out, err);
    return K8S_OK;
}

/* A CA bundle is read as libcurl's OpenSSL backend reads a CA blob (its
 * load_cacert_from_memory): PEM blocks, of which at least one certificate.
 * Checked here so that garbage is reported when the configuration loads,
 * naming where it came from, rather than as curl's "error importing CA
 * certificate blob" at the first request. */
static bool pem_certificates(const k8s_blob *ca, char *why, size_t n)
{
    ERR_clear_error();
    BIO *bio = BIO_new_mem_buf(ca->data, (int)ca->len);
    STACK_OF(X509_INFO) *infos = bio ? PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL) : NULL;
    int certs = 0;
    for (int i = 0; infos && i < sk_X509_INFO_num(infos); i++)
        certs += sk_X509_INFO_value(infos, i)->x509 != NULL;
    unsigned long e = ERR_peek_last_error();
    const char *reason = e ? ERR_reason_error_string(e) : NULL;
    snprintf(why, n, "%s", !infos && reason ? reason : "");
    ERR_clear_error(); /* the thread's queue is curl's too */
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    BIO_free(bio);
    return certs > 0;
}

static k8s_code check_ca(const k8s_blob *ca, const char *file, const char *what, k8s_error *err)
{
    char why[128];
    if (pem_certificates(ca, why, sizeof why))
        return K8S_OK;
    return k8s_fail_in(err, file, K8S_ECONFIG, "%s holds no PEM certificate%s%s%s", what, *why ? " (" : "",
                       why, *why ? ")" : "");
}

/* Tokens become an HTTP header: a control character would split it. */
static bool header_safe(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

static bool has_scheme(const char *url, const char *scheme)
{
    size_t n = strlen(scheme);
    return strncasecmp(url, scheme, n) == 0 && strncmp(url + n, "://", 3) == 0;
}

/* The server URL without query, fragment and trailing '/'. A URL without
 * a scheme gets the one client-go's transport would use. */
static k8s_code take_server(k8s_config *cfg, const entry *e, k8s_error *err)
{
    const char *s = str(e->body, "server");
    if (empty(s))
        return k8s_fail_in(err, e->file->name, K8S_ECONFIG, "%s: no server is set", e->what);
    /* without a scheme client-go ends up with plain http */
    const char *prefix = strstr(s, "://") ? "" : "http://";
    if (!*prefix && !has_scheme(s, "https") && !has_scheme(s, "http"))
        return k8s_fail_in(err, e->file->name, K8S_ECONFIG, "%s: server must be an http or https URL",
                           e->what);
    size_t n = strcspn(s, "?#"), p = strlen(prefix);
    const char *sep = strstr(s, "://");
    size_t floor = sep ? (size_t)(sep - s) + 3 : 0;
    while (n > floor + 1 && s[n - 1] == '/')
        n--;
    if (n <= floor || s[floor] == '/')
        return k8s_fail_in(err, e->file->name, K8S_ECONFIG, "%s: the server URL has no host", e->what);
    cfg->server = malloc(p + n + 1);
    if (!cfg->server)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    memcpy(cfg->server, prefix, p);
    memcpy(cfg->server + p, s, n);
    cfg->server[p + n] = '\0';
    for (char *c = cfg->server; *c != ':'; c++) /* "HTTPS" is https, as Go's url.Parse says */
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    return K8S_OK;
}

/* A cluster's certificate authority: checked, and where it came from kept
 * for messages. */
static k8s_code check_cluster_ca(k8s_config *cfg, const entry *e, k8s_error *err)
{
    const char *file = str(e->body, "certificate-authority");
    char *path = empty(file) ? NULL : join_path(e->file->dir, file), *what;
    if (path) {
        cfg->ca_origin = printf_dup("certificate-authority file %s of %s", path, e->what);
        what = printf_dup("%s: certificate-authority %s", e->what, path);
    } else {
        cfg->ca_origin = printf_dup("certificate-authority-data of %s in %s", e->what, e->file->name);
        what = printf_dup("%s: certificate-authority-data", e->what);
    }
    k8s_code rc = cfg->ca_origin && what && (path || empty(file))
                      ? check_ca(&cfg->ca, e->file->name, what, err)
                      : k8s_fail(err, K8S_ENOMEM, "out of memory");
    free(path);
    free(what);
    return rc;
}

static k8s_code take_cluster(k8s_config *cfg, const entry *e, k8s_error *err)
{
    bool oom = false;
    const char *file = e->file->name;
    cfg->insecure = flag(e->body, "insecure-skip-tls-verify");
    cfg->tls_server_name = dup_or_null(str(e->body, "tls-server-name"), &oom);
    const char *proxy = str(e->body, "proxy-url");
    if (!empty(proxy) && !has_scheme(proxy, "http") && !has_scheme(proxy, "https") &&
        !has_scheme(proxy, "socks5"))
        return k8s_fail_in(err, file, K8S_ECONFIG, "%s: proxy-url must be an http, https or socks5 URL",
                           e->what);
    if (!empty(proxy))
        cfg->proxy_url = dup_or_null(proxy, &oom);
    if (oom)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    k8s_code rc = data_or_file(e, "certificate-authority", &cfg->ca, err);
    if (rc)
        return rc;
    if (cfg->insecure && cfg->ca.data)
        return k8s_fail_in(err, file, K8S_ECONFIG,
                           "%s: insecure-skip-tls-verify cannot be combined with a certificate "
                           "authority",
                           e->what);
    rc = cfg->ca.data ? check_cluster_ca(cfg, e, err) : K8S_OK;
    return rc ? rc : take_server(cfg, e, err);
}

static const char *const exec_api_versions[] = {"client.authentication.k8s.io/v1",
                                                "client.authentication.k8s.io/v1beta1"};

static char **string_list(const cJSON *list, bool *oom)
{
    size_t n = (size_t)cJSON_GetArraySize(list);
    char **out = calloc(n + 1, sizeof *out);
    if (!out) {
        *oom = true;
        return NULL;
    }
    size_t i = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, list) out[i++] = dup_or_null(x->valuestring, oom);
    return out;
}

static void free_list(char **list)
{
    for (char **p = list; p && *p; p++)
        free(*p);
    free(list);
}

static char **env_list(const cJSON *env, bool *oom)
{
    size_t n = (size_t)cJSON_GetArraySize(env), i = 0;
    char **out = calloc(n + 1, sizeof *out);
    if (!out) {
        *oom = true;
        return NULL;
    }
    const cJSON *x;
    cJSON_ArrayForEach(x, env)
    {
        const char *name = str(x, "name"), *value = str(x, "value");
        value = value ? value : "";
        size_t a = strlen(name), b = strlen(value);
        if (!(out[i] = malloc(a + b + 2))) {
            *oom = true;
            break;
        }
        memcpy(out[i], name, a);
        out[i][a] = '=';
        memcpy(out[i] + a + 1, value, b + 1);
        i++;
    }
    return out;
}

static void free_exec(k8s_exec_config *x)
{
    if (!x)
        return;
    free(x->command);
    free_list(x->args);
    free_list(x->env);
    free(x->api_version);
    free(x->install_hint);
    free(x->cluster_config);
    free(x);
}

/* The cluster's extension for exec plugins, which client-go hands them as
 * spec.cluster.config. */
static k8s_code exec_extension(k8s_exec_config *x, const entry *cluster, k8s_error *err)
{
    const cJSON *ext;
    cJSON_ArrayForEach(ext, member(cluster->body, "extensions"))
    {
        const char *name = str(ext, "name");
        const cJSON *value = member(ext, "extension");
        if (cJSON_IsString(member(ext, "name")) && strcmp(name, EXEC_EXTENSION) == 0 && value) {
            x->cluster_config = cJSON_PrintUnformatted(value);
            return x->cluster_config ? K8S_OK : k8s_fail(err, K8S_ENOMEM, "out of memory");
        }
    }
    return K8S_OK;
}

static k8s_code take_exec(k8s_config *cfg, const entry *e, const entry *cluster, k8s_error *err)
{
    const cJSON *ex = member(e->body, "exec");
    const char *file = e->file->name, *what = e->what;
    const char *cmd = str(ex, "command"), *api = str(ex, "apiVersion");
    const char *mode = str(ex, "interactiveMode");
    if (empty(cmd))
        return k8s_fail_in(err, file, K8S_ECONFIG, "%s: exec.command is not set", what);
    if (empty(api))
        return k8s_fail_in(err, file, K8S_ECONFIG, "%s: exec.apiVersion is not set", what);
    bool known = false;
    for (size_t i = 0; i < sizeof exec_api_versions / sizeof exec_api_versions[0]; i++)
        known |= strcmp(api, exec_api_versions[i]) == 0;
    if (!known)
        return k8s_fail_in(err, file, K8S_ECONFIG,
                           "%s: exec.apiVersion \"%.80s\" is not supported (client.authentication.k8s.io"
                           "/v1 and v1beta1 are)",
                           what, api);
    /* client-go defaults the mode for v1beta1 only */
    if (empty(mode) && strcmp(api, exec_api_versions[0]) == 0)
        return k8s_fail_in(err, file, K8S_ECONFIG, "%s: exec.interactiveMode must be set with apiVersion %s",
                           what, api);
    if (!empty(mode) && strcmp(mode, "Never") != 0 && strcmp(mode, "IfAvailable") != 0) {
        if (strcmp(mode, "Always") == 0)
            return k8s_fail_in(err, file, K8S_ECONFIG,
                               "%s: exec.interactiveMode is Always, but plugins run here never have a "
                               "terminal",
                               what);
        return k8s_fail_in(err, file, K8S_ECONFIG, "%s: exec.interactiveMode \"%.40s\" is unknown", what,
                           mode);
    }
    const cJSON *env;
    cJSON_ArrayForEach(env, member(ex, "env"))
    {
        if (empty(str(env, "name")))
            return k8s_fail_in(err, file, K8S_ECONFIG, "%s: an exec.env item has no name", what);
    }

    k8s_exec_config *x = calloc(1, sizeof *x);
    if (!x)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    cfg->exec = x;
    bool oom = false;
    /* a command with a '/' is a path, relative to the kubeconfig; a bare
     * name is looked up in $PATH */
    x->command = strchr(cmd, '/') ? join_path(e->file->dir, cmd) : strdup(cmd);
    oom |= !x->command;
    x->args = string_list(member(ex, "args"), &oom);
    x->env = env_list(member(ex, "env"), &oom);
    x->api_version = dup_or_null(api, &oom);
    x->install_hint = dup_or_null(str(ex, "installHint"), &oom);
    x->provide_cluster_info = flag(ex, "provideClusterInfo");
    if (oom)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    return x->provide_cluster_info ? exec_extension(x, cluster, err) : K8S_OK;
}

static k8s_code take_user(k8s_config *cfg, const entry *e, const entry *cluster, k8s_error *err)
{
    const cJSON *u = e->body;
    const char *file = e->file->name, *what = e->what;
    const cJSON *ap = member(u, "auth-provider");
    if (ap) {
        const char *name = cJSON_IsString(member(ap, "name")) ? str(ap, "name") : "";
        return k8s_fail_in(err, file, K8S_ECONFIG,
                           "%s: auth-provider \"%.40s\" is not supported (kubectl dropped auth "
                           "providers; use an exec credential plugin)",
                           what, name);
    }
    if (member(u, "as") || member(u, "as-uid") || member(u, "as-groups") ||
        member(u, "as-user-extra"))
        return k8s_fail_in(err, file, K8S_ECONFIG,
                           "%s: impersonation (as, as-groups, ...) is not "
                           "supported",
                           what);
    const char *token = str(u, "token"), *token_file = str(u, "tokenFile");
    const char *username = str(u, "username"), *password = str(u, "password");
    bool basic = !empty(username) || !empty(password);
    if ((!empty(token) || !empty(token_file)) && basic)
        return k8s_fail_in(err, file, K8S_ECONFIG,
                           "%s: a token and a username/password are both set; only one is allowed", what);
    if (!empty(token) && !header_safe(token))
        return k8s_fail_in(err, file, K8S_ECONFIG, "%s: token contains a control character", what);
    bool oom = false;
    if (!empty(token)) {
        cfg->token = dup_or_null(token, &oom);
    } else if (!empty(token_file)) {
        /* read now only to report a missing file early; the credential
         * cache reads it again whenever it changes */
        k8s_blob probe = {0};
        k8s_code rc = read_ref(e, "tokenFile", token_file, &probe, err);
        free(probe.data);
        if (rc)
            return rc;
        cfg->token_file = join_path(e->file->dir, token_file);
        oom |= !cfg->token_file;
    } else if (basic) {
        cfg->username = dup_or_null(username ? username : "", &oom);
        cfg->password = dup_or_null(password ? password : "", &oom);
    }
    if (oom)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    k8s_code rc = data_or_file(e, "client-certificate", &cfg->client_cert, err);
    if (!rc)
        rc = data_or_file(e, "client-key", &cfg->client_key, err);
    if (rc)
        return rc;
    if (!cfg->client_cert.data != !cfg->client_key.data)
        return k8s_fail_in(err, file, K8S_ECONFIG, "%s: %s is set without %s", what,
                           cfg->client_cert.data ? "a client certificate" : "a client key",
                           cfg->client_cert.data ? "a client key" : "a client certificate");
    /* client-go runs the plugin only when nothing else identifies the user */
    if (member(u, "exec") && !cfg->token && !cfg->token_file && !basic && !cfg->client_cert.data)
        return take_exec(cfg, e, cluster, err);
    return K8S_OK;
}

/* kubectl sends no credentials (and no client certificate) to a server it
 * does not reach over https. */
static void drop_credentials(k8s_config *cfg)
{
    free(cfg->token);
    free(cfg->token_file);
    free(cfg->username);
    free(cfg->password);
    free(cfg->client_cert.data);
    free(cfg->client_key.data);
    free_exec(cfg->exec);
    cfg->token = cfg->token_file = cfg->username = cfg->password = NULL;
    cfg->client_cert = cfg->client_key = (k8s_blob){0};
    cfg->exec = NULL;
}

static char *join_names(const kfile *files, size_t n)
{
    k8s_buf b = K8S_BUF_INIT;
    for (size_t i = 0; i < n; i++)
        if ((i && k8s_buf_append(&b, ":", 1)) || k8s_buf_append_str(&b, files[i].name)) {
            k8s_buf_free(&b);
            return NULL;
        }
    if (!b.data && k8s_buf_append(&b, "", 0))
        return NULL;
    return b.data;
}

static const char *opt(const char *s)
{
    return empty(s) ? NULL : s;
}

typedef struct selection {
    const char *context; /* NULL: none (a cluster given in the options) */
    entry ctx, cluster, user;
    bool have_ctx, have_user;
} selection;

static k8s_code select_entries(const kfile *files, size_t n, const k8s_config_options *o,
                               const char *all, selection *sel, k8s_error *err)
{
    const char *cc_file = NULL;
    sel->context = opt(o->context);
    for (size_t i = 0; !sel->context && i < n; i++)
        if ((sel->context = opt(str(files[i].root, "current-context"))))
            cc_file = files[i].name;
    if (sel->context) {
        sel->have_ctx = find(files, n, &contexts, sel->context, &sel->ctx);
        if (!sel->have_ctx && cc_file)
            return k8s_fail_in(err, cc_file, K8S_ECONFIG,
                               "current-context is \"%.120s\", which no kubeconfig file defines",
                               sel->context);
        if (!sel->have_ctx)
            return k8s_fail_in(err, all, K8S_ECONFIG, "context \"%.120s\" is not defined", sel->context);
    } else if (!opt(o->cluster)) {
        return k8s_fail_in(err, all, K8S_ECONFIG, "no current-context is set and no context was given");
    }
    const char *cluster = opt(o->cluster), *user = opt(o->user);
    if (!cluster && !(cluster = opt(str(sel->ctx.body, "cluster"))))
        return k8s_fail_in(err, sel->ctx.file->name, K8S_ECONFIG, "%s: no cluster is set", sel->ctx.what);
    if (!find(files, n, &clusters, cluster, &sel->cluster)) {
        if (opt(o->cluster))
            return k8s_fail_in(err, all, K8S_ECONFIG, "cluster \"%.120s\" is not defined", cluster);
        return k8s_fail_in(err, sel->ctx.file->name, K8S_ECONFIG,
                           "context \"%.80s\" refers to cluster \"%.80s\", which no kubeconfig file "
                           "defines",
                           sel->context, cluster);
    }
    if (!user && sel->have_ctx)
        user = opt(str(sel->ctx.body, "user"));
    if (!user)
        return K8S_OK; /* anonymous, as kubectl allows */
    sel->have_user = find(files, n, &users, user, &sel->user);
    if (!sel->have_user && opt(o->user))
        return k8s_fail_in(err, all, K8S_ECONFIG, "user \"%.120s\" is not defined", user);
    if (!sel->have_user)
        return k8s_fail_in(err, sel->ctx.file->name, K8S_ECONFIG,
                           "context \"%.80s\" refers to user \"%.80s\", which no kubeconfig file defines",
                           sel->context, user);
    return K8S_OK;
}

static k8s_code build(k8s_config *cfg, const kfile *files, size_t n, const k8s_config_options *o,
                      k8s_error *err)
{
    static const k8s_config_options none = {0};
    o = o ? o : &none;
    char *all = join_names(files, n);
    if (!all)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    selection sel = {0};
    k8s_code rc = select_entries(files, n, o, all, &sel, err);
    if (!rc)
        rc = take_cluster(cfg, &sel.cluster, err);
    if (!rc && sel.have_user)
        rc = take_user(cfg, &sel.user, &sel.cluster, err);
    if (rc) {
        free(all);
        return rc;
    }
    const char *ns = opt(o->namespace_);
    if (!ns && sel.have_ctx)
        ns = opt(str(sel.ctx.body, "namespace"));
    bool oom = false;
    cfg->namespace_ = dup_or_null(ns ? ns : "default", &oom);
    cfg->context = dup_or_null(sel.context ? sel.context : "", &oom);
    if (sel.have_user) {
        cfg->user = dup_or_null(sel.user.name, &oom);
        cfg->user_origin = dup_or_null(sel.user.file->name, &oom);
    }
    k8s_buf b = K8S_BUF_INIT;
    oom |= k8s_buf_append_str(&b, all) != K8S_OK;
    if (sel.context) {
        oom |= k8s_buf_append_str(&b, ", context \"") != K8S_OK;
        oom |= k8s_buf_append_str(&b, sel.context) != K8S_OK;
        oom |= k8s_buf_append_str(&b, "\"") != K8S_OK;
    }
    cfg->origin = b.data;
    free(all);
    if (oom)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    if (!has_scheme(str(sel.cluster.body, "server"), "https"))
        drop_credentials(cfg);
    return K8S_OK;
}

/* ---- public entry points ---- */

void k8s_config_free(k8s_config *c)
{
    if (!c)
        return;
    drop_credentials(c);
    free(c->origin);
    free(c->context);
    free(c->server);
    free(c->namespace_);
    free(c->tls_server_name);
    free(c->proxy_url);
    free(c->ca.data);
    free(c->ca_origin);
    free(c->user);
    free(c->user_origin);
    free(c);
}

static k8s_code finish(k8s_config *cfg, kfile *files, size_t n, const k8s_config_options *o,
                       k8s_config **out, k8s_error *err)
{
    k8s_code rc = build(cfg, files, n, o, err);
    free_files(files, n);
    if (rc) {
        k8s_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return K8S_OK;
}

k8s_code k8s_config_parse(k8s_config **out, const char *text, size_t len, const char *origin,
                          const k8s_config_options *opts, k8s_error *err)
{
    if (!out || (!text && len))
        return k8s_fail(err, K8S_EINVAL, "missing result pointer or text");
    *out = NULL;
    origin = empty(origin) ? "kubeconfig" : origin;
    char cwd[4096];
    const char *dir = getcwd(cwd, sizeof cwd) ? cwd : ".";
    k8s_config *cfg = calloc(1, sizeof *cfg);
    kfile *files = NULL;
    size_t n = 0;
    if (!cfg)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    k8s_code rc = add_file(&files, &n, origin, text ? text : "", len, dir, err);
    if (rc) {
        free_files(files, n);
        free(cfg);
        return rc;
    }
    return finish(cfg, files, n, opts, out, err);
}

typedef enum source { FROM_OPTION, FROM_ENV, FROM_HOME, FROM_NOWHERE } source;

static bool push(char ***list, size_t *n, const char *path)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*list)[i], path) == 0)
            return true; /* client-go reads a file listed twice once */
    char **grown = realloc(*list, (*n + 2) * sizeof **list);
    if (!grown)
        return false;
    *list = grown;
    grown[*n + 1] = NULL;
    if (!(grown[*n] = strdup(path)))
        return false;
    (*n)++;
    return true;
}

/* The files kubectl would read, in order (NULL-terminated), and where the
 * list came from; NULL when out of memory. */
static char **kubeconfig_paths(const k8s_config_options *o, source *from)
{
    const char *env = getenv("KUBECONFIG"), *home = getenv("HOME");
    char **list = calloc(1, sizeof *list);
    size_t n = 0;
    bool ok = list != NULL;
    if (o && !empty(o->kubeconfig)) {
        *from = FROM_OPTION;
        if (ok && push(&list, &n, o->kubeconfig))
            return list;
        free_list(list);
        return NULL;
    }
    char *copy = strdup(empty(env) ? "" : env), *save = NULL;
    ok &= copy != NULL;
    /* ':'-separated; empty items are skipped, and an empty list falls back */
    for (char *p = ok ? strtok_r(copy, ":", &save) : NULL; p && ok; p = strtok_r(NULL, ":", &save))
        ok = push(&list, &n, p);
    free(copy);
    *from = n ? FROM_ENV : !empty(home) ? FROM_HOME : FROM_NOWHERE;
    if (ok && !n && !empty(home)) {
        char *path = join_path(home, ".kube/config");
        ok = path && push(&list, &n, path);
        free(path);
    }
    if (!ok) {
        free_list(list);
        return NULL;
    }
    return list;
}

/* Reads the listed kubeconfigs, skipping missing ones unless required. */
static k8s_code read_files(char **paths, bool required, kfile **files, size_t *n, k8s_error *err)
{
    for (char **p = paths; *p; p++) {
        char *text;
        size_t len;
        int e = k8s_read_file(*p, MAX_FILE_SIZE, &text, &len);
        if (e == ENOENT && !required)
            continue;
        if (e == ENOMEM)
            return k8s_fail(err, K8S_ENOMEM, "out of memory");
        if (e) {
            char buf[128];
            return k8s_fail_in(err, *p, K8S_ECONFIG, "cannot read the kubeconfig: %s",
                               k8s_errno_text(e, buf, sizeof buf));
        }
        k8s_code rc = add_file(files, n, *p, text, len, NULL, err);
        free(text);
        if (rc)
            return rc;
    }
    return K8S_OK;
}

k8s_code k8s_config_load(k8s_config **out, const k8s_config_options *opts, k8s_error *err)
{
    if (!out)
        return k8s_fail(err, K8S_EINVAL, "missing result pointer");
    *out = NULL;
    source from;
    char **paths = kubeconfig_paths(opts, &from);
    if (!paths)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    kfile *files = NULL;
    size_t n = 0;
    k8s_code rc = read_files(paths, from == FROM_OPTION, &files, &n, err);
    if (!rc && !n && from == FROM_ENV)
        rc = k8s_fail(err, K8S_ECONFIG,
                      "no kubeconfig: none of the files in $KUBECONFIG exists "
                      "(%.150s)",
                      getenv("KUBECONFIG"));
    else if (!rc && !n && from == FROM_HOME)
        rc = k8s_fail_in(err, paths[0], K8S_ECONFIG,
                         "no kubeconfig: the file does not exist and "
                         "$KUBECONFIG is not set");
    else if (!rc && !n)
        rc = k8s_fail(err, K8S_ECONFIG, "no kubeconfig: neither $KUBECONFIG nor $HOME is set");
    free_list(paths);
    k8s_config *cfg = rc ? NULL : calloc(1, sizeof *cfg);
    if (!rc && !cfg)
        rc = k8s_fail(err, K8S_ENOMEM, "out of memory");
    if (rc) {
        free_files(files, n);
        return rc;
    }
    return finish(cfg, files, n, opts, out, err);
}

/* ---- in-cluster ---- */

static char *trimmed(const char *s, size_t n)
{
    while (n && strchr(" \t\r\n", s[n - 1]))
        n--;
    while (n && strchr(" \t\r\n", *s)) {
        s++;
        n--;
    }
    return strndup(s, n);
}

/* One file of the service account mount; a missing optional one leaves
 * out empty. */
static k8s_code read_mounted(const char *path, const char *what, bool optional, k8s_blob *out,
                             k8s_error *err)
{
    int e = k8s_read_file(path, MAX_FILE_SIZE, &out->data, &out->len);
    if (!e || (optional && e == ENOENT))
        return K8S_OK;
    if (e == ENOMEM)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    char buf[128];
    return k8s_fail_in(err, path, K8S_ECONFIG, "cannot read the %s: %s", what,
                       k8s_errno_text(e, buf, sizeof buf));
}

static k8s_code in_cluster_files(k8s_config *cfg, const char *dir, k8s_error *err)
{
    char *ca = join_path(dir, "ca.crt"), *ns_file = join_path(dir, "namespace");
    k8s_blob token = {0}, ns = {0};
    cfg->token_file = join_path(dir, "token");
    k8s_code rc = cfg->token_file && ca && ns_file ? K8S_OK : k8s_fail(err, K8S_ENOMEM, "out of memory");
    /* the credential cache reads the token; here it is read to fail early */
    if (!rc)
        rc = read_mounted(cfg->token_file, "service account token", false, &token, err);
    /* without ca.crt client-go goes on with the system's CAs */
    if (!rc)
        rc = read_mounted(ca, "cluster's CA certificate", true, &cfg->ca, err);
    if (!rc && cfg->ca.data && !(cfg->ca_origin = printf_dup("service account CA %s", ca)))
        rc = k8s_fail(err, K8S_ENOMEM, "out of memory");
    if (!rc && cfg->ca.data)
        rc = check_ca(&cfg->ca, ca, "the cluster's CA certificate", err);
    if (!rc)
        rc = read_mounted(ns_file, "namespace file", true, &ns, err);
    const char *pod_ns = getenv("POD_NAMESPACE");
    if (!rc && !empty(pod_ns))
        cfg->namespace_ = strdup(pod_ns);
    else if (!rc && ns.data)
        cfg->namespace_ = trimmed(ns.data, ns.len);
    if (cfg->namespace_ && !*cfg->namespace_) {
        free(cfg->namespace_);
        cfg->namespace_ = NULL;
    }
    if (!rc && !cfg->namespace_ && !(cfg->namespace_ = strdup("default")))
        rc = k8s_fail(err, K8S_ENOMEM, "out of memory");
    if (token.data)
        memset(token.data, 0, token.len);
    free(token.data);
    free(ns.data);
    free(ca);
    free(ns_file);
    return rc;
}

k8s_code k8s_config_in_cluster_at(k8s_config **out, const char *dir, k8s_error *err)
{
    if (!out || !dir)
        return k8s_fail(err, K8S_EINVAL, "missing result pointer or directory");
    *out = NULL;
    const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT");
    if (empty(host) || empty(port))
        return k8s_fail(err, K8S_ECONFIG,
                        "not running in a cluster: $KUBERNETES_SERVICE_HOST and "
                        "$KUBERNETES_SERVICE_PORT must be set");
    k8s_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    bool v6 = strchr(host, ':') && host[0] != '[';
    size_t n = strlen(host) + strlen(port) + 16;
    cfg->server = malloc(n);
    cfg->context = strdup("in-cluster");
    cfg->origin = malloc(strlen(dir) + 16);
    k8s_code rc =
        cfg->server && cfg->context && cfg->origin ? K8S_OK : k8s_fail(err, K8S_ENOMEM, "out of memory");
    if (!rc) {
        snprintf(cfg->server, n, "https://%s%s%s:%s", v6 ? "[" : "", host, v6 ? "]" : "", port);
        snprintf(cfg->origin, strlen(dir) + 16, "in-cluster (%s)", dir);
        rc = in_cluster_files(cfg, dir, err);
    }
    if (rc) {
        k8s_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return K8S_OK;
}

k8s_code k8s_config_in_cluster(k8s_config **out, k8s_error *err)
{
    return k8s_config_in_cluster_at(out, SERVICE_ACCOUNT_DIR, err);
}

k8s_code k8s_config_default(k8s_config **out, k8s_error *err)
{
    source from;
    char **paths = kubeconfig_paths(NULL, &from);
    if (!paths)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    bool found = false;
    struct stat st;
    for (char **p = paths; *p && !found; p++)
        found = stat(*p, &st) == 0;
    free_list(paths);
    if (found)
        return k8s_config_load(out, NULL, err);
    k8s_code rc = k8s_config_in_cluster(out, err);
    if (rc == K8S_ECONFIG && err && !err->path[0])
        k8s_fail(err, K8S_ECONFIG,
                 "no configuration: no kubeconfig ($KUBECONFIG names no existing file, or "
                 "~/.kube/config does not exist) and not in a cluster ($KUBERNETES_SERVICE_HOST "
                 "is not set)");
    return rc;
}

const char *k8s_config_server(const k8s_config *config)
{
    return config ? config->server : NULL;
}

const char *k8s_config_namespace(const k8s_config *config)
{
    return config && config->namespace_ ? config->namespace_ : "default";
}

const char *k8s_config_context(const k8s_config *config)
{
    return config ? config->context : NULL;
}
