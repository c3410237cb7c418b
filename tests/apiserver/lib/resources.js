'use strict';
// The built-in resource table: one row per resource, data only.
// Discovery facts (names, verbs, shortNames, categories, subresources) are those
// a kube-apiserver v1.36 serves (transcripts 04, 05, 73, 74); order matters, it
// is the order discovery documents list them in.
// Row: [groupVersion, plural, singular, Kind, opts]
//   opts.cluster   cluster-scoped
//   opts.verbs     verbs when not the usual eight
//   opts.short / opts.cat   shortNames / categories
//   opts.schema    the lib/schema.js type of its objects when not the Kind (kinds in two groups)
//   opts.sub       subresources: 'name[=group/version/Kind|=Kind][:verb,verb]'
//                  (verbs default to get,patch,update; Kind defaults to the parent's)
// Behaviour of the generic REST handlers is in BEHAVIOUR below, keyed by plural
// (core and events.k8s.io events share their row of behaviour).
const crypto = require('crypto');

const STD_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const ROWS = [
  ['v1', 'bindings', 'binding', 'Binding', { verbs: ['create'] }],
  ['v1', 'componentstatuses', 'componentstatus', 'ComponentStatus', { cluster: true, verbs: ['get', 'list'], short: ['cs'] }],
  ['v1', 'configmaps', 'configmap', 'ConfigMap', { short: ['cm'] }],
  ['v1', 'endpoints', 'endpoints', 'Endpoints', { short: ['ep'] }],
  ['v1', 'events', 'event', 'Event', { short: ['ev'] }],
  ['v1', 'limitranges', 'limitrange', 'LimitRange', { short: ['limits'] }],
  ['v1', 'namespaces', 'namespace', 'Namespace', { cluster: true, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], short: ['ns'], sub: ['finalize:update', 'status'] }],
  ['v1', 'nodes', 'node', 'Node', { cluster: true, short: ['no'], sub: ['proxy=NodeProxyOptions:create,delete,get,patch,update', 'status'] }],
  ['v1', 'persistentvolumeclaims', 'persistentvolumeclaim', 'PersistentVolumeClaim', { short: ['pvc'], sub: ['status'] }],
  ['v1', 'persistentvolumes', 'persistentvolume', 'PersistentVolume', { cluster: true, short: ['pv'], sub: ['status'] }],
  ['v1', 'pods', 'pod', 'Pod', { short: ['po'], cat: ['all'], sub: ['attach=PodAttachOptions:create,get', 'binding=Binding:create', 'ephemeralcontainers', 'eviction=policy/v1/Eviction:create', 'exec=PodExecOptions:create,get', 'log:get', 'portforward=PodPortForwardOptions:create,get', 'proxy=PodProxyOptions:create,delete,get,patch,update', 'resize', 'status'] }],
  ['v1', 'podtemplates', 'podtemplate', 'PodTemplate', {  }],
  ['v1', 'replicationcontrollers', 'replicationcontroller', 'ReplicationController', { short: ['rc'], cat: ['all'], sub: ['scale=autoscaling/v1/Scale', 'status'] }],
  ['v1', 'resourcequotas', 'resourcequota', 'ResourceQuota', { short: ['quota'], sub: ['status'] }],
  ['v1', 'secrets', 'secret', 'Secret', {  }],
  ['v1', 'serviceaccounts', 'serviceaccount', 'ServiceAccount', { short: ['sa'], sub: ['token=authentication.k8s.io/v1/TokenRequest:create'] }],
  ['v1', 'services', 'service', 'Service', { short: ['svc'], cat: ['all'], sub: ['proxy=ServiceProxyOptions:create,delete,get,patch,update', 'status'] }],
  ['apiregistration.k8s.io/v1', 'apiservices', 'apiservice', 'APIService', { cluster: true, cat: ['api-extensions'], sub: ['status'] }],
  ['apps/v1', 'controllerrevisions', 'controllerrevision', 'ControllerRevision', {  }],
  ['apps/v1', 'daemonsets', 'daemonset', 'DaemonSet', { short: ['ds'], cat: ['all'], sub: ['status'] }],
  ['apps/v1', 'deployments', 'deployment', 'Deployment', { short: ['deploy'], cat: ['all'], sub: ['scale=autoscaling/v1/Scale', 'status'] }],
  ['apps/v1', 'replicasets', 'replicaset', 'ReplicaSet', { short: ['rs'], cat: ['all'], sub: ['scale=autoscaling/v1/Scale', 'status'] }],
  ['apps/v1', 'statefulsets', 'statefulset', 'StatefulSet', { short: ['sts'], cat: ['all'], sub: ['scale=autoscaling/v1/Scale', 'status'] }],
  ['events.k8s.io/v1', 'events', 'event', 'Event', { short: ['ev'], schema: 'events.k8s.io/Event' }],
  ['authentication.k8s.io/v1', 'selfsubjectreviews', 'selfsubjectreview', 'SelfSubjectReview', { cluster: true, verbs: ['create'] }],
  ['authentication.k8s.io/v1', 'tokenreviews', 'tokenreview', 'TokenReview', { cluster: true, verbs: ['create'] }],
  ['authorization.k8s.io/v1', 'localsubjectaccessreviews', 'localsubjectaccessreview', 'LocalSubjectAccessReview', { verbs: ['create'] }],
  ['authorization.k8s.io/v1', 'selfsubjectaccessreviews', 'selfsubjectaccessreview', 'SelfSubjectAccessReview', { cluster: true, verbs: ['create'] }],
  ['authorization.k8s.io/v1', 'selfsubjectrulesreviews', 'selfsubjectrulesreview', 'SelfSubjectRulesReview', { cluster: true, verbs: ['create'] }],
  ['authorization.k8s.io/v1', 'subjectaccessreviews', 'subjectaccessreview', 'SubjectAccessReview', { cluster: true, verbs: ['create'] }],
  ['autoscaling/v2', 'horizontalpodautoscalers', 'horizontalpodautoscaler', 'HorizontalPodAutoscaler', { short: ['hpa'], cat: ['all'], sub: ['status'] }],
  ['autoscaling/v1', 'horizontalpodautoscalers', 'horizontalpodautoscaler', 'HorizontalPodAutoscaler', { short: ['hpa'], cat: ['all'], sub: ['status'] }],
  ['batch/v1', 'cronjobs', 'cronjob', 'CronJob', { short: ['cj'], cat: ['all'], sub: ['status'] }],
  ['batch/v1', 'jobs', 'job', 'Job', { cat: ['all'], sub: ['status'] }],
  ['certificates.k8s.io/v1', 'certificatesigningrequests', 'certificatesigningrequest', 'CertificateSigningRequest', { cluster: true, short: ['csr'], sub: ['approval', 'status'] }],
  ['networking.k8s.io/v1', 'ingressclasses', 'ingressclass', 'IngressClass', { cluster: true }],
  ['networking.k8s.io/v1', 'ingresses', 'ingress', 'Ingress', { short: ['ing'], sub: ['status'] }],
  ['networking.k8s.io/v1', 'ipaddresses', 'ipaddress', 'IPAddress', { cluster: true, short: ['ip'] }],
  ['networking.k8s.io/v1', 'networkpolicies', 'networkpolicy', 'NetworkPolicy', { short: ['netpol'] }],
  ['networking.k8s.io/v1', 'servicecidrs', 'servicecidr', 'ServiceCIDR', { cluster: true, sub: ['status'] }],
  ['policy/v1', 'poddisruptionbudgets', 'poddisruptionbudget', 'PodDisruptionBudget', { short: ['pdb'], sub: ['status'] }],
  ['rbac.authorization.k8s.io/v1', 'clusterrolebindings', 'clusterrolebinding', 'ClusterRoleBinding', { cluster: true }],
  ['rbac.authorization.k8s.io/v1', 'clusterroles', 'clusterrole', 'ClusterRole', { cluster: true }],
  ['rbac.authorization.k8s.io/v1', 'rolebindings', 'rolebinding', 'RoleBinding', {  }],
  ['rbac.authorization.k8s.io/v1', 'roles', 'role', 'Role', {  }],
  ['storage.k8s.io/v1', 'csidrivers', 'csidriver', 'CSIDriver', { cluster: true }],
  ['storage.k8s.io/v1', 'csinodes', 'csinode', 'CSINode', { cluster: true }],
  ['storage.k8s.io/v1', 'csistoragecapacities', 'csistoragecapacity', 'CSIStorageCapacity', {  }],
  ['storage.k8s.io/v1', 'storageclasses', 'storageclass', 'StorageClass', { cluster: true, short: ['sc'] }],
  ['storage.k8s.io/v1', 'volumeattachments', 'volumeattachment', 'VolumeAttachment', { cluster: true, sub: ['status'] }],
  ['storage.k8s.io/v1', 'volumeattributesclasses', 'volumeattributesclass', 'VolumeAttributesClass', { cluster: true, short: ['vac'] }],
  ['admissionregistration.k8s.io/v1', 'mutatingadmissionpolicies', 'mutatingadmissionpolicy', 'MutatingAdmissionPolicy', { cluster: true, cat: ['api-extensions'] }],
  ['admissionregistration.k8s.io/v1', 'mutatingadmissionpolicybindings', 'mutatingadmissionpolicybinding', 'MutatingAdmissionPolicyBinding', { cluster: true, cat: ['api-extensions'] }],
  ['admissionregistration.k8s.io/v1', 'mutatingwebhookconfigurations', 'mutatingwebhookconfiguration', 'MutatingWebhookConfiguration', { cluster: true, cat: ['api-extensions'] }],
  ['admissionregistration.k8s.io/v1', 'validatingadmissionpolicies', 'validatingadmissionpolicy', 'ValidatingAdmissionPolicy', { cluster: true, cat: ['api-extensions'], sub: ['status'] }],
  ['admissionregistration.k8s.io/v1', 'validatingadmissionpolicybindings', 'validatingadmissionpolicybinding', 'ValidatingAdmissionPolicyBinding', { cluster: true, cat: ['api-extensions'] }],
  ['admissionregistration.k8s.io/v1', 'validatingwebhookconfigurations', 'validatingwebhookconfiguration', 'ValidatingWebhookConfiguration', { cluster: true, cat: ['api-extensions'] }],
  ['apiextensions.k8s.io/v1', 'customresourcedefinitions', 'customresourcedefinition', 'CustomResourceDefinition', { cluster: true, short: ['crd', 'crds'], cat: ['api-extensions'], sub: ['status'] }],
  ['scheduling.k8s.io/v1', 'priorityclasses', 'priorityclass', 'PriorityClass', { cluster: true, short: ['pc'] }],
  ['coordination.k8s.io/v1', 'leases', 'lease', 'Lease', {  }],
  ['node.k8s.io/v1', 'runtimeclasses', 'runtimeclass', 'RuntimeClass', { cluster: true }],
  ['discovery.k8s.io/v1', 'endpointslices', 'endpointslice', 'EndpointSlice', {  }],
  ['resource.k8s.io/v1', 'deviceclasses', 'deviceclass', 'DeviceClass', { cluster: true }],
  ['resource.k8s.io/v1', 'resourceclaims', 'resourceclaim', 'ResourceClaim', { sub: ['status'] }],
  ['resource.k8s.io/v1', 'resourceclaimtemplates', 'resourceclaimtemplate', 'ResourceClaimTemplate', {  }],
  ['resource.k8s.io/v1', 'resourceslices', 'resourceslice', 'ResourceSlice', { cluster: true }],
  ['flowcontrol.apiserver.k8s.io/v1', 'flowschemas', 'flowschema', 'FlowSchema', { cluster: true, sub: ['status'] }],
  ['flowcontrol.apiserver.k8s.io/v1', 'prioritylevelconfigurations', 'prioritylevelconfiguration', 'PriorityLevelConfiguration', { cluster: true, sub: ['status'] }],
];

// Per-resource behaviour (what strategy code does in the real registry):
//   generation     metadata.generation is kept and bumped on spec changes
//   returnDeleted  DELETE answers with the object instead of a Status
//   scale          {spec, status, selector} paths for the scale subresource
//   nameRule       'label' = DNS-1123 label names (default: subdomain)
//   fieldSelectors extra fields selectable besides metadata.name/namespace
const BEHAVIOUR = {
  pods: { generation: true, returnDeleted: true, fieldSelectors: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'] },
  services: { returnDeleted: true, nameRule: 'label', fieldSelectors: ['spec.clusterIP', 'spec.type'] },
  namespaces: { nameRule: 'label', fieldSelectors: ['status.phase'] },
  secrets: { fieldSelectors: ['type'] },
  events: { fieldSelectors: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'] },
  nodes: { fieldSelectors: ['spec.unschedulable'] },
  replicationcontrollers: { generation: true, scale: { spec: 'spec.replicas', status: 'status.replicas', selector: 'spec.selector', selectorIsMap: true }, fieldSelectors: ['status.replicas'] },
  deployments: { generation: true, scale: { spec: 'spec.replicas', status: 'status.replicas', selector: 'spec.selector' } },
  replicasets: { generation: true, scale: { spec: 'spec.replicas', status: 'status.replicas', selector: 'spec.selector' }, fieldSelectors: ['status.replicas'] },
  statefulsets: { generation: true, scale: { spec: 'spec.replicas', status: 'status.replicas', selector: 'spec.selector' } },
  daemonsets: { generation: true },
  jobs: { generation: true, fieldSelectors: ['status.successful'] },
  cronjobs: { generation: true },
  ingresses: { generation: true },
  networkpolicies: { generation: true },
  poddisruptionbudgets: { generation: true },
  customresourcedefinitions: { generation: true },
  certificatesigningrequests: { fieldSelectors: ['spec.signerName'] },
};

function parseSub(spec, parentKind) {
  const m = spec.match(/^([^=:]+)(?:=([^:]+))?(?::(.+))?$/);
  const sub = { name: m[1], group: '', version: '', kind: parentKind, verbs: m[3] ? m[3].split(',') : ['get', 'patch', 'update'] };
  if (m[2]) {
    const parts = m[2].split('/');
    if (parts.length === 3) [sub.group, sub.version, sub.kind] = parts;
    else sub.kind = parts[0];
  }
  return sub;
}

// storageVersionHash as the real server computes it: sha256("group/version/Kind"), first 8 bytes.
function storageVersionHash(group, version, kind) {
  return crypto.createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64');
}

// The resource descriptor used by the rest of the server.
function makeResource(groupVersion, plural, singular, kind, opts, behaviour) {
  const [group, version] = groupVersion.includes('/') ? groupVersion.split('/') : ['', groupVersion];
  const verbs = opts.verbs || STD_VERBS;
  const subresources = (opts.sub || []).map((s) => (typeof s === 'string' ? parseSub(s, kind) : s));
  const b = behaviour || {};
  const storage = verbs.includes('get') && verbs.includes('create');
  return {
    group, version, groupVersion, plural, singular, kind,
    schemaKind: opts.schema || kind,
    listKind: opts.listKind || kind + 'List',
    namespaced: !opts.cluster,
    verbs, shortNames: opts.short || [], categories: opts.cat || [],
    subresources,
    storage,
    storageVersionHash: storage ? storageVersionHash(group, version, kind) : undefined,
    generation: !!b.generation,
    returnDeleted: !!b.returnDeleted,
    scale: b.scale || null,
    nameRule: b.nameRule || 'subdomain',
    fieldSelectors: ['metadata.name', 'metadata.namespace'].concat(b.fieldSelectors || []),
    hasStatus: subresources.some((s) => s.name === 'status'),
    custom: !!opts.custom,
    crd: opts.crd || null,
  };
}

function builtins() {
  return ROWS.map(([gv, plural, singular, kind, opts]) => makeResource(gv, plural, singular, kind, opts, BEHAVIOUR[plural]));
}

// Group order of /apis (transcript 03): the order the groups were registered in.
const GROUP_ORDER = [
  'apiregistration.k8s.io', 'apps', 'events.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io',
  'autoscaling', 'batch', 'certificates.k8s.io', 'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io',
  'storage.k8s.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'scheduling.k8s.io',
  'coordination.k8s.io', 'node.k8s.io', 'discovery.k8s.io', 'resource.k8s.io', 'flowcontrol.apiserver.k8s.io',
];

module.exports = { builtins, makeResource, storageVersionHash, STD_VERBS, GROUP_ORDER };
