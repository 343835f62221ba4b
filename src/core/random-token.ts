/**
 * Unguessable names (reply inboxes, call ids): 128 bits from `crypto.getRandomValues`, never a counter, so
 * seeing one name tells nothing about the next. Drawn from a pooled buffer, so one costs a few string ops.
 * @module
 */

/** Characters of a token: base64url, every one valid inside a subject token (no `.`, `*`, `>`, space). */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** 22 characters of 6 bits: 132 bits of which 128 are random (the last character carries 2). */
export const RANDOM_TOKEN_LENGTH = 22;
const BYTES = 16;
const POOL_BYTES = 4096;

// Filled on first use, not at module load: workerd forbids random values in the global scope.
let pool: Uint8Array<ArrayBuffer> | undefined;
let offset = POOL_BYTES;

/** A new random token of {@link RANDOM_TOKEN_LENGTH} base64url characters (128 random bits). */
export function randomToken(): string {
  if (offset + BYTES > POOL_BYTES) {
    pool ??= new Uint8Array(POOL_BYTES);
    crypto.getRandomValues(pool);
    offset = 0;
  }
  const bytes = pool as Uint8Array<ArrayBuffer>;
  let out = '';
  // 5 groups of 3 bytes → 20 characters, then 1 byte → 2 characters.
  for (let i = offset; i < offset + 15; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += ALPHABET.charAt(n >>> 18) + ALPHABET.charAt((n >>> 12) & 63) + ALPHABET.charAt((n >>> 6) & 63) + ALPHABET.charAt(n & 63);
  }
  const last = bytes[offset + 15] as number;
  out += ALPHABET.charAt(last >>> 2) + ALPHABET.charAt(last & 3);
  // Used bytes are zeroed: a later heap dump or a bug reading the pool cannot replay old tokens.
  bytes.fill(0, offset, offset + BYTES);
  offset += BYTES;
  return out;
}
