/**
 * A loopback TCP proxy that can black-hole its traffic: what a sleeping laptop or a changed network does to
 * an open socket. `blackhole()` stops forwarding on every open connection without closing it (bytes are read
 * and dropped, nothing answers, nothing resets) and holds new connections the same way; `restore()` forwards
 * new connections again, while the black-holed ones stay dead (their NAT entry is gone) until the client
 * gives up on them. Plain ESM JavaScript, like nats-server.mjs, which serves it through its control endpoint.
 * @module
 */
import { connect, createServer } from 'node:net';

/**
 * @typedef {object} BlackholeProxy
 * @property {number} port            where clients connect (127.0.0.1)
 * @property {() => void} blackhole   stop forwarding: open and new connections go silent
 * @property {() => void} restore     new connections forward again; silenced ones stay silent
 * @property {() => { open: number, silenced: number, accepted: number }} stats
 * @property {() => Promise<void>} close  destroys every socket and stops listening
 */

/**
 * @param {number} targetPort  a port on 127.0.0.1 to forward to
 * @returns {Promise<BlackholeProxy>}
 */
export async function startBlackholeProxy(targetPort) {
  /** @type {Set<{ client: import('node:net').Socket, upstream?: import('node:net').Socket, silenced: boolean }>} */
  const pairs = new Set();
  let holing = false;
  let accepted = 0;

  const silence = (/** @type {{ client: import('node:net').Socket, upstream?: import('node:net').Socket, silenced: boolean }} */ pair) => {
    pair.silenced = true;
    pair.client.unpipe();
    pair.upstream?.unpipe();
    // keep reading (so the peer's writes never back up and nothing looks wrong), forward nothing
    pair.client.removeAllListeners('data');
    pair.client.on('data', () => undefined);
    pair.upstream?.removeAllListeners('data');
    pair.upstream?.on('data', () => undefined);
  };

  const server = createServer((client) => {
    accepted++;
    const pair = { client, upstream: /** @type {import('node:net').Socket | undefined} */ (undefined), silenced: false };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      pair.upstream?.destroy();
    };
    client.on('error', drop);
    client.on('close', drop);
    if (holing) return silence(pair);
    const upstream = connect(targetPort, '127.0.0.1');
    pair.upstream = upstream;
    upstream.on('error', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    port,
    blackhole() {
      holing = true;
      for (const pair of pairs) silence(pair);
    },
    restore() {
      holing = false;
    },
    stats() {
      let silenced = 0;
      for (const pair of pairs) if (pair.silenced) silenced++;
      return { open: pairs.size, silenced, accepted };
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream?.destroy();
      }
      pairs.clear();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}
