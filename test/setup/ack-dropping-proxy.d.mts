/** Types for ack-dropping-proxy.mjs. */
export interface ServerMessage {
  readonly subject: string;
  readonly reply: string | undefined;
  /** The message's payload (HMSG: without the header block). */
  readonly payload: Buffer;
}
export interface AckDroppingProxy {
  /** Where clients connect (127.0.0.1). */
  readonly port: number;
  /** PubAcks dropped, PubAcks passed, and of those passed the duplicate acks. */
  stats(): { dropped: number; passedAcks: number; duplicateAcks: number };
  /** Destroys every socket and stops listening. */
  close(): Promise<void>;
}
/** The JetStream PubAck in `payload`, if it is one. */
export declare function pubAckOf(payload: Buffer): { stream: string; seq: number; duplicate?: boolean } | undefined;
/** The default rule: drops each PubAck on an inbox that is not a duplicate ack (the first copy's ack). */
export declare function dropFirstAcks(message: ServerMessage): boolean;
export declare function startAckDroppingProxy(
  targetPort: number,
  options?: { websocket?: boolean; drop?: (message: ServerMessage) => boolean },
): Promise<AckDroppingProxy>;
