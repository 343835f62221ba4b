import { createMemoryBus } from '../../src/memory/index.js';
import { describeConformance } from './conformance/suite.js';

describeConformance({
  name: 'memory',
  async connect() {
    const bus = createMemoryBus();
    return { publisher: bus, subscriber: bus, close: () => bus.close() };
  },
  supports: { requestReply: true, queueGroups: true, serializes: false },
});

describeConformance({
  name: 'memory (payload: clone)',
  async connect() {
    const bus = createMemoryBus({ payload: 'clone' });
    return { publisher: bus, subscriber: bus, close: () => bus.close() };
  },
  supports: { requestReply: true, queueGroups: true, serializes: true },
});
