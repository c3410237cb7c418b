'use strict';
// Per-kind behaviour that the generic handlers call: defaulting (the values a
// v1.36 server fills in, transcripts 06, 07, 27), admission-time mutations,
// a few real validations (422 Invalid with causes), and Table columns.
const { F } = require('./errors');
const { isObject } = require('./json');

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function setDefault(o, k, v) {
  if (o[k] === undefined) o[k] = v;
}

function defaultContainer(c) {
  if (!isObject(c)) return;
  setDefault(c, 'resources', {});
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  if (c.imagePullPolicy === undefined && typeof c.image === 'string') {
    const tag = c.image.includes('@') ? 'digest' : (c.image.split('/').pop().split(':')[1] || 'latest');
    c.imagePullPolicy = tag === 'latest' ? 'Always' : 'IfNotPresent';
  }
  for (const p of Array.isArray(c.ports) ? c.ports : []) if (isObject(p)) setDefault(p, 'protocol', 'TCP');
  for (const pr of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const p = c[pr];
    if (!isObject(p)) continue;
    setDefault(p, 'timeoutSeconds', 1);
    setDefault(p, 'periodSeconds', 10);
    setDefault(p, 'successThreshold', 1);
    setDefault(p, 'failureThreshold', 3);
    if (isObject(p.httpGet)) setDefault(p.httpGet, 'scheme', 'HTTP');
  }
}

function defaultPodSpec(spec) {
  if (!isObject(spec)) return;
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of Array.isArray(spec[list]) ? spec[list] : []) defaultContainer(c);
  }
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
    if (!isObject(v)) continue;
    if (isObject(v.configMap)) setDefault(v.configMap, 'defaultMode', 420);
    if (isObject(v.secret)) setDefault(v.secret, 'defaultMode', 420);
    if (isObject(v.projected)) setDefault(v.projected, 'defaultMode', 420);
    if (isObject(v.downwardAPI)) setDefault(v.downwardAPI, 'defaultMode', 420);
  }
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
}

function defaultTemplate(tpl) {
  if (!isObject(tpl)) return;
  defaultPodSpec(tpl.spec || (tpl.spec = {}));
}

let nextClusterIP = 10; // 10.96.0.1 is the seeded "kubernetes" service
const DEFAULTS = {
  Namespace(o) {
    o.metadata.labels = o.metadata.labels || {};
    o.metadata.labels['kubernetes.io/metadata.name'] = o.metadata.name;
  },
  Pod(o) {
    o.spec = o.spec || {};
    defaultPodSpec(o.spec);
    setDefault(o.spec, 'enableServiceLinks', true);
  },
  PodTemplate(o) { defaultTemplate(o.template); },
  Deployment(o) {
    const s = o.spec = o.spec || {};
    setDefault(s, 'replicas', 1);
    s.strategy = s.strategy || {};
    setDefault(s.strategy, 'type', 'RollingUpdate');
    if (s.strategy.type === 'RollingUpdate') {
      s.strategy.rollingUpdate = s.strategy.rollingUpdate || {};
      setDefault(s.strategy.rollingUpdate, 'maxUnavailable', '25%');
      setDefault(s.strategy.rollingUpdate, 'maxSurge', '25%');
    }
    setDefault(s, 'revisionHistoryLimit', 10);
    setDefault(s, 'progressDeadlineSeconds', 600);
    defaultTemplate(s.template);
    o.status = o.status || {};
  },
  ReplicaSet(o) {
    const s = o.spec = o.spec || {};
    setDefault(s, 'replicas', 1);
    defaultTemplate(s.template);
    o.status = o.status || {};
    setDefault(o.status, 'replicas', 0);
  },
  ReplicationController(o) {
    const s = o.spec = o.spec || {};
    setDefault(s, 'replicas', 1);
    if (s.template) defaultTemplate(s.template);
    if (!s.selector && s.template && s.template.metadata && s.template.metadata.labels) s.selector = { ...s.template.metadata.labels };
    o.status = o.status || {};
    setDefault(o.status, 'replicas', 0);
  },
  StatefulSet(o) {
    const s = o.spec = o.spec || {};
    setDefault(s, 'replicas', 1);
    setDefault(s, 'podManagementPolicy', 'OrderedReady');
    s.updateStrategy = s.updateStrategy || {};
    setDefault(s.updateStrategy, 'type', 'RollingUpdate');
    if (s.updateStrategy.type === 'RollingUpdate') {
      s.updateStrategy.rollingUpdate = s.updateStrategy.rollingUpdate || {};
      setDefault(s.updateStrategy.rollingUpdate, 'partition', 0);
    }
    setDefault(s, 'revisionHistoryLimit', 10);
    setDefault(s, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
    defaultTemplate(s.template);
    o.status = o.status || {};
    setDefault(o.status, 'replicas', 0);
    setDefault(o.status, 'availableReplicas', 0);
  },
  DaemonSet(o) {
    const s = o.spec = o.spec || {};
    s.updateStrategy = s.updateStrategy || {};
    setDefault(s.updateStrategy, 'type', 'RollingUpdate');
    if (s.updateStrategy.type === 'RollingUpdate') {
      s.updateStrategy.rollingUpdate = s.updateStrategy.rollingUpdate || {};
      setDefault(s.updateStrategy.rollingUpdate, 'maxUnavailable', 1);
      setDefault(s.updateStrategy.rollingUpdate, 'maxSurge', 0);
    }
    setDefault(s, 'revisionHistoryLimit', 10);
    defaultTemplate(s.template);
    o.status = o.status || {};
    for (const f of ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady']) setDefault(o.status, f, 0);
  },
  Job(o, ctx) {
    const s = o.spec = o.spec || {};
    const oldSpec = ctx && ctx.old && ctx.old.spec;
    if (oldSpec && s.selector === undefined) s.selector = oldSpec.selector;
    setDefault(s, 'parallelism', 1);
    setDefault(s, 'completions', 1);
    setDefault(s, 'backoffLimit', 6);
    setDefault(s, 'completionMode', 'NonIndexed');
    setDefault(s, 'suspend', false);
    setDefault(s, 'podReplacementPolicy', 'TerminatingOrFailed');
    defaultTemplate(s.template);
    if (ctx && ctx.creating && !s.manualSelector && o.metadata.uid) {
      const uid = o.metadata.uid;
      s.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
      const tm = (s.template = s.template || {}).metadata = (s.template.metadata || {});
      tm.labels = { ...(tm.labels || {}), 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': o.metadata.name, 'controller-uid': uid, 'job-name': o.metadata.name };
    }
    o.status = o.status || {};
  },
  CronJob(o) {
    const s = o.spec = o.spec || {};
    setDefault(s, 'concurrencyPolicy', 'Allow');
    setDefault(s, 'suspend', false);
    setDefault(s, 'successfulJobsHistoryLimit', 3);
    setDefault(s, 'failedJobsHistoryLimit', 1);
    if (s.jobTemplate && s.jobTemplate.spec) {
      const js = s.jobTemplate.spec;
      setDefault(js, 'backoffLimit', 6);
      setDefault(js, 'completionMode', 'NonIndexed');
      setDefault(js, 'suspend', false);
      setDefault(js, 'podReplacementPolicy', 'TerminatingOrFailed');
      defaultTemplate(js.template);
    }
    o.status = o.status || {};
  },
  Service(o, ctx) {
    const s = o.spec = o.spec || {};
    setDefault(s, 'type', 'ClusterIP');
    setDefault(s, 'sessionAffinity', 'None');
    for (const p of Array.isArray(s.ports) ? s.ports : []) {
      if (!isObject(p)) continue;
      setDefault(p, 'protocol', 'TCP');
      setDefault(p, 'targetPort', p.port);
      if ((s.type === 'NodePort' || s.type === 'LoadBalancer') && p.nodePort === undefined) p.nodePort = 30000 + (nextClusterIP % 2000);
    }
    if (s.type !== 'ExternalName') {
      // an update without clusterIP keeps the allocated one
      const oldSpec = ctx && ctx.old && ctx.old.spec;
      if (oldSpec && s.clusterIP === undefined && oldSpec.clusterIP) {
        s.clusterIP = oldSpec.clusterIP;
        if (s.clusterIPs === undefined) s.clusterIPs = oldSpec.clusterIPs;
      }
      if (ctx && ctx.creating && s.clusterIP === undefined) {
        const n = nextClusterIP++;
        s.clusterIP = `10.96.${(n >> 8) & 255}.${n & 255}`;
      }
      if (s.clusterIP && s.clusterIPs === undefined) s.clusterIPs = [s.clusterIP];
      setDefault(s, 'ipFamilies', ['IPv4']);
      setDefault(s, 'ipFamilyPolicy', 'SingleStack');
      setDefault(s, 'internalTrafficPolicy', 'Cluster');
    }
    if (s.type === 'NodePort' || s.type === 'LoadBalancer') setDefault(s, 'externalTrafficPolicy', 'Cluster');
    if (s.type === 'LoadBalancer') setDefault(s, 'allocateLoadBalancerNodePorts', true);
    o.status = o.status || {};
    setDefault(o.status, 'loadBalancer', {});
  },
  Secret(o) {
    setDefault(o, 'type', 'Opaque');
    if (isObject(o.stringData)) {
      o.data = o.data || {};
      for (const [k, v] of Object.entries(o.stringData)) o.data[k] = Buffer.from(String(v)).toString('base64');
      delete o.stringData;
    }
  },
  PersistentVolumeClaim(o) {
    const s = o.spec = o.spec || {};
    setDefault(s, 'volumeMode', 'Filesystem');
    o.status = o.status || {};
    setDefault(o.status, 'phase', 'Pending');
  },
  PersistentVolume(o) {
    const s = o.spec = o.spec || {};
    setDefault(s, 'persistentVolumeReclaimPolicy', 'Retain');
    setDefault(s, 'volumeMode', 'Filesystem');
    o.status = o.status || {};
    setDefault(o.status, 'phase', 'Pending');
  },
  Node(o) {
    o.status = o.status || {};
    o.spec = o.spec || {};
    setDefault(o.status, 'daemonEndpoints', { kubeletEndpoint: { Port: 0 } });
    setDefault(o.status, 'nodeInfo', { machineID: '', systemUUID: '', bootID: '', kernelVersion: '', osImage: '', containerRuntimeVersion: '', kubeletVersion: '', kubeProxyVersion: '', operatingSystem: '', architecture: '' });
  },
  CustomResourceDefinition(o) {
    const s = o.spec = o.spec || {};
    setDefault(s, 'conversion', { strategy: 'None' });
    if (isObject(s.names)) setDefault(s.names, 'listKind', s.names.kind ? s.names.kind + 'List' : undefined);
    o.status = o.status || {};
    if (o.status.conditions === undefined) o.status.conditions = null;
    setDefault(o.status, 'acceptedNames', { plural: '', kind: '' });
    setDefault(o.status, 'storedVersions', (s.versions || []).filter((v) => v && v.storage).map((v) => v.name));
  },
  CertificateSigningRequest(o, ctx) {
    const s = o.spec = o.spec || {};
    if (ctx && ctx.creating && ctx.user) {
      s.username = ctx.user.name;
      s.groups = ctx.user.groups.slice();
      if (ctx.user.uid) s.uid = ctx.user.uid;
    }
    o.status = o.status || {};
  },
  PodDisruptionBudget(o) {
    o.status = o.status || {};
    for (const f of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']) setDefault(o.status, f, 0);
  },
};

function qosClass(spec) {
  let any = false, guaranteed = true;
  for (const c of (spec && spec.containers) || []) {
    const r = (c && c.resources) || {};
    const req = r.requests || {}, lim = r.limits || {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const k of ['cpu', 'memory']) if (!lim[k] || (req[k] && req[k] !== lim[k])) guaranteed = false;
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

// Admission plugins of a default kube-apiserver that change objects after the
// field manager has seen them (so these fields are not in managedFields, as 07 shows).
const ADMIT = {
  Namespace(o, ctx) {
    // set by the namespace strategy (PrepareForCreate), after field tracking
    if (!ctx.creating) return;
    o.spec = o.spec || {};
    setDefault(o.spec, 'finalizers', ['kubernetes']);
    o.status = o.status || {};
    setDefault(o.status, 'phase', 'Active');
  },
  Pod(o, ctx) {
    if (!ctx.creating) return;
    const s = o.spec;
    s.tolerations = s.tolerations || [];
    for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      if (!s.tolerations.some((t) => t && t.key === key && t.effect === 'NoExecute')) {
        s.tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
      }
    }
    setDefault(s, 'priority', 0);
    setDefault(s, 'preemptionPolicy', 'PreemptLowerPriority');
    o.status = o.status || {};
    setDefault(o.status, 'phase', 'Pending');
    setDefault(o.status, 'qosClass', qosClass(s));
  },
};

// ---- validation ----
function validateName(res, obj, causes) {
  const m = obj.metadata || {};
  if (!m.name && !m.generateName) {
    causes.push(F.required('metadata.name', 'name or generateName is required'));
    return;
  }
  if (!m.name) return;
  if (res.nameRule === 'label') {
    if (m.name.length > 63) causes.push(F.invalid('metadata.name', m.name, 'must be no more than 63 characters'));
    else if (!DNS1123_LABEL.test(m.name)) causes.push(F.invalid('metadata.name', m.name, LABEL_MSG));
  } else if (res.nameRule === 'path') {
    if (m.name === '.' || m.name === '..' || /[/%]/.test(m.name)) causes.push(F.invalid('metadata.name', m.name, 'may not contain \'/\' or \'%\''));
  } else {
    if (m.name.length > 253) causes.push(F.invalid('metadata.name', m.name, 'must be no more than 253 characters'));
    else if (!DNS1123_SUBDOMAIN.test(m.name)) causes.push(F.invalid('metadata.name', m.name, SUBDOMAIN_MSG));
  }
}

function validateLabels(labels, field, causes) {
  if (labels === undefined) return;
  if (!isObject(labels)) return;
  for (const [k, v] of Object.entries(labels)) {
    const name = k.includes('/') ? k.split('/').pop() : k;
    if (!QUALIFIED_NAME.test(name) || name.length > 63) {
      causes.push(F.invalid(field, k, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"));
    }
    if (typeof v !== 'string' || !LABEL_VALUE.test(v) || v.length > 63) {
      causes.push(F.invalid(field, v, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"));
    }
  }
}

function validateContainers(list, field, causes, required) {
  if (!Array.isArray(list) || list.length === 0) {
    if (required) causes.push(F.required(field));
    return;
  }
  const names = new Set();
  list.forEach((c, i) => {
    const f = `${field}[${i}]`;
    if (!isObject(c)) { causes.push(F.invalid(f, c, 'must be an object')); return; }
    if (!c.name) causes.push(F.required(`${f}.name`));
    else if (!DNS1123_LABEL.test(c.name)) causes.push(F.invalid(`${f}.name`, c.name, LABEL_MSG));
    else if (names.has(c.name)) causes.push(F.duplicate(`${f}.name`, c.name));
    names.add(c.name);
    if (!c.image) causes.push(F.required(`${f}.image`));
    (Array.isArray(c.ports) ? c.ports : []).forEach((p, j) => {
      if (!isObject(p)) return;
      const cp = p.containerPort;
      if (cp === undefined) causes.push(F.required(`${f}.ports[${j}].containerPort`));
      else if (!(Number.isInteger(cp) && cp >= 1 && cp <= 65535)) causes.push(F.invalid(`${f}.ports[${j}].containerPort`, cp, 'must be between 1 and 65535, inclusive'));
    });
  });
}

function validatePodSpec(spec, field, causes) {
  if (!isObject(spec)) { causes.push(F.required(field)); return; }
  validateContainers(spec.containers, `${field}.containers`, causes, true);
  if (spec.initContainers) validateContainers(spec.initContainers, `${field}.initContainers`, causes, false);
  if (spec.restartPolicy && !['Always', 'OnFailure', 'Never'].includes(spec.restartPolicy)) {
    causes.push(F.notSupported(`${field}.restartPolicy`, spec.restartPolicy, ['Always', 'OnFailure', 'Never']));
  }
}

function selectorMatches(sel, labels) {
  if (!isObject(sel)) return false;
  labels = labels || {};
  for (const [k, v] of Object.entries(sel.matchLabels || {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions || []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    if (e.operator === 'In' && !(has && (e.values || []).includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && (e.values || []).includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function validateWorkload(o, causes, needsSelector) {
  const s = o.spec || {};
  if (needsSelector) {
    if (!isObject(s.selector)) causes.push(F.required('spec.selector'));
    else if (!Object.keys(s.selector.matchLabels || {}).length && !(s.selector.matchExpressions || []).length) {
      causes.push(F.invalid('spec.selector', s.selector, 'empty selector is invalid for deployment'));
    }
  }
  const tpl = s.template;
  if (!isObject(tpl)) { causes.push(F.required('spec.template')); return; }
  const labels = (tpl.metadata && tpl.metadata.labels) || {};
  if (needsSelector && isObject(s.selector) && !selectorMatches(s.selector, labels)) {
    causes.push(F.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  validatePodSpec(tpl.spec, 'spec.template.spec', causes);
  if (typeof s.replicas === 'number' && s.replicas < 0) causes.push(F.invalid('spec.replicas', s.replicas, 'must be greater than or equal to 0'));
}

const VALIDATE = {
  Pod(o, old, causes) {
    validatePodSpec(o.spec, 'spec', causes);
    if (old) {
      // Pod spec is immutable except a few fields (approximation of ValidatePodUpdate).
      const strip = (spec) => {
        const c = JSON.parse(JSON.stringify(spec || {}));
        for (const l of ['containers', 'initContainers']) for (const x of c[l] || []) delete x.image;
        delete c.activeDeadlineSeconds; delete c.tolerations; delete c.terminationGracePeriodSeconds;
        delete c.ephemeralContainers; delete c.schedulingGates;
        if (!old.spec.nodeName) delete c.nodeName;
        return JSON.stringify(c);
      };
      if (strip(o.spec) !== strip(old.spec)) {
        causes.push(F.forbidden('spec', 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)'));
      }
    }
  },
  Deployment(o, old, causes) { validateWorkload(o, causes, true); },
  ReplicaSet(o, old, causes) { validateWorkload(o, causes, true); },
  StatefulSet(o, old, causes) { validateWorkload(o, causes, true); },
  DaemonSet(o, old, causes) { validateWorkload(o, causes, true); },
  Job(o, old, causes) {
    validateWorkload(o, causes, false);
    const rp = o.spec && o.spec.template && o.spec.template.spec && o.spec.template.spec.restartPolicy;
    if (rp && rp !== 'OnFailure' && rp !== 'Never') causes.push(F.notSupported('spec.template.spec.restartPolicy', rp, ['OnFailure', 'Never']));
  },
  CronJob(o, old, causes) {
    if (!o.spec || !o.spec.schedule) causes.push(F.required('spec.schedule'));
    if (!o.spec || !o.spec.jobTemplate) causes.push(F.required('spec.jobTemplate'));
  },
  ConfigMap(o, old, causes) {
    for (const f of ['data', 'binaryData']) {
      for (const k of Object.keys(o[f] || {})) {
        if (!/^[-._a-zA-Z0-9]+$/.test(k)) causes.push(F.invalid(`${f}`, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
      }
    }
    if (old && old.immutable === true) {
      if (JSON.stringify(o.data) !== JSON.stringify(old.data) || JSON.stringify(o.binaryData) !== JSON.stringify(old.binaryData)) causes.push(F.forbidden('data', 'field is immutable when `immutable` is set'));
      if (o.immutable !== true) causes.push(F.forbidden('immutable', 'field is immutable when `immutable` is set'));
    }
  },
  Secret(o, old, causes) {
    for (const k of Object.keys(o.data || {})) {
      if (!/^[-._a-zA-Z0-9]+$/.test(k)) causes.push(F.invalid('data', k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
      else if (typeof o.data[k] !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(o.data[k])) causes.push(F.invalid(`data[${k}]`, '<secret contents redacted>', 'illegal base64 data'));
    }
    if (old && old.type && o.type !== old.type) causes.push(F.invalid('type', o.type, 'field is immutable'));
    if (old && old.immutable === true && JSON.stringify(o.data) !== JSON.stringify(old.data)) causes.push(F.forbidden('data', 'field is immutable when `immutable` is set'));
  },
  Service(o, old, causes) {
    const s = o.spec || {};
    const types = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
    if (s.type && !types.includes(s.type)) causes.push(F.notSupported('spec.type', s.type, types));
    if (s.type !== 'ExternalName' && s.clusterIP !== 'None' && (!Array.isArray(s.ports) || !s.ports.length)) causes.push(F.required('spec.ports'));
    (s.ports || []).forEach((p, i) => {
      if (!isObject(p)) return;
      if (!(Number.isInteger(p.port) && p.port >= 1 && p.port <= 65535)) causes.push(F.invalid(`spec.ports[${i}].port`, p.port, 'must be between 1 and 65535, inclusive'));
      if ((s.ports.length > 1) && !p.name) causes.push(F.required(`spec.ports[${i}].name`));
    });
    if (old && old.spec && old.spec.clusterIP && s.clusterIP !== old.spec.clusterIP && old.spec.clusterIP !== '') causes.push(F.invalid('spec.clusterIPs[0]', s.clusterIP, 'may not change once set'));
  },
  // ValidateEventCreate/Update for events.k8s.io/v1 (pkg/apis/core/validation/events.go;
  // its field paths are those of the internal core Event: involvedObject, message)
  'events.k8s.io/Event'(o, old, causes) {
    const series = o.series;
    if (series !== undefined && (!old || JSON.stringify(series) !== JSON.stringify(old.series))) {
      if (!(typeof series.count === 'number' && series.count >= 2)) causes.push(F.invalid('series.count', '', 'should be at least 2'));
      if (!series.lastObservedTime) causes.push(F.required('series.lastObservedTime', ''));
    }
    if (old) {
      for (const [f, path] of [['regarding', 'involvedObject'], ['reason', 'reason'], ['note', 'message'], ['type', 'type'], ['eventTime', 'eventTime'], ['action', 'action'], ['related', 'related'], ['reportingController', 'reportingController'], ['reportingInstance', 'reportingInstance']]) {
        if (JSON.stringify(o[f]) !== JSON.stringify(old[f])) causes.push(F.invalid(path, o[f] === undefined ? null : o[f], 'field is immutable'));
      }
      return;
    }
    if (!o.eventTime) causes.push(F.required('eventTime', ''));
    if (o.type !== 'Normal' && o.type !== 'Warning') causes.push(F.invalid('type', '', `has invalid value: ${o.type || ''}`));
    const ns = o.metadata.namespace;
    if (!(o.regarding && o.regarding.namespace) && ns !== 'default' && ns !== 'kube-system') causes.push(F.invalid('involvedObject.namespace', '', 'does not match event.namespace'));
    if (!o.reportingController) causes.push(F.required('reportingController', ''));
    else if (!QUALIFIED_NAME.test(o.reportingController.split('/').pop())) causes.push(F.invalid('reportingController', o.reportingController, 'must be a qualified name'));
    if (!o.reportingInstance) causes.push(F.required('reportingInstance', ''));
    else if (o.reportingInstance.length > 128) causes.push(F.invalid('reportingInstance', '', 'can have at most 128 characters'));
    for (const f of ['action', 'reason']) {
      if (!o[f]) causes.push(F.required(f, ''));
      else if (o[f].length > 128) causes.push(F.invalid(f, '', 'can have at most 128 characters'));
    }
    if (o.note && Buffer.byteLength(o.note) > 1024) causes.push(F.invalid('message', '', 'can have at most 1024 characters'));
  },
  Lease(o, old, causes) {
    const s = o.spec || {};
    if (s.leaseDurationSeconds !== undefined && !(s.leaseDurationSeconds > 0)) causes.push(F.invalid('spec.leaseDurationSeconds', s.leaseDurationSeconds, 'must be greater than 0'));
  },
  CertificateSigningRequest(o, old, causes) {
    const s = o.spec || {};
    if (!s.request) causes.push(F.required('spec.request'));
    if (!s.signerName) causes.push(F.required('spec.signerName'));
    if (!Array.isArray(s.usages) || !s.usages.length) causes.push(F.required('spec.usages'));
  },
};

function validate(res, obj, old) {
  const causes = [];
  validateName(res, obj, causes);
  validateLabels(obj.metadata && obj.metadata.labels, 'metadata.labels', causes);
  const v = VALIDATE[res.schemaKind || res.kind];
  if (v && !res.custom) v(obj, old, causes);
  return causes;
}

// ---- Table (server-side printing, transcripts 37-38) ----
const NAME_DESC = 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const AGE_DESC = 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

function col(name, description, type, format, priority) {
  return { name, type: type || 'string', format: format || '', description, priority: priority || 0 };
}
function age(o) {
  const t = Date.parse((o.metadata && o.metadata.creationTimestamp) || '');
  if (!t) return '<unknown>';
  const s = Math.max(0, Math.floor((Date.now() - t) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}
const TABLES = {
  ConfigMap: [[col('Data', "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process."), (o) => Object.keys(o.data || {}).length + Object.keys(o.binaryData || {}).length]],
  Pod: [
    [col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'), (o) => `${((o.status && o.status.containerStatuses) || []).filter((c) => c.ready).length}/${((o.spec && o.spec.containers) || []).length}`],
    [col('Status', 'The aggregate status of the containers in this pod.'), (o) => (o.metadata.deletionTimestamp ? 'Terminating' : (o.status && (o.status.reason || o.status.phase)) || 'Pending')],
    [col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'), (o) => String(((o.status && o.status.containerStatuses) || []).reduce((a, c) => a + (c.restartCount || 0), 0))],
    null,
    [col('IP', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 'string', '', 1), (o) => (o.status && o.status.podIP) || '<none>'],
    [col('Node', 'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename', 'string', '', 1), (o) => (o.spec && o.spec.nodeName) || '<none>'],
    [col('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.', 'string', '', 1), (o) => (o.status && o.status.nominatedNodeName) || '<none>'],
    [col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates', 'string', '', 1), (o) => ((o.spec && o.spec.readinessGates) || []).length ? String(o.spec.readinessGates.length) : '<none>'],
  ],
  Namespace: [[col('Status', 'The status of the namespace'), (o) => (o.status && o.status.phase) || '']],
  Deployment: [
    [col('Ready', 'Number of the pod with ready state'), (o) => `${(o.status && o.status.readyReplicas) || 0}/${(o.spec && o.spec.replicas) || 0}`],
    [col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', 'integer'), (o) => (o.status && o.status.updatedReplicas) || 0],
    [col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', 'integer'), (o) => (o.status && o.status.availableReplicas) || 0],
  ],
  Secret: [
    [col('Type', 'The type of the secret'), (o) => o.type || ''],
    [col('Data', 'Data contains the secret data.', 'integer'), (o) => Object.keys(o.data || {}).length],
  ],
  Service: [
    [col('Type', 'type determines how the Service is exposed.'), (o) => (o.spec && o.spec.type) || ''],
    [col('Cluster-IP', 'clusterIP is the IP address of the service.'), (o) => (o.spec && o.spec.clusterIP) || '<none>'],
    [col('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'), (o) => ((o.spec && o.spec.externalIPs) || []).join(',') || '<none>'],
    [col('Port(s)', 'The list of ports that are exposed by this service.'), (o) => ((o.spec && o.spec.ports) || []).map((p) => `${p.port}/${p.protocol || 'TCP'}`).join(',') || '<none>'],
  ],
};

function tableColumns(res) {
  const defs = [col('Name', NAME_DESC, 'string', 'name')];
  const extra = TABLES[res.kind] || [];
  const cols = [(o) => o.metadata.name];
  let sawAge = false;
  for (const e of extra) {
    if (e === null) { defs.push(col('Age', AGE_DESC)); cols.push(age); sawAge = true; continue; }
    defs.push(e[0]); cols.push(e[1]);
  }
  if (!sawAge) { defs.push(col('Age', AGE_DESC)); cols.push(age); }
  return { defs, cols };
}

module.exports = {
  defaults: (res, obj, ctx) => { const d = DEFAULTS[res.kind]; if (d && !res.custom) d(obj, ctx); },
  admit: (res, obj, ctx) => { const a = ADMIT[res.kind]; if (a && !res.custom) a(obj, ctx); },
  validate,
  tableColumns,
  selectorMatches,
  qosClass,
};
