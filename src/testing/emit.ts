/**
 * How the fakes report to the wiretap: one {@link Taps} hub per fake bus, events built only while tapped.
 * @module
 */
import type { Message } from '../core/message.js';
import { tapClock, Taps, type TapEvent, type TapKind } from '../core/wiretap.js';

/** Fields of an event besides kind, system and time. */
export type TapFields = Omit<TapEvent, 'kind' | 'system' | 'at'>;

/** Reports events of one fake bus (`system` names the transport it stands in for). */
export class TapSource {
  readonly taps = new Taps();

  constructor(readonly system: string) {}

  /** Emits an event when something taps; builds nothing otherwise. */
  emit(kind: TapKind, fields: TapFields): void {
    if (!this.taps.active) return;
    this.taps.emit({ kind, system: this.system, at: tapClock(), ...fields });
  }

  /** Emits an event about `message` (subject, id, payload, headers taken from it). */
  emitMessage(kind: TapKind, message: Message<unknown>, fields: Omit<TapFields, 'subject' | 'id'> = {}): void {
    if (!this.taps.active) return;
    this.emit(kind, { subject: message.subject, id: message.id, payload: message.payload, headers: message.headers, ...fields });
  }
}
