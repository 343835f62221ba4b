/**
 * Resume after reload, with a gap signal: a JetStream subscription that persists the last stream sequence
 * it processed (a {@link ResumeStore}: IndexedDB in browsers) and, on the next load, replays from the one
 * after it. When the stream no longer holds that sequence (discarded by `max_msgs`, `max_bytes`, `max_age`
 * …) the app gets a typed `gap` with the missing range instead of a silent skip. Built on the public
 * `JetStreamSubscriber` (replay from a sequence) and the stream info of the JetStream manager.
 * @module
 */
import { IsofluxError } from '../core/errors.js';
import type { Handler, Subscription } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import { indexedDbResumeStore, type ResumeStore } from './resume-store.js';
import type { JetStreamSource } from './source.js';
import { createJetStreamSubscriber, type JetStreamSubscriber, type JetStreamSubscriberOptions, type JetStreamSubscribeOptions } from './subscriber.js';

/**
 * Messages the subscription will never see. `discarded`: sequences `from`…`to` (inclusive) left the stream
 * before they were processed; with a filtered subscription some of them may have carried other subjects
 * (JetStream cannot tell once they are gone). `reset`: the stream ends before the saved position (deleted
 * and created again, or restored from an older backup): everything after `lastProcessed` in the old stream
 * is unknown, and the subscription starts again from the stream's first message.
 */
export type ResumeGap =
  | { readonly type: 'gap'; readonly reason: 'discarded'; readonly stream: string; readonly key: string; readonly from: number; readonly to: number }
  | { readonly type: 'gap'; readonly reason: 'reset'; readonly stream: string; readonly key: string; readonly lastProcessed: number; readonly streamLastSequence: number };

/** A {@link ResumeGap} reported as an error, to `onError`, when the subscription has no `onGap`. */
export class JetStreamGapError extends IsofluxError {
  constructor(readonly gap: ResumeGap) {
    const what = gap.reason === 'discarded' ? `stream sequences ${gap.from}…${gap.to} were discarded (limits or age) before subscription ${JSON.stringify(gap.key)} processed them` : `stream ${JSON.stringify(gap.stream)} ends at ${gap.streamLastSequence}, before the saved position ${gap.lastProcessed} (it was recreated): starting again from its first message`;
    super('dropped', `${what}. Pass onGap to handle gaps (reload a snapshot, tell the user).`);
  }
}

/** Options of {@link createResumableSubscriber}. */
export interface ResumableSubscriberOptions extends JetStreamSubscriberOptions {
  /** Where positions are kept (default: IndexedDB where it exists; elsewhere pass one). */
  store?: ResumeStore;
}

/** Options of one resumable subscription. `deliver` applies only when no position was saved yet (default `all`). */
export interface ResumableSubscribeOptions extends JetStreamSubscribeOptions {
  /** Names this reader's position in the store; one key per subscription that must resume on its own. */
  key: string;
  /** Called (before the next message is handled) with every gap; without it gaps go to `onError` as {@link JetStreamGapError}. */
  onGap?: (gap: ResumeGap) => void;
}

/** A running resumable subscription. */
export interface Resumed<T> {
  readonly subscription: Subscription<T>;
  /** The saved position it resumed after (undefined: none was saved, it started at `deliver`). */
  readonly resumedAfter: number | undefined;
  /** The highest sequence below which every delivered message was processed (what is, or will be, saved). */
  readonly position: number | undefined;
  /** Resolves once the current position is saved. */
  flush(): Promise<void>;
}

/** Subscriptions that resume from their saved stream sequence. */
export class ResumableSubscriber {
  /** The JetStream subscriber underneath (close it with this one). */
  readonly subscriber: JetStreamSubscriber;
  readonly #options: ResumableSubscriberOptions;
  readonly #store: ResumeStore;

  constructor(source: JetStreamSource, options: ResumableSubscriberOptions) {
    this.subscriber = createJetStreamSubscriber(source, options);
    this.#options = options;
    this.#store = options.store ?? indexedDbResumeStore();
  }

  /**
   * Subscribes `pattern` after the position saved under `options.key` (reporting a gap first when the stream
   * lost what came next), and saves the position as messages are processed: a message counts once its
   * handler returned, and the saved position never passes a message still waiting for redelivery.
   * At-least-once: the messages processed since the last save are delivered again after a crash.
   */
  async subscribe<T = unknown>(pattern: string, handler: Handler<T>, options: ResumableSubscribeOptions): Promise<Resumed<T>> {
    const { key, onGap, ...subscribeOptions } = options;
    if (typeof key !== 'string' || key.length === 0) throw new IsofluxError('invalid_argument', 'subscribe: options.key must name the position to resume (a non-empty string)');
    const stream = this.#options.stream;
    const report = (gap: ResumeGap): void => (onGap ?? ((g) => (options.onError ?? console.error)(new JetStreamGapError(g))))(gap);
    const jsm = await this.subscriber.jetstream.jetstreamManager();
    const firstAndLast = async (): Promise<{ first: number; last: number }> => {
      const { state } = await jsm.streams.info(stream);
      return { first: state.first_seq, last: state.last_seq };
    };
    const saved = await this.#store.load(key);
    const now = await firstAndLast();
    let expected = saved === undefined ? 0 : saved + 1;
    let deliver = subscribeOptions.deliver;
    if (saved !== undefined) {
      if (saved > now.last) {
        report({ type: 'gap', reason: 'reset', stream, key, lastProcessed: saved, streamLastSequence: now.last });
        deliver = 'all';
        expected = 0;
      } else {
        if (now.first > expected) report({ type: 'gap', reason: 'discarded', stream, key, from: expected, to: now.first - 1 });
        expected = Math.max(expected, now.first);
        deliver = { sequence: expected };
      }
    }
    const position = new Position(saved, (sequence) => this.#store.save(key, sequence));
    const maxAttempts = subscribeOptions.maxAttempts ?? this.#options.maxAttempts;
    const isRetryable = subscribeOptions.isRetryable ?? this.#options.isRetryable;
    const wrapped = async (message: Message<T>): Promise<void> => {
      const sequence = message.delivery.sequence;
      if (sequence === undefined) return void (await handler(message));
      // A jump past the next expected sequence: other subjects (filtered), or messages the stream discarded.
      if (expected > 0 && sequence > expected) {
        const { first } = await firstAndLast();
        if (first > expected) report({ type: 'gap', reason: 'discarded', stream, key, from: expected, to: Math.min(first, sequence) - 1 });
      }
      expected = Math.max(expected, sequence + 1);
      position.delivered(sequence);
      try {
        await handler(message);
      } catch (error) {
        // the last allowed delivery (or a non-retryable error) is dead-lettered, never redelivered: it must not hold the position back
        if ((maxAttempts !== undefined && message.delivery.attempt >= maxAttempts) || isRetryable?.(error) === false) position.processed(sequence);
        throw error;
      }
      position.processed(sequence);
    };
    const subscription = this.subscriber.subscribe(pattern, wrapped as Handler<unknown>, { ...subscribeOptions, ...(deliver === undefined ? {} : { deliver }) }) as Subscription<T>;
    void subscription.closed.then(() => position.flush());
    return {
      subscription,
      resumedAfter: saved,
      get position() {
        return position.current;
      },
      flush: () => position.flush(),
    };
  }

  /** Ends every subscription (positions already saved stay saved). */
  close(): Promise<void> {
    return this.subscriber.close();
  }
}

/** The low watermark of processed sequences, saved one write at a time (the newest value wins). */
class Position {
  readonly #outstanding = new Set<number>();
  readonly #save: (sequence: number) => Promise<void>;
  #done: number | undefined;
  #saved: number | undefined;
  #writing: Promise<void> = Promise.resolve();
  #queued = false;

  constructor(saved: number | undefined, save: (sequence: number) => Promise<void>) {
    this.#done = this.#saved = saved;
    this.#save = save;
  }

  get current(): number | undefined {
    if (this.#outstanding.size === 0) return this.#done;
    const lowest = Math.min(...this.#outstanding) - 1;
    return this.#done === undefined ? undefined : Math.min(lowest, this.#done);
  }

  delivered(sequence: number): void {
    this.#outstanding.add(sequence);
  }

  processed(sequence: number): void {
    this.#outstanding.delete(sequence);
    if (this.#done === undefined || sequence > this.#done) this.#done = sequence;
    if (!this.#queued) {
      this.#queued = true;
      this.#writing = this.#writing.then(() => this.#write());
    }
  }

  async #write(): Promise<void> {
    this.#queued = false;
    const value = this.current;
    if (value === undefined || (this.#saved !== undefined && value <= this.#saved)) return;
    await this.#save(value).then(
      () => void (this.#saved = value),
      (error: unknown) => console.error('[isoflux] could not save the resume position:', error),
    );
  }

  flush(): Promise<void> {
    this.#writing = this.#writing.then(() => this.#write());
    return this.#writing;
  }
}

/** A subscriber whose subscriptions resume after reload from a saved stream sequence; see {@link ResumableSubscriber}. */
export function createResumableSubscriber(source: JetStreamSource, options: ResumableSubscriberOptions): ResumableSubscriber {
  return new ResumableSubscriber(source, options);
}
