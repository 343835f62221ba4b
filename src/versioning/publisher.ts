/**
 * The sending side: every message on a versioned subject carries its schema version.
 * @module
 */
import type { PublishOptions, Publisher } from '../core/interfaces.js';
import type { AnyTopics, PayloadOf, PublishSubject, TopicMap } from '../core/topics.js';
import { SCHEMA_VERSION_HEADER, SchemaLookup, type SchemaVersions } from './versions.js';

/**
 * A Publisher that sets the `isoflux-schema-version` header of each message on a subject of `versions` to
 * that subject's version, then publishes through `target` (any transport, the outbox too: the header is
 * stored with the entry and sent on every attempt). Other subjects pass untouched.
 */
export function versionedPublisher<M extends TopicMap = AnyTopics, O extends PublishOptions = PublishOptions>(
  target: Publisher<M, O>,
  versions: SchemaVersions,
): Publisher<M, O> {
  const lookup = new SchemaLookup(versions);
  return {
    publish<S extends PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options?: O): Promise<void> {
      const schema = lookup.of(subject);
      if (schema === undefined) return target.publish(subject, payload, options);
      return target.publish(subject, payload, {
        ...options,
        headers: { ...options?.headers, [SCHEMA_VERSION_HEADER]: String(schema.version) },
      } as unknown as O);
    },
  };
}
