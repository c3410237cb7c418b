'use strict';
// metadata.managedFields, approximated. A field set is a Set of paths; a path is
// its elements joined by SEP: "f:<field>", "k:<json of merge keys>" for items of
// keyed lists, "v:<json>" for set members. Lists schema.js does not know are atomic.
//
// What is tracked (as structured-merge-diff does in the real server):
//  - Update (POST/PUT/PATCH): the manager gets every leaf or list item it added or
//    changed, plus maps/structs it created (that is what the "." entries mean);
//    other managers lose what it changed; everybody loses what was removed.
//  - Apply: the manager owns exactly the leaves and list items of its applied
//    config; a leaf another manager owns with a different value is a conflict
//    (409 unless force=true, which moves ownership). Fields it applied before
//    and dropped now are removed from the object unless someone else owns them.
//  - Entries are sorted like the real server: Apply before Update, then by time.
// Not modelled: ownership of individual map keys inside free-form ("*") fields,
// version conversion of field sets, and the "dangling" rules for granular maps.
const { isObject, deepEqual, encode, clone } = require('./json');
const { fieldType, TYPES } = require('./schema');

const SEP = '\u0000';
const TOP_SKIP = new Set(['kind', 'apiVersion']);
const META_TRACKED = ['labels', 'annotations', 'finalizers', 'ownerReferences'];

function itemKey(item, keys) {
  const o = {};
  for (const k of keys.slice().sort()) {
    if (item[k] === undefined) {
      if (k === 'protocol') { o[k] = 'TCP'; continue; }
      return null;
    }
    o[k] = item[k];
  }
  return 'k:' + encode(o);
}

// walk(obj) -> { leaves: Map(path -> value), items: Map(path -> item), nodes: Map(path -> {always}) }
function walk(obj, type, opts) {
  const r = { leaves: new Map(), items: new Map(), nodes: new Map() };
  const scope = opts && opts.scope; // 'status' | 'main' | 'all'
  for (const k of Object.keys(obj)) {
    if (TOP_SKIP.has(k)) continue;
    if (k === 'metadata') {
      const m = obj.metadata || {};
      for (const mk of META_TRACKED) {
        if (m[mk] === undefined || scope === 'status') continue;
        walkValue(m[mk], fieldType({ k: 'struct', name: 'ObjectMeta' }, mk), `f:metadata${SEP}f:${mk}`, r, false);
      }
      continue;
    }
    if (scope === 'status' && k !== 'status') continue;
    if (scope === 'main' && k === 'status') continue;
    walkValue(obj[k], type ? fieldType(type, k) : null, `f:${k}`, r, true);
  }
  return r;
}

function walkValue(v, t, path, r, top) {
  if (t && t.k === 'struct' && TYPES[t.name] && TYPES[t.name].atomic) { r.leaves.set(path, v); return; }
  if (isObject(v) && !(t && t.k === 'any')) {
    const keys = Object.keys(v);
    if (!keys.length) { r.leaves.set(path, v); return; }
    r.nodes.set(path, { always: !!(t && t.k === 'struct' && t.always) });
    for (const k of keys) walkValue(v[k], t ? fieldType(t, k) : null, `${path}${SEP}f:${k}`, r, false);
    return;
  }
  if (Array.isArray(v) && t && t.k === 'list' && (t.keys || t.set) && v.length) {
    const seen = new Set();
    const paths = [];
    for (const item of v) {
      let p;
      if (t.set) p = `${path}${SEP}v:${encode(item)}`;
      else p = isObject(item) ? itemKey(item, t.keys) : null;
      if (p === null || seen.has(p)) { r.leaves.set(path, v); for (const q of paths) r.items.delete(q); return; }
      seen.add(p);
      if (!t.set) p = `${path}${SEP}${p}`;
      paths.push(p);
      r.items.set(p, item);
      if (!t.set && isObject(item)) {
        for (const k of Object.keys(item)) walkValue(item[k], t.of ? fieldType(t.of, k) : null, `${p}${SEP}f:${k}`, r, false);
      }
    }
    return;
  }
  r.leaves.set(path, v);
}

function members(w) {
  const s = new Set(w.leaves.keys());
  for (const p of w.items.keys()) s.add(p);
  return s;
}

// ---- fieldsV1 <-> Set ----
function toFieldsV1(set) {
  const root = {};
  for (const p of set) {
    let cur = root;
    for (const el of p.split(SEP)) {
      if (!cur[el]) cur[el] = {};
      cur = cur[el];
    }
    cur['.'] = cur['.'] || {};
  }
  return finish(root);
}
function finish(node) {
  const keys = Object.keys(node).filter((k) => k !== '.');
  const out = {};
  if (node['.'] && keys.length) out['.'] = {};
  for (const k of keys.sort()) out[k] = finish(node[k]);
  return out;
}
function fromFieldsV1(f) {
  const set = new Set();
  (function rec(node, prefix) {
    const keys = Object.keys(node || {});
    if (prefix && (keys.length === 0 || keys.includes('.'))) set.add(prefix);
    for (const k of keys) if (k !== '.') rec(node[k], prefix ? prefix + SEP + k : k);
  })(f, '');
  return set;
}

function now() {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function entriesOf(obj) {
  return ((obj && obj.metadata && obj.metadata.managedFields) || []).map((e) => ({ ...e, set: fromFieldsV1(e.fieldsV1) }));
}

function sortEntries(entries) {
  const secs = (e) => (e.time ? Date.parse(e.time) : 0);
  entries.sort((a, b) => {
    if (a.operation !== b.operation) return a.operation < b.operation ? -1 : 1;
    if (secs(a) !== secs(b)) return secs(a) - secs(b);
    if (a.manager !== b.manager) return a.manager < b.manager ? -1 : 1;
    if ((a.subresource || '') !== (b.subresource || '')) return (a.subresource || '') < (b.subresource || '') ? -1 : 1;
    return 0;
  });
}

function serialize(entries) {
  const out = [];
  sortEntries(entries);
  for (const e of entries) {
    if (!e.set.size) continue;
    const m = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion };
    if (e.time) m.time = e.time;
    m.fieldsType = 'FieldsV1';
    m.fieldsV1 = toFieldsV1(e.set);
    if (e.subresource) m.subresource = e.subresource;
    out.push(m);
  }
  return out;
}

function findEntry(entries, manager, operation, subresource) {
  return entries.find((e) => e.manager === manager && e.operation === operation && (e.subresource || '') === (subresource || ''));
}

// Record an Update by `manager`. oldObj may be null (create).
// opts: {type, apiVersion, subresource, scope, noTime}
function recordUpdate(oldObj, newObj, manager, opts) {
  const entries = oldObj ? entriesOf(oldObj) : [];
  const ow = oldObj ? walk(oldObj, opts.type, { scope: 'all' }) : { leaves: new Map(), items: new Map(), nodes: new Map() };
  const nw = walk(newObj, opts.type, { scope: 'all' });
  const scoped = walk(newObj, opts.type, { scope: opts.scope });
  const changed = new Set();
  for (const [p, v] of scoped.leaves) if (!ow.leaves.has(p) || !deepEqual(ow.leaves.get(p), v)) changed.add(p);
  for (const [p, v] of scoped.items) if (!ow.items.has(p)) changed.add(p);
  for (const [p, n] of scoped.nodes) if (!ow.nodes.has(p) && !ow.leaves.has(p) && !n.always) changed.add(p);
  const present = new Set([...nw.leaves.keys(), ...nw.items.keys(), ...nw.nodes.keys()]);
  for (const e of entries) {
    for (const p of e.set) if (!present.has(p) || changed.has(p)) e.set.delete(p);
  }
  if (changed.size) {
    let e = findEntry(entries, manager, 'Update', opts.subresource);
    if (!e) {
      e = { manager, operation: 'Update', apiVersion: opts.apiVersion, set: new Set() };
      if (opts.subresource) e.subresource = opts.subresource;
      entries.push(e);
    }
    for (const p of changed) e.set.add(p);
    e.apiVersion = opts.apiVersion;
    if (opts.noTime) delete e.time; else e.time = now();
  }
  newObj.metadata.managedFields = serialize(entries);
  if (!newObj.metadata.managedFields.length) delete newObj.metadata.managedFields;
}

function valueAt(obj, path) {
  let cur = obj;
  for (const el of path.split(SEP)) {
    if (cur === undefined || cur === null) return undefined;
    if (el.startsWith('f:')) cur = isObject(cur) ? cur[el.slice(2)] : undefined;
    else if (el.startsWith('k:')) {
      const key = JSON.parse(el.slice(2));
      cur = Array.isArray(cur) ? cur.find((it) => isObject(it) && Object.keys(key).every((k) => deepEqual(it[k] === undefined && k === 'protocol' ? 'TCP' : it[k], key[k]))) : undefined;
    } else if (el.startsWith('v:')) {
      const v = JSON.parse(el.slice(2));
      cur = Array.isArray(cur) && cur.some((x) => deepEqual(x, v)) ? v : undefined;
    }
  }
  return cur;
}

// What removing path takes away: a member of an object, or a list item.
// Found before anything is removed, so a keyed item whose key fields are
// dropped too is still found (and goes whole, not as an empty {}).
function targetAt(obj, path) {
  const els = path.split(SEP);
  const last = els.pop();
  const parent = els.length ? valueAt(obj, els.join(SEP)) : obj;
  if (parent === undefined || parent === null) return null;
  if (last.startsWith('f:') && isObject(parent)) return { parent, member: last.slice(2) };
  if (!Array.isArray(parent)) return null;
  const item = parent.find((x) => valueAt([x], last) !== undefined && valueAt([x], last) === x);
  return item === undefined ? null : { parent, item };
}

function removeTarget(t) {
  if (t.member !== undefined) { delete t.parent[t.member]; return; }
  const idx = t.parent.indexOf(t.item);
  if (idx >= 0) t.parent.splice(idx, 1);
}

function humanPath(p) {
  return p.split(SEP).map((el) => {
    if (el.startsWith('f:')) return '.' + el.slice(2);
    if (el.startsWith('k:')) {
      const o = JSON.parse(el.slice(2));
      return '[' + Object.keys(o).map((k) => `${k}=${JSON.stringify(o[k])}`).join(',') + ']';
    }
    return `[=${el.slice(2)}]`;
  }).join('');
}

// Structural merge of an applied config into the live object.
function applyMerge(live, cfg, type) {
  if (!isObject(cfg)) return clone(cfg);
  const out = isObject(live) ? clone(live) : {};
  for (const k of Object.keys(cfg)) {
    const ft = type ? fieldType(type, k) : null;
    const v = cfg[k];
    if (v === null) { delete out[k]; continue; }
    if (Array.isArray(v) && ft && ft.k === 'list' && ft.keys) {
      const cur = Array.isArray(out[k]) ? out[k].map(clone) : [];
      for (const item of v) {
        const key = isObject(item) ? itemKey(item, ft.keys) : null;
        const idx = key ? cur.findIndex((x) => isObject(x) && itemKey(x, ft.keys) === key) : -1;
        if (idx >= 0) cur[idx] = applyMerge(cur[idx], item, ft.of);
        else cur.push(clone(item));
      }
      out[k] = cur;
    } else if (Array.isArray(v) && ft && ft.k === 'list' && ft.set) {
      const cur = Array.isArray(out[k]) ? out[k].slice() : [];
      for (const x of v) if (!cur.some((y) => deepEqual(x, y))) cur.push(x);
      out[k] = cur;
    } else if (isObject(v) && !(ft && ft.k === 'any')) {
      out[k] = applyMerge(out[k], v, ft);
    } else {
      out[k] = clone(v);
    }
  }
  return out;
}

// Server-side apply. Returns {obj, conflicts:[{manager, path, human}]}.
// opts: {type, apiVersion, force, subresource, scope}
function apply(live, cfg, manager, opts) {
  const entries = live ? entriesOf(live) : [];
  const aw = walk(cfg, opts.type, { scope: opts.scope });
  const applied = members(aw);
  const mine = findEntry(entries, manager, 'Apply', opts.subresource);
  const conflicts = [];
  if (live) {
    for (const e of entries) {
      if (e === mine) continue;
      for (const p of e.set) {
        if (!aw.leaves.has(p)) continue;
        const lv = valueAt(live, p);
        if (lv !== undefined && !deepEqual(lv, aw.leaves.get(p))) {
          conflicts.push({ entry: e, manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, path: p, human: humanPath(p) });
        }
      }
    }
  }
  if (conflicts.length && !opts.force) return { conflicts };
  for (const c of conflicts) c.entry.set.delete(c.path);
  let obj = live ? clone(live) : {};
  if (mine) {
    const others = new Set();
    for (const e of entries) if (e !== mine) for (const p of e.set) others.add(p);
    const dropped = [...mine.set].filter((p) => !applied.has(p) && !others.has(p));
    // deepest first so list items go before their parents
    dropped.sort((a, b) => b.length - a.length);
    for (const t of dropped.map((p) => targetAt(obj, p)).filter(Boolean)) removeTarget(t);
  }
  obj = applyMerge(obj, cfg, opts.type);
  let e = mine;
  if (!e) {
    e = { manager, operation: 'Apply', apiVersion: opts.apiVersion };
    if (opts.subresource) e.subresource = opts.subresource;
    entries.push(e);
  }
  e.set = applied;
  e.time = now();
  e.apiVersion = opts.apiVersion;
  obj.metadata = obj.metadata || {};
  obj.metadata.managedFields = serialize(entries);
  if (!obj.metadata.managedFields.length) delete obj.metadata.managedFields;
  return { obj, conflicts: [] };
}

function conflictMessage(conflicts) {
  const byMgr = new Map();
  for (const c of conflicts) {
    const who = c.operation === 'Update' ? `"${c.manager}" using ${c.apiVersion}` : `"${c.manager}"`;
    if (!byMgr.has(who)) byMgr.set(who, []);
    byMgr.get(who).push(c.human);
  }
  const n = conflicts.length;
  let msg = `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: `;
  const parts = [];
  for (const [who, paths] of byMgr) {
    if (paths.length === 1) parts.push(`conflict with ${who}: ${paths[0]}`);
    else parts.push(`conflicts with ${who}:\n${paths.map((p) => `- ${p}`).join('\n')}`);
  }
  msg += parts.join('\n');
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${c.operation === 'Update' ? `"${c.manager}" using ${c.apiVersion}` : `"${c.manager}"`}`,
    field: c.human,
  }));
  return { msg, causes };
}

module.exports = { recordUpdate, apply, conflictMessage, toFieldsV1, fromFieldsV1, walk, SEP, now };
