/**
 * What a demo panel is. One panel per transport; the page mounts every panel listed in `panels/index.ts`.
 * @module
 */

/** A self-contained section of the demo page, usually one transport. */
export interface DemoPanel {
  /** Stable id, set as the section's `data-panel` attribute (e2e tests select on it). */
  readonly id: string;
  /** Heading of the section. */
  readonly title: string;
  /** One sentence under the heading: what this transport is for. */
  readonly summary: string;
  /**
   * Builds the panel into `root`. Everything it opens (buses, connections, timers) must close when `signal`
   * aborts (the page is going away). Throwing or rejecting shows the error in this panel only: a transport
   * whose server is not running must not take the other panels down.
   */
  mount(root: HTMLElement, signal: AbortSignal): void | Promise<void>;
}
