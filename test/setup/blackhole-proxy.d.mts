/** Types for blackhole-proxy.mjs. */
export interface BlackholeProxy {
  /** Where clients connect (127.0.0.1). */
  readonly port: number;
  /** Stop forwarding: open connections go silent (kept open, bytes dropped), new ones are held silent. */
  blackhole(): void;
  /** New connections forward again; connections silenced before stay silent. */
  restore(): void;
  stats(): { open: number; silenced: number; accepted: number };
  /** Destroys every socket and stops listening. */
  close(): Promise<void>;
}
export declare function startBlackholeProxy(targetPort: number): Promise<BlackholeProxy>;
