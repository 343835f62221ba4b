/**
 * The path of one NATS message into a subscription: decode, validate, deliver, in arrival order.
 * @module
 */
import type { Msg, MsgCallback } from '@nats-io/nats-core';
import type { Codec } from '../core/codec.js';
import { createMessage } from '../core/message.js';
import type { StandardSchemaV1 } from '../core/schema.js';
import type { Sink } from '../transport/driver.js';
import { refuse, SubscriptionRefusedError } from './refusal.js';
import { decodePayload, fromNatsHeaders } from './wire.js';

const ignore = (): void => undefined;

/** Called for a message that could not be decoded or validated (after it was reported), e.g. to answer a request. */
export type OnRejected = (msg: Msg, error: unknown) => void;

/**
 * The nats-core callback that feeds `sink`. A message that cannot be decoded or fails the schema
 * never reaches the handler: it is reported through `sink.reportError` (the subscriber's `onError`
 * and the `failed` counter) with the raw bytes as payload, handed to `onRejected`, and the subscription
 * keeps going. An asynchronous schema does not reorder messages: later ones wait for earlier validations.
 */
export function createReceiver(sink: Sink, codec: Codec<unknown>, schema: StandardSchemaV1 | undefined, onRejected?: OnRejected): MsgCallback<Msg> {
  let tail: Promise<void> | undefined;

  const deliver = (msg: Msg, headers: ReturnType<typeof fromNatsHeaders>, payload: unknown): void => {
    const wait = sink.deliver(createMessage({ subject: msg.subject, payload, headers: headers.headers, id: headers.id, replyTo: msg.reply || undefined }));
    // a `block` subscription parks the message in memory (NATS cannot be slowed down); at close it rejects
    if (wait !== undefined) wait.catch(ignore);
  };

  const reject = (msg: Msg, headers: ReturnType<typeof fromNatsHeaders>, error: unknown): void => {
    try {
      sink.reportError(error, createMessage({ subject: msg.subject, payload: msg.data, headers: headers.headers, id: headers.id, replyTo: msg.reply || undefined }));
    } finally {
      onRejected?.(msg, error);
    }
  };

  return (error, msg) => {
    if (error !== null) {
      // nats-core ends a subscription with an error only when the server refused it (a permissions violation)
      const reason = error.name === 'PermissionViolationError' ? 'permissions' : 'invalid_subject';
      void refuse(sink, new SubscriptionRefusedError(sink.pattern, reason, error.message, { cause: error }));
      return;
    }
    const headers = fromNatsHeaders(msg.headers);
    let decoded: unknown;
    try {
      decoded = decodePayload<unknown>(codec, schema, msg.data, msg.subject);
    } catch (e) {
      reject(msg, headers, e);
      return;
    }
    if (tail === undefined && !(decoded instanceof Promise)) return deliver(msg, headers, decoded);
    // settle now (so a rejection is never unobserved), act after every earlier message was delivered
    const outcome = Promise.resolve(decoded).then(
      (payload) => () => deliver(msg, headers, payload),
      (e: unknown) => () => reject(msg, headers, e),
    );
    // an onError that throws must not break the chain for later messages
    const step = (tail ?? Promise.resolve()).then(() => outcome).then((act) => act()).catch(ignore);
    tail = step;
    void step.then(() => {
      if (tail === step) tail = undefined;
    });
  };
}
