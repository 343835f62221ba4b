/**
 * Queue-group leaders across tabs, read from the held Web Locks: the broadcast transport elects a group's
 * handler by an exclusive lock `isoflux/broadcast/<namespace>/queue/<queue> <pattern>` and marks each bus's
 * life with `isoflux/broadcast/<namespace>/peer/<bus id>`; a lock's `clientId` tells which tab holds it, so
 * a leader is named by the bus id of its tab. Nothing is imported from the broadcast transport: only these
 * names are read (test/e2e/demo-inspector.spec.ts breaks if they change).
 * @module
 */

/** One lock as `navigator.locks.query()` reports it. */
export interface LockInfoLike {
  readonly name?: string | undefined;
  readonly clientId?: string | undefined;
}

/** The part of `navigator.locks` the inspector reads. */
export interface LockQueryLike {
  query(): Promise<{ held?: readonly LockInfoLike[]; pending?: readonly LockInfoLike[] }>;
}

/** Who handles one cross-tab queue group. */
export interface QueueLeader {
  readonly namespace: string;
  readonly queue: string;
  readonly pattern: string;
  /** The bus id of the leading tab (its `clientId` when its bus lock is not found). */
  readonly leader: string;
  /** Tabs waiting to take over. */
  readonly standby: number;
}

const PREFIX = 'isoflux/broadcast/';

function split(name: string | undefined, kind: 'queue' | 'peer'): { namespace: string; rest: string } | undefined {
  if (name?.startsWith(PREFIX) !== true) return undefined;
  const at = name.lastIndexOf(`/${kind}/`);
  if (at < PREFIX.length) return undefined;
  return { namespace: name.slice(PREFIX.length, at), rest: name.slice(at + kind.length + 2) };
}

/** The queue groups whose leader lock is held, with the leader's bus id and the number of tabs on standby. */
export async function readQueueLeaders(locks: LockQueryLike): Promise<QueueLeader[]> {
  const { held = [], pending = [] } = await locks.query();
  const busOf = new Map<string, string>();
  for (const lock of held) {
    const peer = split(lock.name, 'peer');
    if (peer !== undefined && lock.clientId !== undefined) busOf.set(`${peer.namespace} ${lock.clientId}`, peer.rest);
  }
  const leaders: QueueLeader[] = [];
  for (const lock of held) {
    const group = split(lock.name, 'queue');
    const space = group?.rest.indexOf(' ') ?? -1;
    if (group === undefined || space <= 0) continue;
    const client = lock.clientId ?? '?';
    leaders.push({
      namespace: group.namespace,
      queue: group.rest.slice(0, space),
      pattern: group.rest.slice(space + 1),
      leader: busOf.get(`${group.namespace} ${client}`) ?? client,
      standby: pending.filter((p) => p.name === lock.name).length,
    });
  }
  return leaders.sort((a, b) => `${a.namespace} ${a.queue} ${a.pattern}`.localeCompare(`${b.namespace} ${b.queue} ${b.pattern}`));
}
