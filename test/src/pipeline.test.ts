import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { readPngChunks } from './support/png-chunks.js';
import { rgbPsnr } from './support/psnr.js';
import { startPipelineHarness, type PipelineHarness, type WorkerProcess } from './support/pipeline-harness.js';
import { makePhotos } from './support/test-images.js';

const IMAGES = 40;

interface Metadata {
  runId: string;
  jobId: string;
  source: { bucket: string; key: string; etag: string; bytes: number; width: number; height: number };
  output: { bucket: string; key: string; bytes: number; format: string; bitDepth: number };
  params: { k: number };
  palette: number[][];
  quality: { mse: number; psnr: number };
}

describe('pipeline: producer CLI → Redis → 2 worker processes → S3', () => {
  let h: PipelineHarness;
  let source: string;
  let destination: string;
  let photos: { key: string; body: Buffer }[];
  let workers: WorkerProcess[];

  before(async () => {
    h = await startPipelineHarness();
    source = h.source;
    destination = h.destination;
    const made = await makePhotos(IMAGES);
    photos = made.map((p, i) => ({ key: `in/${i % 2 === 0 ? 'a' : 'b/c'}/${p.name}`, body: p.body }));
    for (const photo of photos) await h.store.put(source, photo.key, photo.body, { contentType: 'image/jpeg' });
    await h.store.put(source, 'in/notes.txt', Buffer.from('not an image'), { contentType: 'text/plain' });
    workers = [h.startWorker(['--concurrency', '1']), h.startWorker(['--concurrency', '1'])];
  });

  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await h.close();
  });

  it(`processes a run of ${IMAGES} images: every PNG and metadata document at its DESIGN.md key, palettes and PSNRs consistent`, async () => {
    const result = await h.cli(['enqueue', `s3://${source}/in/`, '--to', `s3://${destination}/out/`, '--k', '16', '--wait']);
    assert.equal(result.code, 0, result.stderr);
    const runId = result.stdout.trim();
    const run = await h.runs.get(runId);
    assert.ok(run);
    assert.equal(run.done, IMAGES);
    assert.equal(run.failed, 0);
    assert.equal(run.notImages, 1);
    assert.ok(run.complete);

    for (const photo of photos) {
      const outputKey = `out/${photo.key.slice('in/'.length).replace(/\.(jpg|png)$/, '.png')}`;
      const png = (await h.store.get(destination, outputKey, { maxBytes: 1 << 24 })).body;
      const metadata = JSON.parse(
        (await h.store.get(destination, `${outputKey}.json`, { maxBytes: 1 << 20 })).body.toString(),
      ) as Metadata;
      assert.equal(metadata.runId, runId);
      assert.deepEqual([metadata.source.bucket, metadata.source.key], [source, photo.key]);
      assert.deepEqual(
        [metadata.output.bucket, metadata.output.key, metadata.output.bytes],
        [destination, outputKey, png.length],
      );
      const plte = readPngChunks(png).find((c) => c.type === 'PLTE')!.data;
      const palette: number[][] = [];
      for (let i = 0; i < plte.length; i += 3) palette.push([plte[i]!, plte[i + 1]!, plte[i + 2]!]);
      assert.deepEqual(palette, metadata.palette, `palette of ${outputKey}`);
      assert.ok(palette.length <= 16);
      const original = await sharp(photo.body).removeAlpha().raw().toBuffer();
      const decoded = await sharp(png).removeAlpha().raw().toBuffer();
      assert.ok(Math.abs(rgbPsnr(original, decoded) - metadata.quality.psnr) < 0.01, `PSNR of ${outputKey}`);
    }
  });

  it('re-running the same enqueue queues nothing; a new K re-does every image; --force re-does every image', async () => {
    const again = await h.cli(['enqueue', `s3://${source}/in/`, '--to', `s3://${destination}/out/`, '--k', '16', '--wait']);
    assert.equal(again.code, 0, again.stderr);
    const repeat = await h.runs.get(again.stdout.trim());
    assert.deepEqual([repeat?.jobs, repeat?.skipped, repeat?.complete], [0, IMAGES, true]);

    const newK = await h.cli(['enqueue', `s3://${source}/in/`, '--to', `s3://${destination}/out/`, '--k', '8', '--wait']);
    assert.equal(newK.code, 0, newK.stderr);
    const k8 = await h.runs.get(newK.stdout.trim());
    assert.deepEqual([k8?.jobs, k8?.done, k8?.skipped], [IMAGES, IMAGES, 0]);

    const forced = await h.cli([
      'enqueue',
      `s3://${source}/in/`,
      '--to',
      `s3://${destination}/out/`,
      '--k',
      '8',
      '--force',
      '--wait',
    ]);
    assert.equal(forced.code, 0, forced.stderr);
    const force = await h.runs.get(forced.stdout.trim());
    assert.deepEqual([force?.jobs, force?.done, force?.skipped], [IMAGES, IMAGES, 0]);

    const dry = await h.cli(['enqueue', `s3://${source}/in/`, '--to', `s3://${destination}/out/`, '--k', '8', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`dry run: listed ${IMAGES + 1}, queued 0, skipped ${IMAGES}, not images 1, failed 0`));
  });
});
