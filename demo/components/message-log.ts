/**
 * A live log of received messages, newest first, capped so a long session does not grow the DOM forever.
 * @module
 */
import type { Message } from '../../src/index.js';
import { frameScheduler, h, preview } from './dom.js';

/** Options of {@link MessageLog}. */
export interface MessageLogOptions {
  /** Rows kept on screen (default 100); the total count keeps counting. */
  readonly limit?: number;
}

/** Shows messages as they arrive; `add` is cheap (rows are rendered once per animation frame). */
export class MessageLog {
  /** The log's root element, to place in a panel. */
  readonly element: HTMLElement;
  readonly #rows: HTMLOListElement;
  readonly #count: HTMLElement;
  readonly #limit: number;
  #incoming: Array<{ message: Message<unknown>; at: Date }> = [];
  #total = 0;
  readonly #invalidate = frameScheduler(() => this.#render());

  constructor(options: MessageLogOptions = {}) {
    this.#limit = options.limit ?? 100;
    this.#rows = h('ol', { class: 'log-rows', 'data-testid': 'log-rows' });
    this.#count = h('span', { class: 'log-count', 'data-testid': 'log-count' }, '0');
    this.element = h(
      'div',
      { class: 'log' },
      h('div', { class: 'log-head' }, h('strong', {}, 'Live log'), h('span', {}, ' · messages received: '), this.#count),
      this.#rows,
      h('p', { class: 'log-empty' }, 'Nothing yet: publish something.'),
    );
  }

  /** Appends a message (shown at the next frame). */
  add(message: Message<unknown>): void {
    this.#total++;
    this.#incoming.push({ message, at: new Date() });
    if (this.#incoming.length > this.#limit) this.#incoming = this.#incoming.slice(-this.#limit);
    this.#invalidate();
  }

  #render(): void {
    const fresh = this.#incoming.reverse().map(({ message, at }) => this.#row(message, at));
    this.#incoming = [];
    this.#rows.prepend(...fresh);
    while (this.#rows.childElementCount > this.#limit) this.#rows.lastElementChild?.remove();
    this.#count.textContent = String(this.#total);
    this.element.classList.toggle('has-rows', this.#total > 0);
  }

  #row(message: Message<unknown>, at: Date): HTMLLIElement {
    const time = at.toISOString().slice(11, 23);
    return h(
      'li',
      { 'data-testid': 'log-row', title: `id ${message.id}` },
      h('time', {}, time),
      h('span', { class: 'subject' }, message.subject),
      h('code', { class: 'payload' }, preview(message.payload)),
    );
  }
}
