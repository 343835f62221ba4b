/** A worker that joins tab presence (namespace and name from its URL): a closed worker must leave like a closed tab. */
import { createBroadcastBus } from '../../src/broadcast/index.js';
import { joinTabs } from '../../src/presence/index.js';

const params = new URL(self.location.href).searchParams;
const presence = joinTabs(createBroadcastBus({ namespace: 'presence-test' }), {
  namespace: params.get('ns') ?? 'room',
  meta: { name: params.get('name') ?? 'worker', in: 'worker' },
});
void presence.ready.then(() => postMessage({ joined: presence.self.id }));
