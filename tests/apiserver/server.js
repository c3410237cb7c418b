#!/usr/bin/env node
'use strict';
// Test Kubernetes API server for the C client's integration tests.
//
//   node tests/apiserver/server.js --listen 127.0.0.1:0 [--tls-dir DIR] [--plain]
//        [--token TOKEN=user[:group,group]]... [--config JSON] [--verbose]
//
// Prints one JSON line on stdout when ready, e.g.
//   {"port":43817,"url":"https://127.0.0.1:43817","tlsDir":"/tmp/...","caFile":".../ca.crt"}
// and runs until SIGTERM/SIGINT or until stdin closes. See README.md.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { ApiServer } = require('./lib/apiserver');

function usage(msg) {
  if (msg) process.stderr.write(`server.js: ${msg}\n`);
  process.stderr.write('usage: server.js --listen HOST:PORT [--tls-dir DIR] [--plain] [--token TOKEN=user[:g1,g2]] [--config JSON] [--verbose]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { listen: '127.0.0.1:0', tokens: [], config: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
    if (a === '--listen') o.listen = val();
    else if (a === '--tls-dir') o.tlsDir = val();
    else if (a === '--plain') o.plain = true;
    else if (a === '--verbose' || a === '-v') o.verbose = true;
    else if (a === '--config') {
      try { Object.assign(o.config, JSON.parse(val())); } catch (e) { usage(`--config: ${e.message}`); }
    } else if (a === '--token') {
      const m = /^([^=]+)=([^:]+)(?::(.*))?$/.exec(val());
      if (!m) usage('--token wants TOKEN=user[:group,group]');
      o.tokens.push([m[1], { name: m[2], groups: m[3] ? m[3].split(',').filter(Boolean) : [] }]);
    } else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument ${a}`);
  }
  return o;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const m = /^(.*):(\d+)$/.exec(o.listen);
  if (!m) usage('--listen wants HOST:PORT');
  const host = m[1].replace(/^\[|\]$/g, '');
  const port = Number(m[2]);
  let tlsDir = o.tlsDir;
  let madeDir = null;
  if (!o.plain && !tlsDir) {
    // no certificates given: make a throw-away set
    madeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-test-apiserver-'));
    execFileSync('sh', [path.join(__dirname, 'mkcerts.sh'), madeDir], { stdio: ['ignore', 'ignore', 'inherit'] });
    tlsDir = madeDir;
  }
  const server = new ApiServer({ plain: o.plain, tlsDir, tokens: o.tokens, config: o.config, verbose: o.verbose });
  await server.listen(host, port);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const ready = { port: server.port, url: `${o.plain ? 'http' : 'https'}://${shownHost}:${server.port}` };
  if (!o.plain) {
    ready.tlsDir = path.resolve(tlsDir);
    ready.caFile = path.resolve(tlsDir, 'ca.crt');
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try { await server.close(); } catch (e) { /* exiting anyway */ }
    if (madeDir) fs.rmSync(madeDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // a parent that dies closes our stdin: don't outlive it
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  process.on('uncaughtException', (e) => { process.stderr.write(`[apiserver] uncaught: ${e && e.stack}\n`); });
  // announce readiness only once the signal handlers are in place
  process.stdout.write(JSON.stringify(ready) + '\n');
}

main().catch((e) => {
  process.stderr.write(`server.js: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
