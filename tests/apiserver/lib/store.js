'use strict';
// In-memory object storage with etcd-like semantics:
//  - one global, increasing resourceVersion counter (every write takes the next one)
//  - a history of events so lists can be served "as of" an older resourceVersion
//    (continue tokens, resourceVersionMatch=Exact) and watches can resume
//  - compaction: history before a revision is dropped; older resourceVersions
//    then answer 410 Expired
// Objects handed to put() are owned by the store and must not be mutated later;
// readers get the stored reference and clone before changing anything.

class Store {
  constructor() {
    this.reset();
  }

  reset() {
    this.rv = 0;
    this.compactedRV = 0;
    this.live = new Map(); // resKey -> Map(objKey -> obj)
    this.history = []; // {type, rv, resKey, key, obj, prev}
    this.log = []; // {type, resource, namespace, name, resourceVersion} (never compacted)
    this.watchers = new Set();
  }

  static objKey(ns, name) {
    return ns ? `${ns}/${name}` : name;
  }

  bucket(resKey) {
    let b = this.live.get(resKey);
    if (!b) { b = new Map(); this.live.set(resKey, b); }
    return b;
  }

  get(resKey, ns, name) {
    const b = this.live.get(resKey);
    return b ? b.get(Store.objKey(ns, name)) : undefined;
  }

  nextRV() {
    return ++this.rv;
  }

  // Write obj (its metadata.resourceVersion is set here). type: ADDED|MODIFIED|DELETED
  commit(type, resKey, obj, prev) {
    const rv = this.nextRV();
    obj.metadata.resourceVersion = String(rv);
    const key = Store.objKey(obj.metadata.namespace, obj.metadata.name);
    const b = this.bucket(resKey);
    if (type === 'DELETED') b.delete(key);
    else b.set(key, obj);
    const ev = { type, rv, resKey, key, obj, prev };
    this.history.push(ev);
    this.log.push({ type, resource: resKey, namespace: obj.metadata.namespace || '', name: obj.metadata.name, resourceVersion: String(rv), uid: obj.metadata.uid });
    for (const w of this.watchers) {
      if (w.resKey === resKey) {
        try { w.onEvent(ev); } catch (e) { if (process.env.APISERVER_DEBUG) process.stderr.write(`watcher failed: ${e.stack}\n`); }
      }
    }
    return obj;
  }

  // Items of a resource as of resourceVersion `atRV` (current if undefined),
  // sorted by etcd key order (namespace/name). Returns null if atRV is compacted.
  list(resKey, ns, atRV) {
    const b = this.live.get(resKey) || new Map();
    let state;
    if (atRV === undefined || atRV >= this.rv) {
      state = b;
    } else {
      if (atRV < this.compactedRV) return null;
      state = new Map(b);
      for (let i = this.history.length - 1; i >= 0; i--) {
        const ev = this.history[i];
        if (ev.rv <= atRV) break;
        if (ev.resKey !== resKey) continue;
        if (ev.type === 'ADDED') state.delete(ev.key);
        else state.set(ev.key, ev.prev);
      }
    }
    const out = [];
    for (const [key, obj] of state) {
      if (ns && obj.metadata.namespace !== ns) continue;
      out.push({ key, obj });
    }
    out.sort((a, c) => (a.key < c.key ? -1 : a.key > c.key ? 1 : 0));
    return out;
  }

  // Events with rv > fromRV for resKey (null if fromRV is older than history).
  eventsSince(resKey, fromRV) {
    if (fromRV < this.compactedRV) return null;
    const out = [];
    // binary search for the first event with rv > fromRV
    let lo = 0, hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.history[mid].rv <= fromRV) lo = mid + 1; else hi = mid;
    }
    for (let i = lo; i < this.history.length; i++) {
      if (this.history[i].resKey === resKey) out.push(this.history[i]);
    }
    return out;
  }

  compact(atRV) {
    const c = atRV === undefined ? this.rv : Math.min(atRV, this.rv);
    this.compactedRV = Math.max(this.compactedRV, c);
    this.history = this.history.filter((ev) => ev.rv > this.compactedRV);
    return this.compactedRV;
  }

  addWatcher(w) { this.watchers.add(w); }
  removeWatcher(w) { this.watchers.delete(w); }
}

module.exports = { Store };
