#!/usr/bin/env node
// Soak test of the pipeline under faults (npm run soak; run `npm run build` first, which it does).
// 2,000+ small images, 2 worker processes, and seeded random faults while the run goes on:
// kill -9 of a worker (restarted), Redis restarts on its append-only file (SIGTERM or SIGKILL),
// and bursts of S3 faults through a fault-injecting proxy. At the end every output is checked
// against a fault-free reference compression, and the table is written to docs/reliability.md.
//
//   node scripts/soak.mjs [--images N] [--seed S] [--budget-seconds T]
import { writeFile, readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { IMAGE_QUEUE } from '@kpress/job-contract';
import { startRedisServer } from '@kpress/local-services';
import { createRunStore } from '@kpress/runs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { FAULT_KINDS, mulberry32, startFaultProxy } from '../test/dist/support/fault-proxy.js';
import { startPipelineHarness } from '../test/dist/support/pipeline-harness.js';
import { referenceOutputs, verifyOutputs } from '../test/dist/support/output-checks.js';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '42' },
    'budget-seconds': { type: 'string', default: '480' },
  },
});
const IMAGES = Number(values.images);
const SEED = Number(values.seed);
const BUDGET_MS = Number(values['budget-seconds']) * 1000;
const PARAMS = { k: 16 };
/** Share of the images whose output bytes are compared with a fault-free reference compression. */
const SAMPLE_SHARE = 0.2;
const DOC = new URL('../docs/reliability.md', import.meta.url);
const started = Date.now();
// The AWS SDK's notice that its future releases need Node 22 is noise here (as in run-tests.mjs).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const log = (message) => console.log(`[soak ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A 64×48 image made from the seed alone: two gradients and a few discs, some noise. */
async function makeImage(index) {
  const random = mulberry32(SEED * 100_003 + index);
  const width = 64;
  const height = 48;
  const pixels = Buffer.alloc(width * height * 3);
  const base = [random() * 255, random() * 255, random() * 255];
  const discs = Array.from({ length: 3 }, () => ({
    x: random() * width,
    y: random() * height,
    r: 4 + random() * 12,
    c: [random() * 255, random() * 255, random() * 255],
  }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let c = [base[0] * (x / width), base[1] * (y / height), base[2]];
      for (const d of discs) if ((x - d.x) ** 2 + (y - d.y) ** 2 < d.r * d.r) c = d.c;
      const o = (y * width + x) * 3;
      for (let ch = 0; ch < 3; ch++) pixels[o + ch] = Math.max(0, Math.min(255, Math.round(c[ch] + (random() - 0.5) * 24)));
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

async function mapLimit(items, limit, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

const h = await startPipelineHarness();
const redis = await startRedisServer({ appendOnly: true });
// Every acknowledged write on disk before the answer: a SIGKILL of Redis then loses nothing.
const fsyncAlways = async () => {
  const admin = new Redis(redis.url);
  try {
    await admin.config('SET', 'appendfsync', 'always');
  } finally {
    admin.disconnect();
  }
};
await fsyncAlways();
const client = new Redis(redis.url, { maxRetriesPerRequest: null });
client.on('error', () => undefined);
const runs = createRunStore(client, h.prefix);
const queue = new Queue(IMAGE_QUEUE, { connection: client, prefix: h.prefix });
// A retried job rewrites its image with the same bytes; its metadata document differs only in
// the fields that describe the attempt (timings, worker, date), which are left out when comparing.
const proxy = await startFaultProxy(h.s3.endpoint, SEED, {
  canonical: (path, body) => {
    if (!path.endsWith('.json')) return body;
    try {
      const document = JSON.parse(body.toString('utf8'));
      for (const field of ['timingsMs', 'worker', 'createdAt']) delete document[field];
      return JSON.stringify(document);
    } catch {
      return body;
    }
  },
});
const source = h.bucket('soak-src');
const destination = h.bucket('soak-dst');
await h.store.createBucket(source);
await h.store.createBucket(destination);

const faults = { 'worker kill -9': 0, 'redis restart (SIGTERM)': 0, 'redis restart (SIGKILL)': 0, 's3 fault burst': 0 };
let exitCode = 0;
try {
  log(`generating and uploading ${IMAGES} images (64×48, seed ${SEED})`);
  const images = [];
  for (let i = 0; i < IMAGES; i++) images.push({ key: `in/${String(i).padStart(5, '0')}.png`, body: await makeImage(i) });
  await mapLimit(images, 16, (image) => h.store.put(source, image.key, image.body, { contentType: 'image/png' }));

  // Reference bytes for a seeded sample (k-means on 2,000 images takes minutes on 2 cores);
  // every other output is still checked for completeness and consistency, and the proxy sees
  // every rewrite's bytes (a rewrite with different bytes counts as a duplicate).
  const sampleRandom = mulberry32(SEED + 1);
  const sample = images.filter(() => sampleRandom() < SAMPLE_SHARE);
  log(`reference compression (fault-free, in this process) of a sample of ${sample.length} images`);
  const sampled = await referenceOutputs(sample, 'in/', 'out/', PARAMS);
  /** @type {Map<string, Buffer | null>} output key -> reference bytes (null: not in the sample) */
  const references = new Map(images.map((image) => [`out/${image.key.slice('in/'.length)}`, null]));
  for (const [key, bytes] of sampled) references.set(key, bytes);

  const env = { REDIS_URL: redis.url, S3_ENDPOINT: proxy.endpoint };
  const workerArgs = ['--concurrency', '2', '--lock-duration', '2000', '--drain-timeout', '10'];
  const workers = [h.startWorker(workerArgs, env), h.startWorker(workerArgs, env)];

  log('enqueue (direct to S3: the producer is not under test here)');
  const enqueue = await h.cli(
    ['enqueue', `s3://${source}/in/`, '--to', `s3://${destination}/out/`, '--k', String(PARAMS.k), '--run-id', 'soak'],
    {
      REDIS_URL: redis.url,
    },
  );
  if (enqueue.code !== 0) throw new Error(`enqueue failed: ${enqueue.stderr}`);
  const runId = 'soak';

  // Faults at random (seeded) intervals, of random (seeded) kinds, until the run completes.
  const random = mulberry32(SEED);
  const kinds = ['worker', 'redis', 's3'];
  let complete = false;
  let redisKills = 0;
  const deadline = started + BUDGET_MS;
  const faultLoop = (async () => {
    while (!complete && Date.now() < deadline) {
      await sleep(1_000 + random() * 2_000);
      if (complete) break;
      const kind = kinds[Math.floor(random() * kinds.length)];
      if (kind === 'worker') {
        const index = Math.floor(random() * workers.length);
        const victim = workers[index];
        victim.child.kill('SIGKILL');
        await victim.exited;
        faults['worker kill -9']++;
        log(`fault: kill -9 worker ${victim.child.pid}`);
        await sleep(300);
        workers[index] = h.startWorker(workerArgs, env);
      } else if (kind === 'redis') {
        const crash = redisKills++ % 2 === 1;
        if (crash) await redis.kill('SIGKILL');
        await redis.restart();
        await fsyncAlways();
        faults[crash ? 'redis restart (SIGKILL)' : 'redis restart (SIGTERM)']++;
        log(`fault: Redis restarted after ${crash ? 'SIGKILL' : 'SIGTERM'}`);
      } else {
        // A short burst: at most one fault per object and method, so no job meets more than its attempts can absorb.
        proxy.setRule({ kinds: FAULT_KINDS, rate: 0.3, maxPerKey: 1, latencyMs: 300 });
        faults['s3 fault burst']++;
        log('fault: S3 fault burst (1.5 s)');
        await sleep(1_500);
        proxy.setRule(null);
      }
    }
  })();

  let last = '';
  let final = null;
  while (Date.now() < deadline) {
    const run = await runs.get(runId).catch(() => null);
    if (run) {
      const line = `done ${run.done}/${run.jobs}, failed ${run.failed}`;
      if (line !== last) log(line);
      last = line;
      if (run.complete) {
        final = run;
        break;
      }
    }
    await sleep(2_000);
  }
  complete = true;
  await faultLoop;
  proxy.setRule(null);
  // Let BullMQ mark the last jobs completed (the run counts a job just before).
  for (let i = 0; i < 50; i++) {
    const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
    if (counts.completed + counts.failed >= IMAGES && counts.active === 0) break;
    await sleep(200);
  }
  await Promise.all(workers.map((w) => w.stop()));
  log(final ? 'run complete; verifying every output' : 'run did NOT complete within the budget; verifying what exists');

  const jobs = await queue.getJobs(['completed', 'failed', 'waiting', 'active', 'delayed', 'wait'], 0, -1);
  const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
  const retried = jobs.filter((job) => job.attemptsMade > 1).length;
  const stalled = jobs.reduce((sum, job) => sum + (job.stalledCounter ?? 0), 0);
  const verdict = await verifyOutputs(h.store, destination, 'out/', references);
  const outputWrites = [...proxy.writes()].filter(
    ([path]) => path.startsWith(`/${destination}/out/`) && !path.includes('/_kpress/'),
  );
  const rewrites = outputWrites.filter(([, w]) => w.count > 1).length;
  const duplicates = outputWrites.filter(([, w]) => w.digests.size > 1).length;
  const s3 = proxy.counts();
  const lost = verdict.missing.length;
  const rows = [
    ['images', IMAGES],
    ['workers × concurrency', '2 × 2 (lock 2 s)'],
    ['seed', SEED],
    ['duration', `${Math.round((Date.now() - started) / 1000)} s`],
    ...Object.entries(faults).map(([kind, n]) => [`faults: ${kind}`, n]),
    ...FAULT_KINDS.map((kind) => [`  S3 requests faulted: ${kind}`, s3[kind]]),
    ['S3 requests through the proxy', proxy.requests()],
    ['run counts (done / failed / jobs)', final ? `${final.done} / ${final.failed} / ${final.jobs}` : 'incomplete'],
    [
      'BullMQ jobs (completed / failed / other)',
      `${counts.completed} / ${counts.failed} / ${counts.waiting + counts.active + counts.delayed}`,
    ],
    ['jobs retried (attemptsMade > 1)', retried],
    ['stalled recoveries (sum of stalledCounter)', stalled],
    ['output objects rewritten (same key PUT more than once)', rewrites],
    ['duplicates (an output written with different bytes; metadata: besides timings, worker, date)', duplicates],
    ['lost jobs (no output)', lost],
    ['outputs partial or inconsistent with metadata', verdict.broken.length],
    ['outputs compared with a fault-free reference compression', sampled.size],
    ['outputs differing from the reference compression', verdict.mismatching.length],
    ['unexpected objects under the destination', verdict.unexpected.length],
    ['outputs correct (complete, consistent with metadata; reference bytes where sampled)', `${verdict.good} / ${IMAGES}`],
  ];
  const ok =
    final !== null &&
    final.done === IMAGES &&
    final.failed === 0 &&
    duplicates === 0 &&
    lost === 0 &&
    verdict.broken.length === 0 &&
    verdict.mismatching.length === 0 &&
    verdict.unexpected.length === 0 &&
    verdict.good === IMAGES;
  const table = ['| measure | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
  console.log(`\n${table}\n\nverdict: ${ok ? 'PASS' : 'FAIL'}`);
  for (const problem of [...verdict.broken, ...verdict.mismatching, ...verdict.missing, ...verdict.unexpected].slice(0, 20)) {
    console.log(`  ${problem}`);
  }
  await writeSection(
    'soak',
    `Last run: ${new Date().toISOString()}, \`npm run soak\` (seed ${SEED}), verdict **${ok ? 'PASS' : 'FAIL'}**.\n\n${table}`,
  );
  await writeSection('hostile', await hostileTable());
  if (!ok) exitCode = 1;
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  proxy.setRule(null);
  await queue.close().catch(() => undefined);
  client.disconnect();
  await h.close().catch(() => undefined);
  await proxy.close();
  await redis.stop();
}
process.exit(exitCode);

/** Replaces the text between the `name` markers of docs/reliability.md. */
async function writeSection(name, body) {
  const begin = `<!-- ${name}:begin (written by scripts/soak.mjs) -->`;
  const end = `<!-- ${name}:end -->`;
  const text = await readFile(DOC, 'utf8');
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/reliability.md lacks the markers ${begin} … ${end}`);
  await writeFile(DOC, `${text.slice(0, from + begin.length)}\n${body}\n${text.slice(to)}`);
}

/**
 * The hostile-input corpus of the security work (test/src/support/hostile-corpus.ts), each item
 * put through the same compress code the workers run, in this process; items refused while
 * listing are shown with the code hostile-inputs-pipeline.test.ts asserts for them.
 */
async function hostileTable() {
  const corpusUrl = new URL('../test/dist/support/hostile-corpus.js', import.meta.url);
  let corpus;
  try {
    corpus = await import(corpusUrl.href);
  } catch {
    return '_Not available yet: test/src/support/hostile-corpus.ts is not built. Re-run `npm run soak` once it is._';
  }
  const { compressImage } = await import('@kpress/compress');
  const { resolveParams } = await import('@kpress/job-contract');
  const items = await corpus.makeHostileCorpus({ large: false });
  const params = resolveParams({ k: corpus.CORPUS_K });
  const rows = [];
  for (const item of items) {
    const expected =
      item.expect.outcome === 'output'
        ? `output ${item.expect.width}×${item.expect.height}`
        : `fails: ${item.expect.code} (${item.expect.stage})`;
    let ended;
    let matches;
    if (item.expect.outcome === 'failure' && item.expect.stage === 'enqueue') {
      ended = `refused while listing: ${item.expect.code} (asserted by hostile-inputs-pipeline.test.ts)`;
      matches = '(pipeline test)';
    } else {
      try {
        const out = await compressImage(item.body, params, { maxPixels: 100_000_000 });
        const colours = out.result.palette.length / 3;
        ended = `output ${out.source.width}×${out.source.height}, ${colours} colours, ${out.output.bytes.length} B`;
        matches =
          item.expect.outcome === 'output' && out.source.width === item.expect.width && out.source.height === item.expect.height
            ? 'yes'
            : 'NO';
      } catch (error) {
        const code = error?.code ?? (error?.name === 'InvalidParamsError' ? 'invalid-params' : 'internal-error');
        ended = `failed: ${code}${error?.permanent === true ? ' (permanent, not retried)' : ''}`;
        matches = item.expect.outcome === 'failure' && item.expect.code === code ? 'yes' : 'NO';
      }
    }
    rows.push(
      `| ${item.name.replaceAll('|', '\\|')} | \`${item.key.replaceAll('|', '\\|')}\` | ${expected} | ${ended} | ${matches} |`,
    );
  }
  return [
    `Generated ${new Date().toISOString()} from \`makeHostileCorpus({ large: false })\` (k = ${corpus.CORPUS_K}); the 24 MP item is in the tests only.`,
    '',
    '| input | key | expected | how it ended | as expected |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
