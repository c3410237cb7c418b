/* A pod shaped like a Deployment's, as a printf format (5 ints: index,
 * instance, uid suffix, two volume suffixes): labels, owner reference, two
 * containers with ports, env, probes, resources and mounts, the projected
 * service-account volume, tolerations. Shared by the benchmarks. */
#ifndef BENCH_REALISTIC_POD_H
#define BENCH_REALISTIC_POD_H

static const char pod_format[] =
    "{\"metadata\":{\"name\":\"web-5d9c8b7f6d-%05d\",\"generateName\":\"web-5d9c8b7f6d-\","
    "\"labels\":{\"app.kubernetes.io/name\":\"web\",\"app.kubernetes.io/instance\":\"web-%d\","
    "\"app.kubernetes.io/version\":\"1.4.2\",\"pod-template-hash\":\"5d9c8b7f6d\",\"tier\":\"frontend\"},"
    "\"annotations\":{\"kubectl.kubernetes.io/restartedAt\":\"2025-06-01T10:00:00Z\","
    "\"prometheus.io/scrape\":\"true\",\"prometheus.io/port\":\"9090\"},"
    "\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"web-5d9c8b7f6d\","
    "\"uid\":\"4f0c2a7e-8b1d-4c3e-9a5f-%012d\",\"controller\":true,\"blockOwnerDeletion\":true}]},"
    "\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"registry.example.com/shop/web:1.4.2\","
    "\"ports\":[{\"name\":\"http\",\"containerPort\":8080,\"protocol\":\"TCP\"},{\"name\":\"metrics\","
    "\"containerPort\":9090,\"protocol\":\"TCP\"}],"
    "\"env\":[{\"name\":\"LOG_LEVEL\",\"value\":\"info\"},{\"name\":\"POD_NAME\",\"valueFrom\":{\"fieldRef\":"
    "{\"apiVersion\":\"v1\",\"fieldPath\":\"metadata.name\"}}},{\"name\":\"POD_IP\",\"valueFrom\":{\"fieldRef\":"
    "{\"apiVersion\":\"v1\",\"fieldPath\":\"status.podIP\"}}}],"
    "\"resources\":{\"limits\":{\"cpu\":\"1\",\"memory\":\"512Mi\"},\"requests\":{\"cpu\":\"250m\","
    "\"memory\":\"256Mi\"}},"
    "\"volumeMounts\":[{\"name\":\"config\",\"mountPath\":\"/etc/web\",\"readOnly\":true},"
    "{\"name\":\"kube-api-access-%05d\",\"readOnly\":true,\"mountPath\":"
    "\"/var/run/secrets/kubernetes.io/serviceaccount\"}],"
    "\"livenessProbe\":{\"httpGet\":{\"path\":\"/healthz\",\"port\":\"http\",\"scheme\":\"HTTP\"},"
    "\"initialDelaySeconds\":10,\"timeoutSeconds\":1,\"periodSeconds\":10,\"successThreshold\":1,"
    "\"failureThreshold\":3},"
    "\"readinessProbe\":{\"httpGet\":{\"path\":\"/ready\",\"port\":\"http\",\"scheme\":\"HTTP\"},"
    "\"timeoutSeconds\":1,\"periodSeconds\":5,\"successThreshold\":1,\"failureThreshold\":3},"
    "\"terminationMessagePath\":\"/dev/termination-log\",\"terminationMessagePolicy\":\"File\","
    "\"imagePullPolicy\":\"IfNotPresent\"},"
    "{\"name\":\"proxy\",\"image\":\"envoyproxy/envoy:v1.30.1\",\"args\":[\"--config-path\","
    "\"/etc/envoy/envoy.yaml\"],\"ports\":[{\"containerPort\":15001,\"protocol\":\"TCP\"}],"
    "\"resources\":{\"requests\":{\"cpu\":\"50m\",\"memory\":\"64Mi\"}},"
    "\"terminationMessagePath\":\"/dev/termination-log\",\"terminationMessagePolicy\":\"File\","
    "\"imagePullPolicy\":\"IfNotPresent\"}],"
    "\"volumes\":[{\"name\":\"config\",\"configMap\":{\"name\":\"web-config\",\"defaultMode\":420}},"
    "{\"name\":\"kube-api-access-%05d\",\"projected\":{\"sources\":[{\"serviceAccountToken\":"
    "{\"expirationSeconds\":3607,\"path\":\"token\"}},{\"configMap\":{\"name\":\"kube-root-ca.crt\","
    "\"items\":[{\"key\":\"ca.crt\",\"path\":\"ca.crt\"}]}},{\"downwardAPI\":{\"items\":[{\"path\":"
    "\"namespace\",\"fieldRef\":{\"apiVersion\":\"v1\",\"fieldPath\":\"metadata.namespace\"}}]}}],"
    "\"defaultMode\":420}}],"
    "\"restartPolicy\":\"Always\",\"terminationGracePeriodSeconds\":30,\"dnsPolicy\":\"ClusterFirst\","
    "\"serviceAccountName\":\"web\",\"serviceAccount\":\"web\",\"securityContext\":{},"
    "\"schedulerName\":\"default-scheduler\",\"tolerations\":[{\"key\":"
    "\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\",\"effect\":\"NoExecute\","
    "\"tolerationSeconds\":300},{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\","
    "\"effect\":\"NoExecute\",\"tolerationSeconds\":300}],\"priority\":0,\"enableServiceLinks\":true,"
    "\"preemptionPolicy\":\"PreemptLowerPriority\"}}";

#endif
