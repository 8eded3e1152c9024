import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { CORPUS_K, makeHostileCorpus, type HostileInput } from './support/hostile-corpus.js';
import { startPipelineHarness, type PipelineHarness, type WorkerProcess } from './support/pipeline-harness.js';
import { readPngChunks, readPngHeader } from './support/png-chunks.js';

interface StatusReport {
  readonly done: number;
  readonly failed: number;
  readonly failures: { key: string; code: string; reason: string }[];
}

interface Metadata {
  readonly source: { width: number; height: number };
  readonly output: { key: string; bitDepth: number };
  readonly palette: number[][];
  readonly quality: { mse: number; psnr: number | null };
}

/**
 * The whole hostile corpus through a real run (S3, Redis, two worker processes, `kpress
 * enqueue`): each object ends as a correct output or as a failure with its specific code, no
 * worker crashes, and nothing is written outside the destination prefix.
 */
describe('pipeline: hostile and odd inputs', () => {
  let h: PipelineHarness;
  let source: string;
  let destination: string;
  let corpus: HostileInput[];
  let workers: WorkerProcess[];

  before(async () => {
    h = await startPipelineHarness();
    source = h.bucket('hostile-src');
    destination = h.bucket('hostile-dst');
    await h.store.createBucket(source);
    await h.store.createBucket(destination);
    corpus = await makeHostileCorpus({ large: true });
    for (const item of corpus.filter((i) => !viaManifest(i)))
      await h.store.put(source, `in/${item.key}`, item.body, { contentType: 'application/octet-stream' });
    workers = [h.startWorker(['--concurrency', '1']), h.startWorker(['--concurrency', '1'])];
  });

  const statusOf = async (runId: string): Promise<StatusReport> => {
    const status = await h.cli(['status', runId, '--json']);
    return JSON.parse(status.stdout) as StatusReport;
  };

  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await h.close();
  });

  it('ends every object as a checked output or a specific failure, with both workers alive', async () => {
    const listed = new Set<string>();
    for await (const object of h.store.list(source, 'in/')) listed.add(object.key.slice('in/'.length));
    for (const item of corpus.filter((i) => !viaManifest(i)))
      assert.ok(listed.has(item.key), `S3 stored ${JSON.stringify(item.key)} as is`);

    const params = ['--k', String(CORPUS_K)];
    const enqueue = await h.cli(['enqueue', `s3://${source}/in/`, '--to', `s3://${destination}/out/`, ...params, '--wait']);
    assert.equal(enqueue.code, 1, `enqueue --wait exits 1 when some image failed: ${enqueue.stderr}`);
    const report = await statusOf(enqueue.stdout.trim());
    // Keys S3 would resolve (a/../b.jpg) can only be named in a manifest: the same refusal.
    const manifest = join(await mkdtemp(join(tmpdir(), 'kpress-hostile-')), 'manifest.txt');
    await writeFile(
      manifest,
      corpus
        .filter(viaManifest)
        .map((i) => `s3://${source}/in/${i.key}\n`)
        .join(''),
    );
    const second = await h.cli(['enqueue', '--manifest', manifest, '--to', `s3://${destination}/out/`, ...params, '--wait']);
    assert.equal(second.code, 1, second.stderr);
    const manifestReport = await statusOf(second.stdout.trim());
    const failures = new Map(
      [...report.failures, ...manifestReport.failures].map((f) => [f.key.slice(`s3://${source}/in/`.length), f]),
    );

    const outputs = corpus.filter((item) => item.expect.outcome === 'output');
    const table: string[] = [];
    for (const item of corpus) {
      const expect = item.expect;
      const failure = failures.get(item.key);
      if (expect.outcome === 'failure') {
        assert.equal(failure?.code, expect.code, `${item.name}: fails with ${expect.code}, got ${JSON.stringify(failure)}`);
        assert.ok(failure.reason.length > 15, `${item.name}: a reason`);
        table.push(`${item.name} → failure ${failure.code}: ${failure.reason}`);
        continue;
      }
      assert.equal(failure, undefined, `${item.name} must not fail: ${JSON.stringify(failure)}`);
      const outputKey = `out/${item.key.replace(/\.[^./]+$/, '')}.png`;
      const png = (await h.store.get(destination, outputKey, { maxBytes: 64 << 20 })).body;
      const meta = JSON.parse(
        (await h.store.get(destination, `${outputKey}.json`, { maxBytes: 1 << 20 })).body.toString('utf8'),
      ) as Metadata;
      const header = readPngHeader(png);
      assert.deepEqual([header.width, header.height], [expect.width, expect.height], `${item.name}: output dimensions`);
      assert.deepEqual(
        [meta.source.width, meta.source.height],
        [expect.width, expect.height],
        `${item.name}: metadata dimensions`,
      );
      assert.equal(header.colourType, 3, `${item.name}: indexed PNG`);
      const chunks = readPngChunks(png);
      const entries = chunks.find((c) => c.type === 'PLTE')!.data.length / 3;
      assert.ok(entries <= expect.maxColours, `${item.name}: ${entries} palette entries ≤ ${expect.maxColours}`);
      assert.equal(meta.palette.length, entries, `${item.name}: metadata palette is the PLTE`);
      assert.equal(
        chunks.some((c) => c.type === 'tRNS'),
        expect.alpha,
        `${item.name}: transparency kept only where the source has it`,
      );
      const psnr = await independentPsnr(item.body, png);
      if (meta.quality.psnr === null) assert.equal(psnr, Infinity, `${item.name}: exact output`);
      else assert.ok(Math.abs(meta.quality.psnr - psnr) < 0.01, `${item.name}: metadata PSNR ${meta.quality.psnr} vs ${psnr}`);
      table.push(`${item.name} → ${header.width}×${header.height}, ${entries} colours, PSNR ${meta.quality.psnr ?? 'exact'}`);
    }
    assert.equal(report.done, outputs.length, 'every other object done');
    assert.equal(report.failed + manifestReport.failed, corpus.length - outputs.length);
    assert.equal(manifestReport.done, 0);

    // Nothing outside the destination prefix; the ".." key wrote nothing anywhere.
    for await (const object of h.store.list(destination, '')) {
      assert.ok(object.key.startsWith('out/'), `${object.key} is under out/`);
      assert.ok(!object.key.startsWith('out/b.'), `${object.key}: the ".." key was not resolved and written`);
    }
    for (const worker of workers) {
      assert.equal(worker.child.exitCode, null, 'the worker process is still alive');
      assert.doesNotMatch(worker.output(), /"level":60|uncaught|FATAL/i, 'no fatal error in the worker output');
    }
    console.log(`hostile corpus results:\n  ${table.join('\n  ')}`);
  });
});

function viaManifest(item: HostileInput): boolean {
  return item.key.split('/').includes('..');
}

/**
 * RGB PSNR of the output against the source decoded by sharp (rotated, sRGB, first frame),
 * computed here; fully transparent source pixels count as exact, as kpress documents.
 */
async function independentPsnr(source: Buffer, png: Buffer): Promise<number> {
  const a = await sharp(source, { pages: 1 }).rotate().toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer();
  const b = await sharp(png).ensureAlpha().raw().toBuffer();
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i += 4) {
    if (a[i + 3] === 0) continue;
    for (let c = 0; c < 3; c++) {
      const d = a[i + c]! - b[i + c]!;
      sum += d * d;
    }
  }
  const mse = sum / ((a.length / 4) * 3);
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}
