/**
 * Typed topic maps: one bus carries many payload types, checked at compile time.
 *
 * ```ts
 * type Topics = { 'orders.created': Order; 'orders.*.shipped': Shipment; 'log.>': string };
 * bus.publish('orders.created', order);        // payload must be an Order
 * bus.publish('orders.42.shipped', shipment);   // matches 'orders.*.shipped'
 * bus.subscribe('orders.>', (m) => m.payload);  // Order | Shipment
 * ```
 * @module
 */

/** A map from subject patterns (NATS syntax) to payload types. */
export type TopicMap = Record<string, unknown>;

/** The map used when a bus is not given one: every subject, payload `unknown`. */
export type AnyTopics = Record<string, unknown>;

type TokenTemplate<T extends string> = T extends '*' | '>' ? string : T;

/** The template-literal type of the subjects a pattern matches (`orders.*` → `orders.${string}`). */
export type SubjectTemplate<P extends string> = string extends P
  ? string
  : P extends `${infer Head}.${infer Rest}`
    ? `${TokenTemplate<Head>}.${SubjectTemplate<Rest>}`
    : TokenTemplate<P>;

type Keys<M> = keyof M & string;

/** Every literal subject a topic map allows publishing to. */
export type PublishSubject<M extends TopicMap> = { [K in Keys<M>]: SubjectTemplate<K> }[Keys<M>];

type TokenOverlap<A extends string, B extends string> = A extends '*' ? true : B extends '*' ? true : A extends B ? true : false;

/**
 * True when some literal subject matches both patterns, compared token by token (`*` = one token, `>` =
 * one or more), so `orders.*` does not overlap `orders.eu.shipped`.
 */
export type PatternsOverlap<A extends string, B extends string> = A extends '>'
  ? true
  : B extends '>'
    ? true
    : A extends `${infer AH}.${infer AR}`
      ? B extends `${infer BH}.${infer BR}`
        ? TokenOverlap<AH, BH> extends true
          ? PatternsOverlap<AR, BR>
          : false
        : false
      : B extends `${string}.${string}`
        ? false
        : TokenOverlap<A, B>;

/** The payload type for publishing to the literal subject `S`. */
export type PayloadOf<M extends TopicMap, S extends string> = string extends Keys<M>
  ? M[string]
  : { [K in Keys<M>]: PatternsOverlap<K, S> extends true ? M[K] : never }[Keys<M>];

/** The payload type a subscription to pattern `P` receives: every topic the pattern can overlap. */
export type PatternPayload<M extends TopicMap, P extends string> = string extends Keys<M>
  ? M[string]
  : { [K in Keys<M>]: PatternsOverlap<K, P> extends true ? M[K] : never }[Keys<M>];

/** `P` itself when it can receive a topic of `M`; `never` (a compile error at the call) otherwise. */
export type SubscribePattern<M extends TopicMap, P extends string> = [PatternPayload<M, P>] extends [never] ? never : P;
