/**
 * The receiving side: hands each handler the payload in this build's schema version, or reports why not.
 * @module
 */
import type { Handler, Middleware } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import { deriveMessage } from '../middleware/derived-message.js';
import { invoke } from '../middleware/settle.js';
import { VersionMismatchError } from './errors.js';
import { SCHEMA_VERSION_HEADER, SchemaLookup, type SchemaVersions, type SubjectSchema } from './versions.js';

/** Options of {@link versioned}. */
export interface VersionedOptions {
  /**
   * The version of a message that carries no version header (default 1: what an app sent before it
   * versioned its messages).
   */
  unversioned?: number;
  /**
   * Called instead of throwing for a message this build cannot read; the message is not handed to the
   * handler. Settle it here if the transport acknowledges (e.g. `term()`, or `nak()` so a newer build in the
   * same queue group takes it). Default: throw the `VersionMismatchError`, so the subscription's `onError`
   * gets it (and JetStream, in `auto` ack mode, redelivers it).
   */
  onMismatch?: (error: VersionMismatchError, message: Message<unknown>) => unknown;
}

/** The payload of `message` brought from version `from` to `schema.version`, or the mismatch. */
function upcast(message: Message<unknown>, from: number, schema: SubjectSchema): unknown {
  if (from > schema.version) throw new VersionMismatchError(message.subject, from, schema.version, 'newer');
  let payload = message.payload;
  for (let v = from; v < schema.version; v++) {
    const step = schema.upcast?.[v];
    if (step === undefined) throw new VersionMismatchError(message.subject, from, schema.version, 'no_upcaster');
    try {
      payload = step(payload, message);
    } catch (cause) {
      throw new VersionMismatchError(message.subject, from, schema.version, 'upcast_failed', { cause });
    }
  }
  return payload;
}

/**
 * Middleware: a message on a subject of `versions` reaches the handler in this build's version — as sent,
 * or upcast through the subject's `upcast` chain (the handler sees the version header set to its own) — or
 * not at all: written by a newer build, with a gap in the chain, an upcaster that threw, or a malformed
 * header, it is reported as a `VersionMismatchError` (code `version_mismatch`) and never decoded as the
 * wrong version. Subjects outside `versions` pass untouched. Costs one header read per message and one
 * derived message per upcast.
 */
export function versioned(versions: SchemaVersions, options: VersionedOptions = {}): Middleware {
  const lookup = new SchemaLookup(versions);
  const unversioned = options.unversioned ?? 1;
  return <T>(next: Handler<T>): Handler<T> =>
    (message) => {
      const schema = lookup.of(message.subject);
      if (schema === undefined) return next(message);
      const header = message.headers[SCHEMA_VERSION_HEADER];
      const from = header === undefined ? unversioned : /^[1-9]\d{0,8}$/.test(header) ? Number(header) : undefined;
      if (from === schema.version) return next(message);
      let payload: unknown;
      try {
        if (from === undefined) throw new VersionMismatchError(message.subject, undefined, schema.version, 'invalid', { header });
        payload = upcast(message as Message<unknown>, from, schema);
      } catch (error) {
        if (!(error instanceof VersionMismatchError) || options.onMismatch === undefined) throw error;
        return invoke(() => options.onMismatch?.(error, message as Message<unknown>), message);
      }
      return next(deriveMessage(message, { payload: payload as T, headers: { ...message.headers, [SCHEMA_VERSION_HEADER]: String(schema.version) } }));
    };
}
