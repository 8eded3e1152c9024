import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runKeys, SHARDS, shardOf } from './run-keys.js';
import { snapshotOf } from './run-snapshot.js';

const now = 1_000_000_000;

/** A run hash as the Lua scripts leave it: every field a string. */
function hash(fields: Record<string, string>): Record<string, string> {
  return { runId: 'r1', source: 's3://src/in/', destination: 's3://dst/out/', createdAt: String(now), ...fields };
}

describe('snapshotOf: a run as status, reports and the dashboard read it', () => {
  it('splits the jobs into done, kept, failed, cancelled, active and queued, which add up to jobs', () => {
    const run = snapshotOf(
      hash({ listingDone: '1', jobs: '10', done: '3', keptOriginal: '1', failed: '1', cancelledJobs: '1' }),
      2,
      now,
    );
    assert.equal(run.state, 'running');
    assert.deepEqual([run.done, run.keptOriginal, run.failed, run.cancelled, run.active, run.queued], [3, 1, 1, 1, 2, 2]);
    assert.equal(run.done + run.keptOriginal + run.failed + run.cancelled + run.active + run.queued, run.jobs);
  });

  it('never counts more jobs active than are unfinished (a stale active set), nor a negative queue', () => {
    const run = snapshotOf(hash({ listingDone: '1', jobs: '4', done: '3' }), 5, now);
    assert.deepEqual([run.active, run.queued], [1, 0]);
  });

  it('a cancelled run has nothing queued: its waiting jobs were removed', () => {
    const run = snapshotOf(hash({ cancelled: '1', listingDone: '1', jobs: '10', done: '2' }), 1, now);
    assert.deepEqual([run.state, run.queued, run.active], ['cancelled', 0, 1]);
  });

  it('averages PSNR over the images that have one, and has none without any', () => {
    assert.equal(snapshotOf(hash({ psnrSum: '90', psnrCount: '3' }), 0, now).meanPsnr, 30);
    assert.equal(snapshotOf(hash({ psnrSum: '0', psnrCount: '0' }), 0, now).meanPsnr, null);
  });

  it('shows a paused listing only while the run is listing', () => {
    const paused = { heartbeatAt: String(now - 1_000), listingPaused: '6', maxQueued: '6' };
    assert.deepEqual(snapshotOf(hash(paused), 0, now).listingPaused, { queued: 6, maxQueued: 6 });
    assert.equal(snapshotOf(hash({ ...paused, listingDone: '1' }), 0, now).listingPaused, null);
  });

  it('reads a run recorded before flags, origin and checkpoints existed with their defaults', () => {
    const run = snapshotOf(hash({}), 0, now);
    assert.deepEqual(run.flags, { force: false, retryFailed: false });
    assert.equal(run.origin, 'enqueue');
    assert.deepEqual([run.checkpoint, run.sourcePrefix, run.finishedAt, run.complete], [null, null, null, false]);
    assert.deepEqual(run.params, {});
  });
});

describe('run keys', () => {
  it('keeps every key of a run under its prefix, so a {hash tag} prefix puts them in one cluster slot', () => {
    const keys = runKeys('{kp}', 'r1');
    const all = [
      keys.hash,
      keys.active,
      keys.failures,
      keys.skippedFailed,
      keys.finishedBits,
      keys.resultBuffer,
      keys.pendingPages,
      keys.finished(0),
      keys.legacyResults(1),
      keys.outputs(2),
      keys.seen(63),
    ];
    for (const key of all) assert.ok(key.startsWith('{kp}:run:r1'), key);
    assert.equal(new Set(all).size, all.length, 'no two keys alike');
  });

  it('spreads values over the shards, each value always on the same one', () => {
    const shards = new Set<number>();
    for (let i = 0; i < 2_000; i++) {
      const shard = shardOf(`photos/${i}.jpg`);
      assert.ok(Number.isInteger(shard) && shard >= 0 && shard < SHARDS, String(shard));
      assert.equal(shardOf(`photos/${i}.jpg`), shard);
      shards.add(shard);
    }
    assert.equal(shards.size, SHARDS, 'every shard used');
  });
});
