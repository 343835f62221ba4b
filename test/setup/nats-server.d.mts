/** Types for nats-server.mjs (plain JS so Node scripts and Deno/workerd drivers share it). */
export declare const NATS_INSTALL_FIX: 'apt-get install -y nats-server';
export declare function findNatsServer(): string;
export declare function freePort(): Promise<number>;

export interface NatsServer {
  /** `nats://127.0.0.1:P` */
  readonly tcpUrl: string;
  /** `ws://127.0.0.1:P`, when started with `websocket: true` (the default). */
  readonly wsUrl: string | undefined;
  /** `http://127.0.0.1:P`: `/healthz`, `/varz`, `/jsz`, `/connz`. */
  readonly monitorUrl: string;
  /** PID of the running process (changes after `restart()`). */
  readonly pid: number;
  readonly storeDir: string;
  readonly logFile: string;
  /** SIGTERM by PID and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL by PID (a crash) and wait for the exit. */
  kill(): Promise<void>;
  /** Start again after `stop()`/`kill()`, on the same ports and JetStream store dir (rejects if running). */
  start(): Promise<void>;
  /** `stop()` (if running), then `start()`. */
  restart(): Promise<void>;
  /**
   * Rewrites the config with `extraConfig` replaced by `extra` and sends SIGHUP (a config reload) by PID.
   * Resolves once the server's log says it applied the new configuration.
   */
  reload(extra: string): Promise<void>;
  /** Stop and delete the temp dir. */
  dispose(): Promise<void>;
  /**
   * `http://127.0.0.1:P`: POST `/servers` starts a dedicated server (`{ id, wsUrl, tcpUrl, monitorUrl }`),
   * POST `/servers/<id>/restart` kills and restarts it (`{ restartedAt }`), POST `/servers/<id>/dispose`
   * stops it, POST `/servers/<id>/proxy` puts a black-hole proxy in front of its WebSocket port
   * (`{ proxyId, wsUrl }`; POST `/proxies/<pid>/blackhole|restore|stats|dispose`, see blackhole-proxy.mjs).
   * For runtimes that cannot spawn processes. Undefined with `control: false`.
   */
  readonly controlUrl: string | undefined;
}

export interface NatsServerOptions {
  /** Default true. */
  jetstream?: boolean;
  /** Default true. */
  websocket?: boolean;
  /** Server `max_payload` in bytes (default: nats-server's 1 MB). */
  maxPayload?: number;
  /** Start the control endpoint (`controlUrl`). Default true. */
  control?: boolean;
  /** Appended to the generated config as is (e.g. `authorization { ... }`, `max_control_line: 8192`). */
  extraConfig?: string;
}

export declare function startNatsServer(options?: NatsServerOptions): Promise<NatsServer>;

/** Things not yet disposed (servers, clusters, proxies): each `killSync()`ed on exit. */
export const live: Set<{ killSync(): void }>;
/** Registers `resource` to be killed synchronously when the process exits; returns it. */
export function killOnExit<T extends { killSync(): void }>(resource: T): T;
