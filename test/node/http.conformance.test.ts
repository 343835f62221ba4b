/**
 * The conformance suite over a real TCP hop: an http client (global fetch) publishing to a handler served by
 * Node's http.createServer through toNodeListener. `untilHandled: false` gives the broker semantics the suite
 * expects (see test/portable/http.conformance.test.ts).
 */
import { createServer } from 'node:http';
import { createHttpClient, createHttpHandler, toNodeListener } from '../../src/http/index.js';
import { describeConformance } from '../portable/conformance/suite.js';
import { endpoint } from '../portable/http-fixtures.js';

describeConformance({
  name: 'http (Node http server, untilHandled: false)',
  // a subject travels in the URL path, which carries no control characters (src/http/wire.ts)
  stricterSubjects: { publish: (subject) => /[\u0000-\u001f\u007f-\u009f]/.test(subject) },
  async connect() {
    const handler = createHttpHandler({ basePath: '/bus/', untilHandled: false });
    const server = createServer(toNodeListener(handler.fetch));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const client = createHttpClient(`http://127.0.0.1:${port}/bus/`);
    const both = endpoint(client, handler);
    return {
      publisher: both,
      subscriber: both,
      async close() {
        await handler.close();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  },
  // the handler validates with its own `schema` before routing (see TransportUnderTest.supports.subscriptionSchema)
  supports: { requestReply: true, queueGroups: true, serializes: true, subscriptionSchema: false },
});
