/**
 * The argument handling every transport's `subscribe` shares, so each checks the same things the same way.
 * @module
 */
import type { Handler, OverflowPolicy, SubscribeOptions } from './interfaces.js';
import { assertQueueName, assertSubject, type AssertSubjectOptions } from './subject.js';
import { InvalidArgumentError } from './errors.js';

const PATTERN = { wildcards: true } as const;
const POLICIES: ReadonlySet<OverflowPolicy> = new Set(['block', 'drop-newest', 'drop-oldest', 'disconnect']);

/** Validates subscribe options and fills in defaults. */
export function resolveSubscribeOptions(options: SubscribeOptions = {}): Required<Pick<SubscribeOptions, 'bufferSize' | 'overflow' | 'maxConsecutiveDrops'>> {
  const { bufferSize = 1024, overflow = 'block', maxConsecutiveDrops = 100 } = options;
  if (!Number.isInteger(bufferSize) || bufferSize < 1) throw new InvalidArgumentError(`bufferSize must be a positive integer, got ${String(bufferSize)}`);
  if (!POLICIES.has(overflow)) throw new InvalidArgumentError(`overflow must be one of ${[...POLICIES].join(', ')}, got ${String(overflow)}`);
  if (!Number.isInteger(maxConsecutiveDrops) || maxConsecutiveDrops < 1) throw new InvalidArgumentError(`maxConsecutiveDrops must be a positive integer, got ${String(maxConsecutiveDrops)}`);
  return { bufferSize, overflow, maxConsecutiveDrops };
}

/** A `subscribe` call's arguments, checked. */
export interface SubscribeArguments<T, O extends SubscribeOptions> {
  readonly handler: Handler<T> | undefined;
  /** The caller's options, with the transport's default `onError` filled in when the caller gave none. */
  readonly options: O | undefined;
}

/**
 * Splits `subscribe(pattern, handler?, options?)` / `subscribe(pattern, options?)` and checks everything
 * before the transport touches its routing table or the network: the pattern (`invalid_subject`), the
 * buffer options and the queue name (`invalid_argument`). `subjectRules` are the transport's subject limits
 * and stricter rules (see {@link AssertSubjectOptions}).
 */
export function subscribeArguments<T, O extends SubscribeOptions>(
  pattern: string,
  handlerOrOptions: Handler<T> | O | undefined,
  maybeOptions: O | undefined,
  defaultOnError?: SubscribeOptions['onError'],
  subjectRules?: Omit<AssertSubjectOptions, 'wildcards'>,
): SubscribeArguments<T, O> {
  const handler = typeof handlerOrOptions === 'function' ? handlerOrOptions : undefined;
  const given = typeof handlerOrOptions === 'function' ? maybeOptions : handlerOrOptions;
  assertSubject(pattern, subjectRules === undefined ? PATTERN : { ...subjectRules, wildcards: true });
  resolveSubscribeOptions(given);
  if (given?.queue !== undefined) assertQueueName(given.queue);
  const options = given?.onError || !defaultOnError ? given : ({ ...given, onError: defaultOnError } as O);
  return { handler, options };
}
