/**
 * Errors specific to opening a NATS connection, as core error classes with the core's stable codes.
 * @module
 */
import { ConnectionFailedError, IsofluxError, UnsupportedError, type IsofluxErrorOptions } from '../core/errors.js';
import type { Headers } from '../core/message.js';
import { ERROR_MESSAGE_HEADER } from '../core/reply.js';

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

/**
 * An isoflux responder could not decode (`decode_failed`) or validate (`invalid_payload`) the request, so
 * its handler never ran; it answered with the reason instead of leaving the request to time out. Check
 * that requester and responder agree on the codec and schema.
 */
export class RequestRejectedError extends IsofluxError {
  /** The responder's own error message. */
  readonly remoteMessage: string;
  constructor(
    readonly subject: string,
    code: 'decode_failed' | 'invalid_payload',
    headers: Headers,
  ) {
    const remoteMessage = headers[ERROR_MESSAGE_HEADER] ?? '';
    const what = code === 'decode_failed' ? 'could not decode' : 'rejected as invalid';
    super(code, `The responder on ${JSON.stringify(subject)} ${what} the request, so its handler did not run: use the same codec and schema on both sides (${remoteMessage}).`);
    this.remoteMessage = remoteMessage;
  }
}

/**
 * The server stopped answering: pings went unanswered (`pingInterval` × `maxPingOut`), or a wake-up check
 * found no answer within its deadline. The connection is redialled; subscriptions come back on their own.
 */
export class StaleConnectionError extends IsofluxError {
  constructor(detail = 'the server did not answer pings in time') {
    super('timeout', `The NATS connection went stale (${detail}); reconnecting. Core publishes made until it is back are lost.`);
  }
}
