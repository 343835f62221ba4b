/**
 * Vitest setupFile of the node project. Node 20 has no global WebSocket, and nats-core's
 * `wsconnect()` then hangs forever instead of failing; give Node tests the `ws` implementation.
 */
import { WebSocket as NodeWebSocket } from 'ws';

globalThis.WebSocket ??= NodeWebSocket as unknown as typeof globalThis.WebSocket;
