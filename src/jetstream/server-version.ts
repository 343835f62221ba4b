/**
 * What the connected nats-server honours, read from its INFO (`nc.info.version`), for the settling forms
 * that differ between releases.
 * @module
 */
import type { NatsConnection } from '@nats-io/nats-core';
import { compare, parseSemVer, type SemVer } from '@nats-io/nats-core/internal';

/**
 * The first nats-server release that reads a reason after `+TERM` (nats-server commit c7a1445, "Extend the
 * term advisory with a reason"; `server/consumer.go` matches `+TERM` by prefix from v2.10.4 on). Older
 * servers compare the whole ack body with `+TERM`, so `+TERM <reason>` matches nothing: the message stays
 * pending and is redelivered after the ack wait (seen on 2.9.10).
 */
export const TERM_REASON_SINCE = '2.10.4';
const TERM_REASON: SemVer = parseSemVer(TERM_REASON_SINCE);

/** True when a server reporting `version` settles `+TERM <reason>`; false when unknown or older. */
export function honoursTermReason(version: string | undefined): boolean {
  if (version === undefined) return false;
  let parsed: SemVer;
  try {
    parsed = parseSemVer(version);
  } catch {
    return false;
  }
  return compare(parsed, TERM_REASON) >= 0;
}

/**
 * Whether a term sent now may carry its reason. Read at each settle, not once: after a reconnect the
 * connection may be talking to another server (a cluster being upgraded). Without a connection to ask,
 * the reason is left out, which every server settles.
 */
export function termReasonSupport(nc: NatsConnection | undefined): () => boolean {
  let version: string | undefined;
  let supported = false;
  return () => {
    const current = nc?.info?.version;
    if (current !== version) {
      version = current;
      supported = honoursTermReason(current);
    }
    return supported;
  };
}
