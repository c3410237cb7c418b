'use strict';
// Status objects exactly as kube-apiserver writes them (transcripts 09-15, 26,
// 30, 39, 51, 63, 75, 79-81). Handlers throw ApiError; the router turns it into
// a response.

class ApiError extends Error {
  constructor(code, reason, message, details, extra) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details; // undefined = no "details" key
    this.extra = extra || {}; // {headers, metadata}
  }
  status() {
    const s = { kind: 'Status', apiVersion: 'v1', metadata: this.extra.metadata || {}, status: 'Failure', message: this.message };
    if (this.reason) s.reason = this.reason;
    if (this.details !== undefined) s.details = this.details;
    s.code = this.code;
    return s;
  }
}

// details.kind is the resource (plural) for 404/409/403, group only if not core.
function qdetails(res, name) {
  const d = {};
  if (name !== undefined && name !== '') d.name = name;
  if (res.group) d.group = res.group;
  d.kind = res.plural;
  return d;
}
function qname(res) {
  return res.group ? `${res.plural}.${res.group}` : res.plural;
}

const E = {
  notFound: (res, name) => new ApiError(404, 'NotFound', `${qname(res)} "${name}" not found`, qdetails(res, name)),
  alreadyExists: (res, name) => new ApiError(409, 'AlreadyExists', `${qname(res)} "${name}" already exists`, qdetails(res, name)),
  conflict: (res, name, why) => new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qname(res)} "${name}": ${why || 'the object has been modified; please apply your changes to the latest version and try again'}`, qdetails(res, name)),
  badRequest: (msg) => new ApiError(400, 'BadRequest', msg),
  unauthorized: () => new ApiError(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (user, verb, res, ns, name, sub) => {
    const resource = sub ? `${res.plural}/${sub}` : res.plural;
    let msg = `${qname(res)}${name ? ` "${name}"` : ''} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${res.group}"`;
    msg += ns ? ` in the namespace "${ns}"` : ' at the cluster scope';
    return new ApiError(403, 'Forbidden', msg, qdetails(res, name));
  },
  forbiddenMsg: (res, name, msg) => new ApiError(403, 'Forbidden', `${qname(res)} "${name}" is forbidden: ${msg}`, qdetails(res, name)),
  // 422: details.kind is the Kind, plus group for non-core (transcripts 12, 63)
  invalid: (res, kind, name, causes) => {
    const d = { name };
    if (res.group) d.group = res.group;
    d.kind = kind;
    d.causes = causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field }));
    const what = res.group ? `${kind}.${res.group}` : kind;
    const list = causes.map((c) => `${c.field}: ${c.message}`);
    const msg = `${what} "${name}" is invalid: ` + (list.length === 1 ? list[0] : `[${list.join(', ')}]`);
    return new ApiError(422, 'Invalid', msg, d);
  },
  invalidGeneric: () => new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {}),
  notAcceptable: () => new ApiError(406, 'NotAcceptable', '406: Not Acceptable\n\nAvailable representations: application/json, application/yaml, application/vnd.kubernetes.protobuf', {}, { pretty: true }),
  unsupportedMediaType: (ct) => new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`, {}),
  methodNotAllowed: (verb) => new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`, {}),
  notFoundPath: () => new ApiError(404, 'NotFound', 'the server could not find the requested resource', {}),
  expired: (msg, metadata) => new ApiError(410, 'Expired', msg, undefined, { metadata }),
  tooLargeRV: (rv, current) => new ApiError(504, 'Timeout', `Timeout: Too large resource version: ${rv}, current: ${current}`,
    { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 },
    { headers: { 'Retry-After': '1' } }),
  tooManyRequests: (secs) => new ApiError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: secs }, { headers: { 'Retry-After': String(secs) } }),
  serviceUnavailable: (secs) => new ApiError(503, 'ServiceUnavailable', 'The server is currently unable to handle the request', { retryAfterSeconds: secs }, { headers: { 'Retry-After': String(secs) } }),
  internal: (msg) => new ApiError(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] }),
};

// Field-error helpers (k8s.io/apimachinery/pkg/util/validation/field)
const F = {
  required: (field, detail) => ({ reason: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' }),
  invalid: (field, value, detail) => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${fmtValue(value)}: ${detail}` }),
  duplicate: (field, value) => ({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${fmtValue(value)}` }),
  forbidden: (field, detail) => ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` }),
  notSupported: (field, value, valid) => ({ reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${fmtValue(value)}: supported values: ${valid.map((v) => `"${v}"`).join(', ')}` }),
  typeInvalid: (field, value, detail) => ({ reason: 'FieldValueTypeInvalid', field, message: `Invalid value: ${fmtValue(value)}: ${detail}` }),
};
function fmtValue(v) {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

module.exports = { ApiError, E, F, qname };
