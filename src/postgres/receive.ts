/**
 * The path of one notification into the bus's subscriptions: parse the envelope, route by subject, decode,
 * validate, deliver — in arrival order.
 * @module
 */
import { decodeWith, type Codec } from '../core/codec.js';
import { createMessage, type Message } from '../core/message.js';
import { validate, type StandardSchemaV1 } from '../core/schema.js';
import type { SubjectTrie } from '../core/subject-trie.js';
import type { BufferedSubscription } from '../core/subscription.js';
import { bodyOf, parseEnvelope, type EnvelopeParts } from './envelope.js';
import { EnvelopeError } from './errors.js';

const ignore = (): void => undefined;

/** The default JSON codec, reading text: what `jsonCodec().decode` does after its UTF-8 decode. */
const JSON_TEXT: Codec<unknown, string> = { name: 'json', encode: (value) => JSON.stringify(value), decode: (text) => JSON.parse(text) as unknown };

/** What the receiver needs from its bus. */
export interface ReceiverContext {
  readonly routes: SubjectTrie<BufferedSubscription<unknown>>;
  readonly codec: Codec<unknown>;
  /**
   * True when `codec` is the bus's default JSON codec: a text body is then parsed straight from the
   * notification's text (no UTF-8 encode and strict decode in between: PostgreSQL text is well-formed).
   */
  readonly jsonText: boolean;
  readonly schema: StandardSchemaV1 | undefined;
  /** The channel a subject is published on by this bus's configuration. */
  readonly channelOf: (subject: string) => string;
  /** Told about notifications on the bus's channels that are not isoflux envelopes. Must not throw. */
  readonly onForeign: (error: EnvelopeError) => void;
}

/**
 * Returns the `onnotify` callback of a channel (it never throws into the `postgres` client). The payload is
 * decoded once per notification and shared by every matching subscription of this bus. A notification that
 * is not an isoflux envelope, or whose subject this bus would publish on another channel, goes to
 * `onForeign` as an {@link EnvelopeError}. A payload that cannot be decoded or fails the schema never
 * reaches a handler: each matching subscription reports it through its `onError` (and `failed` counter),
 * with the raw bytes as payload. An asynchronous schema does not reorder messages: later ones wait.
 */
export function createReceiver(channel: string, context: ReceiverContext): (text: string) => void {
  let tail: Promise<void> | undefined;

  const deliver = (envelope: EnvelopeParts, routes: readonly BufferedSubscription<unknown>[], payload: unknown): void => {
    if (routes.length === 0) return;
    const message = createMessage({ subject: envelope.subject, payload, headers: envelope.headers, id: envelope.id });
    for (let i = 0; i < routes.length; i++) {
      // NOTIFY cannot be slowed down: a `block` subscription parks the message in memory; at close it rejects
      const wait = (routes[i] as BufferedSubscription<unknown>).deliver(message);
      if (wait !== undefined) wait.catch(ignore);
    }
  };

  const reject = (envelope: EnvelopeParts, error: unknown): void => {
    const raw: Message<unknown> = createMessage({ subject: envelope.subject, payload: bodyOf(envelope), headers: envelope.headers, id: envelope.id });
    for (const route of context.routes.match(envelope.subject)) route.reportError(error, raw);
  };

  return (text) => {
    let envelope: EnvelopeParts;
    try {
      envelope = parseEnvelope(text, channel);
      const home = context.channelOf(envelope.subject);
      if (home !== channel) throw new EnvelopeError(channel, 'wrong_channel', `this bus publishes ${JSON.stringify(envelope.subject.slice(0, 200))} on channel ${home}`);
    } catch (error) {
      context.onForeign(error instanceof EnvelopeError ? error : new EnvelopeError(channel, 'not_an_envelope', String(error), { cause: error }));
      return;
    }
    const routes = context.routes.match(envelope.subject);
    if (routes.length === 0) return;
    let value: unknown;
    try {
      value = context.jsonText && envelope.text !== undefined ? decodeWith(JSON_TEXT, envelope.text, envelope.subject) : decodeWith(context.codec, bodyOf(envelope), envelope.subject);
    } catch (error) {
      return reject(envelope, error);
    }
    const schema = context.schema;
    // routes are looked up again at delivery: an asynchronous schema may finish after subscriptions changed
    if (schema === undefined && tail === undefined) return deliver(envelope, routes, value);
    const validated = schema === undefined ? value : validate(schema, value, envelope.subject);
    const step = Promise.all([tail, validated]).then(
      ([, payload]) => deliver(envelope, context.routes.match(envelope.subject), payload),
      (error: unknown) => reject(envelope, error),
    );
    tail = step;
    void step.then(() => {
      if (tail === step) tail = undefined;
    });
  };
}
