'use strict';
// Watch streams: framing, resume, 410, bookmarks, initial events, selectors,
// chunk splitting and the drop-watch-mid-event fault.
const test = require('node:test');
const assert = require('node:assert');
const { start, sleep } = require('../harness');

const CMS = '/api/v1/namespaces/w/configmaps';
const cm = (name, labels, data) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: data || { k: name } });

let s;
test.before(async () => {
  s = await start({ plain: true, config: { bookmarkIntervalMs: 300 } });
  await s.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'w' } });
});
test.after(() => s.stop());

test('live events, one chunk each, ending at timeoutSeconds', async () => {
  const rv = (await s.get(CMS)).json.metadata.resourceVersion;
  const w = s.stream(`${CMS}?watch=1&resourceVersion=${rv}&timeoutSeconds=1`);
  await sleep(100);
  await s.post(CMS, cm('live'));
  await s.patch(`${CMS}/live`, { data: { k: '2' } }, 'application/merge-patch+json');
  await s.del(`${CMS}/live`);
  const r = await w;
  assert.strictEqual(r.status, 200);
  assert.strictEqual(r.headers['content-type'], 'application/json');
  assert.strictEqual(r.headers['transfer-encoding'], 'chunked');
  assert.ok(r.complete, 'ends with the zero-length chunk');
  assert.deepStrictEqual(r.events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  assert.strictEqual(r.chunks.length, 3);
  for (const c of r.chunks) assert.ok(c.toString().endsWith('}\n'));
  const d = r.events[2].object;
  assert.ok(Number(d.metadata.resourceVersion) > Number(r.events[1].object.metadata.resourceVersion), 'DELETED carries a new resourceVersion');
  assert.ok(r.duration >= 900 && r.duration < 3000);
});

test('resume from a resourceVersion replays later events only', async () => {
  const a = (await s.post(CMS, cm('r1'))).json.metadata.resourceVersion;
  await s.post(CMS, cm('r2'));
  await s.patch(`${CMS}/r1`, { data: { k: 'x' } }, 'application/merge-patch+json');
  const r = await s.stream(`${CMS}?watch=true&resourceVersion=${a}&timeoutSeconds=1`);
  assert.deepStrictEqual(r.events.map((e) => `${e.type}:${e.object.metadata.name}`), ['ADDED:r2', 'MODIFIED:r1']);
});

test('no resourceVersion: synthetic ADDED for current state, then changes', async () => {
  const w = s.stream(`${CMS}?watch=1&labelSelector=grp%3Dsynth&timeoutSeconds=1`);
  await sleep(100);
  await s.post(CMS, cm('synth-1', { grp: 'synth' }));
  const r = await w;
  assert.deepStrictEqual(r.events.map((e) => e.type), ['ADDED']);
  const r2 = await s.stream(`${CMS}?watch=1&labelSelector=grp%3Dsynth&timeoutSeconds=1`);
  assert.deepStrictEqual(r2.events.map((e) => `${e.type}:${e.object.metadata.name}`), ['ADDED:synth-1']);
});

test('label selector transitions become ADDED / DELETED', async () => {
  await s.post(CMS, cm('move', { stage: 'a' }));
  const rv = (await s.get(CMS)).json.metadata.resourceVersion;
  const w = s.stream(`${CMS}?watch=1&resourceVersion=${rv}&labelSelector=stage%3Db&timeoutSeconds=1`);
  await sleep(100);
  await s.patch(`${CMS}/move`, { metadata: { labels: { stage: 'b' } } }, 'application/merge-patch+json');
  await s.patch(`${CMS}/move`, { data: { k: 'changed' } }, 'application/merge-patch+json');
  await s.patch(`${CMS}/move`, { metadata: { labels: { stage: 'c' } } }, 'application/merge-patch+json');
  const r = await w;
  assert.deepStrictEqual(r.events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
});

test('bookmarks at the configured interval', async () => {
  const r = await s.stream(`${CMS}?watch=1&allowWatchBookmarks=true&resourceVersion=${(await s.get(CMS)).json.metadata.resourceVersion}&timeoutSeconds=1`);
  const b = r.events.filter((e) => e.type === 'BOOKMARK');
  assert.ok(b.length >= 2, `bookmarks: ${b.length}`);
  assert.deepStrictEqual(b[0].object, { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: b[0].object.metadata.resourceVersion } });
  const none = await s.stream(`${CMS}?watch=1&resourceVersion=${(await s.get(CMS)).json.metadata.resourceVersion}&timeoutSeconds=1`);
  assert.strictEqual(none.events.length, 0, 'no bookmarks unless asked');
});

test('streaming list: initial events then the initial-events-end bookmark', async () => {
  for (let i = 0; i < 3; i++) await s.post(CMS, cm(`init-${i}`, { grp: 'init' }));
  const r = await s.stream(`${CMS}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&labelSelector=grp%3Dinit&timeoutSeconds=1`);
  const types = r.events.map((e) => e.type);
  assert.deepStrictEqual(types.slice(0, 4), ['ADDED', 'ADDED', 'ADDED', 'BOOKMARK']);
  assert.deepStrictEqual(r.events[3].object.metadata.annotations, { 'k8s.io/initial-events-end': 'true' });
  const bad = await s.get(`${CMS}?watch=1&sendInitialEvents=true`);
  assert.strictEqual(bad.status, 422);
  await s.control('POST', 'config', { watchList: false });
  const off = await s.get(`${CMS}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`);
  assert.strictEqual(off.status, 422);
  assert.match(off.json.message, /WatchList feature gate/);
  await s.control('POST', 'config', { watchList: true });
});

test('replayed events are packed into 2048-byte chunks that cut lines', async () => {
  const base = (await s.get(CMS)).json.metadata.resourceVersion;
  for (let i = 0; i < 12; i++) await s.post(CMS, cm(`bulk-${i}`, { grp: 'bulk' }, { payload: 'x'.repeat(150) }));
  const r = await s.stream(`${CMS}?watch=1&resourceVersion=${base}&timeoutSeconds=1`);
  assert.strictEqual(r.events.length, 12);
  const sizes = r.chunks.map((c) => c.length);
  assert.ok(sizes.length >= 3, `chunks ${sizes}`);
  for (const sz of sizes.slice(0, -1)) assert.strictEqual(sz, 2048);
  assert.ok(r.chunks.slice(0, -1).some((c) => !c.toString().endsWith('\n')), 'a chunk ends in the middle of an event');
});

test('too old resourceVersion after compaction: one ERROR 410 event', async () => {
  await s.post(CMS, cm('before-compact'));
  await s.control('POST', 'compact', {});
  const r = await s.stream(`${CMS}?watch=1&resourceVersion=1&timeoutSeconds=5`);
  assert.strictEqual(r.status, 200);
  assert.strictEqual(r.events.length, 1);
  assert.strictEqual(r.events[0].type, 'ERROR');
  assert.strictEqual(r.events[0].object.code, 410);
  assert.strictEqual(r.events[0].object.reason, 'Expired');
  assert.match(r.events[0].object.message, /^too old resource version: 1 \(\d+\)$/);
  assert.ok(r.duration < 1000, 'the stream ends right away');
});

test('future resourceVersion: silent until the timeout', async () => {
  const r = await s.stream(`${CMS}?watch=1&resourceVersion=99999999&allowWatchBookmarks=true&timeoutSeconds=1`);
  assert.strictEqual(r.status, 200);
  assert.strictEqual(r.events.length, 0);
});

test('legacy /watch/ path for a single object', async () => {
  await s.post(CMS, cm('single'));
  const w = s.stream('/api/v1/watch/namespaces/w/configmaps/single?timeoutSeconds=1');
  await sleep(100);
  await s.post(CMS, cm('other-object'));
  await s.patch(`${CMS}/single`, { data: { k: 'v' } }, 'application/merge-patch+json');
  const r = await w;
  assert.deepStrictEqual(r.events.map((e) => `${e.type}:${e.object.metadata.name}`), ['ADDED:single', 'MODIFIED:single']);
});

test('drop-watch-mid-event cuts the stream inside an event line', async () => {
  await s.control('POST', 'faults', { path: 'configmaps\\?watch', fault: 'drop-watch-mid-event', after: 1 });
  const rv = (await s.get(CMS)).json.metadata.resourceVersion;
  const w = s.stream(`${CMS}?watch=1&resourceVersion=${rv}&timeoutSeconds=3`);
  await sleep(100);
  await s.post(CMS, cm('cut-1'));
  await s.post(CMS, cm('cut-2'));
  const r = await w;
  assert.ok(!r.complete, 'no terminating chunk');
  assert.strictEqual(r.events[0].type, 'ADDED');
  assert.ok(r.events[1].partial, 'second event is cut');
  assert.ok(r.duration < 2000);
});

test('watch ends cleanly when the server resets state', async () => {
  const w = s.stream(`${CMS}?watch=1&timeoutSeconds=30`);
  await sleep(100);
  await s.control('POST', 'reset', {});
  const r = await w;
  assert.ok(r.complete);
  await s.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'w' } });
});

test('/_test/events lists every stored change in order', async () => {
  const before = (await s.control('GET', 'events')).resourceVersion;
  await s.post(CMS, cm('ev-1'));
  await s.del(`${CMS}/ev-1`);
  const ev = await s.control('GET', `events?since=${before}`);
  assert.deepStrictEqual(ev.items.map((e) => [e.type, e.resource, e.namespace, e.name]), [['ADDED', '/configmaps', 'w', 'ev-1'], ['DELETED', '/configmaps', 'w', 'ev-1']]);
  assert.ok(Number(ev.items[1].resourceVersion) > Number(ev.items[0].resourceVersion));
});
