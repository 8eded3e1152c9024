#!/usr/bin/env node
/**
 * kpress core benchmark (`npm run bench:core`): colour-quantization quality and speed of kpress
 * against sharp's palette PNG (libimagequant), image-q, a naive full-batch k-means (the tutorial's),
 * pngquant and scikit-learn's MiniBatchKMeans, on the sample images and a 4000×3000 mosaic.
 *
 * A benchmark, not a test: it prints tables and summary lines, asserts nothing, and exits 0
 * whatever the numbers (PASS/MISS next to a target is informational). Peers that are missing are
 * reported as "not installed". Full results go to .bench/bench-core.json.
 *
 * Every method is scored the same way: its output PNG is decoded back with sharp
 * (`.removeAlpha().raw()`) and compared with the source pixels decoded once the same way; PSNR is
 * RGB, from the per-channel mean squared error. Two perceptual scores sit beside it: blurred PSNR
 * (both images blurred by a Gaussian of σ = 1.5 px with sharp, then RGB PSNR) and Debian's
 * `butteraugli` distance (lower is better; not on the 12-MP mosaic, where it takes ~30 s a method).
 * Methods whose label says "dither" dither (kpress `dither: true`, sharp `dither: 1.0`, pngquant's
 * default Floyd–Steinberg); no other method does.
 *
 * Options (for quick iterations; the defaults run everything):
 *   --k 16,64,256          palette sizes
 *   --images a,b           image names (bird_small, china, flower, mosaic)
 *   --runs 3               runs (median) of the mosaic timings that the speed ratios use
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BENCH = join(ROOT, '.bench');
const OUT = join(BENCH, 'out');
const TMP = join(BENCH, 'tmp');
const CLI = join(ROOT, 'apps/cli/dist/main.js');
/** The installed command (`npx kpress`, node_modules/.bin/kpress): it starts Node with huge pages for glibc's buffers. */
const LAUNCHER = join(ROOT, 'apps/cli/bin/kpress');
const PYTHON = '/usr/bin/python3';
const SKLEARN_HELPER = join(ROOT, 'scripts/bench/sklearn_minibatch.py');
const RSS_WRAPPER = join(ROOT, 'scripts/bench/rss-wrapper.mjs');
const MOSAIC = join(BENCH, 'bench-mosaic-4000x3000.jpg');
const MOSAIC_NAME = 'mosaic';

/**
 * Peers that would take minutes on the 12-megapixel mosaic are not run there: the full-batch naive
 * k-means costs pixels × K × 10 distance evaluations (≈ 30 G at K = 256, about 2 minutes here), and
 * scikit-learn's MiniBatchKMeans takes 10⁴ mini-batch steps at K ≥ 64 on 12 MP: 15 s on an idle
 * machine, but 1–3.5 minutes when other processes compete for the 2 cores (its OpenMP threads
 * degrade badly under contention). At K = 16 (2–4 s) it runs.
 */
const SKIP_ON_MOSAIC = { naive: new Set([256]), sklearn: new Set([64, 256]) };
/** A peer's child process running longer than this is killed and reported as timed out. */
const CHILD_TIMEOUT_MS = 120_000;
/** Mosaic timings the speed ratios use: these methods run RUNS times, round-robin, and report the median. */
const REPEATED_ON_MOSAIC = ['kpress', 'kpress-prepared', 'kpress-cli', 'sharp-default'];

const { values: flags } = parseArgs({
  options: {
    k: { type: 'string', default: '16,64,256' },
    images: { type: 'string', default: 'bird_small,china,flower,mosaic' },
    runs: { type: 'string', default: '3' },
  },
});
const KS = flags.k.split(',').map(Number);
const IMAGE_NAMES = flags.images.split(',');
const RUNS = Math.max(1, Number(flags.runs));

const log = (message) => process.stderr.write(`[bench] ${message}\n`);
const now = () => performance.now();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---------------------------------------------------------------- peers

async function optionalImport(specifier) {
  try {
    return await import(specifier);
  } catch (error) {
    if (error?.code === 'ERR_MODULE_NOT_FOUND') return null;
    throw error;
  }
}

function probe(command, args) {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  return r.error || r.status !== 0 ? null : `${r.stdout}${r.stderr}`.trim().split('\n')[0];
}

const sharpModule = await optionalImport('sharp');
if (!sharpModule) {
  console.log('sharp: not installed — it decodes every image and scores every output; nothing to benchmark.');
  process.exit(0);
}
const sharp = sharpModule.default;
sharp.cache(false); // no libvips operation cache: repeated runs on one input must not be served from memory
const core = await optionalImport('@kpress/kmeans-core');
const codec = await optionalImport('@kpress/codec');
if (!core || !codec || !existsSync(CLI)) {
  console.log('kpress is not built (packages/*/dist, apps/cli/dist): run `npx tsc -b` first.');
  process.exit(0);
}
// The page toucher compressImage uses while an image decodes (not part of @kpress/compress's API).
const { warmPages } = await import(join(ROOT, 'packages/compress/dist/warm-pages.js'));
const imageQ = await optionalImport('image-q');
const { naiveKmeans } = await import('./bench/naive-kmeans.mjs');
const { blurRgb, butteraugliDistance, butteraugliVersion } = await import('./bench/perceptual-scores.mjs');
const { describeMachineSpeed, measureMachineSpeed } = await import('./bench/machine-speed.mjs');
const butteraugli = butteraugliVersion();
const pngquantVersion = probe('pngquant', ['--version']);
const sklearnVersion = existsSync(PYTHON) ? probe(PYTHON, ['-c', 'import numpy, sklearn; print(sklearn.__version__)']) : null;
const gnuTime = existsSync('/usr/bin/time') && probe('/usr/bin/time', ['-f', '%M', 'true']) !== null;

const peers = {
  sharp: `${sharp.versions.sharp} (libvips ${sharp.versions.vips}, libimagequant ${sharp.versions.imagequant ?? '?'}, concurrency ${sharp.concurrency()})`,
  'image-q': imageQ ? readJson(join(ROOT, 'node_modules/image-q/package.json')).version : null,
  pngquant: pngquantVersion,
  'scikit-learn': sklearnVersion ? `${sklearnVersion} (${PYTHON})` : null,
  'GNU time': gnuTime ? '/usr/bin/time' : null,
  butteraugli,
};

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

// ---------------------------------------------------------------- images and scoring

/** 4000×3000: an 8×8 checkerboard of 500×375 tiles, china.jpg and flower.jpg alternately (cover-cropped). */
async function buildMosaic() {
  if (existsSync(MOSAIC)) return;
  log(`building ${relative(ROOT, MOSAIC)}`);
  const [tileW, tileH, cols, rows] = [500, 375, 8, 8];
  const tile = (name) =>
    sharp(join(ROOT, 'samples', name))
      .resize(tileW, tileH, { fit: 'cover' })
      .png()
      .toBuffer();
  const tiles = [await tile('china.jpg'), await tile('flower.jpg')];
  const composite = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) composite.push({ input: tiles[(r + c) % 2], left: c * tileW, top: r * tileH });
  await sharp({ create: { width: cols * tileW, height: rows * tileH, channels: 3, background: '#000' } })
    .composite(composite)
    .jpeg({ quality: 92 })
    .toFile(MOSAIC);
}

async function decodeRgb(input) {
  const { data, info } = await sharp(input, { limitInputPixels: false })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoding ${input} gave ${info.channels} channels`);
  return { data, width: info.width, height: info.height };
}

function psnrOf(a, b) {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  const mse = sum / a.length;
  return { mse, psnr: mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse) };
}

const seen = new Uint8Array(1 << 21); // one bit per 24-bit colour
function countColours(rgb) {
  seen.fill(0);
  let count = 0;
  for (let i = 0; i < rgb.length; i += 3) {
    const c = (rgb[i] << 16) | (rgb[i + 1] << 8) | rgb[i + 2];
    const bit = 1 << (c & 7);
    if ((seen[c >>> 3] & bit) === 0) {
      seen[c >>> 3] |= bit;
      count++;
    }
  }
  return count;
}

/** PSNR, blurred PSNR, butteraugli, colours really used and size of an output file, decoded back with sharp. */
async function score(file, ctx) {
  const { source } = ctx;
  const out = await decodeRgb(file);
  if (out.width !== source.width || out.height !== source.height) throw new Error(`${file}: size differs from the source`);
  const { mse, psnr } = psnrOf(source.data, out.data);
  const blurred = psnrOf(await ctx.blurredSource(), await blurRgb(sharp, out.data, out.width, out.height)).psnr;
  const distance = butteraugli && !ctx.isMosaic ? butteraugliDistance(await ctx.pngSource(), file, CHILD_TIMEOUT_MS) : null;
  return { psnr, mse, blurredPsnr: blurred, butteraugli: distance, colours: countColours(out.data), bytes: statSync(file).size };
}

/** RGB pixels (≤ 256 colours) as an indexed PNG with kpress's own writer, so sizes compare fairly. */
async function writeRgbAsPng(rgb, width, height, file) {
  const entry = new Map();
  const indices = new Uint8Array(width * height);
  const palette = [];
  for (let p = 0, o = 0; p < indices.length; p++, o += 3) {
    const key = (rgb[o] << 16) | (rgb[o + 1] << 8) | rgb[o + 2];
    let e = entry.get(key);
    if (e === undefined) {
      e = entry.size;
      if (e >= 256) {
        // More than 256 colours: not a palette image; keep it truecolour (lossless).
        await sharp(rgb, { raw: { width, height, channels: 3 } })
          .png()
          .toFile(file);
        return;
      }
      entry.set(key, e);
      palette.push(rgb[o], rgb[o + 1], rgb[o + 2]);
    }
    indices[p] = e;
  }
  writeFileSync(file, codec.encodeIndexedPng({ width, height, palette: Uint8Array.from(palette), paletteAlpha: null, indices }));
}

function run(command, args, options = {}) {
  const started = now();
  const r = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: CHILD_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    ...options,
  });
  const ms = now() - started;
  if (/** @type {NodeJS.ErrnoException | undefined} */ (r.error)?.code === 'ETIMEDOUT')
    throw new Error(`timed out (> ${CHILD_TIMEOUT_MS / 1000} s)`);
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${basename(command)} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

// ---------------------------------------------------------------- methods

/**
 * Each method runs once and returns { file, ms, extra? } or { skipped: reason }. `ms` is what the
 * table's time column shows; what it covers is in METHODS[].timing.
 */
const METHODS = [
  {
    id: 'kpress',
    label: 'kpress quantize',
    timing: 'quantize() in-process (cluster + map to indices); no decode/encode',
    async run(ctx) {
      const { data, width, height } = ctx.source;
      const started = now();
      const result = core.quantize({ data, width, height, channels: 3 }, { k: ctx.k });
      const ms = now() - started;
      const { palette, paletteAlpha, indices } = result;
      writeFileSync(ctx.file, codec.encodeIndexedPng({ width, height, palette, paletteAlpha, indices }));
      return { file: ctx.file, ms, extra: { selfReportedPsnr: result.stats.psnr, iterations: result.stats.iterations } };
    },
  },
  {
    id: 'kpress-prepared',
    label: 'kpress quantize, ready',
    timing:
      'quantize() in-process, its buffers ready: workspace (indices, colour table) allocated and touched before the clock starts, as a one-shot compress prepares it while the image decodes',
    async run(ctx) {
      const { data, width, height } = ctx.source;
      const workspace = core.createQuantizeWorkspace(width, height);
      await warmPages([workspace.indices, ...(workspace.colourTable ? [workspace.colourTable] : [])]).finished;
      const started = now();
      const result = core.quantize({ data, width, height, channels: 3 }, { k: ctx.k }, workspace);
      const ms = now() - started;
      const { palette, paletteAlpha, indices } = result;
      writeFileSync(ctx.file, codec.encodeIndexedPng({ width, height, palette, paletteAlpha, indices }));
      return { file: ctx.file, ms };
    },
  },
  {
    id: 'kpress-dither',
    label: 'kpress quantize dither',
    timing: 'quantize({dither: true}) in-process (cluster + Floyd–Steinberg); no decode/encode',
    async run(ctx) {
      const { data, width, height } = ctx.source;
      const started = now();
      const result = core.quantize({ data, width, height, channels: 3 }, { k: ctx.k, dither: true });
      const ms = now() - started;
      const { palette, paletteAlpha, indices } = result;
      writeFileSync(ctx.file, codec.encodeIndexedPng({ width, height, palette, paletteAlpha, indices }));
      return { file: ctx.file, ms };
    },
  },
  {
    id: 'kpress-cli',
    label: 'kpress compress',
    timing:
      'wall time of `kpress compress IN -o OUT --k K --json` as installed (apps/cli/bin/kpress: startup+read+decode+quantize+encode+write)',
    async run(ctx) {
      const r = run(LAUNCHER, ['compress', ctx.input, '-o', ctx.file, '--k', String(ctx.k), '--json']);
      const metadata = JSON.parse(r.stdout);
      return { file: ctx.file, ms: r.ms, extra: { timingsMs: metadata.timingsMs, selfReportedPsnr: metadata.quality.psnr } };
    },
  },
  {
    id: 'sharp-e10',
    label: 'sharp effort 10',
    peer: 'sharp',
    timing: 'sharp(IN).png({palette, colours: K, effort: 10, dither: 0}).toFile() in-process (decode+quantize+encode+write)',
    async run(ctx) {
      const started = now();
      await sharp(ctx.input, { limitInputPixels: false })
        .png({ palette: true, colours: ctx.k, effort: 10, dither: 0 })
        .toFile(ctx.file);
      return { file: ctx.file, ms: now() - started };
    },
  },
  {
    id: 'sharp-dither',
    label: 'sharp e10 dither 1.0',
    peer: 'sharp',
    timing: 'sharp(IN).png({palette, colours: K, effort: 10, dither: 1.0}).toFile() in-process (decode+quantize+encode+write)',
    async run(ctx) {
      const started = now();
      await sharp(ctx.input, { limitInputPixels: false })
        .png({ palette: true, colours: ctx.k, effort: 10, dither: 1.0 })
        .toFile(ctx.file);
      return { file: ctx.file, ms: now() - started };
    },
  },
  {
    id: 'sharp-default',
    label: 'sharp default effort',
    peer: 'sharp',
    timing: 'sharp(IN).png({palette, colours: K, dither: 0}).toFile() in-process, effort 7 (decode+quantize+encode+write)',
    async run(ctx) {
      const started = now();
      await sharp(ctx.input, { limitInputPixels: false }).png({ palette: true, colours: ctx.k, dither: 0 }).toFile(ctx.file);
      return { file: ctx.file, ms: now() - started };
    },
  },
  {
    id: 'image-q',
    label: 'image-q wuquant',
    peer: 'image-q',
    timing: 'buildPaletteSync (wuquant, euclidean-bt709) + applyPaletteSync (nearest) in-process, from RGBA',
    async run(ctx) {
      if (!imageQ) return { skipped: 'not installed' };
      const { data, width, height } = ctx.source;
      const rgba = new Uint8Array(width * height * 4);
      for (let p = 0, i = 0, o = 0; p < width * height; p++, i += 3, o += 4) {
        rgba[o] = data[i];
        rgba[o + 1] = data[i + 1];
        rgba[o + 2] = data[i + 2];
        rgba[o + 3] = 255;
      }
      const started = now();
      const points = imageQ.utils.PointContainer.fromUint8Array(rgba, width, height);
      const palette = imageQ.buildPaletteSync([points], { colors: ctx.k });
      const mapped = imageQ.applyPaletteSync(points, palette, { imageQuantization: 'nearest' }).toUint8Array();
      const ms = now() - started;
      const rgb = new Uint8Array(width * height * 3);
      for (let p = 0, i = 0, o = 0; p < width * height; p++, i += 4, o += 3) {
        rgb[o] = mapped[i];
        rgb[o + 1] = mapped[i + 1];
        rgb[o + 2] = mapped[i + 2];
      }
      await writeRgbAsPng(rgb, width, height, ctx.file);
      return { file: ctx.file, ms };
    },
  },
  {
    id: 'naive',
    label: 'naive k-means',
    timing: 'in-process JS: K seeded random pixels, 10 full-batch Lloyd iterations over all pixels, map to rounded centroids',
    async run(ctx) {
      if (ctx.isMosaic && SKIP_ON_MOSAIC.naive.has(ctx.k)) return { skipped: 'skipped (too slow)' };
      const { data, width, height } = ctx.source;
      const started = now();
      const { rgb } = naiveKmeans(data, ctx.k, { iterations: 10, seed: 1 });
      const ms = now() - started;
      await writeRgbAsPng(rgb, width, height, ctx.file);
      return { file: ctx.file, ms };
    },
  },
  {
    id: 'pngquant',
    label: 'pngquant -s1 --nofs',
    peer: 'pngquant',
    timing: 'wall time of `pngquant --speed 1 --nofs K` on a lossless PNG copy of the source (its read+quantize+write)',
    async run(ctx) {
      if (!pngquantVersion) return { skipped: 'not installed' };
      const input = await ctx.pngSource();
      rmSync(ctx.file, { force: true });
      const r = run('pngquant', ['--speed', '1', '--nofs', '--force', '--output', ctx.file, String(ctx.k), input]);
      return { file: ctx.file, ms: r.ms };
    },
  },
  {
    id: 'pngquant-dither',
    label: 'pngquant -s1 dither',
    peer: 'pngquant',
    timing: 'wall time of `pngquant --speed 1 K` (Floyd–Steinberg, its default) on a lossless PNG copy of the source',
    async run(ctx) {
      if (!pngquantVersion) return { skipped: 'not installed' };
      const input = await ctx.pngSource();
      rmSync(ctx.file, { force: true });
      const r = run('pngquant', ['--speed', '1', '--force', '--output', ctx.file, String(ctx.k), input]);
      return { file: ctx.file, ms: r.ms };
    },
  },
  {
    id: 'sklearn',
    label: 'sklearn MiniBatchKMeans',
    peer: 'scikit-learn',
    timing: 'fit+predict inside python, MiniBatchKMeans(n_clusters=K, random_state=0, n_init=3) on every pixel',
    async run(ctx) {
      if (!sklearnVersion) return { skipped: 'not installed' };
      if (ctx.isMosaic && SKIP_ON_MOSAIC.sklearn.has(ctx.k)) return { skipped: 'skipped (too slow)' };
      const { width, height } = ctx.source;
      const input = ctx.rawSource();
      const output = join(TMP, `${ctx.image}-k${ctx.k}-sklearn.rgb`);
      const r = run(PYTHON, [SKLEARN_HELPER, input, output, String(width), String(height), String(ctx.k)]);
      const report = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
      const rgb = readFileSync(output);
      rmSync(output, { force: true });
      await writeRgbAsPng(rgb, width, height, ctx.file);
      return { file: ctx.file, ms: report.fit_predict_ms, extra: { wallMs: r.ms, miniBatchSteps: report.steps } };
    },
  },
];

// ---------------------------------------------------------------- main

mkdirSync(OUT, { recursive: true });
mkdirSync(TMP, { recursive: true });
if (IMAGE_NAMES.includes(MOSAIC_NAME)) await buildMosaic();

const IMAGE_FILES = {
  bird_small: join(ROOT, 'samples/bird_small.png'),
  china: join(ROOT, 'samples/china.jpg'),
  flower: join(ROOT, 'samples/flower.jpg'),
  [MOSAIC_NAME]: MOSAIC,
};

// libvips and the JIT warm up before anything is timed.
await sharp(IMAGE_FILES.bird_small).png({ palette: true, colours: 16, dither: 0 }).toBuffer();
core.quantize({ data: new Uint8Array(64 * 64 * 3).map((_, i) => (i * 37) & 255), width: 64, height: 64, channels: 3 }, { k: 16 });

const calibrationAtStart = await measureMachineSpeed(MOSAIC);
const benchStarted = now();
const loadAtStart = loadavg();
const results = []; // { image, k, method, ... }
const images = {};

for (const image of IMAGE_NAMES) {
  const input = IMAGE_FILES[image];
  if (!input) throw new Error(`unknown image ${image}; known: ${Object.keys(IMAGE_FILES).join(', ')}`);
  const source = await decodeRgb(input);
  const isMosaic = image === MOSAIC_NAME;
  images[image] = {
    file: relative(ROOT, input),
    width: source.width,
    height: source.height,
    pixels: source.width * source.height,
    colours: countColours(source.data),
  };
  let pngCopy = null;
  let rawCopy = null;
  let blurredCopy = null;
  const shared = {
    image,
    input,
    source,
    isMosaic,
    // pngquant reads PNG only: a lossless copy of the decoded pixels (not timed).
    pngSource: async () => {
      if (!pngCopy) {
        pngCopy = join(TMP, `${image}-source.png`);
        await sharp(source.data, { raw: { width: source.width, height: source.height, channels: 3 } })
          .png({ compressionLevel: 1 })
          .toFile(pngCopy);
      }
      return pngCopy;
    },
    blurredSource: async () => {
      blurredCopy ??= await blurRgb(sharp, source.data, source.width, source.height);
      return blurredCopy;
    },
    rawSource: () => {
      if (!rawCopy) {
        rawCopy = join(TMP, `${image}-source.rgb`);
        writeFileSync(rawCopy, source.data);
      }
      return rawCopy;
    },
  };
  for (const k of KS) {
    // Mosaic timings that the speed ratios use run RUNS times, interleaved (kpress, kpress compress,
    // sharp, kpress, …) so that load from elsewhere on the machine hits them alike; the median counts.
    const rounds = isMosaic ? RUNS : 1;
    const repeated = METHODS.filter((m) => rounds > 1 && REPEATED_ON_MOSAIC.includes(m.id));
    const outcomes = new Map();
    const attempt = async (method) => {
      const file = join(OUT, `${image}-k${k}-${method.id}.png`);
      const started = now();
      let outcome;
      try {
        outcome = await method.run({ ...shared, k, file });
      } catch (error) {
        outcome = { error: String(error?.message ?? error).split('\n')[0] };
      }
      outcome.wallSeconds = (now() - started) / 1000;
      const previous = outcomes.get(method.id);
      outcome.times = [...(previous?.times ?? []), ...(outcome.ms === undefined ? [] : [outcome.ms])];
      outcomes.set(method.id, previous?.error ? previous : outcome);
    };
    for (let round = 0; round < rounds; round++) for (const method of repeated) await attempt(method);
    for (const method of METHODS) {
      if (!repeated.includes(method)) await attempt(method);
      const outcome = outcomes.get(method.id);
      let row = { image, k, method: method.id, label: method.label };
      if (outcome.skipped) row.skipped = outcome.skipped;
      else if (outcome.error) row.error = outcome.error;
      else {
        try {
          const scored = await score(outcome.file, { ...shared, k });
          row = { ...row, ...scored, ms: median(outcome.times), runs: outcome.times, ...(outcome.extra ?? {}) };
        } catch (error) {
          row.error = String(error?.message ?? error).split('\n')[0];
        }
        if (isMosaic) rmSync(outcome.file, { force: true }); // 12-MP outputs are large; keep the small ones
      }
      results.push(row);
      const what =
        row.skipped ??
        row.error ??
        `${row.psnr.toFixed(2)} dB, blurred ${row.blurredPsnr.toFixed(2)} dB, butteraugli ${row.butteraugli?.toFixed(2) ?? '–'}, ${row.colours} colours, ${row.ms.toFixed(0)} ms`;
      log(`${image} K=${k} ${method.label}: ${what} (total ${((now() - benchStarted) / 1000).toFixed(0)} s)`);
    }
  }
  if (pngCopy) rmSync(pngCopy, { force: true });
  if (rawCopy) rmSync(rawCopy, { force: true });
}

// Peak RSS of `kpress compress` on the mosaic at K = 256.
let rss = null;
if (IMAGE_NAMES.includes(MOSAIC_NAME)) {
  const out = join(TMP, 'rss-k256.png');
  const rssFile = join(TMP, 'rss.txt');
  try {
    if (gnuTime) {
      run('/usr/bin/time', ['-f', '%M', '-o', rssFile, LAUNCHER, 'compress', MOSAIC, '-o', out, '--k', '256']);
      rss = {
        kb: Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()),
        how: '/usr/bin/time -f %M (max RSS of the child, KiB)',
      };
    } else {
      run(process.execPath, [RSS_WRAPPER, 'compress', MOSAIC, '-o', out, '--k', '256'], {
        env: { ...process.env, KPRESS_BENCH_RSS_FILE: rssFile },
      });
      rss = {
        kb: readJson(rssFile).maxRssKb,
        how: 'process.resourceUsage().maxRSS at exit, via scripts/bench/rss-wrapper.mjs (KiB)',
      };
    }
  } catch (error) {
    rss = { error: String(error?.message ?? error).split('\n')[0] };
  }
  rmSync(out, { force: true });
  rmSync(rssFile, { force: true });
}

// ---------------------------------------------------------------- report

const fmt = {
  db: (x) => (x === Infinity ? 'lossless' : x.toFixed(2)),
  ms: (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1)),
  int: (x) => String(x),
  signed: (x) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`,
};
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

console.log('kpress core benchmark');
console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB`);
for (const [peer, version] of Object.entries(peers)) console.log(`  ${pad(`${peer}:`, 14)}${version ?? 'not installed'}`);
const loadAtEnd = loadavg();
const load = (l) => l.map((x) => x.toFixed(2)).join(' ');
const busy = Math.max(...loadAtStart, ...loadAtEnd) > cpus().length;
const contention = busy ? ` — above ${cpus().length} CPUs: other processes competed, timings are inflated and noisy` : '';
console.log(`load average (1/5/15 min) at start ${load(loadAtStart)}, at end ${load(loadAtEnd)}${contention}`);
const calibrationAtEnd = await measureMachineSpeed(MOSAIC);
console.log(describeMachineSpeed(calibrationAtStart, calibrationAtEnd, 'the mosaic'));
console.log('Images:');
for (const [name, info] of Object.entries(images))
  console.log(
    `  ${pad(name, 11)}${info.file}  ${info.width}×${info.height} (${(info.pixels / 1e6).toFixed(2)} MP, ${info.colours} colours)`,
  );
console.log('Time column, per method:');
for (const m of METHODS) console.log(`  ${pad(m.label, 24)}${m.timing}`);
console.log(
  `  (mosaic rows of kpress quantize, kpress compress and sharp default effort: median of ${RUNS} runs; every other cell: 1 run)`,
);
console.log(
  "Output bytes: kpress, sharp and pngquant as each writes its PNG; image-q, naive and sklearn pixels written by kpress's indexed-PNG writer.",
);

const row = (cells, widths) => cells.map((c, i) => (i < 2 ? pad(c, widths[i]) : lpad(c, widths[i]))).join('  ');
const widths = [11, 24, 9, 9, 7, 8, 10, 11];
for (const k of KS) {
  console.log('');
  console.log(`K = ${k}`);
  console.log(row(['image', 'method', 'PSNR dB', 'blur dB', 'butter', 'colours', 'time ms', 'bytes'], widths));
  console.log('-'.repeat(widths.reduce((a, b) => a + b + 2, -2)));
  for (const image of Object.keys(images)) {
    for (const r of results.filter((x) => x.k === k && x.image === image)) {
      if (r.skipped || r.error)
        console.log(row([image, r.label, '', '', '', '', '', ''], widths).trimEnd() + `  ${r.skipped ?? `error: ${r.error}`}`);
      else
        console.log(
          row(
            [
              image,
              r.label,
              fmt.db(r.psnr),
              fmt.db(r.blurredPsnr),
              r.butteraugli === null ? '–' : r.butteraugli.toFixed(2),
              fmt.int(r.colours),
              fmt.ms(r.ms),
              fmt.int(r.bytes),
            ],
            widths,
          ),
        );
    }
  }
}

// ---------------------------------------------------------------- summary

const get = (image, k, method) =>
  results.find((r) => r.image === image && r.k === k && r.method === method && r.psnr !== undefined);
const summary = [];
const line = (text, extra = {}) => {
  summary.push({ text, ...extra });
};
const passMiss = (value, target) => (value <= target ? 'PASS' : 'MISS');

/** @param {(row: any) => boolean} [condition] which rows of `other` to compare */
function differences(k, other, condition = () => true) {
  const diffs = [];
  for (const image of Object.keys(images)) {
    const a = get(image, k, 'kpress');
    const b = get(image, k, other);
    if (a && b && condition(b)) diffs.push({ image, diff: a.psnr - b.psnr });
  }
  return diffs;
}
function describe(diffs) {
  if (diffs.length === 0) return 'n/a (no comparable images)';
  const mean = diffs.reduce((s, d) => s + d.diff, 0) / diffs.length;
  const min = diffs.reduce((m, d) => (d.diff < m.diff ? d : m));
  return `mean ${fmt.signed(mean)} dB, min ${fmt.signed(min.diff)} dB (${min.image}) over ${diffs.length} image(s): ${diffs.map((d) => `${d.image} ${fmt.signed(d.diff)}`).join(', ')}`;
}

console.log('');
console.log('Summary — quality (no dithering, RGB PSNR; kpress = kpress quantize row)');
for (const k of [16, 256].filter((x) => KS.includes(x))) {
  const diffs = differences(k, 'sharp-e10', (b) => b.colours === k);
  const excluded = Object.keys(images).filter((image) => get(image, k, 'sharp-e10') && get(image, k, 'sharp-e10').colours !== k);
  const text = `K=${k}: kpress − sharp effort 10 (images where sharp used exactly ${k} colours): ${describe(diffs)}${excluded.length ? `; excluded (sharp used ≠ ${k}): ${excluded.map((i) => `${i} ${get(i, k, 'sharp-e10').colours}`).join(', ')}` : ''}`;
  console.log(`  ${text}`);
  line(text, { k, versus: 'sharp-e10', diffs });
}
for (const k of KS) {
  const off = results.filter((r) => r.k === k && r.method.startsWith('sharp') && r.colours !== undefined && r.colours !== k);
  if (off.length) {
    const text = `K=${k}: sharp asked for ${k} colours used ${[...new Set(off.map((r) => r.colours))].join('/')} (${off.map((r) => `${r.image} ${r.method === 'sharp-e10' ? 'e10' : 'default'} ${r.colours}`).join(', ')})`;
    console.log(`  ${text}`);
    line(text, { k, sharpColours: off.map((r) => ({ image: r.image, method: r.method, colours: r.colours })) });
  }
}
if (KS.includes(64)) {
  const diffs = differences(64, 'pngquant');
  const text = `K=64: kpress − pngquant --speed 1 --nofs 64: ${pngquantVersion ? describe(diffs) : 'pngquant not installed'}`;
  console.log(`  ${text}`);
  line(text, { k: 64, versus: 'pngquant', diffs });
}
{
  const all = [];
  for (const k of KS) {
    const diffs = differences(k, 'naive');
    all.push(...diffs.map((d) => ({ ...d, image: `${d.image}@${k}` })));
    const text = `K=${k}: kpress − naive k-means: ${describe(diffs)}`;
    console.log(`  ${text}`);
    line(text, { k, versus: 'naive', diffs });
  }
  const text = `all K: kpress − naive k-means: ${describe(all)}`;
  console.log(`  ${text}`);
  line(text, { versus: 'naive', diffs: all });
}

printPerceptionSummary();

console.log('');
console.log(
  `Summary — speed on the ${images[MOSAIC_NAME] ? `${images[MOSAIC_NAME].width}×${images[MOSAIC_NAME].height} ` : ''}mosaic (median of ${RUNS} runs)`,
);
const ratio = (label, a, b, target) => {
  if (!a || !b) {
    const text = `${label}: n/a (not measured)`;
    console.log(`  ${text}`);
    line(text);
    return;
  }
  const value = a.ms / b.ms;
  const text = `${label}: ${fmt.ms(a.ms)} ms / ${fmt.ms(b.ms)} ms = ${value.toFixed(3)} (target ≤ ${target}) ${passMiss(value, target)}${value > target ? ` — over by ${(value - target).toFixed(3)}, ${((value / target - 1) * 100).toFixed(0)}% (would need ≤ ${fmt.ms(target * b.ms)} ms)` : ''}`;
  console.log(`  ${text}`);
  line(text, { value, target, pass: value <= target, numeratorMs: a.ms, denominatorMs: b.ms });
};
ratio(
  'K=256 kpress compress (end to end) ÷ sharp palette PNG 256 colours default effort',
  get(MOSAIC_NAME, 256, 'kpress-cli'),
  get(MOSAIC_NAME, 256, 'sharp-default'),
  0.25,
);
ratio(
  'K=16  kpress compress (end to end) ÷ sharp palette PNG 16 colours default effort',
  get(MOSAIC_NAME, 16, 'kpress-cli'),
  get(MOSAIC_NAME, 16, 'sharp-default'),
  0.45,
);
{
  // The issue's target for quantize alone is a time, not a ratio.
  const quantized = get(MOSAIC_NAME, 256, 'kpress');
  const text = quantized
    ? `K=256 kpress quantize+map alone (in-process): ${fmt.ms(quantized.ms)} ms (target ≤ 600 ms) ${passMiss(quantized.ms, 600)}`
    : 'K=256 kpress quantize+map alone: n/a (not measured)';
  console.log(`  ${text}`);
  line(text, quantized ? { ms: quantized.ms, target: 600, pass: quantized.ms <= 600 } : {});
  // The same, with the buffers that compressImage allocates and touches while the image decodes.
  const prepared = get(MOSAIC_NAME, 256, 'kpress-prepared');
  const preparedText = prepared
    ? `K=256 kpress quantize+map alone, buffers touched ahead (as compress runs it): ${fmt.ms(prepared.ms)} ms (target ≤ 600 ms) ${passMiss(prepared.ms, 600)}`
    : 'K=256 kpress quantize+map alone, buffers touched ahead: n/a (not measured)';
  console.log(`  ${preparedText}`);
  line(preparedText, prepared ? { ms: prepared.ms, target: 600, pass: prepared.ms <= 600 } : {});
}
{
  const cli = get(MOSAIC_NAME, 256, 'kpress-cli');
  if (cli?.timingsMs) {
    const t = cli.timingsMs;
    const text = `K=256 kpress compress phases (last run, self-reported): decode ${t.decode} ms, quantize ${t.quantize} ms, SSIM ${t.quality} ms (overlapping encode), encode ${t.encode} ms, total in the command ${t.total} ms; command wall (with Node's start) ${fmt.ms(cli.ms)} ms (runs: ${cli.runs.map((x) => x.toFixed(0)).join(', ')} ms)`;
    console.log(`  ${text}`);
    line(text);
  }
}

function meanOf(k, method, field) {
  const values = Object.keys(images)
    .map((image) => get(image, k, method)?.[field])
    .filter((v) => typeof v === 'number' && Number.isFinite(v));
  return values.length === 0 ? null : { mean: values.reduce((a, b) => a + b, 0) / values.length, n: values.length };
}

/** The issue's dither and perception targets, on means over the images each method was scored on. */
function printPerceptionSummary() {
  console.log('');
  console.log('Summary — dithering (mean blurred PSNR, σ 1.5 px; higher is better)');
  const show = (text, extra = {}) => {
    console.log(`  ${text}`);
    line(text, extra);
  };
  const versus = (a, b, margin) =>
    a && b
      ? `${fmt.signed(a.mean - b.mean)} dB (target ≥ ${fmt.signed(margin)}) ${a.mean >= b.mean + margin ? 'PASS' : 'MISS'}`
      : 'n/a';
  for (const k of [16, 64].filter((x) => KS.includes(x))) {
    const dithered = meanOf(k, 'kpress-dither', 'blurredPsnr');
    const plain = meanOf(k, 'kpress', 'blurredPsnr');
    const sharpDither = meanOf(k, 'sharp-dither', 'blurredPsnr');
    const pngquantDither = meanOf(k, 'pngquant-dither', 'blurredPsnr');
    show(
      `K=${k}: kpress dither ${dithered?.mean.toFixed(2) ?? 'n/a'} dB; − sharp dither 1.0: ${versus(dithered, sharpDither, 0)}; − pngquant dither: ${versus(dithered, pngquantDither, 0)}; − kpress undithered: ${versus(dithered, plain, 0.5)}`,
      { k, dithered, plain, sharpDither, pngquantDither },
    );
  }
  console.log('');
  console.log('Summary — perception (no dithering; means over the images; butteraugli lower is better, not on the mosaic)');
  for (const k of [16, 256].filter((x) => KS.includes(x))) {
    const ours = {
      butter: meanOf(k, 'kpress', 'butteraugli'),
      blur: meanOf(k, 'kpress', 'blurredPsnr'),
      rgb: meanOf(k, 'kpress', 'psnr'),
    };
    const liq = {
      butter: meanOf(k, 'sharp-e10', 'butteraugli'),
      blur: meanOf(k, 'sharp-e10', 'blurredPsnr'),
      rgb: meanOf(k, 'sharp-e10', 'psnr'),
    };
    if (!ours.butter || !liq.butter || !ours.blur || !liq.blur || !ours.rgb || !liq.rgb) {
      show(`K=${k}: n/a (not measured)`);
      continue;
    }
    const rgbMargin = k === 16 ? 0.1 : 0;
    show(
      `K=${k}: butteraugli kpress ${ours.butter.mean.toFixed(2)} vs libimagequant (sharp e10) ${liq.butter.mean.toFixed(2)} ${ours.butter.mean <= liq.butter.mean ? 'PASS' : 'MISS'}; ` +
        `blurred PSNR ${ours.blur.mean.toFixed(2)} vs ${liq.blur.mean.toFixed(2)} ${ours.blur.mean >= liq.blur.mean ? 'PASS' : 'MISS'}; ` +
        `RGB PSNR ${fmt.signed(ours.rgb.mean - liq.rgb.mean)} dB (target ≥ ${fmt.signed(rgbMargin)}) ${ours.rgb.mean >= liq.rgb.mean + rgbMargin ? 'PASS' : 'MISS'}`,
      { k, ours, libimagequant: liq },
    );
  }
}

console.log('');
console.log('Summary — memory');
if (!rss) {
  console.log('  peak RSS: n/a (mosaic not run)');
  line('peak RSS: n/a');
} else if (rss.error) {
  console.log(`  peak RSS: error: ${rss.error}`);
  line(`peak RSS: error: ${rss.error}`);
} else {
  const mb = rss.kb / 1024;
  const text = `peak RSS of kpress compress, mosaic, K=256: ${mb.toFixed(0)} MB (target ≤ 400 MB) ${passMiss(mb, 400)}${mb > 400 ? ` — over by ${(mb - 400).toFixed(0)} MB` : ''}; measured with ${rss.how}`;
  console.log(`  ${text}`);
  line(text, { mb, target: 400, pass: mb <= 400, how: rss.how });
}
console.log('');
console.log(
  `Benchmark time ${((now() - benchStarted) / 1000).toFixed(0)} s. Results: ${relative(ROOT, join(BENCH, 'bench-core.json'))}; small outputs in ${relative(ROOT, OUT)}/. Targets are informational; exit code 0.`,
);

writeFileSync(
  join(BENCH, 'bench-core.json'),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      loadAverage: { start: loadAtStart, end: loadAtEnd },
      machineSpeed: { start: calibrationAtStart, end: calibrationAtEnd },
      peers,
      images,
      ks: KS,
      runs: RUNS,
      methods: METHODS.map(({ id, label, timing }) => ({ id, label, timing })),
      skippedOnMosaic: Object.fromEntries(Object.entries(SKIP_ON_MOSAIC).map(([k, v]) => [k, [...v]])),
      results: results.map((r) => ({ ...r, psnr: r.psnr === Infinity ? null : r.psnr })),
      rss,
      summary,
    },
    null,
    2,
  )}\n`,
);
rmSync(TMP, { recursive: true, force: true });
