'use strict';
// The resource registry (built-ins + served CRD versions) and the discovery
// documents: /version (01), /api (02), /apis (03), /api/v1 and /apis/<g>/<v>
// (04, 05, 57), /apis/<g>, and aggregated discovery (73, 74).
const crypto = require('crypto');
const { builtins, GROUP_ORDER } = require('./resources');
const json = require('./json');

const VERSION_INFO = {
  major: '1', minor: '36', emulationMajor: '1', emulationMinor: '36', minCompatibilityMajor: '1', minCompatibilityMinor: '35',
  gitVersion: 'v1.36.2', gitCommit: '98b35193b2ac7a23a673325f5e9b830ecd5ba406', gitTreeState: 'clean', buildDate: '2026-07-24T00:00:00Z',
  goVersion: 'go1.26.10', compiler: 'gc', platform: 'linux/amd64',
};

class Registry {
  constructor() {
    this.reset();
  }

  reset() {
    this.resources = builtins();
    this.index();
  }

  index() {
    this.byKey = new Map();
    for (const r of this.resources) this.byKey.set(`${r.group}/${r.version}/${r.plural}`, r);
  }

  lookup(group, version, plural) {
    return this.byKey.get(`${group}/${version}/${plural}`);
  }

  addCustom(list, crdName) {
    this.removeCustom(crdName);
    this.resources.push(...list);
    this.index();
  }

  removeCustom(crdName) {
    this.resources = this.resources.filter((r) => r.crd !== crdName);
    this.index();
  }

  // [{name, versions:[v...]}] in /apis order: built-in groups as registered, then CRD groups
  groups() {
    const map = new Map();
    for (const r of this.resources) {
      if (!r.group) continue;
      if (!map.has(r.group)) map.set(r.group, []);
      const vs = map.get(r.group);
      if (!vs.includes(r.version)) vs.push(r.version);
    }
    const order = GROUP_ORDER.filter((g) => map.has(g));
    const extra = [...map.keys()].filter((g) => !GROUP_ORDER.includes(g)).sort();
    return order.concat(extra).map((name) => ({ name, versions: sortVersions(map.get(name)) }));
  }

  versionResources(group, version) {
    return this.resources.filter((r) => r.group === group && r.version === version);
  }
}

// Kubernetes version priority: GA > beta > alpha, higher numbers first.
function sortVersions(vs) {
  const rank = (v) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    return [m[2] ? (m[2] === 'beta' ? 2 : 1) : 3, Number(m[1]), Number(m[3] || 0)];
  };
  return vs.slice().sort((a, b) => {
    const x = rank(a);
    const y = rank(b);
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return y[i] - x[i];
    return a < b ? -1 : 1;
  });
}

function apiVersions(serverAddress) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupEntry(g) {
  const versions = g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v }));
  return { name: g.name, versions, preferredVersion: versions[0] };
}

function apiGroupList(reg) {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: reg.groups().map(groupEntry) };
}

function apiGroup(reg, name) {
  const g = reg.groups().find((x) => x.name === name);
  if (!g) return null;
  return Object.assign({ kind: 'APIGroup', apiVersion: 'v1' }, groupEntry(g));
}

function resourceList(reg, group, version) {
  const rs = reg.versionResources(group, version);
  if (!rs.length) return null;
  const entries = [];
  for (const r of rs) {
    const e = { name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs };
    if (r.shortNames.length) e.shortNames = r.shortNames;
    if (r.categories.length) e.categories = r.categories;
    if (r.storageVersionHash) e.storageVersionHash = r.storageVersionHash;
    entries.push(e);
    for (const s of r.subresources) {
      const se = { name: `${r.plural}/${s.name}`, singularName: '', namespaced: r.namespaced };
      if (s.group && !(r.custom && s.group === r.group)) {
        se.group = s.group;
        se.version = s.version;
      }
      se.kind = s.kind;
      se.verbs = s.verbs;
      entries.push(se);
    }
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const gv = group ? `${group}/${version}` : version;
  // the core list has no apiVersion key (transcript 04); group lists have one (05, 57)
  if (!group) return { kind: 'APIResourceList', groupVersion: gv, resources: entries };
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources: entries };
}

function aggregatedResource(r) {
  const e = {
    resource: r.plural,
    // built-ins leave responseKind group/version empty, CRDs fill them in (74)
    responseKind: r.custom ? { group: r.group, version: r.version, kind: r.kind } : { group: '', version: '', kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
  };
  if (r.shortNames.length) e.shortNames = r.shortNames;
  if (r.categories.length) e.categories = r.categories;
  if (r.subresources.length) {
    e.subresources = r.subresources.map((s) => ({
      subresource: s.name,
      responseKind: r.custom || s.group ? { group: s.group, version: s.version, kind: s.kind } : { group: '', version: '', kind: s.kind },
      verbs: s.verbs,
    }));
  }
  return e;
}

function byPlural(a, b) {
  return a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0;
}

function aggregated(reg, legacy) {
  const items = [];
  if (legacy) {
    const rs = reg.versionResources('', 'v1').slice().sort(byPlural);
    items.push({ metadata: {}, versions: [{ version: 'v1', resources: rs.map(aggregatedResource), freshness: 'Current' }] });
  } else {
    for (const g of reg.groups()) {
      items.push({
        metadata: { name: g.name },
        versions: g.versions.map((v) => ({
          version: v,
          resources: reg.versionResources(g.name, v).slice().sort(byPlural).map(aggregatedResource),
          freshness: 'Current',
        })),
      });
    }
  }
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

function etag(obj) {
  return '"' + crypto.createHash('sha512').update(json.encode(obj)).digest('hex').toUpperCase() + '"';
}

module.exports = { Registry, VERSION_INFO, apiVersions, apiGroupList, apiGroup, resourceList, aggregated, etag };
