/* A growable byte buffer: where encoders write. Always NUL-terminated after
 * the first successful append, so data can be used as a C string. */
#ifndef K8S_BUF_H
#define K8S_BUF_H

#include <stddef.h>

#include "k8s/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8s_buf {
    char *data; /* NULL until something is written */
    size_t len;
    size_t cap;
} k8s_buf;

#define K8S_BUF_INIT {NULL, 0, 0}

/* Makes room for n more bytes (plus the terminating NUL). */
k8s_code k8s_buf_reserve(k8s_buf *b, size_t n);
k8s_code k8s_buf_append(k8s_buf *b, const void *data, size_t n);
k8s_code k8s_buf_append_str(k8s_buf *b, const char *s);
/* Reads the whole of the file at path into a NUL-terminated malloc'd copy
 * (*out, free() it; *len bytes before the NUL) and returns 0, or an errno
 * value: the open's or read's, EISDIR for a directory, EFBIG when it holds
 * more than max bytes (a mistaken /dev/zero stops there), ENOMEM; then
 * *out is NULL. The one file reader of the project's libraries and tools. */
int k8s_read_file(const char *path, size_t max, char **out, size_t *len);
/* The same from an open descriptor (standard input: 0), left open. */
int k8s_read_fd(int fd, size_t max, char **out, size_t *len);
/* Keeps the memory, drops the content. */
void k8s_buf_clear(k8s_buf *b);
void k8s_buf_free(k8s_buf *b);

#ifdef __cplusplus
}
#endif
#endif
