import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { decodeImage, startDecode } from './decode.js';
import { BadImageError } from './errors.js';

void describe('decodeImage: onDecodeStart', () => {
  test('is called once with the stored size (before EXIF rotation), before the pixels are returned', async () => {
    const rotated = await sharp({ create: { width: 30, height: 20, channels: 3, background: '#102030' } })
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const calls: { width: number; height: number }[] = [];
    const decoded = await decodeImage(rotated, { maxPixels: 1e6, onDecodeStart: (size) => calls.push({ ...size }) });
    assert.deepEqual(calls, [{ width: 30, height: 20 }]);
    assert.deepEqual([decoded.width, decoded.height], [20, 30]);
  });

  test('is not called for an image refused from its header', async () => {
    const large = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    let called = false;
    await assert.rejects(
      decodeImage(large, { maxPixels: 50, onDecodeStart: () => (called = true) }),
      (error: unknown) => error instanceof BadImageError && error.code === 'too-many-pixels',
    );
    assert.equal(called, false);
  });

  test('what it throws (memory it could not allocate) is thrown as is, not reported as a corrupt image', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    const failure = new RangeError('Array buffer allocation failed');
    await assert.rejects(
      decodeImage(png, {
        maxPixels: 1e6,
        onDecodeStart: () => {
          throw failure;
        },
      }),
      (error: unknown) => error === failure,
    );
  });
});

void describe('startDecode: a decode under way', () => {
  test('gives the stored size once the header is accepted, then the same pixels as decodeImage', async () => {
    const png = await sharp({ create: { width: 30, height: 20, channels: 3, background: '#102030' } })
      .png()
      .toBuffer();
    const started = startDecode(png, { maxPixels: 1e6 });
    assert.ok(started.startedAt <= performance.now());
    assert.deepEqual(await started.size, { width: 30, height: 20 });
    const [decoded, direct] = await Promise.all([started.image, decodeImage(png, { maxPixels: 1e6 })]);
    assert.deepEqual({ ...decoded, data: [...decoded.data] }, { ...direct, data: [...direct.data] });
  });

  test('a refused image: no size, and the error decodeImage gives; unhandled until taken, it is no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): number => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const started = startDecode(Buffer.from('not an image'), { maxPixels: 1e6 });
      assert.equal(await started.size, null);
      // A turn of the event loop with the failure not yet taken.
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
      await assert.rejects(started.image, (error: unknown) => error instanceof BadImageError && error.code === 'not-an-image');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
