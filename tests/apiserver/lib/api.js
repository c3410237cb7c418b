'use strict';
// The REST semantics of kube-apiserver for stored resources: get, list (paging,
// selectors, resourceVersion semantics), create, update, patch (merge, JSON,
// strategic, apply), delete (finalizers, graceful pods, propagation),
// deletecollection, and the status / scale subresources. Watch lives in
// watch.js, pod subresources (log, exec, ...) in pods.js.
const crypto = require('crypto');
const json = require('./json');
const { E, F, ApiError } = require('./errors');
const schema = require('./schema');
const kinds = require('./kinds');
const patch = require('./patch');
const mf = require('./managedfields');
const sel = require('./selectors');
const { parseYaml } = require('./yaml');
const crd = require('./crd');
const { sendObject } = require('./http');

function now() {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
function uid() {
  return crypto.randomUUID();
}
const GEN_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
function randSuffix() {
  let s = '';
  for (let i = 0; i < 5; i++) s += GEN_CHARS[crypto.randomInt(GEN_CHARS.length)];
  return s;
}

function resKey(res) {
  return `${res.group}/${res.plural}`;
}
function apiVersionOf(res) {
  return res.group ? `${res.group}/${res.version}` : res.version;
}

// kube-apiserver's versionCheckManager: an applied object names the
// resource's own group, version and kind (autoscaling/v1 Scale for scale),
// or the answer is a 400 that prints the GroupVersionKind it got ("/, Kind="
// when both are missing).
function checkApplyType(obj, res) {
  const av = obj && typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const [group, version] = av.includes('/') ? av.split('/', 2) : ['', av];
  const kind = obj && typeof obj.kind === 'string' ? obj.kind : '';
  if (group !== (res.group || '') || version !== res.version || kind !== res.kind) {
    throw E.badRequest(`invalid object type: ${group}/${version}, Kind=${kind}`);
  }
}

// Manager name: ?fieldManager, else the User-Agent up to its first "/".
function managerOf(ctx) {
  const fm = ctx.query.get('fieldManager');
  if (fm) return fm;
  const ua = ctx.headers['user-agent'] || '';
  return ua.split('/')[0] || 'unknown';
}

// ---- request body decoding ----
function decodeBody(ctx, res, opts) {
  const text = ctx.body.toString('utf8');
  const ctype = (ctx.headers['content-type'] || 'application/json').split(';')[0].trim().toLowerCase();
  let value, duplicates = [];
  if (!text.trim()) throw E.badRequest('the body of the request was empty');
  try {
    if (ctype === 'application/yaml' || ctype === 'application/apply-patch+yaml') {
      value = parseYaml(text);
    } else {
      const r = json.parse(text);
      value = r.value;
      duplicates = r.duplicates;
    }
  } catch (e) {
    const what = res ? `the object provided is unrecognized (must be of type ${opts && opts.kind ? opts.kind : res.kind}): ` : '';
    throw E.badRequest(`${what}couldn't get version/kind; json parse error: ${e.message}`);
  }
  return { value, duplicates };
}

// ---- fieldValidation (Strict / Warn / Ignore) ----
function fieldValidation(ctx) {
  const v = ctx.query.get('fieldValidation') || 'Warn';
  if (!['Strict', 'Warn', 'Ignore'].includes(v)) throw E.badRequest(`fieldValidation parameter unsupported: ${v}`);
  return v;
}
function warnQuote(s) {
  return `299 - ${JSON.stringify(s)}`;
}
function reportUnknown(ctx, mode, kind, version, duplicates, unknown) {
  if (mode === 'Ignore' || (!duplicates.length && !unknown.length)) return;
  const msgs = duplicates.map((d) => `duplicate field "${d}"`).concat(unknown.map((u) => `unknown field "${u}"`));
  if (mode === 'Strict') {
    throw E.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: strict decoding error: ${msgs.join(', ')}`);
  }
  for (const m of msgs) ctx.warnings.push(warnQuote(m));
}

class Api {
  constructor(server) {
    this.server = server;
    this.store = server.store;
  }

  get config() { return this.server.config; }

  // ---------- helpers ----------
  // Normalise a request object into stored form: key order, unknown fields.
  shape(ctx, res, obj, duplicates, opts) {
    if (!json.isObject(obj)) throw E.badRequest(`the object provided is unrecognized (must be of type ${res.kind})`);
    const gv = apiVersionOf(res);
    const expectKind = (opts && opts.kind) || res.kind;
    const expectGV = (opts && opts.apiVersion) || gv;
    if (obj.apiVersion !== undefined && obj.apiVersion !== expectGV && !(opts && opts.lenientVersion)) {
      throw E.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${expectGV})`);
    }
    if (obj.kind !== undefined && obj.kind !== expectKind) {
      throw E.badRequest(`${obj.kind} in version "${res.version}" cannot be handled as a ${expectKind}: no kind "${obj.kind}" is registered for version "${expectGV}" in scheme "k8s.io/apimachinery/pkg/runtime/scheme.go:100"`);
    }
    obj = Object.assign({}, obj, { apiVersion: expectGV, kind: expectKind });
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (!json.isObject(obj.metadata)) throw E.badRequest(`${expectKind} in version "${res.version}" cannot be handled as a ${expectKind}: json: cannot unmarshal ${Array.isArray(obj.metadata) ? 'array' : typeof obj.metadata} into Go struct field ${expectKind}.metadata of type v1.ObjectMeta`);
    const unknown = [];
    unknown.typeErrors = [];
    let out;
    if (res.custom) {
      const meta = schema.normalize(obj.metadata, { k: 'struct', name: 'ObjectMeta' }, 'metadata', unknown);
      const v = crd.validateCustom(res, Object.assign({}, obj, { metadata: meta }));
      unknown.push(...v.unknown);
      out = v.obj;
      ctx.crCauses = v.causes;
    } else {
      out = schema.normalizeObject(obj, (opts && opts.kind) || res.schemaKind, unknown);
    }
    if (unknown.typeErrors.length) {
      throw E.badRequest(`${expectKind} in version "${res.version}" cannot be handled as a ${expectKind}: ${unknown.typeErrors[0]}`);
    }
    if (opts && opts.skipUnknown) return out;
    reportUnknown(ctx, fieldValidation(ctx), expectKind, res.version, duplicates || [], unknown);
    return out;
  }

  finalize(res, obj) {
    // Go-ordered output for built-ins, sorted keys for custom resources.
    if (res.custom) return json.sortKeysDeep(obj);
    return schema.normalizeObject(obj, res.schemaKind, null);
  }

  requireNamespace(ctx, res, ns) {
    if (!res.namespaced) return;
    const nsObj = this.store.get('/namespaces', '', ns);
    const nsRes = this.server.registry.lookup('', 'v1', 'namespaces');
    if (!nsObj) throw E.notFound(nsRes, ns);
    if (nsObj.metadata.deletionTimestamp) {
      throw new ApiError(403, 'Forbidden', `${res.group ? `${res.plural}.${res.group}` : res.plural} "${ctx.body ? '' : ''}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`, { name: '', kind: res.plural, causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }] });
    }
  }

  validate(ctx, res, obj, old) {
    const causes = kinds.validate(res, obj, old);
    if (res.custom && ctx.crCauses) causes.push(...ctx.crCauses);
    if (causes.length) throw E.invalid(res, obj.kind || res.kind, obj.metadata.name || obj.metadata.generateName || '', causes);
  }

  typeOf(res) {
    return res.custom ? null : schema.typeFor(res.schemaKind);
  }

  dryRun(ctx) {
    const d = ctx.query.getAll('dryRun');
    for (const v of d) if (v !== 'All') throw E.badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
    return d.includes('All');
  }

  // Everything but metadata and status, for generation bumps.
  specPart(obj) {
    const o = {};
    for (const k of Object.keys(obj)) if (k !== 'metadata' && k !== 'status' && k !== 'kind' && k !== 'apiVersion') o[k] = obj[k];
    return o;
  }

  // ---------- GET ----------
  get(ctx, res, ns, name) {
    const obj = this.store.get(resKey(res), ns, name);
    if (!obj) throw E.notFound(res, name);
    return obj;
  }

  // ---------- LIST ----------
  list(ctx, res, ns) {
    const q = ctx.query;
    const labelReqs = sel.parseLabelSelector(q.get('labelSelector'));
    const fieldReqs = sel.parseFieldSelector(q.get('fieldSelector'), res);
    const limitRaw = q.get('limit');
    let limit = limitRaw ? parseInt(limitRaw, 10) : 0;
    if (!(limit > 0)) limit = 0;
    if (!limit && this.config.defaultPageSize) limit = this.config.defaultPageSize;
    const cont = q.get('continue');
    const rvParam = q.get('resourceVersion');
    const match = q.get('resourceVersionMatch');
    const store = this.store;
    let atRV = store.rv;
    let start = '';
    let tokenRV = null;
    if (match && !['NotOlderThan', 'Exact'].includes(match)) throw E.badRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
    if (match && !rvParam) throw E.badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (cont) {
      if (rvParam && rvParam !== '0') throw E.badRequest('specifying resource version is not allowed when using continue');
      let tok;
      try {
        tok = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8'));
      } catch (e) {
        throw E.badRequest(`continue key is not valid: ${e.message}`);
      }
      if (!tok || tok.v !== 'meta.k8s.io/v1' || typeof tok.start !== 'string' || typeof tok.rv !== 'number') throw E.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
      start = tok.start;
      if (tok.rv === -1) {
        atRV = store.rv;
        if (!start.startsWith('/')) start = '/' + start;
      } else if (tok.rv < store.compactedRV) {
        const again = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: -1, start: start.replace(/^\//, '') })).toString('base64url');
        throw E.expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.', { continue: again });
      } else {
        atRV = tok.rv;
        tokenRV = tok.rv;
      }
    } else if (rvParam !== null && rvParam !== '') {
      if (!/^\d+$/.test(rvParam)) throw E.badRequest(`resourceVersion: Invalid value: "${rvParam}": must be a valid resourceVersion`);
      const n = Number(rvParam);
      if (n === 0) {
        if (match === 'Exact') throw E.badRequest('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
        limit = 0; // served from the watch cache, which ignores limit
      } else if (n > store.rv) {
        return this.waitForRV(n).then(() => this.list(ctx, res, ns));
      } else if (match === 'Exact') {
        if (n < store.compactedRV) throw E.expired('The resourceVersion for the provided list is too old.');
        atRV = n;
      }
    }
    const entries = store.list(resKey(res), ns, atRV);
    if (entries === null) throw E.expired('The resourceVersion for the provided list is too old.');
    // continue keys are relative to the list's storage prefix (transcripts 17, 22)
    const relKey = (e) => '/' + (ns ? e.key.slice(ns.length + 1) : e.key);
    const items = [];
    let remaining = 0;
    let lastKey = null;
    for (const e of entries) {
      if (start && relKey(e) < start) continue;
      const o = e.obj;
      if (labelReqs.length && !sel.matchLabels(labelReqs, o.metadata.labels)) continue;
      if (fieldReqs.length && !sel.matchFields(fieldReqs, o)) continue;
      if (limit && items.length >= limit) { remaining++; continue; }
      items.push(o);
      lastKey = relKey(e);
    }
    const meta = { resourceVersion: String(tokenRV !== null ? tokenRV : atRV) };
    if (limit && remaining > 0) {
      meta.continue = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(meta.resourceVersion), start: lastKey + '\u0000' })).toString('base64url');
      if (!labelReqs.length && !fieldReqs.length) meta.remainingItemCount = remaining;
    }
    return { items, meta };
  }

  waitForRV(n) {
    const wait = this.config.tooLargeRvWaitMs;
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const tick = () => {
        if (this.store.rv >= n) return resolve();
        if (Date.now() - started >= wait) return reject(E.tooLargeRV(n, this.store.rv));
        setTimeout(tick, 25);
      };
      tick();
    });
  }

  listBody(res, result, listOpts) {
    const apiVersion = apiVersionOf(res);
    if (res.custom) {
      const meta = { continue: result.meta.continue || '', resourceVersion: result.meta.resourceVersion };
      if (result.meta.remainingItemCount !== undefined) meta.remainingItemCount = result.meta.remainingItemCount;
      return { apiVersion, items: result.items.map((o) => this.finalize(res, o)), kind: res.listKind, metadata: json.sortKeysDeep(meta) };
    }
    const items = result.items.map((o) => {
      const c = Object.assign({}, o);
      delete c.kind; delete c.apiVersion;
      return c;
    });
    return { kind: res.listKind, apiVersion, metadata: result.meta, items };
  }

  // ---------- CREATE ----------
  create(ctx, res, ns, bodyObj, opts) {
    opts = opts || {};
    let obj;
    if (bodyObj) obj = bodyObj;
    else {
      const { value, duplicates } = decodeBody(ctx, res);
      obj = this.shape(ctx, res, value, duplicates);
    }
    const m = obj.metadata;
    if (res.namespaced) {
      if (m.namespace && m.namespace !== ns) throw E.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      m.namespace = ns;
    } else {
      delete m.namespace;
    }
    if (opts.name && m.name && m.name !== opts.name) throw E.badRequest(`the name of the object (${m.name}) does not match the name on the URL (${opts.name})`);
    if (opts.name && !m.name) m.name = opts.name;
    this.requireNamespace(ctx, res, ns);
    if (!m.name && m.generateName) m.name = m.generateName + randSuffix();
    m.uid = uid();
    m.creationTimestamp = now();
    delete m.resourceVersion; delete m.deletionTimestamp; delete m.deletionGracePeriodSeconds; delete m.selfLink;
    if (res.generation) m.generation = 1; else delete m.generation;
    const kctx = { creating: true, user: ctx.user, server: this.server };
    kinds.defaults(res, obj, kctx);
    this.validate(ctx, res, obj, null);
    if (this.store.get(resKey(res), ns, m.name)) throw E.alreadyExists(res, m.name);
    const keepMF = Array.isArray(m.managedFields) && m.managedFields.length ? m.managedFields : null;
    delete m.managedFields;
    if (opts.apply) {
      // the applied object's managedFields were computed by apply()
      if (opts.apply.managedFields) m.managedFields = opts.apply.managedFields;
    } else if (keepMF) {
      m.managedFields = keepMF;
    } else {
      mf.recordUpdate(null, obj, managerOf(ctx), { type: this.typeOf(res), apiVersion: apiVersionOf(res), scope: res.hasStatus ? 'main' : 'all' });
    }
    kinds.admit(res, obj, kctx);
    obj.metadata.resourceVersion = ''; // placeholder so the key lands in its place; set by commit
    obj = this.finalize(res, obj);
    if (this.dryRun(ctx)) {
      delete obj.metadata.resourceVersion; // nothing was stored (transcript 49)
      return obj;
    }
    this.store.commit('ADDED', resKey(res), obj);
    this.server.afterWrite(res, 'ADDED', obj, null);
    return obj;
  }

  // ---------- UPDATE (PUT and the tail of PATCH) ----------
  // sub: undefined | 'status' | other subresource names that act like status
  update(ctx, res, ns, name, newObj, opts) {
    opts = opts || {};
    const key = resKey(res);
    const m0 = newObj.metadata || {};
    if (m0.name !== undefined && m0.name !== '' && m0.name !== name) throw E.badRequest(`the name of the object (${m0.name}) does not match the name on the URL (${name})`);
    const old = this.store.get(key, ns, name);
    if (!old) {
      if (opts.allowCreate) return { obj: this.create(ctx, res, ns, newObj, { name }), created: true };
      throw E.notFound(res, name);
    }
    const m = newObj.metadata;
    if (m.name !== undefined && m.name !== name) throw E.badRequest(`the name of the object (${m.name}) does not match the name on the URL (${name})`);
    if (res.namespaced && m.namespace !== undefined && m.namespace !== ns) throw E.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    if (m.resourceVersion !== undefined && m.resourceVersion !== '' && m.resourceVersion !== old.metadata.resourceVersion) {
      throw E.conflict(res, name);
    }
    if (m.uid !== undefined && m.uid !== '' && m.uid !== old.metadata.uid) {
      throw E.conflict(res, name, `Precondition failed: UID in precondition: ${m.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    let obj;
    const om = old.metadata;
    if (opts.sub === 'status') {
      // status writes change only .status (and nothing in spec/metadata)
      obj = json.clone(old);
      if (newObj.status !== undefined) obj.status = newObj.status; else delete obj.status;
    } else {
      obj = newObj;
      if (res.hasStatus && opts.sub !== 'any') {
        if (old.status !== undefined) obj.status = json.clone(old.status); else delete obj.status;
      }
      const nm = obj.metadata;
      nm.name = om.name;
      if (res.namespaced) nm.namespace = om.namespace; else delete nm.namespace;
      nm.uid = om.uid;
      nm.creationTimestamp = om.creationTimestamp;
      for (const f of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'generation']) {
        if (om[f] !== undefined) nm[f] = om[f]; else delete nm[f];
      }
      delete nm.selfLink;
    }
    const clientMF = obj.metadata.managedFields;
    obj.metadata.managedFields = om.managedFields;
    if (!obj.metadata.managedFields) delete obj.metadata.managedFields;
    kinds.defaults(res, obj, { creating: false, old, user: ctx.user, server: this.server });
    this.validate(ctx, res, obj, old);
    if (res.generation && !json.deepEqual(this.specPart(obj), this.specPart(old))) {
      obj.metadata.generation = (om.generation || 0) + 1;
    }
    if (Array.isArray(clientMF) && clientMF.length === 0) {
      delete obj.metadata.managedFields; // an explicit [] resets field ownership
    } else if (opts.applied) {
      obj.metadata.managedFields = opts.applied;
    } else {
      const scope = opts.sub === 'status' ? 'status' : res.hasStatus ? 'main' : 'all';
      mf.recordUpdate(old, obj, opts.manager || managerOf(ctx), {
        type: this.typeOf(res), apiVersion: apiVersionOf(res),
        subresource: opts.sub && opts.sub !== 'any' ? opts.sub : undefined, scope, noTime: opts.sub === 'scale',
      });
    }
    obj.metadata.resourceVersion = om.resourceVersion;
    obj = this.finalize(res, obj);
    // No-op writes do not reach storage (same resourceVersion, no event).
    const strip = (o) => { const c = json.clone(o); delete c.metadata.resourceVersion; delete c.metadata.managedFields; return c; };
    if (json.deepEqual(strip(obj), strip(old))) return { obj: old, created: false };
    obj.metadata.resourceVersion = om.resourceVersion;
    if (this.dryRun(ctx)) return { obj, created: false };
    if (obj.metadata.deletionTimestamp && !(obj.metadata.finalizers || []).length) {
      const gone = this.store.commit('DELETED', key, obj, old);
      this.server.afterWrite(res, 'DELETED', gone, old);
      return { obj: gone, created: false };
    }
    this.store.commit('MODIFIED', key, obj, old);
    this.server.afterWrite(res, 'MODIFIED', obj, old);
    return { obj, created: false };
  }

  put(ctx, res, ns, name, sub) {
    const { value, duplicates } = decodeBody(ctx, res);
    const obj = this.shape(ctx, res, value, duplicates);
    const allowCreate = !sub && (['events', 'endpoints', 'leases'].includes(res.plural) || res.custom);
    return this.update(ctx, res, ns, name, obj, { sub, allowCreate });
  }

  // The object as the client sees it, for patching.
  patchBase(res, obj) {
    return json.clone(obj);
  }

  patch(ctx, res, ns, name, sub) {
    const ctype = (ctx.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
    const key = resKey(res);
    const old = this.store.get(key, ns, name);
    if (ctype === 'application/apply-patch+yaml' || ctype === 'application/apply-patch+cbor') return this.applyPatch(ctx, res, ns, name, sub, old);
    if (!old) throw E.notFound(res, name);
    const text = ctx.body.toString('utf8');
    let body, duplicates = [];
    try {
      const r = json.parse(text);
      body = r.value; duplicates = r.duplicates;
    } catch (e) {
      throw E.badRequest(`error decoding patch: ${e.message}`);
    }
    let patched;
    const base = this.patchBase(res, old);
    try {
      if (ctype === 'application/merge-patch+json') {
        if (!json.isObject(body)) throw E.badRequest('json: cannot unmarshal into Go value of type map[string]interface {}');
        patched = patch.mergePatch(base, body);
      } else if (ctype === 'application/json-patch+json') {
        patched = patch.jsonPatch(base, body);
      } else if (ctype === 'application/strategic-merge-patch+json') {
        if (res.custom) throw E.unsupportedMediaType(ctype);
        if (!json.isObject(body)) throw E.badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
        patched = patch.strategicMerge(base, body, schema.typeFor(res.schemaKind));
      } else {
        throw E.unsupportedMediaType(ctype);
      }
    } catch (e) {
      if (e instanceof patch.PatchError) {
        if (e.kind === 'bad') throw E.badRequest(e.message);
        throw E.invalidGeneric();
      }
      throw e;
    }
    if (!json.isObject(patched)) throw E.badRequest('the patch produced a non-object');
    const obj = this.shape(ctx, res, patched, duplicates, { lenientVersion: true });
    // a patch carrying metadata.resourceVersion is a precondition; otherwise none
    if (!(json.isObject(body) && json.isObject(body.metadata) && body.metadata.resourceVersion !== undefined) && !(Array.isArray(body) && body.some((op) => op && typeof op.path === 'string' && op.path.startsWith('/metadata/resourceVersion')))) {
      obj.metadata.resourceVersion = old.metadata.resourceVersion;
    }
    return this.update(ctx, res, ns, name, obj, { sub });
  }

  applyPatch(ctx, res, ns, name, sub, old) {
    const manager = ctx.query.get('fieldManager');
    if (!manager) throw new ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', { group: 'meta.k8s.io', kind: 'PatchOptions', causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }] });
    const forceRaw = ctx.query.get('force');
    const force = forceRaw === 'true';
    if (forceRaw !== null && forceRaw !== 'true' && forceRaw !== 'false') throw E.badRequest(`force: Invalid value: "${forceRaw}"`);
    const { value } = decodeBody(ctx, res);
    if (!json.isObject(value)) throw E.badRequest('the object provided is unrecognized');
    // kube-apiserver's versionCheckManager: the applied object names the
    // resource's own group, version and kind, or the answer is a 400 that
    // prints the GroupVersionKind it got ("/, Kind=" when both are missing)
    checkApplyType(value, res);
    const cfg = this.shape(ctx, res, value, [], {});
    if (cfg.metadata.name !== undefined && cfg.metadata.name !== name) throw E.badRequest(`the name of the object (${cfg.metadata.name}) does not match the name on the URL (${name})`);
    const type = this.typeOf(res);
    const scope = sub === 'status' ? 'status' : res.hasStatus ? 'main' : 'all';
    const cfgForFields = json.clone(cfg);
    if (scope === 'main') delete cfgForFields.status;
    if (scope === 'status') { for (const k of Object.keys(cfgForFields)) if (k !== 'status' && k !== 'metadata' && k !== 'kind' && k !== 'apiVersion') delete cfgForFields[k]; }
    const r = mf.apply(old || null, cfgForFields, manager, { type, apiVersion: apiVersionOf(res), force, subresource: sub, scope });
    if (r.conflicts.length) {
      const { msg, causes } = mf.conflictMessage(r.conflicts);
      throw new ApiError(409, 'Conflict', msg, { causes });
    }
    if (!old) {
      if (sub) throw E.notFound(res, name);
      const obj = this.shape(ctx, res, r.obj, [], { skipUnknown: true });
      const created = this.create(ctx, res, ns, obj, { name, apply: { managedFields: r.obj.metadata.managedFields } });
      return { obj: created, created: true };
    }
    const merged = this.shape(ctx, res, r.obj, [], { skipUnknown: true, lenientVersion: true });
    merged.metadata.resourceVersion = old.metadata.resourceVersion;
    return this.update(ctx, res, ns, name, merged, { sub, applied: r.obj.metadata.managedFields || [], manager });
  }

  // ---------- DELETE ----------
  deleteOptions(ctx) {
    const o = {};
    if (ctx.body && ctx.body.length && ctx.body.toString().trim()) {
      let b;
      try { b = json.parse(ctx.body.toString('utf8')).value; } catch (e) { throw E.badRequest(`error decoding DeleteOptions: ${e.message}`); }
      if (json.isObject(b)) Object.assign(o, b);
    }
    const q = ctx.query;
    if (q.get('gracePeriodSeconds') !== null) o.gracePeriodSeconds = Number(q.get('gracePeriodSeconds'));
    if (q.get('propagationPolicy')) o.propagationPolicy = q.get('propagationPolicy');
    if (q.get('orphanDependents') !== null) o.orphanDependents = q.get('orphanDependents') === 'true';
    if (o.propagationPolicy && !['Foreground', 'Background', 'Orphan'].includes(o.propagationPolicy)) {
      throw new ApiError(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${o.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`, { group: 'meta.k8s.io', kind: 'DeleteOptions', causes: [{ reason: 'FieldValueNotSupported', message: `Unsupported value: "${o.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`, field: 'propagationPolicy' }] });
    }
    return o;
  }

  // Returns {obj, deleted, status?}
  delete(ctx, res, ns, name, opts) {
    const key = resKey(res);
    const old = this.store.get(key, ns, name);
    if (!old) throw E.notFound(res, name);
    const pre = opts.preconditions || {};
    if (pre.uid && pre.uid !== old.metadata.uid) throw E.conflict(res, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
    if (pre.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) throw E.conflict(res, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);
    const dry = this.dryRun(ctx) || opts.dryRun;
    const om = old.metadata;
    let policy = opts.propagationPolicy;
    if (!policy && opts.orphanDependents === true) policy = 'Orphan';
    const finalizers = (om.finalizers || []).slice();
    if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    // graceful pod deletion: only for pods a kubelet would have to stop
    let grace = 0;
    if (res.kind === 'Pod' && !res.group) {
      const phase = old.status && old.status.phase;
      const scheduled = old.spec && old.spec.nodeName;
      grace = opts.gracePeriodSeconds !== undefined ? opts.gracePeriodSeconds : (old.spec && old.spec.terminationGracePeriodSeconds !== undefined ? old.spec.terminationGracePeriodSeconds : 30);
      if (!scheduled || phase === 'Succeeded' || phase === 'Failed') grace = 0;
      if (om.deletionTimestamp && om.deletionGracePeriodSeconds !== undefined && grace >= om.deletionGracePeriodSeconds && opts.gracePeriodSeconds === undefined) {
        return { obj: old, deleted: false };
      }
    } else if (res.kind === 'Namespace' && !res.group) {
      if (om.deletionTimestamp) return { obj: old, deleted: false };
      const obj = json.clone(old);
      obj.metadata.deletionTimestamp = now();
      obj.metadata.deletionGracePeriodSeconds = 0;
      obj.status = Object.assign({}, obj.status, { phase: 'Terminating' });
      if (dry) return { obj, deleted: false };
      this.store.commit('MODIFIED', key, obj, old);
      this.server.afterWrite(res, 'MODIFIED', obj, old);
      return { obj, deleted: false };
    }
    if (om.deletionTimestamp && (finalizers.length || grace > 0)) {
      if (json.deepEqual(finalizers, om.finalizers || [])) return { obj: old, deleted: false };
    }
    const obj = json.clone(old);
    const m = obj.metadata;
    const graceful = finalizers.length || grace > 0 || (res.kind === 'Pod' && !res.group);
    if (!m.deletionTimestamp && graceful) {
      m.deletionTimestamp = grace > 0 ? new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : now();
      m.deletionGracePeriodSeconds = grace;
      if (res.generation) m.generation = (m.generation || 0) + 1;
    } else if (grace >= 0 && res.kind === 'Pod') {
      m.deletionGracePeriodSeconds = grace;
    }
    if (finalizers.length) m.finalizers = finalizers;
    const out = this.finalize(res, obj);
    if (dry) return { obj: out, deleted: !(finalizers.length || grace > 0) };
    if (finalizers.length || grace > 0) {
      this.store.commit('MODIFIED', key, out, old);
      this.server.afterWrite(res, 'MODIFIED', out, old);
      if (grace > 0) this.server.kubeletTerminate(res, out, grace);
      return { obj: out, deleted: false };
    }
    this.store.commit('DELETED', key, out, old);
    this.server.afterWrite(res, 'DELETED', out, old);
    return { obj: out, deleted: true };
  }

  deleteResponse(res, r) {
    if (!r.deleted || res.returnDeleted) return { code: 200, body: r.obj };
    const details = { name: r.obj.metadata.name };
    if (res.group) details.group = res.group;
    details.kind = res.plural;
    details.uid = r.obj.metadata.uid;
    return { code: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details } };
  }

  deleteCollection(ctx, res, ns) {
    const opts = this.deleteOptions(ctx);
    const q = ctx.query;
    const labelReqs = sel.parseLabelSelector(q.get('labelSelector'));
    const fieldReqs = sel.parseFieldSelector(q.get('fieldSelector'), res);
    const listRV = String(this.store.rv);
    const items = [];
    for (const e of this.store.list(resKey(res), ns)) {
      const o = e.obj;
      if (labelReqs.length && !sel.matchLabels(labelReqs, o.metadata.labels)) continue;
      if (fieldReqs.length && !sel.matchFields(fieldReqs, o)) continue;
      items.push(o);
    }
    for (const o of items) {
      try { this.delete(ctx, res, o.metadata.namespace, o.metadata.name, opts); } catch (e) { /* deleted concurrently */ }
    }
    return this.listBody(res, { items, meta: { resourceVersion: listRV } });
  }

  // ---------- scale subresource ----------
  scaleOf(res, obj) {
    const sc = res.scale;
    const spec = sel.getPath(obj, sc.spec);
    const status = sel.getPath(obj, sc.status);
    let selector = sc.selector ? sel.getPath(obj, sc.selector) : undefined;
    if (selector && typeof selector === 'object') selector = sc.selectorIsMap ? Object.keys(selector).sort().map((k) => `${k}=${selector[k]}`).join(',') : sel.selectorToString(selector);
    const m = obj.metadata;
    const meta = { name: m.name };
    if (m.namespace) meta.namespace = m.namespace;
    meta.uid = m.uid;
    meta.resourceVersion = m.resourceVersion;
    meta.creationTimestamp = m.creationTimestamp;
    const st = { replicas: typeof status === 'number' ? status : 0 };
    if (selector) st.selector = selector;
    return { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: meta, spec: { replicas: typeof spec === 'number' ? spec : 0 }, status: st };
  }

  writeScale(ctx, res, ns, name, isPatch) {
    const old = this.get(ctx, res, ns, name);
    const cur = this.scaleOf(res, old);
    const scaleRes = { group: 'autoscaling', version: 'v1', plural: res.plural, kind: 'Scale', custom: false };
    let scale;
    if (isPatch) {
      const ctype = (ctx.headers['content-type'] || '').split(';')[0].trim();
      const body = json.parse(ctx.body.toString('utf8')).value;
      try {
        if (ctype === 'application/json-patch+json') scale = patch.jsonPatch(cur, body);
        else if (ctype === 'application/merge-patch+json' || ctype === 'application/strategic-merge-patch+json') scale = patch.mergePatch(cur, body);
        else if (ctype === 'application/apply-patch+yaml') {
          const applied = parseYaml(ctx.body.toString('utf8'));
          checkApplyType(applied, scaleRes);
          scale = patch.mergePatch(cur, applied);
        }
        else throw E.unsupportedMediaType(ctype);
      } catch (e) {
        if (e instanceof patch.PatchError) throw E.invalidGeneric();
        throw e;
      }
      if (!(body && body.metadata && body.metadata.resourceVersion)) scale.metadata.resourceVersion = old.metadata.resourceVersion;
    } else {
      const { value } = decodeBody(ctx, scaleRes);
      scale = value;
    }
    if (!json.isObject(scale) || !json.isObject(scale.spec)) throw E.badRequest('the object provided is unrecognized (must be of type Scale)');
    const sm = scale.metadata || {};
    if (sm.resourceVersion && sm.resourceVersion !== old.metadata.resourceVersion) throw E.conflict(res, name);
    const replicas = scale.spec.replicas;
    if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) {
      throw E.invalid({ group: 'autoscaling' }, 'Scale', name, [F.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')]);
    }
    const obj = json.clone(old);
    const parts = res.scale.spec.split('.');
    let cur2 = obj;
    for (const p of parts.slice(0, -1)) cur2 = cur2[p] = cur2[p] || {};
    cur2[parts[parts.length - 1]] = replicas === undefined ? 0 : replicas;
    const r = this.update(ctx, res, ns, name, obj, { sub: 'scale' });
    return this.scaleOf(res, r.obj);
  }
}

module.exports = { Api, resKey, apiVersionOf, managerOf, decodeBody, now, uid };
