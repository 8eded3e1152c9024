import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { writeRunReport, type ReportLogger } from '@kpress/reports';
import { createRunStore, type JobOutcome, type RunStore } from '@kpress/runs';
import { Redis } from 'ioredis';
import { eventually, startPipelineHarness, type PipelineHarness, type WorkerProcess } from './support/pipeline-harness.js';
import { AWKWARD_KEY, listKeys, logRecords, uploadReportInputs, waitForReport, type ReportInputs } from './support/report-run.js';
import { makePhotos } from './support/test-images.js';

const GOOD = 5;
const RACES = 20;
const quiet: ReportLogger = { info: () => undefined, warn: () => undefined };

describe('run report: written once per run, counts equal to the run, under concurrent completion', () => {
  let h: PipelineHarness;
  let source: string;
  let destination: string;
  let inputs: ReportInputs;
  let worker: WorkerProcess;

  before(async () => {
    h = await startPipelineHarness();
    source = h.source;
    destination = h.destination;
    inputs = await uploadReportInputs(h.store, source, GOOD);
    worker = h.startWorker(['--concurrency', '1'], { LOG_LEVEL: 'info' });
  });

  after(async () => {
    await worker.stop();
    await h.close();
  });

  it('a run with successes and failures writes exactly one report.json and report.html whose counts are the run’s', async () => {
    const enqueue = await h.cli(['enqueue', `s3://${source}/in/`, '--to', `s3://${destination}/out/`, '--k', '16', '--wait'], {
      LOG_LEVEL: 'info',
    });
    assert.equal(enqueue.code, 1, `enqueue --wait exits 1 when an image failed\n${enqueue.stderr}`);
    const runId = enqueue.stdout.trim();
    const { json: report, jsonText, html } = await waitForReport(h, destination, 'out/', runId);
    const run = await h.runs.get(runId);
    assert.ok(run?.complete);

    // Exactly one writer, in whichever process completed the run (the worker or the enqueue).
    const writers = await eventually(
      () => {
        const n =
          logRecords(worker.output(), 'run report written', runId).length +
          logRecords(enqueue.stderr, 'run report written', runId).length;
        return Promise.resolve(n > 0 ? n : undefined);
      },
      10_000,
      'the report log line',
    );
    assert.equal(writers, 1, 'one process wrote the report');
    assert.deepEqual(await listKeys(h.store, destination, 'out/_kpress/'), [
      `out/_kpress/runs/${runId}/report.html`,
      `out/_kpress/runs/${runId}/report.json`,
      `out/_kpress/runs/${runId}/results/000000.jsonl`, // the run's per-image results, out of Redis
    ]);

    assert.deepEqual(report.counts, {
      jobs: run.jobs,
      done: run.done,
      keptOriginal: run.keptOriginal,
      skipped: run.skipped,
      skippedFailed: run.skippedFailed,
      duplicates: run.duplicates,
      failed: run.failed,
      cancelled: run.cancelled,
      notImages: run.notImages,
      listed: run.listed,
    });
    assert.deepEqual([report.counts.done, report.counts.failed, report.counts.notImages], [GOOD, inputs.bad.size, 1]);
    assert.equal(report.counts.done + report.counts.failed, report.counts.jobs);
    assert.deepEqual([report.bytesIn, report.bytesOut, report.runId, report.complete], [run.bytesIn, run.bytesOut, runId, true]);
    assert.ok(report.ratio !== null && report.ratio > 0 && report.ratio < 1, `ratio ${report.ratio}`);
    assert.deepEqual(report.images.rows.map((r) => r.key).sort(), [...inputs.good].sort());
    assert.equal(
      report.images.rows.reduce((sum, r) => sum + r.bytesIn, 0),
      run.bytesIn,
    );
    assert.ok(report.psnr.mean !== null && Math.abs(report.psnr.mean - (run.meanPsnr ?? NaN)) < 1e-3);
    const p = report.psnr;
    assert.ok(p.min! <= p.p5! && p.p5! <= p.median! && p.median! <= p.max!, JSON.stringify(p));
    assert.equal(report.slowest.length, GOOD);
    assert.ok(report.timingsMs.total.totalMs > 0 && report.timingsMs.quantize.meanMs! > 0);
    assert.ok(report.durationMs !== null && report.durationMs >= 0 && report.finishedAt !== null);

    assert.equal(report.failures.items.length, inputs.bad.size);
    for (const failure of report.failures.items) {
      const key = failure.key.slice(`s3://${source}/`.length);
      assert.equal(failure.code, inputs.bad.get(key), `failure code of ${key}`);
      assert.ok(failure.reason.length > 10, `a reason for ${key}`);
      assert.ok(html.includes(failure.reason.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')));
    }

    // The page: escaped keys, summary numbers, thumbnails from the real objects.
    assert.ok(!html.includes('<name>'), 'the awkward key is escaped');
    assert.ok(html.includes('odd &lt;name&gt; &amp; &quot;quoted&quot; &#39;key&#39;.jpg'));
    assert.match(html, new RegExp(`data-metric="counts.done" data-value="${GOOD}"`));
    assert.equal(html.match(/src="data:image\/jpeg;base64,/g)?.length, GOOD, 'a before thumbnail per sample');
    assert.equal(html.match(/src="data:image\/png;base64,/g)?.length, GOOD, 'an after thumbnail per sample');

    // Idempotent: a second write changes nothing but generatedAt.
    const again = await writeRunReport({ runs: h.runs, store: h.store, logger: quiet }, runId);
    const second = await waitForReport(h, destination, 'out/', runId);
    assert.notEqual(again.report.generatedAt, report.generatedAt);
    const strip = (text: string): string =>
      text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z(?=["<])/g, (stamp) =>
        stamp === report.generatedAt || stamp === again.report.generatedAt ? 'GENERATED' : stamp,
      );
    assert.equal(strip(second.jsonText), strip(jsonText));
    assert.equal(strip(second.html), strip(html));
    assert.ok(report.images.rows.some((r) => r.key === AWKWARD_KEY));
  });

  it(`${RACES} races of the last two jobs finishing at once (and the listing closing): exactly one completer, one report pair`, async () => {
    // Separate connections, so the calls really reach Redis concurrently.
    const connections = Array.from({ length: 4 }, () => new Redis(h.redisUrl, { maxRetriesPerRequest: null }));
    try {
      await Promise.all(connections.map((c) => c.ping()));
      const stores: RunStore[] = connections.map((c) => createRunStore(c, h.prefix));
      const done = (key: string): JobOutcome => ({
        status: 'done',
        result: {
          key,
          output: `race/${key}.png`,
          bytesIn: 1000,
          bytesOut: 250,
          psnr: 31.5,
          megapixels: 0.02,
          timingsMs: { total: 12 },
        },
      });
      const failed: JobOutcome = {
        status: 'failed',
        failure: { key: 's3://src/b.jpg', code: 'not-an-image', reason: 'the bytes are not an image' },
      };

      for (let i = 0; i < RACES; i++) {
        const runId = `race-${i}-${randomBytes(3).toString('hex')}`;
        const prefix = `race-${i}/`;
        await h.runs.create({
          runId,
          source: `s3://${source}/in/`,
          destination: `s3://${destination}/${prefix}`,
          params: { k: 16 },
          origin: 'enqueue',
        });
        await h.runs.addJobs(runId, 2);
        await Promise.all(['job-a', 'job-b'].map((job, j) => stores[j]!.startJob(runId, job)));
        // Even iterations: the listing is closed first and the last two jobs race. Odd ones: the
        // producer's closeListing races them too (the run completes with whichever comes last).
        const closeFirst = i % 2 === 0;
        if (closeFirst) assert.equal(await h.runs.closeListing(runId, 2), false);
        const calls: Promise<boolean>[] = [
          stores[0]!.finishJob(runId, 'job-a', done('a.jpg')).then((r) => r.counted && r.completedRun),
          stores[1]!.finishJob(runId, 'job-b', failed).then((r) => r.counted && r.completedRun),
        ];
        if (!closeFirst) calls.push(stores[2]!.closeListing(runId, 2));
        const completed = await Promise.all(calls);
        assert.equal(completed.filter(Boolean).length, 1, `race ${i}: exactly one completer, got ${JSON.stringify(completed)}`);

        // A retry of a counted job is re-offered the finalization until the report is written...
        const retryBefore = await stores[3]!.finishJob(runId, 'job-b', failed);
        assert.deepEqual(
          retryBefore,
          { counted: false, completedRun: true, pageReady: false },
          `race ${i}: retry before the report`,
        );
        // ...so the completer and that retry both write, concurrently, what completeRun writes.
        await Promise.all([
          ...completed.map(async (isCompleter, j) => {
            if (isCompleter) await writeRunReport({ runs: stores[j]!, store: h.store, logger: quiet }, runId, { samples: 0 });
          }),
          writeRunReport({ runs: stores[3]!, store: h.store, logger: quiet }, runId, { samples: 0 }),
        ]);
        // Once written, a retry is no longer offered it.
        const retryAfter = await stores[3]!.finishJob(runId, 'job-a', done('a.jpg'));
        assert.deepEqual(
          retryAfter,
          { counted: false, completedRun: false, pageReady: false },
          `race ${i}: retry after the report`,
        );
        assert.deepEqual(await listKeys(h.store, destination, `${prefix}_kpress/`), [
          `${prefix}_kpress/runs/${runId}/report.html`,
          `${prefix}_kpress/runs/${runId}/report.json`,
          `${prefix}_kpress/runs/${runId}/results/000000.jsonl`,
        ]);
        const { json } = await waitForReport(h, destination, prefix, runId);
        assert.deepEqual([json.counts.jobs, json.counts.done, json.counts.failed, json.images.total], [2, 1, 1, 1], `race ${i}`);
        assert.equal(json.failures.items.length, 1);
      }
    } finally {
      for (const c of connections) c.disconnect();
    }
  });

  it('two worker processes finishing the last two equal images of a run: one report, written once', async () => {
    await worker.stop();
    const workers = [
      h.startWorker(['--concurrency', '1'], { LOG_LEVEL: 'info' }),
      h.startWorker(['--concurrency', '1'], { LOG_LEVEL: 'info' }),
    ];
    try {
      await eventually(
        () => Promise.resolve(workers.every((w) => w.output().includes('worker started')) ? true : undefined),
        20_000,
        'workers',
      );
      const photo = (await makePhotos(1))[0]!.body;
      for (const name of ['left', 'right']) await h.store.put(source, `pair/${name}.jpg`, photo, { contentType: 'image/jpeg' });
      for (let round = 0; round < 3; round++) {
        const enqueue = await h.cli(
          ['enqueue', `s3://${source}/pair/`, '--to', `s3://${destination}/pair/`, '--force', '--wait'],
          { LOG_LEVEL: 'info' },
        );
        assert.equal(enqueue.code, 0, enqueue.stderr);
        const runId = enqueue.stdout.trim();
        const { json } = await waitForReport(h, destination, 'pair/', runId);
        assert.deepEqual([json.counts.jobs, json.counts.done, json.counts.failed], [2, 2, 0]);
        const writes = (): number =>
          workers.reduce((n, w) => n + logRecords(w.output(), 'run report written', runId).length, 0) +
          logRecords(enqueue.stderr, 'run report written', runId).length;
        await eventually(() => Promise.resolve(writes() > 0 ? true : undefined), 10_000, 'the report log line');
        assert.equal(writes(), 1, `round ${round}: one writer`);
        assert.deepEqual(
          (await listKeys(h.store, destination, 'pair/_kpress/')).filter((k) => k.includes(runId)),
          [
            `pair/_kpress/runs/${runId}/report.html`,
            `pair/_kpress/runs/${runId}/report.json`,
            `pair/_kpress/runs/${runId}/results/000000.jsonl`,
          ],
        );
      }
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });
});
