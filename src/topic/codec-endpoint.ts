/**
 * A publisher and subscriber that share a codec: typed payloads in and out, wire values on the transport.
 * @module
 */
import { type Codec, decodeWith } from '../core/codec.js';
import { DecodeError, InvalidArgumentError } from '../core/errors.js';
import type { Consumer, Handler, PublishOptions, Publisher, SubscribeOptions, Subscriber, Subscription } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import type { AnyTopics } from '../core/topics.js';
import { BufferedSubscription } from '../core/subscription.js';
import { deriveMessage } from '../middleware/derived-message.js';

/** What {@link withCodec} returns: every subject carries `T`. */
export type CodecEndpoint<T, O extends PublishOptions = PublishOptions> = Publisher<Record<string, T>, O> & Subscriber<Record<string, T>>;

/** An untyped endpoint: it carries the codec's wire values (bytes for network transports). */
type WireEndpoint<O extends PublishOptions> = Publisher<AnyTopics, O> & Subscriber<AnyTopics>;

/**
 * Publishes `codec.encode(payload)` and hands subscribers `codec.decode(wire)`, over any endpoint: one
 * codec for both sides, so they cannot drift apart. An encode failure rejects the publish (nothing is
 * sent). A message that cannot be decoded is `term`ed (retrying cannot fix it), not handed on, and
 * reported as a `DecodeError` through the subscription's `onError`. A subscription without a handler
 * decodes through a second buffer of the same size (so up to twice `bufferSize` messages wait); its
 * overflow policy and backpressure apply as usual.
 */
export function withCodec<T, W, O extends PublishOptions = PublishOptions>(endpoint: WireEndpoint<O>, codec: Codec<T, W>): CodecEndpoint<T, O> {
  if (typeof endpoint?.publish !== 'function' || typeof endpoint.subscribe !== 'function') throw new InvalidArgumentError('endpoint must be a Publisher and Subscriber');
  if (typeof codec?.encode !== 'function' || typeof codec.decode !== 'function') throw new InvalidArgumentError('codec must have encode() and decode()');

  const decoded = async (message: Message<unknown>): Promise<Message<T>> => {
    try {
      return deriveMessage(message, { payload: decodeWith(codec, message.payload as W, message.subject) });
    } catch (error) {
      if (error instanceof DecodeError && !message.settled) await message.term(error.message);
      throw error;
    }
  };

  function subscribe(pattern: string, handler: Handler<T>, options?: SubscribeOptions): Subscription<T>;
  function subscribe(pattern: string, options?: SubscribeOptions): Subscription<T> & Consumer<T>;
  function subscribe(pattern: string, handlerOrOptions?: Handler<T> | SubscribeOptions, maybeOptions?: SubscribeOptions): Subscription<T> {
    if (typeof handlerOrOptions === 'function') {
      const handler = handlerOrOptions;
      return endpoint.subscribe(pattern, async (m: Message<unknown>) => handler(await decoded(m)), maybeOptions) as unknown as Subscription<T>;
    }
    const options = handlerOrOptions;
    let outer: BufferedSubscription<T> | undefined;
    const wire = endpoint.subscribe(pattern, async (m: Message<unknown>) => outer?.deliver(await decoded(m), undefined, options?.signal), options);
    outer = new BufferedSubscription<T>(pattern, undefined, options, { onClose: () => wire.unsubscribe(), ready: wire.ready });
    const reader = outer;
    void wire.closed.then(() => reader.unsubscribe());
    return reader.start();
  }

  return {
    publish: (subject: string, payload: T, options?: O) => {
      let wire: W;
      try {
        wire = codec.encode(payload);
      } catch (error) {
        return Promise.reject(error);
      }
      return endpoint.publish(subject, wire, options);
    },
    subscribe,
  } as CodecEndpoint<T, O>;
}
