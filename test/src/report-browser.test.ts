import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { RunReport } from '@kpress/reports';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startPipelineHarness, type PipelineHarness, type WorkerProcess } from './support/pipeline-harness.js';
import { uploadReportInputs, waitForReport, type StoredReport } from './support/report-run.js';
import { REPO_ROOT } from './support/repo.js';

/** Debian's chromium package; .ci/run installs it. Never a downloaded browser build. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const GOOD = 10;
const SCREENSHOT = join(REPO_ROOT, 'out', 'report-screenshot.png');
const PHONE_SCREENSHOT = join(REPO_ROOT, 'out', 'report-screenshot-phone.png');
/** Summary numbers the page must show, by their path in report.json. */
const REQUIRED_METRICS = [
  'counts.jobs',
  'counts.done',
  'counts.failed',
  'counts.skipped',
  'counts.notImages',
  'counts.listed',
  'bytesIn',
  'bytesOut',
  'ratio',
  'psnr.mean',
  'psnr.min',
  'psnr.p5',
  'psnr.median',
  'psnr.max',
  'durationMs',
  'megapixels',
  'images.total',
  'timingsMs.total.totalMs',
  'timingsMs.quantize.meanMs',
];

describe('report.html in headless Chromium: summary equal to report.json, sortable table, phone layout', () => {
  let h: PipelineHarness;
  let worker: WorkerProcess;
  let browser: Browser;
  let dir: string;
  let stored: StoredReport;
  let pageUrl: string;

  before(async () => {
    // Fail loudly: a skipped browser test would hide a broken page.
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium), as .ci/run does`);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    h = await startPipelineHarness();
    const source = h.source;
    const destination = h.destination;
    await uploadReportInputs(h.store, source, GOOD);
    worker = h.startWorker(['--concurrency', '2']);
    const enqueue = await h.cli(['enqueue', `s3://${source}/in/`, '--to', `s3://${destination}/out/`, '--k', '8', '--wait']);
    assert.equal(enqueue.code, 1, `two images fail\n${enqueue.stderr}`);
    stored = await waitForReport(h, destination, 'out/', enqueue.stdout.trim());
    dir = await mkdtemp(join(tmpdir(), 'kpress-report-'));
    const file = join(dir, 'report.html');
    await writeFile(file, stored.html);
    pageUrl = pathToFileURL(file).href;
    await mkdir(join(REPO_ROOT, 'out'), { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await worker?.stop();
    await h?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(viewport: { width: number; height: number }, mobile = false): Promise<{ page: Page; requests: string[] }> {
    const context = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile, deviceScaleFactor: mobile ? 2 : 1 });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pageUrl, { waitUntil: 'load' });
    assert.deepEqual(errors, [], 'no script errors');
    return { page, requests };
  }

  it('shows the summary numbers of report.json, loads nothing from the network, and shows every thumbnail', async () => {
    const report = stored.json;
    const { page, requests } = await open({ width: 1280, height: 900 });
    const metrics: { path: string; value: string; text: string }[] = [];
    for (const element of await page.locator('[data-metric]').all()) {
      metrics.push({
        path: (await element.getAttribute('data-metric')) ?? '',
        value: (await element.getAttribute('data-value')) ?? '',
        text: await element.innerText(),
      });
    }
    const shown = new Set(metrics.map((m) => m.path));
    for (const path of REQUIRED_METRICS) assert.ok(shown.has(path), `the page shows ${path}`);
    for (const { path, value, text } of metrics) {
      const expected = lookup(report, path);
      assert.ok(expected === null || typeof expected === 'number', `${path} is a number in report.json`);
      assert.equal(
        value === '' ? null : Number(value),
        expected,
        `${path}: page ${JSON.stringify(value)}, report.json ${expected}`,
      );
      if (path.startsWith('counts.')) assert.equal(text.replaceAll(',', ''), String(expected), `${path} as text`);
    }
    assert.equal(report.counts.done + report.counts.failed, report.counts.jobs);

    const failures = await page.locator('#failures tbody tr').allTextContents();
    assert.equal(failures.length, report.failures.items.length);
    report.failures.items.forEach((f, i) => assert.ok(failures[i]!.includes(f.reason), `failure ${f.key} shows its reason`));

    const images = await page.evaluate<number[]>('Array.from(document.images, (image) => image.naturalWidth)');
    assert.equal(images.length, 2 * GOOD, 'a before/after pair per sample');
    assert.ok(
      images.every((w) => w > 0 && w <= 160),
      `thumbnails decoded, at most 160 px: ${images.join(',')}`,
    );
    assert.deepEqual(
      requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:')),
      [],
      'no network requests',
    );
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.context().close();
  });

  it('sorts the images table by PSNR, ascending then descending, when its header is clicked', async () => {
    const rows = stored.json.images.rows;
    assert.equal(rows.length, GOOD);
    const { page } = await open({ width: 1280, height: 900 });
    const keys = (): Promise<string[]> => page.locator('#images tbody tr td.key').allTextContents();
    const initial = await keys();
    assert.deepEqual(
      initial,
      rows.map((r) => r.key),
      'rows start in key order',
    );
    // Stable sort by PSNR over the key order; images without a PSNR go last.
    const ascending = [...rows]
      .sort((a, b) => (a.psnr ?? Infinity) - (b.psnr ?? Infinity) || (a.key < b.key ? -1 : 1))
      .map((r) => r.key);
    assert.notDeepEqual(ascending, initial, 'the data makes sorting visible');

    await page.click('#images th[data-sort="psnr"] button');
    assert.deepEqual(await keys(), ascending);
    assert.equal(await page.getAttribute('#images th[data-sort="psnr"]', 'aria-sort'), 'ascending');

    await page.click('#images th[data-sort="psnr"] button');
    const psnrs: number[] = [];
    for (const cell of await page.locator('#images tbody tr td:nth-child(5)').all()) {
      psnrs.push(Number(await cell.getAttribute('data-value')));
    }
    assert.deepEqual(
      psnrs,
      [...psnrs].sort((a, b) => b - a),
      'descending on the second click',
    );
    assert.equal(await page.getAttribute('#images th[data-sort="psnr"]', 'aria-sort'), 'descending');

    await page.click('#images th[data-sort="key"] button');
    assert.deepEqual(await keys(), initial, 'back to key order');
    await page.context().close();
  });

  it('fits a 390×844 phone screen without horizontal scrolling of the page', async () => {
    const { page } = await open({ width: 390, height: 844 }, true);
    const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
    assert.ok(width <= 390, `page is ${width} px wide on a 390 px screen`);
    const done = await page.locator('[data-metric="counts.done"]').boundingBox();
    assert.ok(done && done.width > 0 && done.x + done.width <= 390, 'summary visible on screen');
    await page.screenshot({ path: PHONE_SCREENSHOT, fullPage: true });
    await page.context().close();
  });
});

function lookup(report: RunReport, path: string): unknown {
  let value: unknown = report;
  for (const part of path.split('.')) value = (value as Record<string, unknown> | null)?.[part];
  return value;
}
