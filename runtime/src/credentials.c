/* The credential cache (config_internal.h): static tokens and basic auth,
 * token files re-read when they change, and exec credential plugins run as
 * client-go runs them.
 *
 * One mutex guards the cache. A refresh runs outside it, so peek never
 * waits for a plugin; callers that want a refresh while one is running wait
 * for it and share its result. Errors name the kubeconfig (or token file)
 * in err->path; they never hold a token, a key or the plugin's stdout. */
#define _GNU_SOURCE /* pipe2: the pipe is close-on-exec from the start, so a
                       child that another thread spawns cannot inherit it */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config_internal.h"
#include "documents_internal.h"
#include "internal.h"
#include "k8s/loop.h"
#include "k8s/values.h"

/* Refresh this long before a credential expires. */
#define REFRESH_MARGIN_S 60
/* client-go re-reads a token file at least this often, changed or not. */
#define TOKEN_FILE_MAX_AGE_MS 60000
#define MAX_TOKEN_SIZE (1u << 20)
#define MAX_PLUGIN_OUTPUT (4u << 20)
/* How much of a plugin's stderr an error message quotes. */
#define STDERR_EXCERPT 400

typedef struct file_id {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
} file_id;

struct k8s_credentials {
    const k8s_config *config;
    pthread_mutex_t mu;
    pthread_cond_t refreshed;
    int exec_timeout_ms;
    bool refreshing;     /* a caller is refreshing, outside the lock */
    uint64_t generation; /* completed refreshes */
    bool valid;          /* cred holds something usable */
    k8s_credential cred;
    file_id file;    /* the token file as it was when read */
    int64_t read_ms; /* when it was read (monotonic) */
    k8s_code last_rc; /* the last refresh's outcome, for those who waited */
    k8s_error last_err;
};

static int64_t wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

static bool stat_id(const char *path, file_id *id)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return false;
    *id = (file_id){st.st_dev, st.st_ino, st.st_size, st.st_mtim};
    return true;
}

static bool same_id(const file_id *a, const file_id *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* "<prefix><value>" as a new string. */
static char *concat(const char *prefix, const char *value, size_t n)
{
    size_t p = strlen(prefix);
    char *s = malloc(p + n + 1);
    if (!s)
        return NULL;
    memcpy(s, prefix, p);
    memcpy(s + p, value, n);
    s[p + n] = '\0';
    return s;
}

static bool blob_copy(k8s_blob *dst, const char *data, size_t len)
{
    dst->data = NULL;
    dst->len = 0;
    if (!data)
        return true;
    if (!(dst->data = malloc(len + 1)))
        return false;
    memcpy(dst->data, data, len);
    dst->data[len] = '\0';
    dst->len = len;
    return true;
}

void k8s_credential_clear(k8s_credential *cred)
{
    if (!cred)
        return;
    free(cred->authorization);
    free(cred->cert.data);
    free(cred->key.data);
    memset(cred, 0, sizeof *cred);
}

void k8s_credential_describe(const k8s_config *cfg, const k8s_credential *cred, char *buf, size_t n)
{
    const char *header = !cred->authorization ? NULL : cfg->username ? "the username and password" : "the token";
    bool cert = cred->cert.data || cfg->client_cert.data;
    const char *from = cfg->exec ? " from the exec plugin " : cfg->token_file ? " from the file " : "";
    const char *source = cfg->exec ? cfg->exec->command : cfg->token_file ? cfg->token_file : "";
    char whose[300] = "";
    if (cfg->user)
        snprintf(whose, sizeof whose, " of kubeconfig user \"%s\" (%s)", cfg->user,
                 cfg->user_origin ? cfg->user_origin : "?");
    snprintf(buf, n, "%s%s%s%s%s", header ? header : cert ? "the client certificate" : "no credentials",
             header && cert ? " and the client certificate" : "", from, source, whose);
}

static bool cred_copy(k8s_credential *dst, const k8s_credential *src)
{
    memset(dst, 0, sizeof *dst);
    dst->expires_at = src->expires_at;
    bool ok = !src->authorization || (dst->authorization = strdup(src->authorization));
    ok = ok && blob_copy(&dst->cert, src->cert.data, src->cert.len);
    ok = ok && blob_copy(&dst->key, src->key.data, src->key.len);
    if (!ok)
        k8s_credential_clear(dst);
    return ok;
}

static bool header_safe(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

/* ---- static credentials ---- */

static k8s_code basic_auth(const k8s_config *cfg, k8s_credential *out)
{
    size_t u = strlen(cfg->username), p = cfg->password ? strlen(cfg->password) : 0;
    char *plain = malloc(u + p + 2);
    char *coded = malloc(k8s_base64_encoded_len(u + p + 1) + 1);
    k8s_code rc = plain && coded ? K8S_OK : K8S_ENOMEM;
    if (!rc) {
        memcpy(plain, cfg->username, u);
        plain[u] = ':';
        if (p)
            memcpy(plain + u + 1, cfg->password, p);
        k8s_base64_encode((const uint8_t *)plain, u + p + 1, coded);
        coded[k8s_base64_encoded_len(u + p + 1)] = '\0';
        if (!(out->authorization = concat("Basic ", coded, strlen(coded))))
            rc = K8S_ENOMEM;
        /* the password should not linger in freed memory */
        memset(plain, 0, u + p + 2);
    }
    free(plain);
    free(coded);
    return rc;
}

k8s_credentials *k8s_credentials_new(const k8s_config *config)
{
    if (!config)
        return NULL;
    k8s_credentials *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->config = config;
    c->exec_timeout_ms = K8S_EXEC_TIMEOUT_MS;
    /* token files and plugins are read on first use */
    c->valid = !config->token_file && !config->exec;
    k8s_code rc = K8S_OK;
    if (c->valid && config->token)
        rc = (c->cred.authorization = concat("Bearer ", config->token, strlen(config->token)))
                 ? K8S_OK
                 : K8S_ENOMEM;
    else if (c->valid && config->username)
        rc = basic_auth(config, &c->cred);
    if (rc || pthread_mutex_init(&c->mu, NULL) != 0) {
        k8s_credential_clear(&c->cred);
        free(c);
        return NULL;
    }
    if (pthread_cond_init(&c->refreshed, NULL) != 0) {
        pthread_mutex_destroy(&c->mu);
        k8s_credential_clear(&c->cred);
        free(c);
        return NULL;
    }
    return c;
}

void k8s_credentials_free(k8s_credentials *c)
{
    if (!c)
        return;
    pthread_cond_destroy(&c->refreshed);
    pthread_mutex_destroy(&c->mu);
    k8s_credential_clear(&c->cred);
    free(c);
}

void k8s_credentials_set_exec_timeout(k8s_credentials *c, int ms)
{
    pthread_mutex_lock(&c->mu);
    c->exec_timeout_ms = ms > 0 ? ms : K8S_EXEC_TIMEOUT_MS;
    pthread_mutex_unlock(&c->mu);
}

/* ---- token files ---- */

static k8s_code read_token_file(const k8s_config *cfg, k8s_credential *out, file_id *id,
                                k8s_error *err)
{
    const char *path = cfg->token_file;
    char *text, buf[160], problem[200];
    size_t len;
    /* stat before reading: if the file changes in between, the next peek
     * sees a difference and reads it again */
    int e = stat_id(path, id) ? 0 : errno;
    e = e ? e : k8s_read_file(path, MAX_TOKEN_SIZE, &text, &len);
    if (e == ENOMEM)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    if (e) {
        snprintf(problem, sizeof problem, "cannot read the token file: %s",
                 k8s_errno_text(e, buf, sizeof buf));
        return k8s_fail_in(err, path, K8S_EAUTH, "%s", problem);
    }
    size_t start = 0, end = len;
    while (start < end && strchr(" \t\r\n", text[start]))
        start++;
    while (end > start && strchr(" \t\r\n", text[end - 1]))
        end--;
    k8s_code rc = K8S_OK;
    if (start == end)
        rc = k8s_fail_in(err, path, K8S_EAUTH, "the token file is empty");
    else if (!header_safe(text + start, end - start))
        rc = k8s_fail_in(err, path, K8S_EAUTH, "the token file holds a control character");
    else if (!(out->authorization = concat("Bearer ", text + start, end - start)))
        rc = k8s_fail(err, K8S_ENOMEM, "out of memory");
    memset(text, 0, len);
    free(text);
    return rc;
}

/* ---- exec plugins ---- */

typedef struct plugin_output {
    k8s_buf out;
    char err[STDERR_EXCERPT + 1];
    size_t err_len;
    bool too_big;
    bool timed_out;
    int status; /* from waitpid */
} plugin_output;

/* 'exec plugin "aws" for user "alice": ' in front of every plugin error. */
K8S_PRINTF(3, 4)
static k8s_code plugin_fail(const k8s_config *cfg, k8s_error *err, const char *fmt, ...)
{
    if (!err)
        return K8S_EAUTH;
    char detail[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return k8s_fail_in(err, cfg->user_origin, K8S_EAUTH, "exec plugin \"%.80s\" for user \"%.60s\": %s",
                       cfg->exec->command, cfg->user ? cfg->user : "", detail);
}

/* The ExecCredential client-go passes in KUBERNETES_EXEC_INFO. */
static k8s_code exec_info(const k8s_config *cfg, k8s_buf *b)
{
    const k8s_exec_config *x = cfg->exec;
    exec_cluster_doc cluster = {
        .server = cfg->server,
        .tls_server_name = cfg->tls_server_name,
        .has_insecure_skip_tls_verify = cfg->insecure,
        .insecure_skip_tls_verify = true,
        .certificate_authority_data = {(uint8_t *)cfg->ca.data, cfg->ca.data ? cfg->ca.len : 0},
        .proxy_url = cfg->proxy_url,
        .config = x->cluster_config,
    };
    exec_spec_doc spec = {
        .cluster = x->provide_cluster_info ? &cluster : NULL,
        .has_interactive = true,
        .interactive = false,
    };
    exec_credential_doc doc = {.kind = "ExecCredential", .apiVersion = x->api_version, .spec = &spec};
    k8s_code rc = k8s_buf_append_str(b, "KUBERNETES_EXEC_INFO=");
    return rc ? rc : k8s_json_encode(&k8s_exec_credential_desc, &doc, b, NULL);
}

static bool same_name(const char *a, const char *b)
{
    size_t n = strcspn(a, "=");
    return strncmp(a, b, n) == 0 && b[n] == '=';
}

/* The process's environment plus the plugin's own variables and
 * KUBERNETES_EXEC_INFO; as with Go's exec, the last of a name wins. The
 * strings are borrowed. */
static char **plugin_env(char **config_env, char *info)
{
    size_t n = 0, m = 0;
    while (environ && environ[n])
        n++;
    while (config_env && config_env[m])
        m++;
    char **env = calloc(n + m + 2, sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool replaced = same_name(environ[i], info);
        for (size_t j = 0; j < m && !replaced; j++)
            replaced = same_name(environ[i], config_env[j]);
        if (!replaced)
            env[k++] = environ[i];
    }
    for (size_t j = 0; j < m; j++) {
        bool later = same_name(config_env[j], info);
        for (size_t l = j + 1; l < m && !later; l++)
            later = same_name(config_env[j], config_env[l]);
        if (!later)
            env[k++] = config_env[j];
    }
    env[k] = info;
    return env;
}

static void keep(plugin_output *o, int which, const char *data, size_t n)
{
    if (which == 0) {
        if (o->out.len + n > MAX_PLUGIN_OUTPUT)
            o->too_big = true;
        else if (k8s_buf_append(&o->out, data, n))
            o->too_big = true; /* out of memory reads as too much output */
        return;
    }
    size_t room = STDERR_EXCERPT - o->err_len;
    n = n < room ? n : room;
    memcpy(o->err + o->err_len, data, n);
    o->err_len += n;
}

/* Reads stdout and stderr until both close or the deadline passes. */
static void collect(int fds[2], int64_t deadline, plugin_output *o)
{
    struct pollfd p[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
    while (p[0].fd >= 0 || p[1].fd >= 0) {
        int64_t left = deadline - (int64_t)k8s_now_ms();
        if (left <= 0) {
            o->timed_out = true;
            break;
        }
        int r = poll(p, 2, left > INT_MAX ? INT_MAX : (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            o->timed_out = true; /* cannot wait any more: treat as stuck */
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !p[i].revents)
                continue;
            char buf[8192];
            ssize_t k = read(p[i].fd, buf, sizeof buf);
            if (k < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (k <= 0) {
                close(p[i].fd);
                p[i].fd = -1;
                continue;
            }
            keep(o, i, buf, (size_t)k);
        }
    }
    for (int i = 0; i < 2; i++)
        if (p[i].fd >= 0)
            close(p[i].fd);
}

/* Text for a one-line message: control characters become spaces, runs of
 * spaces collapse, the ends are trimmed. */
static void one_line(const char *in, size_t len, char *out, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < len && k + 1 < n; i++) {
        char ch = in[i];
        bool space = (unsigned char)ch < 0x20 || ch == ' ' || ch == 0x7f;
        if (!space || (k && out[k - 1] != ' '))
            out[k++] = space ? ' ' : ch;
    }
    while (k && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
}

static k8s_code spawn_failed(const k8s_config *cfg, int e, k8s_error *err)
{
    char buf[128];
    const char *hint = cfg->exec->install_hint;
    if (e == ENOENT && hint) {
        char flat[256]; /* hints are often several lines */
        one_line(hint, strlen(hint), flat, sizeof flat);
        return plugin_fail(cfg, err, "executable not found; %s", flat);
    }
    if (e == ENOENT)
        return plugin_fail(cfg, err, "executable not found");
    return plugin_fail(cfg, err, "cannot run: %s", k8s_errno_text(e, buf, sizeof buf));
}

/* 0, or why path cannot be run */
static int executable(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno;
    if (!S_ISREG(st.st_mode))
        return EACCES;
    return access(path, X_OK) == 0 ? 0 : errno;
}

/* Go's exec.LookPath: a name with a '/' is a path, others are searched in
 * $PATH. Done here rather than left to posix_spawnp because a failed exec
 * inside posix_spawn is not reported everywhere (valgrind, older libcs),
 * and the install hint needs a clear "not found". Returns 0 or an errno. */
static int look_path(const char *cmd, char **out)
{
    *out = NULL;
    if (strchr(cmd, '/')) {
        int e = executable(cmd);
        if (e)
            return e == ENOTDIR ? ENOENT : e;
        return (*out = strdup(cmd)) ? 0 : ENOMEM;
    }
    const char *path = getenv("PATH");
    path = path ? path : "/bin:/usr/bin";
    size_t c = strlen(cmd);
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, ":");
        /* empty items would mean the current directory, which Go refuses */
        if (n) {
            char *full = malloc(n + c + 2);
            if (!full)
                return ENOMEM;
            memcpy(full, p, n);
            full[n] = '/';
            memcpy(full + n + 1, cmd, c + 1);
            if (executable(full) == 0) {
                *out = full;
                return 0;
            }
            free(full);
        }
        p += n + (p[n] == ':');
    }
    return ENOENT;
}

/* Starts the plugin with stdin from /dev/null and stdout and stderr into
 * the pipes' write ends. Returns 0 or an errno value. */
static int spawn_plugin(const k8s_exec_config *x, char **argv, char **envp, int out_w, int err_w,
                        pid_t *pid)
{
    char *program;
    int e = look_path(x->command, &program);
    if (e)
        return e;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    if ((e = posix_spawn_file_actions_init(&fa))) {
        free(program);
        return e;
    }
    if ((e = posix_spawnattr_init(&attr))) {
        posix_spawn_file_actions_destroy(&fa);
        free(program);
        return e;
    }
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    /* the plugin starts with a clean signal state, whatever this program
     * blocks or ignores (SIGPIPE, often) */
    if (!(e = posix_spawnattr_setsigmask(&attr, &none)) &&
        !(e = posix_spawnattr_setsigdefault(&attr, &all)) &&
        !(e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) &&
        !(e = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) &&
        !(e = posix_spawn_file_actions_adddup2(&fa, out_w, 1)) &&
        !(e = posix_spawn_file_actions_adddup2(&fa, err_w, 2)))
        e = posix_spawn(pid, program, &fa, &attr, argv, envp);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    free(program);
    return e;
}

static k8s_code run_plugin(const k8s_config *cfg, int timeout_ms, plugin_output *o, k8s_error *err)
{
    const k8s_exec_config *x = cfg->exec;
    size_t nargs = 0;
    while (x->args && x->args[nargs])
        nargs++;
    char **argv = calloc(nargs + 2, sizeof *argv), **envp = NULL;
    k8s_buf info = K8S_BUF_INIT;
    int out[2] = {-1, -1}, errp[2] = {-1, -1};
    k8s_code rc = argv && !exec_info(cfg, &info) && (envp = plugin_env(x->env, info.data))
                      ? K8S_OK
                      : k8s_fail(err, K8S_ENOMEM, "out of memory");
    if (!rc && (pipe2(out, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0)) {
        char buf[128];
        rc = plugin_fail(cfg, err, "cannot make a pipe: %s",
                         k8s_errno_text(errno, buf, sizeof buf));
    }
    pid_t pid = -1;
    if (!rc) {
        argv[0] = x->command;
        for (size_t i = 0; i < nargs; i++)
            argv[i + 1] = x->args[i];
        int e = spawn_plugin(x, argv, envp, out[1], errp[1], &pid);
        if (e)
            rc = e == ENOMEM ? k8s_fail(err, K8S_ENOMEM, "out of memory") : spawn_failed(cfg, e, err);
    }
    /* our copies of the write ends must go, or reading never ends */
    if (out[1] >= 0)
        close(out[1]);
    if (errp[1] >= 0)
        close(errp[1]);
    if (!rc) {
        int fds[2] = {out[0], errp[0]};
        collect(fds, (int64_t)k8s_now_ms() + timeout_ms, o); /* closes them */
        out[0] = errp[0] = -1;
        if (o->timed_out)
            kill(pid, SIGKILL);
        while (waitpid(pid, &o->status, 0) < 0 && errno == EINTR) {
        }
    }
    if (out[0] >= 0)
        close(out[0]);
    if (errp[0] >= 0)
        close(errp[0]);
    free(argv);
    free(envp);
    if (info.data)
        memset(info.data, 0, info.len);
    k8s_buf_free(&info);
    return rc;
}

/* "" reads as absent, as client-go reads it. */
static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

k8s_code k8s_exec_credential_parse(const k8s_config *cfg, const char *json, size_t len,
                                   k8s_credential *out, k8s_error *err)
{
    k8s_arena *arena = k8s_arena_new();
    if (!arena)
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    exec_credential_doc *doc = NULL;
    k8s_error why = {0};
    k8s_code rc = k8s_json_decode(&k8s_exec_credential_desc, json ? json : "", json ? len : 0,
                                  arena, (void **)&doc, NULL, &why);
    const exec_status_doc *st = doc ? doc->status : NULL;
    const char *api = doc ? doc->apiVersion : NULL, *kind = doc ? doc->kind : NULL;
    const char *token = st ? nonempty(st->token) : NULL;
    const char *cert = st ? nonempty(st->clientCertificateData) : NULL;
    const char *key = st ? nonempty(st->clientKeyData) : NULL;
    const char *expiry = st ? nonempty(st->expirationTimestamp) : NULL;
    k8s_time t = {0};
    if (rc == K8S_ENOMEM)
        rc = k8s_fail(err, K8S_ENOMEM, "out of memory");
    else if (rc == K8S_ESYNTAX || rc == K8S_EDEPTH || rc == K8S_EENCODING)
        rc = plugin_fail(cfg, err, "its output is not a JSON ExecCredential (%s)", why.message);
    else if (rc)
        rc = plugin_fail(cfg, err, "its output is not a valid ExecCredential (%s%s%s)", why.path,
                         why.path[0] ? ": " : "", why.message);
    else if (!kind || strcmp(kind, "ExecCredential") != 0)
        rc = plugin_fail(cfg, err, "its output is not a valid ExecCredential (kind \"%.40s\")",
                         kind ? kind : "");
    else if (!api || strcmp(api, cfg->exec->api_version) != 0)
        rc = plugin_fail(cfg, err, "it returned apiVersion \"%.60s\", not %s", api ? api : "",
                         cfg->exec->api_version);
    else if (!st)
        rc = plugin_fail(cfg, err, "it returned no status");
    else if (!token && !cert && !key)
        rc = plugin_fail(cfg, err, "it returned neither a token nor a client certificate");
    else if (!cert != !key)
        rc = plugin_fail(cfg, err, "it returned a client %s without a %s",
                         cert ? "certificate" : "key", cert ? "key" : "certificate");
    else if (token && !header_safe(token, strlen(token)))
        rc = plugin_fail(cfg, err, "its token holds a control character");
    else if (expiry && k8s_time_parse(expiry, &t, NULL) != K8S_OK)
        rc = plugin_fail(cfg, err, "its expirationTimestamp is not an RFC 3339 time");
    if (!rc) {
        out->expires_at = expiry ? t.seconds : 0;
        bool ok = !token || (out->authorization = concat("Bearer ", token, strlen(token)));
        ok = ok && blob_copy(&out->cert, cert, cert ? strlen(cert) : 0);
        ok = ok && blob_copy(&out->key, key, key ? strlen(key) : 0);
        if (!ok)
            rc = k8s_fail(err, K8S_ENOMEM, "out of memory");
    }
    k8s_arena_free(arena);
    return rc;
}

static k8s_code run_exec(const k8s_config *cfg, int timeout_ms, k8s_credential *out,
                         k8s_error *err)
{
    plugin_output o = {.out = K8S_BUF_INIT};
    k8s_code rc = run_plugin(cfg, timeout_ms, &o, err);
    char text[STDERR_EXCERPT + 1];
    one_line(o.err, o.err_len, text, sizeof text);
    if (rc) {
    } else if (o.timed_out) {
        rc = plugin_fail(cfg, err, "did not finish within %d ms and was killed%s%s", timeout_ms,
                         *text ? ": " : "", text);
    } else if (WIFSIGNALED(o.status)) {
        rc = plugin_fail(cfg, err, "was killed by signal %d%s%s", WTERMSIG(o.status),
                         *text ? ": " : "", text);
    } else if (WIFEXITED(o.status) && WEXITSTATUS(o.status) != 0) {
        rc = plugin_fail(cfg, err, "exited with status %d%s%s", WEXITSTATUS(o.status),
                         *text ? ": " : "", text);
    } else if (o.too_big) {
        rc = plugin_fail(cfg, err, "its output exceeds %u bytes", MAX_PLUGIN_OUTPUT);
    } else {
        rc = k8s_exec_credential_parse(cfg, o.out.data, o.out.len, out, err);
    }
    if (o.out.data)
        memset(o.out.data, 0, o.out.len);
    k8s_buf_free(&o.out);
    return rc;
}

/* ---- the cache ---- */

static bool fresh_locked(const k8s_credentials *c, bool have_id, const file_id *id)
{
    if (!c->valid)
        return false;
    if (c->config->token_file)
        return have_id && same_id(id, &c->file) && (int64_t)k8s_now_ms() - c->read_ms < TOKEN_FILE_MAX_AGE_MS;
    if (c->config->exec)
        return !c->cred.expires_at || wall_s() + REFRESH_MARGIN_S < c->cred.expires_at;
    return true;
}

bool k8s_credentials_peek(k8s_credentials *c, k8s_credential *out)
{
    memset(out, 0, sizeof *out);
    file_id id = {0}; /* compared only when have_id */
    bool have_id = c->config->token_file && stat_id(c->config->token_file, &id);
    pthread_mutex_lock(&c->mu);
    bool ok = fresh_locked(c, have_id, &id) && cred_copy(out, &c->cred);
    pthread_mutex_unlock(&c->mu);
    return ok;
}

/* Copies the outcome of the last refresh; called with the lock held. */
static k8s_code result_locked(const k8s_credentials *c, k8s_credential *out, k8s_error *err)
{
    if (c->last_rc) {
        if (err)
            *err = c->last_err;
        return c->last_rc;
    }
    return cred_copy(out, &c->cred) ? K8S_OK : k8s_fail(err, K8S_ENOMEM, "out of memory");
}

k8s_code k8s_credentials_get(k8s_credentials *c, bool force, k8s_credential *out, k8s_error *err)
{
    memset(out, 0, sizeof *out);
    file_id id = {0}; /* compared only when have_id */
    bool have_id = c->config->token_file && stat_id(c->config->token_file, &id);
    pthread_mutex_lock(&c->mu);
    if (!force && fresh_locked(c, have_id, &id)) {
        k8s_code rc = cred_copy(out, &c->cred) ? K8S_OK : k8s_fail(err, K8S_ENOMEM, "out of memory");
        pthread_mutex_unlock(&c->mu);
        return rc;
    }
    if (c->refreshing) {
        uint64_t gen = c->generation;
        while (c->generation == gen)
            pthread_cond_wait(&c->refreshed, &c->mu);
        k8s_code rc = result_locked(c, out, err);
        pthread_mutex_unlock(&c->mu);
        return rc;
    }
    c->refreshing = true;
    int timeout_ms = c->exec_timeout_ms;
    pthread_mutex_unlock(&c->mu);

    k8s_credential fresh = {0};
    k8s_error ferr;
    memset(&ferr, 0, sizeof ferr);
    k8s_code rc = K8S_OK;
    if (c->config->token_file)
        rc = read_token_file(c->config, &fresh, &id, &ferr);
    else if (c->config->exec)
        rc = run_exec(c->config, timeout_ms, &fresh, &ferr);

    pthread_mutex_lock(&c->mu);
    if (!rc && (c->config->token_file || c->config->exec)) {
        k8s_credential_clear(&c->cred);
        c->cred = fresh;
        c->valid = true;
        c->file = id;
        c->read_ms = (int64_t)k8s_now_ms();
    } else if (rc && rc != K8S_ENOMEM && c->config->token_file && c->valid) {
        /* like client-go, keep the previous token while the file cannot
         * be read (kubelet replaces it by a rename; a miss is brief) */
        rc = K8S_OK;
    }
    c->last_rc = rc;
    c->last_err = ferr;
    c->generation++;
    c->refreshing = false;
    pthread_cond_broadcast(&c->refreshed);
    rc = result_locked(c, out, err);
    pthread_mutex_unlock(&c->mu);
    return rc;
}
