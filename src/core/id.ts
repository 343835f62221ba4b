/**
 * Message ids: unique, sortable by creation within one process, cheap to make.
 * @module
 */

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

function randomPrefix(length: number): string {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % 36];
  return out;
}

// Made on first use, not at module load: workerd forbids random values in the global scope.
let prefix: string | undefined;
let counter = 0;

/**
 * A new message id: a random per-process prefix plus a counter, so ids from different tabs, workers or
 * processes do not collide and two ids from one process compare in creation order when of equal length.
 */
export function nextId(): string {
  prefix ??= randomPrefix(12);
  counter++;
  return prefix + counter.toString(36).padStart(8, '0');
}
