#!/usr/bin/env node
// @ts-check
/**
 * Stage timings of one kpress compression, in one warm process: decode, unique-colour histogram,
 * importance map, quantize (whole), SSIM, indexed-PNG encode, and the output bytes. Runs each
 * stage `--runs` times (median) after one warm-up, on the 12-MP mosaic of bench:core and on
 * 768×512 photos like bench:pipeline's. Run after `npx tsc -b`:
 *   node scripts/bench/stage-timings.mjs [--k 16,256] [--runs 3] [--image file] [--photos 8] [--cpu]
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { decodeImage, encodeIndexedPng } from '@kpress/codec';
import { measureSsim, quantize } from '@kpress/kmeans-core';
import { describeMachineSpeed, measureMachineSpeed } from './machine-speed.mjs';
import { buildPipelineImages } from './pipeline-images.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const CORE = join(ROOT, 'packages/kmeans-core/dist');
const { buildHistogram } = await import(join(CORE, 'colour-histogram.js'));
const { importanceWeights } = await import(join(CORE, 'importance-map.js'));

const { values } = parseArgs({
  options: {
    k: { type: 'string', default: '16,256' },
    runs: { type: 'string', default: '3' },
    image: { type: 'string', default: join(ROOT, '.bench/bench-mosaic-4000x3000.jpg') },
    photos: { type: 'string', default: '8' },
    cpu: { type: 'boolean', default: false },
  },
});
const KS = values.k.split(',').map(Number);
const RUNS = Math.max(1, Number(values.runs));
const median = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/**
 * Median milliseconds of `fn` over RUNS runs after one warm-up, and its last result. With --cpu,
 * CPU time of this process (user + system) instead of wall time: steadier on a shared machine.
 * @template T
 * @param {() => T} fn
 * @returns {Promise<{ ms: number, result: Awaited<T> }>}
 */
async function time(fn) {
  let result = await fn();
  const times = [];
  for (let r = 0; r < RUNS; r++) {
    const [started, cpu] = [performance.now(), process.cpuUsage()];
    result = await fn();
    const used = process.cpuUsage(cpu);
    times.push(values.cpu ? (used.user + used.system) / 1000 : performance.now() - started);
  }
  return { ms: median(times), result };
}

if (!existsSync(values.image)) {
  console.error(`${values.image} is missing: run npm run bench:core once (it builds the mosaic)`);
  process.exit(1);
}
const speedAtStart = await measureMachineSpeed(values.image);
const input = await sharp(values.image).toBuffer();
const decoded = await time(() => decodeImage(input, { maxPixels: 1e9 }));
const image = /** @type {import('@kpress/codec').DecodedImage} */ (decoded.result);
const { width, height, channels, data } = image;
console.log(`${values.image.split('/').pop()}: ${width}×${height}, decode ${decoded.ms.toFixed(0)} ms`);
const histogram = await time(() => buildHistogram(data, channels));
// Full-image histogram and importance map: what quantize builds below 4 Mpx (above, on sampled rows only).
console.log(`  full-image histogram ${histogram.ms.toFixed(0)} ms (${histogram.result.size} unique colours)`);
for (const k of KS) {
  const h = histogram.result;
  const importance = await time(() => importanceWeights(data, channels, width, height, h.pixelToUnique, h.size, k));
  const quantized = await time(() => quantize(image, { k }));
  const result = /** @type {import('@kpress/kmeans-core').QuantizeResult} */ (quantized.result);
  const ssim = await time(() => measureSsim(data, channels, width, height, result.indices, result.palette));
  const png = await time(() => encodeIndexedPng({ width, height, ...result }));
  const bytes = /** @type {Buffer} */ (png.result).length;
  console.log(
    `  K=${k}: full-image importance ${importance.ms.toFixed(0)} ms, quantize ${quantized.ms.toFixed(0)} ms ` +
      `(PSNR ${result.stats.psnr.toFixed(3)} dB, ${result.stats.lloydIterations} Lloyd passes), ` +
      `SSIM ${ssim.ms.toFixed(0)} ms, PNG encode ${png.ms.toFixed(0)} ms, ${bytes} bytes`,
  );
}

const photos = await buildPipelineImages(join(ROOT, 'samples'), Number(values.photos));
const decodedPhotos = await Promise.all(photos.map((photo) => decodeImage(photo.body, { maxPixels: 1e9 })));
for (const k of KS) {
  const times = [];
  let psnr = 0;
  for (const photo of decodedPhotos) quantize(photo, { k }); // warm-up
  for (const photo of decodedPhotos) {
    const [started, cpu] = [performance.now(), process.cpuUsage()];
    psnr += quantize(photo, { k }).stats.psnr;
    const used = process.cpuUsage(cpu);
    times.push(values.cpu ? (used.user + used.system) / 1000 : performance.now() - started);
  }
  console.log(
    `${decodedPhotos.length} photos 768×512, K=${k}: quantize median ${median(times).toFixed(0)} ms, mean PSNR ${(psnr / decodedPhotos.length).toFixed(3)} dB`,
  );
}
console.log(describeMachineSpeed(speedAtStart, await measureMachineSpeed(values.image), values.image.split('/').pop() ?? ''));
