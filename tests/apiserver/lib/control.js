'use strict';
// The /_test/ control API (no authentication, JSON in and out) and the fault
// switches it sets. See README.md for the contract the C tests rely on.
const crypto = require('crypto');
const json = require('./json');
const { E, ApiError } = require('./errors');
const { sendObject, sendError } = require('./http');

const FAULTS = new Set([
  'close-mid-body', 'status-429', 'status-503', 'status-500', 'stall', 'malformed-json',
  'drop-watch-mid-event', 'corrupt-frame', 'slow-body', 'close',
]);

class Faults {
  constructor() {
    this.list = [];
    this.nextId = 1;
  }

  add(spec) {
    if (!spec || !FAULTS.has(spec.fault)) throw E.badRequest(`unknown fault ${JSON.stringify(spec && spec.fault)}; known: ${[...FAULTS].join(', ')}`);
    let re, ua = null;
    try { re = new RegExp(spec.path || '.*'); } catch (e) { throw E.badRequest(`bad path regex: ${e.message}`); }
    // userAgent: only requests whose User-Agent matches (one client among several)
    try { if (spec.userAgent !== undefined) ua = new RegExp(spec.userAgent); } catch (e) { throw E.badRequest(`bad userAgent regex: ${e.message}`); }
    const f = Object.assign({}, spec, { id: this.nextId++, re, ua, times: spec.times === undefined ? 1 : Number(spec.times), hits: 0 });
    this.list.push(f);
    return f;
  }

  clear() {
    this.list = [];
  }

  // The first fault that matches this request; counts the hit.
  match(method, target, opts) {
    for (const f of this.list) {
      if (f.method && f.method.toUpperCase() !== method) continue;
      if (!f.re.test(target)) continue;
      if (f.ua && !f.ua.test((opts && opts.userAgent) || '')) continue;
      if (opts && opts.upgrade && f.fault !== 'corrupt-frame' && f.fault !== 'close' && !f.fault.startsWith('status-') && f.fault !== 'stall') continue;
      f.hits++;
      if (f.times > 0 && f.hits >= f.times) this.list = this.list.filter((x) => x !== f);
      return f;
    }
    return null;
  }

  describe() {
    return this.list.map((f) => {
      const o = Object.assign({}, f);
      delete o.re;
      delete o.ua;
      return o;
    });
  }
}

// Connection and request counters for /_test/stats.
class Stats {
  constructor() {
    this.reset();
  }
  reset() {
    this.connections = { total: 0, h1: 0, h2: 0, open: 0 };
    this.requests = { total: 0, h1: 0, h2: 0 };
    this.responses = 0;
    this.websockets = 0;
  }
  countResponse(ctx) {
    this.responses++;
  }
  countRequest(proto) {
    this.requests.total++;
    this.requests[proto]++;
  }
}

async function handleControl(server, ctx) {
  const p = ctx.path.replace(/\/+$/, '');
  const method = ctx.method;
  let body = {};
  if (ctx.body.length) {
    try { body = json.parse(ctx.body.toString('utf8')).value; } catch (e) { throw E.badRequest(`invalid JSON: ${e.message}`); }
  }
  const ok = (obj) => sendObject(ctx, 200, obj);
  switch (`${method} ${p}`) {
    case 'POST /_test/faults': {
      const specs = Array.isArray(body) ? body : [body];
      const added = specs.map((s) => server.faults.add(s));
      return ok({ faults: added.map((f) => f.id) });
    }
    case 'GET /_test/faults':
      return ok({ faults: server.faults.describe() });
    case 'DELETE /_test/faults':
      server.faults.clear();
      return ok({ faults: [] });
    case 'POST /_test/reset':
      server.resetState();
      return ok({ resourceVersion: String(server.store.rv) });
    case 'GET /_test/stats':
      return ok({
        connections: Object.assign({}, server.stats.connections),
        requests: Object.assign({}, server.stats.requests),
        websockets: server.stats.websockets,
        openStreams: server.streams.size,
        resourceVersion: String(server.store.rv),
      });
    case 'POST /_test/stats/reset': {
      const open = server.stats.connections.open;
      server.stats.reset();
      server.stats.connections.open = open;
      return ok({});
    }
    case 'GET /_test/events': {
      const since = Number(ctx.query.get('since') || 0);
      const resource = ctx.query.get('resource');
      const items = server.store.log.filter((e) => Number(e.resourceVersion) > since && (!resource || e.resource === resource || e.resource.endsWith('/' + resource)));
      return ok({ resourceVersion: String(server.store.rv), compactedResourceVersion: String(server.store.compactedRV), items });
    }
    case 'POST /_test/goaway':
      return ok({ sessions: server.goaway() });
    case 'POST /_test/compact': {
      const rv = body.resourceVersion !== undefined ? Number(body.resourceVersion) : undefined;
      const c = server.store.compact(rv);
      return ok({ compactedResourceVersion: String(c), resourceVersion: String(server.store.rv) });
    }
    case 'POST /_test/clone': {
      // Copies of a stored object (new name, uid, resourceVersion) straight
      // into storage, for benchmarks that need 100,000s of realistic objects
      // faster than a create each would take. The source object went
      // through the API, so the copies have its defaults, status and
      // managedFields.
      const { group = '', version = 'v1', resource, namespace = '', name, count } = body;
      const res = resource && server.registry.lookup(group, version, resource);
      if (!res) throw E.badRequest(`unknown resource ${JSON.stringify(resource)}`);
      const key = `${res.group}/${res.plural}`;
      const src = server.store.get(key, res.namespaced ? namespace : '', name);
      if (!src) throw E.notFound(res, name);
      const spread = Array.isArray(body.namespaces) && body.namespaces.length ? body.namespaces : [src.metadata.namespace];
      const n = Number(count) || 0, first = Number(body.start) || 0;
      for (let i = first; i < first + n; i++) {
        const o = json.clone(src);
        o.metadata.name = `${name}-${String(i).padStart(6, '0')}`;
        if (res.namespaced) o.metadata.namespace = spread[i % spread.length];
        o.metadata.uid = crypto.randomUUID();
        server.store.commit('ADDED', key, o);
      }
      return ok({ count: n, resourceVersion: String(server.store.rv) });
    }
    case 'POST /_test/logs':
      return ok(server.pods.appendLogs(body));
    case 'POST /_test/run-pod':
      return ok(server.pods.runPod(body.namespace || 'default', body.name || body.pod, body));
    case 'GET /_test/config':
      return ok(server.config);
    case 'POST /_test/config': {
      for (const [k, v] of Object.entries(body || {})) {
        if (!(k in server.config)) throw E.badRequest(`unknown config key ${k}; known: ${Object.keys(server.config).join(', ')}`);
        if (typeof v !== typeof server.config[k]) throw E.badRequest(`config ${k} must be a ${typeof server.config[k]}`);
        server.config[k] = v;
      }
      return ok(server.config);
    }
    case 'POST /_test/tokens': {
      for (const t of body.add || []) {
        if (!t || !t.token || !t.user) throw E.badRequest('each added token needs "token" and "user"');
        server.auth.addToken(t.token, t.user, t.groups || [], t.expiresInSeconds !== undefined ? { expiresAt: Date.now() + t.expiresInSeconds * 1000 } : undefined);
      }
      for (const t of body.remove || []) server.auth.tokens.delete(t);
      if (body.reset) server.auth.resetTokens();
      return ok({ tokens: server.auth.tokens.size });
    }
    default:
      throw new ApiError(404, 'NotFound', `no control endpoint ${method} ${p}`, {});
  }
}

module.exports = { Faults, Stats, handleControl, FAULTS };
