/**
 * Errors specific to opening a NATS connection, as core error classes with the core's stable codes.
 * @module
 */
import { ConnectionFailedError, UnsupportedError, type IsofluxErrorOptions } from '../core/errors.js';

/** This runtime has no `globalThis.WebSocket`, which NATS over WebSocket needs. Nothing was attempted. */
export class WebSocketUnavailableError extends UnsupportedError {
  constructor() {
    super(
      'No globalThis.WebSocket in this runtime, so NATS over WebSocket cannot connect (nats-core would wait forever). ' +
        "On Node 20: `npm install ws` and set `globalThis.WebSocket ??= (await import('ws')).WebSocket` before connecting, " +
        'or run node with --experimental-websocket (Node 22+ has it built in). Or connect over TCP with @nats-io/transport-node.',
    );
  }
}

/** The first connection to the NATS server failed. */
export function natsConnectionFailed(url: string, options?: IsofluxErrorOptions): ConnectionFailedError {
  return new ConnectionFailedError(url, 'Check that the NATS server runs and has a websocket listener on that port.', options);
}
