import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobResultRecord, RunSnapshot } from '@kpress/runs';
import { renderReportHtml } from './render-report-html.js';
import { buildRunReport } from './run-report.js';

const EVIL = `in/<script>alert("x")</script>&'q'.jpg`;

const snapshot: RunSnapshot = {
  runId: 'run-<b>',
  source: 's3://src/<in>/',
  destination: 's3://dst/out/',
  params: { k: 16, note: '<img src=x onerror=alert(1)>' },
  origin: 'schedule:"nightly"',
  createdAt: 0,
  finishedAt: 1000,
  sourcePrefix: null,
  state: 'done',
  stateReason: null,
  skippedFailed: 0,
  duplicates: 0,
  cancelled: 0,
  keptOriginal: 0,
  listingDone: true,
  complete: true,
  listed: 3,
  jobs: 2,
  skipped: 0,
  notImages: 1,
  done: 1,
  failed: 1,
  active: 0,
  queued: 0,
  bytesIn: 100,
  bytesOut: 10,
  meanPsnr: 30,
};

const record: JobResultRecord = {
  key: EVIL,
  output: 'out/x.png',
  bytesIn: 100,
  bytesOut: 10,
  psnr: 30,
  megapixels: 0.01,
  timingsMs: { total: 5 },
};

async function render(): Promise<string> {
  const report = await buildRunReport(
    snapshot,
    [record],
    [{ key: `s3://src/${EVIL}`, code: 'not-an-image', reason: 'a <b>reason</b> & more' }],
  );
  return renderReportHtml(report, [
    {
      key: EVIL,
      output: 'out/x.png',
      before: 'data:image/jpeg;base64,AAAA',
      after: 'javascript:alert(1)',
      palette: [
        [255, 0, 16],
        [0, 0, 0],
      ],
      psnr: 30,
      bytesIn: 100,
      bytesOut: 10,
      problem: null,
    },
  ]);
}

describe('renderReportHtml', () => {
  it('escapes every user string: keys, reasons, params, origin, run id', async () => {
    const page = await render();
    assert.ok(!page.includes('<script>alert'), 'no raw script from a key');
    assert.ok(!page.includes('<img src=x'), 'no raw markup from params');
    assert.ok(!page.includes('<b>reason'), 'no raw markup from a reason');
    // Keys may wrap after a "/" (<wbr>), the only markup added to them.
    const text = page.replaceAll('<wbr>', '');
    assert.ok(text.includes('in/&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;q&#39;.jpg'));
    assert.ok(page.includes('a &lt;b&gt;reason&lt;/b&gt; &amp; more'));
    assert.ok(page.includes('schedule:&quot;nightly&quot;'));
    assert.ok(page.includes('run-&lt;b&gt;'));
    assert.equal(page.match(/<script>/g)?.length, 1, 'only the page script');
  });

  it('is self-contained: a CSP forbidding requests, a viewport, only data: images, no external URL', async () => {
    const page = await render();
    assert.match(page, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
    assert.match(page, /Content-Security-Policy" content="default-src &#39;none&#39;; img-src data:/);
    assert.ok(!/(src|href)="(https?:)?\/\//.test(page), 'no external resources');
    assert.ok(page.includes('src="data:image/jpeg;base64,AAAA"'));
    assert.ok(!page.includes('javascript:'), 'a thumbnail that is not an image data URI is dropped');
    assert.ok(page.includes('no after thumbnail'));
    assert.ok(page.includes('background:#ff0010'));
  });

  it('marks summary numbers with their report.json path and exact value', async () => {
    const page = await render();
    assert.match(page, /data-metric="counts.done" data-value="1">1</);
    assert.match(page, /data-metric="counts.failed" data-value="1">1</);
    assert.match(page, /data-metric="ratio" data-value="0.1">0.100</);
    assert.match(page, /data-metric="durationMs" data-value="1000">1.00 s</);
  });
});
