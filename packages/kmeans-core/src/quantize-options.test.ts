import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidOptionError, QUANTIZE_DEFAULTS, quantize, type QuantizeImage } from './index.js';

function assertInvalid(run: () => unknown, option: string, message: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof InvalidOptionError, `expected InvalidOptionError, got ${String(error)}`);
    assert.equal(error.option, option);
    assert.equal(error.message, message);
    return true;
  });
}

/** 4×4 RGB, 16 pixels, 16 distinct colours. */
const image: QuantizeImage = {
  data: Uint8Array.from({ length: 48 }, (_, i) => (i * 37) % 256),
  width: 4,
  height: 4,
  channels: 3,
};
const withOptions = (options: Record<string, unknown>) => (): unknown => quantize(image, options);
const withImage = (changes: Record<string, unknown>) => (): unknown => quantize({ ...image, ...changes }, { k: 2 });

void describe('quantize rejects invalid options', () => {
  const kRange = (received: string): string => `k must be an integer between 2 and 256, received ${received}`;
  const cases: [string, () => unknown, string, string][] = [
    ['k 1', withOptions({ k: 1 }), 'k', kRange('1')],
    ['k 257', withOptions({ k: 257 }), 'k', kRange('257')],
    ['k 300', withOptions({ k: 300 }), 'k', kRange('300')],
    ['k 2.5', withOptions({ k: 2.5 }), 'k', kRange('2.5')],
    ['k "16"', withOptions({ k: '16' }), 'k', kRange('"16"')],
    ['k NaN', withOptions({ k: NaN }), 'k', kRange('NaN')],
    [
      'k larger than the number of pixels',
      withOptions({ k: 17 }),
      'k',
      'k must be at most the number of pixels (16), received 17',
    ],
    ['seed -1', withOptions({ seed: -1 }), 'seed', 'seed must be an integer between 0 and 4294967295, received -1'],
    ['seed 1.5', withOptions({ seed: 1.5 }), 'seed', 'seed must be an integer between 0 and 4294967295, received 1.5'],
    [
      'colorSpace "hsv"',
      withOptions({ colorSpace: 'hsv' }),
      'colorSpace',
      'colorSpace must be one of "rgb", "oklab", received "hsv"',
    ],
    ['dither "yes"', withOptions({ dither: 'yes' }), 'dither', 'dither must be a boolean, received "yes"'],
    ['dither 1', withOptions({ dither: 1 }), 'dither', 'dither must be a boolean, received 1'],
    ['importance "on"', withOptions({ importance: 'on' }), 'importance', 'importance must be a boolean, received "on"'],
    [
      'batchSize 8',
      withOptions({ batchSize: 8 }),
      'batchSize',
      'batchSize must be an integer between 16 and 1048576, received 8',
    ],
    ['maxSteps -1', withOptions({ maxSteps: -1 }), 'maxSteps', 'maxSteps must be an integer between 0 and 100000, received -1'],
    [
      'lloydIterations 10001',
      withOptions({ lloydIterations: 10001 }),
      'lloydIterations',
      'lloydIterations must be an integer between 0 and 10000, received 10001',
    ],
    ['tolerance 2', withOptions({ tolerance: 2 }), 'tolerance', 'tolerance must be a number between 0 and 1, received 2'],
    ['restarts 0', withOptions({ restarts: 0 }), 'restarts', 'restarts must be an integer between 1 and 100, received 0'],
    [
      'channels 2',
      withImage({ channels: 2, data: new Uint8Array(32) }),
      'image.channels',
      'image.channels must be 3 (RGB) or 4 (RGBA), received 2',
    ],
    [
      'data one byte short',
      withImage({ data: new Uint8Array(47) }),
      'image.data',
      'image.data must be 48 bytes (4×4×3), received "47 bytes"',
    ],
    [
      'RGBA data of an RGB length',
      withImage({ channels: 4 }),
      'image.data',
      'image.data must be 64 bytes (4×4×4), received "48 bytes"',
    ],
    [
      'data as a plain array',
      withImage({ data: Array.from({ length: 48 }, () => 0) }),
      'image.data',
      'image.data must be a Uint8Array, Uint8ClampedArray or Buffer, received an array of length 48',
    ],
    [
      'data as 16-bit samples',
      withImage({ data: new Uint16Array(48) }),
      'image.data',
      'image.data must be a Uint8Array, Uint8ClampedArray or Buffer, received Uint16Array(48)',
    ],
    ['width 0', withImage({ width: 0 }), 'image.width', 'image.width must be an integer between 1 and 1073741824, received 0'],
    [
      'height 2.5',
      withImage({ height: 2.5 }),
      'image.height',
      'image.height must be an integer between 1 and 1073741824, received 2.5',
    ],
  ];
  for (const [name, run, option, message] of cases) {
    void test(name, () => assertInvalid(run, option, message));
  }

  void test('image null', () => {
    assertInvalid(() => quantize(null as unknown as QuantizeImage), 'image', 'image must be an object, received null');
  });

  void test('the boundary values are accepted', () => {
    assert.equal(quantize(image, { k: 2 }).options.k, 2);
    assert.equal(quantize(image, { k: 16 }).options.k, 16);
    assert.equal(quantize(image, { seed: 0xffffffff }).options.seed, 0xffffffff);
    const big: QuantizeImage = { data: new Uint8Array(16 * 16 * 3), width: 16, height: 16, channels: 3 };
    assert.equal(quantize(big, { k: 256 }).options.k, 256);
  });
});

void describe('quantize resolves defaults', () => {
  void test('every documented default is applied and the result options are frozen', () => {
    const { options } = quantize(image);
    assert.deepEqual(options, { ...QUANTIZE_DEFAULTS, restarts: 8 });
    assert.ok(Object.isFrozen(options));
    assert.ok(Object.isFrozen(QUANTIZE_DEFAULTS));
  });

  void test('restarts default to 8 up to k 32, 2 up to k 64, then 1', () => {
    const big: QuantizeImage = { data: new Uint8Array(16 * 16 * 3), width: 16, height: 16, channels: 3 };
    const restarts = (k: number): number => quantize(big, { k }).options.restarts;
    assert.deepEqual([32, 33, 64, 65, 256].map(restarts), [8, 2, 2, 1, 1]);
  });
});
