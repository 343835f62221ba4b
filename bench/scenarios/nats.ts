/**
 * @module The nats group: NATS core and JetStream through a private nats-server over WebSocket, isoflux against
 * raw `@nats-io/nats-core` / `@nats-io/jetstream` on the same kind of connection (WebSocket, `ws` in Node),
 * with the same payload (`{ n }`) and codec (JSON). Publisher and subscriber use separate connections, as two
 * processes would. Core scenarios here; JetStream ones in nats-jetstream.ts.
 */
import { nuid, type Msg } from '@nats-io/nats-core';
import { connectNats, createNatsBus, type NatsBusOptions } from '../../src/nats/index.js';
import type { Message } from '../../src/core/message.js';
import { Sink, type Numbered } from '../lib/sink.js';
import type { Bench, BenchGroup, Contestant, Scenario } from '../lib/types.js';
import { checkNatsServer, encodeJson, idHeaders, MSG_ID, rawConnection, startServer, stopServer, wsUrl } from './nats-env.js';
import { jetstreamScenarios } from './nats-jetstream.js';


/** isoflux: `bus.publish` n times without awaiting each (it resolves once queued), flush, wait for the last delivery. */
function isoflux(name: string, role: Contestant['role'], messageIds: NatsBusOptions['messageIds']): Contestant {
  return {
    name,
    role,
    note: `createNatsBus(nc, { messageIds: '${messageIds}' }) on two connectNats() connections; publish() per message without awaiting, then nc.flush(); handler gets the decoded Message`,
    async setup(): Promise<Bench> {
      const [pubConn, subConn] = await Promise.all([connectNats(wsUrl()), connectNats(wsUrl())]);
      const pub = createNatsBus<Record<string, Numbered>>(pubConn, { messageIds });
      const sub = createNatsBus<Record<string, Numbered>>(subConn, { messageIds });
      const sink = new Sink();
      // every contestant has its own subject: they share the server
      const subject = `bench.pubsub.${nuid.next()}`;
      await sub.subscribe(subject, (m: Message<Numbered>) => sink.add(m.payload)).ready;
      let next = 0;
      return {
        async run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) void pub.publish(subject, { n: i });
          next = end;
          await pubConn.flush();
          await sink.reach(end);
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
        async teardown() {
          await Promise.all([pub.close(), sub.close()]);
          await Promise.all([pubConn.close(), subConn.close()]);
        },
      };
    },
  };
}

/** Raw nats-core: `nc.publish` with JSON bytes (and a `Nats-Msg-Id` header when `withId`), flush, wait. */
function natsCore(withId: boolean): Contestant {
  return {
    name: 'nats-core',
    role: 'peer',
    note: withId
      ? 'wsconnect() x2; nc.publish(subject, JSON bytes, { headers }) with a fresh Nats-Msg-Id (nuid) per message, then nc.flush(); callback reads the id header and msg.json()'
      : 'wsconnect() x2; nc.publish(subject, JSON bytes) with no header, then nc.flush(); callback msg.json()',
    async setup(): Promise<Bench> {
      const [pubConn, subConn] = await Promise.all([rawConnection(), rawConnection()]);
      const sink = new Sink();
      const subject = `bench.pubsub.${nuid.next()}`;
      let withIds = 0;
      const callback = withId
        ? (_: Error | null, msg: Msg): void => {
            if (msg.headers?.get(MSG_ID)) withIds++;
            sink.add(msg.json<Numbered>());
          }
        : (_: Error | null, msg: Msg): void => sink.add(msg.json<Numbered>());
      subConn.subscribe(subject, { callback });
      await subConn.flush();
      let next = 0;
      return {
        async run(n) {
          const end = next + n;
          if (withId) for (let i = next; i < end; i++) pubConn.publish(subject, encodeJson({ n: i }), { headers: idHeaders() });
          else for (let i = next; i < end; i++) pubConn.publish(subject, encodeJson({ n: i }));
          next = end;
          await pubConn.flush();
          await sink.reach(end);
        },
        // with ids, a delivery counts only when its id arrived (isoflux's handler gets `message.id` too)
        delivered: () => (withId ? Math.min(sink.count, withIds) : sink.count),
        checksum: () => sink.total,
        teardown: async () => void (await Promise.all([pubConn.close(), subConn.close()])),
      };
    },
  };
}

const NOT_MEASURED =
  'nats-server CPU (a separate process: only this client process is timed by cpuUsPerOp, both publisher and subscriber connections), ' +
  'TCP connections (both use WebSocket), latency, reconnects, payloads larger than { n }, many subjects or subscribers.';

const pubsub: Scenario = {
  name: 'nats/pubsub',
  unit: 'msg/s',
  description: 'one small JSON message published on one WebSocket connection and delivered to a subscriber on another, every message carrying a Nats-Msg-Id header; msg/s until every message arrived',
  notMeasured: NOT_MEASURED,
  cpuPerOp: true,
  expectedDeliveries: (ops) => ops,
  contestants: [isoflux('isoflux', 'isoflux', 'always'), isoflux("isoflux (messageIds: 'explicit')", 'variant', 'explicit'), natsCore(true)],
  target: { text: '≥ 1.0x raw nats-core doing the same work (with ids)', conditions: [{ peer: 'nats-core', minRatio: 1 }] },
};

const pubsubBare: Scenario = {
  name: 'nats/pubsub-bare',
  unit: 'msg/s',
  description: "as nats/pubsub without a message id on the wire: isoflux with messageIds: 'explicit' against nats-core without headers",
  notMeasured: NOT_MEASURED,
  cpuPerOp: true,
  expectedDeliveries: (ops) => ops,
  contestants: [isoflux('isoflux', 'isoflux', 'explicit'), natsCore(false)],
  target: { text: '≥ 0.95x raw nats-core (client CPU per message)', conditions: [{ peer: 'nats-core', metric: 'cpuUsPerOp', minRatio: 0.95 }] },
};

const group: BenchGroup = {
  name: 'nats',
  check: checkNatsServer,
  setup: startServer,
  teardown: stopServer,
  scenarios: [pubsub, pubsubBare, ...jetstreamScenarios],
};

export default group;
