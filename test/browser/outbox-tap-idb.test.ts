/** `tap(outbox, listener)` on real IndexedDB in Chromium (the suite: test/portable/outbox-tap-suite.ts). */
import { idbStore } from '../../src/outbox/index.js';
import { describeOutboxTaps } from '../portable/outbox-tap-suite.js';

let databases = 0;
describeOutboxTaps('idbStore', () => idbStore({ database: `outbox-tap-${Date.now().toString(36)}-${databases++}` }));
