'use strict';
// The fault switches of POST /_test/faults.
const test = require('node:test');
const assert = require('node:assert');
const net = require('net');
const { start, sleep } = require('../harness');

let s;
test.before(async () => { s = await start({ plain: true }); });
test.after(() => s.stop());
test.afterEach(async () => { await s.control('DELETE', 'faults'); });

const CM = '/api/v1/namespaces/default/configmaps';

// raw HTTP/1.1 exchange, to see exactly what arrives before the socket closes
function raw(p, ms) {
  return new Promise((resolve) => {
    const sock = net.connect(s.port, '127.0.0.1', () => sock.write(`GET ${p} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer admin-token\r\nConnection: close\r\n\r\n`));
    const chunks = [];
    const t0 = Date.now();
    const done = (how) => { clearTimeout(timer); resolve({ data: Buffer.concat(chunks).toString(), how, ms: Date.now() - t0 }); };
    sock.on('data', (d) => chunks.push(d));
    sock.on('end', () => done('end'));
    sock.on('error', () => done('error'));
    const timer = setTimeout(() => { sock.destroy(); done('timeout'); }, ms || 3000);
  });
}

test('unknown fault names are rejected', async () => {
  const r = await s.req('POST', '/_test/faults', { body: { path: '.*', fault: 'nope' }, token: null });
  assert.strictEqual(r.status, 400);
});

test('status-429 and status-503 carry Retry-After and a Status; times counts hits', async () => {
  await s.control('POST', 'faults', { method: 'GET', path: 'configmaps$', fault: 'status-429', retryAfter: 2, times: 2 });
  let r = await s.get(CM);
  assert.strictEqual(r.status, 429);
  assert.strictEqual(r.headers['retry-after'], '2');
  assert.strictEqual(r.json.reason, 'TooManyRequests');
  assert.strictEqual(r.json.details.retryAfterSeconds, 2);
  assert.strictEqual((await s.get(CM)).status, 429);
  assert.strictEqual((await s.get(CM)).status, 200, 'fault used up after 2 hits');
  await s.control('POST', 'faults', { path: 'configmaps', fault: 'status-503' });
  r = await s.get(CM);
  assert.strictEqual(r.status, 503);
  assert.strictEqual(r.headers['retry-after'], '1');
  assert.strictEqual(r.json.reason, 'ServiceUnavailable');
});

test('status-500 and method filtering', async () => {
  await s.control('POST', 'faults', { method: 'POST', path: 'configmaps', fault: 'status-500', times: -1 });
  assert.strictEqual((await s.get(CM)).status, 200);
  const r = await s.post(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'f500' } });
  assert.strictEqual(r.status, 500);
  assert.strictEqual(r.json.reason, 'InternalError');
  assert.strictEqual((await s.post(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'f500' } })).status, 500, 'times -1 never runs out');
});

test('close-mid-body sends headers and part of the body', async () => {
  await s.control('POST', 'faults', { path: 'configmaps$', fault: 'close-mid-body' });
  const r = await raw(CM);
  assert.match(r.data, /^HTTP\/1\.1 200 OK/);
  const len = Number(/content-length: (\d+)/i.exec(r.data)[1]);
  const body = r.data.split('\r\n\r\n')[1];
  assert.ok(body.length > 0 && body.length < len, `got ${body.length} of ${len}`);
});

test('malformed-json answers 200 with a truncated body', async () => {
  await s.control('POST', 'faults', { path: 'configmaps$', fault: 'malformed-json' });
  const r = await s.get(CM);
  assert.strictEqual(r.status, 200);
  assert.strictEqual(r.json, undefined);
  assert.ok(r.text.startsWith('{"kind":"ConfigMapList"'));
});

test('stall: never answers, or answers after ms', async () => {
  await s.control('POST', 'faults', { path: 'configmaps$', fault: 'stall' });
  const r = await raw(CM, 500);
  assert.strictEqual(r.how, 'timeout');
  assert.strictEqual(r.data, '');
  await s.control('POST', 'faults', { path: 'configmaps$', fault: 'stall', ms: 300 });
  const t0 = Date.now();
  const ok = await s.get(CM);
  assert.strictEqual(ok.status, 200);
  assert.ok(Date.now() - t0 >= 280);
});

test('slow-body trickles the body in small chunks', async () => {
  await s.control('POST', 'faults', { path: 'namespaces/default$', fault: 'slow-body', chunk: 64, ms: 10 });
  const t0 = Date.now();
  const r = await s.get('/api/v1/namespaces/default');
  assert.strictEqual(r.status, 200);
  assert.strictEqual(r.json.metadata.name, 'default');
  assert.ok(Date.now() - t0 >= (Math.ceil(r.body.length / 64) - 1) * 10);
});

test('close drops the connection without an answer', async () => {
  await s.control('POST', 'faults', { path: 'configmaps$', fault: 'close' });
  const r = await raw(CM);
  assert.strictEqual(r.data, '');
  assert.notStrictEqual(r.how, 'timeout');
});

test('faults match on path and query', async () => {
  await s.control('POST', 'faults', { path: 'labelSelector=x%3Dy', fault: 'status-500' });
  assert.strictEqual((await s.get(CM)).status, 200);
  assert.strictEqual((await s.get(`${CM}?labelSelector=x%3Dy`)).status, 500);
  const list = await s.control('GET', 'faults');
  assert.deepStrictEqual(list.faults, []);
});

test('stats count connections and requests', async () => {
  const a = await s.control('GET', 'stats');
  await s.get(CM);
  await s.get(CM);
  await sleep(20);
  const b = await s.control('GET', 'stats');
  assert.strictEqual(b.connections.total - a.connections.total, 3, 'two requests + this stats call, each on its own connection');
  assert.strictEqual(b.requests.h1 - a.requests.h1, 3);
  assert.strictEqual(b.connections.h2, 0);
  assert.ok(b.connections.open >= 1);
});
