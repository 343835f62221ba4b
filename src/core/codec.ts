/**
 * Codecs turn payloads into what a transport carries and back. Network transports carry bytes; in-browser
 * transports (broadcast, worker) can carry structured-clonable values as they are.
 * @module
 */
import { DecodeError, NotSerializableError } from './errors.js';

/** Encodes `T` to the wire type `W` and back. `decode` throws on bad input; callers turn that into a `DecodeError`. */
export interface Codec<T = unknown, W = Uint8Array> {
  /** Short name used in error messages and the `content-type`-like header. */
  readonly name: string;
  encode(value: T): W;
  decode(wire: W): T;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Options of {@link jsonCodec}. */
export interface JsonCodecOptions {
  /**
   * Refuse functions and symbols anywhere in the payload (default true). `JSON.stringify` silently drops
   * them, so a subscriber would get less than was published; the check walks the payload once
   * (a few hundred ns for a typical small object). Turn off only for payloads you build yourself.
   */
  strict?: boolean;
}

const MAX_CHECK_DEPTH = 64;

/** True when `value` holds a function or symbol that JSON would drop without a word. */
function hasDroppedValue(value: unknown, depth: number, seen: Set<object> = new Set()): boolean {
  if (typeof value === 'function' || typeof value === 'symbol') return true;
  if (typeof value !== 'object' || value === null || depth > MAX_CHECK_DEPTH) return false;
  // checked already (shared or cyclic reference): a cycle is left to JSON.stringify to report
  if (seen.has(value)) return false;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (needsCheck(value[i]) && hasDroppedValue(value[i], depth + 1, seen)) return true;
    return false;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  for (const key in value) {
    const child = (value as Record<string, unknown>)[key];
    if (needsCheck(child) && hasDroppedValue(child, depth + 1, seen)) return true;
  }
  return false;
}

function needsCheck(value: unknown): boolean {
  const type = typeof value;
  return (type === 'object' && value !== null) || type === 'function' || type === 'symbol';
}

/**
 * JSON in UTF-8. Rejects what JSON cannot carry faithfully with `not_serializable`: functions and symbols
 * (unless `strict: false`), BigInt, cycles, and `undefined` at the top.
 */
export function jsonCodec<T = unknown>(options: JsonCodecOptions = {}): Codec<T> {
  const strict = options.strict ?? true;
  return {
    name: 'json',
    encode(value) {
      if (strict && needsCheck(value) && hasDroppedValue(value, 0)) throw new NotSerializableError('JSON (it would silently drop a function or symbol)');
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch (cause) {
        throw new NotSerializableError('JSON', { cause });
      }
      if (text === undefined) throw new NotSerializableError('JSON (the value is undefined or a function)');
      return encoder.encode(text);
    },
    decode(bytes) {
      return JSON.parse(decoder.decode(bytes)) as T;
    },
  };
}

/** UTF-8 text; decoding rejects invalid UTF-8. */
export function textCodec(): Codec<string> {
  return {
    name: 'text',
    encode(value) {
      if (typeof value !== 'string') throw new NotSerializableError('the text codec (payload is not a string)');
      return encoder.encode(value);
    },
    decode(bytes) {
      return decoder.decode(bytes);
    },
  };
}

/** Raw bytes, passed through. */
export function bytesCodec(): Codec<Uint8Array> {
  return {
    name: 'bytes',
    encode(value) {
      if (!(value instanceof Uint8Array)) throw new NotSerializableError('the bytes codec (payload is not a Uint8Array)');
      return value;
    },
    decode(bytes) {
      return bytes;
    },
  };
}

/**
 * Structured-clone passthrough for transports that clone on their own (postMessage). `encode` checks the
 * value can be cloned, so a bad payload fails at publish with `not_serializable`, not later in the browser.
 */
export function cloneCodec<T = unknown>(options: { check?: boolean } = {}): Codec<T, T> {
  const check = options.check ?? true;
  return {
    name: 'structured-clone',
    encode(value) {
      if (check) assertCloneable(value);
      return value;
    },
    decode(value) {
      return value;
    },
  };
}

/** A deep copy through `structuredClone`, with `not_serializable` for values it cannot copy. */
export function cloneValue<T>(value: T): T {
  try {
    return structuredClone(value);
  } catch (cause) {
    throw new NotSerializableError('structuredClone', { cause });
  }
}

function assertCloneable(value: unknown): void {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol') throw new NotSerializableError(`structuredClone (a ${typeof value})`);
    return;
  }
  cloneValue(value);
}

/** Decodes with `codec`, turning any failure into a {@link DecodeError}. */
export function decodeWith<T, W>(codec: Codec<T, W>, wire: W, subject: string): T {
  try {
    return codec.decode(wire);
  } catch (cause) {
    throw new DecodeError(subject, codec.name, { cause });
  }
}
