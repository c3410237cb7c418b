'use strict';
// A small YAML reader for server-side apply bodies (application/apply-patch+yaml).
// JSON is tried first (JSON is YAML). Otherwise this handles the subset that
// manifests use: block mappings and sequences, "- key: v" items, plain, single-
// and double-quoted scalars, | and > block scalars, flow [..] / {..} collections,
// comments and a leading "---". Anchors, tags and multi-document streams are not
// supported; they raise an error that becomes a 400 BadRequest.
const json = require('./json');

class YamlError extends Error {}

function parseYaml(text) {
  const t = text.trim();
  if (t.startsWith('{') || t.startsWith('[')) {
    try { return json.parse(t).value; } catch (e) { /* fall through to YAML */ }
  }
  const lines = [];
  for (const raw of text.replace(/\r\n/g, '\n').split('\n')) {
    if (/^\s*#/.test(raw) || raw.trim() === '') { lines.push({ blank: true, raw }); continue; }
    if (raw.startsWith('---') && lines.every((l) => l.blank)) continue;
    if (raw === '...') break;
    if (/\t/.test(raw.match(/^\s*/)[0])) throw new YamlError('found a tab character that violates indentation');
    lines.push({ indent: raw.match(/^ */)[0].length, text: raw.trim(), raw });
  }
  let pos = 0;
  function skip() { while (pos < lines.length && lines[pos].blank) pos++; }

  function stripComment(s) {
    let inS = false, inD = false;
    for (let j = 0; j < s.length; j++) {
      const c = s[j];
      if (c === "'" && !inD) inS = !inS;
      else if (c === '"' && !inS && s[j - 1] !== '\\') inD = !inD;
      else if (c === '#' && !inS && !inD && (j === 0 || s[j - 1] === ' ')) return s.slice(0, j).trimEnd();
    }
    return s;
  }

  function scalar(s) {
    s = stripComment(s).trim();
    if (s === '' || s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return null;
    if (s.startsWith('"')) {
      try { return JSON.parse(s); } catch (e) { throw new YamlError(`bad double-quoted scalar ${s}`); }
    }
    if (s.startsWith("'")) {
      if (!s.endsWith("'") || s.length < 2) throw new YamlError(`bad single-quoted scalar ${s}`);
      return s.slice(1, -1).replace(/''/g, "'");
    }
    if (s.startsWith('[') || s.startsWith('{')) return flow(s);
    if (/^(true|True|TRUE)$/.test(s)) return true;
    if (/^(false|False|FALSE)$/.test(s)) return false;
    if (/^[-+]?(0|[1-9][0-9]*)$/.test(s)) {
      const v = Number(s);
      return Number.isSafeInteger(v) ? v : BigInt(s);
    }
    if (/^0x[0-9a-fA-F]+$/.test(s)) return parseInt(s, 16);
    if (/^0o[0-7]+$/.test(s)) return parseInt(s.slice(2), 8);
    if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(s)) return Number(s);
    if (/^[-+]?\.(inf|Inf|INF)$/.test(s) || /^\.(nan|NaN|NAN)$/.test(s)) throw new YamlError('non-finite numbers are not supported');
    if (s.startsWith('&') || s.startsWith('*') || s.startsWith('!')) throw new YamlError('anchors, aliases and tags are not supported');
    return s;
  }

  function flow(s) {
    let k = 0;
    function fws() { while (k < s.length && /\s/.test(s[k])) k++; }
    function item() {
      fws();
      if (s[k] === '[') {
        k++; const a = []; fws();
        if (s[k] === ']') { k++; return a; }
        for (;;) { a.push(item()); fws(); if (s[k] === ',') { k++; fws(); if (s[k] === ']') { k++; return a; } continue; } if (s[k] === ']') { k++; return a; } throw new YamlError('bad flow sequence'); }
      }
      if (s[k] === '{') {
        k++; const o = {}; fws();
        if (s[k] === '}') { k++; return o; }
        for (;;) {
          const key = atom(true); fws();
          if (s[k] !== ':') throw new YamlError('bad flow mapping');
          k++; o[key] = item(); fws();
          if (s[k] === ',') { k++; fws(); if (s[k] === '}') { k++; return o; } continue; }
          if (s[k] === '}') { k++; return o; }
          throw new YamlError('bad flow mapping');
        }
      }
      return atom(false);
    }
    function atom(isKey) {
      fws();
      if (s[k] === '"' || s[k] === "'") {
        const q = s[k]; let j = k + 1;
        while (j < s.length && !(s[j] === q && (q === "'" || s[j - 1] !== '\\'))) j++;
        const lit = s.slice(k, j + 1); k = j + 1;
        return scalar(lit);
      }
      let j = k;
      while (j < s.length && !',]}'.includes(s[j]) && !(isKey && s[j] === ':')) j++;
      const lit = s.slice(k, j).trim(); k = j;
      return isKey ? lit : scalar(lit);
    }
    const v = item();
    fws();
    if (k !== s.length) throw new YamlError('trailing characters after flow collection');
    return v;
  }

  function splitKey(s) {
    // returns [key, rest] when s is "key: rest" / "key:" outside quotes
    let m;
    if (s.startsWith('"') || s.startsWith("'")) {
      const q = s[0]; let j = 1;
      while (j < s.length && !(s[j] === q && (q === "'" || s[j - 1] !== '\\'))) j++;
      const after = s.slice(j + 1);
      m = after.match(/^\s*:(\s|$)/);
      if (!m) return null;
      return [scalar(s.slice(0, j + 1)), after.slice(m[0].length)];
    }
    const idx = s.search(/:(\s|$)/);
    if (idx <= 0) return null;
    return [s.slice(0, idx).trim(), s.slice(idx + 1).trim()];
  }

  function blockScalar(header, parentIndent) {
    const fold = header[0] === '>';
    const chomp = header.includes('-') ? 'strip' : header.includes('+') ? 'keep' : 'clip';
    const out = [];
    let ind = -1;
    while (pos < lines.length) {
      const l = lines[pos];
      if (l.blank) { out.push(''); pos++; continue; }
      if (l.indent <= parentIndent) break;
      if (ind < 0) ind = l.indent;
      out.push(l.raw.slice(ind));
      pos++;
    }
    while (out.length && out[out.length - 1] === '' && chomp !== 'keep') out.pop();
    let s = fold ? out.join('\n').replace(/([^\n])\n(?=[^\n])/g, '$1 ') : out.join('\n');
    if (chomp !== 'strip' && s !== '') s += '\n';
    return s;
  }

  function node(indent) {
    skip();
    if (pos >= lines.length) return null;
    const l = lines[pos];
    if (l.indent < indent) return null;
    if (l.text.startsWith('- ') || l.text === '-') return seq(l.indent);
    if (splitKey(l.text)) return map(l.indent);
    pos++;
    return scalar(l.text);
  }

  function valueAfter(rest, ownIndent) {
    if (rest === '' || rest.startsWith('#')) {
      skip();
      if (pos < lines.length && (lines[pos].indent > ownIndent ||
        (lines[pos].indent === ownIndent && lines[pos].text.startsWith('-')))) {
        return node(lines[pos].indent);
      }
      return null;
    }
    if (/^[|>][-+0-9]*$/.test(rest)) return blockScalar(rest, ownIndent);
    return scalar(rest);
  }

  function map(indent) {
    const o = {};
    for (;;) {
      skip();
      if (pos >= lines.length) break;
      const l = lines[pos];
      if (l.indent !== indent || l.text.startsWith('- ') || l.text === '-') break;
      const kv = splitKey(l.text);
      if (!kv) throw new YamlError(`could not find expected ':' on line "${l.text}"`);
      pos++;
      if (Object.prototype.hasOwnProperty.call(o, kv[0])) throw new YamlError(`mapping key "${kv[0]}" already defined`);
      o[kv[0]] = valueAfter(kv[1], indent);
    }
    return o;
  }

  function seq(indent) {
    const a = [];
    for (;;) {
      skip();
      if (pos >= lines.length) break;
      const l = lines[pos];
      if (l.indent !== indent || !(l.text.startsWith('- ') || l.text === '-')) break;
      const rest = l.text === '-' ? '' : l.text.slice(2).trim();
      if (rest === '') { pos++; a.push(valueAfter('', indent)); continue; }
      if (splitKey(rest) && !rest.startsWith('[') && !rest.startsWith('{')) {
        // "- key: v" starts a mapping whose indent is the column of "key"
        const col = indent + (l.text.length - l.text.slice(1).trimStart().length);
        lines[pos] = { indent: col, text: rest, raw: ' '.repeat(col) + rest };
        a.push(map(col));
        continue;
      }
      pos++;
      a.push(/^[|>][-+0-9]*$/.test(rest) ? blockScalar(rest, indent) : scalar(rest));
    }
    return a;
  }

  const v = node(0);
  skip();
  if (pos < lines.length) throw new YamlError(`did not find expected key near "${lines[pos].text}"`);
  return v;
}

module.exports = { parseYaml, YamlError };
