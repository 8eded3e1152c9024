import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jobIdFor, JOB_ATTEMPTS } from '@kpress/job-contract';
import sharp from 'sharp';
import { eventually, startPipelineHarness, type PipelineHarness, type WorkerProcess } from './support/pipeline-harness.js';
import { makePhotos } from './support/test-images.js';

interface StatusJson {
  state: string;
  done: number;
  failed: number;
  skipped: number;
  skippedFailed: number;
  failures: { key: string; code: string; reason: string }[];
  skippedFailures: { key: string; code: string; reason: string }[];
}

/** Nothing a user types can harm their archive (issue: archive safety). */
describe('archive safety: overlap, ownership across runs, remembered failures', () => {
  let h: PipelineHarness;
  let worker: WorkerProcess;
  let photos: { name: string; body: Buffer }[];

  before(async () => {
    h = await startPipelineHarness();
    photos = await makePhotos(4);
    worker = h.startWorker(['--concurrency', '2']);
  });
  after(async () => {
    await worker.stop();
    await h.close();
  });

  const status = async (runId: string): Promise<StatusJson> => {
    const result = await h.cli(['status', runId, '--json']);
    return JSON.parse(result.stdout) as StatusJson;
  };

  it('refuses a destination equal to, inside or containing the source (enqueue and schedule add), leaving the source untouched', async () => {
    for (const photo of photos) await h.store.put(h.source, `inplace/${photo.name}`, photo.body, { contentType: 'image/jpeg' });
    const before = await Promise.all(photos.map((p) => h.store.head(h.source, `inplace/${p.name}`)));
    const runsBefore = await h.runs.recent(100);
    const source = `s3://${h.source}/inplace/`;
    const pairs = [
      [source, source],
      [source, `s3://${h.source}/inplace`],
      [source, `s3://${h.source}/inplace/small/`],
      [source, `s3://${h.source}/`],
      [`s3://${h.source}/inplace`, `s3://${h.source}/inplace-small/`],
    ] as const;
    for (const [from, to] of pairs) {
      const result = await h.cli(['enqueue', from, '--to', to, '--wait']);
      assert.equal(result.code, 2, `enqueue ${from} --to ${to} is refused: ${result.stderr}`);
      assert.ok(result.stderr.includes(from) && result.stderr.includes(to), `names both URLs: ${result.stderr}`);
      assert.match(result.stderr, /overwritten|inside/);
      const schedule = await h.cli(['schedule', 'add', 'nightly', '--cron', '0 3 * * *', '--from', from, '--to', to]);
      assert.equal(schedule.code, 2, `schedule add --from ${from} --to ${to} is refused: ${schedule.stderr}`);
    }
    const disjoint = await h.cli(['enqueue', source, '--to', `s3://${h.destination}/elsewhere/`, '--wait']);
    assert.equal(disjoint.code, 0, `a disjoint destination works: ${disjoint.stderr}`);
    const afterwards = await Promise.all(photos.map((p) => h.store.head(h.source, `inplace/${p.name}`)));
    assert.deepEqual(
      afterwards.map((o) => [o?.etag, o?.size]),
      before.map((o) => [o?.etag, o?.size]),
      'every source object keeps its bytes and ETag',
    );
    assert.equal((await h.runs.recent(100)).length, runsBefore.length + 1, 'no run was recorded for a refused enqueue');
  });

  it('the worker refuses a hand-made job whose output is its source (unsafe-output), writing nothing', async () => {
    const key = 'handmade/victim.jpg';
    await h.store.put(h.source, key, photos[1]!.body, { contentType: 'image/jpeg' });
    const original = await h.store.head(h.source, key);
    const runId = 'handmade-run';
    await h.runs.create({
      runId,
      source: `s3://${h.source}/handmade/`,
      destination: `s3://${h.source}/handmade/`,
      params: {},
      origin: 'test',
    });
    await h.runs.addJobs(runId, 1);
    await h.runs.closeListing(runId, 1);
    await h.queue.add(
      'image',
      {
        version: 1,
        runId,
        source: { bucket: h.source, key, etag: original!.etag, bytes: original!.size },
        output: { bucket: h.source, key },
        params: { k: 4 },
      },
      { jobId: jobIdFor(runId, 'x'), attempts: JOB_ATTEMPTS },
    );
    const run = await eventually(
      async () => ((await h.runs.get(runId))?.complete ? h.runs.get(runId) : undefined),
      60_000,
      'the job to fail',
    );
    assert.equal(run?.failed, 1);
    assert.equal((await h.runs.failures(runId))[0]?.code, 'unsafe-output');
    const now = await h.store.head(h.source, key);
    assert.deepEqual([now?.etag, now?.size], [original!.etag, original!.size], 'the source is untouched');
  });

  it('hand-made jobs that do not belong to their run (reserved _kpress/, another prefix, another bucket, no such run) write nothing and touch no run', async () => {
    const key = 'handmade/ok.jpg';
    await h.store.put(h.source, key, photos[2]!.body, { contentType: 'image/jpeg' });
    const head = await h.store.head(h.source, key);
    const runId = 'provenance-run';
    await h.runs.create({
      runId,
      source: `s3://${h.source}/handmade/`,
      sourcePrefix: `s3://${h.source}/handmade/`,
      destination: `s3://${h.destination}/prov/`,
      params: { k: 4 },
      origin: 'test',
    });
    await h.runs.addJobs(runId, 1);
    const before = await h.runs.get(runId);
    const job = (id: string, output: { bucket: string; key: string }, run = runId) =>
      h.queue.add(
        'image',
        {
          version: 1,
          runId: run,
          source: { bucket: h.source, key, etag: head!.etag, bytes: head!.size },
          output,
          params: { k: 4 },
        },
        { jobId: `${run}-${id}`, attempts: JOB_ATTEMPTS },
      );
    const targets = {
      reserved: { bucket: h.destination, key: 'prov/_kpress/runs/other/report.html' },
      otherPrefix: { bucket: h.destination, key: 'elsewhere/ok.png' },
      sourceBucket: { bucket: h.source, key: 'handmade/ok.png' },
    };
    for (const [id, output] of Object.entries(targets)) await job(id, output);
    await job('ghost', { bucket: h.destination, key: 'prov/ok.png' }, 'no-such-run');
    for (const id of [...Object.keys(targets).map((name) => `${runId}-${name}`), 'no-such-run-ghost']) {
      await eventually(
        async () => ((await h.queue.getJobState(id)) === 'failed' ? true : undefined),
        60_000,
        `job ${id} to fail`,
      );
      const failed = await h.queue.getJob(id);
      assert.match(failed?.failedReason ?? '', /invalid-job/);
    }
    for (const output of [...Object.values(targets), { bucket: h.destination, key: 'prov/ok.png' }]) {
      assert.equal(await h.store.head(output.bucket, output.key), null, `nothing written at s3://${output.bucket}/${output.key}`);
    }
    const after = await h.runs.get(runId);
    assert.deepEqual([after?.jobs, after?.done, after?.failed, after?.active], [before?.jobs, 0, 0, 0], 'the run is untouched');
    assert.equal(await h.runs.get('no-such-run'), null, 'no run record created');
  });

  it('a torn image/metadata pair (the image rewritten by another run or a crash between the PUTs) is redone, never skipped', async () => {
    await h.store.put(h.source, 'torn/a.jpg', photos[0]!.body, { contentType: 'image/jpeg' });
    await h.store.put(h.source, 'torn/b.jpg', photos[1]!.body, { contentType: 'image/jpeg' });
    const args = ['enqueue', `s3://${h.source}/torn/`, '--to', `s3://${h.destination}/torn/`, '--k', '16'];
    assert.equal((await h.cli([...args, '--wait'])).code, 0);
    // As a K=32 re-run killed between its two PUTs leaves it: a new image beside the old document.
    const image = await h.store.get(h.destination, 'torn/a.png', { maxBytes: 1 << 22 });
    const owner = (await h.store.head(h.destination, 'torn/a.png'))!.metadata;
    await h.store.put(h.destination, 'torn/a.png', image.body, {
      contentType: 'image/png',
      metadata: { ...owner, 'kpress-job-hash': 'f'.repeat(32) },
    });
    const dry = await h.cli([...args, '--dry-run']);
    assert.match(dry.stdout, /queue +s3:\/\/\S+\/torn\/a\.jpg/, `the torn pair is queued: ${dry.stdout}`);
    assert.match(dry.stdout, /skip +s3:\/\/\S+\/torn\/b\.jpg/, 'the matching pair is skipped');
    const rerun = await h.cli([...args, '--wait']);
    assert.equal(rerun.code, 0);
    const image2 = await h.store.head(h.destination, 'torn/a.png');
    const document = await h.store.head(h.destination, 'torn/a.png.json');
    assert.equal(image2?.metadata['kpress-job-hash'], document?.metadata['kpress-job-hash'], 'the pair agrees again');
  });

  it('an output belongs to its first source: the collision is stable over three incremental runs and reported in each', async () => {
    const differentPng = await sharp(photos[2]!.body).png().toBuffer();
    await h.store.put(h.source, 'col/china.jpg', photos[0]!.body, { contentType: 'image/jpeg' });
    await h.store.put(h.source, 'col/china.png', differentPng, { contentType: 'image/png' });
    const source = `s3://${h.source}/col/`;
    const to = `s3://${h.destination}/col/`;

    const dry = await h.cli(['enqueue', source, '--to', to, '--dry-run']);
    assert.match(
      dry.stdout,
      /fail +s3:\/\/\S+\/col\/china\.png .*output-collision/,
      `dry run reports the collision: ${dry.stdout}`,
    );

    const outputs: string[] = [];
    const statuses: StatusJson[] = [];
    for (let run = 1; run <= 3; run++) {
      const result = await h.cli(['enqueue', source, '--to', to, '--wait']);
      const runId = result.stdout.trim().split('\n')[0]!;
      statuses.push(await status(runId));
      assert.equal(result.code, run === 1 ? 1 : 0, `run ${run}: exit 1 only when something new failed: ${result.stderr}`);
      const head = await h.store.head(h.destination, 'col/china.png');
      outputs.push(`${head?.etag}`);
      const metadata = JSON.parse(
        (await h.store.get(h.destination, 'col/china.png.json', { maxBytes: 1 << 20 })).body.toString(),
      ) as {
        source: { key: string };
      };
      assert.equal(metadata.source.key, 'col/china.jpg', `run ${run}: the metadata names the owner`);
    }
    assert.equal(new Set(outputs).size, 1, `the output never changes owner: ${outputs.join(', ')}`);
    assert.equal(statuses[0]!.failures.find((f) => f.key.endsWith('col/china.png'))?.code, 'output-collision');
    assert.match(statuses[0]!.failures[0]!.reason, /belongs to s3:\/\/\S+\/col\/china\.jpg/);
    for (const later of statuses.slice(1)) {
      assert.equal(later.skippedFailed, 1, 'later runs list the collision as failed before');
      assert.equal(later.skippedFailures[0]?.code, 'output-collision');
      assert.equal(later.failed, 0);
    }
    const retried = await h.cli(['enqueue', source, '--to', to, '--retry-failed', '--wait']);
    assert.equal(retried.code, 1, '--retry-failed tries it again and it collides again');
    assert.equal((await h.store.head(h.destination, 'col/china.png'))?.etag, outputs[0], 'still not overwritten');
  });

  it('a permanently failed source is skipped by later runs, tried again with --retry-failed, by kpress retry, and when it changes', async () => {
    const good = photos[3]!.body;
    await h.store.put(h.source, 'fail/good.jpg', good, { contentType: 'image/jpeg' });
    await h.store.put(h.source, 'fail/bad.jpg', good.subarray(0, 200), { contentType: 'image/jpeg' });
    const args = ['enqueue', `s3://${h.source}/fail/`, '--to', `s3://${h.destination}/fail/`, '--wait'];

    const first = await h.cli(args);
    assert.equal(first.code, 1);
    const firstRun = first.stdout.trim();
    assert.equal((await status(firstRun)).failed, 1);

    const second = await h.cli(args);
    assert.equal(second.code, 0, `nothing new failed: ${second.stderr}`);
    const secondStatus = await status(second.stdout.trim());
    assert.equal(secondStatus.skippedFailed, 1);
    assert.equal(secondStatus.skipped, 1);
    assert.match(secondStatus.skippedFailures[0]!.key, /fail\/bad\.jpg$/);
    const human = await h.cli(['status', second.stdout.trim()]);
    assert.match(human.stdout, /skipped, failed before \(1/);
    const report = await eventually(
      async () => {
        const object = await h.store.head(h.destination, `fail/_kpress/runs/${second.stdout.trim()}/report.json`);
        return object ? h.store.get(h.destination, object.key, { maxBytes: 1 << 22 }) : undefined;
      },
      30_000,
      'the second run report',
    );
    const written = JSON.parse(report.body.toString()) as {
      counts: { skippedFailed: number };
      skippedFailed: { items: { code: string }[] };
    };
    assert.equal(written.counts.skippedFailed, 1, 'the report counts it');
    assert.equal(written.skippedFailed.items[0]?.code, 'corrupt-image', 'and lists it with its code');

    const forced = await h.cli([...args, '--retry-failed']);
    assert.equal(forced.code, 1, '--retry-failed queues it again');
    assert.equal((await status(forced.stdout.trim())).failed, 1);

    const retry = await h.cli(['retry', firstRun, '--wait']);
    assert.equal(retry.code, 1, `kpress retry re-runs the failed image: ${retry.stderr}`);
    const retryStatus = await status(retry.stdout.trim());
    assert.equal(retryStatus.failed, 1);
    assert.equal(retryStatus.done + retryStatus.failed + retryStatus.skipped, 1, 'only the failed image');

    await h.store.put(h.source, 'fail/bad.jpg', good, { contentType: 'image/jpeg' });
    const changed = await h.cli(args);
    assert.equal(changed.code, 0, `a changed object runs again and succeeds: ${changed.stderr}`);
    assert.equal((await status(changed.stdout.trim())).done, 1);
  });
});
