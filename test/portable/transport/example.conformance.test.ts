/**
 * The guide's example transport (examples/transport/port-bus.ts) against the conformance suite, in every
 * runtime: two buses on the two ends of a real MessageChannel. Its capabilities, stated honestly: it
 * serializes (structured clone, so a function is `not_serializable`), and has neither queue groups nor
 * request/reply (the suite then expects `subscribe({ queue })` to throw `unsupported` and `request` absent).
 */
import { describe, expect, it } from 'vitest';
import { createPortBus } from '../../../examples/transport/port-bus.js';
import { describeConformance } from '../conformance/suite.js';
import { Inbox } from '../conformance/wait.js';

describeConformance({
  name: 'example: MessagePort bus',
  async connect() {
    const { port1, port2 } = new MessageChannel();
    const publisher = createPortBus(port1);
    const subscriber = createPortBus(port2);
    return { publisher, subscriber, close: async () => void (await Promise.all([publisher.close(), subscriber.close()])) };
  },
  supports: { requestReply: false, queueGroups: false, serializes: true },
});

describe('example: MessagePort bus, what crosses the port', () => {
  it('ignores frames that are not its own (other traffic, a wildcard subject) and keeps delivering', async () => {
    const { port1, port2 } = new MessageChannel();
    const bus = createPortBus(port2);
    try {
      const inbox = new Inbox();
      bus.subscribe('orders.>', inbox.push);
      port1.postMessage('hello');
      port1.postMessage({ subject: 'orders.*', payload: 'forged' });
      port1.postMessage({ subject: 'orders.1', payload: 'bad id', id: 7 });
      port1.postMessage({ subject: 'orders.2', payload: 'ok', headers: { a: 'b' }, id: 'm2' });
      const [m] = await inbox.waitFor(1, 2000);
      expect([m?.subject, m?.payload, m?.headers, m?.id]).toEqual(['orders.2', 'ok', { a: 'b' }, 'm2']);
      expect(inbox.messages).toHaveLength(1);
    } finally {
      port1.close();
      await bus.close();
    }
  });
});
