'use strict';
// What controllers lean on: Leases and their resourceVersion conflicts,
// events.k8s.io/v1 Events (their own schema and validation, series
// updates), and faults aimed at one client by its User-Agent.
const test = require('node:test');
const assert = require('node:assert');
const { start } = require('../harness');

let s;
test.before(async () => { s = await start({ plain: true }); });
test.after(() => s.stop());

const LEASES = '/apis/coordination.k8s.io/v1/namespaces/default/leases';
const EVENTS = '/apis/events.k8s.io/v1/namespaces/default/events';
const micro = '2025-01-02T03:04:05.678901Z';

test('leases: optimistic concurrency through resourceVersion', async () => {
  const spec = { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: micro, renewTime: micro, leaseTransitions: 0 };
  let r = await s.post(LEASES, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'lock' }, spec });
  assert.strictEqual(r.status, 201);
  const first = r.json;
  assert.deepStrictEqual(Object.keys(first.spec), ['holderIdentity', 'leaseDurationSeconds', 'acquireTime', 'renewTime', 'leaseTransitions']);
  // two candidates read the same version; the first write wins, the second conflicts
  const b = JSON.parse(JSON.stringify(first));
  b.spec.holderIdentity = 'b';
  b.spec.leaseTransitions = 1;
  const c = JSON.parse(JSON.stringify(first));
  c.spec.holderIdentity = 'c';
  r = await s.put(`${LEASES}/lock`, b);
  assert.strictEqual(r.status, 200);
  assert.notStrictEqual(r.json.metadata.resourceVersion, first.metadata.resourceVersion);
  r = await s.put(`${LEASES}/lock`, c);
  assert.strictEqual(r.status, 409);
  assert.strictEqual(r.json.reason, 'Conflict');
  assert.match(r.json.message, /leases.coordination.k8s.io "lock": the object has been modified/);
  r = await s.get(`${LEASES}/lock`);
  assert.strictEqual(r.json.spec.holderIdentity, 'b');
  // a create of an existing Lease is AlreadyExists, a 409 too
  r = await s.post(LEASES, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'lock' }, spec });
  assert.strictEqual(r.status, 409);
  assert.strictEqual(r.json.reason, 'AlreadyExists');
  // leaseDurationSeconds must be positive
  r = await s.post(LEASES, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'bad' }, spec: { leaseDurationSeconds: 0 } });
  assert.strictEqual(r.status, 422);
});

const event = (name, extra) => Object.assign({
  apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name },
  eventTime: micro, reportingController: 'example.com/ctl', reportingInstance: 'ctl-host-1',
  action: 'Sync', reason: 'Synced', regarding: { kind: 'ConfigMap', namespace: 'default', name: 'src', uid: 'u-1', apiVersion: 'v1' },
  note: 'copied to 3 namespaces', type: 'Normal',
}, extra || {});

test('events.k8s.io/v1: stored with their own fields, in Go order', async () => {
  const r = await s.post(EVENTS, event('e1.16b'));
  assert.strictEqual(r.status, 201, r.text);
  assert.strictEqual(r.headers.warning, undefined);
  assert.deepStrictEqual(Object.keys(r.json), ['kind', 'apiVersion', 'metadata', 'eventTime', 'reportingController', 'reportingInstance', 'action', 'reason', 'regarding', 'note', 'type']);
  assert.deepStrictEqual(Object.keys(r.json.regarding), ['kind', 'namespace', 'name', 'uid', 'apiVersion']);
  const l = await s.get(EVENTS);
  assert.strictEqual(l.json.items.length, 1);
  assert.strictEqual(l.json.items[0].note, 'copied to 3 namespaces');
});

test('events.k8s.io/v1: validation as ValidateEventCreate', async () => {
  const bad = async (e, field) => {
    const r = await s.post(EVENTS, e);
    assert.strictEqual(r.status, 422, `${field}: ${r.text}`);
    assert.ok(r.json.details.causes.some((c) => c.field === field), `${field}: ${r.text}`);
  };
  await bad(event('x1', { eventTime: undefined }), 'eventTime');
  await bad(event('x2', { type: 'Info' }), 'type');
  await bad(event('x3', { reportingController: '' }), 'reportingController');
  await bad(event('x4', { reportingInstance: undefined }), 'reportingInstance');
  await bad(event('x5', { action: 'a'.repeat(129) }), 'action');
  await bad(event('x6', { reason: undefined }), 'reason');
  await bad(event('x7', { note: 'n'.repeat(1025) }), 'message');
  await bad(event('x8', { series: { count: 1, lastObservedTime: micro } }), 'series.count');
  // a cluster-scoped object's events go to default (or kube-system)
  await s.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
  const ok = await s.post('/apis/events.k8s.io/v1/namespaces/default/events', event('x10', { regarding: { kind: 'Node', name: 'n1', apiVersion: 'v1' } }));
  assert.strictEqual(ok.status, 201, ok.text);
  const other = await s.post('/apis/events.k8s.io/v1/namespaces/other/events', event('x11', { regarding: { kind: 'Node', name: 'n1', apiVersion: 'v1' } }));
  assert.strictEqual(other.status, 422);
  assert.strictEqual(other.json.details.causes[0].field, 'involvedObject.namespace');
});

test('events.k8s.io/v1: series updates by merge patch; the rest is immutable', async () => {
  assert.strictEqual((await s.post(EVENTS, event('e2.16b'))).status, 201);
  let r = await s.patch(`${EVENTS}/e2.16b`, { series: { count: 2, lastObservedTime: micro } }, 'application/merge-patch+json');
  assert.strictEqual(r.status, 200, r.text);
  assert.deepStrictEqual(r.json.series, { count: 2, lastObservedTime: micro });
  r = await s.patch(`${EVENTS}/e2.16b`, { series: { count: 7, lastObservedTime: '2025-01-02T03:05:00.000000Z' } }, 'application/merge-patch+json');
  assert.strictEqual(r.json.series.count, 7);
  r = await s.patch(`${EVENTS}/e2.16b`, { series: { count: 1 } }, 'application/merge-patch+json');
  assert.strictEqual(r.status, 422);
  r = await s.patch(`${EVENTS}/e2.16b`, { note: 'changed' }, 'application/merge-patch+json');
  assert.strictEqual(r.status, 422);
  assert.ok(r.json.details.causes.some((c) => c.field === 'message'), r.text);
  r = await s.patch(`${EVENTS}/missing`, { series: { count: 2, lastObservedTime: micro } }, 'application/merge-patch+json');
  assert.strictEqual(r.status, 404);
});

test('faults: userAgent picks one client out of several', async () => {
  await s.control('POST', 'faults', { path: '/leases', userAgent: '^cand-1$', fault: 'status-500', times: -1 });
  const one = await s.get(LEASES, { headers: { 'User-Agent': 'cand-1' } });
  const two = await s.get(LEASES, { headers: { 'User-Agent': 'cand-2' } });
  const none = await s.get(LEASES, { headers: { 'User-Agent': 'cand-10' } });
  assert.strictEqual(one.status, 500);
  assert.strictEqual(two.status, 200);
  assert.strictEqual(none.status, 200);
  const listed = await s.control('GET', 'faults');
  assert.strictEqual(listed.faults[0].userAgent, '^cand-1$');
  assert.strictEqual(listed.faults[0].hits, 1);
  const bad = await s.req('POST', '/_test/faults', { body: { path: 'x', userAgent: '(', fault: 'close' }, token: null });
  assert.strictEqual(bad.status, 400);
  await s.control('DELETE', 'faults');
});

test('apply: an owner reference replaced by another goes whole (keyed list items)', async () => {
  const P = '/api/v1/namespaces/default/configmaps/child?fieldManager=copier&force=true';
  const body = (uid) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'child', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'src', uid, controller: true }] }, data: { v: '1' } });
  assert.strictEqual((await s.patch(P, body('u1'), 'application/apply-patch+yaml')).status, 201);
  const r = await s.patch(P, body('u2'), 'application/apply-patch+yaml');
  assert.strictEqual(r.status, 200);
  assert.deepStrictEqual(r.json.metadata.ownerReferences.map((o) => o.uid), ['u2']);
  const f = r.json.metadata.managedFields[0].fieldsV1['f:metadata']['f:ownerReferences'];
  assert.deepStrictEqual(Object.keys(f), ['k:{"uid":"u2"}']);
});

test('clone: copies of a stored object, spread over namespaces', async () => {
  await s.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'c1' } });
  await s.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'c2' } });
  const src = await s.post('/api/v1/namespaces/c1/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tpl' }, data: { k: 'v' } });
  let r = await s.control('POST', 'clone', { resource: 'configmaps', namespace: 'c1', name: 'tpl', count: 5, namespaces: ['c1', 'c2'] });
  assert.strictEqual(r.count, 5);
  const l1 = (await s.get('/api/v1/namespaces/c1/configmaps')).json.items.map((o) => o.metadata.name);
  const l2 = (await s.get('/api/v1/namespaces/c2/configmaps')).json.items;
  assert.deepStrictEqual(l1, ['tpl', 'tpl-000000', 'tpl-000002', 'tpl-000004']);
  assert.deepStrictEqual(l2.map((o) => o.metadata.name), ['tpl-000001', 'tpl-000003']);
  assert.notStrictEqual(l2[0].metadata.uid, src.json.metadata.uid);
  assert.deepStrictEqual(l2[0].data, { k: 'v' });
  r = await s.control('POST', 'clone', { resource: 'configmaps', namespace: 'c1', name: 'tpl', count: 1, start: 5, namespaces: ['c1', 'c2'] });
  assert.strictEqual((await s.get('/api/v1/namespaces/c2/configmaps/tpl-000005')).status, 200);
  r = await s.req('POST', '/_test/clone', { body: { resource: 'nope', name: 'x', count: 1 }, token: null });
  assert.strictEqual(r.status, 400);
  r = await s.req('POST', '/_test/clone', { body: { resource: 'configmaps', namespace: 'c1', name: 'missing', count: 1 }, token: null });
  assert.strictEqual(r.status, 404);
});

test('h2MaxConcurrentStreams: new HTTP/2 connections are told the limit', async () => {
  const t = await start({});
  try {
    await t.control('POST', 'config', { h2MaxConcurrentStreams: 40 });
    const session = t.h2session();
    const settings = await new Promise((resolve) => session.on('remoteSettings', (st) => { if (st.maxConcurrentStreams === 40) resolve(st); }));
    assert.strictEqual(settings.maxConcurrentStreams, 40);
    session.close();
  } finally {
    await t.stop();
  }
});
