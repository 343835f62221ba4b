/**
 * One subscriber with a deliberately slow handler and a given overflow policy, shown as a card with live
 * counters. Works on any transport's Subscriber: every transport buffers through the core's
 * BufferedSubscription, so the policies behave the same everywhere.
 * @module
 */
import type { OverflowPolicy, Subscriber, Subscription } from '../../src/index.js';
import { describeError, frameScheduler, h, preview } from './dom.js';

/** Options of {@link PolicyLane}. */
export interface PolicyLaneOptions {
  readonly subscriber: Subscriber;
  readonly pattern: string;
  readonly policy: OverflowPolicy;
  /** What the policy does, in a few words. */
  readonly description: string;
  readonly bufferSize: number;
  /** For `disconnect`. */
  readonly maxConsecutiveDrops?: number;
  /** How long the handler takes per message. */
  readonly handlerDelayMs: number;
  /** Ends the lane's subscription. */
  readonly signal: AbortSignal;
}

const STATS = ['delivered', 'dropped', 'pending'] as const;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A subscription and its card. `restart()` replaces it with a fresh one (counters from zero). */
export class PolicyLane {
  /** The card, to place in a panel. */
  readonly element: HTMLElement;
  /** Re-renders the counters at the next frame; call after publishing (pending counts change without a callback). */
  readonly invalidate = frameScheduler(() => this.#render());
  readonly #options: PolicyLaneOptions;
  readonly #cells: Record<(typeof STATS)[number], HTMLElement>;
  readonly #last = h('code', { 'data-stat': 'last' }, '–');
  readonly #status = h('span', { class: 'lane-status', 'data-stat': 'status' }, 'live');
  #subscription: Subscription | undefined;
  #closedBy: string | undefined;
  #lastPayload: unknown;
  /** Drops by the overflow policy, and messages still buffered when the subscription closed (both in `dropped`). */
  #policyDrops = 0;
  #closeDrops = 0;
  readonly #dropNote = h('p', { class: 'lane-note', 'data-stat': 'drop-note', hidden: '' });

  /** The live subscription (a new one after each `restart()`). */
  get subscription(): Subscription {
    return this.#subscription as Subscription;
  }

  constructor(options: PolicyLaneOptions) {
    this.#options = options;
    this.#cells = { delivered: h('dd', { 'data-stat': 'delivered' }, '0'), dropped: h('dd', { 'data-stat': 'dropped' }, '0'), pending: h('dd', { 'data-stat': 'pending' }, '0') };
    const limits = [`buffer ${options.bufferSize}`, `handler ${options.handlerDelayMs} ms`];
    if (options.policy === 'disconnect') limits.push(`${options.maxConsecutiveDrops ?? 100} drops in a row`);
    this.element = h(
      'article',
      { class: 'lane', 'data-testid': 'lane', 'data-policy': options.policy },
      h('header', {}, h('h3', {}, options.policy), this.#status),
      h('p', { class: 'lane-description' }, options.description),
      h('p', { class: 'lane-limits' }, limits.join(' · ')),
      h('dl', {}, ...STATS.flatMap((name) => [h('dt', {}, name), this.#cells[name]])),
      this.#dropNote,
      h('p', { class: 'lane-last' }, 'last handled: ', this.#last),
    );
    this.restart();
    options.signal.addEventListener('abort', () => void this.#subscription?.unsubscribe(), { once: true });
  }

  /** Ends the current subscription and starts a fresh one. */
  restart(): void {
    void this.#subscription?.unsubscribe();
    const { subscriber, pattern, policy, bufferSize, maxConsecutiveDrops, handlerDelayMs } = this.#options;
    this.#closedBy = undefined;
    this.#lastPayload = undefined;
    this.#policyDrops = 0;
    this.#closeDrops = 0;
    const subscription: Subscription = subscriber.subscribe(
      pattern,
      async (message) => {
        this.#lastPayload = message.payload;
        this.invalidate();
        await sleep(handlerDelayMs);
        this.invalidate();
      },
      {
        overflow: policy,
        bufferSize,
        maxConsecutiveDrops,
        onDrop: (_message, reason) => {
          if (this.#subscription !== subscription) return;
          if (reason === 'closed') this.#closeDrops++;
          else this.#policyDrops++;
          this.invalidate();
        },
        // The handler never throws; what arrives here is the disconnect policy's slow_consumer, shown on the card.
        onError: () => this.invalidate(),
      },
    );
    this.#subscription = subscription;
    void subscription.closed.then((reason) => {
      if (reason !== undefined && this.#subscription === subscription) this.#closedBy = describeError(reason).code;
      this.invalidate();
    });
    this.invalidate();
  }

  #render(): void {
    const subscription = this.#subscription;
    if (subscription === undefined) return;
    const stats = subscription.stats;
    for (const name of STATS) this.#cells[name].textContent = String(stats[name]);
    this.#cells.dropped.classList.toggle('some', stats.dropped > 0);
    this.#last.textContent = this.#lastPayload === undefined ? '–' : preview(this.#lastPayload, 40);
    const status = subscription.isClosed ? `closed${this.#closedBy ? `: ${this.#closedBy}` : ''}` : 'live';
    this.#status.textContent = status;
    // `dropped` counts both; say so when they differ, or the card disagrees with "N drops in a row"
    this.#dropNote.hidden = this.#closeDrops === 0;
    this.#dropNote.textContent = `${stats.dropped} dropped = ${this.#policyDrops} by the policy + ${this.#closeDrops} still in the buffer when it closed`;
    this.element.classList.toggle('closed', subscription.isClosed);
  }
}
