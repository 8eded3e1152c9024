import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { type RedisServer, startRedisServer } from './redis-server.js';
import { eventually } from './eventually.js';

const execFileAsync = promisify(execFile);

/** How to run a private Redis Cluster. */
export interface RedisClusterOptions {
  /** Masters; each gets one replica. Default 3 (six redis-server processes). */
  readonly masters?: number;
  /** `cluster-node-timeout`: how long a silent master lasts before its replica takes over. Default 1000 ms. */
  readonly nodeTimeoutMs?: number;
}

/** A Redis Cluster of redis-server child processes on 127.0.0.1, owned by this process. */
export interface RedisCluster {
  /** Every node, as REDIS_CLUSTER_NODES spells them: "127.0.0.1:PORT,127.0.0.1:PORT,…". */
  readonly nodes: string;
  readonly ports: readonly number[];
  /** The port of the master that serves `key`'s hash slot now (asked of a live node). */
  masterOf(key: string): Promise<number>;
  /** SIGKILLs the node on `port` (a crash: no shutdown, no last replication). */
  kill(port: number): Promise<void>;
  /** Waits until a master other than `formerPort` serves `key` and the cluster is ok; returns its port. */
  waitForFailover(key: string, formerPort: number, timeoutMs?: number): Promise<number>;
  /** Stops every node and removes their directories. Idempotent. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;

/**
 * Starts `masters` × 2 redis-servers with `--cluster-enabled yes`, joins them with
 * `redis-cli --cluster create … --cluster-replicas 1 --cluster-yes`, and waits until every node
 * says cluster_state:ok and every replica's link to its master is up.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  if (!Number.isInteger(masters) || masters < 3)
    throw new RangeError(`masters must be an integer of at least 3, received ${masters}`);
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 1_000;
  const extraArgs = [
    '--cluster-enabled',
    'yes',
    '--cluster-node-timeout',
    String(nodeTimeoutMs),
    // A replica takes over however stale its data: kpress must recover what it lost.
    '--cluster-replica-validity-factor',
    '0',
  ];
  const servers: RedisServer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((server) => server.stop()));
  };
  try {
    for (let i = 0; i < masters * 2; i++) servers.push(await startRedisServer({ extraArgs }));
    const addresses = servers.map((server) => `127.0.0.1:${server.port}`);
    await execFileAsync('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes']);
    await eventually(() => allReady(servers.map((s) => s.port)), READY_TIMEOUT_MS, 'the cluster to be ready');
  } catch (error) {
    await stop();
    throw error;
  }
  const alive = new Set(servers.map((server) => server.port));

  async function masterOf(key: string): Promise<number> {
    return ask(alive, async (redis) => {
      const slot = Number(await redis.call('CLUSTER', 'KEYSLOT', key));
      const ranges = (await redis.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, ...unknown[]]][];
      const range = ranges.find(([from, to]) => slot >= from && slot <= to);
      if (range === undefined) throw new Error(`no node serves slot ${slot}`);
      return Number(range[2][1]);
    });
  }

  return {
    nodes: servers.map((server) => `127.0.0.1:${server.port}`).join(','),
    ports: servers.map((server) => server.port),
    masterOf,
    async kill(port) {
      const server = servers.find((s) => s.port === port);
      if (server === undefined) throw new Error(`no node of this cluster on port ${port}`);
      alive.delete(port);
      await server.kill('SIGKILL');
    },
    async waitForFailover(key, formerPort, timeoutMs = 30_000) {
      return eventually(
        async () => {
          const port = await masterOf(key).catch(() => formerPort);
          if (port === formerPort) return undefined;
          return (await clusterOk(port)) ? port : undefined;
        },
        timeoutMs,
        `a replica to take over from the master on port ${formerPort}`,
      );
    },
    stop,
  };
}

async function allReady(ports: readonly number[]): Promise<true | undefined> {
  for (const port of ports) {
    const ready = await withNode(port, async (redis) => {
      const info = String(await redis.call('CLUSTER', 'INFO'));
      if (!info.includes('cluster_state:ok')) return false;
      const replication = await redis.info('replication');
      return !replication.includes('role:slave') || replication.includes('master_link_status:up');
    }).catch(() => false);
    if (!ready) return undefined;
  }
  return true;
}

async function clusterOk(port: number): Promise<boolean> {
  return withNode(port, async (redis) => String(await redis.call('CLUSTER', 'INFO')).includes('cluster_state:ok')).catch(
    () => false,
  );
}

/** Asks the first live node that answers. */
async function ask<T>(ports: ReadonlySet<number>, question: (redis: Redis) => Promise<T>): Promise<T> {
  let lastError: unknown = new Error('no live node');
  for (const port of ports) {
    try {
      return await withNode(port, question);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function withNode<T>(port: number, question: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await question(redis);
  } finally {
    redis.disconnect();
  }
}
