import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { after, before, describe, it } from 'node:test';
import type { QueueEvents } from 'bullmq';
import { startPipelineHarness, type PipelineHarness } from './support/pipeline-harness.js';
import { referenceOutputs, verifyOutputs, type SourceImage } from './support/output-checks.js';
import { makePhotos } from './support/test-images.js';

/** Pins every thread of `pid` to CPU 0; false when taskset (util-linux) is not installed. */
function pinToCpu0(pid: number): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(pid)], { stdio: 'ignore' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  return true;
}

/** The CPUs a process may run on, as /proc lists them ("0", "0-1"). */
function allowedCpus(pid: number): string {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1] ?? '?';
}

describe('faults: a worker starved of CPU', () => {
  let h: PipelineHarness;
  let source: string;
  let destination: string;
  let events: QueueEvents;
  const hogs: ChildProcess[] = [];

  before(async () => {
    h = await startPipelineHarness();
    source = h.source;
    destination = h.destination;
    events = await h.queueEvents();
  });

  after(async () => {
    for (const hog of hogs) hog.kill('SIGKILL');
    await h.close();
  });

  it('keeps its job locks while starved: no job stalls or runs twice, each image done once, one output per image', async (t) => {
    const params = { k: 64 };
    const photos = await makePhotos(8, { width: 1200, height: 800 });
    const images: SourceImage[] = photos.map((p) => ({ key: `cpu/${p.name}`, body: p.body }));
    for (const image of images) await h.store.put(source, image.key, image.body, { contentType: 'image/jpeg' });
    const stalled: string[] = [];
    const started: string[] = [];
    const completed: string[] = [];
    events.on('stalled', ({ jobId }) => stalled.push(jobId));
    events.on('active', ({ jobId }) => started.push(jobId));
    events.on('completed', ({ jobId }) => completed.push(jobId));

    // The starved worker shares CPU 0 with two busy loops (its compress processes included, forked
    // after the pinning); a second worker, unpinned, is there to take over any job whose lock
    // lapses. Its compress processes keep the event loop's priority (--compress-nice 0): the
    // hardest case for lock renewals, and one where the starved worker still gets its share of
    // the images. Without taskset nothing can be pinned: two busy loops per core then starve
    // every process of the machine instead, the starved worker included.
    const starved = h.startWorker(['--concurrency', '2', '--lock-duration', '2000', '--compress-nice', '0'], {
      LOG_LEVEL: 'info',
    });
    const pinned = starved.child.pid !== undefined && pinToCpu0(starved.child.pid);
    if (pinned) assert.equal(allowedCpus(starved.child.pid), '0', 'the starved worker runs on CPU 0 only');
    const hogCount = pinned ? 2 : 2 * availableParallelism();
    for (let i = 0; i < hogCount; i++) {
      const hog = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
      hogs.push(hog);
      if (hog.pid !== undefined && pinned) pinToCpu0(hog.pid);
    }
    // The starved worker takes jobs only once its compress processes are warm, which starved takes
    // seconds: the helper, started at once, would otherwise do every image before it is ready.
    for (let waited = 0; !starved.output().includes('"msg":"worker started"'); waited += 100) {
      assert.ok(waited < 60_000, `the starved worker did not start within 60 s: ${starved.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    let runId = '';
    const helper = h.startWorker(['--concurrency', '1', '--lock-duration', '2000']);
    try {
      const result = await h.cli([
        'enqueue',
        `s3://${source}/cpu/`,
        '--to',
        `s3://${destination}/cpu-out/`,
        '--k',
        '64',
        '--wait',
      ]);
      assert.equal(result.code, 0, result.stderr);
      runId = result.stdout.trim();
      const run = await h.runs.get(runId);
      assert.equal(run?.done, images.length, 'each image counted exactly once');
      assert.equal(run.failed, 0);
      assert.doesNotMatch(starved.output() + helper.output(), /"level":50/, 'no worker logged an error');
    } finally {
      for (const hog of hogs.splice(0)) hog.kill('SIGKILL');
      await Promise.all([starved.stop(), helper.stop()]);
    }
    const references = await referenceOutputs(images, 'cpu/', 'cpu-out/', params);
    const verdict = await verifyOutputs(h.store, destination, 'cpu-out/', references);
    assert.deepEqual(
      { missing: verdict.missing, mismatching: verdict.mismatching, broken: verdict.broken, unexpected: verdict.unexpected },
      { missing: [], mismatching: [], broken: [], unexpected: [] },
    );
    assert.equal(verdict.good, images.length);
    // The starved worker did its share (its pid signs the metadata documents it wrote).
    const byStarved = await Promise.all(
      [...references.keys()].map(async (key) => {
        const doc = JSON.parse((await h.store.get(destination, `${key}.json`, { maxBytes: 1 << 20 })).body.toString('utf8')) as {
          worker: { pid: number };
        };
        return doc.worker.pid === starved.child.pid;
      }),
    );
    assert.ok(byStarved.some(Boolean), 'the starved worker completed some images itself');

    // Locks kept: no job of the run stalled, and none started twice (a lapsed lock hands the job
    // to another worker, which starts it again). Queue events arrive in order: once every
    // completion of the run is seen, so is every start before it.
    const ofRun = (ids: readonly string[]): string[] => ids.filter((id) => id.startsWith(`${runId}-`));
    for (let waited = 0; ofRun(completed).length < images.length && waited < 10_000; waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(ofRun(completed).length, images.length, 'every completion of the run was seen');
    t.diagnostic(
      `cpu starvation: ${pinned ? 'pinned to CPU 0 with 2 busy loops' : `not pinned (no taskset), ${hogCount} busy loops`}`,
    );
    assert.deepEqual(ofRun(stalled), [], 'no job of the run stalled: the starved worker renewed every lock');
    assert.equal(ofRun(started).length, images.length, 'each job started once');
    assert.equal(new Set(ofRun(started)).size, images.length, 'and each job of the run started');
  });
});
