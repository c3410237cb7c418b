'use strict';
// The process interface the C tests rely on: the ready line, --plain, --token,
// certificates made on the fly, and exit on SIGTERM or when stdin closes.
const test = require('node:test');
const assert = require('node:assert');
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const { start, ROOT } = require('../harness');

test('ready line and plain HTTP', async () => {
  const s = await start({ plain: true });
  try {
    const ready = JSON.parse(s.readyLine);
    assert.deepStrictEqual(Object.keys(ready), ['port', 'url']);
    assert.strictEqual(ready.url, `http://127.0.0.1:${ready.port}`);
    const r = await s.get('/version');
    assert.strictEqual(r.status, 200);
    assert.strictEqual(r.json.gitVersion, 'v1.36.2');
    assert.ok(r.text.startsWith('{\n  "major"'), '/version is indented like the real one');
  } finally {
    await s.stop();
  }
});

test('TLS with --tls-dir reports the CA file', async () => {
  const s = await start();
  try {
    const ready = JSON.parse(s.readyLine);
    assert.ok(ready.url.startsWith('https://127.0.0.1:'));
    assert.ok(fs.existsSync(ready.caFile));
    const r = await s.get('/api');
    assert.strictEqual(r.status, 200);
    assert.strictEqual(r.json.serverAddressByClientCIDRs[0].serverAddress, `127.0.0.1:${ready.port}`);
  } finally {
    await s.stop();
  }
});

test('--token adds a token with groups', async () => {
  const s = await start({ plain: true, args: ['--token', 'extra-token=alice:system:masters,devs', '--token', 'bob-token=bob'] });
  try {
    let r = await s.get('/api/v1/namespaces', { token: 'extra-token' });
    assert.strictEqual(r.status, 200);
    r = await s.get('/api/v1/namespaces', { token: 'bob-token' });
    assert.strictEqual(r.status, 403);
    assert.match(r.json.message, /User "bob" cannot list resource "namespaces"/);
  } finally {
    await s.stop();
  }
});

function waitExit(proc, ms) {
  return new Promise((resolve, reject) => {
    if (proc.exitCode !== null) return resolve(proc.exitCode);
    const t = setTimeout(() => reject(new Error('server did not exit')), ms);
    proc.once('exit', (code) => { clearTimeout(t); resolve(code); });
  });
}

test('exits when stdin closes', async () => {
  const s = await start({ plain: true });
  s.proc.stdin.end();
  assert.strictEqual(await waitExit(s.proc, 5000), 0);
});

test('exits on SIGTERM, makes its own certificates without --tls-dir', async () => {
  const proc = spawn(process.execPath, [path.join(ROOT, 'server.js'), '--listen', '127.0.0.1:0'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolve) => {
    let out = '';
    proc.stdout.on('data', (d) => { out += d; if (out.includes('\n')) resolve(out.split('\n')[0]); });
  });
  const ready = JSON.parse(line);
  assert.ok(fs.existsSync(ready.caFile));
  proc.kill('SIGTERM');
  assert.strictEqual(await waitExit(proc, 5000), 0);
  assert.ok(!fs.existsSync(ready.tlsDir), 'temporary certificates are removed');
});

test('bad arguments exit with status 2', async () => {
  const proc = spawn(process.execPath, [path.join(ROOT, 'server.js'), '--bogus'], { stdio: ['pipe', 'ignore', 'ignore'] });
  assert.strictEqual(await waitExit(proc, 5000), 2);
});
