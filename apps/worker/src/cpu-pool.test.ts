import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveParams } from '@kpress/compress';
import sharp from 'sharp';
import { CompressFailedError, createCpuPool } from './cpu-pool.js';

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
  it('is ready once every thread has warmed up, and compresses on its threads', async () => {
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
      assert.deepEqual(a.output.bytes, b.output.bytes, 'same input, same parameters, same bytes on either thread');
    } finally {
      await pool.close();
    }
  });

  it('takes requests sent before it is ready; they run once the threads are warm', async () => {
    const pool = createCpuPool(1);
    try {
      const reply = await pool.compress(await gradient(), resolveParams({ k: 4 }), 1_000_000);
      assert.equal(reply.ok, true);
      await pool.ready;
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

  it('rejects `ready` when closed before its threads warmed up', async () => {
    const pool = createCpuPool(1);
    await pool.close();
    await assert.rejects(pool.ready, /closed/);
  });
});
