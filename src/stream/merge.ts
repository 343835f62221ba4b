/**
 * Fan-in: several sources into one.
 * @module
 */
import type { Message } from '../core/message.js';
import { Channel } from './channel.js';
import { fromChannel, type MessageSource } from './source.js';

/**
 * One source with the messages of all `sources` as they arrive (each source's own order is kept). It ends
 * when all have ended; cancelling it cancels them all. Each source is read only when the merged buffer has
 * room, and for no more than that room, so the buffer holds at most `bufferSize` per source (sources
 * fetching at the same time can each fill the room they saw). A failing source fails the merge.
 */
export function mergeSources<T>(sources: ReadonlyArray<MessageSource<T>>, bufferSize: number): MessageSource<T> {
  const out = new Channel<Message<T>>(bufferSize, () => {
    for (const s of sources) void s.cancel();
  });
  let running = sources.length;
  if (running === 0) out.end();
  for (const source of sources) {
    void (async () => {
      try {
        for (;;) {
          await out.whenRoom();
          if (out.cancelled) return;
          const room = out.room;
          if (room === 0) continue;
          const batch = await source.pull(room);
          if (batch.length === 0) break;
          for (const m of batch) out.push(m);
        }
        if (--running === 0) out.end();
      } catch (error) {
        out.end(error);
      }
    })();
  }
  return fromChannel(out);
}
