import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startPipelineHarness, type PipelineHarness } from './support/pipeline-harness.js';
import { makePhotos } from './support/test-images.js';

const IMAGES = 16;

/**
 * Two runs with different K racing into one destination, and a worker killed with SIGKILL in the
 * middle: whatever pairs that leaves, an incremental run skips only a pair whose image and
 * metadata document carry the hash of the parameters asked for.
 */
describe('integrity: racing runs and kill -9 never leave a pair that the incremental check skips', () => {
  let h: PipelineHarness;

  before(async () => {
    h = await startPipelineHarness();
    for (const photo of await makePhotos(IMAGES))
      await h.store.put(h.source, `race/${photo.name}`, photo.body, { contentType: 'image/jpeg' });
  });
  after(async () => {
    await h.close();
  });

  it('K=8 and K=32 racing with --force, one worker killed mid-run: every skipped pair agrees', async () => {
    const from = `s3://${h.source}/race/`;
    const to = `s3://${h.destination}/race/`;
    // A 5 s lock: the killed worker's jobs are taken over within seconds, not after the default 60 s.
    const first = h.startWorker(['--concurrency', '2', '--lock-duration', '5000']);
    const second = h.startWorker(['--concurrency', '2', '--lock-duration', '5000']);
    const [a, b] = await Promise.all([
      h.cli(['enqueue', from, '--to', to, '--k', '8', '--force', '--run-id', 'race-8']),
      h.cli(['enqueue', from, '--to', to, '--k', '32', '--force', '--run-id', 'race-32']),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    await eventually(async () => (((await h.runs.get('race-8'))?.done ?? 0) >= 3 ? true : undefined), 60_000, 'some images done');
    await first.stop('SIGKILL');
    for (const runId of ['race-8', 'race-32']) {
      await eventually(async () => ((await h.runs.get(runId))?.complete ? true : undefined), 120_000, `${runId} to complete`);
    }
    await second.stop();

    let skipped = 0;
    for (const k of [8, 32, 16]) {
      const dry = await h.cli(['enqueue', from, '--to', to, '--k', String(k), '--dry-run']);
      for (const line of dry.stdout.split('\n').filter((l) => l.startsWith('skip'))) {
        const output = /→ (\S+)/.exec(line)![1]!;
        const [image, document] = await Promise.all([
          h.store.head(h.destination, output),
          h.store.head(h.destination, `${output}.json`),
        ]);
        assert.equal(
          image?.metadata['kpress-job-hash'],
          document?.metadata['kpress-job-hash'],
          `${output}: image and document agree`,
        );
        const metadata = JSON.parse(
          (await h.store.get(h.destination, `${output}.json`, { maxBytes: 1 << 20 })).body.toString(),
        ) as {
          params: { k: number };
          palette: unknown[];
        };
        assert.equal(metadata.params.k, k, `${output} is skipped for K=${k} only if it was made with K=${k}`);
        assert.ok(metadata.palette.length <= k);
        skipped++;
      }
    }
    // A torn pair is skipped for no K (it is redone by the next run); every other pair for the K that won it.
    assert.ok(skipped > 0 && skipped <= IMAGES, `${skipped} of ${IMAGES} pairs skipped`);
    console.log(`race: ${skipped} of ${IMAGES} pairs consistent and skipped, ${IMAGES - skipped} torn and redone next run`);
  });
});
