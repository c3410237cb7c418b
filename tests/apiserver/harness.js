'use strict';
// Test harness for the self-tests in test/ (kept outside test/ so the test
// runner does not take it for a test file): start server.js as a child process the way
// the C tests do, and small HTTP/1.1, HTTP/2 and WebSocket clients.
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const https = require('https');
const http2 = require('http2');
const crypto = require('crypto');
const net = require('net');
const tls = require('tls');

const ROOT = __dirname;
const SERVER = path.join(ROOT, 'server.js');

let pki = null;
function certs() {
  if (!pki) {
    pki = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-test-pki-'));
    execFileSync('sh', [path.join(ROOT, 'mkcerts.sh'), pki]);
    process.on('exit', () => fs.rmSync(pki, { recursive: true, force: true }));
  }
  return pki;
}

// start({plain, args, config}) -> {port, url, proc, tlsDir, ca, stop(), req(), ...}
function start(opts) {
  opts = opts || {};
  const args = [SERVER, '--listen', '127.0.0.1:0'];
  let tlsDir = null;
  if (opts.plain) args.push('--plain');
  else { tlsDir = certs(); args.push('--tls-dir', tlsDir); }
  if (opts.config) args.push('--config', JSON.stringify(opts.config));
  for (const a of opts.args || []) args.push(a);
  const proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; if (process.env.APISERVER_DEBUG) process.stderr.write(d); });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      proc.stdout.off('data', onData);
      let ready;
      try { ready = JSON.parse(out.slice(0, nl)); } catch (e) { return reject(new Error(`bad ready line ${out}`)); }
      const s = new Client(ready, tlsDir);
      s.proc = proc;
      s.readyLine = out.slice(0, nl);
      s.stderr = () => err;
      s.stop = () => new Promise((r) => {
        if (proc.exitCode !== null) return r();
        proc.once('exit', () => r());
        proc.kill('SIGTERM');
      });
      resolve(s);
    };
    proc.stdout.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
}

class Client {
  constructor(ready, tlsDir) {
    this.port = ready.port;
    this.url = ready.url;
    this.tls = ready.url.startsWith('https');
    this.tlsDir = tlsDir;
    this.ca = tlsDir ? fs.readFileSync(path.join(tlsDir, 'ca.crt')) : null;
    this.token = 'admin-token';
  }

  // One request on a fresh connection. opts: {headers, body, token, cert, raw}
  req(method, p, opts) {
    opts = opts || {};
    const headers = Object.assign({ Accept: 'application/json', 'User-Agent': 'c-client-transcripts/1.0' }, opts.headers || {});
    const token = opts.token === undefined ? this.token : opts.token;
    if (token) headers.Authorization = `Bearer ${token}`;
    let body = opts.body;
    if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) {
      body = JSON.stringify(body);
      if (!headers['Content-Type']) headers['Content-Type'] = 'application/json';
    }
    if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body);
    const mod = this.tls ? https : http;
    const o = { host: '127.0.0.1', port: this.port, method, path: p, headers, agent: false };
    if (this.tls) {
      o.ca = this.ca;
      if (opts.cert) {
        o.cert = fs.readFileSync(path.join(this.tlsDir, `${opts.cert}.crt`));
        o.key = fs.readFileSync(path.join(this.tlsDir, `${opts.cert}.key`));
      }
    }
    return new Promise((resolve, reject) => {
      const r = mod.request(o, (res) => {
        const chunks = [];
        res.on('data', (d) => chunks.push(d));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          const out = { status: res.statusCode, headers: res.headers, rawHeaders: res.rawHeaders, body: buf, text: buf.toString() };
          try { out.json = buf.length ? JSON.parse(buf.toString()) : undefined; } catch (e) { out.json = undefined; }
          resolve(out);
        });
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('aborted')));
      });
      r.on('error', reject);
      if (opts.timeout) r.setTimeout(opts.timeout, () => r.destroy(new Error('timeout')));
      if (body !== undefined) r.write(body);
      r.end();
    });
  }

  get(p, opts) { return this.req('GET', p, opts); }
  post(p, body, opts) { return this.req('POST', p, Object.assign({}, opts, { body })); }
  put(p, body, opts) { return this.req('PUT', p, Object.assign({}, opts, { body })); }
  del(p, opts) { return this.req('DELETE', p, opts); }
  patch(p, body, type, opts) {
    return this.req('PATCH', p, Object.assign({}, opts, { body: typeof body === 'string' ? body : JSON.stringify(body), headers: Object.assign({ 'Content-Type': type }, (opts && opts.headers) || {}) }));
  }
  control(method, p, body) {
    return this.req(method, `/_test/${p}`, { body, token: null }).then((r) => r.json);
  }

  // Streaming GET; collects raw socket bytes (HTTP/1.1) to see chunk framing.
  // -> {status, headers, chunks:[{t, data}], raw (Buffer), events:[...], lines}
  stream(p, opts) {
    opts = opts || {};
    return new Promise((resolve, reject) => {
      const t0 = Date.now();
      const connect = this.tls ? (cb) => tls.connect({ host: '127.0.0.1', port: this.port, ca: this.ca, ALPNProtocols: ['http/1.1'] }, cb) : (cb) => net.connect(this.port, '127.0.0.1', cb);
      const sock = connect(() => {
        const token = opts.token === undefined ? this.token : opts.token;
        sock.write(`GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept: application/json\r\nUser-Agent: c-client-transcripts/1.0\r\n${token ? `Authorization: Bearer ${token}\r\n` : ''}\r\n`);
      });
      const reads = [];
      sock.on('data', (d) => { reads.push({ t: Date.now() - t0, data: d }); if (opts.onData) opts.onData(d); });
      const finish = () => {
        const raw = Buffer.concat(reads.map((r) => r.data));
        const headEnd = raw.indexOf('\r\n\r\n');
        const head = raw.subarray(0, headEnd).toString();
        const status = Number(head.split(' ')[1]);
        const headers = {};
        for (const l of head.split('\r\n').slice(1)) { const i = l.indexOf(':'); headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim(); }
        const chunks = [];
        let body = raw.subarray(headEnd + 4);
        let complete = false;
        if ((headers['transfer-encoding'] || '') === 'chunked') {
          let off = 0;
          while (off < body.length) {
            const le = body.indexOf('\r\n', off);
            if (le < 0) break;
            const size = parseInt(body.subarray(off, le).toString(), 16);
            if (size === 0) { complete = true; break; }
            if (le + 2 + size > body.length) { chunks.push(body.subarray(le + 2)); break; }
            chunks.push(body.subarray(le + 2, le + 2 + size));
            off = le + 2 + size + 2;
          }
        } else if (body.length) chunks.push(body);
        const payload = Buffer.concat(chunks).toString();
        const lines = payload.split('\n');
        const events = [];
        for (const l of lines) { if (!l) continue; try { events.push(JSON.parse(l)); } catch (e) { events.push({ partial: l }); } }
        resolve({ status, headers, chunks, raw, rawBody: body, events, payload, complete, duration: Date.now() - t0 });
      };
      sock.on('end', finish);
      sock.on('error', (e) => { if (reads.length) finish(); else reject(e); });
      if (opts.abortAfter) setTimeout(() => { sock.destroy(); finish(); }, opts.abortAfter);
    });
  }

  h2session() {
    return http2.connect(this.url, { ca: this.ca });
  }
}

function h2req(session, method, p, opts) {
  opts = opts || {};
  return new Promise((resolve, reject) => {
    const headers = Object.assign({ ':method': method, ':path': p, accept: 'application/json', authorization: 'Bearer admin-token' }, opts.headers || {});
    const st = session.request(headers, { endStream: opts.body === undefined });
    if (opts.body !== undefined) st.end(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
    let h;
    const chunks = [];
    st.on('response', (x) => { h = x; });
    st.on('data', (d) => { chunks.push(d); if (opts.onData) opts.onData(d, st); });
    st.on('end', () => {
      const body = Buffer.concat(chunks);
      let j;
      try { j = JSON.parse(body.toString()); } catch (e) { j = undefined; }
      resolve({ status: h && h[':status'], headers: h, body, text: body.toString(), json: j });
    });
    st.on('error', reject);
  });
}

// ---- a tiny WebSocket client ----
function wsConnect(client, p, protocols, opts) {
  opts = opts || {};
  return new Promise((resolve, reject) => {
    const key = crypto.randomBytes(16).toString('base64');
    const connect = client.tls ? (cb) => tls.connect({ host: '127.0.0.1', port: client.port, ca: client.ca, ALPNProtocols: ['http/1.1'] }, cb) : (cb) => net.connect(client.port, '127.0.0.1', cb);
    const sock = connect(() => {
      const token = opts.token === undefined ? 'admin-token' : opts.token;
      sock.write(`GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
        (protocols && protocols.length ? `Sec-WebSocket-Protocol: ${protocols.join(', ')}\r\n` : '') +
        (token ? `Authorization: Bearer ${token}\r\n` : '') + '\r\n');
    });
    let buf = Buffer.alloc(0);
    let upgraded = false;
    const ws = { sock, messages: [], closed: null, protocol: null, status: null, errors: [], waiters: [] };
    const notify = () => { const w = ws.waiters; ws.waiters = []; for (const f of w) f(); };
    ws.send = (data, opcode) => {
      data = Buffer.isBuffer(data) ? data : Buffer.from(data);
      const mask = crypto.randomBytes(4);
      const len = data.length;
      let head;
      const b0 = 0x80 | (opcode || 2);
      if (len < 126) head = Buffer.from([b0, 0x80 | len]);
      else if (len < 65536) { head = Buffer.alloc(4); head[0] = b0; head[1] = 0x80 | 126; head.writeUInt16BE(len, 2); }
      else { head = Buffer.alloc(10); head[0] = b0; head[1] = 0x80 | 127; head.writeBigUInt64BE(BigInt(len), 2); }
      const masked = Buffer.alloc(len);
      for (let i = 0; i < len; i++) masked[i] = data[i] ^ mask[i & 3];
      sock.write(Buffer.concat([head, mask, masked]));
    };
    ws.sendChannel = (ch, data) => ws.send(Buffer.concat([Buffer.from([ch]), Buffer.isBuffer(data) ? data : Buffer.from(data)]));
    ws.close = () => { ws.send(Buffer.from([0x03, 0xe8]), 0x8); };
    ws.wait = (pred, ms) => new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error('ws wait timeout; messages: ' + JSON.stringify(ws.messages.map((m) => [m[0], m.subarray(1).toString()])))), ms || 5000);
      const check = () => { if (pred(ws)) { clearTimeout(t); res(ws); } else ws.waiters.push(check); };
      check();
    });
    ws.channel = (ch) => Buffer.concat(ws.messages.filter((m) => m[0] === ch).map((m) => m.subarray(1)));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const i = buf.indexOf('\r\n\r\n');
        if (i < 0) return;
        const head = buf.subarray(0, i).toString();
        ws.status = Number(head.split(' ')[1]);
        ws.head = head;
        const m = /sec-websocket-protocol:\s*(.*)/i.exec(head);
        ws.protocol = m ? m[1].trim() : '';
        buf = buf.subarray(i + 4);
        upgraded = true;
        if (ws.status !== 101) {
          // an HTTP error instead of the upgrade: read the body to the end
          let rest = buf;
          sock.removeAllListeners('data');
          sock.on('data', (more) => { rest = Buffer.concat([rest, more]); });
          sock.on('end', () => { ws.body = rest.toString(); resolve(ws); });
          return;
        }
        resolve(ws);
      }
      while (buf.length >= 2) {
        const b0 = buf[0];
        if (b0 & 0x70) { ws.errors.push('reserved bits'); buf = Buffer.alloc(0); notify(); return; }
        const op = b0 & 0x0f;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
        else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
        if (buf.length < off + len) return;
        const payload = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        if (op === 0x8) ws.closed = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        else if (op === 0x1 || op === 0x2) ws.messages.push(Buffer.from(payload));
        else if (op !== 0x9 && op !== 0xA) ws.errors.push(`opcode ${op}`);
        notify();
      }
    });
    sock.on('close', () => { if (ws.closed === null) ws.closed = 1006; notify(); });
    sock.on('error', (e) => { if (!upgraded) reject(e); });
  });
}

function sharedDir() {
  if (process.env.K8S_SHARED_DIR) return process.env.K8S_SHARED_DIR;
  // tests/apiserver -> the repository root is two levels up; shared/ sits beside it
  return path.resolve(__dirname, '..', '..', '..', 'shared');
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

module.exports = { start, certs, h2req, wsConnect, sharedDir, sleep, ROOT };
