/**
 * comlink endpoints with a gate in front. comlink trusts its port: `expose` walks any property path a
 * message names and will SET values on it (`__proto__` included), and `wrap` resolves a call with whatever
 * answer carries its id, an id made from `Math.random`. These wrappers let through only the calls isoflux
 * makes and only answers to calls in flight, under ids of 128 random bits; the rest is dropped and counted.
 * @module
 */
import type { Endpoint } from 'comlink';
import { randomToken } from '../core/random-token.js';
import { checkAnswer, checkCall } from './decode.js';

type Listener = EventListenerOrEventListenerObject;
/** How a guard reports what it dropped; `forged` when well-formed but answering nothing in flight. */
export type DropReport = (detail: string, forged: boolean) => void;

function deliver(listener: Listener, event: Event): void {
  if (typeof listener === 'function') listener(event);
  else listener.handleEvent(event);
}

/** The parts both guards share: listeners wrapped once, removable, and `start` passed on. */
function gate(port: MessagePort, admit: (event: MessageEvent) => MessageEvent | undefined): Omit<Endpoint, 'postMessage'> {
  const wrapped = new Map<Listener, (event: Event) => void>();
  return {
    addEventListener(type: string, listener: Listener) {
      const inner = (event: Event): void => {
        const admitted = admit(event as MessageEvent);
        if (admitted !== undefined) deliver(listener, admitted);
      };
      wrapped.set(listener, inner);
      port.addEventListener(type, inner);
    },
    removeEventListener(type: string, listener: Listener) {
      const inner = wrapped.get(listener);
      if (inner === undefined) return;
      wrapped.delete(listener);
      port.removeEventListener(type, inner);
    },
    start: () => port.start(),
  };
}

/**
 * The worker's side of a session's rpc port: only calls of `methods` (and the proxy release, after whose
 * answer the port is closed) reach comlink's `expose`.
 */
export function guardCalls(port: MessagePort, methods: ReadonlySet<string>, report: DropReport): Endpoint {
  const releasing = new Set<string>();
  const admit = (event: MessageEvent): MessageEvent | undefined => {
    const data: unknown = event.data;
    const problem = checkCall(data, methods);
    if (problem !== undefined) return void report(problem, false);
    const call = data as { id: string; type: string };
    if (call.type === 'RELEASE') releasing.add(call.id);
    return event;
  };
  return {
    ...gate(port, admit),
    postMessage(message: { id?: unknown }, transfer?: Transferable[]) {
      port.postMessage(message, transfer ?? []);
      if (typeof message.id === 'string' && releasing.delete(message.id)) port.close();
    },
  };
}

/**
 * The tab's side of a session's rpc port: every call leaves under a fresh random id, and only a
 * well-formed answer to a call in flight reaches comlink's `wrap` (under comlink's own id again).
 */
export function guardAnswers(port: MessagePort, report: DropReport): Endpoint {
  /** Wire id → comlink's id, for calls not answered yet. */
  const inFlight = new Map<string, unknown>();
  const admit = (event: MessageEvent): MessageEvent | undefined => {
    const data: unknown = event.data;
    const problem = checkAnswer(data);
    if (problem !== undefined) return void report(problem, false);
    const answer = data as { id: string };
    const original = inFlight.get(answer.id);
    if (original === undefined) return void report('an answer to no call in flight', true);
    inFlight.delete(answer.id);
    return { data: { ...answer, id: original } } as MessageEvent;
  };
  return {
    ...gate(port, admit),
    postMessage(message: { id?: unknown }, transfer?: Transferable[]) {
      const id = randomToken();
      inFlight.set(id, message.id);
      port.postMessage({ ...message, id }, transfer ?? []);
    },
  };
}
