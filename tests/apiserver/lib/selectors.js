'use strict';
// Label selectors (equality- and set-based, k8s.io/apimachinery/pkg/labels) and
// field selectors (=, ==, != on a per-resource set of fields).
const { E } = require('./errors');

function splitTopLevel(s) {
  const out = [];
  let depth = 0, cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) { out.push(cur); cur = ''; continue; }
    cur += ch;
  }
  if (cur.trim() !== '' || out.length) out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== '');
}

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;

// -> array of requirements {key, op, values}; throws 400 on syntax errors
function parseLabelSelector(s) {
  if (!s) return [];
  const reqs = [];
  for (const term of splitTopLevel(s)) {
    let m;
    if ((m = term.match(/^(\S+)\s+(in|notin)\s*\((.*)\)$/))) {
      reqs.push({ key: m[1], op: m[2], values: m[3].split(',').map((v) => v.trim()).filter((v) => v !== '') });
    } else if ((m = term.match(/^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/))) {
      reqs.push({ key: m[1], op: m[2] === '!=' ? '!=' : '=', values: [m[3]] });
    } else if ((m = term.match(/^!\s*(\S+)$/))) {
      reqs.push({ key: m[1], op: '!' });
    } else if ((m = term.match(/^(\S+)\s*(>|<)\s*(-?\d+)$/))) {
      reqs.push({ key: m[1], op: m[2], values: [m[3]] });
    } else if (/^\S+$/.test(term)) {
      reqs.push({ key: term, op: 'exists' });
    } else {
      throw E.badRequest(`unable to parse requirement: found '${term}', expected: identifier`);
    }
    const key = reqs[reqs.length - 1].key;
    if (!KEY.test(key)) throw E.badRequest(`unable to parse requirement: invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  }
  return reqs;
}

function matchLabels(reqs, labels) {
  labels = labels || {};
  for (const r of reqs) {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case '=': if (!has || v !== r.values[0]) return false; break;
      case '!=': if (has && v === r.values[0]) return false; break;
      case 'in': if (!has || !r.values.includes(v)) return false; break;
      case 'notin': if (has && r.values.includes(v)) return false; break;
      case 'exists': if (!has) return false; break;
      case '!': if (has) return false; break;
      case '>': if (!has || !(Number(v) > Number(r.values[0]))) return false; break;
      case '<': if (!has || !(Number(v) < Number(r.values[0]))) return false; break;
      default: return false;
    }
  }
  return true;
}

// A LabelSelector object (matchLabels/matchExpressions) -> string form.
function selectorToString(sel) {
  if (!sel) return '';
  const parts = [];
  for (const k of Object.keys(sel.matchLabels || {}).sort()) parts.push(`${k}=${sel.matchLabels[k]}`);
  for (const e of sel.matchExpressions || []) {
    const op = (e.operator || '').toLowerCase();
    if (op === 'in' || op === 'notin') parts.push(`${e.key} ${op} (${(e.values || []).join(',')})`);
    else if (op === 'exists') parts.push(e.key);
    else if (op === 'doesnotexist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

function parseFieldSelector(s, res) {
  if (!s) return [];
  const reqs = [];
  for (const term of splitTopLevel(s)) {
    const m = term.match(/^([^=!]+)(==|=|!=)(.*)$/);
    if (!m) throw E.badRequest(`invalid selector: '${s}'; can't understand '${term}'`);
    const field = m[1].trim();
    if (!res.fieldSelectors.includes(field)) {
      throw E.badRequest(`field label not supported: ${field}`);
    }
    reqs.push({ field, op: m[2] === '!=' ? '!=' : '=', value: m[3].trim() });
  }
  return reqs;
}

function getPath(obj, path) {
  let cur = obj;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[p];
  }
  return cur;
}

function matchFields(reqs, obj) {
  for (const r of reqs) {
    let v = getPath(obj, r.field);
    if (r.field === 'source' && obj.source) v = obj.source.component;
    v = v === undefined || v === null ? '' : String(v);
    if (r.op === '=' && v !== r.value) return false;
    if (r.op === '!=' && v === r.value) return false;
  }
  return true;
}

module.exports = { parseLabelSelector, matchLabels, parseFieldSelector, matchFields, selectorToString, getPath };
