/**
 * Asks a real nats-server what it thinks of subjects, the way a plain client meets it: first nats-core's own
 * client-side check (a real `@nats-io/nats-core` connection's `publish`/`subscribe`), then the server itself
 * over a raw protocol connection in pedantic mode (where the server checks published subjects too), one
 * PING/PONG per question so every `-ERR` belongs to exactly one of them. Node only (node:net).
 */
import { connect as connectTcp } from '@nats-io/transport-node';
import { Socket } from 'node:net';

/** What the server answered about one corpus. Indexes refer to the `strings` passed in. */
export interface ServerAnswers {
  /** `publish(s)` accepted by nats-core and by the pedantic server. */
  readonly publish: boolean[];
  /** `subscribe(s)` accepted by nats-core and by the server. */
  readonly subscribe: boolean[];
  /** `[pattern, subject]` index pairs: a subscription to the pattern received a publish to the subject. */
  readonly matches: Array<[number, number]>;
  /** The server's version, from its INFO. */
  readonly version: string;
}

interface Reply {
  readonly errors: string[];
}

/** A raw NATS protocol connection: write lines, get each PING's PONG with the `-ERR`s that came before it. */
class RawConnection {
  readonly #socket: Socket;
  #buffer = Buffer.alloc(0);
  #errors: string[] = [];
  readonly #pongs: Array<(reply: Reply) => void> = [];
  readonly #onMessage: (subject: string, sid: number, payload: string) => void;

  constructor(socket: Socket, onMessage: (subject: string, sid: number, payload: string) => void) {
    this.#socket = socket;
    this.#onMessage = onMessage;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#parse();
    });
  }

  static async open(url: string, onMessage: (subject: string, sid: number, payload: string) => void): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    const socket = new Socket();
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(Number(port), hostname, () => resolve());
    });
    const raw = new RawConnection(socket, onMessage);
    raw.write(`CONNECT ${JSON.stringify({ verbose: false, pedantic: true, protocol: 1, echo: true, headers: false })}\r\n`);
    await raw.ping();
    return raw;
  }

  write(text: string): void {
    this.#socket.write(Buffer.from(text, 'utf8'));
  }

  /** Sends PING; resolves at its PONG with the errors the server sent since the previous PONG. */
  ping(): Promise<Reply> {
    return new Promise((resolve) => {
      this.#pongs.push(resolve);
      this.write('PING\r\n');
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  #parse(): void {
    for (;;) {
      const eol = this.#buffer.indexOf('\r\n');
      if (eol === -1) return;
      const line = this.#buffer.subarray(0, eol).toString('utf8');
      if (line.startsWith('MSG ')) {
        const args = line.split(' ');
        const size = Number(args[args.length - 1]);
        if (this.#buffer.length < eol + 2 + size + 2) return;
        const payload = this.#buffer.subarray(eol + 2, eol + 2 + size).toString('utf8');
        this.#buffer = this.#buffer.subarray(eol + 2 + size + 2);
        this.#onMessage(args[1] as string, Number(args[2]), payload);
        continue;
      }
      this.#buffer = this.#buffer.subarray(eol + 2);
      if (line === 'PONG') (this.#pongs.shift() as (reply: Reply) => void)({ errors: this.#errors.splice(0) });
      else if (line === 'PING') this.write('PONG\r\n');
      else if (line.startsWith('-ERR')) this.#errors.push(line);
      // INFO and +OK need nothing
    }
  }
}

/** Pipelines one question per string and returns, per string, the errors the server answered it with. */
async function ask(raw: RawConnection, lines: string[]): Promise<string[][]> {
  const replies: Array<Promise<Reply>> = [];
  for (const line of lines) {
    raw.write(line);
    replies.push(raw.ping());
  }
  return (await Promise.all(replies)).map((r) => r.errors);
}

/**
 * Asks the nats-server at `tcpUrl` (nats://127.0.0.1:P) about every string: may it be published to, may it be
 * subscribed to, and which subscriptions receive which publishes.
 */
export async function askNatsServer(tcpUrl: string, strings: readonly string[]): Promise<ServerAnswers> {
  // 1. nats-core's own check: a real client, its real publish/subscribe (what reaches the server is asked in 2.)
  const nc = await connectTcp({ servers: tcpUrl });
  const clientPublish = strings.map((s) => {
    try {
      nc.publish(s);
      return true;
    } catch {
      return false;
    }
  });
  const clientSubscribe = strings.map((s) => {
    try {
      nc.subscribe(s).unsubscribe();
      return true;
    } catch {
      return false;
    }
  });
  const version = nc.info?.version ?? 'unknown';
  await nc.close();

  // 2. the server, in pedantic mode, one PING per question
  const deliveries: Array<[number, number]> = [];
  const raw = await RawConnection.open(tcpUrl, (_subject, sid, payload) => deliveries.push([sid - 1, Number(payload)]));
  try {
    const pubIndexes = strings.flatMap((s, i) => (clientPublish[i] ? [i] : []));
    const pubErrors = await ask(raw, pubIndexes.map((i) => `PUB ${strings[i]} 0\r\n\r\n`));
    const publish = strings.map(() => false);
    pubIndexes.forEach((i, k) => (publish[i] = (pubErrors[k] as string[]).length === 0));

    const subIndexes = strings.flatMap((s, i) => (clientSubscribe[i] ? [i] : []));
    // sid = index + 1, so a delivery names its pattern
    const subErrors = await ask(raw, subIndexes.map((i) => `SUB ${strings[i]} ${i + 1}\r\n`));
    const subscribe = strings.map(() => false);
    subIndexes.forEach((i, k) => (subscribe[i] = (subErrors[k] as string[]).length === 0));

    // 3. every subscription that stands receives what it matches: publish each accepted subject once
    const subjects = strings.flatMap((s, i) => (publish[i] ? [i] : []));
    for (const j of subjects) raw.write(`PUB ${strings[j]} ${String(j).length}\r\n${j}\r\n`);
    const last = await raw.ping();
    if (last.errors.length > 0) throw new Error(`the server refused a publish it had accepted before: ${last.errors.join('; ')}`);
    deliveries.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return { publish, subscribe, matches: deliveries, version };
  } finally {
    raw.close();
  }
}
