/**
 * The conformance suite through the http transport with the handler in the same process (every runtime).
 * It runs in `untilHandled: false` mode: the suite expects broker semantics (a publish to a subject nobody
 * subscribes to succeeds, a handler failure is the subscriber's business). The default `handled` mode is
 * tested in http.test.ts. test/node/http.conformance.test.ts runs the suite again over real TCP.
 */
import { createHttpClient, createHttpHandler } from '../../src/http/index.js';
import { describeConformance } from './conformance/suite.js';
import { endpoint, inProcessFetch } from './http-fixtures.js';

describeConformance({
  name: 'http (in-process fetch, untilHandled: false)',
  // a subject travels in the URL path, which carries no control characters (src/http/wire.ts)
  stricterSubjects: { publish: (subject) => /[\u0000-\u001f\u007f-\u009f]/.test(subject) },
  async connect() {
    const handler = createHttpHandler({ basePath: '/bus/', untilHandled: false });
    const client = createHttpClient('http://isoflux.test/bus/', { fetch: inProcessFetch(handler) });
    const both = endpoint(client, handler);
    return { publisher: both, subscriber: both, close: () => handler.close() };
  },
  // the handler validates with its own `schema` before routing (see TransportUnderTest.supports.subscriptionSchema)
  supports: { requestReply: true, queueGroups: true, serializes: true, subscriptionSchema: false },
});
