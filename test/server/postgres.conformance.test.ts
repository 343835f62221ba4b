/**
 * The conformance suite against a real PostgreSQL: publisher and subscriber on two separate `postgres`
 * clients (two "processes"), once with the default single channel and once partitioned by the first token.
 */
import { inject } from 'vitest';
import postgres from 'postgres';
import { createPostgresBus, type PostgresBusOptions } from '../../src/postgres/index.js';
import { describeConformance } from '../portable/conformance/suite.js';

const pgUrl = inject('pgUrl');

function transport(name: string, options: PostgresBusOptions): Parameters<typeof describeConformance>[0] {
  return {
    name,
    async connect() {
      const sqlA = postgres(pgUrl, { max: 2, onnotice: () => undefined });
      const sqlB = postgres(pgUrl, { max: 2, onnotice: () => undefined });
      const publisher = createPostgresBus(sqlA, options);
      const subscriber = createPostgresBus(sqlB, options);
      return {
        publisher,
        subscriber,
        async close() {
          await Promise.all([publisher.close(), subscriber.close()]);
          await Promise.all([sqlA.end({ timeout: 1 }), sqlB.end({ timeout: 1 })]);
        },
      };
    },
    // postgres validates with the bus-level `schema` only (see TransportUnderTest.supports.subscriptionSchema)
    supports: { requestReply: false, queueGroups: false, serializes: true, subscriptionSchema: false },
  };
}

describeConformance(transport('postgres', { namespace: 'isoflux_conformance' }));
describeConformance(transport('postgres (partitionTokens: 1)', { namespace: 'isoflux_conformance', partitionTokens: 1 }));
