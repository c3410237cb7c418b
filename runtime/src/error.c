/* k8s_strerror and error formatting; see k8s/error.h. */
#include <stdio.h>

#include "k8s/error.h"

static const char *const texts[] = {
#define K8S_CODE_TEXT_(name, text) text,
    K8S_CODES(K8S_CODE_TEXT_)
#undef K8S_CODE_TEXT_
};

const char *k8s_strerror(k8s_code code)
{
    if ((unsigned)code >= sizeof texts / sizeof texts[0])
        return "unknown error code";
    return texts[code];
}

const char *k8s_error_format(const k8s_error *err, char *buf, size_t n)
{
    if (!n)
        return buf;
    const char *msg = err->message[0] ? err->message : k8s_strerror(err->code);
    int w = 0;
    if (err->line)
        w = snprintf(buf, n, "line %u, column %u: ", err->line, err->column);
    if (w < 0 || (size_t)w >= n)
        return buf;
    if (err->path[0])
        snprintf(buf + w, n - (size_t)w, "%s: %s", err->path, msg);
    else
        snprintf(buf + w, n - (size_t)w, "%s", msg);
    return buf;
}
