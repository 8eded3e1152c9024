#!/usr/bin/env node
/**
 * Writes docs/images/quantizer-k16-china.png: one crop of samples/china.jpg at K = 16, top row
 * without dithering, bottom row with it — original, kpress, libimagequant (sharp's palette PNG,
 * effort 10; dither 1.0 on the bottom row). Run after `npx tsc -b`:
 *   node scripts/bench/side-by-side.mjs [--k 16] [--left 200 --top 80 --size 232x190]
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { encodeIndexedPng } from '@kpress/codec';
import { quantize } from '@kpress/kmeans-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    k: { type: 'string', default: '16' },
    left: { type: 'string', default: '150' },
    top: { type: 'string', default: '40' },
    size: { type: 'string', default: '232x190' },
  },
});
const k = Number(values.k);
const [width, height] = values.size.split('x').map(Number);
const crop = { left: Number(values.left), top: Number(values.top), width, height };
const input = join(ROOT, 'samples/china.jpg');
const output = join(ROOT, `docs/images/quantizer-k${k}-china.png`);

// Every method quantizes the whole photo (the palette depends on all of it); the crop comes after.
const { data, info } = await sharp(input).removeAlpha().raw().toBuffer({ resolveWithObject: true });
const whole = { data, width: info.width, height: info.height, channels: /** @type {const} */ (3) };
const cropOf = (buffer) => sharp(buffer).extract(crop).png().toBuffer();
const kpress = async (dither) => {
  const r = quantize(whole, { k, dither });
  return cropOf(encodeIndexedPng({ width: info.width, height: info.height, ...r }));
};
const liq = async (dither) => cropOf(await sharp(input).png({ palette: true, colours: k, effort: 10, dither }).toBuffer());
const panels = [
  [await cropOf(await sharp(input).png().toBuffer()), await kpress(false), await liq(0)],
  [await cropOf(await sharp(input).png().toBuffer()), await kpress(true), await liq(1)],
];
const gap = 4;
const composite = panels.flatMap((row, r) =>
  row.map((panel, c) => ({ input: panel, left: c * (width + gap), top: r * (height + gap) })),
);
mkdirSync(dirname(output), { recursive: true });
await sharp({ create: { width: 3 * width + 2 * gap, height: 2 * height + gap, channels: 3, background: '#fff' } })
  .composite(composite)
  .png({ compressionLevel: 9 })
  .toFile(output);
console.log(`${output}: columns original, kpress, libimagequant (effort 10); rows undithered, dithered; K=${k}`);
