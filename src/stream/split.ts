/**
 * Splitting one source into several: tee (every branch gets every message) and round-robin fan-out.
 * @module
 */
import type { Message } from '../core/message.js';
import { Channel } from './channel.js';
import { fromChannel, type MessageSource } from './source.js';

/** Cancels the source once every branch was cancelled: nobody reads any more. */
function branches<T>(source: MessageSource<T>, count: number, bufferSize: number): Array<Channel<Message<T>>> {
  let open = count;
  const onCancel = (): void => {
    if (--open === 0) void source.cancel();
  };
  return Array.from({ length: count }, () => new Channel<Message<T>>(bufferSize, onCancel));
}

/** Moves messages from `source` into `channels` with `step` until the source ends, then ends every channel. */
function pump<T>(channels: Array<Channel<Message<T>>>, step: (live: Array<Channel<Message<T>>>) => Promise<boolean>): void {
  void (async () => {
    try {
      for (;;) {
        const live = channels.filter((c) => !c.cancelled);
        if (live.length === 0 || !(await step(live))) break;
      }
      for (const c of channels) c.end();
    } catch (error) {
      for (const c of channels) c.end(error);
    }
  })();
}

/**
 * `count` sources that each get every message of `source`, in order. The source is read only when every
 * live branch has room, so the slowest branch sets the pace and memory stays at `bufferSize` per branch.
 * The branches share each message object: settle (ack) it in one branch only.
 */
export function teeSource<T>(source: MessageSource<T>, count: number, bufferSize: number): Array<MessageSource<T>> {
  const channels = branches(source, count, bufferSize);
  pump(channels, async (live) => {
    for (const c of live) await c.whenRoom();
    const room = Math.min(...live.map((c) => c.room));
    if (room === 0) return true; // a branch was cancelled while we waited: look again
    const batch = await source.pull(room);
    for (const c of live) for (const m of batch) c.push(m);
    return batch.length > 0;
  });
  return channels.map(fromChannel);
}

/**
 * `count` sources that share the messages of `source`: each message goes to one branch, round-robin,
 * skipping branches that are full while another has room (a slow branch does not stall the rest).
 * The source is read only while some branch has room.
 */
export function fanOutSource<T>(source: MessageSource<T>, count: number, bufferSize: number): Array<MessageSource<T>> {
  const channels = branches(source, count, bufferSize);
  let next = 0;
  pump(channels, async (live) => {
    const room = live.reduce((sum, c) => sum + c.room, 0);
    if (room === 0) {
      await Promise.race(live.map((c) => c.whenRoom()));
      return true;
    }
    const batch = await source.pull(room);
    for (const m of batch) {
      for (let i = 0; i < count; i++) {
        const c = channels[(next + i) % count] as Channel<Message<T>>;
        if (c.room > 0) {
          c.push(m);
          next = (next + i + 1) % count;
          break;
        }
      }
    }
    return batch.length > 0;
  });
  return channels.map(fromChannel);
}
