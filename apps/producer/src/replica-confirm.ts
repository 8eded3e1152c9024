import { Cluster, type Redis } from 'ioredis';
import type { Logger } from 'pino';

/** How long WAIT gives a replica to acknowledge a batch's writes. */
const WAIT_MS = 2_000;

/** After a master answers WAIT with no replica, batches go on unconfirmed this long before asking again. */
const UNREPLICATED_BACKOFF_MS = 30_000;

/**
 * On Redis Cluster, a function that waits until a replica of the master holding `key` has
 * received every write this client sent it (WAIT 1): a batch confirmed so survives the
 * master's death, where asynchronous replication alone could lose jobs already counted. Null on
 * a single Redis (nothing to fail over to). A master without a replica (after a failover, until
 * one joins) cannot confirm: that is logged, and batches go on unconfirmed for a while.
 */
export function replicaConfirmer(redis: Redis, logger: Logger): ((key: string) => Promise<void>) | null {
  if (!(redis instanceof Cluster)) return null;
  const cluster = redis as Cluster;
  const slots = new Map<string, number>();
  let unconfirmedUntil = 0;
  return async (key) => {
    if (Date.now() < unconfirmedUntil) return;
    let slot = slots.get(key);
    if (slot === undefined) {
      slot = Number(await cluster.call('CLUSTER', 'KEYSLOT', key));
      slots.set(key, slot);
    }
    // WAIT counts the writes of one connection: the pool's connection to the slot's master,
    // through which the batch went.
    const masterKey = cluster.slots[slot]?.[0];
    const master = cluster.nodes('master').find((node) => `${node.options.host}:${node.options.port}` === masterKey);
    if (master === undefined)
      throw new Error(`no connection to the master of slot ${slot} (${masterKey ?? 'unknown'}) for ${key}`);
    const replicas = Number(await master.call('WAIT', 1, WAIT_MS));
    if (replicas === 0) {
      unconfirmedUntil = Date.now() + UNREPLICATED_BACKOFF_MS;
      logger.warn(
        { key, master: masterKey, waitMs: WAIT_MS },
        'no replica confirmed the batch: a failover of this master now could lose its last writes',
      );
    }
  };
}
