/* Pinned versions, verified specs and generated trees for the version
 * tools, and where the tools find k8sgen, headers and versions.txt (the
 * build tree's paths are compiled in, an install's are relative to bin/). */
#define _XOPEN_SOURCE 700
#include "trees.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

extern char **environ;

__attribute__((format(printf, 2, 3))) static char *printf_a(k8s_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *out = k8s_arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    if (out)
        vsnprintf(out, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return out;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *join(const char *dir, const char *rel)
{
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%s/%s", dir, rel);
    return out;
}

const tool_paths *tool_paths_get(void)
{
    static tool_paths tp; /* set once; the tools are single-threaded; kept for the process */
    if (tp.openapi)
        return &tp;
    char exe[4096], here[4096] = "", built[4096] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        if (!realpath(exe, here))
            *here = '\0';
    }
    if (!realpath(K8S_TOOLS_BUILD_BINDIR, built))
        *built = '\0';
    const char *src = getenv("K8S_SOURCE_DIR"), *shared = getenv("K8S_SHARED_DIR");
    bool installed = !(src && *src) && *here && strcmp(here, built) != 0;
    if (shared && *shared)
        tp.shared_openapi = join(shared, "openapi");
    if (!installed) {
        if (!(src && *src))
            src = K8S_TOOLS_SOURCE_DIR;
        if (!tp.shared_openapi)
            tp.shared_openapi = join(src, "../shared/openapi");
        tp.include = join(src, "runtime/include");
        tp.k8sgen = K8S_TOOLS_K8SGEN;
        tp.openapi = join(src, "openapi");
    } else { /* the relative paths are the install's, from bin/ (CMake computes them); no ../shared */
        tp.include = join(here, K8S_TOOLS_BIN_TO_INCLUDE);
        tp.k8sgen = join(here, "k8sgen");
        tp.openapi = join(here, K8S_TOOLS_BIN_TO_OPENAPI);
    }
    const char *k8sgen = getenv("K8SGEN");
    if (k8sgen && *k8sgen)
        tp.k8sgen = k8sgen;
    return &tp;
}

bool pinned_load(k8s_arena *a, pinned *p, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/versions.txt", tool_paths_get()->openapi);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read the pinned versions in %s: %s", path, strerror(errno));
        return false;
    }
    memset(p, 0, sizeof *p);
    p->versions = k8s_arena_alloc(a, 64 * sizeof *p->versions);
    p->sha256 = k8s_arena_alloc(a, 64 * sizeof *p->sha256);
    char line[1024];
    while (p->n < 64 && fgets(line, sizeof line, f)) {
        char v[64], sum[128];
        if (line[0] == '#' || sscanf(line, "%63s %127s", v, sum) != 2)
            continue;
        p->versions[p->n] = k8s_arena_strdup(a, v);
        p->sha256[p->n++] = k8s_arena_strdup(a, sum);
    }
    fclose(f);
    if (!p->n)
        snprintf(err, errlen, "%s pins no version", path);
    return p->n > 0;
}

int pinned_index(const pinned *p, const char *version)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->versions[i], version) == 0)
            return (int)i;
    return -1;
}

const char *pinned_list(k8s_arena *a, const pinned *p)
{
    size_t len = 1;
    for (size_t i = 0; i < p->n; i++)
        len += strlen(p->versions[i]) + 2;
    char *out = k8s_arena_alloc(a, len);
    if (!out)
        return "";
    for (size_t i = 0; i < p->n; i++) {
        if (i)
            strcat(out, ", ");
        strcat(out, p->versions[i]);
    }
    return out;
}

/* The hex sha256 of a file, or false when it cannot be read. */
static bool file_sha256(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0)
        ok = EVP_DigestUpdate(ctx, buf, n);
    unsigned mdlen = 0;
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    fclose(f);
    for (unsigned i = 0; ok && i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return ok;
}

const char *spec_path(k8s_arena *a, const pinned *p, const char *version, char *err, size_t errlen)
{
    int i = pinned_index(p, version);
    if (i < 0) {
        snprintf(err, errlen, "%s is not a pinned Kubernetes version (openapi/versions.txt pins %s)", version,
                 pinned_list(a, p));
        return NULL;
    }
    const tool_paths *tp = tool_paths_get();
    const char *dirs[4] = {getenv("K8S_OPENAPI_MIRROR"), getenv("K8S_OPENAPI_CACHE"), tp->shared_openapi,
                           printf_a(a, "%s/cache", tp->openapi)};
    const char *mismatch = NULL;
    for (int d = 0; d < 4; d++) {
        if (!dirs[d] || !*dirs[d])
            continue;
        char *path = printf_a(a, "%s/k8s-%s.json", dirs[d], version);
        char hex[65] = "";
        if (!path || !file_sha256(path, hex))
            continue;
        if (strcmp(hex, p->sha256[i]) == 0)
            return path;
        mismatch = path;
    }
    if (mismatch)
        snprintf(err, errlen, "%s does not have the sha256 that openapi/versions.txt pins for %s", mismatch, version);
    else
        snprintf(err, errlen,
                 "no copy of the Kubernetes %s spec: run %s/fetch.sh %s (K8S_OPENAPI_CACHE names where it puts "
                 "it), or set K8S_OPENAPI_MIRROR to a folder holding k8s-%s.json",
                 version, tp->openapi, version, version);
    return NULL;
}

static bool mkdirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *q = buf + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return false;
        *q = '/';
    }
    return mkdir(buf, 0777) == 0 || errno == EEXIST;
}

const char *cache_dir(k8s_arena *a, char *err, size_t errlen)
{
    const char *dir = getenv("K8S_TREE_CACHE");
    if (!dir || !*dir) {
        const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
        dir = xdg && *xdg ? printf_a(a, "%s/k8s-c", xdg)
              : home && *home ? printf_a(a, "%s/.cache/k8s-c", home)
                              : "/tmp/k8s-c-cache";
    }
    if (!dir || !mkdirs(dir)) {
        snprintf(err, errlen, "cannot create the cache folder %s: %s", dir ? dir : "", strerror(errno));
        return NULL;
    }
    return dir;
}

int cache_lock(const char *cache, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.lock", cache, name);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

void cache_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the lock */
}

/* Runs k8sgen --spec SPEC --out OUT, its output to /dev/null. */
static bool run_k8sgen(const char *spec, const char *out, char *err, size_t errlen)
{
    const char *k8sgen = tool_paths_get()->k8sgen;
    char *argv[] = {(char *)k8sgen, "--spec", (char *)spec, "--out", (char *)out, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, k8sgen, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        snprintf(err, errlen, "cannot run %s: %s", k8sgen, strerror(rc));
        return false;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(err, errlen, "waiting for %s: %s", k8sgen, strerror(errno));
            return false;
        }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errlen, "%s --spec %s --out %s failed", k8sgen, spec, out);
        return false;
    }
    return true;
}

const char *tree_for(k8s_arena *a, const pinned *p, const char *arg, const char **version, char *err, size_t errlen)
{
    *version = NULL;
    if (is_dir(arg))
        return arg;
    if (pinned_index(p, arg) < 0) {
        snprintf(err, errlen, "%s is neither a folder nor a pinned Kubernetes version (openapi/versions.txt pins %s)",
                 arg, pinned_list(a, p));
        return NULL;
    }
    const char *spec = spec_path(a, p, arg, err, errlen);
    const char *cache = spec ? cache_dir(a, err, errlen) : NULL;
    if (!cache)
        return NULL;
    const char *out = printf_a(a, "%s/k8s-%s", cache, arg);
    const char *name = printf_a(a, "k8s-%s", arg);
    int lock = cache_lock(cache, name);
    /* k8sgen rewrites only files whose bytes change: cheap when it is there */
    bool ok = run_k8sgen(spec, out, err, errlen);
    cache_unlock(lock);
    if (!ok)
        return NULL;
    *version = arg;
    return out;
}
