/* Growable byte buffer; see k8s/buf.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
