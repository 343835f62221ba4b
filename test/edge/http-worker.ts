/**
 * A Cloudflare Worker built on the http transport, bundled by test/node/http.test.ts (esbuild) and run in
 * workerd through Miniflare. POST /events/<subject> reaches its subscriptions; GET /log lists what they saw.
 */
import { createHttpHandler } from '../../src/http/index.js';

const seen: Array<{ subject: string; payload: unknown; id: string; headers: Record<string, string> }> = [];
const handler = createHttpHandler({ basePath: '/events/', maxBodyBytes: 4096 });

handler.subscribe('orders.>', (m) => {
  seen.push({ subject: m.subject, payload: m.payload, id: m.id, headers: { ...m.headers } });
});
handler.subscribe('fail', () => {
  throw Object.assign(new Error('worker handler failed'), { code: 'worker_error' });
}, { onError: () => undefined });
handler.respond('math.double', (m) => (m.payload as number) * 2);

export default {
  fetch(request: Request): Promise<Response> | Response {
    if (new URL(request.url).pathname === '/log') return Response.json(seen);
    return handler.fetch(request);
  },
};
