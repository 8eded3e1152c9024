import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createRandom, measureSsim, quantize, SsimMeter } from './index.js';
import { SSIM_BAND_WASM } from './wasm/ssim-band-binary.js';

const bird = new Uint8Array(readFileSync(new URL('../test-fixtures/bird_small.rgb', import.meta.url)));

/** The textbook formula on one block, written out independently. */
function blockSsim(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / n;
  const mx = mean(xs);
  const my = mean(ys);
  const vx = mean(xs.map((x) => (x - mx) ** 2));
  const vy = mean(ys.map((y) => (y - my) ** 2));
  const cxy = mean(xs.map((x, i) => (x - mx) * (ys[i]! - my)));
  const [c1, c2] = [(0.01 * 255) ** 2, (0.03 * 255) ** 2];
  return ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
}

void describe('measureSsim', () => {
  void test('an exact copy scores 1', () => {
    // Every colour of a 16-colour image is in its palette.
    const palette = Uint8Array.from({ length: 48 }, (_, i) => (i * 53) % 256);
    const indices = Uint8Array.from({ length: 64 * 40 }, (_, p) => (p * 7) % 16);
    const data = new Uint8Array(indices.length * 3);
    indices.forEach((e, p) => data.set(palette.subarray(e * 3, e * 3 + 3), p * 3));
    assert.equal(measureSsim(data, 3, 64, 40, indices, palette), 1);
  });

  void test('one 8×8 grey block equals the textbook formula', () => {
    const source = Array.from({ length: 64 }, (_, p) => (p * 29) % 200);
    const data = Uint8Array.from(source.flatMap((v) => [v, v, v]));
    const palette = Uint8Array.from([40, 40, 40, 160, 160, 160]);
    const indices = Uint8Array.from(source, (v) => (v < 100 ? 0 : 1));
    const expected = blockSsim(
      source,
      Array.from(indices, (e) => (e === 0 ? 40 : 160)),
    );
    assert.ok(Math.abs(measureSsim(data, 3, 8, 8, indices, palette) - expected) < 1e-9);
  });

  void test('bird_small: more colours, higher SSIM, always below 1', () => {
    const scores = [4, 16, 64].map((k) => {
      const result = quantize({ data: bird, width: 128, height: 128, channels: 3 }, { k, seed: 1 });
      return measureSsim(bird, 3, 128, 128, result.indices, result.palette);
    });
    assert.ok(scores[0]! < scores[1]! && scores[1]! < scores[2]! && scores[2]! < 1, `SSIM ${scores.join(', ')}`);
    assert.ok(scores[0]! > 0.3, `SSIM at k=4 ${scores[0]}`);
  });

  void test('fully transparent pixels count as exact', () => {
    const data = new Uint8Array(8 * 8 * 4); // all transparent black
    const indices = new Uint8Array(64).fill(0);
    assert.equal(measureSsim(data, 4, 8, 8, indices, Uint8Array.from([255, 255, 255])), 1);
  });
});

void describe('SsimMeter', () => {
  void test('rows added a few at a time, in any steps, give measureSsim exactly', () => {
    // 128×128 bird: 16 bands; steps that cross band edges, repeat a count, and end past the image.
    const result = quantize({ data: bird, width: 128, height: 128, channels: 3 }, { k: 16, seed: 1 });
    const whole = measureSsim(bird, 3, 128, 128, result.indices, result.palette);
    for (const steps of [[128], [1, 7, 8, 8, 9, 50, 127, 128], [3, 3, 200]]) {
      const meter = new SsimMeter(bird, 3, 128, 128, result.palette);
      for (const rows of steps) meter.addRows(result.indices, rows);
      assert.equal(meter.result(), whole, `steps ${steps.join(', ')}`);
    }
  });

  void test('asked for a result before every row is in, it says how many rows it has', () => {
    const palette = Uint8Array.of(0, 0, 0, 255, 255, 255);
    const meter = new SsimMeter(new Uint8Array(4 * 20 * 3), 3, 4, 20, palette);
    meter.addRows(new Uint8Array(80), 12);
    assert.throws(() => meter.result(), /SSIM measured 8 of 20 rows/);
  });
});

void describe('SSIM of RGB rows in WebAssembly (wasm/ssim-band.wat) against the TypeScript functions', () => {
  // Odd sizes: a last block column of 3 pixels and a last band of 5 rows.
  const [width, height] = [203, 45];
  const random = createRandom(11);
  const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => (((i / 3) % width) + random.below(60)) & 255);
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) rgba.set([rgb[3 * p]!, rgb[3 * p + 1]!, rgb[3 * p + 2]!, 255], 4 * p);
  const palette = Uint8Array.from({ length: 37 * 3 }, () => random.below(256));
  const indices = Uint8Array.from({ length: width * height }, () => random.below(37));

  test('the kernel compiles here (else RGB rows would quietly take the TypeScript path too)', () => {
    // The global is not in TypeScript's ES libraries.
    const wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object } }).WebAssembly;
    assert.doesNotThrow(() => new wasm.Module(Uint8Array.from(atob(SSIM_BAND_WASM), (c) => c.charCodeAt(0))));
  });

  test('an RGB image (the kernel) and the same pixels as opaque RGBA (TypeScript) give the same SSIM to the last bit', () => {
    const kernel = measureSsim(rgb, 3, width, height, indices, palette);
    const typescript = measureSsim(rgba, 4, width, height, indices, palette);
    assert.ok(kernel > 0 && kernel < 1, `${kernel}`);
    assert.equal(kernel, typescript);
  });

  test('where WebAssembly is missing (node --jitless), TypeScript measures: the same SSIM', () => {
    const module = fileURLToPath(new URL('./index.js', import.meta.url));
    const script = `
      const core = await import(${JSON.stringify(module)});
      const [rgb, indices, palette] = ${JSON.stringify([Array.from(rgb), Array.from(indices), Array.from(palette)])}.map((a) => Uint8Array.from(a));
      console.log(typeof WebAssembly, core.measureSsim(rgb, 3, ${width}, ${height}, indices, palette));`;
    const child = spawnSync(process.execPath, ['--jitless', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), `undefined ${measureSsim(rgb, 3, width, height, indices, palette)}`);
  });
});
