'use strict';
// Response helpers shared by every handler: JSON bodies the way Go's server
// frames them (Content-Length up to 2048 bytes, chunked beyond), Status errors,
// Accept negotiation, and the response-side fault switches.
const json = require('./json');
const { ApiError } = require('./errors');

const GO_BUFFER = 2048; // net/http's bufferBeforeChunkingSize
const GO_H2_BUFFER = 4096; // x/net/http2 handlerChunkWriteSize

function parseMediaTypes(header) {
  const out = [];
  for (const part of String(header || '').split(',')) {
    const segs = part.split(';').map((s) => s.trim());
    const type = (segs.shift() || '').toLowerCase();
    if (!type) continue;
    const params = {};
    for (const s of segs) {
      const i = s.indexOf('=');
      if (i > 0) params[s.slice(0, i).trim().toLowerCase()] = s.slice(i + 1).trim().replace(/^"|"$/g, '');
    }
    out.push({ type, params });
  }
  return out;
}

// -> {as: null|'Table'|'PartialObjectMetadata'|'PartialObjectMetadataList'|'APIGroupDiscoveryList', yaml, raw}
// or null when nothing acceptable was offered.
function negotiate(acceptHeader, opts) {
  const types = parseMediaTypes(acceptHeader);
  if (!types.length) return { as: null };
  for (const t of types) {
    const jsonish = t.type === 'application/json' || t.type === '*/*' || t.type === 'application/*';
    const yaml = t.type === 'application/yaml';
    if (!jsonish && !yaml) continue;
    const as = t.params.as;
    if (!as) return { as: null, yaml };
    if (as === 'APIGroupDiscoveryList' && opts && opts.discovery && t.params.g === 'apidiscovery.k8s.io' && t.params.v === 'v2') {
      return { as, raw: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' };
    }
    if (['Table', 'PartialObjectMetadata', 'PartialObjectMetadataList'].includes(as) && t.params.g === 'meta.k8s.io' && (t.params.v === 'v1' || t.params.v === 'v1beta1') && opts && opts.resource) {
      return { as, version: t.params.v, yaml };
    }
  }
  return null;
}

// ---- YAML output (Accept: application/yaml) ----
function toYaml(v, indent) {
  indent = indent || '';
  const scalar = (x) => {
    if (x === null || x === undefined) return 'null';
    if (typeof x === 'string') {
      if (x === '' || /^[\s]|[\s]$|[:#{}[\],&*!|>'"%@`]|^[-?]|^(true|false|null|yes|no|on|off|~)$/i.test(x) || !isNaN(Number(x)) || x.includes('\n')) return JSON.stringify(x);
      return x;
    }
    return String(x);
  };
  if (Array.isArray(v)) {
    if (!v.length) return '[]';
    return v.map((x) => {
      if (json.isObject(x) && Object.keys(x).length) {
        const inner = toYaml(x, indent + '  ');
        return `${indent}- ${inner.slice(indent.length + 2)}`;
      }
      return `${indent}- ${json.isObject(x) || Array.isArray(x) ? toYaml(x, indent + '  ').trim() : scalar(x)}`;
    }).join('\n');
  }
  if (json.isObject(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined);
    if (!keys.length) return '{}';
    return keys.map((k) => {
      const x = v[k];
      const key = scalar(k);
      if (Array.isArray(x) && x.length) return `${indent}${key}:\n${toYaml(x, indent)}`;
      if (json.isObject(x) && Object.keys(x).length) return `${indent}${key}:\n${toYaml(x, indent + '  ')}`;
      return `${indent}${key}: ${Array.isArray(x) ? '[]' : json.isObject(x) ? '{}' : scalar(x)}`;
    }).join('\n');
  }
  return indent + scalar(v);
}

function encodeBody(ctx, obj) {
  if (ctx.yaml) return Buffer.from(toYaml(obj, '') + '\n');
  return Buffer.from(json.encode(obj, ctx.pretty) + '\n');
}

function sendObject(ctx, code, obj, headers) {
  const ctype = ctx.yaml ? 'application/yaml' : (headers && headers['Content-Type']) || 'application/json';
  const h = Object.assign({}, headers || {});
  delete h['Content-Type'];
  sendRaw(ctx, code, ctype, encodeBody(ctx, obj), h);
}

function sendError(ctx, err) {
  if (ctx.finished) {
    // the response already started (a stream): nothing can be sent any more
    ctx.server.log(`error after the response started: ${err && err.stack ? err.stack : err}`);
    if (!(err instanceof ApiError)) ctx.destroy();
    return;
  }
  if (!(err instanceof ApiError)) {
    ctx.server.log(`internal error: ${err && err.stack ? err.stack : err}`);
    err = new ApiError(500, 'InternalError', `Internal error occurred: ${err && err.message ? err.message : err}`, { causes: [{ message: String(err && err.message) }] });
  }
  const status = err.status();
  const body = Buffer.from(json.encode(status, ctx.pretty || !!err.extra.pretty) + '\n');
  sendRaw(ctx, err.code, 'application/json', body, err.extra.headers || {});
}

// Headers every kube-apiserver response carries (transcript 77 shows them on
// HTTP/2; the HTTP/1.1 recordings left them out).
const FLOWSCHEMA_UID = require('crypto').randomUUID();
const PRIORITY_UID = require('crypto').randomUUID();
function baseHeaders(ctx, h) {
  h = h || {};
  if (!h['Audit-Id']) h['Audit-Id'] = require('crypto').randomUUID();
  if (!h['Cache-Control']) h['Cache-Control'] = 'no-cache, private';
  if (ctx.user && !ctx.path.startsWith('/_test')) {
    h['X-Kubernetes-Pf-Flowschema-Uid'] = FLOWSCHEMA_UID;
    h['X-Kubernetes-Pf-Prioritylevel-Uid'] = PRIORITY_UID;
  }
  return h;
}

// Write a whole response. Honours the response-side faults of ctx.fault.
function sendRaw(ctx, code, ctype, buf, headers) {
  const res = ctx.res;
  if (ctx.finished) return;
  ctx.finished = true;
  ctx.server.stats.countResponse(ctx);
  const fault = ctx.fault;
  if (fault && fault.fault === 'malformed-json') {
    code = 200;
    const cut = Math.max(1, Math.floor(buf.length / 2));
    buf = Buffer.concat([buf.subarray(0, cut), Buffer.from('\n')]);
  }
  const h = baseHeaders(ctx, Object.assign({}, headers));
  if (ctype) h['Content-Type'] = ctype;
  for (const [k, v] of Object.entries(ctx.warnings.length ? { Warning: ctx.warnings } : {})) h[k] = v;
  // Go declares the length of a finished handler's output when it fits its
  // first write: 2 KiB over HTTP/1.1, 4 KiB (handlerChunkWriteSize) over
  // HTTP/2. (libcurl 7.88 resets HTTP/2 streams that end without one.)
  if (buf.length <= (ctx.isH2 ? GO_H2_BUFFER : GO_BUFFER)) h['Content-Length'] = String(buf.length);
  try {
    if (fault && fault.fault === 'close-mid-body') {
      h['Content-Length'] = String(buf.length);
      res.writeHead(code, h);
      const part = buf.subarray(0, Math.max(1, Math.floor(buf.length / 2)));
      res.write(part, () => setTimeout(() => ctx.destroy(), 10));
      return;
    }
    if (fault && fault.fault === 'slow-body') {
      res.writeHead(code, h);
      const size = Math.max(1, Number(fault.chunk) || 16);
      const delay = Number(fault.ms) >= 0 ? Number(fault.ms) : 50;
      let off = 0;
      const tick = () => {
        if (ctx.closed) return;
        if (off >= buf.length) { res.end(); return; }
        res.write(buf.subarray(off, off + size));
        off += size;
        ctx.timer(tick, delay);
      };
      tick();
      return;
    }
    if (ctx.isH2) {
      // Go's HTTP/2 server ends a finished handler's stream on its last
      // DATA frame; Node's compatibility API always sends END_STREAM in a
      // frame of its own (it waits for trailers), after which libcurl 7.88
      // resets every stream it has already read in full.
      const hh = { ':status': code };
      for (const [k, v] of Object.entries(h)) hh[k.toLowerCase()] = v;
      res.stream.respond(hh, { endStream: buf.length === 0 });
      if (buf.length) res.stream.end(buf);
      return;
    }
    res.writeHead(code, h);
    res.end(buf);
  } catch (e) {
    ctx.server.log(`write failed: ${e.message}`);
  }
}

function sendEmpty(ctx, code, headers) {
  if (ctx.finished) return;
  ctx.finished = true;
  ctx.server.stats.countResponse(ctx);
  ctx.res.writeHead(code, baseHeaders(ctx, Object.assign({}, headers || {})));
  ctx.res.end();
}

function sendText(ctx, code, text, ctype) {
  sendRaw(ctx, code, ctype || 'text/plain', Buffer.from(text), {});
}

module.exports = { baseHeaders, negotiate, sendObject, sendError, sendRaw, sendEmpty, sendText, parseMediaTypes, GO_BUFFER, toYaml };
