'use strict';
// The server: transports (TLS with ALPN h2 / http/1.1 on one port, or plain
// HTTP/1.1), request contexts, routing to discovery / REST / watch / pod
// streams / control API, fault injection, and the small "controllers" a test
// cluster needs (CRD establishing, namespace cleanup, pod termination).
const fs = require('fs');
const net = require('net');
const tls = require('tls');
const http = require('http');
const http2 = require('http2');
const json = require('./json');
const { E, ApiError } = require('./errors');
const { Store } = require('./store');
const { Registry, VERSION_INFO, apiVersions, apiGroupList, apiGroup, resourceList, aggregated, etag } = require('./discovery');
const { Api, resKey, apiVersionOf, decodeBody, now, uid } = require('./api');
const { startWatch } = require('./watch');
// SETTINGS_MAX_CONCURRENT_STREAMS of each HTTP/2 connection: what a real
// kube-apiserver with default flags advertises (100, not Go's 250), so that
// clients meet the same limit here as there.
const H2_MAX_STREAMS = 100;
const { Pods } = require('./pods');
const { Auth } = require('./auth');
const { Faults, Stats, handleControl } = require('./control');
const { negotiate, sendObject, sendError, sendEmpty, sendRaw } = require('./http');
const kinds = require('./kinds');
const crd = require('./crd');
const mf = require('./managedfields');

const DEFAULT_CONFIG = {
  bookmarkIntervalMs: 1000, // BOOKMARK period for allowWatchBookmarks=true watches
  defaultPageSize: 0, // LIST page size when the client sends no limit (0 = unlimited)
  watchList: true, // sendInitialEvents (streaming lists) supported
  tooLargeRvWaitMs: 1000, // how long a LIST waits for a future resourceVersion before 504
  watchTimeoutSeconds: 1800, // watch length when the client sends no timeoutSeconds
  podTerminationMs: 200, // cap on how long a scheduled pod stays Terminating after DELETE
  namespaceController: true, // deleting a namespace empties and removes it
  autoRunPods: false, // pods are scheduled and Running as soon as they are created
  anonymous: true, // requests without credentials are system:anonymous (else 401)
  maxBodyBytes: 3 * 1024 * 1024,
  h2MaxConcurrentStreams: H2_MAX_STREAMS, // SETTINGS_MAX_CONCURRENT_STREAMS of new HTTP/2 connections
};

class ApiServer {
  constructor(opts) {
    this.opts = opts || {};
    this.baseConfig = Object.assign({}, DEFAULT_CONFIG, this.opts.config || {});
    this.config = Object.assign({}, this.baseConfig);
    this.store = new Store();
    this.registry = new Registry();
    this.api = new Api(this);
    this.pods = new Pods(this);
    this.auth = new Auth(this);
    this.faults = new Faults();
    this.stats = new Stats();
    this.streams = new Set(); // functions that end open streams (watch, follow, websockets)
    this.pending = new Set(); // stalled requests
    this.sockets = new Set();
    this.h2sessions = new Set();
    this.timers = new Set();
    const tokens = [
      ['admin-token', { name: 'admin', groups: ['system:masters'] }],
      ['no-rights-token', { name: 'norights', groups: [] }],
    ];
    for (const spec of this.opts.tokens || []) tokens.push(spec);
    this.auth.setInitial(tokens);
    this.seed();
  }

  log(msg) {
    if (this.opts.verbose) process.stderr.write(`[apiserver] ${msg}\n`);
  }

  // ---------- state ----------
  resetState() {
    for (const end of [...this.streams]) { try { end(); } catch (e) { /* ignore */ } }
    this.streams.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.store.reset();
    this.registry.reset();
    this.pods.reset();
    this.faults.clear();
    this.auth.resetTokens();
    this.config = Object.assign({}, this.baseConfig);
    this.seed();
  }

  later(fn, ms) {
    const t = setTimeout(() => { this.timers.delete(t); fn(); }, ms || 0);
    this.timers.add(t);
    return t;
  }

  trackStream(end) {
    this.streams.add(end);
  }

  // What a fresh kube-apiserver has before anyone talks to it.
  seed() {
    const t = now();
    const mk = (resource, obj, manager) => {
      const [group, plural] = resource.split('/');
      const res = this.registry.resources.find((r) => r.group === group && r.plural === plural);
      obj.apiVersion = apiVersionOf(res);
      obj.kind = res.kind;
      obj.metadata.uid = uid();
      obj.metadata.creationTimestamp = t;
      kinds.defaults(res, obj, { creating: true });
      obj.metadata.resourceVersion = '';
      mf.recordUpdate(null, obj, manager || 'kube-apiserver', { type: require('./schema').typeFor(res.schemaKind), apiVersion: obj.apiVersion, scope: res.hasStatus ? 'main' : 'all' });
      kinds.admit(res, obj, { creating: true });
      this.store.commit('ADDED', resKey(res), this.api.finalize(res, obj));
    };
    for (const ns of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) mk('/namespaces', { metadata: { name: ns } });
    mk('rbac.authorization.k8s.io/clusterroles', { metadata: { name: 'cluster-admin', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } }, rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }] });
    mk('rbac.authorization.k8s.io/clusterroles', { metadata: { name: 'view', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } }, rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: ['', 'apps', 'batch'], resources: ['pods', 'pods/log', 'configmaps', 'services', 'endpoints', 'persistentvolumeclaims', 'replicationcontrollers', 'deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs', 'events', 'serviceaccounts', 'namespaces'] }] });
    mk('rbac.authorization.k8s.io/clusterrolebindings', { metadata: { name: 'cluster-admin', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } }, subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:masters' }], roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' } });
    mk('scheduling.k8s.io/priorityclasses', { metadata: { name: 'system-cluster-critical' }, value: 2000000000, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.', preemptionPolicy: 'PreemptLowerPriority' });
    mk('scheduling.k8s.io/priorityclasses', { metadata: { name: 'system-node-critical' }, value: 2000001000, description: 'Used for system critical pods that must not be moved from their current node.', preemptionPolicy: 'PreemptLowerPriority' });
    mk('/configmaps', { metadata: { name: 'extension-apiserver-authentication', namespace: 'kube-system' }, data: { 'requestheader-allowed-names': '[]', 'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]', 'requestheader-group-headers': '["X-Remote-Group"]', 'requestheader-username-headers': '["X-Remote-User"]' } });
    mk('/configmaps', { metadata: { name: 'kube-apiserver-legacy-service-account-token-tracking', namespace: 'kube-system' }, data: { since: t.slice(0, 10) } });
    mk('/services', { metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } }, spec: { ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }], clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'] } });
    mk('/endpoints', { metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }] });
  }

  // Side effects of a committed write (what controllers would do).
  afterWrite(res, type, obj, old) {
    if (res.kind === 'CustomResourceDefinition' && res.group === 'apiextensions.k8s.io') return this.crdChanged(type, obj);
    if (res.kind === 'Namespace' && !res.group && type === 'MODIFIED' && obj.metadata.deletionTimestamp && this.config.namespaceController) {
      this.later(() => this.finishNamespace(obj.metadata.name), 0);
    }
    if (res.kind === 'Pod' && !res.group) {
      if (type === 'DELETED') this.pods.podDeleted(obj);
      if (type === 'ADDED' && this.config.autoRunPods) this.later(() => { try { this.pods.runPod(obj.metadata.namespace, obj.metadata.name); } catch (e) { /* gone */ } }, 0);
    }
  }

  crdChanged(type, obj) {
    const name = obj.metadata.name;
    if (type === 'DELETED') {
      const gone = this.registry.resources.filter((r) => r.crd === name);
      this.registry.removeCustom(name);
      if (gone.length) {
        const key = resKey(gone[0]);
        for (const e of this.store.list(key)) this.store.commit('DELETED', key, json.clone(e.obj), e.obj);
      }
      return;
    }
    if (obj.metadata.deletionTimestamp) return;
    this.registry.addCustom(crd.resourcesFor(obj), name);
    const conds = (obj.status && obj.status.conditions) || [];
    if (!conds.some((c) => c.type === 'Established' && c.status === 'True')) {
      // what the apiextensions controllers do right after a CRD is created (56)
      this.later(() => this.establishCRD(name), 0);
    }
  }

  establishCRD(name) {
    const crdRes = this.registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
    const cur = this.store.get(resKey(crdRes), '', name);
    if (!cur) return;
    const t = now();
    const step = (mutate) => {
      const latest = this.store.get(resKey(crdRes), '', name);
      if (!latest) return;
      const o = json.clone(latest);
      mutate(o);
      const ctx = { query: new URLSearchParams(), headers: { 'user-agent': 'kube-apiserver/v1.36.2' }, user: { name: 'system:apiserver', groups: ['system:masters'] }, warnings: [] };
      this.api.update(ctx, crdRes, '', name, o, { sub: 'status', manager: 'kube-apiserver' });
    };
    step((o) => {
      const names = Object.assign({}, o.spec.names);
      o.status.acceptedNames = names;
      o.status.conditions = [{ type: 'NamesAccepted', status: 'True', lastTransitionTime: t, reason: 'NoConflicts', message: 'no conflicts found' }];
    });
    step((o) => {
      o.status.conditions = (o.status.conditions || []).filter((c) => c.type !== 'Established');
      o.status.conditions.push({ type: 'Established', status: 'True', lastTransitionTime: t, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' });
    });
  }

  finishNamespace(ns) {
    const nsKey = '/namespaces';
    const cur = this.store.get(nsKey, '', ns);
    if (!cur || !cur.metadata.deletionTimestamp) return;
    const seen = new Set();
    for (const r of this.registry.resources) {
      const key = resKey(r);
      if (!r.namespaced || seen.has(key)) continue;
      seen.add(key);
      for (const e of this.store.list(key, ns)) {
        const o = json.clone(e.obj);
        if (!o.metadata.deletionTimestamp) o.metadata.deletionTimestamp = now();
        delete o.metadata.finalizers;
        this.store.commit('DELETED', key, o, e.obj);
        if (r.kind === 'Pod') this.pods.podDeleted(o);
      }
    }
    const latest = this.store.get(nsKey, '', ns);
    if (latest) {
      const o = json.clone(latest);
      o.spec = Object.assign({}, o.spec, { finalizers: [] });
      this.store.commit('DELETED', nsKey, o, latest);
    }
  }

  kubeletTerminate(res, pod, grace) {
    const { namespace, name, uid: id } = pod.metadata;
    this.later(() => {
      const cur = this.store.get('/pods', namespace, name);
      if (!cur || cur.metadata.uid !== id) return;
      const o = json.clone(cur);
      o.metadata.deletionGracePeriodSeconds = 0;
      if ((o.metadata.finalizers || []).length) {
        this.store.commit('MODIFIED', '/pods', o, cur);
        return;
      }
      this.store.commit('DELETED', '/pods', o, cur);
      this.pods.podDeleted(o);
    }, Math.min(grace * 1000, this.config.podTerminationMs));
  }

  // ---------- transport ----------
  async listen(host, port) {
    const handler = (req, res) => this.onRequest(req, res);
    if (this.opts.plain) {
      this.http1 = http.createServer(handler);
      this.http1.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
      this.http1.on('connection', (s) => this.onConnection(s, 'h1'));
      this.http1.on('clientError', (err, socket) => { if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'); });
      this.http1.keepAliveTimeout = 60000;
      this.listener = this.http1;
    } else {
      const dir = this.opts.tlsDir;
      const tlsOpts = {
        key: fs.readFileSync(`${dir}/server.key`),
        cert: fs.readFileSync(`${dir}/server.crt`),
        ca: fs.readFileSync(`${dir}/ca.crt`),
        requestCert: true,
        rejectUnauthorized: false,
        ALPNProtocols: ['h2', 'http/1.1'],
      };
      this.http1 = http.createServer(handler);
      this.http1.keepAliveTimeout = 60000;
      this.http1.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
      this.http1.on('clientError', (err, socket) => { if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'); });
      this.h2 = http2.createSecureServer(Object.assign({}, tlsOpts, { allowHTTP1: false, settings: { maxConcurrentStreams: H2_MAX_STREAMS } }));
      this.h2.on('request', handler);
      this.h2.on('session', (s) => {
        this.h2sessions.add(s);
        s.on('close', () => this.h2sessions.delete(s));
        const max = this.config.h2MaxConcurrentStreams;
        if (max !== H2_MAX_STREAMS) s.settings({ maxConcurrentStreams: max }); // the default went with the first SETTINGS
      });
      this.h2.on('sessionError', () => {});
      this.listener = tls.createServer(tlsOpts);
      this.listener.on('connection', (s) => { this.stats.connections.total++; this.stats.connections.open++; this.sockets.add(s); s.on('close', () => { this.stats.connections.open--; this.sockets.delete(s); }); });
      this.listener.on('secureConnection', (s) => {
        if (s.alpnProtocol === 'h2') {
          this.stats.connections.h2++;
          s.proto = 'h2';
          this.h2.emit('secureConnection', s);
        } else {
          this.stats.connections.h1++;
          s.proto = 'h1';
          this.http1.emit('connection', s);
        }
      });
      this.listener.on('tlsClientError', () => {});
    }
    this.echo = net.createServer((s) => { s.on('error', () => {}); s.pipe(s); });
    await new Promise((resolve) => this.echo.listen(0, '127.0.0.1', resolve));
    this.echoPort = this.echo.address().port;
    await new Promise((resolve, reject) => {
      this.listener.once('error', reject);
      this.listener.listen(port, host, resolve);
    });
    const addr = this.listener.address();
    this.port = addr.port;
    this.host = host;
    return addr;
  }

  // A graceful GOAWAY on every HTTP/2 connection, as kube-apiserver's
  // --goaway-chance sends one: the streams open run to their end, new
  // requests need a new connection. How many connections it was sent on.
  goaway() {
    let n = 0;
    for (const s of this.h2sessions) if (!s.closed) { s.close(); n++; }
    return n;
  }

  onConnection(s, proto) {
    this.stats.connections.total++;
    this.stats.connections.open++;
    this.stats.connections[proto]++;
    s.proto = proto;
    this.sockets.add(s);
    s.on('close', () => { this.stats.connections.open--; this.sockets.delete(s); });
  }

  async close() {
    for (const end of [...this.streams]) { try { end(); } catch (e) { /* ignore */ } }
    for (const t of this.timers) clearTimeout(t);
    for (const p of this.pending) { try { p(); } catch (e) { /* ignore */ } }
    for (const s of this.sockets) s.destroy();
    if (this.echo) this.echo.close();
    if (this.h2) this.h2.close();
    await new Promise((resolve) => (this.listener ? this.listener.close(() => resolve()) : resolve()));
  }

  // ---------- request handling ----------
  makeContext(req, res, isH2) {
    const url = new URL(req.url, 'http://x');
    const socket = isH2 ? req.stream.session.socket : req.socket;
    const ctx = {
      server: this, req, res, isH2,
      proto: isH2 ? 'h2' : 'h1',
      method: req.method,
      target: req.url,
      path: decodePath(url.pathname),
      query: url.searchParams,
      headers: req.headers,
      socket,
      warnings: [],
      finished: false,
      closed: false,
      closeHandlers: [],
      body: Buffer.alloc(0),
      pretty: url.searchParams.get('pretty') === 'true' || url.searchParams.get('pretty') === '1' || /^curl/.test(req.headers['user-agent'] || ''),
      onClose(fn) { if (this.closed) fn(); else this.closeHandlers.push(fn); },
      destroy() {
        if (isH2) {
          if (this.fault && this.fault.stream) req.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
          else if (req.stream.session) req.stream.session.destroy(); // not already gone with another stream's fault
        } else {
          req.socket.destroy();
        }
      },
      timer: (fn, ms) => this.later(fn, ms),
    };
    const onClose = () => {
      if (ctx.closed) return;
      ctx.closed = true;
      for (const fn of ctx.closeHandlers) { try { fn(); } catch (e) { /* ignore */ } }
    };
    // res 'close' means the response finished or the connection went away
    // (req 'close' only says the request body was read, since Node 16)
    res.on('close', onClose);
    return ctx;
  }

  onRequest(req, res) {
    const isH2 = req.httpVersionMajor === 2;
    this.stats.countRequest(isH2 ? 'h2' : 'h1');
    const ctx = this.makeContext(req, res, isH2);
    const chunks = [];
    let size = 0;
    req.on('data', (d) => {
      size += d.length;
      if (size <= this.config.maxBodyBytes) chunks.push(d);
    });
    req.on('end', () => {
      ctx.body = Buffer.concat(chunks);
      if (size > this.config.maxBodyBytes) {
        return sendError(ctx, new ApiError(413, 'RequestEntityTooLarge', `the request is too large; limit is ${this.config.maxBodyBytes} bytes`, {}));
      }
      this.dispatch(ctx).catch((err) => sendError(ctx, err));
    });
    req.on('error', () => {});
  }

  // Pre-response faults; returns true when the request was consumed.
  async applyFault(ctx, fault) {
    ctx.fault = fault;
    const retry = Number(fault.retryAfter !== undefined ? fault.retryAfter : 1);
    switch (fault.fault) {
      case 'status-429': throw E.tooManyRequests(retry);
      case 'status-503': throw E.serviceUnavailable(retry);
      case 'status-500': throw E.internal(fault.message || 'injected fault');
      case 'close': ctx.destroy(); return true;
      case 'stall':
        if (fault.ms !== undefined) {
          await new Promise((r) => this.later(r, Number(fault.ms)));
          return ctx.closed;
        }
        // never answer; released when the server stops or the client gives up
        await new Promise((resolve) => {
          this.pending.add(resolve);
          ctx.onClose(() => { this.pending.delete(resolve); resolve(); });
        });
        return true;
      default: return false;
    }
  }

  async dispatch(ctx) {
    const p = ctx.path;
    if (p === '/_test' || p.startsWith('/_test/')) return handleControl(this, ctx);
    const fault = this.faults.match(ctx.method, ctx.target, { userAgent: ctx.headers['user-agent'] });
    if (fault && await this.applyFault(ctx, fault)) return;
    ctx.user = this.auth.authenticate(ctx.req, ctx.socket);
    if (p === '/healthz' || p === '/livez' || p === '/readyz') return sendRaw(ctx, 200, 'text/plain; charset=utf-8', Buffer.from('ok'), { 'X-Content-Type-Options': 'nosniff' });
    if (p === '/version' || p === '/version/') {
      this.authorizePath(ctx);
      ctx.pretty = true; // the real /version is indented (transcript 01)
      return sendObject(ctx, 200, VERSION_INFO);
    }
    if (p === '/api' || p === '/api/' || p === '/apis' || p === '/apis/') {
      this.authorizePath(ctx);
      const neg = negotiate(ctx.headers.accept, { discovery: true });
      if (!neg) throw E.notAcceptable();
      const legacy = p.startsWith('/api/') || p === '/api';
      if (neg.as === 'APIGroupDiscoveryList') {
        const doc = aggregated(this.registry, legacy);
        const tag = etag(doc);
        if (ctx.headers['if-none-match'] === tag) return sendEmpty(ctx, 304, { Etag: tag, Vary: 'Accept', 'Cache-Control': 'public' });
        return sendObject(ctx, 200, doc, { 'Cache-Control': 'public', 'Content-Type': neg.raw, Etag: tag, Vary: 'Accept' });
      }
      ctx.yaml = neg.yaml;
      return sendObject(ctx, 200, legacy ? apiVersions(`${this.host}:${this.port}`) : apiGroupList(this.registry));
    }
    if (p.startsWith('/api/') || p.startsWith('/apis/')) return this.routeApi(ctx);
    if (p.startsWith('/openapi/')) throw E.notFoundPath();
    return sendRaw(ctx, 404, 'text/plain; charset=utf-8', Buffer.from('404 page not found\n'), { 'X-Content-Type-Options': 'nosniff' });
  }

  authorizePath(ctx) {
    const verb = ctx.method.toLowerCase();
    const attrs = { verb: verb === 'head' ? 'get' : verb, path: ctx.path.replace(/\/$/, '') || '/' };
    if (!this.auth.allowed(ctx.user, attrs)) throw this.auth.forbidden(ctx.user, attrs);
  }

  // /api/v1/... and /apis/<group>/<version>/...
  parseApiPath(path) {
    const segs = path.split('/').filter((s) => s !== '');
    let group = '', version, rest;
    if (segs[0] === 'api') {
      version = segs[1];
      rest = segs.slice(2);
    } else {
      group = segs[1];
      version = segs[2];
      rest = segs.slice(3);
    }
    return { group, version, rest, segs };
  }

  async routeApi(ctx) {
    const { group, version, rest, segs } = this.parseApiPath(ctx.path);
    if (segs[0] === 'apis' && segs.length === 2) {
      this.authorizePath(ctx);
      const doc = apiGroup(this.registry, group);
      if (!doc) throw E.notFoundPath();
      return sendObject(ctx, 200, doc);
    }
    if (!version) throw E.notFoundPath();
    if (!rest.length) {
      this.authorizePath(ctx);
      const doc = resourceList(this.registry, group, version);
      if (!doc) throw E.notFoundPath();
      const neg = negotiate(ctx.headers.accept, {});
      if (!neg) throw E.notAcceptable();
      ctx.yaml = neg.yaml;
      return sendObject(ctx, 200, doc);
    }
    let watchPath = false;
    let r = rest;
    if (r[0] === 'watch') { watchPath = true; r = r.slice(1); }
    let ns = '', plural, name, sub;
    if (r[0] === 'namespaces' && r.length >= 3 && this.registry.lookup(group, version, r[2]) && this.registry.lookup(group, version, r[2]).namespaced) {
      ns = r[1]; plural = r[2]; name = r[3]; sub = r[4];
      if (r.length > 5) throw E.notFoundPath();
    } else {
      plural = r[0]; name = r[1]; sub = r[2];
      if (r.length > 3) throw E.notFoundPath();
    }
    const res = this.registry.lookup(group, version, plural);
    if (!res) throw E.notFoundPath();
    if (!res.namespaced && ns) throw E.notFoundPath();
    return this.serveResource(ctx, res, ns, name, sub, watchPath);
  }

  authorize(ctx, res, verb, ns, name, sub) {
    const attrs = { verb, resource: res, namespace: ns, name, subresource: sub };
    if (!this.auth.allowed(ctx.user, attrs)) throw this.auth.forbidden(ctx.user, attrs);
  }

  async serveResource(ctx, res, ns, name, sub, watchPath) {
    const api = this.api;
    const m = ctx.method;
    const q = ctx.query;
    const isWatch = watchPath || q.get('watch') === 'true' || q.get('watch') === '1';
    if (sub !== undefined && !res.subresources.some((s) => s.name === sub)) throw E.notFoundPath();
    if (res.namespaced && !ns && (name !== undefined || (m !== 'GET' && m !== 'HEAD'))) {
      if (!(res.plural === 'namespaces')) throw E.notFoundPath();
    }
    // -------- collection --------
    if (name === undefined) {
      if (m === 'GET' || m === 'HEAD') {
        const verb = isWatch ? 'watch' : 'list';
        if (!res.verbs.includes(verb)) throw E.methodNotAllowed(verb);
        this.authorize(ctx, res, verb, ns);
        if (isWatch) return startWatch(this, ctx, res, ns);
        return this.respondList(ctx, res, ns);
      }
      if (m === 'POST') {
        if (!res.verbs.includes('create')) throw E.methodNotAllowed('create');
        this.authorize(ctx, res, 'create', ns);
        if (!res.storage) return this.virtualCreate(ctx, res, ns);
        return this.respondObject(ctx, res, 201, api.create(ctx, res, ns));
      }
      if (m === 'DELETE') {
        if (!res.verbs.includes('deletecollection')) throw E.methodNotAllowed('deletecollection');
        this.authorize(ctx, res, 'deletecollection', ns);
        const body = api.deleteCollection(ctx, res, ns);
        return sendObject(ctx, 200, body);
      }
      throw E.methodNotAllowed(m);
    }
    if (isWatch) {
      if (sub !== undefined || m !== 'GET') throw E.methodNotAllowed('watch');
      this.authorize(ctx, res, 'watch', ns, name);
      return startWatch(this, ctx, res, ns, `metadata.name=${name}`);
    }
    // -------- subresources --------
    if (sub !== undefined) return this.serveSubresource(ctx, res, ns, name, sub);
    // -------- item --------
    switch (m) {
      case 'GET':
      case 'HEAD':
        this.authorize(ctx, res, 'get', ns, name);
        return this.respondObject(ctx, res, 200, api.get(ctx, res, ns, name), true);
      case 'PUT': {
        this.authorize(ctx, res, 'update', ns, name);
        const r = api.put(ctx, res, ns, name);
        return this.respondObject(ctx, res, r.created ? 201 : 200, r.obj);
      }
      case 'PATCH': {
        this.authorize(ctx, res, 'patch', ns, name);
        const r = api.patch(ctx, res, ns, name);
        return this.respondObject(ctx, res, r.created ? 201 : 200, r.obj);
      }
      case 'DELETE': {
        this.authorize(ctx, res, 'delete', ns, name);
        const r = api.delete(ctx, res, ns, name, api.deleteOptions(ctx));
        const out = api.deleteResponse(res, r);
        if (out.body.kind === 'Status') return sendObject(ctx, out.code, out.body);
        return this.respondObject(ctx, res, out.code, out.body);
      }
      case 'POST':
        throw E.methodNotAllowed('create');
      default:
        throw E.methodNotAllowed(m);
    }
  }

  async serveSubresource(ctx, res, ns, name, sub) {
    const api = this.api;
    const m = ctx.method;
    const verbFor = { GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', POST: 'create', DELETE: 'delete' };
    const subDef = res.subresources.find((s) => s.name === sub);
    let verb = verbFor[m];
    if (['exec', 'attach', 'portforward'].includes(sub)) verb = 'create';
    if (!verb || !subDef.verbs.includes(verb)) throw E.methodNotAllowed(verb || m);
    this.authorize(ctx, res, verb, ns, name, sub);
    const isPod = res.kind === 'Pod' && !res.group;
    if (sub === 'status' || sub === 'approval' || sub === 'ephemeralcontainers' || sub === 'resize') {
      if (m === 'GET') return this.respondObject(ctx, res, 200, api.get(ctx, res, ns, name), true);
      const scope = sub === 'status' ? 'status' : sub;
      let r;
      if (sub === 'status') r = m === 'PUT' ? api.put(ctx, res, ns, name, 'status') : api.patch(ctx, res, ns, name, 'status');
      else r = this.partialUpdate(ctx, res, ns, name, scope);
      return this.respondObject(ctx, res, 200, r.obj);
    }
    if (sub === 'scale') {
      if (!res.scale) throw E.notFoundPath();
      if (m === 'GET') return sendObject(ctx, 200, api.scaleOf(res, api.get(ctx, res, ns, name)));
      return sendObject(ctx, 200, api.writeScale(ctx, res, ns, name, m === 'PATCH'));
    }
    if (isPod && sub === 'log') return this.pods.log(ctx, api.get(ctx, res, ns, name));
    if (isPod && sub === 'eviction') return sendObject(ctx, 201, this.pods.evict(ctx, api, res, ns, name));
    if (isPod && sub === 'binding') {
      const { value } = decodeBody(ctx, res, { kind: 'Binding' });
      return sendObject(ctx, 201, this.pods.bind(ctx, api, res, ns, name, value));
    }
    if (isPod && ['exec', 'attach', 'portforward'].includes(sub)) {
      const pod = api.get(ctx, res, ns, name);
      this.pods.prepareStream(ctx, pod, sub);
      throw E.badRequest('Upgrade request required');
    }
    if (res.plural === 'serviceaccounts' && sub === 'token') return this.tokenRequest(ctx, res, ns, name);
    if (res.plural === 'namespaces' && sub === 'finalize') {
      const r = this.partialUpdate(ctx, res, ns || '', name, 'finalize');
      return this.respondObject(ctx, res, 200, r.obj);
    }
    if (sub === 'proxy') throw new ApiError(503, 'ServiceUnavailable', `no endpoints available for ${res.singular} "${name}"`, {});
    throw E.notFoundPath();
  }

  // Subresources that may change only part of the object.
  partialUpdate(ctx, res, ns, name, scope) {
    const api = this.api;
    const old = api.get(ctx, res, ns, name);
    let incoming;
    if (ctx.method === 'PUT') {
      const { value, duplicates } = decodeBody(ctx, res);
      incoming = api.shape(ctx, res, value, duplicates);
    } else {
      // patch the whole object, then keep only the allowed part
      const r = json.clone(old);
      const patchMod = require('./patch');
      const ctype = (ctx.headers['content-type'] || '').split(';')[0].trim();
      let body;
      try {
        body = json.parse(ctx.body.toString('utf8') || '{}').value;
      } catch (e) {
        throw E.badRequest(`error decoding patch: ${e.message}`);
      }
      try {
        if (ctype === 'application/json-patch+json') incoming = patchMod.jsonPatch(r, body);
        else if (ctype === 'application/merge-patch+json') incoming = patchMod.mergePatch(r, body);
        else if (ctype === 'application/strategic-merge-patch+json') incoming = patchMod.strategicMerge(r, body, require('./schema').typeFor(res.schemaKind));
        else throw E.unsupportedMediaType(ctype);
      } catch (e) {
        if (e instanceof patchMod.PatchError) throw E.invalidGeneric();
        throw e;
      }
    }
    if (!json.isObject(incoming) || (incoming.spec !== undefined && !json.isObject(incoming.spec)) || (incoming.status !== undefined && !json.isObject(incoming.status))) {
      throw E.badRequest(`the object provided is unrecognized (must be of type ${res.kind})`);
    }
    const inSpec = incoming.spec || {};
    for (const f of ['containers', 'ephemeralContainers', 'finalizers']) {
      if (inSpec[f] !== undefined && inSpec[f] !== null && !Array.isArray(inSpec[f])) throw E.badRequest(`${res.kind} in version "${res.version}" cannot be handled as a ${res.kind}: json: cannot unmarshal ${typeof inSpec[f]} into Go struct field spec.${f}`);
    }
    const obj = json.clone(old);
    if (scope === 'ephemeralcontainers') obj.spec.ephemeralContainers = (incoming.spec || {}).ephemeralContainers;
    else if (scope === 'resize') {
      for (const c of obj.spec.containers || []) {
        const n = ((incoming.spec || {}).containers || []).find((x) => x && x.name === c.name);
        if (n && n.resources) c.resources = n.resources;
      }
    } else if (scope === 'approval') {
      obj.status = Object.assign({}, obj.status, { conditions: (incoming.status || {}).conditions });
    } else if (scope === 'finalize') {
      obj.spec = Object.assign({}, obj.spec, { finalizers: (incoming.spec || {}).finalizers || [] });
    }
    if (incoming.metadata && incoming.metadata.resourceVersion && ctx.method === 'PUT') obj.metadata.resourceVersion = incoming.metadata.resourceVersion;
    const r = api.update(ctx, res, ns, name, obj, { sub: 'any', manager: undefined });
    if (scope === 'finalize' && r.obj.metadata.deletionTimestamp && !(r.obj.spec.finalizers || []).length) this.later(() => this.finishNamespace(name), 0);
    return r;
  }

  tokenRequest(ctx, res, ns, name) {
    const sa = this.api.get(ctx, res, ns, name);
    const { value } = decodeBody(ctx, res, { kind: 'TokenRequest' });
    const spec = (value && value.spec) || {};
    const audiences = Array.isArray(spec.audiences) && spec.audiences.length ? spec.audiences : ['https://kubernetes.default.svc.cluster.local'];
    let exp = spec.expirationSeconds !== undefined ? Number(spec.expirationSeconds) : 3600;
    if (exp < 600) throw E.invalid({ group: 'authentication.k8s.io' }, 'TokenRequest', name, [{ reason: 'FieldValueInvalid', message: 'Invalid value: ' + exp + ': may not specify a duration less than 10 minutes', field: 'spec.expirationSeconds' }]);
    if (exp > 2 ** 32) exp = 2 ** 32;
    const { token, expiresAt } = this.auth.issueServiceAccountToken(ns, name, sa.metadata.uid, audiences, exp);
    const t = now();
    const specOut = { audiences, expirationSeconds: exp, boundObjectRef: spec.boundObjectRef || null };
    const fields = { 'f:spec': { 'f:audiences': {}, 'f:expirationSeconds': {} } };
    const body = {
      kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1',
      metadata: {
        name, namespace: ns, uid: sa.metadata.uid, creationTimestamp: sa.metadata.creationTimestamp,
        managedFields: [{ manager: require('./api').managerOf(ctx), operation: 'Update', apiVersion: 'authentication.k8s.io/v1', time: t, fieldsType: 'FieldsV1', fieldsV1: fields, subresource: 'token' }],
      },
      spec: specOut,
      status: { token, expirationTimestamp: expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z') },
    };
    return sendObject(ctx, 201, body);
  }

  // create-only virtual resources (reviews, bindings)
  virtualCreate(ctx, res, ns) {
    const { value } = decodeBody(ctx, res);
    const spec = (value && value.spec) || {};
    const u = ctx.user;
    const userInfo = { username: u.name, groups: u.groups };
    if (u.uid) userInfo.uid = u.uid;
    const gv = apiVersionOf(res);
    switch (res.plural) {
      case 'selfsubjectreviews':
        return sendObject(ctx, 201, { kind: 'SelfSubjectReview', apiVersion: gv, metadata: { creationTimestamp: null }, status: { userInfo } });
      case 'selfsubjectaccessreviews':
      case 'subjectaccessreviews':
      case 'localsubjectaccessreviews': {
        let user = u;
        if (res.plural !== 'selfsubjectaccessreviews') user = { name: spec.user || '', groups: spec.groups || [], uid: spec.uid || '' };
        const ra = spec.resourceAttributes;
        let allowed = false;
        if (ra) {
          const r = this.registry.resources.find((x) => x.group === (ra.group || '') && x.plural === ra.resource) || { group: ra.group || '', plural: ra.resource || '' };
          allowed = this.auth.allowed(user, { verb: ra.verb, resource: r, namespace: ra.namespace || (res.plural === 'localsubjectaccessreviews' ? ns : ''), name: ra.name, subresource: ra.subresource });
        } else if (spec.nonResourceAttributes) {
          allowed = this.auth.allowed(user, { verb: spec.nonResourceAttributes.verb, path: spec.nonResourceAttributes.path });
        }
        const st = { allowed };
        if (!allowed) st.reason = '';
        if (allowed && !user.groups.includes('system:masters')) st.reason = 'allowed by RBAC';
        const meta = { creationTimestamp: null };
        if (ns) meta.namespace = ns;
        return sendObject(ctx, 201, { kind: res.kind, apiVersion: gv, metadata: meta, spec, status: st });
      }
      case 'selfsubjectrulesreviews':
        return sendObject(ctx, 201, { kind: 'SelfSubjectRulesReview', apiVersion: gv, metadata: { creationTimestamp: null }, spec, status: { resourceRules: u.groups.includes('system:masters') ? [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] : [{ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] }], nonResourceRules: [], incomplete: false } });
      case 'tokenreviews': {
        const tok = spec.token && this.auth.tokens.get(spec.token);
        const st = tok && !(tok.expiresAt && Date.now() >= tok.expiresAt) ? { authenticated: true, user: { username: tok.name, uid: tok.uid || '', groups: tok.groups.concat(['system:authenticated']) }, audiences: spec.audiences || [] } : { user: {}, error: 'invalid bearer token' };
        return sendObject(ctx, 201, { kind: 'TokenReview', apiVersion: gv, metadata: { creationTimestamp: null }, spec, status: st });
      }
      case 'bindings': {
        const podRes = this.registry.lookup('', 'v1', 'pods');
        return sendObject(ctx, 201, this.pods.bind(ctx, this.api, podRes, ns, value && value.metadata && value.metadata.name, value));
      }
      default:
        throw E.methodNotAllowed('create');
    }
  }

  // ---------- responses with representation negotiation ----------
  respondObject(ctx, res, code, obj, isGet) {
    const neg = negotiate(ctx.headers.accept, { resource: true });
    if (!neg) throw E.notAcceptable();
    ctx.yaml = neg.yaml;
    const gv = apiVersionOf(res);
    if (obj.apiVersion !== gv && !res.custom) obj = Object.assign({}, obj, { apiVersion: gv });
    if (res.custom && obj.apiVersion !== gv) obj = json.sortKeysDeep(Object.assign({}, obj, { apiVersion: gv }));
    if (neg.as === 'PartialObjectMetadata' || neg.as === 'PartialObjectMetadataList') {
      return sendObject(ctx, code, { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${neg.version}`, metadata: obj.metadata });
    }
    if (neg.as === 'Table') {
      return sendObject(ctx, code, this.table(ctx, res, [obj], { resourceVersion: obj.metadata.resourceVersion }, neg.version));
    }
    return sendObject(ctx, code, obj);
  }

  async respondList(ctx, res, ns) {
    const neg = negotiate(ctx.headers.accept, { resource: true });
    if (!neg) throw E.notAcceptable();
    ctx.yaml = neg.yaml;
    const result = await this.api.list(ctx, res, ns);
    if (neg.as === 'PartialObjectMetadata' || neg.as === 'PartialObjectMetadataList') {
      const meta = Object.assign({}, result.meta);
      return sendObject(ctx, 200, {
        kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${neg.version}`, metadata: meta,
        items: result.items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${neg.version}`, metadata: o.metadata })),
      });
    }
    if (neg.as === 'Table') return sendObject(ctx, 200, this.table(ctx, res, result.items, result.meta, neg.version));
    return sendObject(ctx, 200, this.api.listBody(res, result));
  }

  table(ctx, res, items, meta, version) {
    const { defs, cols } = kinds.tableColumns(res);
    if (res.custom && res.printerColumns && res.printerColumns.length) {
      for (const pc of res.printerColumns) {
        defs.splice(defs.length - 1, 0, { name: pc.name, type: pc.type || 'string', format: pc.format || '', description: pc.description || '', priority: pc.priority || 0 });
        const path = String(pc.jsonPath || '').replace(/^\./, '');
        cols.splice(cols.length - 1, 0, (o) => {
          const v = require('./selectors').getPath(o, path);
          return v === undefined ? null : v;
        });
      }
    }
    const include = ctx.query.get('includeObject') || 'Metadata';
    const rows = items.map((o) => {
      const row = { cells: cols.map((f) => f(o)) };
      if (include === 'Object') row.object = o;
      else if (include !== 'None') row.object = { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: o.metadata };
      return row;
    });
    return { kind: 'Table', apiVersion: `meta.k8s.io/${version}`, metadata: meta, columnDefinitions: defs, rows };
  }

  // ---------- WebSocket upgrades (exec / attach / portforward) ----------
  onUpgrade(req, socket, head) {
    this.stats.countRequest('h1');
    const res = new SocketResponse(socket);
    const ctx = this.makeContext(req, res, false);
    socket.on('error', () => {});
    this.upgrade(ctx, socket, head).catch((err) => sendError(ctx, err));
  }

  async upgrade(ctx, socket, head) {
    const fault = this.faults.match(ctx.method, ctx.target, { upgrade: true, userAgent: ctx.headers['user-agent'] });
    if (fault && fault.fault !== 'corrupt-frame' && await this.applyFault(ctx, fault)) return;
    if (fault) ctx.fault = fault;
    ctx.user = this.auth.authenticate(ctx.req, socket);
    const p = ctx.path;
    if (!(p.startsWith('/api/') || p.startsWith('/apis/'))) throw E.notFoundPath();
    const { group, version, rest } = this.parseApiPath(p);
    if (!(group === '' && rest[0] === 'namespaces' && rest[2] === 'pods' && rest.length === 5)) throw E.badRequest('Upgrade request required');
    const [, ns, , name, sub] = rest;
    if (!['exec', 'attach', 'portforward'].includes(sub)) throw E.badRequest('Upgrade request required');
    const res = this.registry.lookup(group, version, 'pods');
    this.authorize(ctx, res, 'create', ns, name, sub);
    const pod = this.api.get(ctx, res, ns, name);
    const prep = this.pods.prepareStream(ctx, pod, sub);
    this.stats.websockets++;
    ctx.finished = true;
    this.pods.upgradeStream(ctx, socket, head, pod, sub, prep);
  }
}

// Minimal response object for errors on a socket that asked for an upgrade.
class SocketResponse {
  constructor(socket) {
    this.socket = socket;
    this.headers = {};
    this.writableEnded = false;
    this.listeners = [];
    socket.on('close', () => { for (const f of this.listeners) f(); });
  }
  on(ev, fn) { if (ev === 'close') this.listeners.push(fn); }
  writeHead(code, headers) {
    const lines = [`HTTP/1.1 ${code} ${http.STATUS_CODES[code] || ''}`];
    for (const [k, v] of Object.entries(headers || {})) {
      for (const x of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${x}`);
    }
    lines.push('Connection: close');
    this.socket.write(lines.join('\r\n') + '\r\n\r\n');
  }
  write(d, cb) { this.socket.write(d, cb); }
  end(d) { this.writableEnded = true; if (d) this.socket.write(d); this.socket.end(); }
}

function decodePath(p) {
  try { return decodeURIComponent(p); } catch (e) { return p; }
}

module.exports = { ApiServer, DEFAULT_CONFIG };
