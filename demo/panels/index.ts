/**
 * The panels the demo page shows, in order. Adding a transport to the demo: write `panels/<transport>.ts`
 * exporting a {@link DemoPanel}, and add it to this list.
 * @module
 */
import { broadcastPanel } from './broadcast.js';
import { connectionPanel } from './connection.js';
import { memoryPanel } from './memory.js';
import { natsPanel } from './nats.js';
import { inspectorPanel } from './inspector.js';
import { outboxPanel } from './outbox.js';
import type { DemoPanel } from './types.js';

export type { DemoPanel } from './types.js';

/** Every panel, in page order. */
export const panels: ReadonlyArray<DemoPanel> = [memoryPanel, natsPanel, connectionPanel, broadcastPanel, outboxPanel, inspectorPanel];
