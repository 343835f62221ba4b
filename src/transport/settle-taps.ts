/**
 * Settle events for transports that acknowledge (JetStream, the outbox): `acked`, `naked`, `terminated` and
 * `dead-lettered` tap events, emitted by the transport's acker through these helpers.
 * @module
 */
import type { Acker, Message } from '../core/message.js';
import type { ConsumeInfo } from '../core/telemetry.js';
import { tapClock, type TapEvent, type Taps } from '../core/wiretap.js';

/** How a message was settled, as a tap kind. */
export type SettleKind = 'acked' | 'naked' | 'terminated';

/**
 * Emits one settle event (no-op unless `taps.active`). `deliveredAt` (a {@link tapClock} reading taken when
 * the message arrived) gives the event its `durationMs`: delivery until settled.
 */
export function tapSettle(taps: Taps, kind: SettleKind | 'dead-lettered', info: ConsumeInfo, message: Pick<Message<unknown>, 'subject' | 'id'>, deliveredAt?: number, reason?: string): void {
  if (!taps.active) return;
  const at = tapClock();
  const event: TapEvent = {
    kind,
    system: info.system,
    subject: message.subject,
    id: message.id,
    pattern: info.pattern,
    queue: info.queue,
    reason,
    at,
    durationMs: deliveredAt === undefined ? undefined : at - deliveredAt,
  };
  taps.emit(event);
}

/**
 * Wraps a transport's acker so each settle emits its tap event once it succeeded. The wrapper costs nothing
 * extra while nobody taps (one boolean check per settle). Use it where the transport builds the message:
 *
 * ```ts
 * const acker = tappedAcker(wireAcker, bus[TAP], info, { subject, id }, tapClock());
 * ```
 */
export function tappedAcker(acker: Acker, taps: Taps, info: ConsumeInfo, message: Pick<Message<unknown>, 'subject' | 'id'>, deliveredAt?: number): Acker {
  const after = (kind: SettleKind, settled: Promise<void>, reason?: string): Promise<void> =>
    taps.active ? settled.then(() => tapSettle(taps, kind, info, message, deliveredAt, reason)) : settled;
  return {
    ack: () => after('acked', acker.ack()),
    nak: (delayMs) => after('naked', acker.nak(delayMs)),
    term: (reason) => after('terminated', acker.term(reason), reason),
    inProgress: () => acker.inProgress(),
  };
}
