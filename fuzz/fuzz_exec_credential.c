/* The ExecCredential JSON an exec credential plugin prints
 * (k8s_exec_credential_parse in credentials.c).
 *
 * Input: 1 byte choosing the plugin's apiVersion (client.authentication.
 * k8s.io/v1 or v1beta1), then the plugin's output. Checks: a credential
 * is a bearer token without control characters and/or a certificate with
 * its key; a failure leaves nothing to free and says why. */
#include <string.h>

#include "config_internal.h"
#include "fuzz.h"

static k8s_config *configs[2];

static k8s_config *load(const char *api_version)
{
    char text[512];
    snprintf(text, sizeof text,
             "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
             "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
             "clusters: [{name: k, cluster: {server: 'https://k8s.example:6443'}}]\n"
             "users: [{name: u, user: {exec: {command: plugin, apiVersion: '%s', "
             "interactiveMode: Never}}}]\n",
             api_version);
    k8s_config *c = NULL;
    k8s_error err = {0};
    FUZZ_CHECK(k8s_config_parse(&c, text, strlen(text), "fuzz", NULL, &err) == K8S_OK &&
                   c->exec,
               "the plugin's kubeconfig: %s", err.message);
    return c;
}

static void free_configs(void)
{
    k8s_config_free(configs[0]);
    k8s_config_free(configs[1]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    configs[0] = load("client.authentication.k8s.io/v1");
    configs[1] = load("client.authentication.k8s.io/v1beta1");
    atexit(free_configs);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    const k8s_config *cfg = configs[fuzz_byte(&in) & 1];
    k8s_credential cred = {0};
    k8s_error err = {0};
    k8s_code rc = k8s_exec_credential_parse(cfg, (const char *)in.data, in.size, &cred, &err);
    if (rc == K8S_OK) {
        const char *auth = cred.authorization;
        FUZZ_CHECK(auth || cred.cert.data, "a credential with neither token nor certificate");
        FUZZ_CHECK(!cred.cert.data == !cred.key.data, "a certificate without its key or back");
        FUZZ_CHECK(!auth || (strncmp(auth, "Bearer ", 7) == 0 && auth[7]),
                   "Authorization \"%.20s...\"", auth);
        for (const char *p = auth; p && *p; p++)
            FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f, "a control character in the token");
        FUZZ_CHECK(!cred.cert.data || (cred.cert.len == strlen(cred.cert.data) && cred.cert.len),
                   "certificate length %zu", cred.cert.len);
    } else {
        FUZZ_CHECK(rc == K8S_EAUTH || rc == K8S_ENOMEM, "parse: %s", k8s_strerror(rc));
        FUZZ_CHECK(err.code == rc && err.message[0], "error %s: \"%s\"", k8s_strerror(err.code),
                   err.message);
        FUZZ_CHECK(!cred.authorization && !cred.cert.data && !cred.key.data,
                   "a failed parse left a credential");
    }
    k8s_credential_clear(&cred);
    return 0;
}
