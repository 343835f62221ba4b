/**
 * A page script for test/e2e/presence-tabs.spec.ts (loaded into a fixture page as a module): joins tab
 * presence and records every change with the time it was seen, so the spec can measure how soon a closed
 * tab leaves.
 */
import { createBroadcastBus } from '../../src/broadcast/index.js';
import { joinTabs, type PresenceChange, type TabPresence } from '../../src/presence/index.js';

/** What the spec calls through `window.presenceTab`. */
export interface PresenceTabApi {
  /** Joins `namespace` as `name`; resolves with this member's id once ready. */
  join(namespace: string, name: string): Promise<string>;
  /** The names of the members known now, sorted. */
  names(): string[];
  /** Every change seen: kind, member name, reason, and `at` (epoch ms, this page's clock). */
  changes(): Array<{ kind: string; name: string; reason: string | undefined; at: number }>;
  /** This page's clock now (epoch ms). */
  now(): number;
}

declare global {
  interface Window {
    presenceTab: PresenceTabApi;
  }
}

let presence: TabPresence<{ name: string }> | undefined;
const seen: Array<{ kind: string; name: string; reason: string | undefined; at: number }> = [];

window.presenceTab = {
  async join(namespace, name) {
    const joined = (presence = joinTabs(createBroadcastBus({ namespace: 'presence-e2e' }), { namespace, meta: { name } }));
    joined.onChange((change: PresenceChange<{ name: string }>) =>
      seen.push({ kind: change.kind, name: change.member.meta.name, reason: change.kind === 'leave' ? change.reason : undefined, at: Date.now() }),
    );
    await joined.ready;
    return joined.self.id;
  },
  names: () => (presence?.members() ?? []).map((m) => m.meta.name).sort(),
  changes: () => [...seen],
  now: () => Date.now(),
};
document.documentElement.dataset['presence'] = 'loaded';
