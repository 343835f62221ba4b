/**
 * The schema versions of an app's subjects: which version this build writes and reads, and how it brings
 * older versions up to it.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { Message } from '../core/message.js';
import { assertSubject, matchSubject } from '../core/subject.js';

/** The header that carries a message's schema version (a positive integer, as text). */
export const SCHEMA_VERSION_HEADER = 'isoflux-schema-version';

/** Turns a payload of version `n` into one of version `n + 1`. */
export type Upcaster = (payload: unknown, message: Message<unknown>) => unknown;

/** One subject's (or pattern's) schema. */
export interface SubjectSchema {
  /** The version this build writes and hands to its handlers (a positive integer). */
  readonly version: number;
  /** `upcast[n]` turns version n into n + 1; a receiver chains them from the message's version to its own. */
  readonly upcast?: Readonly<Record<number, Upcaster>>;
}

/** The schemas of an app, keyed by subject or pattern (`orders.*`, `billing.>`); the first match wins. */
export type SchemaVersions = Readonly<Record<string, SubjectSchema>>;

/** Finds the schema of a subject, with a small cache. */
export class SchemaLookup {
  readonly #entries: Array<[pattern: string, schema: SubjectSchema]>;
  readonly #cache = new Map<string, SubjectSchema | null>();

  constructor(versions: SchemaVersions) {
    this.#entries = Object.entries(versions);
    for (const [pattern, schema] of this.#entries) {
      assertSubject(pattern, { wildcards: true });
      if (!Number.isInteger(schema.version) || schema.version < 1)
        throw new InvalidArgumentError(`schema version of ${JSON.stringify(pattern)} must be a positive integer, got ${String(schema.version)}`);
    }
  }

  /** The schema `subject` falls under, if any. */
  of(subject: string): SubjectSchema | undefined {
    let found = this.#cache.get(subject);
    if (found === undefined) {
      found = this.#entries.find(([pattern]) => matchSubject(pattern, subject))?.[1] ?? null;
      if (this.#cache.size >= 1024) this.#cache.clear();
      this.#cache.set(subject, found);
    }
    return found ?? undefined;
  }
}
