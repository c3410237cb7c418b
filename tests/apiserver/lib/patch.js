'use strict';
// PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and an
// approximation of Kubernetes strategic merge patch driven by schema.js:
//  - maps/structs merge recursively, null deletes a key
//  - lists declared "[T@key]" merge item by item on the merge key; an item with
//    "$patch": "delete" removes the matching item, a list item {"$patch":"replace"}
//    replaces the whole list
//  - "[@set]" lists (finalizers, ...) are unions; "$deleteFromPrimitiveList/<f>" removes values
//  - "$patch": "replace" / "delete" on a map replaces / deletes it
//  - "$setElementOrder/<f>" reorders merged list items; "$retainKeys" keeps only the listed keys
//  - every other list is replaced whole (atomic), as for types schema.js does not know
const { isObject, clone, deepEqual } = require('./json');
const { fieldType } = require('./schema');

class PatchError extends Error {
  constructor(message, kind) { super(message); this.kind = kind || 'invalid'; }
}

function mergePatch(target, patch) {
  if (!isObject(patch)) return clone(patch);
  const out = isObject(target) ? clone(target) : {};
  for (const k of Object.keys(patch)) {
    if (patch[k] === null) delete out[k];
    else out[k] = mergePatch(out[k], patch[k]);
  }
  return out;
}

// ---- RFC 6902 ----
function parsePointer(p) {
  if (p === '') return [];
  if (typeof p !== 'string' || p[0] !== '/') throw new PatchError(`invalid JSON pointer ${JSON.stringify(p)}`, 'bad');
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}
function getParent(doc, parts) {
  let cur = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i];
    if (Array.isArray(cur)) cur = cur[arrIndex(cur, k, false)];
    else if (isObject(cur) && Object.prototype.hasOwnProperty.call(cur, k)) cur = cur[k];
    else throw new PatchError(`doc is missing path: /${parts.join('/')}`);
    if (cur === undefined) throw new PatchError(`doc is missing path: /${parts.join('/')}`);
  }
  return cur;
}
function arrIndex(arr, k, forAdd) {
  if (k === '-' && forAdd) return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(k)) throw new PatchError(`invalid array index ${k}`);
  const i = Number(k);
  if (i > arr.length || (!forAdd && i >= arr.length)) throw new PatchError(`array index out of bounds ${k}`);
  return i;
}
function ptrGet(doc, parts) {
  if (!parts.length) return doc;
  const parent = getParent(doc, parts);
  const k = parts[parts.length - 1];
  if (Array.isArray(parent)) return parent[arrIndex(parent, k, false)];
  if (isObject(parent) && Object.prototype.hasOwnProperty.call(parent, k)) return parent[k];
  throw new PatchError(`doc is missing path: /${parts.join('/')}`);
}
function ptrRemove(doc, parts) {
  const parent = getParent(doc, parts);
  const k = parts[parts.length - 1];
  if (Array.isArray(parent)) return parent.splice(arrIndex(parent, k, false), 1)[0];
  if (!isObject(parent) || !Object.prototype.hasOwnProperty.call(parent, k)) throw new PatchError(`remove operation does not apply: doc is missing path: /${parts.join('/')}`);
  const v = parent[k];
  delete parent[k];
  return v;
}
function ptrAdd(doc, parts, value) {
  if (!parts.length) return value;
  const parent = getParent(doc, parts);
  const k = parts[parts.length - 1];
  if (Array.isArray(parent)) parent.splice(arrIndex(parent, k, true), 0, value);
  else if (isObject(parent)) parent[k] = value;
  else throw new PatchError(`add operation does not apply: doc is missing path: /${parts.join('/')}`);
  return doc;
}

function jsonPatch(doc, ops) {
  if (!Array.isArray(ops)) throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch', 'bad');
  doc = clone(doc);
  for (const op of ops) {
    if (!isObject(op)) throw new PatchError('invalid operation', 'bad');
    const parts = parsePointer(op.path);
    switch (op.op) {
      case 'add': doc = ptrAdd(doc, parts, clone(op.value)); break;
      case 'remove': ptrRemove(doc, parts); break;
      case 'replace':
        ptrGet(doc, parts);
        if (!parts.length) { doc = clone(op.value); break; }
        ptrRemove(doc, parts); doc = ptrAdd(doc, parts, clone(op.value)); break;
      case 'move': { const v = ptrRemove(doc, parsePointer(op.from)); doc = ptrAdd(doc, parts, v); break; }
      case 'copy': { const v = clone(ptrGet(doc, parsePointer(op.from))); doc = ptrAdd(doc, parts, v); break; }
      case 'test': {
        let v;
        try { v = ptrGet(doc, parts); } catch (e) { v = undefined; }
        if (!deepEqual(v, op.value)) throw new PatchError(`testing value /${parts.join('/')} failed: test failed`);
        break;
      }
      default: throw new PatchError(`Unexpected kind: ${op.op}`, 'bad');
    }
  }
  return doc;
}

// ---- strategic merge ----
function keyMatch(item, patchItem, keys) {
  return keys.every((k) => {
    if (k === 'protocol') return (item.protocol || 'TCP') === (patchItem.protocol || 'TCP');
    return deepEqual(item[k], patchItem[k]);
  });
}

function strategicMerge(orig, patch, type) {
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'delete') return undefined;
  if (patch.$patch === 'replace') {
    const o = clone(patch);
    delete o.$patch;
    return o;
  }
  const out = isObject(orig) ? clone(orig) : {};
  let retain = null;
  for (const k of Object.keys(patch)) {
    if (k === '$patch') continue;
    if (k === '$retainKeys') { retain = patch[k]; continue; }
    if (k.startsWith('$setElementOrder/') || k.startsWith('$deleteFromPrimitiveList/')) continue;
    const v = patch[k];
    const ft = fieldType(type, k);
    if (v === null) { delete out[k]; continue; }
    if (Array.isArray(v) && ft && ft.k === 'list' && (ft.keys || ft.set)) {
      out[k] = mergeList(Array.isArray(out[k]) ? out[k] : [], v, ft, patch[`$setElementOrder/${k}`]);
    } else if (isObject(v) && ft && (ft.k === 'struct' || ft.k === 'map' || ft.k === 'any')) {
      const m = ft.k === 'any' ? mergePatch(out[k], v) : strategicMerge(out[k], v, ft);
      if (m === undefined) delete out[k]; else out[k] = m;
    } else if (isObject(v) && !ft) {
      const m = strategicMerge(out[k], v, null);
      if (m === undefined) delete out[k]; else out[k] = m;
    } else {
      out[k] = clone(v);
    }
  }
  for (const k of Object.keys(patch)) {
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const f = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[f])) out[f] = out[f].filter((x) => !patch[k].some((d) => deepEqual(d, x)));
    }
  }
  if (Array.isArray(retain)) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

function mergeList(orig, patch, ft, order) {
  if (ft.set || !ft.keys) {
    const out = orig.slice();
    for (const v of patch) if (!out.some((x) => deepEqual(x, v))) out.push(clone(v));
    return out;
  }
  if (patch.some((p) => isObject(p) && p.$patch === 'replace')) {
    return patch.filter((p) => !(isObject(p) && p.$patch === 'replace')).map(clone);
  }
  const out = orig.map(clone);
  for (const p of patch) {
    if (!isObject(p)) { out.push(clone(p)); continue; }
    const idx = out.findIndex((x) => isObject(x) && keyMatch(x, p, ft.keys));
    if (p.$patch === 'delete') { if (idx >= 0) out.splice(idx, 1); continue; }
    if (idx >= 0) out[idx] = strategicMerge(out[idx], p, ft.of);
    else out.push(strategicMerge({}, p, ft.of));
  }
  if (Array.isArray(order) && order.length) {
    const pos = (x) => {
      const i = order.findIndex((o) => isObject(o) && keyMatch(x, o, ft.keys));
      return i < 0 ? order.length : i;
    };
    out.sort((a, b) => pos(a) - pos(b));
  }
  return out;
}

module.exports = { mergePatch, jsonPatch, strategicMerge, PatchError };
