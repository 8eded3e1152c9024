import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { resolveParams } from '@kpress/job-contract';
import { parseS3Url } from '@kpress/job-contract';
import { enqueueRun, objectsUnderPrefix } from '@kpress/producer';
import { createFailureMemory, LISTING_STALE_MS, runKeys, type RunStore } from '@kpress/runs';
import { pino } from 'pino';
import { eventually, type PipelineHarness, startPipelineHarness } from './support/pipeline-harness.js';
import { CLI } from './support/repo.js';
import { makePhotos } from './support/test-images.js';

interface RunJson {
  state: string;
  stateReason: string | null;
  listed: number;
  jobs: number;
  done: number;
  failed: number;
  duplicates: number;
  queued: number;
  checkpoint: string | null;
  listingPaused: { queued: number; maxQueued: number } | null;
  resumes: number;
}

/** Issue 15: a run's backlog bounded by --max-queued, and a listing that resumes after SIGKILL. */
describe('archive scale: back-pressure and a producer that resumes', () => {
  let h: PipelineHarness;
  const children: ChildProcess[] = [];

  before(async () => {
    h = await startPipelineHarness();
    const photos = await makePhotos(24, { width: 48, height: 36 });
    for (const folder of ['bp', 'kill', 'torn', 'lost'])
      for (const photo of photos)
        await h.store.put(h.source, `${folder}/${photo.name}`, photo.body, { contentType: 'image/jpeg' });
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await h.close();
  });

  const statusOf = async (runId: string): Promise<RunJson> => {
    const result = await h.cli(['status', runId, '--json']);
    assert.notEqual(result.stdout, '', result.stderr);
    return JSON.parse(result.stdout) as RunJson;
  };
  const spawnCli = (args: string[]): { child: ChildProcess; exited: Promise<number | null>; stdout: () => string } => {
    const child = spawn(process.execPath, [CLI, ...args], { env: h.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', () => undefined);
    return { child, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))), stdout: () => out };
  };
  const pausedAt = (runId: string, queued: number): Promise<RunJson> =>
    eventually(
      async () => {
        const result = await h.cli(['status', runId, '--json']);
        const run = result.stdout === '' ? null : (JSON.parse(result.stdout) as RunJson);
        return run?.listingPaused?.queued === queued ? run : undefined;
      },
      30_000,
      `run ${runId} paused at ${queued} queued`,
    );

  it('--max-queued 6: the listing pauses at 6 waiting jobs ("listing paused: 6 queued") and finishes as a worker drains them', async () => {
    const enqueue = spawnCli([
      'enqueue',
      `s3://${h.source}/bp/`,
      '--to',
      `s3://${h.destination}/bp/`,
      '--run-id',
      'bp',
      '--max-queued',
      '6',
    ]);
    const paused = await pausedAt('bp', 6);
    assert.deepEqual([paused.state, paused.listed, paused.jobs], ['listing', 6, 6], 'one batch of 6 listed, then paused');
    assert.equal(await h.queue.getWaitingCount(), 6);
    assert.match((await h.cli(['status', 'bp'])).stdout, /run bp: listing, listing paused: 6 queued \(--max-queued 6\)/);

    let mostWaiting = 0;
    const sampler = setInterval(() => {
      h.queue.getWaitingCount().then(
        (n) => (mostWaiting = Math.max(mostWaiting, n)),
        () => undefined,
      );
    }, 50);
    const worker = h.startWorker(['--concurrency', '2']);
    try {
      assert.equal(await enqueue.exited, 0);
      const done = await eventually(
        async () => {
          const run = await statusOf('bp');
          return run.state === 'done' ? run : undefined;
        },
        60_000,
        'run bp done',
      );
      assert.deepEqual([done.listed, done.jobs, done.done, done.failed, done.listingPaused], [24, 24, 24, 0, null]);
      assert.ok(mostWaiting <= 6, `at most 6 jobs waited (saw ${mostWaiting})`);
    } finally {
      clearInterval(sampler);
      await worker.stop();
    }
  });

  it('SIGKILL mid-listing, then --resume: refused while the producer could be alive, then the rest listed from the checkpoint, each image queued and counted once', async () => {
    const to = `s3://${h.destination}/kill/`;
    const first = spawnCli(['enqueue', `s3://${h.source}/kill/`, '--to', to, '--run-id', 'killed', '--max-queued', '8']);
    const paused = await pausedAt('killed', 8);
    assert.equal(paused.checkpoint, 'kill/photo-007.jpg', 'the checkpoint is the last key of the committed batch');
    first.child.kill('SIGKILL');
    await first.exited;

    const early = await h.cli(['enqueue', '--resume', 'killed']);
    assert.equal(early.code, 2, early.stderr);
    assert.match(early.stderr, /run killed is still listing \(its producer beat \d+s ago\)/);
    const mixed = await h.cli(['enqueue', '--resume', 'killed', '--to', to]);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /drop --to/);

    // As if LISTING_STALE_MS had passed with no heartbeat (the run-control test waits for it for real).
    await h.redis.hset(runKeys(h.prefix, 'killed').hash, 'heartbeatAt', String(Date.now() - LISTING_STALE_MS - 1_000));
    const stale = await statusOf('killed');
    assert.equal(stale.state, 'failed');
    assert.match(stale.stateReason ?? '', /its producer stopped while listing/);

    const resumed = spawnCli(['enqueue', '--resume', 'killed', '--max-queued', '8', '--wait']);
    const again = await eventually(
      async () => {
        const run = await statusOf('killed');
        return run.resumes === 1 && run.listingPaused?.queued === 8 ? run : undefined;
      },
      30_000,
      'the resumed listing to pause',
    );
    assert.deepEqual([again.state, again.resumes, again.listed], ['listing', 1, 8], 'listing again, nothing listed twice');
    const worker = h.startWorker(['--concurrency', '2']);
    try {
      assert.equal(await resumed.exited, 0, 'enqueue --resume --wait exits 0 when every image is done');
      const run = await statusOf('killed');
      assert.deepEqual([run.state, run.listed, run.jobs, run.done, run.failed, run.duplicates], ['done', 24, 24, 24, 0, 0]);
    } finally {
      await worker.stop();
    }
    const finished = await h.queue.getJobs(['completed', 'failed', 'waiting', 'active', 'delayed']);
    const ofRun = finished.filter((job) => (job.data as { runId: string }).runId === 'killed');
    assert.equal(ofRun.length, 24, 'one job per image');
    let outputs = 0;
    for await (const object of h.store.list(h.destination, 'kill/')) if (object.key.endsWith('.png')) outputs++;
    assert.equal(outputs, 24);
  });

  it("listing counts Redis acknowledged then lost (a failover to a stale replica) are reconciled from the producer's own count", async () => {
    const runs: RunStore = h.runs;
    let commits = 0;
    // The second batch's commit is acknowledged but never lands, as when the master that took
    // it dies before replicating it.
    const forgetful: RunStore = {
      ...runs,
      get: (id) => runs.get(id),
      takePair: (pair, id, force) => runs.takePair(pair, id, force),
      commitBatch: async (id, batch) => {
        if (++commits !== 2) await runs.commitBatch(id, batch);
      },
    };
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    const source = parseS3Url(`s3://${h.source}/lost/`, 'source');
    const progress = await enqueueRun(
      {
        runId: 'lost',
        objects: objectsUnderPrefix(h.store, source),
        sourceLabel: `s3://${h.source}/lost/`,
        sourcePrefix: source,
        mayRepeat: false,
        destination: parseS3Url(`s3://${h.destination}/lost/`, 'to'),
        params: resolveParams({ k: 8 }),
        force: false,
        retryFailed: false,
        dryRun: false,
        origin: 'enqueue',
        maxInputBytes: 1 << 24,
        batchSize: 10,
      },
      {
        store: h.store,
        runs: forgetful,
        failureMemory: createFailureMemory(h.redis, h.prefix),
        queue: h.queue,
        logger,
      },
    );
    assert.equal(progress.queued, 24);
    const run = await statusOf('lost');
    assert.deepEqual([run.state, run.listed, run.jobs, run.queued], ['running', 24, 24, 24]);
    assert.match(warnings.join(''), /the run had lost listing counts \(a Redis failover\?\): reconciled/);
    assert.match(warnings.join(''), /"found":\{"listed":14,"jobs":14\}/);
    await h.cli(['cancel', 'lost']);
  });

  it('a producer dying between queueing a batch and recording it: the resume redoes the batch, queues no job twice and counts it once', async () => {
    const runs: RunStore = h.runs;
    let commits = 0;
    // Fault injection on a real run store: the second batch's jobs reach BullMQ, its commit never does.
    const dying: RunStore = {
      ...runs,
      get: (id) => runs.get(id),
      takePair: (pair, id, force) => runs.takePair(pair, id, force),
      commitBatch: async (id, batch) => {
        if (++commits === 2) throw new Error('killed between addBulk and commit');
        await runs.commitBatch(id, batch);
      },
    };
    const source = parseS3Url(`s3://${h.source}/torn/`, 'source');
    await assert.rejects(
      enqueueRun(
        {
          runId: 'torn',
          objects: objectsUnderPrefix(h.store, source),
          sourceLabel: `s3://${h.source}/torn/`,
          sourcePrefix: source,
          mayRepeat: false,
          destination: parseS3Url(`s3://${h.destination}/torn/`, 'to'),
          params: resolveParams({ k: 8 }),
          force: false,
          retryFailed: false,
          dryRun: false,
          origin: 'enqueue',
          maxInputBytes: 1 << 24,
          maxQueued: 100,
          batchSize: 10,
        },
        {
          store: h.store,
          runs: dying,
          failureMemory: createFailureMemory(h.redis, h.prefix),
          queue: h.queue,
          logger: pino({ level: 'silent' }),
          // A dead producer retries nothing.
          retryWindowMs: 0,
        },
      ),
      /killed between addBulk and commit/,
    );
    const torn = await statusOf('torn');
    assert.deepEqual([torn.state, torn.listed, torn.jobs], ['failed', 10, 10], 'the first batch only is counted');
    const jobsOfTorn = async (): Promise<number> =>
      (await h.queue.getJobs(['waiting'])).filter((job) => (job.data as { runId: string }).runId === 'torn').length;
    assert.equal(await jobsOfTorn(), 20, 'the second batch was queued before the producer died');

    const resumed = await h.cli(['enqueue', '--resume', 'torn']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /resuming the listing of run torn after torn\/photo-009\.(jpg|png)/);
    const run = await statusOf('torn');
    assert.deepEqual([run.state, run.listed, run.jobs, run.queued], ['running', 24, 24, 24]);
    assert.equal(await jobsOfTorn(), 24, 'no job queued twice');
    const worker = h.startWorker(['--concurrency', '2']);
    try {
      const done = await eventually(
        async () => {
          const now = await statusOf('torn');
          return now.state === 'done' ? now : undefined;
        },
        60_000,
        'run torn done',
      );
      assert.deepEqual([done.jobs, done.done, done.failed], [24, 24, 0]);
    } finally {
      await worker.stop();
    }
  });
  it('two sources of one output split by a resume: the resumed listing still finds the collision (open claims ride on the checkpoint)', async () => {
    const [photo] = await makePhotos(1, { width: 48, height: 36 });
    for (const key of ['split/cow.gif', 'split/cow.jpg'])
      await h.store.put(h.source, key, photo!.body, { contentType: 'image/jpeg' });
    const source = parseS3Url(`s3://${h.source}/split/`, 'source');
    // The first producer lists split/cow.gif, commits that batch, and stops (its listing fails).
    async function* firstThenStop() {
      for await (const object of objectsUnderPrefix(h.store, source)) {
        yield object;
        throw new Error('listing stopped after the first object');
      }
    }
    await assert.rejects(
      enqueueRun(
        {
          runId: 'split',
          objects: firstThenStop(),
          sourceLabel: `s3://${h.source}/split/`,
          sourcePrefix: source,
          mayRepeat: false,
          destination: parseS3Url(`s3://${h.destination}/split/`, 'to'),
          params: resolveParams({ k: 8 }),
          force: false,
          retryFailed: false,
          dryRun: false,
          origin: 'enqueue',
          maxInputBytes: 1 << 24,
          batchSize: 1,
        },
        {
          store: h.store,
          runs: h.runs,
          failureMemory: createFailureMemory(h.redis, h.prefix),
          queue: h.queue,
          logger: pino({ level: 'silent' }),
        },
      ),
      /listing stopped after the first object/,
    );
    assert.deepEqual(await h.runs.openClaims('split'), [{ output: 'split/cow.png', source: `s3://${h.source}/split/cow.gif` }]);
    const resumed = await h.cli(['enqueue', '--resume', 'split']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const run = await h.runs.get('split');
    assert.deepEqual([run?.listed, run?.jobs, run?.failed], [2, 2, 1]);
    const failures = await h.runs.failures('split');
    assert.equal(failures[0]?.code, 'output-collision');
    assert.equal(failures[0]?.key, `s3://${h.source}/split/cow.jpg`);
    assert.match(failures[0].reason, /belongs to s3:\/\/\S+\/split\/cow\.gif/);
  });
});
