'use strict';
// A minimal RFC 6455 WebSocket server endpoint (handshake + framing), enough
// for the Kubernetes channel protocols: binary/text messages, fragmentation,
// ping/pong, close. Client frames must be masked (RFC 6455 5.1).
const crypto = require('crypto');
const { EventEmitter } = require('events');

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function acceptKey(key) {
  return crypto.createHash('sha1').update(key + GUID).digest('base64');
}

// Write the 101 response. Returns false (and answers 400) if the request is not
// a valid WebSocket upgrade.
function handshake(req, socket, protocol) {
  const key = req.headers['sec-websocket-key'];
  if (!key || (req.headers.upgrade || '').toLowerCase() !== 'websocket') return false;
  const lines = [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${acceptKey(key)}`,
  ];
  if (protocol) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
  socket.write(lines.join('\r\n') + '\r\n\r\n');
  return true;
}

function frame(opcode, payload, opts) {
  payload = payload || Buffer.alloc(0);
  const len = payload.length;
  let head;
  const b0 = (opts && opts.fin === false ? 0 : 0x80) | (opts && opts.rsv ? opts.rsv << 4 : 0) | opcode;
  if (len < 126) {
    head = Buffer.from([b0, len]);
  } else if (len < 65536) {
    head = Buffer.alloc(4);
    head[0] = b0; head[1] = 126; head.writeUInt16BE(len, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = b0; head[1] = 127; head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

// Server side of a WebSocket connection. Events: 'message' (Buffer, isBinary),
// 'close' (code, reason), 'error'.
class WebSocketConn extends EventEmitter {
  constructor(socket, head) {
    super();
    this.socket = socket;
    this.buf = head && head.length ? Buffer.from(head) : Buffer.alloc(0);
    this.fragments = null;
    this.fragOpcode = 0;
    this.closed = false;
    this.closeSent = false;
    socket.setNoDelay(true);
    socket.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.parse(); });
    socket.on('close', () => this.finish(1006, ''));
    socket.on('error', () => this.finish(1006, ''));
    if (this.buf.length) setImmediate(() => this.parse());
  }

  parse() {
    while (!this.closed) {
      const b = this.buf;
      if (b.length < 2) return;
      const fin = (b[0] & 0x80) !== 0;
      const rsv = b[0] & 0x70;
      const opcode = b[0] & 0x0f;
      const masked = (b[1] & 0x80) !== 0;
      let len = b[1] & 0x7f;
      let off = 2;
      if (len === 126) { if (b.length < 4) return; len = b.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (b.length < 10) return; len = Number(b.readBigUInt64BE(2)); off = 10; }
      if (rsv || !masked) return this.protocolError(rsv ? 'reserved bits set' : 'unmasked client frame');
      if (b.length < off + 4 + len) return;
      const mask = b.subarray(off, off + 4);
      const payload = Buffer.from(b.subarray(off + 4, off + 4 + len));
      for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
      this.buf = b.subarray(off + 4 + len);
      this.onFrame(fin, opcode, payload);
    }
  }

  onFrame(fin, opcode, payload) {
    if (opcode === 0x8) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      if (!this.closeSent) this.close(code === 1005 ? 1000 : code);
      this.finish(code, payload.subarray(2).toString());
      return;
    }
    if (opcode === 0x9) { this.send(0xA, payload); return; }
    if (opcode === 0xA) return;
    if (opcode === 0x0) {
      if (!this.fragments) return this.protocolError('unexpected continuation frame');
      this.fragments.push(payload);
      if (fin) {
        const data = Buffer.concat(this.fragments);
        this.fragments = null;
        this.emit('message', data, this.fragOpcode === 0x2);
      }
      return;
    }
    if (opcode === 0x1 || opcode === 0x2) {
      if (!fin) { this.fragments = [payload]; this.fragOpcode = opcode; return; }
      this.emit('message', payload, opcode === 0x2);
      return;
    }
    this.protocolError(`unknown opcode ${opcode}`);
  }

  protocolError(why) {
    this.emit('protocolError', why);
    this.close(1002, why);
    this.finish(1002, why);
    setTimeout(() => this.socket.destroy(), 50);
  }

  send(opcode, payload) {
    if (this.closeSent || this.socket.destroyed) return false;
    this.socket.write(frame(opcode, payload));
    return true;
  }
  sendBinary(buf) { return this.send(0x2, buf); }
  sendText(str) { return this.send(0x1, Buffer.from(str)); }
  sendRaw(buf) { if (!this.socket.destroyed) this.socket.write(buf); }

  close(code, reason) {
    if (this.closeSent || this.socket.destroyed) return;
    const p = Buffer.alloc(2 + Buffer.byteLength(reason || ''));
    p.writeUInt16BE(code || 1000, 0);
    if (reason) p.write(reason, 2);
    this.socket.write(frame(0x8, p));
    this.closeSent = true;
    // the client answers with its close frame; don't wait for it forever
    setTimeout(() => this.socket.end(), 200).unref();
  }

  finish(code, reason) {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', code, reason);
  }
}

module.exports = { handshake, WebSocketConn, frame, acceptKey };
