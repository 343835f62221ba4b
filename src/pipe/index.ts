/**
 * @module isoflux/pipe — subscription-to-publisher pipelines (forward, map, flatMap) with a filter
 * (filtered messages are acked) and a dead-letter observer. Transport-independent.
 */
export { forward, map, flatMap, type PipeOptions, type ForwardOptions } from './pipes.js';
export { pipeHandler, type Outgoing, type Expand, type PipeBehaviour } from './pipe-handler.js';
