/**
 * An example transport: a bus on one end of a `MessagePort` (a `MessageChannel`, a Worker's or an iframe's
 * port). The two buses on the two ends of a channel reach each other. Pub/sub with structured-clone payloads;
 * no queue groups, no request/reply. Walked through in docs/writing-a-transport.md; passes the conformance
 * suite (test/portable/transport/example.conformance.test.ts). In your project the imports are `'isoflux'`
 * and `'isoflux/transport'`.
 * @module
 */
import { NotSerializableError, UnsupportedError, createMessage, isValidSubject, matchSubject } from '../../src/index.js';
import type { AnyTopics, Headers, TopicMap } from '../../src/index.js';
import { createBus, type BusOptions, type Driver, type Sink, type TransportBus } from '../../src/transport/index.js';

/** What crosses the port: one published message. */
interface Frame {
  subject: string;
  payload: unknown;
  headers?: Headers;
  id?: string;
}

/** The other end is another realm: take only what has the shape of a frame, on a valid literal subject. */
const isFrame = (data: unknown): data is Frame => {
  const f = data as Partial<Frame> | null;
  return typeof f?.subject === 'string' && isValidSubject(f.subject) && typeof (f.id ?? '') === 'string' && typeof (f.headers ?? {}) === 'object';
};

/**
 * A bus on `port`: what it publishes reaches the subscribers of the bus on the other end; `publish` resolves
 * once the message is handed to the port (at most once, in order). Closing the bus closes the port.
 * `options`: the kit's (`signal`, `telemetry`, `onError`).
 */
export function createPortBus<M extends TopicMap = AnyTopics>(port: MessagePort, options?: BusOptions): TransportBus<M> {
  const sinks = new Map<Sink, string>(); // each live subscription → its pattern
  port.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (!isFrame(event.data)) return;
    const { subject, payload, headers, id } = event.data;
    const message = createMessage({ subject, payload, headers, id });
    // a port cannot be slowed down: a full `block` subscription parks the message; it rejects if that subscription ends first
    for (const [sink, pattern] of sinks) if (matchSubject(pattern, subject)) sink.deliver(message)?.catch(() => undefined);
  });
  port.start();
  const driver: Driver = {
    name: 'port',
    async send(subject, payload, sent) {
      try {
        port.postMessage({ subject, payload, headers: sent?.headers, id: sent?.id } satisfies Frame);
      } catch (cause) {
        throw new NotSerializableError('postMessage (structured clone)', { cause });
      }
    },
    listen(pattern, queue, sink) {
      if (queue !== undefined) throw new UnsupportedError('the port transport has no queue groups: use one subscriber per port');
      sinks.set(sink, pattern);
      return { close: (ended) => void sinks.delete(ended) };
    },
    close: () => port.close(),
  };
  return createBus<M>(driver, options);
}
