'use strict';
// Watch streams (?watch=1 and the legacy /watch/ paths), framed as the real
// server frames them (transcripts 32-34, 76, 80):
//  - HTTP 200, Content-Type application/json, chunked, one {"type","object"}\n per event
//  - output goes through a 2048-byte buffer like Go's net/http bufio.Writer and
//    is flushed whenever no more events are queued: replayed events therefore
//    arrive in 2048-byte chunks that cut lines, live events one chunk each
//  - BOOKMARK events every config.bookmarkIntervalMs when allowWatchBookmarks=true
//  - timeoutSeconds ends the stream with the zero-length chunk
//  - resourceVersion older than the compacted revision -> one ERROR event (410) then end
//  - sendInitialEvents=true -> ADDED for the current state, then a BOOKMARK
//    annotated k8s.io/initial-events-end
const json = require('./json');
const sel = require('./selectors');
const { E, ApiError } = require('./errors');
const { resKey, apiVersionOf } = require('./api');
const { GO_BUFFER, baseHeaders } = require('./http');

// Emulates bufio.Writer(2048) in front of a chunked response.
class GoWriter {
  constructor(write) {
    this.out = write;
    this.buf = Buffer.alloc(GO_BUFFER);
    this.n = 0;
  }
  write(p) {
    while (p.length > GO_BUFFER - this.n) {
      if (this.n === 0) { this.out(Buffer.from(p)); return; } // large write, empty buffer: write directly
      const k = GO_BUFFER - this.n;
      p.copy(this.buf, this.n, 0, k);
      this.n += k;
      p = p.subarray(k);
      this.flush();
    }
    p.copy(this.buf, this.n);
    this.n += p.length;
  }
  flush() {
    if (this.n > 0) {
      this.out(Buffer.from(this.buf.subarray(0, this.n)));
      this.n = 0;
    }
  }
}

function validateWatchOptions(q, config) {
  const causes = [];
  if (q.get('sendInitialEvents') === 'true') {
    if (!config.watchList) {
      causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled', field: 'sendInitialEvents' });
    } else {
      if (q.get('resourceVersionMatch') !== 'NotOlderThan') causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan', field: 'resourceVersionMatch' });
      if (q.get('allowWatchBookmarks') !== 'true') causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true', field: 'allowWatchBookmarks' });
    }
  } else if (q.get('resourceVersionMatch')) {
    causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided', field: 'resourceVersionMatch' });
  }
  if (causes.length) {
    const list = causes.map((c) => `${c.field}: ${c.message}`);
    throw new ApiError(422, 'Invalid', `ListOptions.meta.k8s.io "" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`, { group: 'meta.k8s.io', kind: 'ListOptions', causes });
  }
}

function startWatch(server, ctx, res, ns, extraFieldSelector) {
  const q = ctx.query;
  const store = server.store;
  const config = server.config;
  validateWatchOptions(q, config);
  const labelReqs = sel.parseLabelSelector(q.get('labelSelector'));
  let fs = q.get('fieldSelector') || '';
  if (extraFieldSelector) fs = fs ? `${fs},${extraFieldSelector}` : extraFieldSelector;
  const fieldReqs = sel.parseFieldSelector(fs, res);
  const bookmarks = q.get('allowWatchBookmarks') === 'true';
  const initialEvents = q.get('sendInitialEvents') === 'true';
  const rvParam = q.get('resourceVersion') || '';
  if (rvParam && !/^\d+$/.test(rvParam)) throw E.badRequest(`resourceVersion: Invalid value: "${rvParam}": must be a valid resourceVersion`);
  let timeout = q.get('timeoutSeconds') !== null ? Number(q.get('timeoutSeconds')) : config.watchTimeoutSeconds;
  if (!(timeout > 0)) timeout = config.watchTimeoutSeconds;
  const key = resKey(res);
  const apiVersion = apiVersionOf(res);

  const matches = (o) => o && (!ns || o.metadata.namespace === ns) &&
    (!labelReqs.length || sel.matchLabels(labelReqs, o.metadata.labels)) &&
    (!fieldReqs.length || sel.matchFields(fieldReqs, o));
  const view = (o) => {
    if (res.custom) return o.apiVersion === apiVersion ? o : json.sortKeysDeep(Object.assign({}, o, { apiVersion }));
    if (o.apiVersion === apiVersion) return o;
    return Object.assign({ kind: o.kind, apiVersion }, o, { kind: o.kind, apiVersion });
  };

  const rs = ctx.res;
  rs.writeHead(200, baseHeaders(ctx, { 'Content-Type': 'application/json' }));
  if (rs.flushHeaders) rs.flushHeaders();
  ctx.finished = true;
  server.stats.countResponse(ctx);

  const fault = ctx.fault && ctx.fault.fault === 'drop-watch-mid-event' ? ctx.fault : null;
  let sentEvents = 0;
  let ended = false;
  const w = new GoWriter((b) => { if (!ended) rs.write(b); });
  const timers = [];
  const watcher = { resKey: key, onEvent: null };

  function end() {
    if (ended) return;
    w.flush();
    ended = true;
    cleanup();
    try { rs.end(); } catch (e) { /* already gone */ }
  }
  function cleanup() {
    store.removeWatcher(watcher);
    for (const t of timers) { clearTimeout(t); clearInterval(t); }
  }
  function emit(type, obj) {
    if (ended) return false;
    const line = Buffer.from(json.encode({ type, object: obj }) + '\n');
    if (fault && type !== 'BOOKMARK' && sentEvents >= (Number(fault.after) || 0)) {
      // cut the stream in the middle of this event's line
      w.write(line.subarray(0, Math.max(1, Math.floor(line.length / 2))));
      w.flush();
      ended = true;
      cleanup();
      setTimeout(() => ctx.destroy(), 20);
      return false;
    }
    sentEvents++;
    w.write(line);
    return true;
  }
  function bookmark(rv, annotations) {
    const meta = { resourceVersion: String(rv) };
    if (annotations) meta.annotations = annotations;
    const obj = res.custom ? { apiVersion, kind: res.kind, metadata: meta } : { kind: res.kind, apiVersion, metadata: meta };
    return emit('BOOKMARK', obj);
  }

  let lastRV = 0;
  function deliver(ev) {
    if (ev.rv <= lastRV) return false;
    const nowM = matches(ev.obj);
    if (ev.type === 'DELETED') {
      if (!(ev.prev ? matches(ev.prev) : nowM) && !nowM) return false;
      return emit('DELETED', view(ev.obj));
    }
    const wasM = ev.type === 'MODIFIED' ? matches(ev.prev) : false;
    if (ev.type === 'ADDED') return nowM ? emit('ADDED', view(ev.obj)) : false;
    if (nowM && wasM) return emit('MODIFIED', view(ev.obj));
    if (nowM && !wasM) return emit('ADDED', view(ev.obj));
    if (!nowM && wasM) return emit('DELETED', view(ev.obj));
    return false;
  }

  ctx.onClose(() => { ended = true; cleanup(); });

  // Initial state
  const startRV = rvParam ? Number(rvParam) : 0;
  if (initialEvents || !rvParam || startRV === 0) {
    const atRV = store.rv;
    for (const e of store.list(key, ns)) if (matches(e.obj)) emit('ADDED', view(e.obj));
    lastRV = atRV;
    if (initialEvents) bookmark(atRV, { 'k8s.io/initial-events-end': 'true' });
    w.flush();
  } else {
    const events = store.eventsSince(key, startRV);
    if (events === null) {
      emit('ERROR', { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${startRV} (${store.compactedRV + 1})`, reason: 'Expired', code: 410 });
      end();
      return;
    }
    lastRV = startRV;
    for (const ev of events) { deliver(ev); lastRV = Math.max(lastRV, ev.rv); }
    w.flush();
  }
  if (ended) return;

  watcher.onEvent = (ev) => {
    if (ended) return;
    if (deliver(ev)) w.flush();
    lastRV = Math.max(lastRV, ev.rv);
  };
  store.addWatcher(watcher);

  if (bookmarks && config.bookmarkIntervalMs > 0) {
    timers.push(setInterval(() => {
      if (ended) return;
      // a watch resumed at a future resourceVersion stays silent until it is reached (76)
      if (store.rv < startRV) return;
      bookmark(Math.max(store.rv, lastRV));
      w.flush();
    }, config.bookmarkIntervalMs));
  }
  timers.push(setTimeout(end, timeout * 1000));
  server.trackStream(end);
}

module.exports = { startWatch, GoWriter };
