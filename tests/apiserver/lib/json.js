'use strict';
// JSON in and out the way kube-apiserver (Go's encoding/json) does it.
//
// parse(): a strict JSON parser that, unlike JSON.parse, reports duplicate keys
// (needed for fieldValidation=Strict, transcript 54) and keeps integers beyond
// 2^53 exact as BigInt (the C client must round-trip the whole int64 range).
// encode(): compact (or indented) JSON with Go's escaping of <, >, &, U+2028,
// U+2029 and Go's map key order (byte order) for objects with integer-like keys,
// which JavaScript would otherwise move to the front.

class JsonError extends Error {}

function parse(text) {
  let i = 0;
  const n = text.length;
  const duplicates = [];
  function fail(msg) {
    throw new JsonError(msg || `invalid character at offset ${i}`);
  }
  function ws() {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
  }
  function str() {
    // text[i] === '"'
    const start = ++i;
    let simple = true;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) { simple = false; i += 2; continue; }
      if (c < 32) fail('invalid control character in string literal');
      i++;
    }
    if (i >= n) fail('unexpected end of JSON input');
    const raw = text.slice(start, i);
    i++;
    if (simple) return raw;
    try {
      return JSON.parse('"' + raw + '"');
    } catch (e) {
      fail('invalid escape in string literal');
    }
  }
  function num() {
    const start = i;
    if (text[i] === '-') i++;
    let isInt = true;
    if (text[i] === '0') i++;
    else if (text[i] >= '1' && text[i] <= '9') { while (text[i] >= '0' && text[i] <= '9') i++; }
    else fail();
    if (text[i] === '.') {
      isInt = false; i++;
      if (!(text[i] >= '0' && text[i] <= '9')) fail();
      while (text[i] >= '0' && text[i] <= '9') i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      isInt = false; i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!(text[i] >= '0' && text[i] <= '9')) fail();
      while (text[i] >= '0' && text[i] <= '9') i++;
    }
    const lit = text.slice(start, i);
    const v = Number(lit);
    if (isInt && !Number.isSafeInteger(v)) return BigInt(lit);
    return v;
  }
  function value(path) {
    ws();
    if (i >= n) fail('unexpected end of JSON input');
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = {};
      ws();
      if (text[i] === '}') { i++; return obj; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const k = str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        const p = path ? path + '.' + k : k;
        const v = value(p);
        if (Object.prototype.hasOwnProperty.call(obj, k)) duplicates.push(p);
        if (k === '__proto__') Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
        else obj[k] = v;
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return obj; }
        fail();
      }
    }
    if (c === '[') {
      i++;
      const arr = [];
      ws();
      if (text[i] === ']') { i++; return arr; }
      for (;;) {
        arr.push(value(`${path}[${arr.length}]`));
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return arr; }
        fail();
      }
    }
    if (c === '"') return str();
    if (c === 't' && text.startsWith('true', i)) { i += 4; return true; }
    if (c === 'f' && text.startsWith('false', i)) { i += 5; return false; }
    if (c === 'n' && text.startsWith('null', i)) { i += 4; return null; }
    if (c === '-' || (c >= '0' && c <= '9')) return num();
    return fail();
  }
  const v = value('');
  ws();
  if (i < n) fail(`invalid character '${text[i]}' after top-level value`);
  return { value: v, duplicates };
}

const INT_KEY = /^(0|[1-9][0-9]*)$/;
const GO_ESCAPE = /[<>&\u2028\u2029]/;
function goString(s) {
  const q = JSON.stringify(s);
  if (!GO_ESCAPE.test(q)) return q;
  return q.replace(/[<>&\u2028\u2029]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
}

function keysOf(obj) {
  const keys = Object.keys(obj);
  // JS orders integer-like keys first; such an object can only be a Go map, and
  // Go writes map keys in byte order.
  if (keys.length > 1 && INT_KEY.test(keys[0])) keys.sort(byteCompare);
  return keys;
}

function byteCompare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function enc(v, indent, cur) {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string': return goString(v);
    case 'number': return Number.isFinite(v) ? String(v) : 'null';
    case 'bigint': return v.toString();
    case 'boolean': return v ? 'true' : 'false';
    default: break;
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    if (!indent) {
      let s = '[';
      for (let j = 0; j < v.length; j++) s += (j ? ',' : '') + enc(v[j], indent, cur);
      return s + ']';
    }
    const inner = cur + indent;
    let s = '[\n';
    for (let j = 0; j < v.length; j++) s += (j ? ',\n' : '') + inner + enc(v[j], indent, inner);
    return s + '\n' + cur + ']';
  }
  if (Buffer.isBuffer(v)) return goString(v.toString('base64'));
  const keys = keysOf(v);
  let s = indent ? '{\n' : '{';
  let first = true;
  const inner = cur + indent;
  for (const k of keys) {
    const x = v[k];
    if (x === undefined) continue;
    if (indent) s += (first ? '' : ',\n') + inner + goString(k) + ': ' + enc(x, indent, inner);
    else s += (first ? '' : ',') + goString(k) + ':' + enc(x, indent, cur);
    first = false;
  }
  if (first) return '{}';
  return s + (indent ? '\n' + cur + '}' : '}');
}

// encode(value, pretty) -> string without the trailing newline.
function encode(v, pretty) {
  return enc(v, pretty ? '  ' : '', '');
}

// Deep copy that keeps BigInt values.
function clone(v) {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(clone);
  const o = {};
  for (const k of Object.keys(v)) o[k] = clone(v[k]);
  return o;
}

function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b) return false;
  if (typeof a === 'bigint') return a === b;
  if (a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    if (a.length !== b.length) return false;
    for (let j = 0; j < a.length; j++) if (!deepEqual(a[j], b[j])) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!deepEqual(a[k], b[k])) return false;
  }
  return true;
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// Sort keys recursively: custom resources are unstructured maps in Go and come
// back with every object's keys in byte order (transcripts 58-62).
function sortKeysDeep(v) {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (!isObject(v)) return v;
  const o = {};
  for (const k of Object.keys(v).sort(byteCompare)) o[k] = sortKeysDeep(v[k]);
  return o;
}

module.exports = { parse, encode, clone, deepEqual, isObject, sortKeysDeep, byteCompare, JsonError };
