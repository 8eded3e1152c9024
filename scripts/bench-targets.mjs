#!/usr/bin/env node
/**
 * kpress quality-target benchmark (`npm run bench:targets`): for PSNR targets (default 30, 35 and
 * 40 dB) over the bench photos, kpress `--target-psnr T` (K searched in [2, 256]) against pngquant
 * `--quality 0-q` and a fixed K = 256 run, in the same process and the same minute.
 *
 * pngquant's quality is on its own perceptual scale, not PSNR, so the "matching quality setting"
 * is found per image: the smallest q (bisected over 0–100) whose pngquant output reaches T dB.
 * That calibration favours pngquant (an oracle per image); its time is the final run's alone.
 * Every output is scored the same way: decoded with sharp and compared with the source's RGB.
 * No method dithers (pngquant --nofs). A benchmark: it prints a table and asserts nothing.
 *
 * Options: --targets 30,35,40   --images bird_small,china,flower   --runs 3 (median time)
 * Full results go to .bench/bench-targets.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BENCH = join(ROOT, '.bench');
const TMP = join(BENCH, 'tmp');
const { values: flags } = parseArgs({
  options: {
    targets: { type: 'string', default: '30,35,40' },
    images: { type: 'string', default: 'bird_small,china,flower' },
    runs: { type: 'string', default: '3' },
  },
});
const TARGETS = flags.targets.split(',').map(Number);
const IMAGES = flags.images.split(',');
const RUNS = Math.max(1, Number(flags.runs));
const log = (message) => process.stderr.write(`[bench:targets] ${message}\n`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let compress;
let contract;
try {
  compress = await import('@kpress/compress');
  contract = await import('@kpress/job-contract');
} catch {
  console.log('kpress is not built (packages/*/dist): run `npx tsc -b` first.');
  process.exit(0);
}
const sharp = (await import('sharp')).default;
sharp.cache(false);
sharp.concurrency(1);
const pngquantVersion = (() => {
  const r = spawnSync('pngquant', ['--version'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? null : r.stdout.trim();
})();
mkdirSync(TMP, { recursive: true });

async function rgb(input) {
  return sharp(input, { limitInputPixels: false }).removeAlpha().raw().toBuffer();
}

function psnr(a, b) {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return sum === 0 ? Infinity : 10 * Math.log10((255 * 255) / (sum / a.length));
}

function paletteSize(png) {
  // The PLTE chunk's length / 3 (an indexed PNG); null for another colour type.
  for (let o = 8; o + 8 <= png.length;) {
    const length = png.readUInt32BE(o);
    if (png.toString('latin1', o + 4, o + 8) === 'PLTE') return length / 3;
    o += 12 + length;
  }
  return null;
}

/**
 * kpress in this process, as a compress process runs it, with `params` and with a fixed K = 256
 * in alternate runs (so that both meet the same load on a shared machine): median times of RUNS
 * runs each. The ratio the issue bounds (≤ 2.5×) is of the quantize phases, which hold the search.
 */
async function kpress(input, params) {
  const resolved = contract.resolveParams(params);
  const fixed = contract.resolveParams({ k: 256 });
  const times = [];
  const quantize = [];
  const fixedQuantize = [];
  let last;
  for (let r = 0; r < RUNS; r++) {
    fixedQuantize.push((await compress.compressImage(input, fixed, { maxPixels: 1e9 })).timingsMs.quantize);
    const started = performance.now();
    try {
      last = await compress.compressImage(input, resolved, { maxPixels: 1e9 });
    } catch (error) {
      if (error?.code === 'quality-too-low') return { miss: true, reason: error.message, bestPsnr: error.bestPsnr };
      throw error;
    }
    times.push(performance.now() - started);
    quantize.push(last.timingsMs.quantize);
  }
  return {
    miss: false,
    output: last.output.bytes,
    k: last.target?.k ?? resolved.k,
    ms: median(times),
    quantizeRatio: median(quantize) / median(fixedQuantize),
  };
}

function pngquant(file, q) {
  const out = join(TMP, `pq-${process.pid}.png`);
  const started = performance.now();
  const r = spawnSync('pngquant', ['--force', '--nofs', '--speed', '4', '--quality', `0-${q}`, '--output', out, file]);
  const ms = performance.now() - started;
  if (r.status !== 0) return null;
  return { output: readFileSync(out), ms };
}

/** The smallest pngquant q whose output reaches `target` dB on this image (bisection; PSNR grows with q). */
async function calibratedPngquant(file, source, target) {
  const score = async (q) => {
    const run = pngquant(file, q);
    return run === null ? null : { ...run, q, psnr: psnr(source, await rgb(run.output)) };
  };
  const top = await score(100);
  if (top === null || top.psnr < target) return { miss: /** @type {const} */ (true), bestPsnr: top?.psnr ?? null };
  let low = 0;
  let high = 100;
  let best = top;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const run = await score(mid);
    if (run !== null && run.psnr >= target) {
      high = mid;
      best = run;
    } else low = mid + 1;
  }
  const times = [best.ms];
  for (let r = 1; r < RUNS; r++) times.push(/** @type {{ ms: number }} */ (pngquant(file, best.q)).ms);
  return { miss: /** @type {const} */ (false), ...best, ms: median(times), colours: paletteSize(best.output) };
}

const rows = [];
for (const name of IMAGES) {
  const file = join(ROOT, 'samples', `${name}.${name === 'bird_small' ? 'png' : 'jpg'}`);
  if (!existsSync(file)) {
    log(`no sample ${file}; skipped`);
    continue;
  }
  const input = readFileSync(file);
  const source = await rgb(input);
  // pngquant reads PNG only: it gets the same pixels as a lossless PNG.
  const pngFile = join(TMP, `${name}-source.png`);
  await sharp(source, { raw: { ...(await sharp(input).metadata()), channels: 3 } })
    .png()
    .toFile(pngFile);
  // One untimed run first, so that every timed run meets optimised code.
  if (rows.length === 0) await kpress(input, { k: 256, targetPsnr: TARGETS[0] });
  log(`${name}: fixed K = 256`);
  const fixed = await kpress(input, { k: 256 });
  for (const target of TARGETS) {
    log(`${name}: target ${target} dB`);
    const ours = await kpress(input, { k: 256, targetPsnr: target });
    const theirs = pngquantVersion ? await calibratedPngquant(pngFile, source, target) : null;
    rows.push({
      image: name,
      sourceBytes: input.length,
      target,
      fixed256: { bytes: fixed.output.length, ms: round(fixed.ms) },
      kpress: ours.miss
        ? { miss: true, bestPsnr: round(ours.bestPsnr) }
        : {
            k: ours.k,
            bytes: ours.output.length,
            psnr: round(psnr(source, await rgb(Buffer.from(ours.output)))),
            ms: round(ours.ms),
            quantizeRatio: round(ours.quantizeRatio),
          },
      pngquant:
        theirs === null
          ? null
          : theirs.miss
            ? { miss: true, bestPsnr: theirs.bestPsnr === null ? null : round(theirs.bestPsnr) }
            : {
                q: theirs.q,
                colours: theirs.colours,
                bytes: theirs.output.length,
                psnr: round(theirs.psnr),
                ms: round(theirs.ms),
              },
    });
  }
}

function round(x) {
  return Number.isFinite(x) ? Math.round(x * 100) / 100 : x;
}

const kb = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;
console.log(
  `kpress --target-psnr vs pngquant --quality (${cpus()[0]?.model ?? '?'}; ${pngquantVersion ? `pngquant ${pngquantVersion}` : 'pngquant not installed'}; median of ${RUNS})`,
);
console.log('');
console.log(
  '| image | target | kpress K | kpress bytes | kpress PSNR | kpress ms | quantize ÷ K=256 quantize | pngquant q | colours | pngquant bytes | pngquant PSNR | pngquant ms | K=256 bytes |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const k = r.kpress.miss
    ? [`miss (best ${r.kpress.bestPsnr} dB)`, '–', '–', '–', '–']
    : [r.kpress.k, kb(r.kpress.bytes), r.kpress.psnr, r.kpress.ms, r.kpress.quantizeRatio.toFixed(2)];
  const p =
    r.pngquant === null
      ? ['–', '–', '–', '–', '–']
      : r.pngquant.miss
        ? [`miss (best ${r.pngquant.bestPsnr} dB)`, '–', '–', '–', '–']
        : [r.pngquant.q, r.pngquant.colours, kb(r.pngquant.bytes), r.pngquant.psnr, r.pngquant.ms];
  console.log(`| ${r.image} | ${r.target} dB | ${k.join(' | ')} | ${p.join(' | ')} | ${kb(r.fixed256.bytes)} |`);
}
console.log('');
for (const target of TARGETS) {
  const hits = rows.filter((r) => r.target === target && !r.kpress.miss);
  const pq = rows.flatMap((r) => (r.target === target && r.pngquant && !r.pngquant.miss ? [r.pngquant] : []));
  const mean = (xs) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
  if (hits.length === 0 && pq.length === 0) {
    console.log(`target ${target} dB: reached by neither kpress (at K ≤ 256) nor pngquant on any image`);
    continue;
  }
  console.log(
    `target ${target} dB: kpress reached it on ${hits.length}/${rows.filter((r) => r.target === target).length} images, ` +
      `mean K ${mean(hits.map((r) => r.kpress.k)).toFixed(1)}, ${kb(hits.reduce((a, r) => a + r.kpress.bytes, 0))}, ` +
      `${mean(hits.map((r) => r.kpress.ms)).toFixed(0)} ms/image (quantize ${mean(hits.map((r) => r.kpress.quantizeRatio)).toFixed(2)}× a K=256 quantize); ` +
      `pngquant on ${pq.length}: mean colours ${mean(pq.map((p) => p.colours)).toFixed(1)}, ${kb(pq.reduce((a, p) => a + (p.bytes ?? 0), 0))}, ` +
      `${mean(pq.map((p) => p.ms)).toFixed(0)} ms/image`,
  );
}
writeFileSync(join(BENCH, 'bench-targets.json'), `${JSON.stringify({ pngquant: pngquantVersion, runs: RUNS, rows }, null, 2)}\n`);
