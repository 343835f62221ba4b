/**
 * What the panels show the live inspector: each panel registers its bus, its slow subscriptions, its outbox
 * or its connection here, and the inspector panel draws whatever was registered, before or after it mounted.
 * @module
 */
import type { InspectedConnection, InspectedOutbox, WatchedSubscription } from '../../src/inspector/index.js';

/** One thing a panel offers the inspector. */
export type InspectTarget =
  | { readonly kind: 'bus'; readonly name: string; readonly bus: object }
  | { readonly kind: 'subscription'; readonly watched: WatchedSubscription }
  | { readonly kind: 'outbox'; readonly outbox: InspectedOutbox }
  | { readonly kind: 'connection'; readonly connection: InspectedConnection };

const registered: InspectTarget[] = [];
const listeners = new Set<(target: InspectTarget) => void>();

/** Offers `target` to the inspector (now, or when it mounts). */
export function inspect(target: InspectTarget): void {
  registered.push(target);
  for (const listener of listeners) listener(target);
}

/** Calls `listener` with every target registered so far and every later one; returns the function that stops it. */
export function onInspectTarget(listener: (target: InspectTarget) => void): () => void {
  for (const target of registered) listener(target);
  listeners.add(listener);
  return () => void listeners.delete(listener);
}
