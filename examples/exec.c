/* Runs a command in a pod, streams its output and prints its exit status:
 *
 *   exec [-n NAMESPACE] [-c CONTAINER] [-i] POD COMMAND [ARG...]
 *   examples/run.sh build/bin/exec -c web web echo hello
 *
 * -i sends this program's stdin to the command (then end-of-file). Output
 * arrives on the client's loop thread; main waits for the exit. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <k8s/client.h>
#include <k8s/config.h>
#include <k8s/exec.h>

typedef struct run {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool exited, writable;
    k8s_code code;
    int status;
    char message[300];
} run;

static void on_output(void *data, int channel, const char *bytes, size_t len)
{
    (void)data;
    fwrite(bytes, 1, len, channel == K8S_EXEC_STDERR ? stderr : stdout);
    fflush(channel == K8S_EXEC_STDERR ? stderr : stdout);
}

static void on_writable(void *data)
{
    run *r = data;
    pthread_mutex_lock(&r->mu);
    r->writable = true;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->mu);
}

static void on_exit_(void *data, k8s_code code, int status, const k8s_error *err)
{
    run *r = data;
    pthread_mutex_lock(&r->mu);
    r->exited = true;
    r->code = code;
    r->status = status;
    snprintf(r->message, sizeof r->message, "%s", err->message);
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->mu);
}

/* Copies stdin to the command, waiting whenever its buffer is full. */
static void send_stdin(k8s_exec *exec, run *r)
{
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        k8s_code rc;
        while ((rc = k8s_exec_write(exec, buf, n)) == K8S_EFULL) {
            pthread_mutex_lock(&r->mu);
            while (!r->writable && !r->exited)
                pthread_cond_wait(&r->cond, &r->mu);
            r->writable = false;
            pthread_mutex_unlock(&r->mu);
        }
        if (rc)
            return; /* the command is gone; its exit says why */
    }
    k8s_exec_close_stdin(exec);
}

int main(int argc, char **argv)
{
    const char *namespace_ = NULL, *container = NULL;
    bool interactive = false;
    int opt;
    while ((opt = getopt(argc, argv, "+n:c:i")) != -1) {
        if (opt == 'n')
            namespace_ = optarg;
        else if (opt == 'c')
            container = optarg;
        else if (opt == 'i')
            interactive = true;
        else
            return 2;
    }
    if (argc - optind < 2) {
        fprintf(stderr, "usage: exec [-n NAMESPACE] [-c CONTAINER] [-i] POD COMMAND [ARG...]\n");
        return 2;
    }
    run r = {.code = K8S_OK};
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.cond, NULL);
    k8s_exec_options o = {.container = container,
                          .command = (const char *const *)&argv[optind + 1],
                          .stdin_ = interactive,
                          .stdout_ = true,
                          .stderr_ = true};
    k8s_exec_handlers h = {
        .on_output = on_output, .on_writable = on_writable, .on_end = on_exit_, .data = &r};
    k8s_config *config = NULL;
    k8s_client *client = NULL;
    k8s_exec *exec = NULL;
    k8s_error err = {0};
    k8s_code rc = k8s_config_default(&config, &err);
    if (!rc)
        rc = k8s_client_new(&client, config, NULL, &err);
    if (!rc && (rc = k8s_exec_start(client, namespace_, argv[optind], &o, &h, &exec)))
        snprintf(err.message, sizeof err.message, "%s", k8s_strerror(rc));
    if (rc) {
        fprintf(stderr, "exec: %s\n", err.message);
    } else {
        if (interactive)
            send_stdin(exec, &r);
        pthread_mutex_lock(&r.mu);
        while (!r.exited)
            pthread_cond_wait(&r.cond, &r.mu);
        pthread_mutex_unlock(&r.mu);
        if (r.code)
            fprintf(stderr, "exec: %s\n", r.message);
        else
            printf("exit status %d\n", r.status);
        k8s_exec_free(exec);
    }
    k8s_client_free(client);
    k8s_config_free(config);
    return rc || r.code ? 1 : r.status;
}
