/* Growable byte buffer; see k8s/buf.h. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "k8s/buf.h"

k8s_code k8s_buf_reserve(k8s_buf *b, size_t n)
{
    if (n >= SIZE_MAX - b->len)
        return K8S_ENOMEM;
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return K8S_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return K8S_ENOMEM;
    b->data = p;
    b->cap = cap;
    return K8S_OK;
}

k8s_code k8s_buf_append(k8s_buf *b, const void *data, size_t n)
{
    k8s_code rc = k8s_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return K8S_OK;
}

k8s_code k8s_buf_append_str(k8s_buf *b, const char *s)
{
    return k8s_buf_append(b, s, strlen(s));
}

void k8s_buf_clear(k8s_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void k8s_buf_free(k8s_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int k8s_read_fd(int fd, size_t max, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    struct stat st;
    int e = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    k8s_buf b = K8S_BUF_INIT;
    while (!e) {
        if (k8s_buf_reserve(&b, 65536)) { /* also the NUL of an empty file */
            e = ENOMEM;
            break;
        }
        ssize_t r = read(fd, b.data + b.len, b.cap - b.len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            e = r < 0 ? errno : 0;
            break;
        }
        b.len += (size_t)r;
        if (b.len > max)
            e = EFBIG;
    }
    if (e) {
        k8s_buf_free(&b);
        return e;
    }
    b.data[b.len] = '\0';
    *out = b.data;
    *len = b.len;
    return 0;
}

int k8s_read_file(const char *path, size_t max, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int e = k8s_read_fd(fd, max, out, len);
    close(fd);
    return e;
}
