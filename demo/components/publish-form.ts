/**
 * A publish form for any transport: subject + JSON payload. The payload text is decoded with the core JSON
 * codec, so bad input surfaces as the same typed errors (`decode_failed`, `invalid_subject` …) an app would
 * get, shown in the page with their `code`.
 * @module
 */
import { decodeWith, jsonCodec, type Publisher } from '../../src/index.js';
import { describeError, h } from './dom.js';

/** Options of {@link publishForm}. */
export interface PublishFormOptions {
  /** Where messages go: any transport's publisher. */
  readonly publisher: Publisher;
  /** Initial subject. */
  readonly subject: string;
  /** Initial payload (JSON text). */
  readonly payload: string;
  /** Extra buttons shown next to "Publish". */
  readonly actions?: ReadonlyArray<HTMLElement>;
  /** Said after "published to <subject>" when publish resolved (what the transport's resolve means). */
  readonly confirmed?: string;
  /** Called after each successful publish. */
  readonly onPublished?: () => void;
}

const codec = jsonCodec();
const encoder = new TextEncoder();

/** Builds the form. A rejected publish shows `code: message` in its alert line; the page keeps working. */
export function publishForm(options: PublishFormOptions): HTMLFormElement {
  const subject = h('input', { name: 'subject', value: options.subject, autocomplete: 'off', spellcheck: 'false', 'aria-label': 'Subject' });
  const payload = h('textarea', { name: 'payload', rows: '3', spellcheck: 'false', 'aria-label': 'JSON payload' }, options.payload);
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Publish');
  const status = h('p', { class: 'status', 'data-testid': 'publish-status', 'aria-live': 'polite' });
  const errorCode = h('code', { 'data-testid': 'publish-error-code' });
  const errorMessage = h('span', { 'data-testid': 'publish-error-message' });
  const alert = h('p', { class: 'error', role: 'alert', 'data-testid': 'publish-error', hidden: '' }, errorCode, ' ', errorMessage);

  const form = h(
    'form',
    { class: 'publish', 'data-testid': 'publish-form' },
    h('label', {}, h('span', {}, 'Subject'), subject),
    h('label', {}, h('span', {}, 'Payload (JSON)'), payload),
    h('div', { class: 'actions' }, submit, ...(options.actions ?? [])),
    alert,
    status,
  );

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      status.textContent = 'publishing…';
      alert.hidden = true;
      try {
        const value = decodeWith(codec, encoder.encode(payload.value), subject.value);
        await options.publisher.publish(subject.value, value);
        status.textContent = `published to ${subject.value}${options.confirmed ? ` (${options.confirmed})` : ''}`;
        options.onPublished?.();
      } catch (error) {
        const view = describeError(error);
        errorCode.textContent = view.code;
        errorMessage.textContent = view.message;
        alert.hidden = false;
        status.textContent = '';
      }
    })();
  });
  return form;
}
