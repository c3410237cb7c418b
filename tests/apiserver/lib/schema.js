'use strict';
// Field order and shape of the common built-in types, written as data.
//
// Go serialises a struct's fields in declaration order and a map's keys sorted;
// clients see that order, so the server re-emits objects in it. The same table
// tells which fields exist (strict field validation and pruning of unknown
// fields, transcripts 51-53), which lists merge by key (strategic merge patch,
// managedFields "k:{...}" entries) and which lists are sets ("v:...").
//
// Each type is a space-separated list of "field:Type". Types:
//   (none)   scalar                     M        map[string]string (sorted)
//   []       atomic list of scalars     [@set]   set of scalars (merge = union)
//   [T]      atomic list of T           [T@k]    list merged by key k (k1+k2 for several)
//   T        struct T (nested)          T!       struct T that Go always serialises (non-pointer)
//   M<T>     map of T                   *        free-form JSON, not checked
//   a trailing ^ marks a field Go writes even when null (no omitempty)
// Types not listed here are passed through untouched (no pruning, client order).

const T = {
  ObjectMeta: 'name generateName namespace selfLink uid resourceVersion generation creationTimestamp deletionTimestamp deletionGracePeriodSeconds labels:M annotations:M ownerReferences:[OwnerReference@uid] finalizers:[@set] managedFields:[ManagedFieldsEntry]',
  OwnerReference: 'apiVersion kind name uid controller blockOwnerDeletion',
  ManagedFieldsEntry: 'manager operation apiVersion time fieldsType fieldsV1:* subresource',
  LabelSelector: 'matchLabels:M matchExpressions:[LabelSelectorRequirement]',
  LabelSelectorRequirement: 'key operator values:[]',

  Pod: 'metadata:ObjectMeta! spec:PodSpec! status:PodStatus!',
  PodSpec: 'volumes:[Volume@name] initContainers:[Container@name] containers:[Container@name] ephemeralContainers:[EphemeralContainer@name] restartPolicy terminationGracePeriodSeconds activeDeadlineSeconds dnsPolicy nodeSelector:M serviceAccountName serviceAccount automountServiceAccountToken nodeName hostNetwork hostPID hostIPC shareProcessNamespace securityContext:* imagePullSecrets:[LocalObjectReference@name] hostname subdomain affinity:* schedulerName tolerations:[Toleration] hostAliases:[HostAlias@ip] priorityClassName priority dnsConfig:* readinessGates:[*] runtimeClassName enableServiceLinks preemptionPolicy overhead:M topologySpreadConstraints:[*] setHostnameAsFQDN os:* hostUsers schedulingGates:[*] resourceClaims:[*] resources:ResourceRequirements hostnameOverride',
  Container: 'name image command:[] args:[] workingDir ports:[ContainerPort@containerPort+protocol] envFrom:[*] env:[EnvVar@name] resources:ResourceRequirements! resizePolicy:[*] restartPolicy restartPolicyRules:[*] volumeMounts:[VolumeMount@mountPath] volumeDevices:[*] livenessProbe:Probe readinessProbe:Probe startupProbe:Probe lifecycle:* terminationMessagePath terminationMessagePolicy imagePullPolicy securityContext:* stdin stdinOnce tty',
  EphemeralContainer: 'name image command:[] args:[] workingDir ports:[ContainerPort@containerPort+protocol] envFrom:[*] env:[EnvVar@name] resources:ResourceRequirements! resizePolicy:[*] restartPolicy restartPolicyRules:[*] volumeMounts:[VolumeMount@mountPath] volumeDevices:[*] livenessProbe:Probe readinessProbe:Probe startupProbe:Probe lifecycle:* terminationMessagePath terminationMessagePolicy imagePullPolicy securityContext:* stdin stdinOnce tty targetContainerName',
  ContainerPort: 'name hostPort containerPort protocol hostIP',
  EnvVar: 'name value valueFrom:*',
  VolumeMount: 'name readOnly recursiveReadOnly mountPath subPath mountPropagation subPathExpr',
  ResourceRequirements: 'limits:M requests:M claims:[*]',
  Probe: 'exec:* httpGet:* tcpSocket:* grpc:* initialDelaySeconds timeoutSeconds periodSeconds successThreshold failureThreshold terminationGracePeriodSeconds',
  Volume: 'name hostPath:* emptyDir:* gcePersistentDisk:* awsElasticBlockStore:* gitRepo:* secret:* nfs:* iscsi:* glusterfs:* persistentVolumeClaim:* rbd:* flexVolume:* cinder:* cephfs:* flocker:* downwardAPI:* fc:* azureFile:* configMap:* vsphereVolume:* quobyte:* azureDisk:* photonPersistentDisk:* projected:* portworxVolume:* scaleIO:* storageos:* csi:* ephemeral:* image:*',
  LocalObjectReference: 'name',
  Toleration: 'key operator value effect tolerationSeconds',
  HostAlias: 'ip hostnames:[]',
  PodStatus: 'observedGeneration phase conditions:[PodCondition@type] message reason nominatedNodeName hostIP hostIPs:[*] podIP podIPs:[*] startTime initContainerStatuses:[*] containerStatuses:[*] qosClass ephemeralContainerStatuses:[*] resize resourceClaimStatuses:[*] extendedResourceClaimStatus:* allocatedResources:M resources:*',
  PodCondition: 'type observedGeneration status lastProbeTime lastTransitionTime reason message',
  PodTemplateSpec: 'metadata:ObjectMeta! spec:PodSpec!',
  PodTemplate: 'metadata:ObjectMeta! template:PodTemplateSpec!',

  ConfigMap: 'metadata:ObjectMeta! immutable data:M binaryData:M',
  Secret: 'metadata:ObjectMeta! immutable data:M stringData:M type',
  Namespace: 'metadata:ObjectMeta! spec:NamespaceSpec! status:NamespaceStatus!',
  NamespaceSpec: 'finalizers:[]',
  NamespaceStatus: 'phase conditions:[*]',
  Service: 'metadata:ObjectMeta! spec:ServiceSpec! status:ServiceStatus!',
  ServiceSpec: 'ports:[ServicePort@port+protocol] selector:M clusterIP clusterIPs:[] type externalIPs:[] sessionAffinity loadBalancerIP loadBalancerSourceRanges:[] externalName externalTrafficPolicy healthCheckNodePort publishNotReadyAddresses sessionAffinityConfig:* ipFamilies:[] ipFamilyPolicy allocateLoadBalancerNodePorts loadBalancerClass internalTrafficPolicy trafficDistribution',
  ServicePort: 'name protocol appProtocol port targetPort nodePort',
  ServiceStatus: 'loadBalancer:* conditions:[*]',
  ServiceAccount: 'metadata:ObjectMeta! secrets:[*] imagePullSecrets:[LocalObjectReference] automountServiceAccountToken',
  Endpoints: 'metadata:ObjectMeta! subsets:[*]',
  Event: 'metadata:ObjectMeta! involvedObject:* reason message source:* firstTimestamp lastTimestamp count type eventTime series:* action related:* reportingComponent reportingInstance',
  Node: 'metadata:ObjectMeta! spec:NodeSpec! status:NodeStatus!',
  NodeSpec: 'podCIDR podCIDRs:[@set] providerID unschedulable taints:[*] configSource:* externalID',
  NodeStatus: 'capacity:M allocatable:M phase conditions:[*] addresses:[*] daemonEndpoints:* nodeInfo:* images:[*] volumesInUse:[] volumesAttached:[*] config:* runtimeHandlers:[*] features:* declaredFeatures:[]',
  PersistentVolumeClaim: 'metadata:ObjectMeta! spec:PersistentVolumeClaimSpec! status:PersistentVolumeClaimStatus!',
  PersistentVolumeClaimSpec: 'accessModes:[] selector:LabelSelector resources:* volumeName storageClassName volumeMode dataSource:* dataSourceRef:* volumeAttributesClassName',
  PersistentVolumeClaimStatus: 'phase accessModes:[] capacity:M conditions:[*] allocatedResources:M allocatedResourceStatuses:M currentVolumeAttributesClassName modifyVolumeStatus:*',
  PersistentVolume: 'metadata:ObjectMeta! spec:PersistentVolumeSpec! status:PersistentVolumeStatus!',
  PersistentVolumeSpec: 'capacity:M gcePersistentDisk:* awsElasticBlockStore:* hostPath:* glusterfs:* nfs:* rbd:* iscsi:* cinder:* cephfs:* fc:* flocker:* flexVolume:* azureFile:* vsphereVolume:* quobyte:* azureDisk:* photonPersistentDisk:* portworxVolume:* scaleIO:* local:* storageos:* csi:* accessModes:[] claimRef:* persistentVolumeReclaimPolicy storageClassName mountOptions:[] volumeMode nodeAffinity:* volumeAttributesClassName',
  PersistentVolumeStatus: 'phase message reason lastPhaseTransitionTime',

  Deployment: 'metadata:ObjectMeta! spec:DeploymentSpec! status:DeploymentStatus!',
  DeploymentSpec: 'replicas selector:LabelSelector template:PodTemplateSpec! strategy:DeploymentStrategy! minReadySeconds revisionHistoryLimit paused progressDeadlineSeconds',
  DeploymentStrategy: 'type rollingUpdate:RollingUpdateDeployment',
  RollingUpdateDeployment: 'maxUnavailable maxSurge',
  DeploymentStatus: 'observedGeneration replicas updatedReplicas readyReplicas availableReplicas unavailableReplicas terminatingReplicas conditions:[Condition@type] collisionCount',
  Condition: 'type status observedGeneration lastUpdateTime lastProbeTime lastTransitionTime reason message',
  ReplicaSet: 'metadata:ObjectMeta! spec:ReplicaSetSpec! status:ReplicaSetStatus!',
  ReplicaSetSpec: 'replicas minReadySeconds selector:LabelSelector template:PodTemplateSpec!',
  ReplicaSetStatus: 'replicas fullyLabeledReplicas readyReplicas availableReplicas terminatingReplicas observedGeneration conditions:[Condition@type]',
  StatefulSet: 'metadata:ObjectMeta! spec:StatefulSetSpec! status:StatefulSetStatus!',
  StatefulSetSpec: 'replicas selector:LabelSelector template:PodTemplateSpec! volumeClaimTemplates:[*] serviceName podManagementPolicy updateStrategy:StatefulSetUpdateStrategy! revisionHistoryLimit minReadySeconds persistentVolumeClaimRetentionPolicy:* ordinals:*',
  StatefulSetUpdateStrategy: 'type rollingUpdate:*',
  StatefulSetStatus: 'observedGeneration replicas readyReplicas currentReplicas updatedReplicas currentRevision updateRevision collisionCount conditions:[Condition@type] availableReplicas',
  DaemonSet: 'metadata:ObjectMeta! spec:DaemonSetSpec! status:DaemonSetStatus!',
  DaemonSetSpec: 'selector:LabelSelector template:PodTemplateSpec! updateStrategy:DaemonSetUpdateStrategy! minReadySeconds revisionHistoryLimit',
  DaemonSetUpdateStrategy: 'type rollingUpdate:*',
  DaemonSetStatus: 'currentNumberScheduled numberMisscheduled desiredNumberScheduled numberReady observedGeneration updatedNumberScheduled numberAvailable numberUnavailable collisionCount conditions:[Condition@type]',
  ReplicationController: 'metadata:ObjectMeta! spec:ReplicationControllerSpec! status:ReplicaSetStatus!',
  ReplicationControllerSpec: 'replicas minReadySeconds selector:M template:PodTemplateSpec',
  Job: 'metadata:ObjectMeta! spec:JobSpec! status:JobStatus!',
  JobSpec: 'parallelism completions activeDeadlineSeconds podFailurePolicy:* successPolicy:* backoffLimit backoffLimitPerIndex maxFailedIndexes selector:LabelSelector manualSelector template:PodTemplateSpec! ttlSecondsAfterFinished completionMode suspend podReplacementPolicy managedBy',
  JobStatus: 'conditions:[Condition] startTime completionTime active succeeded failed terminating completedIndexes failedIndexes uncountedTerminatedPods:* ready',
  CronJob: 'metadata:ObjectMeta! spec:CronJobSpec! status:CronJobStatus!',
  CronJobSpec: 'schedule timeZone startingDeadlineSeconds concurrencyPolicy suspend jobTemplate:JobTemplateSpec! successfulJobsHistoryLimit failedJobsHistoryLimit',
  JobTemplateSpec: 'metadata:ObjectMeta! spec:JobSpec!',
  CronJobStatus: 'active:[*] lastScheduleTime lastSuccessfulTime',
  'events.k8s.io/Event': 'metadata:ObjectMeta! eventTime:^ series:EventSeries reportingController reportingInstance action reason regarding:ObjectReference! related:ObjectReference note type deprecatedSource:* deprecatedFirstTimestamp deprecatedLastTimestamp deprecatedCount',
  EventSeries: 'count lastObservedTime',
  ObjectReference: 'kind namespace name uid apiVersion resourceVersion fieldPath',
  Lease: 'metadata:ObjectMeta! spec:LeaseSpec!',
  LeaseSpec: 'holderIdentity leaseDurationSeconds acquireTime renewTime leaseTransitions strategy preferredHolder',
  Role: 'metadata:ObjectMeta! rules:[PolicyRule]',
  ClusterRole: 'metadata:ObjectMeta! rules:[PolicyRule] aggregationRule:*',
  PolicyRule: 'verbs:[] apiGroups:[] resources:[] resourceNames:[] nonResourceURLs:[]',
  RoleBinding: 'metadata:ObjectMeta! subjects:[Subject] roleRef:RoleRef!',
  ClusterRoleBinding: 'metadata:ObjectMeta! subjects:[Subject] roleRef:RoleRef!',
  Subject: 'kind apiGroup name namespace',
  RoleRef: 'apiGroup kind name',
  PodDisruptionBudget: 'metadata:ObjectMeta! spec:PodDisruptionBudgetSpec! status:PodDisruptionBudgetStatus!',
  PodDisruptionBudgetSpec: 'minAvailable selector:LabelSelector maxUnavailable unhealthyPodEvictionPolicy',
  PodDisruptionBudgetStatus: 'observedGeneration disruptedPods:M disruptionsAllowed currentHealthy desiredHealthy expectedPods conditions:[Condition@type]',
  CertificateSigningRequest: 'metadata:ObjectMeta! spec:CertificateSigningRequestSpec! status:CertificateSigningRequestStatus!',
  CertificateSigningRequestSpec: 'request signerName expirationSeconds usages:[] username uid groups:[] extra:*',
  CertificateSigningRequestStatus: 'conditions:[CSRCondition@type] certificate',
  CSRCondition: 'type status reason message lastUpdateTime lastTransitionTime',
  Ingress: 'metadata:ObjectMeta! spec:IngressSpec! status:IngressStatus!',
  IngressSpec: 'ingressClassName defaultBackend:* tls:[*] rules:[*]',
  IngressStatus: 'loadBalancer:*',
  CustomResourceDefinition: 'metadata:ObjectMeta! spec:CRDSpec! status:CRDStatus!',
  CRDSpec: 'group names:CRDNames! scope versions:[CRDVersion] conversion:CRDConversion preserveUnknownFields',
  CRDConversion: 'strategy webhook:*',
  CRDNames: 'plural singular shortNames:[] kind listKind categories:[]',
  CRDVersion: 'name served storage deprecated deprecationWarning schema:CRDValidation subresources:* additionalPrinterColumns:[*] selectableFields:[*]',
  CRDValidation: 'openAPIV3Schema:JSONSchemaProps',
  JSONSchemaProps: 'id $schema $ref description type format title default:* maximum exclusiveMaximum minimum exclusiveMinimum maxLength minLength pattern maxItems minItems uniqueItems multipleOf enum:[] maxProperties minProperties required:[] items:* allOf:[JSONSchemaProps] oneOf:[JSONSchemaProps] anyOf:[JSONSchemaProps] not:JSONSchemaProps properties:M<JSONSchemaProps> additionalProperties:* patternProperties:M<JSONSchemaProps> dependencies:* additionalItems:* definitions:M<JSONSchemaProps> externalDocs:* example:* nullable x-kubernetes-preserve-unknown-fields x-kubernetes-embedded-resource x-kubernetes-int-or-string x-kubernetes-list-map-keys:[] x-kubernetes-list-type x-kubernetes-map-type x-kubernetes-validations:[*]',
  CRDStatus: 'conditions:[CRDCondition@type]^ acceptedNames:CRDNames! storedVersions:[]',
  CRDCondition: 'type status lastTransitionTime reason message',
  Scale: 'metadata:ObjectMeta! spec:ScaleSpec! status:ScaleStatus!',
  ScaleSpec: 'replicas',
  ScaleStatus: 'replicas selector',
  Eviction: 'metadata:ObjectMeta! deleteOptions:*',
  TokenRequest: 'metadata:ObjectMeta! spec:TokenRequestSpec! status:TokenRequestStatus!',
  TokenRequestSpec: 'audiences:[] expirationSeconds boundObjectRef:*',
  TokenRequestStatus: 'token expirationTimestamp',
  Binding: 'metadata:ObjectMeta! target:*',
};

// Parsed form: types[name] = { fields: Map(name -> {type}) , order: [names] }
// type: {k:'scalar'} | {k:'map', of?} | {k:'list', of?, keys?, set?} | {k:'struct', name, always} | {k:'any'}
function parseType(s) {
  if (s === undefined || s === '') return { k: 'scalar' };
  if (s.endsWith('^')) return Object.assign(parseType(s.slice(0, -1)), { keepNull: true });
  if (s === '*') return { k: 'any' };
  if (s === 'M') return { k: 'map' };
  if (s.startsWith('M<')) return { k: 'map', of: parseType(s.slice(2, -1)) };
  if (s.startsWith('[')) {
    const inner = s.slice(1, -1);
    const [el, key] = inner.split('@');
    if (key === 'set') return { k: 'list', set: true };
    return { k: 'list', of: el ? parseType(el) : null, keys: key ? key.split('+') : null };
  }
  const always = s.endsWith('!');
  return { k: 'struct', name: always ? s.slice(0, -1) : s, always };
}

// Structs that structured-merge-diff treats as one value (x-kubernetes-map-type: atomic):
// owned as a whole in managedFields ("f:selector": {}).
const ATOMIC = new Set(['LabelSelector', 'LocalObjectReference', 'RoleRef']);

const TYPES = {};
for (const [name, spec] of Object.entries(T)) {
  const fields = new Map();
  for (const f of spec.split(/\s+/)) {
    const idx = f.indexOf(':');
    const fname = idx < 0 ? f : f.slice(0, idx);
    fields.set(fname, parseType(idx < 0 ? '' : f.slice(idx + 1)));
  }
  TYPES[name] = { name, fields, atomic: ATOMIC.has(name) };
}

function typeFor(kind) {
  return TYPES[kind] ? { k: 'struct', name: kind, always: true } : null;
}

// Re-emit `value` in Go's order for `type`, dropping unknown fields of known
// structs (their dotted paths go to `unknown`) and nulls (Go leaves nil
// pointers/maps/slices out with omitempty).
function goTypeName(t) {
  if (!t || t.k === 'scalar') return 'string';
  if (t.k === 'any') return 'interface {}';
  if (t.k === 'map') return `map[string]${t.of ? goTypeName(t.of) : 'string'}`;
  if (t.k === 'list') return `[]${t.of ? goTypeName(t.of) : 'string'}`;
  return `v1.${t.name}`;
}
function jsonKind(v) {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

// Shape errors Go's decoder would report ("cannot unmarshal number into ...").
function shapeError(value, type, path, unknown, parent) {
  if (!unknown || !unknown.typeErrors) return;
  unknown.typeErrors.push(`json: cannot unmarshal ${jsonKind(value)} into Go struct field ${parent || 'Object'}.${path} of type ${goTypeName(type)}`);
}

function normalize(value, type, path, unknown, parent) {
  if (!type || type.k === 'any' || value === null) return value;
  if (typeof value !== 'object') {
    if (type.k === 'struct' || type.k === 'list' || type.k === 'map') shapeError(value, type, path, unknown, parent);
    return value;
  }
  if ((type.k === 'list') !== Array.isArray(value) && type.k !== 'scalar') {
    shapeError(value, type, path, unknown, parent);
    return value;
  }
  if (type.k === 'map') {
    if (Array.isArray(value)) return value;
    const o = {};
    for (const k of Object.keys(value).sort()) {
      if (value[k] === null && !type.of) { o[k] = value[k]; continue; }
      o[k] = type.of ? normalize(value[k], type.of, `${path}.${k}`, unknown, parent) : value[k];
    }
    return o;
  }
  if (type.k === 'list') {
    if (!Array.isArray(value)) return value;
    if (!type.of) return value;
    return value.map((v, i) => normalize(v, type.of, `${path}[${i}]`, unknown, parent));
  }
  if (type.k === 'struct') {
    const t = TYPES[type.name];
    if (!t || Array.isArray(value)) return value;
    const o = {};
    for (const [f, ft] of t.fields) {
      if (Object.prototype.hasOwnProperty.call(value, f)) {
        if (value[f] === null) { if (ft.keepNull) o[f] = null; continue; }
        // omitempty: Go leaves out empty slices and maps (not empty structs)
        if ((ft.k === 'list' && Array.isArray(value[f]) && !value[f].length) || (ft.k === 'map' && isEmptyObject(value[f]))) {
          if (!ft.keepNull) continue;
        }
        o[f] = normalize(value[f], ft, path ? `${path}.${f}` : f, unknown, type.name);
      }
    }
    for (const k of Object.keys(value)) {
      if (!t.fields.has(k)) {
        if (unknown) unknown.push(path ? `${path}.${k}` : k);
      }
    }
    return o;
  }
  return value;
}

function isEmptyObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0;
}

// Top-level object: kind, apiVersion, then the type's fields.
function normalizeObject(obj, kind, unknown) {
  const type = typeFor(kind);
  const out = {};
  if (obj.kind !== undefined) out.kind = obj.kind;
  if (obj.apiVersion !== undefined) out.apiVersion = obj.apiVersion;
  if (!type) {
    for (const k of Object.keys(obj)) if (k !== 'kind' && k !== 'apiVersion') out[k] = obj[k];
    if (out.metadata) out.metadata = normalize(out.metadata, { k: 'struct', name: 'ObjectMeta' }, 'metadata', unknown);
    return out;
  }
  const rest = {};
  for (const k of Object.keys(obj)) if (k !== 'kind' && k !== 'apiVersion') rest[k] = obj[k];
  Object.assign(out, normalize(rest, type, '', unknown));
  return out;
}

// Child type lookup for walkers (patch, managedFields).
function fieldType(type, key) {
  if (!type) return null;
  if (type.k === 'struct') {
    const t = TYPES[type.name];
    return t ? t.fields.get(key) || null : null;
  }
  if (type.k === 'map') return type.of || { k: 'scalar' };
  return null;
}

module.exports = { ATOMIC, TYPES, typeFor, normalize, normalizeObject, fieldType, parseType };
