/** `tap(outbox, listener)` on memoryStore, in every runtime (the suite: outbox-tap-suite.ts). */
import { memoryStore } from '../../src/outbox/index.js';
import { describeOutboxTaps } from './outbox-tap-suite.js';

describeOutboxTaps('memoryStore', () => memoryStore());
