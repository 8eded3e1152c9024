import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { makePhotos } from './support/test-images.js';
import { startPipelineHarness, type PipelineHarness } from './support/pipeline-harness.js';
import { CLI } from './support/repo.js';

const run = promisify(execFile);

/**
 * A few hundred bytes of SVG that librsvg renders for many minutes (9000×9000, turbulence, a
 * 90-pixel blur and morphology): without a deadline it holds a worker's core indefinitely.
 */
const SLOW_SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="9000" height="9000"><filter id="f"><feTurbulence baseFrequency=".01" numOctaves="9"/><feGaussianBlur stdDeviation="90"/><feMorphology radius="90"/></filter><rect width="100%" height="100%" filter="url(#f)"/></svg>',
);

describe('hostile inputs: a job deadline', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kpress-deadline-'));
    await writeFile(join(dir, 'slow.svg'), SLOW_SVG);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('`kpress compress --job-timeout 3` of the slow SVG exits 1 with `timeout` within seconds', async () => {
    const started = Date.now();
    const result = await run(
      process.execPath,
      [CLI, 'compress', join(dir, 'slow.svg'), '-o', join(dir, 'slow.png'), '--job-timeout', '3'],
      {
        timeout: 60_000,
      },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    const seconds = (Date.now() - started) / 1000;
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /timeout: compressing took longer than the job timeout of 3 s \(--job-timeout\)/);
    assert.ok(seconds < 10, `exited after ${seconds} s`);
  });

  it('refuses a --job-timeout that is not a whole number of seconds (exit 2)', async () => {
    const result = await run(process.execPath, [
      CLI,
      'compress',
      join(dir, 'slow.svg'),
      '-o',
      join(dir, 'x.png'),
      '--job-timeout',
      '0.5',
    ]).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--job-timeout must be an integer between 1 and 86400, received "0.5"/);
  });
});

describe('pipeline: a job past its deadline', () => {
  let h: PipelineHarness;
  before(async () => {
    h = await startPipelineHarness();
  });
  after(async () => h.close());

  it('fails the slow SVG with `timeout`, naming the limit; the run completes and the worker goes on', async () => {
    await h.store.put(h.source, 'in/slow.svg', SLOW_SVG, { contentType: 'image/svg+xml' });
    const [photo] = await makePhotos(1);
    await h.store.put(h.source, `in/${photo!.name}`, photo!.body, { contentType: 'image/jpeg' });
    const worker = h.startWorker(['--concurrency', '1', '--job-timeout', '3']);
    const started = Date.now();
    const enqueue = await h.cli(['enqueue', `s3://${h.source}/in/`, '--to', `s3://${h.destination}/out/`, '--wait']);
    assert.equal(enqueue.code, 1, `one image failed: ${enqueue.stderr}`);
    assert.ok(Date.now() - started < 60_000, 'the run did not wait for the render');
    const status = await h.cli(['status', enqueue.stdout.trim(), '--json']);
    const report = JSON.parse(status.stdout) as {
      complete: boolean;
      done: number;
      failed: number;
      failures: { key: string; code: string; reason: string }[];
    };
    assert.equal(report.complete, true, 'the run is complete');
    assert.deepEqual([report.done, report.failed], [1, 1]);
    assert.equal(report.failures[0]?.code, 'timeout');
    assert.match(report.failures[0].reason, /job timeout of 3 s \(--job-timeout\)/);
    assert.equal(worker.child.exitCode, null, 'the worker is still running');
    await worker.stop();
  });
});
