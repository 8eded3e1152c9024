import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobResultRecord, RunSnapshot } from '@kpress/runs';
import { BoundedHeap, quantile } from './bounded-heap.js';
import { buildRunReport } from './run-report.js';

const snapshot: RunSnapshot = {
  runId: 'run-1',
  source: 's3://src/in/',
  destination: 's3://dst/out/',
  params: { k: 16 },
  origin: 'enqueue',
  createdAt: Date.UTC(2026, 0, 2, 3, 4, 5),
  finishedAt: Date.UTC(2026, 0, 2, 3, 5, 5),
  sourcePrefix: null,
  state: 'done',
  stateReason: null,
  skippedFailed: 0,
  duplicates: 0,
  cancelled: 0,
  keptOriginal: 0,
  listingDone: true,
  complete: true,
  listed: 7,
  jobs: 6,
  skipped: 0,
  notImages: 1,
  done: 5,
  failed: 1,
  active: 0,
  queued: 0,
  bytesIn: 5000,
  bytesOut: 1000,
  meanPsnr: 30,
};

function result(i: number, psnr: number | null, total: number): JobResultRecord {
  return {
    key: `in/${String(i).padStart(3, '0')}.jpg`,
    output: `out/${String(i).padStart(3, '0')}.png`,
    bytesIn: 1000,
    bytesOut: 200,
    psnr,
    megapixels: 0.5,
    timingsMs: { download: 1, decode: 2, quantize: 10, encode: 3, upload: 4, total },
  };
}

async function* stream<T>(items: readonly T[]): AsyncIterable<T> {
  // One turn of the event loop per record, as when reading from Redis.
  for (const item of items) yield await Promise.resolve(item);
}

describe('buildRunReport', () => {
  const records = [result(4, 40, 20), result(0, 20, 50), result(2, 30, 10), result(1, null, 50), result(3, 35, 5)];
  const failure = { key: 's3://src/in/bad.jpg', code: 'not-an-image', reason: 'the bytes are not an image' };

  it('aggregates counts, bytes, PSNR percentiles, phases, megapixels, slowest and failures', async () => {
    const report = await buildRunReport(snapshot, stream(records), [failure], { generatedAt: new Date(0) });
    assert.deepEqual(report.counts, {
      jobs: 6,
      done: 5,
      keptOriginal: 0,
      skipped: 0,
      skippedFailed: 0,
      duplicates: 0,
      failed: 1,
      cancelled: 0,
      notImages: 1,
      listed: 7,
    });
    assert.deepEqual([report.bytesIn, report.bytesOut, report.ratio], [5000, 1000, 0.2]);
    assert.deepEqual(report.psnr, { count: 4, mean: 31.25, min: 20, p5: 21.5, median: 32.5, max: 40 });
    assert.deepEqual(report.timingsMs.quantize, { totalMs: 50, meanMs: 10 });
    assert.deepEqual(report.timingsMs.total, { totalMs: 135, meanMs: 27 });
    assert.equal(report.megapixels, 2.5);
    assert.equal(report.durationMs, 60_000);
    assert.equal(report.createdAt, '2026-01-02T03:04:05.000Z');
    // Ties on total time (50 ms) are ordered by key.
    assert.deepEqual(
      report.slowest.map((s) => [s.key, s.totalMs]),
      [
        ['in/000.jpg', 50],
        ['in/001.jpg', 50],
        ['in/004.jpg', 20],
        ['in/002.jpg', 10],
        ['in/003.jpg', 5],
      ],
    );
    assert.deepEqual(
      report.images.rows.map((r) => r.key),
      ['in/000.jpg', 'in/001.jpg', 'in/002.jpg', 'in/003.jpg', 'in/004.jpg'],
    );
    assert.deepEqual(report.failures, { total: 1, truncated: false, items: [failure] });
  });

  it('gives the same report whatever order the results arrive in, and bounds the rows and slowest lists', async () => {
    const many = Array.from({ length: 500 }, (_, i) => result(i, 20 + ((i * 7919) % 100) / 10, (i * 31) % 97));
    const options = { generatedAt: new Date(0), maxImageRows: 50, slowest: 10 };
    const forward = await buildRunReport(snapshot, stream(many), [], options);
    const backward = await buildRunReport(snapshot, stream([...many].reverse()), [], options);
    assert.deepEqual(forward, backward);
    assert.equal(forward.images.rows.length, 50);
    assert.equal(forward.images.total, 500);
    assert.ok(forward.images.truncated);
    assert.equal(forward.images.rows[49]?.key, 'in/049.jpg');
    assert.equal(forward.slowest.length, 10);
    const expected = [...many]
      .sort((a, b) => (b.timingsMs['total'] ?? 0) - (a.timingsMs['total'] ?? 0) || (a.key < b.key ? -1 : 1))
      .slice(0, 10)
      .map((r) => r.key);
    assert.deepEqual(
      forward.slowest.map((s) => s.key),
      expected,
    );
  });

  it('reports no PSNR, ratio or duration when there is nothing to measure', async () => {
    const empty = { ...snapshot, bytesIn: 0, bytesOut: 0, finishedAt: null, complete: false };
    const report = await buildRunReport(empty, stream([]), []);
    assert.deepEqual(report.psnr, { count: 0, mean: null, min: null, p5: null, median: null, max: null });
    assert.deepEqual([report.ratio, report.durationMs, report.finishedAt], [null, null, null]);
    assert.deepEqual(report.timingsMs.total, { totalMs: 0, meanMs: null });
  });

  it('marks failures truncated when the run kept fewer than it counted', async () => {
    const report = await buildRunReport({ ...snapshot, failed: 3 }, stream([]), []);
    assert.deepEqual(report.failures, { total: 3, truncated: true, items: [] });
  });

  it('rejects a negative row limit, naming it', async () => {
    await assert.rejects(
      buildRunReport(snapshot, stream([]), [], { maxImageRows: -1 }),
      /maxImageRows must be a non-negative integer, received -1/,
    );
  });
});

describe('buildRunReport savings', () => {
  it('counts K chosen, bytes saved, kept-original sources apart, and quality-too-low failures', async () => {
    const written = [
      { ...result(0, 38, 5), k: 12 },
      { ...result(1, 39, 5), k: 12 },
      { ...result(2, 40, 5), k: 40 },
    ];
    const kept = { ...result(9, 41, 5), key: 'in/kept.jpg', bytesIn: 3000, bytesOut: 6800, k: 64, keptOriginal: true };
    const low = {
      key: 's3://src/in/noise.png',
      code: 'quality-too-low',
      reason: 'the best PSNR reached, 31.20 dB with k 256, is below the target of 38 dB',
    };
    const other = { key: 's3://src/in/bad.jpg', code: 'not-an-image', reason: 'not an image' };
    const report = await buildRunReport(
      { ...snapshot, done: 3, keptOriginal: 1, failed: 2, jobs: 6, bytesIn: 3000, bytesOut: 600 },
      stream([written[0]!, kept, written[1]!, written[2]!]),
      [low, other],
      { generatedAt: new Date(0) },
    );
    assert.deepEqual(report.savings.kDistribution, { '12': 2, '40': 1 });
    assert.equal(report.savings.bytesSaved, 2400);
    assert.deepEqual(report.savings.keptOriginal, {
      total: 1,
      truncated: false,
      items: [{ key: 'in/kept.jpg', bytesIn: 3000, bytesOut: 6800 }],
    });
    assert.deepEqual(report.savings.qualityTooLow, [low]);
    assert.equal(report.images.total, 3, 'a kept-original source is not an image written');
    assert.equal(report.counts.keptOriginal, 1);
    assert.deepEqual(
      report.images.rows.map((row) => [row.k, row.bytesSaved]),
      [
        [12, 800],
        [12, 800],
        [40, 800],
      ],
    );
  });
});

describe('BoundedHeap and quantile', () => {
  it('keeps the best N of a stream', () => {
    const heap = new BoundedHeap<number>(3, (a, b) => a > b);
    for (const n of [5, 1, 9, 3, 7, 8, 2]) heap.offer(n);
    assert.deepEqual(heap.sorted(), [9, 8, 7]);
  });

  it('interpolates between ranks', () => {
    const values = Float64Array.from([10, 20, 30, 40]);
    assert.equal(quantile(values, 0), 10);
    assert.equal(quantile(values, 0.5), 25);
    assert.equal(quantile(values, 1), 40);
    assert.equal(quantile(new Float64Array(0), 0.5), null);
  });
});
