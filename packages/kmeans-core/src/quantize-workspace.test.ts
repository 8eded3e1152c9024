import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { createQuantizeWorkspace, InvalidOptionError, quantize, type QuantizeImage } from './index.js';

/** 64×48 RGB with smooth gradients: a small image, whose unique colours are counted exactly. */
function gradient(width: number, height: number): QuantizeImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0, o = 0; y < height; y++)
    for (let x = 0; x < width; x++, o += 3) {
      data[o] = (x * 4) & 255;
      data[o + 1] = (y * 5) & 255;
      data[o + 2] = (x * y) & 255;
    }
  return { data, width, height, channels: 3 };
}

void describe('quantize with a workspace', () => {
  test('a small image: the same result, its indices written into the workspace; no colour table is made', () => {
    const image = gradient(64, 48);
    const workspace = createQuantizeWorkspace(64, 48);
    assert.equal(workspace.colourTable, null);
    const plain = quantize(image, { k: 16, seed: 3 });
    const prepared = quantize(image, { k: 16, seed: 3 }, workspace);
    assert.equal(prepared.indices, workspace.indices);
    assert.deepEqual(prepared.palette, plain.palette);
    assert.deepEqual(prepared.indices, plain.indices);
    assert.deepEqual(prepared.stats, plain.stats);
  });

  test('an RGBA image with transparency: the same result', () => {
    const width = 32;
    const height = 16;
    const data = new Uint8Array(width * height * 4);
    for (let p = 0; p < width * height; p++) data.set([p & 255, (p * 3) & 255, (p * 7) & 255, p % 5 === 0 ? 0 : 255], p * 4);
    const image: QuantizeImage = { data, width, height, channels: 4 };
    const plain = quantize(image, { k: 8, seed: 1 });
    const prepared = quantize(image, { k: 8, seed: 1 }, createQuantizeWorkspace(width, height));
    assert.deepEqual(prepared.palette, plain.palette);
    assert.deepEqual(prepared.paletteAlpha, plain.paletteAlpha);
    assert.deepEqual(prepared.indices, plain.indices);
  });

  test('dithered: the same result (the workspace holds the undithered mapping it starts from)', () => {
    const image = gradient(40, 30);
    const plain = quantize(image, { k: 8, seed: 2, dither: true });
    const prepared = quantize(image, { k: 8, seed: 2, dither: true }, createQuantizeWorkspace(40, 30));
    assert.deepEqual(prepared.indices, plain.indices);
  });

  test('a workspace made for another size is refused, naming the buffer and both sizes', () => {
    const image = gradient(64, 48);
    assert.throws(
      () => quantize(image, { k: 16 }, createQuantizeWorkspace(48, 48)),
      (error: unknown) =>
        error instanceof InvalidOptionError &&
        error.option === 'workspace.indices' &&
        /3072 entries/.test(error.message) &&
        /Uint8Array\(2304\)/.test(error.message),
    );
    const wrongTable = { indices: new Uint8Array(64 * 48), colourTable: new Uint16Array(1024) };
    assert.throws(
      () => quantize(image, { k: 16 }, wrongTable),
      (error: unknown) => error instanceof InvalidOptionError && error.option === 'workspace.colourTable',
    );
  });

  test('bird_small: the same result as without (importance weighting, the defaults)', () => {
    const data = new Uint8Array(readFileSync(new URL('../test-fixtures/bird_small.rgb', import.meta.url)));
    const image: QuantizeImage = { data, width: 128, height: 128, channels: 3 };
    const plain = quantize(image, { k: 16 });
    const prepared = quantize(image, { k: 16 }, createQuantizeWorkspace(image.width, image.height));
    assert.deepEqual(prepared.palette, plain.palette);
    assert.deepEqual(prepared.indices, plain.indices);
  });
});
