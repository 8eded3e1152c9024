import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import { LISTING_STALE_MS } from '@kpress/runs';
import { eventually, startPipelineHarness, type PipelineHarness } from './support/pipeline-harness.js';
import { CLI } from './support/repo.js';
import { makePhotos } from './support/test-images.js';

interface RunJson {
  runId: string;
  state: string;
  stateReason: string | null;
  jobs: number;
  done: number;
  failed: number;
  cancelled: number;
  duplicates: number;
}

/** Every run settles, and a person can list, follow, cancel and retry runs (issue: run control). */
describe('run control: states, unambiguous runs, cancel, runs and report', () => {
  let h: PipelineHarness;
  let dir: string;

  before(async () => {
    h = await startPipelineHarness();
    dir = await mkdtemp(join(tmpdir(), 'kpress-run-control-'));
    for (const photo of await makePhotos(12))
      await h.store.put(h.source, `in/${photo.name}`, photo.body, { contentType: 'image/jpeg' });
  });
  after(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  const statusOf = async (runId: string): Promise<{ code: number; run: RunJson }> => {
    const result = await h.cli(['status', runId, '--json']);
    return { code: result.code, run: JSON.parse(result.stdout) as RunJson };
  };

  it('a missing destination bucket is refused before any run is recorded; an enqueue that fails while listing ends its run "failed"', async () => {
    const runsBefore = (await h.runs.recent(1000)).length;
    const missing = await h.cli(['enqueue', `s3://${h.source}/in/`, '--to', 's3://no-such-bucket-kpress/out/']);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /bucket no-such-bucket-kpress does not exist \(--to s3:\/\/no-such-bucket-kpress\/out\/\)/);
    assert.equal((await h.runs.recent(1000)).length, runsBefore, 'no run recorded');

    // A manifest whose third line is not an s3:// URL: the listing stops there.
    const manifest = join(dir, 'broken.txt');
    await writeFile(manifest, `s3://${h.source}/in/photo-001.jpg\ns3://${h.source}/in/photo-002.jpg\nhttp://not-s3/x.jpg\n`);
    const result = await h.cli(['enqueue', '--manifest', manifest, '--to', `s3://${h.destination}/broken/`]);
    assert.equal(result.code, 1, result.stderr);
    const runId = result.stdout.trim();
    assert.match(runId, /^\d{8}T\d{6}Z-[0-9a-f]{6}$/, 'the run id was printed before listing');
    assert.match(result.stderr, /line 3/);
    const { code, run } = await statusOf(runId);
    assert.equal(code, 1);
    assert.equal(run.state, 'failed');
    assert.match(run.stateReason ?? '', /listing stopped .*line 3/);
    const started = Date.now();
    const waited = await h.cli(['status', runId, '--wait']);
    assert.equal(waited.code, 1);
    assert.ok(Date.now() - started < 10_000, '--wait returned at once');
    const cancel = await h.cli(['cancel', runId]);
    assert.match(cancel.stdout, /cancelled: \d+ queued jobs removed/, 'a failed run can still be cancelled');
    assert.equal((await statusOf(runId)).run.state, 'cancelled');
  });

  it('a manifest naming an object twice counts it once, and the run completes', async () => {
    const manifest = join(dir, 'twice.txt');
    const a = `s3://${h.source}/in/photo-001.jpg`;
    const b = `s3://${h.source}/in/photo-002.jpg`;
    await writeFile(manifest, `${a}\n${b}\n${a}\n`);
    const worker = h.startWorker(['--concurrency', '1']);
    try {
      const result = await h.cli(['enqueue', '--manifest', manifest, '--to', `s3://${h.destination}/twice/`, '--wait']);
      assert.equal(result.code, 0, result.stderr);
      const { run } = await statusOf(result.stdout.trim());
      assert.deepEqual([run.state, run.jobs, run.done, run.duplicates], ['done', 2, 2, 1]);
    } finally {
      await worker.stop();
    }
  });

  it('refuses a reused --run-id and a second run of a source → destination still running (unless --force)', async () => {
    const to = `s3://${h.destination}/pending/`;
    const first = await h.cli(['enqueue', `s3://${h.source}/in/`, '--to', to, '--run-id', 'pending-1']);
    assert.equal(first.code, 0, first.stderr);
    const before = await statusOf('pending-1');
    assert.equal(before.run.state, 'running', 'no worker: its jobs wait');

    const reused = await h.cli([
      'enqueue',
      `s3://${h.source}/in/`,
      '--to',
      `s3://${h.destination}/other/`,
      '--run-id',
      'pending-1',
    ]);
    assert.equal(reused.code, 2);
    assert.match(reused.stderr, /run pending-1 exists already/);
    const afterReuse = (await statusOf('pending-1')).run;
    assert.deepEqual(
      [afterReuse.jobs, afterReuse.state, afterReuse.done],
      [before.run.jobs, 'running', 0],
      'its counters are untouched',
    );

    const second = await h.cli(['enqueue', `s3://${h.source}/in/`, '--to', to]);
    assert.equal(second.code, 2, second.stderr);
    assert.match(second.stderr, /run pending-1 .* is still running/);
    const forced = await h.cli(['enqueue', `s3://${h.source}/in/`, '--to', to, '--force', '--run-id', 'pending-2']);
    assert.equal(forced.code, 0, forced.stderr);

    for (const runId of ['pending-1', 'pending-2']) {
      const cancel = await h.cli(['cancel', runId]);
      assert.equal(cancel.code, 0, cancel.stderr);
      assert.match(cancel.stdout, /cancelled: \d+ queued jobs removed/);
      const { run } = await statusOf(runId);
      assert.equal(run.state, 'cancelled');
      assert.equal(run.cancelled, run.jobs, 'every queued job was removed and counted');
    }
    assert.equal(await h.queue.count(), 0, 'no job of a cancelled run is left in the queue');
  });

  it('cancel mid-run: no output after the cancel but the one in flight, state cancelled, report written', async () => {
    const to = `s3://${h.destination}/cancel/`;
    const enqueue = await h.cli(['enqueue', `s3://${h.source}/in/`, '--to', to, '--run-id', 'cancel-me']);
    assert.equal(enqueue.code, 0, enqueue.stderr);
    const worker = h.startWorker(['--concurrency', '1']);
    try {
      await eventually(async () => ((await h.runs.get('cancel-me'))!.done >= 2 ? true : undefined), 60_000, 'two images done');
      const cancel = await h.cli(['cancel', 'cancel-me']);
      assert.equal(cancel.code, 0, cancel.stderr);
      const atCancel = await h.runs.get('cancel-me');
      const settled = await eventually(
        async () => {
          const run = await h.runs.get('cancel-me');
          return run?.complete ? run : undefined;
        },
        60_000,
        'the run to settle',
      );
      assert.equal(settled.state, 'cancelled');
      assert.ok(settled.cancelled > 0);
      assert.equal(settled.done + settled.failed + settled.cancelled, settled.jobs);
      assert.ok(
        settled.done <= atCancel!.done + 1,
        `at most the job in flight finished after the cancel (${atCancel!.done} → ${settled.done})`,
      );
      const outputs = [];
      for await (const object of h.store.list(h.destination, 'cancel/'))
        if (object.key.endsWith('.png')) outputs.push(object.key);
      assert.equal(outputs.length, settled.done, 'an output for each done image, none for cancelled ones');
      const report = await eventually(
        async () => (await h.store.head(h.destination, 'cancel/_kpress/runs/cancel-me/report.json')) ?? undefined,
        30_000,
        'the report',
      );
      assert.ok(report.size > 0);
      const printed = await h.cli(['report', 'cancel-me']);
      assert.equal(printed.code, 0);
      assert.match(printed.stdout, /html: s3:\/\/\S+\/cancel\/_kpress\/runs\/cancel-me\/report\.html/);
      assert.match(printed.stdout, /cancel-me: cancelled/);
    } finally {
      await worker.stop();
    }
  });

  it('a producer killed with SIGKILL mid-listing leaves a run that status shows failed, not listing forever', async () => {
    const fifo = join(dir, 'slow-manifest');
    execFileSync('mkfifo', [fifo]);
    const child = spawn(process.execPath, [CLI, 'enqueue', '--manifest', fifo, '--to', `s3://${h.destination}/killed/`], {
      env: h.env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    // The manifest stays open: the producer lists, then blocks waiting for more lines.
    const writer = spawn('sh', ['-c', `echo s3://${h.source}/in/photo-003.jpg > ${fifo}.tmp; cat ${fifo}.tmp - > ${fifo}`], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    const runId = await eventually(
      () => Promise.resolve(/^\S+\n/.test(stdout) ? stdout.trim() : undefined),
      30_000,
      'the run id',
    );
    assert.equal((await statusOf(runId)).run.state, 'listing');
    child.kill('SIGKILL');
    writer.kill('SIGKILL');
    const run = await eventually(
      async () => {
        const { run: now } = await statusOf(runId);
        return now.state === 'listing' ? undefined : now;
      },
      LISTING_STALE_MS + 20_000,
      'the run to leave "listing"',
    );
    assert.equal(run.state, 'failed');
    assert.match(run.stateReason ?? '', /producer stopped while listing/);
    const waited = await h.cli(['status', runId, '--wait']);
    assert.equal(waited.code, 1, '--wait returns');
  });

  it('kpress runs lists runs newest first with their state; --version, help and every new command --help answer', async () => {
    const listed = await h.cli(['runs', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const runs = JSON.parse(listed.stdout) as RunJson[];
    assert.ok(runs.length >= 5);
    for (const run of runs) assert.match(run.state, /^(listing|running|done|failed|cancelled)$/);
    assert.ok(runs.findIndex((r) => r.runId === 'cancel-me') < runs.findIndex((r) => r.runId === 'pending-1'), 'newest first');
    const human = await h.cli(['runs']);
    assert.match(human.stdout, /cancel-me +cancelled/);
    const latest = await h.cli(['status']);
    assert.match(latest.stdout, new RegExp(`run ${runs[0]!.runId}:`), 'status without an id shows the latest run');
    for (const command of ['runs', 'cancel', 'retry', 'report', 'status']) {
      const help = await h.cli([command, '--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, new RegExp(`Usage: kpress ${command}`));
    }
  });

  it('Ctrl-C on enqueue --wait says the run goes on and how to follow or cancel it', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'enqueue', `s3://${h.source}/in/`, '--to', `s3://${h.destination}/ctrl-c/`, '--wait'],
      {
        env: h.env(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await eventually(() => Promise.resolve(/run \S+: listed/.test(stderr) ? true : undefined), 30_000, 'the listing to end');
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    const runId = stdout.trim();
    assert.match(stderr, /goes on/);
    assert.ok(stderr.includes(`kpress status ${runId} --wait`) && stderr.includes(`kpress cancel ${runId}`), stderr);
    assert.equal((await statusOf(runId)).run.state, 'running', 'the run goes on');
    await h.cli(['cancel', runId]);
  });
});
