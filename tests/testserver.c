/* Runs tests/apiserver/server.js as a child process; see testserver.h. */
#define _GNU_SOURCE
#include "testserver.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *source_dir(void)
{
    const char *s = getenv("K8S_SOURCE_DIR");
    return s && *s ? s : ".";
}

static bool run(char *const argv[])
{
    pid_t pid;
    if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
        return false;
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void remove_dir(const char *dir)
{
    if (!dir[0])
        return;
    char *argv[] = {"rm", "-rf", (char *)dir, NULL};
    run(argv);
}

/* Reads the server's first stdout line, {"port":N,...}, within a few seconds. */
static bool read_port(int fd, int *port)
{
    char line[512];
    size_t n = 0;
    while (n < sizeof line - 1) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 15000) <= 0)
            return false;
        ssize_t r = read(fd, line + n, 1);
        if (r <= 0)
            return false;
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    const char *p = strstr(line, "\"port\":");
    return p && sscanf(p + 7, "%d", port) == 1;
}

bool test_server_start(test_server *s, bool tls)
{
    memset(s, 0, sizeof *s);
    s->pid = -1;
    s->stdin_fd = -1;
    s->tls = tls;
    snprintf(s->dir, sizeof s->dir, "/tmp/k8s-test-XXXXXX");
    if (!mkdtemp(s->dir)) {
        fprintf(stderr, "testserver: mkdtemp: %s\n", strerror(errno));
        s->dir[0] = '\0';
        return false;
    }
    char script[1024], mkcerts[1024];
    snprintf(script, sizeof script, "%s/tests/apiserver/server.js", source_dir());
    snprintf(mkcerts, sizeof mkcerts, "%s/tests/apiserver/mkcerts.sh", source_dir());
    if (tls) {
        char *argv[] = {"sh", mkcerts, s->dir, NULL};
        if (!run(argv)) {
            fprintf(stderr, "testserver: %s failed (is openssl installed?)\n", mkcerts);
            return false;
        }
    }
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
        return false;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    char *argv[] = {"node", script, "--listen", "127.0.0.1:0", tls ? "--tls-dir" : "--plain",
                    tls ? s->dir : NULL, NULL};
    int rc = posix_spawnp(&s->pid, "node", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    s->stdin_fd = in[1];
    if (rc != 0) {
        fprintf(stderr, "testserver: cannot run node: %s\n", strerror(rc));
        s->pid = -1;
        close(out[0]);
        return false;
    }
    bool ok = read_port(out[0], &s->port);
    close(out[0]);
    if (!ok) {
        fprintf(stderr, "testserver: the server did not report its port\n");
        return false;
    }
    snprintf(s->url, sizeof s->url, "%s://127.0.0.1:%d", tls ? "https" : "http", s->port);
    return true;
}

void test_server_stop(test_server *s)
{
    if (s->stdin_fd >= 0)
        close(s->stdin_fd);
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        int status;
        while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
            ;
    }
    remove_dir(s->dir);
    s->pid = -1;
    s->stdin_fd = -1;
}

static size_t collect(char *p, size_t size, size_t n, void *data)
{
    char **buf = data;
    size_t old = *buf ? strlen(*buf) : 0;
    char *nb = realloc(*buf, old + size * n + 1);
    if (!nb)
        return 0;
    memcpy(nb + old, p, size * n);
    nb[old + size * n] = '\0';
    *buf = nb;
    return size * n;
}

int test_server_control(const test_server *s, const char *method, const char *path,
                        const char *json, char **reply)
{
    CURL *e = curl_easy_init();
    char url[512], ca[600];
    snprintf(url, sizeof url, "%s%s", s->url, path);
    snprintf(ca, sizeof ca, "%s/ca.crt", s->dir);
    char *body = NULL;
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
    if (s->tls)
        curl_easy_setopt(e, CURLOPT_CAINFO, ca);
    if (json)
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, json);
    long status = -1;
    if (curl_easy_perform(e) == CURLE_OK)
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(e);
    if (reply)
        *reply = body;
    else
        free(body);
    return (int)status;
}

const char *test_server_kubeconfig(const test_server *s, const char *name, const char *user_yaml)
{
    static char path[700];
    snprintf(path, sizeof path, "%s/%s", s->dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fprintf(f,
            "apiVersion: v1\n"
            "kind: Config\n"
            "current-context: test\n"
            "clusters:\n"
            "- name: test\n"
            "  cluster:\n"
            "    server: %s\n",
            s->url);
    if (s->tls)
        fprintf(f, "    certificate-authority: %s/ca.crt\n", s->dir);
    fprintf(f,
            "users:\n"
            "- name: test\n"
            "  user:\n"
            "%s\n"
            "contexts:\n"
            "- name: test\n"
            "  context:\n"
            "    cluster: test\n"
            "    user: test\n"
            "    namespace: default\n",
            user_yaml);
    fclose(f);
    return path;
}
