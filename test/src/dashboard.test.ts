import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createDashboardServer, type DashboardServer } from '@kpress/dashboard';
import { IMAGE_QUEUE, reportKeys } from '@kpress/job-contract';
import { pino } from 'pino';
import { eventually, startPipelineHarness, type PipelineHarness } from './support/pipeline-harness.js';
import { CLI } from './support/repo.js';

const REPORT_HTML = '<!doctype html><html><body><h1>fake report</h1><p>é ✓</p></body></html>\n';
const REPORT_JSON = '{"version":1,"fake":true}\n';
/** Admin mode needs a token; requests to the admin dashboard carry it. */
const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
const AS_ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('dashboard: runs, reports and bull-board against real Redis and S3', () => {
  let h: PipelineHarness;
  let bucket: string;
  let readOnly: DashboardServer;
  let admin: DashboardServer;
  let readOnlyUrl: string;
  let adminUrl: string;
  const finished = 'dash-run-1';
  const unfinished = 'dash-run-2';
  const hostile = 'dash-<script>-3';

  before(async () => {
    h = await startPipelineHarness();
    bucket = h.bucket('dash');
    await h.store.createBucket(bucket);
    const destination = `s3://${bucket}/out/`;

    await h.runs.create({ runId: finished, source: 's3://src/in/', destination, params: { k: 16 }, origin: 'enqueue' });
    await h.runs.addJobs(finished, 2);
    await h.runs.finishJob(finished, 'job-a', {
      status: 'done',
      result: { key: 'in/a.jpg', output: 'out/a.png', bytesIn: 3000, bytesOut: 1000, psnr: 31.5, megapixels: 1, timingsMs: {} },
    });
    await h.runs.finishJob(finished, 'job-b', {
      status: 'failed',
      failure: { key: 'in/b.jpg', code: 'CorruptImage', reason: 'not an image' },
    });
    const completed = await h.runs.closeListing(finished, 2);
    assert.ok(completed || (await h.runs.get(finished))?.complete, 'the fixture run is complete');
    const keys = reportKeys('out/', finished);
    await h.store.put(bucket, keys.html, Buffer.from(REPORT_HTML), { contentType: 'text/html' });
    await h.store.put(bucket, keys.json, Buffer.from(REPORT_JSON), { contentType: 'application/json' });

    await h.runs.create({
      runId: unfinished,
      source: 's3://src/in/',
      destination,
      params: {},
      origin: 'schedule:<b>nightly</b>',
    });
    // A run id that checkRunId would refuse, written straight into Redis: the page must escape it.
    await h.runs.create({
      runId: hostile,
      source: 's3://src/<img src=x onerror=alert(1)>',
      destination,
      params: {},
      origin: 'enqueue',
    });

    const logger = pino({ level: 'silent' });
    readOnly = createDashboardServer({ queues: [h.queue], runs: h.runs, store: h.store, admin: false, logger });
    admin = createDashboardServer({ queues: [h.queue], runs: h.runs, store: h.store, admin: true, token: ADMIN_TOKEN, logger });
    readOnlyUrl = `http://127.0.0.1:${(await readOnly.listen(0, '127.0.0.1')).port}`;
    adminUrl = `http://127.0.0.1:${(await admin.listen(0, '127.0.0.1')).port}`;
  });

  after(async () => {
    await readOnly?.close();
    await admin?.close();
    await h?.close();
  });

  it('/ lists recent runs with their counts, PSNR, bytes and a link to each report, escaping run text', async () => {
    for (const path of ['/', '/runs']) {
      const res = await fetch(`${readOnlyUrl}${path}`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      const html = await res.text();
      assert.ok(html.includes(`<a href="/runs/${finished}/report.html">`), 'links the report');
      assert.ok(html.includes(unfinished));
      assert.ok(html.includes('31.50 dB'), 'mean PSNR');
      assert.ok(html.includes('3.0 kB → 1.0 kB'), 'bytes in → out');
      assert.match(html, /<td class="n bad">1<\/td>/, 'failed count highlighted');
      assert.ok(html.includes('schedule:&lt;b&gt;nightly&lt;/b&gt;'));
      assert.ok(html.includes('dash-&lt;script&gt;-3') && html.includes('/runs/dash-%3Cscript%3E-3/report.html'));
      assert.ok(!html.includes('<script') && !html.includes('<img'), 'no user text reaches the page unescaped');
      assert.ok(!/(src|href)="(https?:)?\/\//.test(html), 'self-contained: nothing loaded from elsewhere');
    }
    const limited = await (await fetch(`${readOnlyUrl}/?limit=1`)).text();
    assert.ok(limited.includes('Showing the latest 1 runs'));
    assert.equal((await fetch(`${readOnlyUrl}/?limit=0`)).status, 400);
  });

  it('/runs/ID/report.html and report.json return the objects from S3 with their content types', async () => {
    const html = await fetch(`${readOnlyUrl}/runs/${finished}/report.html`);
    assert.equal(html.status, 200);
    assert.equal(html.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(html.headers.get('content-security-policy') ?? '', /^sandbox/, 'the report gets an origin of its own');
    assert.deepEqual(Buffer.from(await html.arrayBuffer()), Buffer.from(REPORT_HTML));

    const json = await fetch(`${readOnlyUrl}/runs/${finished}/report.json`);
    assert.equal(json.status, 200);
    assert.match(json.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(await json.text(), REPORT_JSON);
  });

  it('answers 404 for an unknown run, a missing report or an unknown file, 400 for a bad run id', async () => {
    const unknown = await fetch(`${readOnlyUrl}/runs/no-such-run/report.html`);
    assert.equal(unknown.status, 404);
    assert.match(await unknown.text(), /no run no-such-run/);

    const missing = await fetch(`${readOnlyUrl}/runs/${unfinished}/report.html`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /has no report\.html .*not finished yet/);

    for (const bad of ['..%2F..%2Fsecret', 'a%20b', 'x'.repeat(65), encodeURIComponent(hostile)]) {
      const res = await fetch(`${readOnlyUrl}/runs/${bad}/report.html`);
      assert.equal(res.status, 400, bad);
      assert.match(await res.text(), /run id must be/);
    }
    assert.equal((await fetch(`${readOnlyUrl}/runs/${finished}/other.txt`)).status, 404);
    assert.equal((await fetch(`${readOnlyUrl}/nowhere`)).status, 404);
  });

  it('/queues serves bull-board, whose API lists the images queue (read-only unless admin)', async () => {
    const page = await fetch(`${readOnlyUrl}/queues`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.ok(html.includes('<base href="/queues/"') && html.includes('id="root"'), 'bull-board UI');
    const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, 'the UI bundle is referenced');
    assert.equal((await fetch(`${readOnlyUrl}/queues/${script}`)).status, 200, 'served locally');

    for (const [url, readOnlyMode] of [
      [readOnlyUrl, true],
      [adminUrl, false],
    ] as const) {
      const res = await fetch(`${url}/queues/api/queues`, { headers: AS_ADMIN });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
      const images = body.queues.find((q) => q.name === IMAGE_QUEUE);
      assert.ok(images, `lists ${IMAGE_QUEUE}: ${JSON.stringify(body.queues.map((q) => q.name))}`);
      assert.equal(images.readOnlyMode, readOnlyMode);
    }
  });

  it('read-only: queue actions are refused (405) and change nothing; admin: they work', async () => {
    await h.queue.add('probe', { probe: true }, { jobId: 'probe-1' });
    const api = (
      base: string,
      path: string,
      init: { method: string; headers?: Record<string, string>; body?: string } = { method: 'PUT' },
    ): Promise<Response> =>
      fetch(`${base}/queues/api/queues/${IMAGE_QUEUE}${path}`, { ...init, headers: { ...AS_ADMIN, ...init.headers } });

    for (const [path, method] of [
      ['/pause', 'PUT'],
      ['/clean/waiting', 'PUT'],
      ['/retry/failed', 'PUT'],
      ['/empty', 'PUT'],
      ['/add', 'POST'],
    ] as const) {
      const res = await api(readOnlyUrl, path, { method, headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(res.status, 405, `${method} ${path}`);
    }
    // bull-board itself answers 200 to "pause all" and skips read-only queues; the guard refuses it.
    assert.equal((await fetch(`${readOnlyUrl}/queues/api/queues/pause`, { method: 'PUT' })).status, 405);
    assert.equal(await h.queue.isPaused(), false);
    assert.ok(await h.queue.getJob('probe-1'), 'the waiting job is still there');

    const crossSite = await api(adminUrl, '/pause', { method: 'PUT', headers: { origin: 'https://evil.example' } });
    assert.equal(crossSite.status, 403, 'admin refuses writes from another origin');
    assert.equal(await h.queue.isPaused(), false);

    assert.equal((await api(adminUrl, '/pause')).status, 200);
    assert.equal(await h.queue.isPaused(), true);
    assert.equal((await api(adminUrl, '/resume', { method: 'PUT', headers: { origin: adminUrl } })).status, 200);
    assert.equal(await h.queue.isPaused(), false);
    assert.equal((await api(adminUrl, '/empty')).status, 200);
    assert.equal(await h.queue.getJob('probe-1'), undefined, 'admin emptied the queue');
  });

  it('kpress dashboard: serves on the given port until SIGTERM, then exits 0', async () => {
    const help = await h.cli(['dashboard', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--admin/);
    const badPort = await h.cli(['dashboard', '--port', '70000']);
    assert.equal(badPort.code, 2);
    assert.match(badPort.stderr, /--port must be an integer between 0 and 65535/);

    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'dashboard', '--port', String(port), '--host', '127.0.0.1'], {
      env: h.env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
    try {
      const html = await eventually(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => null);
          return res?.status === 200 ? res.text() : undefined;
        },
        20_000,
        `the dashboard to answer on port ${port}`,
      );
      assert.ok(html.includes(finished), 'lists the harness run');
      const queues = (await (await fetch(`http://127.0.0.1:${port}/queues/api/queues`)).json()) as { queues: { name: string }[] };
      assert.ok(queues.queues.some((q) => q.name === IMAGE_QUEUE));
      assert.equal(
        (await fetch(`http://127.0.0.1:${port}/queues/api/queues/${IMAGE_QUEUE}/pause`, { method: 'PUT' })).status,
        405,
      );
      assert.match(output, new RegExp(`http://127\\.0\\.0\\.1:${port}/ \\(read-only\\)`));
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, output);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
