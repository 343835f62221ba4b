/**
 * Which PostgreSQL channel a subject travels on. Subjects never become SQL identifiers: a channel name is
 * the bus namespace, optionally followed by a hash of the subject's leading tokens, so hostile subjects
 * (quotes, semicolons, unicode, any length) can neither inject SQL nor hit PostgreSQL's 63-byte identifier
 * truncation. The real subject travels inside the payload envelope and is matched locally; a hash collision
 * therefore only costs traffic, never a wrong delivery.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import { PartitionUnsupportedError } from './errors.js';

/** A namespace must be a plain lower-case identifier that leaves room for a partition hash (≤ 40 bytes). */
const NAMESPACE = /^[a-z_][a-z0-9_]{0,39}$/;

/** Throws `invalid_argument` unless `namespace` is usable as a channel name on its own and with a hash suffix. */
export function checkNamespace(namespace: unknown): string {
  if (typeof namespace !== 'string' || !NAMESPACE.test(namespace)) {
    throw new InvalidArgumentError(`namespace must match ${NAMESPACE.source} (a lower-case SQL identifier of at most 40 bytes), got ${JSON.stringify(namespace)}`);
  }
  return namespace;
}

/** Throws `invalid_argument` unless `n` is a whole number of tokens ≥ 0. */
export function checkPartitionTokens(n: unknown): number {
  if (!Number.isInteger(n) || (n as number) < 0) throw new InvalidArgumentError(`partitionTokens must be an integer ≥ 0, got ${String(n)}`);
  return n as number;
}

/**
 * cyrb53: a fast, well-mixed 53-bit string hash that needs no async crypto API (so subscribe and publish
 * stay synchronous up to the query). Not cryptographic; collisions only merge two channels' traffic.
 */
function hash53(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** Maps subjects and patterns to channel names for one bus configuration. */
export class ChannelMap {
  constructor(
    readonly namespace: string,
    readonly partitionTokens: number,
  ) {}

  /** The channel a literal (valid) subject is published on. */
  forSubject(subject: string): string {
    if (this.partitionTokens === 0) return this.namespace;
    let end = -1;
    for (let i = 0; i < this.partitionTokens; i++) {
      end = subject.indexOf('.', end + 1);
      if (end === -1) break;
    }
    return this.#partition(end === -1 ? subject : subject.slice(0, end));
  }

  /**
   * The one channel every subject matching `pattern` (valid) is published on. Throws `unsupported` when the
   * pattern has a wildcard within the partition tokens: its subjects would be spread over unboundedly many
   * channels.
   */
  forPattern(pattern: string): string {
    if (this.partitionTokens === 0) return this.namespace;
    const tokens = pattern.split('.');
    const lead = tokens.slice(0, this.partitionTokens);
    if (lead.includes('*') || lead.includes('>')) throw new PartitionUnsupportedError(pattern, this.partitionTokens);
    // `a.b` with 3 partition tokens is a whole short subject: it is its own partition, like forSubject does
    return this.#partition(lead.join('.'));
  }

  #partition(key: string): string {
    return `${this.namespace}_${hash53(key)}`;
  }
}
