/**
 * The store contract and the whole outbox suite against real IndexedDB in Chromium, plus what only a browser
 * has: a real quota error, another context's appends heard through BroadcastChannel, Web Locks election.
 */
import { describe, expect, it } from 'vitest';
import { createOutbox, idbStore } from '../../src/outbox/index.js';
import { describeOutbox } from '../portable/outbox-suite.js';
import { describeOutboxStore } from '../portable/outbox-store-contract.js';
import { ScriptedTarget, deferred } from '../portable/outbox-fixtures.js';

let databases = 0;
const fresh = (): string => `outbox-test-${Date.now().toString(36)}-${databases++}`;

describeOutboxStore('idbStore', () => idbStore({ database: fresh() }));
describeOutbox('idbStore', () => idbStore({ database: fresh() }));

describe('outbox in the browser', () => {
  it('is the default store: IndexedDB, one database of its own', async () => {
    const box = createOutbox();
    expect(box.store.name).toBe('idb:isoflux-outbox');
    await box.close();
  });

  it('hears appends made through another connection to the same database (another tab)', async () => {
    const database = fresh();
    const target = new ScriptedTarget();
    const relay = createOutbox({ store: idbStore({ database }), target, relay: { pollIntervalMs: 60_000 } });
    const otherTab = createOutbox({ store: idbStore({ database }) });
    await otherTab.publish('from.other', 1);
    await target.until(() => target.acked.length === 1, 2000);
    await Promise.all([relay.close(), otherTab.close()]);
  });

  it('elects one relay per store through Web Locks; the next one takes over when it closes', async () => {
    const database = fresh();
    const gate = deferred();
    const first = new ScriptedTarget(() => gate.promise);
    const second = new ScriptedTarget();
    const a = createOutbox({ store: idbStore({ database }), target: first });
    await a.publish('elect', 1);
    await first.until(() => first.calls.length === 1);
    const b = createOutbox({ store: idbStore({ database }), target: second });
    await b.publish('elect', 2);
    expect((await b.refreshStatus()).relay).toBe('standby');
    expect(second.calls).toEqual([]);
    gate.resolve();
    await first.until(() => first.acked.length === 2);
    const closing = a.close();
    await b.publish('elect', 3);
    await closing;
    await second.until(() => second.acked.length === 1);
    expect(second.acked.map((c) => c.payload)).toEqual([3]);
    expect((await b.refreshStatus()).relay).toBe('relaying');
    await b.close();
  });
});
