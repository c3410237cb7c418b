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
/* Keeps the memory, drops the content. */
void k8s_buf_clear(k8s_buf *b);
void k8s_buf_free(k8s_buf *b);

#ifdef __cplusplus
}
#endif
#endif
