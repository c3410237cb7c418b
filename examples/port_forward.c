/* Forwards a local port to a pod's port, like kubectl port-forward:
 *
 *   port_forward [-n NAMESPACE] [-a ADDRESS] [-t SECONDS] POD [LOCAL:]REMOTE
 *   examples/run.sh build/bin/port_forward -t 5 web 8080:80
 *
 * LOCAL 0 or missing: any free port. Runs until Ctrl-C (or for -t SECONDS);
 * every connection to the local port gets its own WebSocket stream. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <k8s/client.h>
#include <k8s/config.h>
#include <k8s/portforward.h>

int main(int argc, char **argv)
{
    const char *namespace_ = NULL, *address = NULL;
    int seconds = 0, opt;
    while ((opt = getopt(argc, argv, "n:a:t:")) != -1) {
        if (opt == 'n')
            namespace_ = optarg;
        else if (opt == 'a')
            address = optarg;
        else if (opt == 't')
            seconds = atoi(optarg);
        else
            return 2;
    }
    unsigned local = 0, remote = 0;
    if (argc - optind != 2 ||
        (sscanf(argv[optind + 1], "%u:%u", &local, &remote) != 2 &&
         (local = 0, sscanf(argv[optind + 1], "%u", &remote) != 1)) ||
        local > 65535 || !remote || remote > 65535) {
        fprintf(
            stderr,
            "usage: port_forward [-n NAMESPACE] [-a ADDRESS] [-t SECONDS] POD [LOCAL:]REMOTE\n");
        return 2;
    }
    /* blocked here, so the client's threads inherit it and sigtimedwait gets it */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    k8s_config *config = NULL;
    k8s_client *client = NULL;
    k8s_portforward_listener *listener = NULL;
    uint16_t bound = 0;
    k8s_error err = {0};
    if (k8s_config_default(&config, &err) || k8s_client_new(&client, config, NULL, &err) ||
        k8s_portforward_listener_start(client, namespace_, argv[optind], (uint16_t)remote, address,
                               (uint16_t)local, &listener, &bound, &err)) {
        fprintf(stderr, "port_forward: %s\n", err.message);
    } else {
        printf("Forwarding from %s:%u -> %u\n", address ? address : "127.0.0.1", (unsigned)bound,
               remote);
        fflush(stdout);
        struct timespec limit = {seconds, 0};
        sigtimedwait(&stop, NULL, seconds > 0 ? &limit : NULL);
        k8s_portforward_listener_free(listener);
    }
    k8s_client_free(client);
    k8s_config_free(config);
    return err.code ? 1 : 0;
}
