'use strict';
// Pod subresources that need more than generic storage: log, exec, attach,
// portforward (WebSocket channel protocols), eviction, binding, plus a tiny
// stand-in for the kubelet (test-driven: see /_test/run-pod and /_test/logs).
//
// WebSocket channel protocols (k8s.io/apimachinery/.../wsstream, kubelet
// remotecommand, apiserver stream translator):
//   every binary message starts with one channel byte; the *.base64.* variants
//   send text messages whose first character is the channel digit and whose
//   rest is base64.
//   exec/attach: 0 stdin, 1 stdout, 2 stderr, 3 error (a Status JSON written once
//   when the process ends: {"metadata":{},"status":"Success"} or Failure with
//   reason NonZeroExitCode and details.causes [{reason:"ExitCode",message:"N"}]),
//   4 resize ({"Width":w,"Height":h}, v4+). v5.channel.k8s.io adds channel 255:
//   the client sends [255, n] to close its side of stream n (stdin EOF).
//   portforward (kubelet websocket protocol, "v4.channel.k8s.io" and the
//   unnamed default): for the i-th requested port, channel 2i carries data and
//   2i+1 errors; the server's first message on each of the two channels is the
//   port as 2 bytes little-endian. Data is forwarded to a loopback TCP echo
//   server started by this process, whatever the pod port.
const net = require('net');
const json = require('./json');
const { E, ApiError } = require('./errors');
const { WebSocketConn, handshake, frame } = require('./websocket');
const { sendText, sendEmpty, baseHeaders } = require('./http');
const { now } = require('./api');

const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io'];
const PF_PROTOCOLS = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'portforward.k8s.io'];

function containerNames(pod, includeInit) {
  const spec = pod.spec || {};
  const names = (spec.containers || []).map((c) => c.name);
  if (includeInit) {
    for (const c of spec.initContainers || []) names.push(c.name);
    for (const c of spec.ephemeralContainers || []) names.push(c.name);
  }
  return names;
}

function pickContainer(pod, requested) {
  const names = containerNames(pod, false);
  const all = containerNames(pod, true);
  if (requested) {
    if (!all.includes(requested)) throw E.badRequest(`container ${requested} is not valid for pod ${pod.metadata.name}`);
    return requested;
  }
  if (names.length === 1) return names[0];
  const def = pod.metadata.annotations && pod.metadata.annotations['kubectl.kubernetes.io/default-container'];
  if (def && all.includes(def)) return def;
  throw E.badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(' ')}]`);
}

class Pods {
  constructor(server) {
    this.server = server;
    this.logs = new Map(); // ns/pod/container -> {lines:[{ts,text}], followers:Set, ended:false}
    this.attached = new Map(); // ns/pod/container -> Set(fn(text)) for attach sessions
  }

  reset() {
    for (const l of this.logs.values()) for (const f of l.followers) f.end();
    this.logs.clear();
  }

  logBuf(ns, pod, container) {
    const k = `${ns}/${pod}/${container}`;
    let l = this.logs.get(k);
    if (!l) { l = { lines: [], followers: new Set(), ended: false }; this.logs.set(k, l); }
    return l;
  }

  // POST /_test/logs {namespace, pod, container?, lines:[..]|text, end?:true}
  appendLogs(body) {
    const s = this.server;
    const pod = s.store.get('/pods', body.namespace || 'default', body.pod || body.name);
    if (!pod) throw E.notFound(s.registry.lookup('', 'v1', 'pods'), body.pod || body.name);
    const container = body.container || containerNames(pod, false)[0];
    const l = this.logBuf(pod.metadata.namespace, pod.metadata.name, container);
    let lines = body.lines || [];
    if (typeof body.text === 'string') lines = lines.concat(body.text.split('\n').filter((x, i, a) => !(i === a.length - 1 && x === '')));
    for (const text of lines) {
      const entry = { ts: new Date().toISOString().replace('Z', '000000Z').replace(/\.(\d{3})000000Z$/, '.$1000000Z'), text: String(text) };
      l.lines.push(entry);
      for (const f of l.followers) f.line(entry);
      for (const fn of this.attached.get(`${pod.metadata.namespace}/${pod.metadata.name}/${container}`) || []) fn(String(text) + '\n');
    }
    if (body.end) { l.ended = true; for (const f of l.followers) f.end(); }
    return { container, lines: l.lines.length };
  }

  // GET pods/{name}/log
  log(ctx, pod) {
    const q = ctx.query;
    const container = pickContainer(pod, q.get('container'));
    const key = `${pod.metadata.namespace}/${pod.metadata.name}/${container}`;
    const l = this.logs.get(key);
    if (!(pod.spec && pod.spec.nodeName) && !(l && l.lines.length)) {
      // never scheduled: nothing to connect to (transcript 44)
      return sendEmpty(ctx, 204);
    }
    const buf = l || this.logBuf(pod.metadata.namespace, pod.metadata.name, container);
    const ts = q.get('timestamps') === 'true';
    const fmtLine = (e) => (ts ? `${e.ts} ` : '') + e.text + '\n';
    let lines = buf.lines;
    if (q.get('sinceSeconds')) {
      const since = Date.now() - Number(q.get('sinceSeconds')) * 1000;
      lines = lines.filter((e) => Date.parse(e.ts) >= since);
    }
    if (q.get('sinceTime')) {
      const since = Date.parse(q.get('sinceTime'));
      lines = lines.filter((e) => Date.parse(e.ts) >= since);
    }
    if (q.get('tailLines') !== null) {
      const n = Math.max(0, Number(q.get('tailLines')));
      lines = n === 0 ? [] : lines.slice(-n);
    }
    let limit = q.get('limitBytes') !== null ? Number(q.get('limitBytes')) : Infinity;
    let text = lines.map(fmtLine).join('');
    if (text.length > limit) text = Buffer.from(text).subarray(0, limit).toString();
    if (q.get('follow') !== 'true') return sendText(ctx, 200, text);
    // follow: stream until the container ends, the pod goes away, or the client leaves
    const res = ctx.res;
    res.writeHead(200, baseHeaders(ctx, { 'Content-Type': 'text/plain' }));
    if (res.flushHeaders) res.flushHeaders();
    ctx.finished = true;
    this.server.stats.countResponse(ctx);
    let sent = Buffer.byteLength(text);
    if (text) res.write(text);
    let done = false;
    const follower = {
      line: (e) => {
        if (done) return;
        let s = fmtLine(e);
        if (sent + Buffer.byteLength(s) > limit) { s = Buffer.from(s).subarray(0, limit - sent).toString(); res.write(s); follower.end(); return; }
        sent += Buffer.byteLength(s);
        res.write(s);
      },
      end: () => {
        if (done) return;
        done = true;
        buf.followers.delete(follower);
        try { res.end(); } catch (e) { /* gone */ }
      },
    };
    if (buf.ended || sent >= limit) return follower.end();
    buf.followers.add(follower);
    ctx.onClose(() => { done = true; buf.followers.delete(follower); });
    this.server.trackStream(follower.end);
  }

  podDeleted(pod) {
    for (const name of containerNames(pod, true)) {
      const k = `${pod.metadata.namespace}/${pod.metadata.name}/${name}`;
      const l = this.logs.get(k);
      if (l) { for (const f of l.followers) f.end(); this.logs.delete(k); }
    }
  }

  // ---- WebSocket upgrade: exec / attach / portforward ----
  // Called before the 101: validates and throws ApiError for plain HTTP errors.
  prepareStream(ctx, pod, sub) {
    const q = ctx.query;
    if (!(pod.spec && pod.spec.nodeName)) throw E.badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
    const offered = String(ctx.headers['sec-websocket-protocol'] || '').split(',').map((s) => s.trim()).filter((s) => s && !s.startsWith('base64url.bearer.authorization.k8s.io.'));
    const supported = sub === 'portforward' ? PF_PROTOCOLS : EXEC_PROTOCOLS;
    let protocol = '';
    if (offered.length) {
      protocol = offered.find((p) => supported.includes(p));
      if (!protocol) throw E.badRequest(`unable to upgrade connection: requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${supported.join(' ')}]`);
    }
    if (sub === 'portforward') {
      const ports = [];
      for (const v of q.getAll('ports')) for (const p of v.split(',')) if (p.trim()) ports.push(p.trim());
      if (!ports.length) throw E.badRequest('at least 1 port must be specified');
      const nums = ports.map((p) => {
        const n = Number(p);
        if (!Number.isInteger(n) || n < 1 || n > 65535) throw E.badRequest(`unable to parse "${p}" as a port: port must be > 0 and < 65536`);
        return n;
      });
      return { protocol, ports: nums };
    }
    const container = pickContainer(pod, q.get('container'));
    const flag = (n) => q.get(n) === 'true' || q.get(n) === '1';
    const io = { stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr'), tty: flag('tty') };
    if (sub === 'exec' && !q.getAll('command').length) throw E.badRequest('you must specify at least one command for the container');
    if (!io.stdin && !io.stdout && !io.stderr) throw E.badRequest('you must specify at least 1 of stdin, stdout, stderr');
    if (io.tty && io.stderr) io.stderr = false; // a TTY merges stderr into stdout
    return { protocol, container, io, command: q.getAll('command') };
  }

  upgradeStream(ctx, socket, head, pod, sub, prep) {
    if (!handshake(ctx.req, socket, prep.protocol)) {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const ws = new WebSocketConn(socket, head);
    const base64 = prep.protocol.includes('base64');
    const send = (ch, data) => {
      data = Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (base64) return ws.sendText(String.fromCharCode(48 + ch) + data.toString('base64'));
      return ws.sendBinary(Buffer.concat([Buffer.from([ch]), data]));
    };
    if (ctx.fault && ctx.fault.fault === 'corrupt-frame') {
      // RSV bits set plus a reserved opcode: no valid client accepts this
      ws.sendRaw(Buffer.from([0x80 | 0x40 | 0x3, 0x02, 0x01, 0x02]));
      setTimeout(() => socket.destroy(), 20);
      return;
    }
    this.server.trackStream(() => { ws.close(1001, 'server shutting down'); socket.destroy(); });
    if (sub === 'portforward') return this.portForward(ws, send, prep, base64);
    return this.runProcess(ws, send, pod, sub, prep, base64);
  }

  runProcess(ws, send, pod, sub, prep, base64) {
    const v5 = prep.protocol === 'v5.channel.k8s.io';
    const hasStatusChannel = prep.protocol !== 'channel.k8s.io' && prep.protocol !== 'base64.channel.k8s.io' && prep.protocol !== '';
    let finished = false;
    const stdinListeners = [];
    const resizeListeners = [];
    let stdinClosed = false;
    const stdinEndListeners = [];
    const closeStdin = () => {
      if (stdinClosed) return;
      stdinClosed = true;
      for (const f of stdinEndListeners) f();
    };
    ws.on('message', (data, isBinary) => {
      if (!data.length) return;
      let ch = data[0];
      let payload = data.subarray(1);
      if (base64) { ch = ch - 48; payload = Buffer.from(payload.toString(), 'base64'); }
      if (ch === 255 && v5) { if (payload[0] === 0) closeStdin(); return; }
      if (ch === 0) { for (const f of stdinListeners) f(payload); return; }
      if (ch === 4) {
        let msg = null;
        try { msg = JSON.parse(payload.toString()); } catch (e) { return; }
        for (const f of resizeListeners) f(msg, payload.toString());
      }
    });
    ws.on('close', () => { closeStdin(); finished = true; });
    const io = prep.io;
    const out = (d) => { if (!finished && io.stdout) send(1, d); };
    const err = (d) => { if (!finished) { if (io.stderr) send(2, d); else if (io.tty && io.stdout) send(1, d); } };
    const exit = (code, message) => {
      if (finished) return;
      finished = true;
      if (hasStatusChannel) {
        let status;
        if (code === 0) status = { metadata: {}, status: 'Success' };
        else {
          status = {
            metadata: {}, status: 'Failure',
            message: message || `command terminated with non-zero exit code: error executing command [${prep.command.join(' ')}], exit code ${code}`,
            reason: 'NonZeroExitCode',
            details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
          };
        }
        send(3, JSON.stringify(status));
      }
      ws.close(1000, '');
    };
    const proc = {
      out, err, exit,
      onStdin: (f) => stdinListeners.push(f),
      onStdinEnd: (f) => { if (stdinClosed) f(); else stdinEndListeners.push(f); },
      onResize: (f) => resizeListeners.push(f),
      isDone: () => finished,
      stdinOpen: io.stdin,
    };
    if (sub === 'attach') {
      // the container's main process: echoes stdin, and shows lines written via /_test/logs
      const key = `${pod.metadata.namespace}/${pod.metadata.name}/${prep.container}`;
      const set = this.attached.get(key) || new Set();
      this.attached.set(key, set);
      const fn = (text) => out(text);
      set.add(fn);
      ws.on('close', () => set.delete(fn));
      proc.onStdin((d) => out(d));
      proc.onStdinEnd(() => { set.delete(fn); exit(0); });
      return;
    }
    runCommand(prep.command, proc);
  }

  portForward(ws, send, prep, base64) {
    const conns = [];
    prep.ports.forEach((port, i) => {
      const pb = Buffer.alloc(2);
      pb.writeUInt16LE(port, 0);
      send(2 * i, pb);
      send(2 * i + 1, pb);
      const sock = net.connect(this.server.echoPort, '127.0.0.1');
      sock.on('data', (d) => send(2 * i, d));
      sock.on('error', (e) => send(2 * i + 1, `error forwarding port ${port} to pod: ${e.message}`));
      sock.on('close', () => { /* the pod side closed; keep the websocket for other ports */ });
      conns.push(sock);
    });
    ws.on('message', (data) => {
      if (!data.length) return;
      let ch = data[0];
      let payload = data.subarray(1);
      if (base64) { ch -= 48; payload = Buffer.from(payload.toString(), 'base64'); }
      if (ch % 2 !== 0 || ch / 2 >= conns.length) return;
      conns[ch / 2].write(payload);
    });
    ws.on('close', () => { for (const c of conns) c.destroy(); });
  }

  // ---- eviction / binding ----
  evict(ctx, api, podRes, ns, name) {
    const pod = api.get(ctx, podRes, ns, name);
    let body = {};
    if (ctx.body.length) {
      try { body = json.parse(ctx.body.toString()).value || {}; } catch (e) { throw E.badRequest(`couldn't get version/kind; json parse error: ${e.message}`); }
    }
    if (body.metadata && body.metadata.name && body.metadata.name !== name) throw E.badRequest(`name in URL does not match name in Eviction object`);
    // PodDisruptionBudgets in the namespace that select this pod
    const { selectorMatches } = require('./kinds');
    const pdbs = this.server.store.list('policy/poddisruptionbudgets', ns).map((e) => e.obj).filter((p) => p.spec && selectorMatches(p.spec.selector, pod.metadata.labels));
    const phase = pod.status && pod.status.phase;
    if (pdbs.length > 1) throw new ApiError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', { causes: [{ message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.' }] });
    if (pdbs.length === 1 && phase !== 'Succeeded' && phase !== 'Failed' && pod.spec.nodeName) {
      const pdb = pdbs[0];
      if (!((pdb.status && pdb.status.disruptionsAllowed) > 0)) {
        throw new ApiError(429, 'TooManyRequests', 'Cannot evict pod as it would violate the pod\'s disruption budget.', {
          causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${pdb.metadata.name} needs ${(pdb.status && pdb.status.desiredHealthy) || 0} healthy pods and has ${(pdb.status && pdb.status.currentHealthy) || 0} currently` }],
        });
      }
    }
    const opts = Object.assign({}, body.deleteOptions || {});
    api.delete(ctx, podRes, ns, name, opts);
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
  }

  bind(ctx, api, podRes, ns, name, binding) {
    const pod = api.get(ctx, podRes, ns, name);
    const target = binding && binding.target;
    if (!target || !target.name) throw E.invalid({ group: '' }, 'Binding', name, [{ reason: 'FieldValueRequired', message: 'Required value', field: 'target.name' }]);
    if (pod.spec.nodeName) throw E.conflict(podRes, name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
    if (pod.metadata.deletionTimestamp) throw E.conflict(podRes, name, `pod ${name} is being deleted, cannot be assigned to a host`);
    const obj = json.clone(pod);
    obj.spec.nodeName = target.name;
    obj.status = obj.status || {};
    obj.status.conditions = (obj.status.conditions || []).filter((c) => c.type !== 'PodScheduled');
    obj.status.conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now() });
    api.update(ctx, podRes, ns, name, obj, { sub: 'any' });
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
  }

  // The kubelet's part, on demand: schedule (if needed) and mark Running.
  runPod(ns, name, opts) {
    const s = this.server;
    const podRes = s.registry.lookup('', 'v1', 'pods');
    const pod = s.store.get('/pods', ns, name);
    if (!pod) throw E.notFound(podRes, name);
    const obj = json.clone(pod);
    const t = now();
    obj.spec.nodeName = obj.spec.nodeName || (opts && opts.node) || 'test-node';
    const ready = !(opts && opts.ready === false);
    const phase = (opts && opts.phase) || 'Running';
    const n = (s.podIPCounter = (s.podIPCounter || 0) + 1);
    obj.status = Object.assign({}, obj.status, {
      phase,
      conditions: [
        { type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: t },
        { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: t },
        { type: 'Ready', status: ready ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: t },
        { type: 'ContainersReady', status: ready ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: t },
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: t },
      ],
      hostIP: '127.0.0.1', hostIPs: [{ ip: '127.0.0.1' }],
      podIP: `10.244.${(n >> 8) & 255}.${n & 255}`, podIPs: [{ ip: `10.244.${(n >> 8) & 255}.${n & 255}` }],
      startTime: obj.status && obj.status.startTime ? obj.status.startTime : t,
      containerStatuses: (obj.spec.containers || []).map((c, i) => ({
        name: c.name,
        state: phase === 'Running' ? { running: { startedAt: t } } : { terminated: { exitCode: phase === 'Succeeded' ? 0 : 1, reason: phase === 'Succeeded' ? 'Completed' : 'Error', startedAt: t, finishedAt: t, containerID: `containerd://${String(i).padStart(64, '0')}` } },
        lastState: {},
        ready: ready && phase === 'Running',
        restartCount: 0,
        image: c.image,
        imageID: `${c.image}@sha256:${'0'.repeat(64)}`,
        containerID: `containerd://${String(n * 100 + i).padStart(64, 'a')}`,
        started: phase === 'Running',
      })),
    });
    const ctx = { query: new URLSearchParams('fieldManager=kubelet'), headers: { 'user-agent': 'kubelet/v1.36.2' }, user: { name: 'system:node:test-node', groups: [] }, warnings: [] };
    return s.api.update(ctx, podRes, ns, name, obj, { sub: 'any', manager: 'kubelet' }).obj;
  }
}

// ---- the built-in command set of exec ----
function splitShell(s) {
  const out = [];
  let cur = '', q = null, any = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) { if (c === q) q = null; else if (c === '\\' && q === '"' && i + 1 < s.length) cur += s[++i]; else cur += c; continue; }
    if (c === '"' || c === "'") { q = c; any = true; continue; }
    if (c === ' ' || c === '\t') { if (cur || any) { out.push(cur); cur = ''; any = false; } continue; }
    cur += c;
  }
  if (cur || any) out.push(cur);
  return out;
}

function runCommand(argv, p) {
  let [cmd, ...args] = argv;
  if ((cmd === 'sh' || cmd === '/bin/sh' || cmd === 'bash' || cmd === '/bin/bash') && args[0] === '-c') {
    return runCommand(splitShell(args.slice(1).join(' ')), p);
  }
  if (cmd === 'env' && args.length) return runCommand(args, p);
  switch (cmd) {
    case 'echo':
    case '/bin/echo':
      if (args[0] === '-n') p.out(args.slice(1).join(' '));
      else p.out(args.join(' ') + '\n');
      return p.exit(0);
    case 'true': return p.exit(0);
    case 'false': return p.exit(1);
    case 'exit': return p.exit(Number(args[0]) || 0);
    case 'stderr':
      p.err(args.join(' ') + '\n');
      return p.exit(0);
    case 'sleep':
      return setTimeout(() => p.exit(0), Math.max(0, Number(args[0]) || 0) * 1000);
    case 'cat':
    case 'binary-echo':
      // stdin to stdout byte for byte until stdin is closed (v5 close signal or socket close)
      p.onStdin((d) => p.out(d));
      if (!p.stdinOpen) return p.exit(0);
      return p.onStdinEnd(() => p.exit(0));
    case 'bytes': {
      // "bytes N": N bytes of the pattern 0,1,...,255,0,... on stdout
      const n = Math.max(0, Number(args[0]) || 0);
      const chunk = 32 * 1024;
      for (let off = 0; off < n; off += chunk) {
        const b = Buffer.alloc(Math.min(chunk, n - off));
        for (let i = 0; i < b.length; i++) b[i] = (off + i) & 255;
        p.out(b);
      }
      return p.exit(0);
    }
    case 'resize-echo':
      p.onResize((msg, raw) => p.out(raw + '\n'));
      if (!p.stdinOpen) return setTimeout(() => p.exit(0), 2000);
      return p.onStdinEnd(() => p.exit(0));
    case 'hostname':
      p.out('test-pod\n');
      return p.exit(0);
    default:
      p.err(`exec: "${cmd}": executable file not found in $PATH\n`);
      return p.exit(127, `command terminated with non-zero exit code: exec: "${cmd}": executable file not found in $PATH, exit code 127`);
  }
}

module.exports = { Pods, runCommand, splitShell, pickContainer };
