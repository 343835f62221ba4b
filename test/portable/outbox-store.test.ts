/** The OutboxStore contract for memoryStore, in every runtime. */
import { memoryStore } from '../../src/outbox/index.js';
import { describeOutboxStore } from './outbox-store-contract.js';

describeOutboxStore('memoryStore', () => memoryStore());
