/**
 * The facade's subject check: the transport's rules applied to every literal subject, with a bounded cache so
 * a burst to one subject (or a working set of subjects) is checked once.
 * @module
 */
import { assertSubject, type AssertSubjectOptions } from '../core/subject.js';

/** Checked subjects kept; the cache is cleared when full, so memory stays bounded whatever the traffic. */
const CACHE_LIMIT = 1024;

/** Not a string: an unset `last` never equals a subject, not even `undefined`. */
const NONE: unique symbol = Symbol('none');

/** Checks literal subjects against one transport's rules. */
export class SubjectCheck {
  /** The last subject that passed: the facade compares against it before calling {@link literal}. */
  last: string | typeof NONE = NONE;
  readonly #rules: AssertSubjectOptions;
  #passed = new Set<string>();

  constructor(rules: Omit<AssertSubjectOptions, 'wildcards'> | undefined) {
    this.#rules = { ...rules, wildcards: false };
    // a bad limit is refused now, not at the first publish
    if (rules !== undefined) assertSubject('limits.check', this.#rules);
  }

  /** Throws `invalid_subject` unless `subject` is a literal subject this transport accepts; no caching (for a driver that caches routes itself). */
  assert(subject: string): void {
    assertSubject(subject, this.#rules);
  }

  /** Like {@link assert}, remembering what passed (and `last`), so a subject is checked once. */
  literal(subject: string): void {
    if (!this.#passed.has(subject)) {
      assertSubject(subject, this.#rules);
      if (this.#passed.size >= CACHE_LIMIT) this.#passed = new Set();
      this.#passed.add(subject);
    }
    this.last = subject;
  }
}
