'use strict';
// REST semantics beyond the transcripts: paging, selectors, patches, apply,
// delete variants, subresources, CRDs, representations.
const test = require('node:test');
const assert = require('node:assert');
const { start, sleep } = require('../harness');

const NS = '/api/v1/namespaces';
const cm = (name, labels, data) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: data || { k: name } });
const pod = (name, extra) => Object.assign({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } }, extra || {});

let s;
test.before(async () => {
  s = await start({ plain: true });
  await s.post(NS, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 't' } });
});
test.after(() => s.stop());

test('create: defaults, uid, resourceVersion, generation, 201', async () => {
  const r = await s.post(`${NS}/t/pods`, pod('p1'));
  assert.strictEqual(r.status, 201);
  const m = r.json.metadata;
  assert.match(m.uid, /^[0-9a-f-]{36}$/);
  assert.match(m.resourceVersion, /^\d+$/);
  assert.strictEqual(m.generation, 1);
  assert.strictEqual(r.json.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  assert.strictEqual(r.json.status.phase, 'Pending');
  assert.deepStrictEqual(Object.keys(r.json), ['kind', 'apiVersion', 'metadata', 'spec', 'status']);
});

test('create in a missing namespace is 404 for the namespace', async () => {
  const r = await s.post(`${NS}/nope/configmaps`, cm('x'));
  assert.strictEqual(r.status, 404);
  assert.strictEqual(r.json.message, 'namespaces "nope" not found');
});

test('generateName and validation errors', async () => {
  let r = await s.post(`${NS}/t/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } });
  assert.strictEqual(r.status, 201);
  assert.match(r.json.metadata.name, /^gen-[a-z0-9]{5}$/);
  r = await s.post(`${NS}/t/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} });
  assert.strictEqual(r.status, 422);
  assert.strictEqual(r.json.details.causes[0].field, 'metadata.name');
  r = await s.post(`${NS}/t/configmaps`, cm('Bad_Name'));
  assert.strictEqual(r.status, 422);
  assert.match(r.json.message, /a lowercase RFC 1123 subdomain/);
  r = await s.post(`${NS}/t/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'noimg' }, spec: { containers: [{ name: 'c' }] } });
  assert.strictEqual(r.status, 422);
  assert.strictEqual(r.json.message, 'Pod "noimg" is invalid: spec.containers[0].image: Required value');
  r = await s.post(`${NS}/t/configmaps`, '{"kind": "ConfigMap", bad json');
  assert.strictEqual(r.status, 400);
  assert.strictEqual(r.json.kind, 'Status');
});

test('malformed requests get a 400 Status, never a crash', async () => {
  for (const body of ['', '[]', '"str"', '{"metadata": 5}', '{"apiVersion":"v2","kind":"ConfigMap","metadata":{"name":"x"}}']) {
    const r = await s.post(`${NS}/t/configmaps`, body, { headers: { 'Content-Type': 'application/json' } });
    assert.strictEqual(r.status, 400, `${body}: ${r.text}`);
    assert.strictEqual(r.json.reason, 'BadRequest');
  }
  let r = await s.post(`${NS}/t/pods`, '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":5}', { headers: { 'Content-Type': 'application/json' } });
  assert.strictEqual(r.status, 400);
  assert.strictEqual(r.json.message, 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field Pod.spec of type v1.PodSpec');
  r = await s.patch(`${NS}/t/pods/p1/resize`, 'null', 'application/merge-patch+json');
  assert.strictEqual(r.status, 400);
  r = await s.get(`${NS}/t/configmaps?labelSelector=${encodeURIComponent('a in (b')}`);
  assert.strictEqual(r.status, 400);
  r = await s.get(`${NS}/t/configmaps?fieldSelector=spec.foo%3Dbar`);
  assert.strictEqual(r.status, 400);
  assert.strictEqual(r.json.message, 'field label not supported: spec.foo');
  r = await s.get(`${NS}/t/configmaps?continue=garbage`);
  assert.strictEqual(r.status, 400);
  r = await s.patch(`${NS}/t/pods/p1`, '{oops', 'application/merge-patch+json');
  assert.strictEqual(r.status, 400);
  r = await s.patch(`${NS}/t/pods/p1`, '{}', 'application/x-unknown');
  assert.strictEqual(r.status, 415);
  r = await s.get('/apis/nope.example.com/v1/things');
  assert.strictEqual(r.status, 404);
  r = await s.get('/whatever');
  assert.strictEqual(r.status, 404);
  assert.strictEqual(r.text, '404 page not found\n');
});

test('paging: limit/continue, remainingItemCount, consistent snapshot', async () => {
  for (let i = 0; i < 7; i++) await s.post(`${NS}/t/configmaps`, cm(`page-${i}`, { set: 'paging' }));
  const seen = [];
  let r = await s.get(`${NS}/t/configmaps?limit=3&labelSelector=set%3Dpaging`);
  assert.strictEqual(r.json.items.length, 3);
  assert.ok(r.json.metadata.continue);
  assert.strictEqual(r.json.metadata.remainingItemCount, undefined, 'no remainingItemCount with a selector');
  const tok = JSON.parse(Buffer.from(r.json.metadata.continue, 'base64url').toString());
  assert.deepStrictEqual(Object.keys(tok), ['v', 'rv', 'start']);
  assert.strictEqual(tok.start, '/page-2\u0000');
  const listRV = r.json.metadata.resourceVersion;
  seen.push(...r.json.items.map((i) => i.metadata.name));
  // a change between pages is not visible in the paged list
  await s.del(`${NS}/t/configmaps/page-5`);
  while (r.json.metadata.continue) {
    r = await s.get(`${NS}/t/configmaps?limit=3&labelSelector=set%3Dpaging&continue=${r.json.metadata.continue}`);
    assert.strictEqual(r.json.metadata.resourceVersion, listRV);
    seen.push(...r.json.items.map((i) => i.metadata.name));
  }
  assert.deepStrictEqual(seen, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6']);
  r = await s.get(`${NS}/t/configmaps?limit=2`);
  assert.strictEqual(typeof r.json.metadata.remainingItemCount, 'number');
});

test('default page size from /_test/config', async () => {
  await s.control('POST', 'config', { defaultPageSize: 2 });
  try {
    const r = await s.get(`${NS}/t/configmaps`);
    assert.strictEqual(r.json.items.length, 2);
    assert.ok(r.json.metadata.continue);
  } finally {
    await s.control('POST', 'config', { defaultPageSize: 0 });
  }
});

test('label and field selectors, all-namespace lists', async () => {
  await s.post(`${NS}/t/configmaps`, cm('sel-a', { env: 'prod', tier: 'web' }));
  await s.post(`${NS}/t/configmaps`, cm('sel-b', { env: 'dev', tier: 'web' }));
  await s.post(`${NS}/t/configmaps`, cm('sel-c', { env: 'dev' }));
  const names = async (q) => (await s.get(`${NS}/t/configmaps?${q}`)).json.items.map((i) => i.metadata.name).filter((n) => n.startsWith('sel-'));
  assert.deepStrictEqual(await names('labelSelector=env%3Ddev'), ['sel-b', 'sel-c']);
  assert.deepStrictEqual(await names('labelSelector=env%3D%3Ddev%2Ctier'), ['sel-b']);
  assert.deepStrictEqual(await names('labelSelector=!tier%2Cenv'), ['sel-c']);
  assert.deepStrictEqual(await names(`labelSelector=${encodeURIComponent('env notin (dev)')}`), ['sel-a']);
  assert.deepStrictEqual(await names('fieldSelector=metadata.name%21%3Dsel-a'), ['sel-b', 'sel-c']);
  const all = await s.get('/api/v1/configmaps?fieldSelector=metadata.namespace%3Dkube-system');
  assert.ok(all.json.items.length >= 2);
  assert.ok(all.json.items.every((i) => i.metadata.namespace === 'kube-system'));
  await s.post(`${NS}/t/pods`, pod('phase-pod'));
  const pods = await s.get('/api/v1/pods?fieldSelector=status.phase%3DPending');
  assert.ok(pods.json.items.some((p) => p.metadata.name === 'phase-pod'));
});

test('resourceVersion semantics: Exact, 504 for the future, 410 after compaction', async () => {
  const a = await s.post(`${NS}/t/configmaps`, cm('rv-a'));
  const rvA = a.json.metadata.resourceVersion;
  await s.post(`${NS}/t/configmaps`, cm('rv-b'));
  let r = await s.get(`${NS}/t/configmaps?resourceVersion=${rvA}&resourceVersionMatch=Exact`);
  assert.strictEqual(r.status, 200);
  assert.strictEqual(r.json.metadata.resourceVersion, rvA);
  assert.ok(!r.json.items.some((i) => i.metadata.name === 'rv-b'), 'state as of rvA');
  r = await s.get(`${NS}/t/configmaps?resourceVersion=99999999&resourceVersionMatch=NotOlderThan`);
  assert.strictEqual(r.status, 504);
  assert.strictEqual(r.headers['retry-after'], '1');
  await s.control('POST', 'compact', {});
  r = await s.get(`${NS}/t/configmaps?resourceVersion=${rvA}&resourceVersionMatch=Exact`);
  assert.strictEqual(r.status, 410);
  assert.strictEqual(r.json.reason, 'Expired');
});

test('update: optimistic concurrency, unconditional PUT, no-op keeps resourceVersion', async () => {
  const c = (await s.post(`${NS}/t/configmaps`, cm('upd'))).json;
  let r = await s.put(`${NS}/t/configmaps/upd`, Object.assign({}, c, { data: { k: 'v2' } }));
  assert.strictEqual(r.status, 200);
  const rv2 = r.json.metadata.resourceVersion;
  r = await s.put(`${NS}/t/configmaps/upd`, Object.assign({}, c, { data: { k: 'v3' } }));
  assert.strictEqual(r.status, 409);
  assert.strictEqual(r.json.reason, 'Conflict');
  const noRV = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'upd' }, data: { k: 'v4' } };
  r = await s.put(`${NS}/t/configmaps/upd`, noRV);
  assert.strictEqual(r.status, 200, 'no resourceVersion = unconditional');
  const rv4 = r.json.metadata.resourceVersion;
  assert.notStrictEqual(rv4, rv2);
  r = await s.put(`${NS}/t/configmaps/upd`, noRV);
  assert.strictEqual(r.json.metadata.resourceVersion, rv4, 'no-op update does not write');
  r = await s.put(`${NS}/t/configmaps/other`, noRV);
  assert.strictEqual(r.status, 400);
});

test('generation bumps on spec changes only', async () => {
  const d = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'gen' },
    spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
  let r = await s.post('/apis/apps/v1/namespaces/t/deployments', d);
  assert.strictEqual(r.json.metadata.generation, 1);
  assert.strictEqual(r.json.spec.template.spec.containers[0].imagePullPolicy, 'Always');
  r = await s.patch('/apis/apps/v1/namespaces/t/deployments/gen', { metadata: { labels: { x: 'y' } } }, 'application/merge-patch+json');
  assert.strictEqual(r.json.metadata.generation, 1);
  r = await s.patch('/apis/apps/v1/namespaces/t/deployments/gen/status', { status: { replicas: 1 } }, 'application/merge-patch+json');
  assert.strictEqual(r.json.metadata.generation, 1);
  assert.strictEqual(r.json.status.replicas, 1);
  r = await s.patch('/apis/apps/v1/namespaces/t/deployments/gen', { spec: { replicas: 4 } }, 'application/merge-patch+json');
  assert.strictEqual(r.json.metadata.generation, 2);
  // status sent through the main resource is ignored
  r = await s.patch('/apis/apps/v1/namespaces/t/deployments/gen', { status: { replicas: 9 } }, 'application/merge-patch+json');
  assert.strictEqual(r.json.status.replicas, 1);
  // selector must match the template
  r = await s.patch('/apis/apps/v1/namespaces/t/deployments/gen', { spec: { template: { metadata: { labels: { a: 'other' } } } } }, 'application/merge-patch+json');
  assert.strictEqual(r.status, 422);
  // scale subresource
  r = await s.get('/apis/apps/v1/namespaces/t/deployments/gen/scale');
  assert.deepStrictEqual(r.json.spec, { replicas: 4 });
  assert.strictEqual(r.json.status.selector, 'a=b');
  r = await s.patch('/apis/apps/v1/namespaces/t/deployments/gen/scale', { spec: { replicas: 2 } }, 'application/merge-patch+json');
  assert.strictEqual(r.json.spec.replicas, 2);
  r = await s.get('/apis/apps/v1/namespaces/t/deployments/gen');
  assert.strictEqual(r.json.spec.replicas, 2);
  assert.strictEqual(r.json.metadata.generation, 3);
});

test('json patch ops and failures', async () => {
  await s.post(`${NS}/t/configmaps`, cm('jp', { a: 'b' }, { x: '1', y: '2' }));
  let r = await s.patch(`${NS}/t/configmaps/jp`, [
    { op: 'copy', from: '/data/x', path: '/data/z' },
    { op: 'move', from: '/data/y', path: '/data/w' },
    { op: 'remove', path: '/metadata/labels/a' },
    { op: 'add', path: '/metadata/annotations', value: { 'a/b': 'c' } },
  ], 'application/json-patch+json');
  assert.strictEqual(r.status, 200, r.text);
  assert.deepStrictEqual(r.json.data, { w: '2', x: '1', z: '1' });
  assert.deepStrictEqual(r.json.metadata.annotations, { 'a/b': 'c' });
  r = await s.patch(`${NS}/t/configmaps/jp`, [{ op: 'remove', path: '/data/nope' }], 'application/json-patch+json');
  assert.strictEqual(r.status, 422);
  r = await s.patch(`${NS}/t/configmaps/jp`, [{ op: 'replace', path: '/metadata/resourceVersion', value: '1' }, { op: 'replace', path: '/data/x', value: '9' }], 'application/json-patch+json');
  assert.strictEqual(r.status, 409, 'a patched resourceVersion is a precondition');
  r = await s.patch(`${NS}/t/configmaps/jp`, { not: 'a list' }, 'application/json-patch+json');
  assert.strictEqual(r.status, 400);
});

test('strategic merge: merge keys, $patch directives, primitive lists', async () => {
  await s.post(`${NS}/t/pods`, pod('smp', { spec: { containers: [{ name: 'a', image: 'x:1', env: [{ name: 'E1', value: '1' }], ports: [{ containerPort: 80 }] }, { name: 'b', image: 'y:1' }] } }));
  let r = await s.patch(`${NS}/t/pods/smp`, { metadata: { finalizers: ['example.com/f'] }, spec: { containers: [{ name: 'a', image: 'x:2' }] } }, 'application/strategic-merge-patch+json');
  assert.strictEqual(r.status, 200, r.text);
  assert.deepStrictEqual(r.json.spec.containers.map((c) => `${c.name}=${c.image}`), ['a=x:2', 'b=y:1']);
  assert.deepStrictEqual(r.json.spec.containers[0].env, [{ name: 'E1', value: '1' }]);
  r = await s.patch(`${NS}/t/pods/smp`, { metadata: { finalizers: ['example.com/g'] } }, 'application/strategic-merge-patch+json');
  assert.deepStrictEqual(r.json.metadata.finalizers, ['example.com/f', 'example.com/g'], 'finalizers merge as a set');
  r = await s.patch(`${NS}/t/pods/smp`, { metadata: { $deleteFromPrimitiveList_finalizers: [] } }, 'application/strategic-merge-patch+json');
  r = await s.patch(`${NS}/t/pods/smp`, { metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/f', 'example.com/g'] } }, 'application/strategic-merge-patch+json');
  assert.strictEqual(r.json.metadata.finalizers, undefined);
  // container list edits are forbidden on pods, so use a deployment for $patch
  const dep = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'smpd' },
    spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } } },
  };
  await s.post('/apis/apps/v1/namespaces/t/deployments', dep);
  r = await s.patch('/apis/apps/v1/namespaces/t/deployments/smpd', { spec: { template: { spec: { containers: [{ name: 'b', $patch: 'delete' }, { name: 'c', image: 'z' }] } } } }, 'application/strategic-merge-patch+json');
  assert.deepStrictEqual(r.json.spec.template.spec.containers.map((c) => c.name), ['a', 'c']);
  r = await s.patch('/apis/apps/v1/namespaces/t/deployments/smpd', { spec: { template: { spec: { containers: [{ name: 'only', image: 'o' }, { $patch: 'replace' }] } } } }, 'application/strategic-merge-patch+json');
  assert.deepStrictEqual(r.json.spec.template.spec.containers.map((c) => c.name), ['only']);
  r = await s.patch('/apis/apps/v1/namespaces/t/deployments/smpd', { spec: { template: { metadata: { labels: { $patch: 'replace', a: 'b', n: 'm' } } } } }, 'application/strategic-merge-patch+json');
  assert.deepStrictEqual(r.json.spec.template.metadata.labels, { a: 'b', n: 'm' });
});

test('server-side apply: create, shared ownership, conflicts, force, field removal', async () => {
  const yaml = (data) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join('\n')}\n`;
  let r = await s.patch(`${NS}/t/configmaps/ssa`, yaml({ a: '1', b: '2' }), 'application/apply-patch+yaml');
  assert.strictEqual(r.status, 422, 'fieldManager is required');
  r = await s.patch(`${NS}/t/configmaps/ssa?fieldManager=one`, yaml({ a: '1', b: '2' }), 'application/apply-patch+yaml');
  assert.strictEqual(r.status, 201);
  assert.deepStrictEqual(r.json.metadata.managedFields.map((e) => [e.manager, e.operation]), [['one', 'Apply']]);
  r = await s.patch(`${NS}/t/configmaps/ssa?fieldManager=two`, yaml({ a: '1' }), 'application/apply-patch+yaml');
  assert.strictEqual(r.status, 200, 'same value: shared, no conflict');
  r = await s.patch(`${NS}/t/configmaps/ssa?fieldManager=two`, yaml({ a: 'x', b: 'y' }), 'application/apply-patch+yaml');
  assert.strictEqual(r.status, 409);
  assert.strictEqual(r.json.message, 'Apply failed with 2 conflicts: conflicts with "one":\n- .data.a\n- .data.b');
  assert.deepStrictEqual(r.json.details.causes.map((c) => c.field), ['.data.a', '.data.b']);
  r = await s.patch(`${NS}/t/configmaps/ssa?fieldManager=two&force=true`, yaml({ a: 'x', b: 'y' }), 'application/apply-patch+yaml');
  assert.strictEqual(r.status, 200);
  assert.deepStrictEqual(r.json.data, { a: 'x', b: 'y' });
  // "two" stops applying b: it is removed since nobody else owns it
  r = await s.patch(`${NS}/t/configmaps/ssa?fieldManager=two`, yaml({ a: 'x' }), 'application/apply-patch+yaml');
  assert.deepStrictEqual(r.json.data, { a: 'x' });
  // JSON is YAML too
  r = await s.patch(`${NS}/t/configmaps/ssa?fieldManager=two`, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa' }, data: { a: 'x', c: '3' } }), 'application/apply-patch+yaml');
  assert.deepStrictEqual(r.json.data, { a: 'x', c: '3' });
});

test('dryRun and fieldValidation', async () => {
  let r = await s.post(`${NS}/t/configmaps?dryRun=All`, cm('dry'));
  assert.strictEqual(r.status, 201);
  assert.strictEqual(r.json.metadata.resourceVersion, undefined);
  assert.strictEqual((await s.get(`${NS}/t/configmaps/dry`)).status, 404);
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fv', junk: 1 }, data: {}, extra: true };
  r = await s.post(`${NS}/t/configmaps?fieldValidation=Strict`, body);
  assert.strictEqual(r.status, 400);
  r = await s.post(`${NS}/t/configmaps?fieldValidation=Ignore`, body);
  assert.strictEqual(r.status, 201);
  assert.strictEqual(r.headers.warning, undefined);
  assert.strictEqual(r.json.extra, undefined, 'unknown fields are dropped');
  r = await s.post(`${NS}/t/configmaps?fieldValidation=Bogus`, body);
  assert.strictEqual(r.status, 400);
  r = await s.post(`${NS}/t/pods?fieldValidation=Warn`, pod('fvpod', { spec: { containers: [{ name: 'c', image: 'i', bogus: 1 }] } }));
  assert.strictEqual(r.status, 201);
  assert.strictEqual(r.headers.warning, '299 - "unknown field \\"spec.containers[0].bogus\\""');
});

test('delete: Status vs object, preconditions, finalizers, graceful pods', async () => {
  const c = (await s.post(`${NS}/t/configmaps`, cm('del-a'))).json;
  let r = await s.req('DELETE', `${NS}/t/configmaps/del-a`, { body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'not-the-uid' } } });
  assert.strictEqual(r.status, 409);
  assert.match(r.json.message, /Precondition failed: UID in precondition: not-the-uid/);
  r = await s.req('DELETE', `${NS}/t/configmaps/del-a`, { body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: c.metadata.uid, resourceVersion: c.metadata.resourceVersion } } });
  assert.strictEqual(r.status, 200);
  assert.deepStrictEqual(r.json.details, { name: 'del-a', kind: 'configmaps', uid: c.metadata.uid });
  // finalizer keeps the object until removed
  await s.post(`${NS}/t/configmaps`, Object.assign(cm('del-f'), { metadata: { name: 'del-f', finalizers: ['example.com/hold'] } }));
  r = await s.del(`${NS}/t/configmaps/del-f`);
  assert.strictEqual(r.status, 200);
  assert.ok(r.json.metadata.deletionTimestamp);
  assert.strictEqual((await s.get(`${NS}/t/configmaps/del-f`)).status, 200);
  r = await s.patch(`${NS}/t/configmaps/del-f`, { metadata: { finalizers: null } }, 'application/merge-patch+json');
  assert.strictEqual(r.status, 200);
  assert.strictEqual((await s.get(`${NS}/t/configmaps/del-f`)).status, 404);
  // a scheduled pod terminates gracefully: deletionTimestamp first, gone later
  await s.post(`${NS}/t/pods`, pod('grace'));
  await s.control('POST', 'run-pod', { namespace: 't', name: 'grace' });
  r = await s.del(`${NS}/t/pods/grace`);
  assert.strictEqual(r.json.metadata.deletionGracePeriodSeconds, 30);
  assert.strictEqual((await s.get(`${NS}/t/pods/grace`)).status, 200);
  await sleep(400);
  assert.strictEqual((await s.get(`${NS}/t/pods/grace`)).status, 404);
  // gracePeriodSeconds=0 deletes at once and returns the pod
  await s.post(`${NS}/t/pods`, pod('now'));
  await s.control('POST', 'run-pod', { namespace: 't', name: 'now' });
  r = await s.del(`${NS}/t/pods/now?gracePeriodSeconds=0`);
  assert.strictEqual(r.json.kind, 'Pod');
  assert.strictEqual((await s.get(`${NS}/t/pods/now`)).status, 404);
  r = await s.del(`${NS}/t/pods/now?propagationPolicy=Sideways`);
  assert.strictEqual(r.status, 422);
});

test('deletecollection with a selector returns the deleted items', async () => {
  for (const n of ['dc-1', 'dc-2', 'dc-3']) await s.post(`${NS}/t/configmaps`, cm(n, { dc: n === 'dc-3' ? 'keep' : 'go' }));
  const r = await s.del(`${NS}/t/configmaps?labelSelector=dc%3Dgo`);
  assert.strictEqual(r.json.kind, 'ConfigMapList');
  assert.deepStrictEqual(r.json.items.map((i) => i.metadata.name), ['dc-1', 'dc-2']);
  assert.strictEqual((await s.get(`${NS}/t/configmaps/dc-3`)).status, 200);
});

test('namespace deletion empties and removes the namespace', async () => {
  await s.post(NS, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
  await s.post(`${NS}/doomed/configmaps`, cm('inside'));
  const r = await s.del(`${NS}/doomed`);
  assert.strictEqual(r.json.status.phase, 'Terminating');
  await sleep(100);
  assert.strictEqual((await s.get(`${NS}/doomed`)).status, 404);
  assert.strictEqual((await s.get(`${NS}/doomed/configmaps/inside`)).status, 404);
});

test('representations: Table, PartialObjectMetadata, YAML, 406', async () => {
  let r = await s.get(`${NS}/t/pods/p1`, { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
  assert.strictEqual(r.json.kind, 'Table');
  assert.deepStrictEqual(r.json.rows[0].cells.slice(0, 3), ['p1', '0/1', 'Pending']);
  r = await s.get(`${NS}/t/configmaps?limit=1`, { headers: { Accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' } });
  assert.strictEqual(r.json.kind, 'PartialObjectMetadataList');
  assert.ok(r.json.metadata.continue);
  r = await s.get(`${NS}/t/configmaps/upd`, { headers: { Accept: 'application/yaml' } });
  assert.strictEqual(r.headers['content-type'], 'application/yaml');
  assert.match(r.text, /^kind: ConfigMap\napiVersion: v1\nmetadata:\n {2}name: upd\n/);
  r = await s.get(`${NS}/t/configmaps/upd`, { headers: { Accept: 'application/vnd.kubernetes.protobuf, application/json' } });
  assert.strictEqual(r.status, 200);
  r = await s.get(`${NS}/t/configmaps/upd`, { headers: { Accept: 'text/html' } });
  assert.strictEqual(r.status, 406);
  r = await s.get(`${NS}/t/configmaps/upd?pretty=true`);
  assert.ok(r.text.startsWith('{\n  "kind"'));
});

test('CRD: cluster-scoped, scale subresource, discovery, sorted keys, schema checks', async () => {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'gadgets.test.example.com' },
    spec: {
      group: 'test.example.com', scope: 'Cluster', names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
      versions: [{
        name: 'v1', served: true, storage: true,
        subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { replicas: { type: 'integer' }, mode: { type: 'string', enum: ['a', 'b'], default: 'a' }, free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }, status: { type: 'object', properties: { replicas: { type: 'integer' }, selector: { type: 'string' } } } } } },
      }],
    },
  };
  let r = await s.post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  assert.strictEqual(r.status, 201);
  await sleep(20);
  r = await s.get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.test.example.com');
  assert.ok(r.json.status.conditions.some((c) => c.type === 'Established' && c.status === 'True'));
  r = await s.get('/apis/test.example.com/v1');
  assert.deepStrictEqual(r.json.resources.map((x) => x.name), ['gadgets', 'gadgets/scale', 'gadgets/status']);
  assert.ok((await s.get('/apis')).json.groups.some((g) => g.name === 'test.example.com'));
  r = await s.post('/apis/test.example.com/v1/gadgets', { apiVersion: 'test.example.com/v1', kind: 'Gadget', metadata: { name: 'g1' }, spec: { replicas: 2, free: { z: 1, a: { y: 2, b: 3 } } } });
  assert.strictEqual(r.status, 201, r.text);
  assert.strictEqual(r.json.spec.mode, 'a', 'schema default applied');
  assert.strictEqual(r.text.indexOf('"a":{"b":3,"y":2}') > 0, true, 'keys sorted at every level');
  r = await s.post('/apis/test.example.com/v1/gadgets', { apiVersion: 'test.example.com/v1', kind: 'Gadget', metadata: { name: 'g2' }, spec: { mode: 'c' } });
  assert.strictEqual(r.status, 422);
  assert.strictEqual(r.json.details.causes[0].reason, 'FieldValueNotSupported');
  r = await s.put('/apis/test.example.com/v1/gadgets/g1/scale', { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'g1' }, spec: { replicas: 5 } });
  assert.strictEqual(r.status, 200, r.text);
  r = await s.get('/apis/test.example.com/v1/gadgets/g1');
  assert.strictEqual(r.json.spec.replicas, 5);
  assert.strictEqual(r.json.metadata.generation, 2);
  r = await s.get('/apis/test.example.com/v1/gadgets');
  assert.deepStrictEqual(Object.keys(r.json), ['apiVersion', 'items', 'kind', 'metadata']);
  // deleting the CRD removes the resource
  r = await s.del('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.test.example.com');
  assert.strictEqual(r.status, 200);
  assert.strictEqual((await s.get('/apis/test.example.com/v1/gadgets')).status, 404);
});

test('int64 values round-trip exactly in custom resources', async () => {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'nums.test.example.com' },
    spec: { group: 'test.example.com', scope: 'Namespaced', names: { plural: 'nums', kind: 'Num' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
  };
  await s.post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  const body = '{"apiVersion":"test.example.com/v1","kind":"Num","metadata":{"name":"n"},"spec":{"max":9223372036854775807,"min":-9223372036854775808}}';
  const r = await s.post('/apis/test.example.com/v1/namespaces/t/nums', body, { headers: { 'Content-Type': 'application/json' } });
  assert.strictEqual(r.status, 201, r.text);
  assert.ok(r.text.includes('"spec":{"max":9223372036854775807,"min":-9223372036854775808}'));
});

test('eviction respects PodDisruptionBudgets; binding schedules', async () => {
  await s.post(`${NS}/t/pods`, pod('ev', { metadata: { name: 'ev', labels: { app: 'ev' } } }));
  let r = await s.post(`${NS}/t/pods/ev/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'ev' }, target: { kind: 'Node', name: 'node-1' } });
  assert.strictEqual(r.status, 201);
  assert.strictEqual((await s.get(`${NS}/t/pods/ev`)).json.spec.nodeName, 'node-1');
  await s.post('/apis/policy/v1/namespaces/t/poddisruptionbudgets', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'pdb' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'ev' } } } });
  r = await s.post(`${NS}/t/pods/ev/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'ev' } });
  assert.strictEqual(r.status, 429);
  assert.strictEqual(r.json.details.causes[0].reason, 'DisruptionBudget');
  await s.patch('/apis/policy/v1/namespaces/t/poddisruptionbudgets/pdb/status', { status: { disruptionsAllowed: 1 } }, 'application/merge-patch+json');
  r = await s.post(`${NS}/t/pods/ev/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'ev' }, deleteOptions: { gracePeriodSeconds: 0 } });
  assert.strictEqual(r.status, 201);
  assert.strictEqual((await s.get(`${NS}/t/pods/ev`)).status, 404);
});

test('CSR approval and RBAC bindings', async () => {
  let r = await s.post('/apis/certificates.k8s.io/v1/certificatesigningrequests', { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'csr1' }, spec: { request: 'LS0t', signerName: 'example.com/signer', usages: ['client auth'] } });
  assert.strictEqual(r.status, 201, r.text);
  assert.strictEqual(r.json.spec.username, 'admin');
  assert.ok(r.json.spec.groups.includes('system:masters'));
  r = await s.put('/apis/certificates.k8s.io/v1/certificatesigningrequests/csr1/approval', Object.assign({}, r.json, { status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Test', message: 'ok' }] } }));
  assert.strictEqual(r.status, 200, r.text);
  assert.strictEqual(r.json.status.conditions[0].type, 'Approved');
  // grant norights read access to configmaps in t
  r = await s.get(`${NS}/t/configmaps`, { token: 'no-rights-token' });
  assert.strictEqual(r.status, 403);
  await s.post('/apis/rbac.authorization.k8s.io/v1/namespaces/t/roles', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'cm-read' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }] });
  await s.post('/apis/rbac.authorization.k8s.io/v1/namespaces/t/rolebindings', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'cm-read' }, subjects: [{ kind: 'User', name: 'norights', apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'Role', name: 'cm-read', apiGroup: 'rbac.authorization.k8s.io' } });
  r = await s.get(`${NS}/t/configmaps`, { token: 'no-rights-token' });
  assert.strictEqual(r.status, 200);
  r = await s.del(`${NS}/t/configmaps/upd`, { token: 'no-rights-token' });
  assert.strictEqual(r.status, 403);
  assert.strictEqual(r.json.message, 'configmaps "upd" is forbidden: User "norights" cannot delete resource "configmaps" in API group "" in the namespace "t"');
  r = await s.post('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: 't', verb: 'list', resource: 'configmaps' } } }, { token: 'no-rights-token' });
  assert.strictEqual(r.json.status.allowed, true);
});

test('ServiceAccount tokens authenticate and expire', async () => {
  await s.post(`${NS}/t/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } });
  let r = await s.post(`${NS}/t/serviceaccounts/robot/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } });
  assert.strictEqual(r.status, 201);
  const tok = r.json.status.token;
  assert.strictEqual(tok.split('.').length, 3);
  r = await s.post('/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, { token: tok });
  assert.strictEqual(r.json.status.userInfo.username, 'system:serviceaccount:t:robot');
  r = await s.post(`${NS}/t/serviceaccounts/robot/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 60 } });
  assert.strictEqual(r.status, 422);
});
