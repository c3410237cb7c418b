/* What several benchmarks measure with and measure on: clocks, and the
 * PodList made of one Pod copied with distinct names (so every benchmark
 * that uses it decodes the same bytes). */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "k8s/api_types.h"
#include "k8s/buf.h"
#include "k8s/codec.h"

/* Monotonic wall time, in seconds. */
static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this process (every thread, user and system), in seconds. */
static inline double bench_cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* A PodList of `pods` copies of the Pod pod_json, compact, named
 * pod-00000, pod-00001, ...; malloc'ed (free()), its length in *len. NULL
 * when the Pod does not decode or encode, why in err. */
static inline char *bench_pod_list(const char *pod_json, size_t pod_len, int pods, size_t *len, k8s_error *err)
{
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_pod *pod;
    if (k8s_json_decode(&k8s_core_v1_pod_desc, pod_json, pod_len, a, (void **)&pod, NULL, err)) {
        k8s_arena_free(a);
        return NULL;
    }
    k8s_buf b = K8S_BUF_INIT;
    k8s_buf_append_str(&b, "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"12345\"},"
                           "\"items\":[");
    for (int i = 0; i < pods; i++) {
        char name[32];
        snprintf(name, sizeof name, "pod-%05d", i);
        pod->metadata->name = name;
        if (i)
            k8s_buf_append(&b, ",", 1);
        if (k8s_json_encode(&k8s_core_v1_pod_desc, pod, &b, err)) {
            k8s_buf_free(&b);
            k8s_arena_free(a);
            return NULL;
        }
    }
    k8s_arena_free(a);
    if (k8s_buf_append_str(&b, "]}")) {
        k8s_buf_free(&b);
        *err = (k8s_error){.code = K8S_ENOMEM};
        snprintf(err->message, sizeof err->message, "out of memory");
        return NULL;
    }
    *len = b.len;
    return b.data;
}

#endif
