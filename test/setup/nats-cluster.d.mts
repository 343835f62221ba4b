/** Types for nats-cluster.mjs (plain JS like nats-server.mjs, whose helpers it reuses). */

/** One nats-server of a {@link NatsCluster}. */
export interface ClusterNode {
  /** `server_name`: `n1`, `n2` … (what `nc.info.server_name`, stream info and `/jsz` report). */
  readonly name: string;
  /** `nats://127.0.0.1:P` */
  readonly tcpUrl: string;
  /** `ws://127.0.0.1:P` */
  readonly wsUrl: string;
  /** `http://127.0.0.1:P`: `/healthz`, `/jsz`, `/routez`, `/connz`. */
  readonly monitorUrl: string;
  /** PID of the running process (changes after `start()`). */
  readonly pid: number;
  readonly storeDir: string;
  readonly logFile: string;
  /** True while the process runs. */
  readonly running: boolean;
  /** SIGTERM by PID and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL by PID (a crash) and wait for the exit. */
  kill(): Promise<void>;
  /** Start again after `stop()`/`kill()`, same ports and store dir; resolves once `/healthz?js-enabled-only=true` is ok. */
  start(): Promise<void>;
  /** `stop()`, then `start()`. */
  restart(): Promise<void>;
  /** GET `/jsz` (undefined while the node does not answer). */
  jsz(): Promise<JszReport | undefined>;
  /**
   * Resolves once `routes` (default 1) other nodes announced over their routes a subscription to exactly
   * `pattern` (queue subscriptions included), so a message published on this node reaches them. Rejects
   * after `timeoutMs` (default 5000).
   */
  routedInterest(pattern: string, options?: { routes?: number; timeoutMs?: number }): Promise<void>;
}

/** The part of `/jsz` the tests read. */
export interface JszReport {
  readonly server_id: string;
  readonly streams: number;
  readonly consumers: number;
  readonly messages: number;
  readonly meta_cluster?: { readonly name: string; readonly leader?: string; readonly cluster_size: number };
}

/** A private JetStream cluster on loopback; see {@link startNatsCluster}. */
export interface NatsCluster {
  /** The cluster name (`cluster { name }`). */
  readonly name: string;
  readonly nodes: readonly ClusterNode[];
  /** Every node's WebSocket URL, in node order. */
  readonly wsUrls: readonly string[];
  /** Every node's client (TCP) URL, in node order. */
  readonly tcpUrls: readonly string[];
  /** The node with this `server_name` (throws for an unknown one). */
  node(serverName: string): ClusterNode;
  /** The JetStream meta leader all running nodes agree on (waits for one). */
  metaLeader(timeoutMs?: number): Promise<string>;
  /** Stops every node and deletes the temp dir. */
  dispose(): Promise<void>;
}

export interface NatsClusterOptions {
  /** Nodes (default 3). */
  size?: number;
  /** Cluster name (default `isoflux`). */
  name?: string;
  /** How long a node may take to become healthy, and the cluster to elect a meta leader (default 20 000 ms). */
  readyTimeoutMs?: number;
}

/**
 * Starts the nodes on free loopback ports (client, route, WebSocket, monitoring each), all routed to each
 * other, and resolves once each answers `/healthz?js-enabled-only=true` and they agree on a meta leader.
 * Every node is killed by PID when the process exits.
 */
export declare function startNatsCluster(options?: NatsClusterOptions): Promise<NatsCluster>;
