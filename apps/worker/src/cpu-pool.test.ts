import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { estimateCompressBytes } from '@kpress/compress';
import { resolveParams } from '@kpress/job-contract';
import sharp from 'sharp';
import { CompressFailedError, createCpuPool } from './cpu-pool.js';
import { baseMemoryBytes } from './memory-budget.js';

const gradient = async (): Promise<Buffer> => {
  const width = 48;
  const height = 32;
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set([(i * 7) & 255, (i * 3) & 255, i & 255], i * 3);
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
};

describe('cpu pool', () => {
  it('is ready once every process has warmed up, and compresses on its processes', async () => {
    const pool = createCpuPool(2);
    try {
      await pool.ready;
      const input = await gradient();
      const [a, b] = await Promise.all([
        pool.compress(input, resolveParams({ k: 16 }), 1_000_000),
        pool.compress(input, resolveParams({ k: 16 }), 1_000_000),
      ]);
      assert.equal(a.source.width, 48);
      assert.ok(a.result.palette.length <= 16 * 3);
      assert.deepEqual(a.output.bytes, b.output.bytes, 'same input, same parameters, same bytes from either process');
    } finally {
      await pool.close();
    }
  });

  it('takes requests sent before it is ready; they wait, and run once the processes are warm', async () => {
    const input = await gradient();
    const events: string[] = [];
    const pool = createCpuPool(1);
    try {
      void pool.ready.then(() => events.push('warm'));
      const reply = pool.compress(input, resolveParams({ k: 4 }), 1_000_000).then((r) => {
        events.push('compressed');
        return r;
      });
      // The request is queued once its header is read (well before a process has loaded sharp and warmed up).
      const deadline = Date.now() + 5_000;
      while (pool.load().waiting + pool.load().running === 0 && events.length === 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 1));
      assert.deepEqual(events, [], 'the pool was still warming up when the request was queued');
      assert.deepEqual(pool.load(), { running: 0, waiting: 1, runningBytes: 0 }, 'queued, not sent to a cold process');
      assert.equal((await reply).ok, true);
      assert.deepEqual(events, ['warm', 'compressed'], 'it ran after the warm-up, not before');
    } finally {
      await pool.close();
    }
  });

  it('reports a permanent failure with its code, and keeps working', async () => {
    const pool = createCpuPool(1);
    try {
      await assert.rejects(pool.compress(Buffer.from('not an image'), resolveParams({}), 1_000_000), (error) => {
        assert.ok(error instanceof CompressFailedError);
        assert.equal(error.code, 'not-an-image');
        assert.equal(error.permanent, true);
        return true;
      });
      const reply = await pool.compress(await gradient(), resolveParams({ k: 4 }), 1_000_000);
      assert.equal(reply.ok, true);
    } finally {
      await pool.close();
    }
  });

  it('rejects `ready` when closed before its processes warmed up', async () => {
    const pool = createCpuPool(1);
    await pool.close();
    await assert.rejects(pool.ready, /closed/);
  });
});

/** A 324-byte-class SVG that librsvg renders for many minutes: big filters over 9000×9000. */
const SLOW_SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="9000" height="9000"><filter id="f"><feTurbulence baseFrequency=".01" numOctaves="9"/><feGaussianBlur stdDeviation="90"/><feMorphology radius="90"/></filter><rect width="100%" height="100%" filter="url(#f)"/></svg>',
);

/** Whether a process still runs: present in /proc and not a zombie waiting to be reaped. */
const isRunning = async (pid: number): Promise<boolean> => {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat !== null && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
};

describe('cpu pool: job deadline', () => {
  it('fails a job past its deadline with `timeout`, kills its process and keeps its size', async () => {
    const pool = createCpuPool(2, { jobTimeoutMs: 1_500, niceIncrement: 0 });
    try {
      await pool.ready;
      const before = pool.processIds();
      const started = Date.now();
      await assert.rejects(pool.compress(SLOW_SVG, resolveParams({ k: 4 }), 100_000_000), (error) => {
        assert.ok(error instanceof CompressFailedError);
        assert.equal(error.code, 'timeout');
        assert.equal(error.permanent, true);
        assert.match(error.message, /job timeout of 1\.5 s \(--job-timeout\)/);
        return true;
      });
      assert.ok(Date.now() - started < 6_000, `failed after ${Date.now() - started} ms`);
      const after = pool.processIds();
      assert.equal(after.length, 2, 'the pool keeps its size');
      const killed = before.filter((pid) => !after.includes(pid));
      assert.equal(killed.length, 1, 'one process was replaced');
      // Not merely abandoned: the render (native libvips work) stopped with its process.
      let running = true;
      for (let i = 0; i < 50 && running; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        running = await isRunning(killed[0]!);
      }
      assert.equal(running, false, 'the timed-out process is gone');
      const reply = await pool.compress(await gradient(), resolveParams({ k: 4 }), 1_000_000);
      assert.equal(reply.ok, true, 'the replacement works');
    } finally {
      await pool.close();
    }
  });

  it('refuses a deadline that is not a positive integer of milliseconds', () => {
    assert.throws(() => createCpuPool(1, { jobTimeoutMs: 0 }), /jobTimeoutMs must be a positive integer, received 0/);
  });
});

describe('cpu pool: memory budget', () => {
  const base = baseMemoryBytes(2);

  it('fails an image that could never fit with `too-many-pixels`, naming the budget', async () => {
    const pool = createCpuPool(2, { memoryBudgetBytes: base + 200 * 2 ** 20 });
    try {
      const big = await sharp({ create: { width: 4000, height: 4000, channels: 3, background: '#808080' } })
        .png()
        .toBuffer();
      await assert.rejects(pool.compress(big, resolveParams({}), 100_000_000), (error) => {
        assert.ok(error instanceof CompressFailedError);
        assert.equal(error.code, 'too-many-pixels');
        assert.equal(error.permanent, true);
        assert.match(error.message, /4000×4000 pixels and needs about .* memory budget of .* \(--memory-budget\)/);
        return true;
      });
      assert.deepEqual(pool.load(), { running: 0, waiting: 0, runningBytes: 0 });
    } finally {
      await pool.close();
    }
  });

  it('runs jobs that do not fit together one after the other, each within the budget', async () => {
    const image = await sharp({ create: { width: 1500, height: 1000, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    const need = estimateCompressBytes({ width: 1500, height: 1000 }, image.length);
    const pool = createCpuPool(2, { memoryBudgetBytes: base + Math.floor(need * 1.5) });
    try {
      await pool.ready;
      const jobs = [0, 1].map(() => pool.compress(image, resolveParams({ k: 4 }), 100_000_000));
      const deadline = Date.now() + 5_000;
      while (pool.load().running + pool.load().waiting < 2 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 5));
      assert.deepEqual(pool.load(), { running: 1, waiting: 1, runningBytes: need }, 'the second waits for room');
      const replies = await Promise.all(jobs);
      assert.deepEqual(
        replies.map((r) => r.ok),
        [true, true],
      );
      assert.deepEqual(pool.load(), { running: 0, waiting: 0, runningBytes: 0 });
    } finally {
      await pool.close();
    }
  });

  it('refuses a budget below the base of its processes', () => {
    assert.throws(
      () => createCpuPool(2, { memoryBudgetBytes: 100 * 2 ** 20 }),
      /memoryBudgetBytes must exceed the base of the worker and its 2 compress processes, .* received 104857600/,
    );
  });
});
