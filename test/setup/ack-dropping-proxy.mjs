/**
 * A loopback proxy in front of nats-server (its TCP port, or its WebSocket port) that lets everything reach
 * the server but drops chosen server→client messages: by default every JetStream PubAck that is not a
 * duplicate ack, i.e. the ack of each message's first stored copy. What a connection lost just after the
 * server stored a publish does to the publisher: the message is in the stream, the ack never arrives, and
 * only a resend with the same `Nats-Msg-Id` (acked `duplicate: true`, which passes) tells it so.
 * It parses the NATS protocol (inside WebSocket frames in `websocket` mode) and forwards the rest unchanged.
 * A sibling of blackhole-proxy.mjs; plain ESM JavaScript.
 * @module
 */
import { connect, createServer } from 'node:net';

/**
 * @typedef {object} ServerMessage  one MSG or HMSG op the server sent
 * @property {string} subject
 * @property {string | undefined} reply
 * @property {Buffer} payload  (HMSG: without the header block)
 */

/**
 * @typedef {object} AckDroppingProxy
 * @property {number} port  where clients connect (127.0.0.1)
 * @property {() => { dropped: number, passedAcks: number, duplicateAcks: number }} stats
 * @property {() => Promise<void>} close  destroys every socket and stops listening
 */

/** @param {Buffer} payload @returns {{ stream: string, seq: number, duplicate?: boolean } | undefined} */
export function pubAckOf(payload) {
  try {
    const ack = JSON.parse(payload.toString('utf8'));
    return typeof ack?.stream === 'string' && typeof ack?.seq === 'number' ? ack : undefined;
  } catch {
    return undefined;
  }
}

/** The default rule: drop a PubAck on an inbox unless it is a duplicate ack. @param {ServerMessage} m */
export const dropFirstAcks = (m) => {
  const ack = m.subject.startsWith('_INBOX.') ? pubAckOf(m.payload) : undefined;
  return ack !== undefined && ack.duplicate !== true;
};

const CRLF = Buffer.from('\r\n');

/**
 * Splits a server→client NATS byte stream into ops and calls `emit` with each whole one (its bytes, and the
 * message for MSG/HMSG); returns the bytes still incomplete.
 * @param {Buffer} buffer @param {(bytes: Buffer, message: ServerMessage | undefined) => void} emit
 */
function parseOps(buffer, emit) {
  let at = 0;
  for (;;) {
    const eol = buffer.indexOf(CRLF, at);
    if (eol < 0) break;
    const line = buffer.subarray(at, eol).toString('latin1');
    const [op, ...args] = line.split(' ');
    const verb = op?.toUpperCase();
    if (verb === 'MSG' || verb === 'HMSG') {
      const total = Number(args.at(-1));
      const headerBytes = verb === 'HMSG' ? Number(args.at(-2)) : 0;
      const end = eol + 2 + total + 2;
      if (buffer.length < end) break;
      const reply = args.length === (verb === 'HMSG' ? 5 : 4) ? args[2] : undefined;
      const payload = buffer.subarray(eol + 2 + headerBytes, eol + 2 + total);
      emit(buffer.subarray(at, end), { subject: args[0] ?? '', reply, payload });
      at = end;
    } else {
      emit(buffer.subarray(at, eol + 2), undefined);
      at = eol + 2;
    }
  }
  return buffer.subarray(at);
}

/** One unmasked binary WebSocket frame (server→client) carrying `data`. @param {Buffer} data */
function wsFrame(data) {
  const n = data.length;
  const head =
    n < 126 ? Buffer.from([0x82, n]) : n < 65_536 ? Buffer.from([0x82, 126, n >> 8, n & 255]) : Buffer.concat([Buffer.from([0x82, 127]), bigLength(n)]);
  return Buffer.concat([head, data]);
}

/** @param {number} n */
function bigLength(n) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/**
 * Reads WebSocket frames (server→client: unmasked) from `buffer`; data frames' payloads go to `onData`,
 * control frames are passed to `onControl` whole. Returns the incomplete rest.
 * @param {Buffer} buffer @param {(data: Buffer) => void} onData @param {(frame: Buffer) => void} onControl
 */
function parseFrames(buffer, onData, onControl) {
  let at = 0;
  while (buffer.length - at >= 2) {
    const opcode = buffer[at] & 0x0f;
    let len = buffer[at + 1] & 0x7f;
    let head = 2;
    if (len === 126) {
      if (buffer.length - at < 4) break;
      len = buffer.readUInt16BE(at + 2);
      head = 4;
    } else if (len === 127) {
      if (buffer.length - at < 10) break;
      len = Number(buffer.readBigUInt64BE(at + 2));
      head = 10;
    }
    if (buffer[at + 1] & 0x80) head += 4; // a masked frame: not sent by a server
    if (buffer.length - at < head + len) break;
    const frame = buffer.subarray(at, at + head + len);
    if (opcode === 0 || opcode === 1 || opcode === 2) onData(frame.subarray(head));
    else onControl(frame);
    at += head + len;
  }
  return buffer.subarray(at);
}

/**
 * @param {number} targetPort  nats-server's TCP port, or its WebSocket port with `websocket: true`
 * @param {{ websocket?: boolean, drop?: (message: ServerMessage) => boolean }} [options]
 * @returns {Promise<AckDroppingProxy>}
 */
export async function startAckDroppingProxy(targetPort, { websocket = false, drop = dropFirstAcks } = {}) {
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  const counts = { dropped: 0, passedAcks: 0, duplicateAcks: 0 };

  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const end = () => {
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) s.on('error', end).on('close', end);
    // client→server: as is, except that a WebSocket upgrade offers no compression (frames stay readable)
    let upgraded = !websocket;
    let request = Buffer.alloc(0);
    client.on('data', (chunk) => {
      if (upgraded) return void upstream.write(chunk);
      request = Buffer.concat([request, chunk]);
      const endOfHead = request.indexOf('\r\n\r\n');
      if (endOfHead < 0) return;
      const head = request
        .subarray(0, endOfHead)
        .toString('latin1')
        .split('\r\n')
        .filter((l) => !/^sec-websocket-extensions:/i.test(l));
      upstream.write(Buffer.concat([Buffer.from(head.join('\r\n'), 'latin1'), request.subarray(endOfHead)]));
      upgraded = true;
    });
    // server→client: NATS ops, each passed or dropped whole
    let handshake = websocket;
    let frames = Buffer.alloc(0);
    let ops = Buffer.alloc(0);
    /** @param {Buffer} data */
    const onNats = (data) => {
      /** @type {Buffer[]} */
      const kept = [];
      ops = Buffer.from(
        parseOps(Buffer.concat([ops, data]), (bytes, message) => {
          if (message !== undefined && pubAckOf(message.payload) !== undefined) {
            if (drop(message)) return void counts.dropped++;
            counts.passedAcks++;
            if (pubAckOf(message.payload)?.duplicate === true) counts.duplicateAcks++;
          }
          kept.push(bytes);
        }),
      );
      if (kept.length === 0) return;
      const out = Buffer.concat(kept);
      client.write(websocket ? wsFrame(out) : out);
    };
    upstream.on('data', (chunk) => {
      if (!websocket) return onNats(chunk);
      frames = Buffer.concat([frames, chunk]);
      if (handshake) {
        const endOfHead = frames.indexOf('\r\n\r\n');
        if (endOfHead < 0) return;
        client.write(frames.subarray(0, endOfHead + 4));
        frames = frames.subarray(endOfHead + 4);
        handshake = false;
      }
      frames = Buffer.from(parseFrames(frames, onNats, (frame) => client.write(frame)));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    port,
    stats: () => ({ ...counts }),
    async close() {
      for (const s of sockets) s.destroy();
      sockets.clear();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}
