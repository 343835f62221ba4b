/** The outbox's clock under Vitest's fake timers in Chromium (the suite: test/portable/outbox-fake-clock-suite.ts). */
import { describeOutboxUnderFakeTimers } from '../portable/outbox-fake-clock-suite.js';

describeOutboxUnderFakeTimers('chromium');
