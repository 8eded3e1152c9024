import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_PARAMS, InvalidParamsError, resolveParams } from './params.js';

function assertRejected(input: Record<string, unknown>, param: string, message: string): void {
  assert.throws(
    () => resolveParams(input),
    (error: unknown) => {
      assert.ok(error instanceof InvalidParamsError, `expected InvalidParamsError, got ${String(error)}`);
      assert.equal(error.name, 'InvalidParamsError');
      assert.equal(error.param, param);
      assert.equal(error.permanent, true);
      assert.equal(error.message, message);
      return true;
    },
  );
}

void describe('resolveParams', () => {
  void test('fills every documented default', () => {
    const params = resolveParams({});
    assert.deepEqual(params, {
      k: 16,
      seed: 1,
      colorSpace: 'rgb',
      dither: false,
      format: 'png',
      batchSize: 1024,
      maxSteps: 100,
      lloydIterations: 60,
      targetPsnr: null,
      targetSsim: null,
      skipIfLarger: false,
    });
    assert.deepEqual(params, DEFAULT_PARAMS);
    assert.ok(Object.isFrozen(params));
    assert.ok(Object.isFrozen(DEFAULT_PARAMS));
  });

  void test('keeps given values and defaults the rest', () => {
    const params = resolveParams({ k: 256, seed: 0, colorSpace: 'oklab', dither: true, format: 'webp' });
    assert.deepEqual(params, { ...DEFAULT_PARAMS, k: 256, seed: 0, colorSpace: 'oklab', dither: true, format: 'webp' });
  });

  void test('undefined means the default', () => {
    assert.deepEqual(resolveParams({ k: undefined, format: undefined }), DEFAULT_PARAMS);
  });

  void test('accepts the boundaries', () => {
    assert.equal(resolveParams({ k: 2 }).k, 2);
    assert.equal(resolveParams({ seed: 0xffffffff }).seed, 0xffffffff);
    assert.equal(resolveParams({ batchSize: 16 }).batchSize, 16);
    assert.equal(resolveParams({ maxSteps: 0, lloydIterations: 0 }).maxSteps, 0);
  });
});

void describe('resolveParams rejects bad parameters, naming them', () => {
  const cases: [string, Record<string, unknown>, string, string][] = [
    ['k 1', { k: 1 }, 'k', 'k must be an integer between 2 and 256, received 1'],
    ['k 257', { k: 257 }, 'k', 'k must be an integer between 2 and 256, received 257'],
    ['k 2.5', { k: 2.5 }, 'k', 'k must be an integer between 2 and 256, received 2.5'],
    ['k "16"', { k: '16' }, 'k', 'k must be an integer between 2 and 256, received "16"'],
    ['seed -1', { seed: -1 }, 'seed', 'seed must be an integer between 0 and 4294967295, received -1'],
    ['format "gif"', { format: 'gif' }, 'format', 'format must be one of png, webp, received "gif"'],
    ['colorSpace "hsv"', { colorSpace: 'hsv' }, 'colorSpace', 'colorSpace must be one of rgb, oklab, received "hsv"'],
    ['dither "yes"', { dither: 'yes' }, 'dither', 'dither must be true or false, received "yes"'],
    ['batchSize 8', { batchSize: 8 }, 'batchSize', 'batchSize must be an integer between 16 and 1048576, received 8'],
    ['maxSteps -1', { maxSteps: -1 }, 'maxSteps', 'maxSteps must be an integer between 0 and 100000, received -1'],
    [
      'lloydIterations 10001',
      { lloydIterations: 10001 },
      'lloydIterations',
      'lloydIterations must be an integer between 0 and 10000, received 10001',
    ],
    ['targetPsnr 0', { targetPsnr: 0 }, 'targetPsnr', 'targetPsnr must be null or a number between 1 and 99, received 0'],
    [
      'targetPsnr "38"',
      { targetPsnr: '38' },
      'targetPsnr',
      'targetPsnr must be null or a number between 1 and 99, received "38"',
    ],
    ['skipIfLarger 1', { skipIfLarger: 1 }, 'skipIfLarger', 'skipIfLarger must be true or false, received 1'],
    [
      'targetPsnr with dither',
      { targetPsnr: 38, dither: true },
      'targetPsnr',
      'targetPsnr cannot be combined with dither: the target search measures undithered output, received targetPsnr 38 and dither true',
    ],
    ['an unknown parameter', { k: 16, palette: 8 }, 'palette', 'unknown parameter palette'],
    ['several unknown parameters', { colours: 8, quality: 90 }, 'colours', 'unknown parameter colours, quality'],
  ];
  for (const [name, input, param, message] of cases) {
    void test(name, () => assertRejected(input, param, message));
  }
});
