/**
 * Subjects named `domain.entity.event` (`shop.order.created`), built and checked in one place.
 * @module
 */
import { InvalidSubjectError } from '../core/errors.js';
import { assertSubject } from '../core/subject.js';

/** The three parts of an event subject. */
export interface EventSubjectParts {
  readonly domain: string;
  readonly entity: string;
  readonly event: string;
}

/** A pattern part: the name, or `*` when left out. */
type Part<P extends string | undefined> = P extends string ? P : '*';

/** The wildcard pattern for the given parts, e.g. `shop.order.*`. */
export type EventPattern<D extends string | undefined, E extends string | undefined, V extends string | undefined> = `${Part<D>}.${Part<E>}.${Part<V>}`;

const NAME = /^[A-Za-z0-9_-]+$/;

/** Throws `invalid_subject` unless `name` is one token of letters, digits, `_` or `-`. */
function checkName(kind: string, name: unknown): void {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new InvalidSubjectError(String(name), `an event subject's ${kind} must be one token of letters, digits, _ or - (no dots, wildcards or spaces)`);
  }
}

/** `domain.entity.event`, each part checked, with the literal type kept (`'shop.order.created'`). */
export function eventSubject<D extends string, E extends string, V extends string>(domain: D, entity: E, event: V): `${D}.${E}.${V}` {
  checkName('domain', domain);
  checkName('entity', entity);
  checkName('event', event);
  return `${domain}.${entity}.${event}`;
}

/**
 * The subscribe pattern for the parts given, `*` for each part left out: `{ entity: 'order' }` →
 * `*.order.*` (every event of every order in any domain).
 */
export function eventPattern<D extends string | undefined = undefined, E extends string | undefined = undefined, V extends string | undefined = undefined>(
  parts: { domain?: D; entity?: E; event?: V } = {},
): EventPattern<D, E, V> {
  const tokens = (['domain', 'entity', 'event'] as const).map((kind) => {
    const name = parts[kind];
    if (name === undefined) return '*';
    checkName(kind, name);
    return name;
  });
  return tokens.join('.') as EventPattern<D, E, V>;
}

/** Splits a literal `domain.entity.event` subject; throws `invalid_subject` for any other shape. */
export function parseEventSubject(subject: string): EventSubjectParts {
  assertSubject(subject, { wildcards: false });
  const [domain, entity, event, extra] = subject.split('.');
  if (event === undefined || extra !== undefined) throw new InvalidSubjectError(subject, 'an event subject has exactly three tokens: domain.entity.event');
  checkName('domain', domain);
  checkName('entity', entity);
  checkName('event', event);
  return { domain: domain as string, entity: entity as string, event };
}

/** The subjects of one domain; see {@link eventSubjects}. */
export interface DomainSubjects<D extends string> {
  readonly domain: D;
  /** `<domain>.<entity>.<event>`. */
  subject<E extends string, V extends string>(entity: E, event: V): `${D}.${E}.${V}`;
  /** The pattern within this domain, `*` for each part left out (`{}` → every event of the domain). */
  pattern<E extends string | undefined = undefined, V extends string | undefined = undefined>(parts?: { entity?: E; event?: V }): EventPattern<D, E, V>;
  /** Parses a subject of this domain; throws `invalid_subject` for another domain or shape. */
  parse(subject: string): EventSubjectParts;
}

/**
 * A builder for one domain's event subjects, so every name is made (and checked) the same way:
 * `const shop = eventSubjects('shop'); shop.subject('order', 'created')` → `'shop.order.created'`.
 */
export function eventSubjects<D extends string>(domain: D): DomainSubjects<D> {
  checkName('domain', domain);
  return {
    domain,
    subject: (entity, event) => eventSubject(domain, entity, event),
    pattern: (parts = {}) => eventPattern({ domain, ...parts }),
    parse(subject) {
      const parts = parseEventSubject(subject);
      if (parts.domain !== domain) throw new InvalidSubjectError(subject, `expected domain ${JSON.stringify(domain)}`);
      return parts;
    },
  };
}
