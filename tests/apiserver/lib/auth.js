'use strict';
// Authentication and authorization.
// Authn: bearer tokens (static table, changeable at run time through
// /_test/tokens, plus ServiceAccount tokens issued by TokenRequest), client
// certificates verified against ca.crt (CN = user, O = groups), and
// system:anonymous when no credentials are presented. A bad token is a 401.
// Authz: system:masters may do everything. Everyone else is checked against the
// stored RBAC objects (Roles, ClusterRoles and their bindings), plus the
// defaults a real cluster grants: discovery and /version to authenticated users,
// /version and health checks to anyone, and self reviews. Nothing else is
// allowed, which gives the 403 of transcripts 14 and 15.
const crypto = require('crypto');
const { E, ApiError } = require('./errors');

const SECRET = crypto.randomBytes(32);

class Auth {
  constructor(server) {
    this.server = server;
    this.initial = new Map();
    this.tokens = new Map(); // token -> {name, groups, uid, expires?}
  }

  addToken(token, name, groups, opts) {
    const user = { name, groups: groups || [], uid: (opts && opts.uid) || '' };
    if (opts && opts.expiresAt) user.expiresAt = opts.expiresAt;
    this.tokens.set(token, user);
  }

  setInitial(list) {
    for (const [t, u] of list) this.initial.set(t, u);
    this.resetTokens();
  }

  resetTokens() {
    this.tokens = new Map();
    for (const [t, u] of this.initial) this.tokens.set(t, Object.assign({}, u, { groups: u.groups.slice() }));
  }

  // ServiceAccount token (a JWT signed with a per-process key).
  issueServiceAccountToken(ns, sa, saUid, audiences, expirationSeconds) {
    const nowS = Math.floor(Date.now() / 1000);
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const header = b64({ alg: 'HS256', kid: 'test-apiserver' });
    const payload = b64({
      aud: audiences, exp: nowS + expirationSeconds, iat: nowS, iss: 'https://kubernetes.default.svc.cluster.local', jti: crypto.randomUUID(),
      'kubernetes.io': { namespace: ns, serviceaccount: { name: sa, uid: saUid } }, nbf: nowS, sub: `system:serviceaccount:${ns}:${sa}`,
    });
    const sig = crypto.createHmac('sha256', SECRET).update(`${header}.${payload}`).digest('base64url');
    const token = `${header}.${payload}.${sig}`;
    this.addToken(token, `system:serviceaccount:${ns}:${sa}`, ['system:serviceaccounts', `system:serviceaccounts:${ns}`], { uid: saUid, expiresAt: (nowS + expirationSeconds) * 1000 });
    return { token, expiresAt: new Date((nowS + expirationSeconds) * 1000) };
  }

  // -> user {name, groups, uid} ; throws 401
  authenticate(req, socket) {
    const h = req.headers.authorization;
    let token = null;
    if (h) {
      const m = /^Bearer\s+(.+)$/i.exec(h.trim());
      if (!m) throw E.unauthorized();
      token = m[1].trim();
    } else {
      // WebSocket clients may carry the token as a subprotocol
      const proto = String(req.headers['sec-websocket-protocol'] || '').split(',').map((s) => s.trim());
      const p = proto.find((s) => s.startsWith('base64url.bearer.authorization.k8s.io.'));
      if (p) {
        try { token = Buffer.from(p.slice('base64url.bearer.authorization.k8s.io.'.length), 'base64url').toString(); } catch (e) { throw E.unauthorized(); }
      }
    }
    if (token !== null) {
      const u = this.tokens.get(token);
      if (!u) throw E.unauthorized();
      if (u.expiresAt && Date.now() >= u.expiresAt) throw E.unauthorized();
      return { name: u.name, groups: withAuthenticated(u.groups), uid: u.uid || '' };
    }
    if (socket && typeof socket.getPeerCertificate === 'function' && socket.authorized) {
      const cert = socket.getPeerCertificate();
      if (cert && cert.subject && cert.subject.CN) {
        const o = cert.subject.O;
        const groups = Array.isArray(o) ? o : o ? [o] : [];
        return { name: cert.subject.CN, groups: withAuthenticated(groups), uid: '' };
      }
    }
    if (!this.server.config.anonymous) throw E.unauthorized();
    return { name: 'system:anonymous', groups: ['system:unauthenticated'], uid: '', anonymous: true };
  }

  // attrs: {verb, resource(res), subresource, namespace, name} or {verb, path}
  allowed(user, attrs) {
    if (user.groups.includes('system:masters')) return true;
    if (attrs.path !== undefined) {
      const p = attrs.path;
      if (['/version', '/healthz', '/livez', '/readyz'].includes(p) || p.startsWith('/version/')) return true;
      if (!user.anonymous && (p === '/api' || p === '/apis' || p.startsWith('/api/') || p.startsWith('/apis/') || p.startsWith('/openapi'))) return true;
    } else {
      const r = attrs.resource;
      if (!user.anonymous && attrs.verb === 'create' && ['selfsubjectreviews', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews'].includes(r.plural)) return true;
    }
    return this.rbacAllows(user, attrs);
  }

  rbacAllows(user, attrs) {
    const store = this.server.store;
    const subjMatch = (subjects, ns) => (subjects || []).some((s) => {
      if (!s) return false;
      if (s.kind === 'User') return s.name === user.name;
      if (s.kind === 'Group') return user.groups.includes(s.name);
      if (s.kind === 'ServiceAccount') return user.name === `system:serviceaccount:${s.namespace || ns}:${s.name}`;
      return false;
    });
    const ruleMatch = (rules) => (rules || []).some((rule) => {
      if (!rule || !(rule.verbs || []).some((v) => v === '*' || v === attrs.verb)) return false;
      if (attrs.path !== undefined) return (rule.nonResourceURLs || []).some((u) => u === '*' || u === attrs.path || (u.endsWith('*') && attrs.path.startsWith(u.slice(0, -1))));
      const r = attrs.resource;
      const full = attrs.subresource ? `${r.plural}/${attrs.subresource}` : r.plural;
      if (!(rule.apiGroups || []).some((g) => g === '*' || g === r.group)) return false;
      if (!(rule.resources || []).some((x) => x === '*' || x === full || (x === `*/${attrs.subresource}`))) return false;
      if ((rule.resourceNames || []).length && !rule.resourceNames.includes(attrs.name)) return false;
      return true;
    });
    const roleRules = (ref, ns) => {
      if (!ref) return null;
      if (ref.kind === 'ClusterRole') { const cr = store.get('rbac.authorization.k8s.io/clusterroles', '', ref.name); return cr && cr.rules; }
      if (ref.kind === 'Role') { const ro = store.get('rbac.authorization.k8s.io/roles', ns, ref.name); return ro && ro.rules; }
      return null;
    };
    for (const e of store.list('rbac.authorization.k8s.io/clusterrolebindings')) {
      const b = e.obj;
      if (subjMatch(b.subjects, '') && ruleMatch(roleRules(b.roleRef, ''))) return true;
    }
    if (attrs.namespace && attrs.path === undefined) {
      for (const e of store.list('rbac.authorization.k8s.io/rolebindings', attrs.namespace)) {
        const b = e.obj;
        if (subjMatch(b.subjects, attrs.namespace) && ruleMatch(roleRules(b.roleRef, attrs.namespace))) return true;
      }
    }
    return false;
  }

  forbidden(user, attrs) {
    if (attrs.path !== undefined) {
      return new ApiError(403, 'Forbidden', `forbidden: User "${user.name}" cannot ${attrs.verb} path "${attrs.path}"`, {});
    }
    return E.forbidden(user.name, attrs.verb, attrs.resource, attrs.namespace, attrs.name, attrs.subresource);
  }
}

function withAuthenticated(groups) {
  const g = groups.slice();
  if (!g.includes('system:authenticated')) g.push('system:authenticated');
  return g;
}

module.exports = { Auth };
