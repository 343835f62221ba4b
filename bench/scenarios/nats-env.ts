/**
 * What every scenario of the `nats` group shares: a private nats-server (JetStream + WebSocket on loopback)
 * per scenario process, WebSocket connections for Node, the wire format both contestants use, and the gate
 * that lets a consume benchmark hand out exactly `n` messages per run.
 * @module
 */
import { headers, nuid, wsconnect, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import { WebSocket as NodeWebSocket } from 'ws';
import { findNatsServer, NATS_INSTALL_FIX, startNatsServer, type NatsServer } from '../../test/setup/nats-server.mjs';
import { BenchUnavailableError } from '../lib/types.js';

/** The header isoflux carries its message id in (and JetStream de-duplicates on). */
export const MSG_ID = 'Nats-Msg-Id';

const encoder = new TextEncoder();

/** The raw contestants' codec: what a nats-core user writes for JSON (isoflux uses its `jsonCodec()`). */
export const encodeJson = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

/** The raw contestants' equivalent of an isoflux message id: a fresh `Nats-Msg-Id` header per message. */
export function idHeaders(): MsgHdrs {
  const h = headers();
  h.set(MSG_ID, nuid.next());
  return h;
}

let server: NatsServer | undefined;

/** Fails the group loudly (with the install command) when nats-server is missing. */
export function checkNatsServer(): void {
  try {
    findNatsServer();
  } catch {
    throw new BenchUnavailableError(`nats-server not found on PATH or in /usr/sbin: ${NATS_INSTALL_FIX}`);
  }
}

/** Starts this scenario process's nats-server and installs `ws` as the WebSocket Node 20 lacks. */
export async function startServer(): Promise<void> {
  (globalThis as { WebSocket?: unknown }).WebSocket ??= NodeWebSocket;
  server = await startNatsServer({ jetstream: true, websocket: true });
}

/** Stops the server by PID and removes its store. */
export async function stopServer(): Promise<void> {
  await server?.dispose();
  server = undefined;
}

/** The WebSocket URL of this process's server. */
export function wsUrl(): string {
  const url = server?.wsUrl;
  if (url === undefined) throw new Error('the nats group setup() did not run: no server');
  return url;
}

/** A plain nats-core WebSocket connection: what the raw contestants use. */
export function rawConnection(): Promise<NatsConnection> {
  return wsconnect({ servers: wsUrl() });
}

/**
 * Lets a consumer take exactly `budget` messages, then parks the next one until {@link Gate.open} raises
 * the budget. Parked, neither contestant pulls or acks, so messages stay in the stream between runs.
 */
export class Gate {
  budget = 0;
  #waiting: Array<() => void> = [];

  /** Resolves at the next {@link open}. */
  next(): Promise<void> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Lets `n` more messages through. */
  open(n: number): void {
    this.budget += n;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }
}

/**
 * Runs `n` publishes with at most `window` in flight and resolves when the last one settled: a JetStream
 * producer pipelining its acks. Shared by both contestants: at ~50 µs per acked message, the megamorphic
 * `send` call (a few ns) cannot tilt the comparison.
 */
export function pipeline(first: number, n: number, window: number, send: (i: number) => Promise<unknown>): Promise<void> {
  const end = first + n;
  let next = first;
  let settled = 0;
  return new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      while (next < end && next - first - settled < window) {
        send(next++).then(() => {
          if (++settled === n) resolve();
          else pump();
        }, reject);
      }
    };
    pump();
  });
}
