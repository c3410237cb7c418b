'use strict';
// Pod logs, and exec / attach / portforward over WebSocket channel protocols.
const test = require('node:test');
const assert = require('node:assert');
const { start, wsConnect, sleep } = require('../harness');

const P = '/api/v1/namespaces/default/pods';
let s;
test.before(async () => {
  s = await start();
  await s.post(P, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'box' }, spec: { containers: [{ name: 'main', image: 'busybox' }, { name: 'side', image: 'busybox' }] } });
  await s.post(P, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pending' }, spec: { containers: [{ name: 'main', image: 'busybox' }] } });
  await s.control('POST', 'run-pod', { namespace: 'default', name: 'box' });
});
test.after(() => s.stop());

const execPath = (cmd, q) => `${P}/box/exec?container=main&${cmd.map((c) => `command=${encodeURIComponent(c)}`).join('&')}&${q || 'stdout=true&stderr=true'}`;
const status = (ws) => JSON.parse(ws.channel(3).toString());

test('run-pod marks the pod Running', async () => {
  const r = await s.get(`${P}/box`);
  assert.strictEqual(r.json.status.phase, 'Running');
  assert.strictEqual(r.json.spec.nodeName, 'test-node');
  assert.strictEqual(r.json.status.containerStatuses.length, 2);
});

test('logs: 204 before scheduling, appended lines, options, follow', async () => {
  let r = await s.get(`${P}/pending/log`);
  assert.strictEqual(r.status, 204);
  assert.strictEqual(r.body.length, 0);
  r = await s.get(`${P}/box/log`);
  assert.strictEqual(r.status, 400, 'two containers: one must be named');
  assert.match(r.json.message, /a container name must be specified for pod box, choose one of: \[main side\]/);
  r = await s.get(`${P}/box/log?container=nope`);
  assert.strictEqual(r.json.message, 'container nope is not valid for pod box');
  await s.control('POST', 'logs', { namespace: 'default', pod: 'box', container: 'main', lines: ['one', 'two', 'three'] });
  r = await s.get(`${P}/box/log?container=main`);
  assert.strictEqual(r.status, 200);
  assert.strictEqual(r.text, 'one\ntwo\nthree\n');
  r = await s.get(`${P}/box/log?container=main&tailLines=1&timestamps=true`);
  assert.match(r.text, /^\d{4}-\d\d-\d\dT[\d:.]+Z three\n$/);
  r = await s.get(`${P}/box/log?container=main&limitBytes=5`);
  assert.strictEqual(r.text, 'one\nt');
  // follow: existing lines, then live ones, until the container ends
  const got = [];
  const f = s.stream(`${P}/box/log?container=main&follow=true&tailLines=0`, { onData: (d) => got.push(d.toString()) });
  await sleep(100);
  await s.control('POST', 'logs', { namespace: 'default', pod: 'box', container: 'main', lines: ['four'] });
  await sleep(50);
  await s.control('POST', 'logs', { namespace: 'default', pod: 'box', container: 'main', lines: ['five'], end: true });
  const res = await f;
  assert.strictEqual(res.status, 200);
  assert.strictEqual(res.payload, 'four\nfive\n');
  // the pending pod gets logs once a test writes some
  await s.control('POST', 'logs', { namespace: 'default', pod: 'pending', text: 'hello\n' });
  r = await s.get(`${P}/pending/log`);
  assert.strictEqual(r.text, 'hello\n');
});

test('exec v5: echo, stderr, exit codes as Status on channel 3', async () => {
  let ws = await wsConnect(s, execPath(['echo', 'hello', 'world']), ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
  assert.strictEqual(ws.status, 101);
  assert.strictEqual(ws.protocol, 'v5.channel.k8s.io');
  await ws.wait((w) => w.closed !== null);
  assert.strictEqual(ws.channel(1).toString(), 'hello world\n');
  assert.deepStrictEqual(status(ws), { metadata: {}, status: 'Success' });
  assert.strictEqual(ws.closed, 1000);
  ws = await wsConnect(s, execPath(['sh', '-c', 'exit 3']), ['v4.channel.k8s.io']);
  assert.strictEqual(ws.protocol, 'v4.channel.k8s.io');
  await ws.wait((w) => w.closed !== null);
  const st = status(ws);
  assert.strictEqual(st.status, 'Failure');
  assert.strictEqual(st.reason, 'NonZeroExitCode');
  assert.deepStrictEqual(st.details, { causes: [{ reason: 'ExitCode', message: '3' }] });
  ws = await wsConnect(s, execPath(['stderr', 'oops']), ['v5.channel.k8s.io']);
  await ws.wait((w) => w.closed !== null);
  assert.strictEqual(ws.channel(2).toString(), 'oops\n');
  assert.strictEqual(ws.channel(1).length, 0);
});

test('exec cat: stdin to stdout byte for byte, closed with the v5 close signal', async () => {
  const ws = await wsConnect(s, execPath(['cat'], 'stdin=true&stdout=true'), ['v5.channel.k8s.io']);
  const payload = Buffer.alloc(70000);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 255;
  ws.sendChannel(0, payload.subarray(0, 100));
  ws.sendChannel(0, payload.subarray(100));
  await ws.wait((w) => w.channel(1).length >= payload.length);
  ws.send(Buffer.from([255, 0]));
  await ws.wait((w) => w.closed !== null);
  assert.ok(ws.channel(1).equals(payload));
  assert.strictEqual(status(ws).status, 'Success');
});

test('exec resize-echo with a TTY, and binary output', async () => {
  let ws = await wsConnect(s, execPath(['resize-echo'], 'stdin=true&stdout=true&tty=true'), ['v5.channel.k8s.io']);
  ws.sendChannel(4, JSON.stringify({ Width: 80, Height: 24 }));
  ws.sendChannel(4, JSON.stringify({ Width: 100, Height: 40 }));
  await ws.wait((w) => w.channel(1).toString().split('\n').length >= 3);
  ws.send(Buffer.from([255, 0]));
  await ws.wait((w) => w.closed !== null);
  assert.strictEqual(ws.channel(1).toString(), '{"Width":80,"Height":24}\n{"Width":100,"Height":40}\n');
  ws = await wsConnect(s, execPath(['bytes', '1000'], 'stdout=true'), ['v5.channel.k8s.io']);
  await ws.wait((w) => w.closed !== null);
  const out = ws.channel(1);
  assert.strictEqual(out.length, 1000);
  assert.strictEqual(out[300], 300 & 255);
});

test('exec errors before the upgrade are HTTP Status replies', async () => {
  let ws = await wsConnect(s, `${P}/pending/exec?command=ls&stdout=true`, ['v5.channel.k8s.io']);
  assert.strictEqual(ws.status, 400);
  assert.match(ws.body, /does not have a host assigned/);
  ws = await wsConnect(s, `${P}/box/exec?container=main&command=ls`, ['v5.channel.k8s.io']);
  assert.strictEqual(ws.status, 400);
  assert.match(ws.body, /you must specify at least 1 of stdin, stdout, stderr/);
  ws = await wsConnect(s, `${P}/ghost/exec?command=ls&stdout=true`, ['v5.channel.k8s.io']);
  assert.strictEqual(ws.status, 404);
  ws = await wsConnect(s, execPath(['ls']), ['v5.channel.k8s.io'], { token: 'no-rights-token' });
  assert.strictEqual(ws.status, 403);
  // the bearer token may travel as a subprotocol
  ws = await wsConnect(s, execPath(['true']), ['v5.channel.k8s.io', `base64url.bearer.authorization.k8s.io.${Buffer.from('admin-token').toString('base64url')}`], { token: null });
  assert.strictEqual(ws.status, 101);
  const r = await s.get(execPath(['ls']));
  assert.strictEqual(r.status, 400);
  assert.strictEqual(r.json.message, 'Upgrade request required');
});

test('attach: the main process echoes stdin and shows appended log lines', async () => {
  const ws = await wsConnect(s, `${P}/box/attach?container=main&stdin=true&stdout=true`, ['v5.channel.k8s.io']);
  assert.strictEqual(ws.status, 101);
  ws.sendChannel(0, 'typed\n');
  await ws.wait((w) => w.channel(1).toString().includes('typed'));
  await s.control('POST', 'logs', { namespace: 'default', pod: 'box', container: 'main', lines: ['from-process'] });
  await ws.wait((w) => w.channel(1).toString().includes('from-process'));
  ws.send(Buffer.from([255, 0]));
  await ws.wait((w) => w.closed !== null);
  assert.strictEqual(status(ws).status, 'Success');
});

test('portforward: port prefix on data and error channels, echo', async () => {
  const ws = await wsConnect(s, `${P}/box/portforward?ports=8080&ports=9090`, ['v4.channel.k8s.io']);
  assert.strictEqual(ws.status, 101);
  assert.strictEqual(ws.protocol, 'v4.channel.k8s.io');
  await ws.wait((w) => w.messages.length >= 4);
  const first = ws.messages.slice(0, 4).map((m) => [m[0], m.readUInt16LE(1)]);
  assert.deepStrictEqual(first, [[0, 8080], [1, 8080], [2, 9090], [3, 9090]]);
  ws.sendChannel(0, 'ping-a');
  ws.sendChannel(2, 'ping-b');
  await ws.wait((w) => w.channel(0).length >= 8 && w.channel(2).length >= 8);
  assert.strictEqual(ws.channel(0).subarray(2).toString(), 'ping-a');
  assert.strictEqual(ws.channel(2).subarray(2).toString(), 'ping-b');
  ws.close();
  await ws.wait((w) => w.closed !== null);
});

test('corrupt-frame fault sends a malformed WebSocket frame', async () => {
  await s.control('POST', 'faults', { path: '/exec', fault: 'corrupt-frame' });
  const ws = await wsConnect(s, execPath(['echo', 'x']), ['v5.channel.k8s.io']);
  assert.strictEqual(ws.status, 101);
  await ws.wait((w) => w.errors.length > 0 || w.closed !== null);
  assert.ok(ws.errors.length > 0, 'client saw a bad frame');
});

test('base64 channel protocol', async () => {
  const ws = await wsConnect(s, execPath(['echo', 'b64']), ['v4.base64.channel.k8s.io']);
  await ws.wait((w) => w.closed !== null);
  const out = ws.messages.filter((m) => m[0] === '1'.charCodeAt(0)).map((m) => Buffer.from(m.subarray(1).toString(), 'base64').toString()).join('');
  assert.strictEqual(out, 'b64\n');
});
