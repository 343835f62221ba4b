/** Waits on presence changes (events, not the clock), shared by the presence tests of every runtime. */
import type { Presence, PresenceChange } from '../../src/presence/index.js';

/** Resolves with the first change `presence` reports that `match` accepts. */
export function next(presence: Presence, match: (change: PresenceChange) => boolean): Promise<PresenceChange> {
  return new Promise((resolve) => {
    const stop = presence.onChange((change) => {
      if (match(change)) {
        stop();
        resolve(change);
      }
    });
  });
}

/** Resolves once `presence` knows exactly the member ids `ids`. */
export async function knows(presence: Presence, ids: string[]): Promise<void> {
  const same = (): boolean => memberIds(presence).join() === [...ids].sort().join();
  while (!same()) await next(presence, () => same());
}

/** The ids of the members `presence` knows, sorted. */
export function memberIds(presence: Presence): string[] {
  return presence
    .members()
    .map((m) => m.id)
    .sort();
}
