// Runnable example: the classic k-means tutorial exercise (Andrew Ng's ML course, ex7) with kpress.
//   (a) k-means with K = 3 on the 2-D point set samples/ex7data2.csv from the tutorial's initial
//       centroids, plain Lloyd iterations, plotting each centroid's path → out/tutorial/kmeans-2d.png
//   (b) samples/bird_small.png compressed to 16 colours → out/tutorial/bird_small-16.png and a
//       side-by-side comparison → out/tutorial/bird-side-by-side.png
// Run with `npm run example:tutorial` (builds first) or `npx tsc -b && node scripts/example-tutorial.mjs`.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { kmeans } from '@kpress/kmeans-core';
import { compressImage } from '@kpress/compress';
import { resolveParams } from '@kpress/job-contract';
import { expandPalette } from '@kpress/codec';
import { kmeansFigure } from './tutorial/plot-2d.mjs';
import { sideBySide } from './tutorial/side-by-side.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const samples = join(root, 'samples');
const outDir = join(root, 'out', 'tutorial');
const show = (path) => relative(root, path);
const fmt = (v, digits = 4) => v.toFixed(digits);
const pair = (c, j) => `[${fmt(c[2 * j])}, ${fmt(c[2 * j + 1])}]`;
const kib = (bytes) => `${bytes.toLocaleString('en-US')} bytes (${(bytes / 1024).toFixed(1)} KiB)`;

await mkdir(outDir, { recursive: true });

// ---------------------------------------------------------------- (a) 2-D points, K = 3
console.log('== Part (a): k-means on samples/ex7data2.csv ==');
const csv = (await readFile(join(samples, 'ex7data2.csv'), 'utf8')).trim().split(/\r?\n/);
if (csv[0].trim() !== 'x1,x2') throw new Error(`unexpected header in ex7data2.csv: ${csv[0]}`);
const points = Float64Array.from(csv.slice(1).flatMap((line) => line.split(',').map(Number)));
const n = points.length / 2;
const initial = Float64Array.of(3, 3, 6, 2, 8, 5); // the tutorial's initial_centroids = [3 3; 6 2; 8 5]
const K = 3;
console.log(`${n} points, K = ${K}, plain Lloyd iterations from the tutorial's initial centroids`);

// Inertia of the initial centroids (iteration 0), for the inertia plot.
let inertia0 = 0;
for (let i = 0; i < n; i++) {
  const d = [0, 1, 2].map((j) => (points[2 * i] - initial[2 * j]) ** 2 + (points[2 * i + 1] - initial[2 * j + 1]) ** 2);
  inertia0 += Math.min(...d);
}
const history = [Float64Array.from(initial)];
const inertia = [inertia0];
const result = kmeans(points, {
  dimension: 2,
  k: K,
  initialCentroids: initial,
  maxSteps: 0, // no mini-batch phase: plain Lloyd, as in the tutorial
  lloydIterations: 10,
  tolerance: 0,
  onLloydIteration: (iteration, centroids, value) => {
    history.push(Float64Array.from(centroids)); // the array is reused between calls: copy it
    inertia.push(value);
  },
});
console.log(`  iteration  0: ${[0, 1, 2].map((j) => pair(initial, j)).join(' ')}  inertia ${fmt(inertia0, 3)} (initial)`);
for (let t = 1; t < history.length; t++) {
  const centres = [0, 1, 2].map((j) => pair(history[t], j)).join(' ');
  console.log(`  iteration ${String(t).padStart(2)}: ${centres}  inertia ${fmt(inertia[t], 3)}`);
}
console.log(
  `Lloyd iterations: ${result.lloydIterations}${result.converged ? ' (assignments stopped changing)' : ''}; ` +
    `final inertia ${fmt(result.inertia, 3)}`,
);
console.log("Tutorial's final centroids, for comparison: [1.95, 5.03] [3.04, 1.02] [6.03, 3.00]");
const sizes = [0, 1, 2].map((j) => result.labels.filter((label) => label === j).length);
console.log(`Cluster sizes: ${sizes.join(', ')}`);

const figure = join(outDir, 'kmeans-2d.png');
const svg = kmeansFigure(points, result.labels, history, inertia, result.converged);
await sharp(Buffer.from(svg)).png().toFile(figure);
console.log(`Wrote ${show(figure)}`);

// ---------------------------------------------------------------- (b) bird_small.png, 16 colours
console.log('\n== Part (b): samples/bird_small.png compressed to 16 colours ==');
const birdPath = join(samples, 'bird_small.png');
const birdBytes = await readFile(birdPath);
const params = resolveParams({ k: 16 });
const compressed = await compressImage(birdBytes, params, { maxPixels: 1e8 });
const { width, height } = compressed.source;
const { palette, paletteAlpha, indices, stats } = compressed.result;
const output = compressed.output.bytes;
const rawBytes = width * height * 3;
const paletteSize = palette.length / 3;

const resultPath = join(outDir, 'bird_small-16.png');
await writeFile(resultPath, output);

console.log(`Image: ${width}×${height}, ${stats.uniqueColours.toLocaleString('en-US')} distinct colours`);
console.log(`Original PNG file:        ${kib(birdBytes.length)}`);
console.log(`Raw 24-bit pixels:        ${kib(rawBytes)}  (${width}×${height}×3)`);
console.log(
  `Output PNG (${paletteSize} colours): ${kib(output.length)}  (indexed, ${compressed.output.bitDepth} bits per pixel)`,
);
console.log(
  `Compression ratio:        ${(rawBytes / output.length).toFixed(2)}× vs raw pixels, ` +
    `${(birdBytes.length / output.length).toFixed(2)}× vs original PNG`,
);
console.log(`PSNR:                     ${stats.psnr.toFixed(2)} dB (MSE ${stats.mse.toFixed(2)} per channel)`);
console.log(
  `k-means iterations:       ${stats.iterations} (${stats.miniBatchSteps} mini-batch steps + ` +
    `${stats.lloydIterations} Lloyd iterations${stats.converged ? ', converged' : ''})`,
);
console.log(`Wrote ${show(resultPath)}`);

const originalRgb = await sharp(birdBytes).removeAlpha().toColourspace('srgb').raw().toBuffer();
const resultRgb = expandPalette({ width, height, palette, paletteAlpha, indices }, 3);
const picture = await sideBySide({
  originalRgb,
  resultRgb,
  width,
  height,
  palette,
  title: `bird_small.png: original vs k-means, K = ${params.k}`,
  leftCaption: [
    'Original (24-bit RGB)',
    `${birdBytes.length.toLocaleString('en-US')} bytes PNG`,
    `${stats.uniqueColours.toLocaleString('en-US')} colours; raw pixels ${rawBytes.toLocaleString('en-US')} bytes`,
  ],
  rightCaption: [
    `Compressed, K = ${paletteSize}`,
    `${output.length.toLocaleString('en-US')} bytes PNG (${compressed.output.bitDepth}-bit indexed)`,
    `PSNR ${stats.psnr.toFixed(2)} dB; ${(rawBytes / output.length).toFixed(1)}× smaller than raw`,
  ],
});
const sidePath = join(outDir, 'bird-side-by-side.png');
await writeFile(sidePath, picture);
console.log(`Wrote ${show(sidePath)}`);
