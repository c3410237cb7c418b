/* The request path against a fast server: Debian's nginx serving static
 * replies over TLS + HTTP/2 on loopback (started here, in a temporary
 * directory, on a free port), so what is measured is our cost, not the
 * server's.
 *
 *   build/bin/bench_e2e            the figures (a minute or two)
 *   build/bin/bench_e2e --smoke    every path once, nothing timed (CI)
 *   build/bin/bench_e2e --only lists|gets|decode    one part (for profiling)
 *
 * Replies: a 5,000-pod list of realistic running pods (generated, the same
 * bytes every run), a 5,000-pod list of the full conformance Pod (from
 * $K8S_SHARED_DIR/conformance; that row is skipped when it is absent), and
 * one pod. Printed, each as a ratio against plain libcurl in the same run:
 *  1. a list end to end, typed and dynamic, in a fresh process (the first
 *     call; a child process per measurement) and in steady state (the 10th
 *     call onward), against libcurl's transfer of the same URL into a
 *     growing buffer;
 *  2. CPU per small GET (getrusage: this process, every thread), sync and
 *     100 in flight, against a bare easy handle / a bare multi handle on a
 *     reused connection, sending the client's request headers (the same
 *     request bytes); in flight twice: re-submitted from the main thread
 *     (a hand-off each way per call) and from the completion callback on
 *     the loop's thread (one thread, as the bare multi handle); each call's
 *     arena is freed once its pod has been looked at;
 *  3. the peak RSS growth during a list in a fresh process, as a multiple
 *     of the JSON size;
 *  4. typed decode MB/s against cJSON_Parse and, when built (libsimdjson-dev
 *     present), simdjson's DOM parse + full walk of the same bytes.
 * Targets (issue 11): list <= 1.3x steady, <= 2x first call; peak <= 1.6x
 * the JSON; CPU per GET <= 1.2x (sync, and in flight re-submitted from the
 * callbacks: the bare multi handle has no hand-off between threads either);
 * decode >= 1 GB/s and >= 0.5x simdjson.
 * Exit 77 (skip) when nginx or the openssl tool is missing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "k8s/api.h"
#include "k8s/buf.h"
#include "bench_util.h"
#include "realistic_pod.h"

extern char **environ;

#define SKIP 77

static char dir[256];   /* the temporary directory */
static pid_t nginx_pid; /* 0: not running */
static char base_url[64];
static bool smoke;
static int pods = 5000; /* 100 in --smoke */

static void stop_nginx(void)
{
    if (nginx_pid > 0) {
        kill(nginx_pid, SIGTERM);
        waitpid(nginx_pid, NULL, 0);
        nginx_pid = 0;
    }
    if (*dir) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_e2e: could not remove %s\n", dir);
        *dir = '\0';
    }
}

static _Noreturn void die(const char *what, const char *detail)
{
    fprintf(stderr, "bench_e2e: %s: %s\n", what, detail ? detail : strerror(errno));
    stop_nginx();
    exit(1);
}

/* kB from /proc/self/status ("VmRSS", "VmHWM"). */
static long proc_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, field, n) && line[n] == ':')
            kb = strtol(line + n + 1, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

static double median(double *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static char *path_in_dir(const char *name)
{
    static char paths[8][320];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

static void write_file(const char *name, const char *data, size_t len)
{
    FILE *f = fopen(path_in_dir(name), "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f))
        die("writing", name);
}

/* ---- the replies ---- */

/* A running pod: the realistic spec plus what the server and the kubelet
 * add (uid, resourceVersion, timestamps, node, IPs, conditions, container
 * statuses). Deterministic: everything follows from i. */
static void append_running_pod(k8s_buf *b, int i)
{
    char spec[8192], extra[4096];
    int n = snprintf(spec, sizeof spec, pod_format, i, i % 40, i, i, i);
    if (n <= 0 || (size_t)n >= sizeof spec)
        die("pod", "too long");
    spec[n - 1] = '\0'; /* reopen the pod object */
    /* metadata: insert the server's fields right after {"metadata":{ */
    const char *after_meta = strstr(spec, "\"metadata\":{") + strlen("\"metadata\":{");
    snprintf(extra, sizeof extra,
             "\"namespace\":\"bench\",\"uid\":\"7d3b%04x-1c2e-4f5a-8b9c-%012d\",\"resourceVersion\":\"%d\","
             "\"creationTimestamp\":\"2025-06-01T10:%02d:%02dZ\",",
             i & 0xffff, i, 100000 + i, (i / 60) % 60, i % 60);
    k8s_buf_append(b, spec, (size_t)(after_meta - spec));
    k8s_buf_append_str(b, extra);
    k8s_buf_append_str(b, after_meta);
    snprintf(extra, sizeof extra,
             ",\"status\":{\"phase\":\"Running\",\"conditions\":["
             "{\"type\":\"PodReadyToStartContainers\",\"status\":\"True\",\"lastProbeTime\":null,"
             "\"lastTransitionTime\":\"2025-06-01T10:00:05Z\"},"
             "{\"type\":\"Initialized\",\"status\":\"True\",\"lastProbeTime\":null,"
             "\"lastTransitionTime\":\"2025-06-01T10:00:01Z\"},"
             "{\"type\":\"Ready\",\"status\":\"True\",\"lastProbeTime\":null,"
             "\"lastTransitionTime\":\"2025-06-01T10:00:12Z\"},"
             "{\"type\":\"ContainersReady\",\"status\":\"True\",\"lastProbeTime\":null,"
             "\"lastTransitionTime\":\"2025-06-01T10:00:12Z\"},"
             "{\"type\":\"PodScheduled\",\"status\":\"True\",\"lastProbeTime\":null,"
             "\"lastTransitionTime\":\"2025-06-01T10:00:00Z\"}],"
             "\"hostIP\":\"10.0.%d.%d\",\"hostIPs\":[{\"ip\":\"10.0.%d.%d\"}],"
             "\"podIP\":\"10.244.%d.%d\",\"podIPs\":[{\"ip\":\"10.244.%d.%d\"}],"
             "\"startTime\":\"2025-06-01T10:00:00Z\",\"containerStatuses\":["
             "{\"name\":\"proxy\",\"state\":{\"running\":{\"startedAt\":\"2025-06-01T10:00:04Z\"}},"
             "\"lastState\":{},\"ready\":true,\"restartCount\":0,\"image\":\"docker.io/envoyproxy/envoy:v1.30.1\","
             "\"imageID\":\"docker.io/envoyproxy/envoy@sha256:4c5a1f0e9d8b7a6c5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2%d\","
             "\"containerID\":\"containerd://%064d\",\"started\":true},"
             "{\"name\":\"web\",\"state\":{\"running\":{\"startedAt\":\"2025-06-01T10:00:03Z\"}},"
             "\"lastState\":{},\"ready\":true,\"restartCount\":0,\"image\":\"registry.example.com/shop/web:1.4.2\","
             "\"imageID\":\"registry.example.com/shop/web@sha256:9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8%d\","
             "\"containerID\":\"containerd://%064d\",\"started\":true}],"
             "\"qosClass\":\"Burstable\"}}",
             i % 8, i % 250 + 1, i % 8, i % 250 + 1, i / 250, i % 250 + 1, i / 250, i % 250 + 1, i % 10, i,
             i % 10, i + 1);
    k8s_buf_append_str(b, extra);
}

static char *realistic_list(size_t *len)
{
    k8s_buf b = K8S_BUF_INIT;
    k8s_buf_append_str(&b, "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"105000\"},"
                           "\"items\":[");
    for (int i = 0; i < pods; i++) {
        if (i)
            k8s_buf_append(&b, ",", 1);
        append_running_pod(&b, i);
    }
    if (k8s_buf_append_str(&b, "]}"))
        die("list", "out of memory");
    *len = b.len;
    return b.data;
}

/* The conformance Pod (every field set), 5,000 times with distinct names;
 * NULL when the shared folder is absent. */
static char *conformance_list(size_t *len, char *why, size_t whylen)
{
    const char *shared = getenv("K8S_SHARED_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/conformance/k8s-1.35/core.v1.Pod.json", shared ? shared : K8S_DEFAULT_SHARED);
    size_t pod_len;
    char *pod_json;
    if (k8s_read_file(path, SIZE_MAX, &pod_json, &pod_len)) {
        snprintf(why, whylen, "cannot read %s (set K8S_SHARED_DIR)", path);
        return NULL;
    }
    k8s_error err;
    char *list = bench_pod_list(pod_json, pod_len, pods, len, &err);
    if (!list)
        die("the conformance Pod", err.message);
    free(pod_json);
    return list;
}

/* ---- nginx ---- */

static const char *find_tool(const char *name)
{
    static char found[2][512];
    static int next;
    const char *dirs[] = {"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/sbin", "/bin"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        char *p = found[next % 2];
        snprintf(p, sizeof found[0], "%s/%s", dirs[i], name);
        if (access(p, X_OK) == 0) {
            next++;
            return p;
        }
    }
    return NULL;
}

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t n = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) || getsockname(s, (struct sockaddr *)&a, &n))
        die("free port", NULL);
    close(s);
    return ntohs(a.sin_port);
}

static int run_quiet(char *const argv[])
{
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, path_in_dir("tool.log"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc)
        return -1;
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Starts nginx; returns false with the reason when it cannot. */
static bool start_nginx(bool conformance, char *why, size_t whylen)
{
    const char *nginx = find_tool("nginx"), *openssl = find_tool("openssl");
    if (!nginx || !openssl) {
        snprintf(why, whylen, "%s not found (Debian: apt-get install %s)", nginx ? "openssl" : "nginx",
                 nginx ? "openssl" : "nginx-light");
        return false;
    }
    char *req[] = {(char *)openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                   "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                   "-keyout", path_in_dir("key.pem"), "-out", path_in_dir("cert.pem"), NULL};
    if (run_quiet(req) != 0) {
        snprintf(why, whylen, "openssl could not make a certificate (see %s)", path_in_dir("tool.log"));
        return false;
    }
    int port = free_port();
    snprintf(base_url, sizeof base_url, "https://127.0.0.1:%d", port);
    char conf[4096];
    /* Everything under the temporary directory, nothing needing root; as
     * root the workers stay root so they can read the 0700 directory. */
    int n = snprintf(conf, sizeof conf,
                     "%s"
                     "worker_processes 1;\n"
                     "pid %s/nginx.pid;\n"
                     "error_log %s/error.log warn;\n"
                     "events { worker_connections 256; }\n"
                     "http {\n"
                     "  access_log off;\n"
                     "  open_file_cache max=16;\n"
                     "  client_body_temp_path %s/tmp; proxy_temp_path %s/tmp; fastcgi_temp_path %s/tmp;\n"
                     "  uwsgi_temp_path %s/tmp; scgi_temp_path %s/tmp;\n"
                     "  default_type application/json;\n"
                     "  keepalive_requests 1000000;\n"
                     "  http2_max_concurrent_streams 100;\n"
                     "  http2_max_requests 1000000;\n"
                     "  server {\n"
                     "    listen 127.0.0.1:%d ssl http2;\n"
                     "    ssl_certificate %s/cert.pem; ssl_certificate_key %s/key.pem;\n"
                     "    location = /api/v1/namespaces/bench/pods { alias %s/realistic.json; }\n"
                     "    location = /api/v1/namespaces/full/pods { alias %s/conformance.json; }\n"
                     "    location = /api/v1/namespaces/bench/pods/one { alias %s/pod.json; }\n"
                     "  }\n"
                     "}\n",
                     geteuid() == 0 ? "user root;\n" : "", dir, dir, dir, dir, dir, dir, dir, port, dir, dir, dir,
                     conformance ? dir : "/nonexistent", dir);
    if (n <= 0 || (size_t)n >= sizeof conf)
        die("nginx.conf", "too long");
    write_file("nginx.conf", conf, (size_t)n);
    mkdir(path_in_dir("tmp"), 0700);
    char *argv[] = {(char *)nginx, "-p", dir, "-c", path_in_dir("nginx.conf"), "-e", path_in_dir("error.log"),
                    "-g", "daemon off;", NULL};
    /* nginx ends with this process, however it ends */
    char *log = path_in_dir("nginx.stderr");
    nginx_pid = fork();
    if (nginx_pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        int out = open("/dev/null", O_WRONLY), errfd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(out, 1);
        dup2(errfd, 2);
        execv(nginx, argv);
        _exit(127);
    }
    if (nginx_pid < 0) {
        nginx_pid = 0;
        snprintf(why, whylen, "cannot run %s: %s", nginx, strerror(errno));
        return false;
    }
    /* ready when it answers */
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, base_url);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    bool up = false;
    for (int i = 0; i < 100 && !up; i++) {
        up = curl_easy_perform(e) == CURLE_OK;
        if (!up) {
            if (waitpid(nginx_pid, NULL, WNOHANG) == nginx_pid) {
                nginx_pid = 0;
                break;
            }
            usleep(50000);
        }
    }
    curl_easy_cleanup(e);
    if (!up)
        die("nginx did not start; its log", path_in_dir("error.log"));
    return true;
}

/* ---- bare libcurl ---- */

typedef struct grow_buf {
    char *data;
    size_t len, cap;
} grow_buf;

/* The usual way: realloc, doubling. */
static size_t grow_write(char *p, size_t size, size_t n, void *data)
{
    grow_buf *b = data;
    size_t len = size * n;
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 16384;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return 0;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, len);
    b->len += len;
    b->data[b->len] = '\0';
    return len;
}

/* What the client sends beside the URL (its agent, what it accepts, the
 * kubeconfig's token), sent by the bare handles too: both sides make the
 * same request, byte for byte, so the ratios compare the same work. */
#define BENCH_AGENT "k8s-c-bench"
#define BENCH_TOKEN "bench-token"

static struct curl_slist *bare_headers(void)
{
    static struct curl_slist *h;
    if (!h) {
        struct curl_slist *a = curl_slist_append(NULL, "Accept: application/json, */*");
        if (!a || !(h = curl_slist_append(a, "Authorization: Bearer " BENCH_TOKEN)))
            die("bare headers", "out of memory");
    }
    return h;
}

static CURL *bare_handle(const char *path, grow_buf *b)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", base_url, path);
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_CAINFO, path_in_dir("cert.pem"));
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, grow_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, BENCH_AGENT);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, bare_headers());
    return e;
}

/* One transfer into a fresh growing buffer, freed after; bytes received. */
static size_t bare_get(CURL *e, grow_buf *b)
{
    b->len = 0;
    CURLcode rc = curl_easy_perform(e);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK || status != 200)
        die("bare transfer", rc ? curl_easy_strerror(rc) : "not 200");
    return b->len;
}

/* ---- ours ---- */

static k8s_config *cfg;

static k8s_client *new_client(void)
{
    k8s_error err;
    if (!cfg) {
        char kc[1024];
        int n = snprintf(kc, sizeof kc,
                         "apiVersion: v1\nkind: Config\ncurrent-context: bench\n"
                         "clusters:\n- name: bench\n  cluster:\n    server: %s\n    certificate-authority: %s\n"
                         "users:\n- name: bench\n  user:\n    token: " BENCH_TOKEN "\n"
                         "contexts:\n- name: bench\n  context:\n    cluster: bench\n    user: bench\n"
                         "    namespace: bench\n",
                         base_url, path_in_dir("cert.pem"));
        if (k8s_config_parse(&cfg, kc, (size_t)n, "bench kubeconfig", NULL, &err))
            die("kubeconfig", err.message);
    }
    k8s_client *c;
    k8s_client_options opts = {.user_agent = BENCH_AGENT};
    if (k8s_client_new(&c, cfg, &opts, &err))
        die("client", err.message);
    return c;
}

static const k8s_resource dyn_pods = {"", "v1", "pods", "Pod", true, NULL, NULL};
static const k8s_op dyn_list = {&dyn_pods, NULL, K8S_VERB_LIST, NULL, NULL, "PodList"};

typedef enum mode { BARE, TYPED, DYNAMIC } mode;
static const char *const mode_names[] = {"bare", "typed", "dynamic"};

/* One list call of the given kind; returns the items (typed) or bytes. */
static size_t list_once(mode m, const char *ns, k8s_client *c, CURL *e, grow_buf *b)
{
    if (m == BARE) {
        size_t n = bare_get(e, b);
        free(b->data);
        *b = (grow_buf){0};
        return n;
    }
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    size_t n;
    if (m == TYPED) {
        k8s_core_v1_pod_list *list;
        if (k8s_core_v1_pod_list_get(c, a, ns, NULL, &list, &err))
            die("typed list", err.message);
        n = list->items_len;
    } else {
        char *text;
        if (k8s_call(c, a, &dyn_list, &(k8s_args){.namespace_ = ns}, (void **)&text, &err))
            die("dynamic list", err.message);
        n = strlen(text);
    }
    k8s_arena_free(a);
    return n;
}

/* The child's side of a fresh-process measurement: set up (not timed),
 * then one list call; prints seconds and the peak RSS growth in bytes. */
static int child_main(const char *which, const char *ns, const char *url, const char *tmp)
{
    snprintf(dir, sizeof dir, "%s", tmp);
    snprintf(base_url, sizeof base_url, "%s", url);
    mode m = !strcmp(which, "typed") ? TYPED : !strcmp(which, "dynamic") ? DYNAMIC : BARE;
    char path[128];
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/pods", ns);
    grow_buf b = {0};
    CURL *e = m == BARE ? bare_handle(path, &b) : NULL;
    k8s_client *c = m == BARE ? NULL : new_client();
    long rss0 = proc_kb("VmRSS");
    double t0 = bench_now();
    list_once(m, ns, c, e, &b);
    double t = bench_now() - t0;
    long hwm = proc_kb("VmHWM");
    printf("%.6f %ld\n", t, (hwm - rss0) * 1024);
    *dir = '\0'; /* the parent's */
    if (e)
        curl_easy_cleanup(e);
    k8s_client_free(c);
    k8s_config_free(cfg);
    return 0;
}

/* Runs one fresh-process measurement in a child. */
static void fresh(mode m, const char *ns, double *secs, double *peak)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        die("readlink /proc/self/exe", NULL);
    exe[n] = '\0';
    int fds[2];
    if (pipe(fds))
        die("pipe", NULL);
    char *argv[] = {exe, "--child", (char *)mode_names[m], (char *)ns, base_url, dir, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    pid_t pid;
    int rc = posix_spawn(&pid, exe, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc)
        die("spawn", strerror(rc));
    char out[128] = "";
    ssize_t got = read(fds[0], out, sizeof out - 1);
    close(fds[0]);
    int st;
    waitpid(pid, &st, 0);
    out[got > 0 ? got : 0] = '\0';
    long bytes;
    if (!WIFEXITED(st) || WEXITSTATUS(st) || sscanf(out, "%lf %ld", secs, &bytes) != 2)
        die("fresh-process child", out);
    *peak = (double)bytes;
}

/* ---- 1 and 3: lists ---- */

typedef struct list_figures {
    double first[3], steady[3], peak[3];
    double steady_reused; /* typed into one arena, reset between calls */
    size_t bytes, items;
} list_figures;

static list_figures measure_list(const char *ns, size_t json_len)
{
    list_figures f = {.bytes = json_len};
    const int fresh_runs = smoke ? 1 : 3, calls = smoke ? 2 : 12, steady_from = smoke ? 1 : 9;
    /* fresh processes, interleaved so they share the load */
    double first[3][3], peak[3][3];
    for (int r = 0; r < fresh_runs; r++)
        for (int m = 0; m < 3; m++)
            fresh((mode)m, ns, &first[m][r], &peak[m][r]);
    for (int m = 0; m < 3; m++) {
        f.first[m] = median(first[m], fresh_runs);
        f.peak[m] = median(peak[m], fresh_runs) / (double)json_len;
    }
    /* steady state: one client, one easy handle, calls interleaved */
    char path[128];
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/pods", ns);
    grow_buf b = {0};
    CURL *e = bare_handle(path, &b);
    k8s_client *c = new_client();
    double steady[3][12], reused[12];
    int kept = 0;
    k8s_arena *reuse = k8s_arena_new();
    for (int i = 0; i < calls; i++) {
        k8s_arena_reset(reuse);
        k8s_core_v1_pod_list *list;
        k8s_error err;
        double t0 = bench_now();
        if (k8s_core_v1_pod_list_get(c, reuse, ns, NULL, &list, &err))
            die("typed list", err.message);
        if (i >= steady_from)
            reused[kept] = bench_now() - t0;
        for (int m = 0; m < 3; m++) {
            double t0 = bench_now();
            size_t n = list_once((mode)m, ns, c, e, &b);
            double t = bench_now() - t0;
            if (m == TYPED)
                f.items = n;
            else if (n != json_len)
                die(mode_names[m], "wrong size");
            if (i >= steady_from)
                steady[m][kept] = t;
        }
        if (i >= steady_from)
            kept++;
    }
    for (int m = 0; m < 3; m++)
        f.steady[m] = median(steady[m], kept);
    f.steady_reused = median(reused, kept);
    k8s_arena_free(reuse);
    if (f.items != (size_t)pods)
        die("typed list", "wrong item count");
    curl_easy_cleanup(e);
    k8s_client_free(c);
    return f;
}

static void print_list(const char *name, const list_figures *f)
{
    printf("%s: %d pods, %.1f MB\n", name, pods, (double)f->bytes / 1e6);
    if (smoke)
        return;
    printf("  first call (fresh process, median of 3)  bare %6.1f ms   typed %6.1f ms %5.2fx   dynamic %6.1f ms %5.2fx"
           "   (target typed <= 2x)\n",
           f->first[BARE] * 1e3, f->first[TYPED] * 1e3, f->first[TYPED] / f->first[BARE], f->first[DYNAMIC] * 1e3,
           f->first[DYNAMIC] / f->first[BARE]);
    printf("  steady (calls 10-12, median)             bare %6.1f ms   typed %6.1f ms %5.2fx   dynamic %6.1f ms %5.2fx"
           "   (target typed <= 1.3x)\n",
           f->steady[BARE] * 1e3, f->steady[TYPED] * 1e3, f->steady[TYPED] / f->steady[BARE],
           f->steady[DYNAMIC] * 1e3, f->steady[DYNAMIC] / f->steady[BARE]);
    printf("  steady, typed into one arena reset between calls (k8s_arena_reset)  %6.1f ms %5.2fx the bare transfer\n",
           f->steady_reused * 1e3, f->steady_reused / f->steady[BARE]);
    printf("  peak RSS growth during the first call    bare %5.2fx   typed %5.2fx   dynamic %5.2fx the JSON"
           "   (target typed <= 1.6x)\n",
           f->peak[BARE], f->peak[TYPED], f->peak[DYNAMIC]);
}

/* ---- 2: CPU per small GET ---- */

static void typed_gets(k8s_client *c, int n)
{
    for (int i = 0; i < n; i++) {
        k8s_arena *a = k8s_arena_new();
        k8s_core_v1_pod *pod;
        k8s_error err;
        if (k8s_core_v1_pod_get(c, a, "bench", "one", NULL, &pod, &err))
            die("GET", err.message);
        k8s_arena_free(a);
    }
}

static void bare_gets(CURL *e, grow_buf *b, int n)
{
    for (int i = 0; i < n; i++)
        bare_get(e, b);
}

typedef struct flight {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int done, failed;
    char first_error[256];
} flight;

/* One GET in flight: its arena goes as soon as the pod has been looked at,
 * as a program's would (the bare side reuses its buffers too). */
typedef struct get_call {
    void *owner; /* the flight or chain */
    k8s_arena *arena;
} get_call;

/* Looks at the reply and frees the call's arena: NULL, or what failed. */
static const char *get_call_end(get_call *gc, k8s_code code, void *result, const k8s_error *err)
{
    const k8s_core_v1_pod *pod = result;
    const char *failed = code ? err->message : !pod->metadata || !pod->metadata->name ? "a pod without a name" : NULL;
    k8s_arena_free(gc->arena);
    gc->arena = NULL;
    return failed;
}

static void count_done(flight *f, const char *failed)
{
    f->done++;
    if (failed && !f->failed++)
        snprintf(f->first_error, sizeof f->first_error, "%s", failed);
}

static void on_done(void *data, k8s_code code, void *result, const k8s_error *err)
{
    get_call *gc = data;
    flight *f = gc->owner;
    const char *failed = get_call_end(gc, code, result, err);
    pthread_mutex_lock(&f->mu);
    count_done(f, failed);
    pthread_cond_signal(&f->cond);
    pthread_mutex_unlock(&f->mu);
}

static void submit_get(k8s_client *c, get_call *gc, void *owner, k8s_done_fn done)
{
    gc->owner = owner;
    gc->arena = k8s_arena_new();
    if (k8s_core_v1_pod_get_async(c, gc->arena, "bench", "one", NULL, done, gc))
        die("submit", NULL);
}

/* total typed GETs, `width` in flight, re-submitted from this thread as
 * completions are signalled to it */
static void typed_in_flight(k8s_client *c, int total, int width)
{
    flight f = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, ""};
    get_call *calls = calloc((size_t)total, sizeof *calls);
    int started = 0;
    pthread_mutex_lock(&f.mu);
    while (f.done < total) {
        while (started < total && started - f.done < width) {
            submit_get(c, &calls[started], &f, on_done);
            started++;
        }
        pthread_cond_wait(&f.cond, &f.mu);
    }
    pthread_mutex_unlock(&f.mu);
    if (f.failed)
        die("GETs in flight", f.first_error);
    free(calls);
}

/* The same, but each completion submits the next call from its callback,
 * on the loop's thread: the event-loop way, like the bare multi handle's
 * single thread (no hand-off per call); the main thread only waits for
 * the end. */
typedef struct chain {
    flight f;
    k8s_client *c;
    get_call *calls;
    int started, total; /* under f.mu */
} chain;

/* On the loop's thread. */
static void chain_done(void *data, k8s_code code, void *result, const k8s_error *err)
{
    get_call *gc = data;
    chain *ch = gc->owner;
    const char *failed = get_call_end(gc, code, result, err);
    pthread_mutex_lock(&ch->f.mu);
    count_done(&ch->f, failed);
    int next = ch->started < ch->total ? ch->started++ : -1;
    if (ch->f.done == ch->total)
        pthread_cond_signal(&ch->f.cond);
    pthread_mutex_unlock(&ch->f.mu);
    if (next >= 0)
        submit_get(ch->c, &ch->calls[next], ch, chain_done);
}

static void typed_in_flight_on_loop(k8s_client *c, int total, int width)
{
    int first = width < total ? width : total;
    chain ch = {{PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, ""}, c,
                calloc((size_t)total, sizeof(get_call)), first, total};
    for (int i = 0; i < first; i++) /* callbacks take slots from `first` on */
        submit_get(c, &ch.calls[i], &ch, chain_done);
    pthread_mutex_lock(&ch.f.mu);
    while (ch.f.done < total)
        pthread_cond_wait(&ch.f.cond, &ch.f.mu);
    pthread_mutex_unlock(&ch.f.mu);
    if (ch.f.failed)
        die("GETs in flight", ch.f.first_error);
    free(ch.calls);
}

/* The same with a bare multi handle: `width` easy handles multiplexed on
 * one HTTP/2 connection, each re-added as it finishes. */
typedef struct bare_multi {
    CURLM *m;
    CURL **e;
    grow_buf *b;
    int width;
} bare_multi;

static bare_multi bare_multi_new(int width)
{
    bare_multi bm = {curl_multi_init(), calloc((size_t)width, sizeof(CURL *)), calloc((size_t)width, sizeof(grow_buf)),
                     width};
    curl_multi_setopt(bm.m, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    for (int i = 0; i < width; i++) {
        bm.e[i] = bare_handle("/api/v1/namespaces/bench/pods/one", &bm.b[i]);
        curl_easy_setopt(bm.e[i], CURLOPT_PIPEWAIT, 1L);
        curl_easy_setopt(bm.e[i], CURLOPT_PRIVATE, &bm.b[i]);
    }
    return bm;
}

static void bare_in_flight(bare_multi *bm, int total)
{
    int started = 0, done = 0, running = 0;
    for (; started < bm->width && started < total; started++)
        curl_multi_add_handle(bm->m, bm->e[started]);
    while (done < total) {
        curl_multi_perform(bm->m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(bm->m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *e = msg->easy_handle;
            CURLcode rc = msg->data.result;
            if (rc != CURLE_OK)
                die("bare multi", curl_easy_strerror(rc));
            grow_buf *b;
            curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&b);
            b->len = 0;
            curl_multi_remove_handle(bm->m, e);
            done++;
            if (started < total) {
                curl_multi_add_handle(bm->m, e);
                started++;
            }
        }
        if (done < total)
            curl_multi_poll(bm->m, NULL, 0, 1000, NULL);
    }
}

static void bare_multi_free(bare_multi *bm)
{
    for (int i = 0; i < bm->width; i++) {
        curl_easy_cleanup(bm->e[i]);
        free(bm->b[i].data);
    }
    curl_multi_cleanup(bm->m);
    free(bm->e);
    free(bm->b);
}

/* Adds the CPU time `call` takes to total. */
#define CPU_OF(total, call)                 \
    do {                                    \
        double c0_ = bench_cpu_seconds();   \
        call;                               \
        total += bench_cpu_seconds() - c0_; \
    } while (0)

enum { SYNC_BARE, SYNC_TYPED, ASYNC_BARE, ASYNC_MAIN, ASYNC_LOOP, ROWS };

/* Prints row's median CPU per call and its median ratio to base over the
 * rounds (each round's ratio compares blocks run back to back, so a burst
 * of load on this shared machine moves one round, not the figure). */
static void print_row(const char *what, double us[ROWS][64], int row, int base, int rounds, const char *target)
{
    double ratio[64], a[64], b[64];
    for (int r = 0; r < rounds; r++) {
        ratio[r] = us[row][r] / us[base][r];
        a[r] = us[row][r];
        b[r] = us[base][r];
    }
    double mid = median(ratio, rounds); /* which sorts them: the range is at the ends */
    printf("  %-14s bare %5.1f us   typed %5.1f us   %5.2fx (rounds %.2f-%.2fx)   %s\n", what,
           median(b, rounds), median(a, rounds), mid, ratio[0], ratio[rounds - 1], target);
    /* on a quiet host the middle half of the rounds lies within about 0.1x */
    if (rounds >= 8 && ratio[rounds - 1 - rounds / 4] - ratio[rounds / 4] > 0.15)
        printf("                 (the host was busy: the middle half of the rounds spans %.2f-%.2fx; run again)\n",
               ratio[rounds / 4], ratio[rounds - 1 - rounds / 4]);
}

static void measure_gets(void)
{
    const int block = smoke ? 2 : 300, rounds = smoke ? 1 : 25, width = smoke ? 4 : 100;
    k8s_client *c = new_client();
    grow_buf b = {0};
    CURL *e = bare_handle("/api/v1/namespaces/bench/pods/one", &b);
    bare_multi bm = bare_multi_new(width);
    /* warm up: connections, TLS sessions, caches */
    typed_gets(c, smoke ? 1 : 100);
    bare_gets(e, &b, smoke ? 1 : 100);
    typed_in_flight(c, width * 2, width);
    typed_in_flight_on_loop(c, width * 2, width);
    bare_in_flight(&bm, width * 2);
    static double us[ROWS][64]; /* CPU per call, per row and round */
    for (int r = 0; r < rounds; r++) {
        double t[ROWS] = {0};
        CPU_OF(t[SYNC_TYPED], typed_gets(c, block));
        CPU_OF(t[SYNC_BARE], bare_gets(e, &b, block));
        CPU_OF(t[ASYNC_MAIN], typed_in_flight(c, block * 2, width));
        CPU_OF(t[ASYNC_BARE], bare_in_flight(&bm, block * 2));
        CPU_OF(t[ASYNC_LOOP], typed_in_flight_on_loop(c, block * 2, width));
        for (int row = 0; row < ROWS; row++)
            us[row][r] = t[row] / (row <= SYNC_TYPED ? block : 2 * block) * 1e6;
    }
    if (!smoke) {
        printf("CPU per small GET (one pod, %zu bytes; %d rounds of %d sync and %d async calls per row;\n"
               "  medians, each round's ratio against the bare block run beside it; both sides send\n"
               "  the same request: agent, Accept and token headers)\n",
               b.len, rounds, block, 2 * block);
        print_row("sync", us, SYNC_TYPED, SYNC_BARE, rounds, "(target <= 1.2x)");
        char what[32];
        snprintf(what, sizeof what, "%d in flight", width);
        print_row(what, us, ASYNC_LOOP, ASYNC_BARE, rounds, "(target <= 1.2x)");
        printf("                 typed: re-submitted from the completion callback on the loop's thread\n"
               "                 (the event-loop way; one thread like the bare multi handle's)\n");
        print_row(what, us, ASYNC_MAIN, ASYNC_BARE, rounds, "(no target: the bare side has no hand-off)");
        printf("                 typed: re-submitted from the main thread (a hand-off each way per call)\n");
    }
    bare_multi_free(&bm);
    curl_easy_cleanup(e);
    free(b.data);
    k8s_client_free(c);
}

/* ---- 4: decode speed ---- */

static double best_of(int n, double (*fn)(const char *, size_t), const char *json, size_t len)
{
    double best = 1e30;
    for (int i = 0; i < n; i++) {
        double t = fn(json, len);
        best = t < best ? t : best;
    }
    return best;
}

/* Warm: into one arena, reset between runs, so its memory is mapped
 * already (a fresh arena's first touch of each page is the kernel's cost,
 * measured by the first-call row). */
static k8s_arena *decode_arena;

static double typed_decode(const char *json, size_t len)
{
    k8s_arena_reset(decode_arena);
    void *out;
    k8s_error err;
    double t0 = bench_now();
    if (k8s_json_decode(&k8s_core_v1_pod_list_desc, json, len, decode_arena, &out, NULL, &err))
        die("decode", err.message);
    return bench_now() - t0;
}

static double cjson_parse(const char *json, size_t len)
{
    double t0 = bench_now();
    cJSON *doc = cJSON_ParseWithLength(json, len);
    double t = bench_now() - t0;
    if (!doc)
        die("cJSON", "parse failed");
    cJSON_Delete(doc);
    return t;
}

/* simdjson's DOM parse + walk, by the helper beside this program; 0 when
 * it was not built. */
static double simdjson_mbs(const char *file, int runs)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 16);
    if (n <= 0)
        return 0;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    snprintf(slash + 1, sizeof exe - (size_t)(slash + 1 - exe), "bench_simdjson");
    if (access(exe, X_OK))
        return 0;
    char cmd[4600];
    snprintf(cmd, sizeof cmd, "'%s' '%s' %d", exe, file, runs);
    FILE *p = popen(cmd, "r");
    double mbs = 0;
    if (!p || fscanf(p, "%lf", &mbs) != 1)
        mbs = -1;
    if (p && pclose(p) != 0)
        mbs = -1;
    return mbs;
}

static void measure_decode(const char *name, const char *file, const char *json, size_t len)
{
    const int runs = smoke ? 1 : 7;
    double mb = (double)len / 1e6;
    decode_arena = k8s_arena_new();
    typed_decode(json, len); /* warm */
    double typed = best_of(runs, typed_decode, json, len), cj = best_of(runs, cjson_parse, json, len);
    double simd = simdjson_mbs(file, runs);
    k8s_arena_free(decode_arena);
    if (simd < 0)
        die("bench_simdjson", "failed");
    if (smoke)
        return;
    printf("  %-12s typed %6.0f MB/s   cJSON %5.0f MB/s (typed %4.1fx)", name, mb / typed, mb / cj, cj / typed);
    if (simd > 0)
        printf("   simdjson DOM+walk %5.0f MB/s (typed %4.2fx)", simd, mb / typed / simd);
    printf("   (target >= 1000 MB/s, >= 0.5x simdjson)\n");
}

int main(int argc, char **argv)
{
    if (argc == 6 && !strcmp(argv[1], "--child"))
        return child_main(argv[2], argv[3], argv[4], argv[5]);
    smoke = argc > 1 && !strcmp(argv[1], "--smoke");
    pods = smoke ? 100 : pods;
    const char *only = argc == 3 && !strcmp(argv[1], "--only") ? argv[2] : NULL;
    if (argc > 1 && !smoke && !only) {
        fprintf(stderr, "usage: bench_e2e [--smoke | --only lists|gets|decode]\n");
        return 2;
    }
#define PART(name) (!only || !strcmp(only, name))
    setvbuf(stdout, NULL, _IOLBF, 0);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    snprintf(dir, sizeof dir, "%s/bench_e2e.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        *dir = '\0';
        die("mkdtemp", NULL);
    }
    size_t real_len, conf_len = 0;
    char *real = realistic_list(&real_len), why[4200] = "";
    char *conf = conformance_list(&conf_len, why, sizeof why);
    write_file("realistic.json", real, real_len);
    if (conf)
        write_file("conformance.json", conf, conf_len);
    {
        k8s_buf one = K8S_BUF_INIT;
        append_running_pod(&one, 7);
        write_file("pod.json", one.data, one.len);
        k8s_buf_free(&one);
    }
    char nowhy[512];
    if (!start_nginx(conf != NULL, nowhy, sizeof nowhy)) {
        fprintf(stderr, "bench_e2e: SKIP: %s\n", nowhy);
        stop_nginx();
        return SKIP;
    }
    double load[3] = {0};
    getloadavg(load, 3);
    printf("bench_e2e%s: nginx over TLS + HTTP/2 on %s; load average %.2f %.2f %.2f\n", smoke ? " --smoke" : "",
           base_url, load[0], load[1], load[2]);

    if (PART("lists")) {
        list_figures fr = measure_list("bench", real_len);
        print_list("realistic list", &fr);
        if (conf) {
            list_figures fc = measure_list("full", conf_len);
            print_list("conformance list", &fc);
        } else {
            printf("conformance list: SKIPPED: %s\n", why);
        }
    }
    if (PART("gets"))
        measure_gets();
    if (PART("decode")) {
        if (!smoke)
            printf("typed decode of the list (warm, best of 7)\n");
        measure_decode("realistic", path_in_dir("realistic.json"), real, real_len);
        if (conf)
            measure_decode("conformance", path_in_dir("conformance.json"), conf, conf_len);
        if (simdjson_mbs(path_in_dir("pod.json"), 1) == 0 && !smoke)
            printf("  (simdjson column: bench_simdjson not built; install libsimdjson-dev and re-run cmake)\n");
    }
    getloadavg(load, 3);
    printf("done; load average %.2f %.2f %.2f\n", load[0], load[1], load[2]);
    free(real);
    free(conf);
    k8s_config_free(cfg);
    stop_nginx();
    curl_global_cleanup();
    return 0;
}
