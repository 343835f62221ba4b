/**
 * The NATS panel's embedded mode, for a machine without nats-server: publish with isoflux/http to the demo
 * server's own endpoint, and follow what it received on `demo.chat.>` with a long poll of
 * `GET /__demo/bus-feed` (demo/serve.mjs), so messages from other tabs and from Node still arrive live.
 * @module
 */
import { createMessage, type Message } from '../../src/index.js';

interface FeedAnswer {
  readonly messages: ReadonlyArray<{ readonly seq: number; readonly subject: string; readonly id: string; readonly payload: unknown }>;
  readonly last: number;
}

/**
 * Calls `onMessage` with every message the endpoint receives on `demo.chat.>` from now on (like a NATS
 * subscription: nothing from before). `onState` hears whether the feed answers. Ends when `signal` aborts.
 */
export async function followFeed(signal: AbortSignal, onMessage: (message: Message<unknown>) => void, onState: (up: boolean) => void): Promise<void> {
  /** The last sequence seen; undefined until the first answer (whose messages are from before this page). */
  let after: number | undefined;
  while (!signal.aborted) {
    try {
      const response = await fetch(`/__demo/bus-feed?after=${after ?? 1e15}`, { cache: 'no-store', signal });
      if (!response.ok) throw new Error(`bus-feed answered ${response.status}`);
      const answer = (await response.json()) as FeedAnswer;
      onState(true);
      if (after !== undefined) for (const m of answer.messages) onMessage(createMessage({ subject: m.subject, id: m.id, payload: m.payload }));
      after = answer.last;
    } catch {
      if (signal.aborted) return;
      onState(false);
      // the demo server restarts or the page is offline: try again shortly
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
