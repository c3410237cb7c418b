/* Codec benchmark: a PodList of 5,000 pods built from the conformance Pod
 * (every field filled), decoded and encoded by the typed codec, and parsed
 * by cJSON as the baseline, all in one run.
 *
 *   build/bin/bench_codec [path/to/core.v1.Pod.json] [pods]
 *
 * Prints MB/s for each, the decode/cJSON ratio, encode/decode ratio, and
 * the memory the decoded list holds as a multiple of the JSON size. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "k8s/api_types.h"
#include "k8s/buf.h"
#include "k8s/codec.h"
#include "bench_util.h"

/* Best of n runs, in seconds. */
#define BEST_OF(n, best, body)                   \
    do {                                         \
        best = 1e30;                             \
        for (int run_ = 0; run_ < (n); run_++) { \
            double t0_ = bench_now();            \
            body;                                \
            double t_ = bench_now() - t0_;       \
            if (t_ < best)                       \
                best = t_;                       \
        }                                        \
    } while (0)

int main(int argc, char **argv)
{
    char def[4096];
    const char *shared = getenv("K8S_SHARED_DIR");
    snprintf(def, sizeof def, "%s/conformance/k8s-1.35/core.v1.Pod.json", shared ? shared : K8S_DEFAULT_SHARED);
    const char *path = argc > 1 ? argv[1] : def;
    int pods = argc > 2 ? atoi(argv[2]) : 5000;
    size_t pod_len;
    char *pod_json;
    if (k8s_read_file(path, SIZE_MAX, &pod_json, &pod_len)) {
        fprintf(stderr, "bench_codec: cannot read %s (give the path to core.v1.Pod.json)\n", path);
        return 2;
    }
    size_t len;
    k8s_error list_err;
    char *list = bench_pod_list(pod_json, pod_len, pods, &len, &list_err);
    if (!list) {
        fprintf(stderr, "bench_codec: %s: %s\n", path, list_err.message);
        return 1;
    }
    double mb = (double)len / 1e6;
    const int runs = 5;

    double t_cjson;
    BEST_OF(runs, t_cjson, {
        cJSON *doc = cJSON_ParseWithLength(list, len);
        if (!doc) {
            fprintf(stderr, "bench_codec: cJSON failed\n");
            return 1;
        }
        cJSON_Delete(doc);
    });

    double t_decode;
    size_t arena_bytes = 0;
    k8s_core_v1_pod_list *decoded = NULL;
    k8s_arena *keep = NULL;
    BEST_OF(runs, t_decode, {
        k8s_arena *a = k8s_arena_new();
        k8s_error err;
        if (k8s_json_decode(&k8s_core_v1_pod_list_desc, list, len, a, (void **)&decoded, NULL, &err)) {
            fprintf(stderr, "bench_codec: decode: %s: %s\n", err.path, err.message);
            return 1;
        }
        arena_bytes = k8s_arena_size(a);
        k8s_arena_free(keep);
        keep = a;
    });

    double t_encode;
    size_t out_len = 0;
    BEST_OF(runs, t_encode, {
        k8s_buf out = K8S_BUF_INIT;
        k8s_error err;
        if (k8s_json_encode(&k8s_core_v1_pod_list_desc, decoded, &out, &err)) {
            fprintf(stderr, "bench_codec: encode: %s\n", err.message);
            return 1;
        }
        out_len = out.len;
        k8s_buf_free(&out);
    });

    printf("PodList of %d pods from %s: %.1f MB of compact JSON (re-encoded: %.1f MB)\n", pods, path,
           mb, (double)out_len / 1e6);
    printf("  cJSON_Parse (baseline)  %8.1f MB/s\n", mb / t_cjson);
    printf("  typed decode            %8.1f MB/s   %.2fx cJSON_Parse   (target >= 2x)\n", mb / t_decode,
           t_cjson / t_decode);
    printf("  typed encode            %8.1f MB/s   %.2fx typed decode  (target >= 1x)\n", mb / t_encode,
           t_decode / t_encode);
    printf("  decoded list holds      %8.1f MB     %.2fx the JSON size (target <= 1.5x)\n",
           (double)arena_bytes / 1e6, (double)arena_bytes / (double)len);
    k8s_arena_free(keep);
    free(list);
    free(pod_json);
    return 0;
}
