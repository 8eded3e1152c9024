import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startPipelineHarness, type PipelineHarness, type WorkerProcess } from './support/pipeline-harness.js';
import { makePhotos } from './support/test-images.js';

/** KPRESS_ALLOWED_BUCKETS: enqueue refuses other buckets (exit 2); the worker refuses hand-made jobs. */
describe('security: bucket allow-list', () => {
  let h: PipelineHarness;
  let source: string;
  let destination: string;
  let other: string;
  let worker: WorkerProcess;
  let allowed: Record<string, string>;

  before(async () => {
    h = await startPipelineHarness();
    source = h.bucket('allow-src');
    destination = h.bucket('allow-dst');
    other = h.bucket('other');
    for (const bucket of [source, destination, other]) await h.store.createBucket(bucket);
    const [photo] = await makePhotos(1);
    await h.store.put(source, 'in/a.jpg', photo!.body, { contentType: 'image/jpeg' });
    await h.store.put(other, 'in/a.jpg', photo!.body, { contentType: 'image/jpeg' });
    allowed = { KPRESS_ALLOWED_BUCKETS: `${source},${destination}` };
    worker = h.startWorker(['--concurrency', '1'], allowed);
  });

  after(async () => {
    await worker.stop();
    await h.close();
  });

  it('enqueue refuses a source or destination outside the list, naming the variable, and runs inside it', async () => {
    for (const [from, to] of [
      [`s3://${source}/in/`, `s3://${other}/out/`],
      [`s3://${other}/in/`, `s3://${destination}/out/`],
    ]) {
      const result = await h.cli(['enqueue', from!, '--to', to!], allowed);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, new RegExp(`bucket ${other} is not in KPRESS_ALLOWED_BUCKETS`));
    }
    const ok = await h.cli(['enqueue', `s3://${source}/in/`, '--to', `s3://${destination}/out/`, '--wait'], allowed);
    assert.equal(ok.code, 0, ok.stderr);
    assert.notEqual(await h.store.head(destination, 'out/a.png.json'), null);
  });

  it('schedule add refuses a bucket outside the list (exit 2), and a tick of a schedule made before the list changed refuses to list it', async () => {
    for (const [from, to] of [
      [`s3://${source}/in/`, `s3://${other}/out/`],
      [`s3://${other}/in/`, `s3://${destination}/out/`],
    ]) {
      const result = await h.cli(['schedule', 'add', 'forbidden', '--cron', '0 3 * * *', '--from', from!, '--to', to!], allowed);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, new RegExp(`bucket ${other} is not in KPRESS_ALLOWED_BUCKETS`));
    }
    const listed = await h.cli(['schedule', 'list'], allowed);
    assert.doesNotMatch(listed.stdout, /forbidden/);
    // Added without the list, ticked by a worker that has it: the tick lists nothing, writes no report.
    const added = await h.cli([
      'schedule',
      'add',
      'sneaky',
      '--cron',
      '* * * * * *',
      '--from',
      `s3://${other}/in/`,
      '--to',
      `s3://${destination}/sneaky/`,
    ]);
    assert.equal(added.code, 0, added.stderr);
    try {
      await eventually(
        () =>
          Promise.resolve(
            /scheduled run refused: the source bucket \S+ is not in KPRESS_ALLOWED_BUCKETS/.test(worker.output()) || undefined,
          ),
        20_000,
        'a tick to be refused',
      );
      const runs = await Promise.all((await h.runs.recent(100)).map((id) => h.runs.get(id)));
      assert.equal(runs.filter((run) => run?.origin === 'schedule:sneaky').length, 0, 'no run of the forbidden source');
      const written = [];
      for await (const object of h.store.list(destination, 'sneaky/')) written.push(object.key);
      assert.deepEqual(written, [], 'no report or output under the destination');
    } finally {
      await h.cli(['schedule', 'remove', 'sneaky']);
    }
  });

  it('the worker rejects hand-made jobs reading or writing another bucket, touching nothing', async () => {
    const job = (from: string, to: string): Record<string, unknown> => ({
      version: 1,
      runId: 'hand-made',
      source: { bucket: from, key: 'in/a.jpg', etag: '', bytes: 0 },
      output: { bucket: to, key: 'stolen/a.png' },
      params: {},
    });
    for (const data of [job(source, other), job(other, destination)]) {
      const added = await h.queue.add('image', data, { attempts: 3 });
      const failed = await eventually(
        async () => {
          // State first, then the job: a job read before it failed would show attemptsMade 0.
          if ((await h.queue.getJobState(added.id!)) !== 'failed') return undefined;
          return h.queue.getJob(added.id!);
        },
        20_000,
        'the hand-made job to fail',
      );
      assert.equal(failed.attemptsMade, 1, 'not retried');
      assert.match(failed.failedReason, /^bucket-not-allowed: .*is not in KPRESS_ALLOWED_BUCKETS/);
    }
    for (const bucket of [other, destination]) {
      for await (const object of h.store.list(bucket, 'stolen/')) assert.fail(`${bucket}/${object.key} was written`);
    }
  });
});
