/**
 * The few DOM helpers every demo panel shares: an element builder, a once-per-frame renderer, and the
 * `{ code, message }` view of a thrown error.
 * @module
 */
import { isIsofluxError } from '../../src/index.js';

/** Attributes set with `setAttribute` (`class`, `data-*`, `aria-*`, `type` …). */
export type Attributes = Readonly<Record<string, string>>;

/** Creates `<tag>` with attributes and children (strings become text nodes, never HTML). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/**
 * Returns an `invalidate()` that runs `render` once at the next animation frame however often it is called:
 * a burst of 200 messages costs one DOM update, not 200.
 */
export function frameScheduler(render: () => void): () => void {
  let scheduled = false;
  return () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      render();
    });
  };
}

/** How an error is shown: the stable isoflux `code` when there is one, and a message that says what to do. */
export interface ErrorView {
  readonly code: string;
  readonly message: string;
}

/** The {@link ErrorView} of any thrown value; the cause's message is appended when it adds detail. */
export function describeError(error: unknown): ErrorView {
  if (isIsofluxError(error)) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return { code: error.code, message: error.message + cause };
  }
  // the demo's own errors carry a `code` too (e.g. the NATS panel's `not_sent`)
  const code = error instanceof Error && typeof (error as { code?: unknown }).code === 'string' ? String((error as unknown as { code: string }).code) : 'error';
  return { code, message: error instanceof Error ? error.message : String(error) };
}

/** A payload as one line of JSON (strings keep their quotes, so `"1"` and `1` look different), cut at `max` characters. */
export function preview(payload: unknown, max = 120): string {
  let text: string;
  try {
    text = JSON.stringify(payload) ?? String(payload);
  } catch {
    text = String(payload);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
