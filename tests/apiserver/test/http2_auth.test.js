'use strict';
// HTTP/2 (ALPN h2 on the TLS port) and the authentication modes.
const test = require('node:test');
const assert = require('node:assert');
const { start, h2req, sleep } = require('../harness');

let s;
test.before(async () => { s = await start(); });
test.after(() => s.stop());

test('HTTP/2: many concurrent streams on one connection, counted in /_test/stats', async () => {
  const before = await s.control('GET', 'stats');
  const sess = s.h2session();
  try {
    const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => h2req(sess, 'POST', '/api/v1/namespaces/default/configmaps', {
      headers: { 'content-type': 'application/json' },
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `h2-${i}` }, data: { i: String(i) } },
    })));
    assert.ok(rs.every((r) => r.status === 201));
    const list = await h2req(sess, 'GET', '/api/v1/namespaces/default/configmaps?labelSelector=');
    assert.strictEqual(list.status, 200);
    assert.ok(list.json.items.length >= 20);
    assert.strictEqual(list.headers['content-type'], 'application/json');
    const small = await h2req(sess, 'GET', '/api/v1/namespaces/default/configmaps/h2-1');
    assert.strictEqual(Number(small.headers['content-length']), small.body.length);
  } finally {
    sess.close();
  }
  await sleep(50);
  const after = await s.control('GET', 'stats');
  assert.strictEqual(after.connections.h2 - before.connections.h2, 1);
  assert.strictEqual(after.requests.h2 - before.requests.h2, 22);
});

test('HTTP/2: watch stream and errors', async () => {
  const sess = s.h2session();
  try {
    const rv = (await h2req(sess, 'GET', '/api/v1/namespaces/default/configmaps')).json.metadata.resourceVersion;
    const events = [];
    const w = h2req(sess, 'GET', `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}&timeoutSeconds=1`, {
      onData: (d) => events.push(...d.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l))),
    });
    await sleep(100);
    await h2req(sess, 'POST', '/api/v1/namespaces/default/configmaps', { headers: { 'content-type': 'application/json' }, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'h2w' } } });
    const r = await w;
    assert.strictEqual(r.status, 200);
    assert.deepStrictEqual(events.map((e) => e.type), ['ADDED']);
    const nf = await h2req(sess, 'GET', '/api/v1/namespaces/default/pods/none');
    assert.strictEqual(nf.status, 404);
    assert.strictEqual(nf.json.reason, 'NotFound');
    const bad = await h2req(sess, 'GET', '/api/v1/namespaces/default/pods', { headers: { authorization: 'Bearer wrong' } });
    assert.strictEqual(bad.status, 401);
  } finally {
    sess.close();
  }
});

test('client certificates: CN is the user, O the groups', async () => {
  let r = await s.get('/api/v1/namespaces', { token: null, cert: 'admin' });
  assert.strictEqual(r.status, 200);
  r = await s.get('/api/v1/namespaces/default/pods', { token: null, cert: 'norights' });
  assert.strictEqual(r.status, 403);
  assert.strictEqual(r.json.message, 'pods is forbidden: User "norights" cannot list resource "pods" in API group "" in the namespace "default"');
  r = await s.post('/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, { token: null, cert: 'admin' });
  assert.deepStrictEqual(r.json.status.userInfo, { username: 'admin', groups: ['system:masters', 'system:authenticated'] });
});

test('anonymous: /version yes, /api no; 401 when anonymous auth is off', async () => {
  let r = await s.get('/version', { token: null });
  assert.strictEqual(r.status, 200);
  r = await s.get('/api', { token: null });
  assert.strictEqual(r.status, 403);
  assert.strictEqual(r.json.message, 'forbidden: User "system:anonymous" cannot get path "/api"');
  r = await s.get('/api', { token: 'no-rights-token' });
  assert.strictEqual(r.status, 200, 'discovery is open to authenticated users');
  await s.control('POST', 'config', { anonymous: false });
  r = await s.get('/api/v1/namespaces', { token: null });
  assert.strictEqual(r.status, 401);
  await s.control('POST', 'config', { anonymous: true });
});

test('tokens can be added, expire, and be removed (refresh-on-401 tests)', async () => {
  await s.control('POST', 'tokens', { add: [{ token: 'short', user: 'admin2', groups: ['system:masters'], expiresInSeconds: 0.3 }, { token: 'long', user: 'admin3', groups: ['system:masters'] }] });
  assert.strictEqual((await s.get('/api/v1/namespaces', { token: 'short' })).status, 200);
  await sleep(400);
  const r = await s.get('/api/v1/namespaces', { token: 'short' });
  assert.strictEqual(r.status, 401);
  assert.deepStrictEqual(r.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  assert.strictEqual((await s.get('/api/v1/namespaces', { token: 'long' })).status, 200);
  await s.control('POST', 'tokens', { remove: ['long', 'admin-token'] });
  assert.strictEqual((await s.get('/api/v1/namespaces', { token: 'long' })).status, 401);
  assert.strictEqual((await s.get('/api/v1/namespaces')).status, 401);
  await s.control('POST', 'tokens', { reset: true });
  assert.strictEqual((await s.get('/api/v1/namespaces')).status, 200);
});

test('reset restores the initial state', async () => {
  await s.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'temp' } });
  await s.control('POST', 'reset', {});
  const r = await s.get('/api/v1/namespaces');
  assert.deepStrictEqual(r.json.items.map((n) => n.metadata.name), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
  assert.strictEqual((await s.get('/api/v1/namespaces/default/configmaps')).json.items.length, 0);
});
