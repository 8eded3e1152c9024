import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { loadConfig } from '@kpress/cli';
import { IMAGE_QUEUE } from '@kpress/job-contract';
import { findFreePort } from '@kpress/local-services';
import { eventually, startPipelineHarness, type PipelineHarness } from './support/pipeline-harness.js';
import { CLI } from './support/repo.js';

const TOKEN = 'dashboard-test-token-3f9a1c7e5b';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A request with exactly these headers (fetch would not let a test set Host). */
function send(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

interface Dashboard {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | string>;
}

function startDashboard(h: PipelineHarness, args: string[], extra: Record<string, string> = {}): Dashboard {
  const child = spawn(process.execPath, [CLI, 'dashboard', ...args], { env: h.env(extra), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, output: () => output, exited };
}

/** The exit code of a dashboard that should refuse to start; 'still running' after 15 s (killed). */
async function refusal(
  h: PipelineHarness,
  args: string[],
  extra: Record<string, string> = {},
): Promise<[number | string, string]> {
  const dashboard = startDashboard(h, ['--port', String(await findFreePort()), ...args], extra);
  const timer = setTimeout(() => dashboard.child.kill('SIGKILL'), 15_000);
  const code = await dashboard.exited;
  clearTimeout(timer);
  return [code === 'SIGKILL' ? 'still running' : code, dashboard.output()];
}

describe('dashboard access: token, loopback by default, Host check', () => {
  let h: PipelineHarness;

  before(async () => {
    h = await startPipelineHarness();
  });

  after(async () => {
    await h.close();
  });

  it('the token is parsed once, redacted in dumps and in messages', () => {
    const config = loadConfig({ KPRESS_DASHBOARD_TOKEN: TOKEN });
    assert.equal(config.dashboardToken?.reveal(), TOKEN);
    assert.ok(!JSON.stringify(config).includes(TOKEN), 'JSON dump');
    assert.ok(!inspect(config, { depth: 5 }).includes(TOKEN), 'util.inspect dump');
    assert.ok(!`${String(config.dashboardToken)}`.includes(TOKEN), 'string conversion');
    assert.equal(loadConfig({}).dashboardToken, undefined);
    const short = 'short-secret';
    assert.throws(
      () => loadConfig({ KPRESS_DASHBOARD_TOKEN: short }),
      (error: Error) =>
        /KPRESS_DASHBOARD_TOKEN must be at least 16 characters/.test(error.message) && !error.message.includes(short),
    );
  });

  it('refuses to start (exit 2, naming KPRESS_DASHBOARD_TOKEN) on a non-loopback address or with --admin and no token', async () => {
    for (const args of [['--host', '0.0.0.0'], ['--admin'], ['--host', '127.0.0.1', '--admin']]) {
      const [code, output] = await refusal(h, args);
      assert.equal(code, 2, `${args.join(' ')}: ${output}`);
      assert.match(output, /KPRESS_DASHBOARD_TOKEN/, args.join(' '));
    }
    const [badHost, output] = await refusal(h, ['--public-host', 'https://x.example/'], { KPRESS_DASHBOARD_TOKEN: TOKEN });
    assert.equal(badHost, 2, output);
    assert.match(output, /--public-host must be a host name/);
  });

  describe('kpress dashboard --host 0.0.0.0 --admin --public-host dash.example, with a token', () => {
    let port: number;
    let dashboard: Dashboard;

    before(async () => {
      port = await findFreePort();
      dashboard = startDashboard(h, ['--port', String(port), '--host', '0.0.0.0', '--admin', '--public-host', 'dash.example'], {
        KPRESS_DASHBOARD_TOKEN: TOKEN,
      });
      await eventually(
        () => Promise.resolve(dashboard.output().includes('kpress dashboard on') || undefined),
        20_000,
        'the dashboard to listen',
      );
      assert.ok(!dashboard.output().includes(TOKEN), 'the token is never printed');
    });

    after(async () => {
      dashboard.child.kill('SIGTERM');
      assert.equal(await dashboard.exited, 0, dashboard.output());
    });

    const ROUTES = ['/', '/runs/no-such-run/report.html', '/queues', '/queues/api/queues'];

    it('answers 401 on every route without the token, or with a wrong one', async () => {
      for (const path of ROUTES) {
        const attempts: Record<string, string>[] = [
          {},
          { authorization: 'Bearer wrong-token-0123456789' },
          { cookie: 'kpress_dashboard=forged' },
        ];
        for (const headers of attempts) {
          const reply = await send(port, 'GET', path, headers);
          assert.equal(reply.status, 401, `${path} ${JSON.stringify(headers)}`);
          assert.match(reply.body, /KPRESS_DASHBOARD_TOKEN/);
        }
      }
      assert.equal((await send(port, 'GET', `/?token=not-${TOKEN}`)).status, 401);
      const pause = await send(port, 'PUT', `/queues/api/queues/${IMAGE_QUEUE}/pause`);
      assert.equal(pause.status, 401);
      assert.equal(await h.queue.isPaused(), false);
    });

    it('lets the token in on every route: as a Bearer header, or as ?token= once, then a cookie', async () => {
      const bearer = { authorization: `Bearer ${TOKEN}` };
      for (const path of ROUTES) {
        const reply = await send(port, 'GET', path, bearer);
        assert.equal(reply.status, path.startsWith('/runs/') ? 404 : 200, `${path}: ${reply.body.slice(0, 200)}`);
      }

      const login = await send(port, 'GET', `/queues?token=${TOKEN}&x=1`);
      assert.equal(login.status, 303);
      assert.equal(login.headers['location'], '/queues?x=1', 'the token leaves the address');
      const setCookie = String(login.headers['set-cookie']);
      assert.match(setCookie, /^kpress_dashboard=[^;]+; Path=\/; HttpOnly; SameSite=Strict$/);
      assert.ok(!setCookie.includes(TOKEN), 'the cookie does not hold the token itself');
      const cookie = setCookie.split(';')[0]!;
      for (const path of ROUTES) {
        const reply = await send(port, 'GET', path, { cookie });
        assert.notEqual(reply.status, 401, path);
      }
      assert.equal((await send(port, 'GET', '/queues/api/queues', { cookie })).status, 200);
    });

    it('refuses (421) a Host it does not serve, before any route, even with the token (DNS rebinding)', async () => {
      const evil = { host: 'evil.example', origin: 'http://evil.example', authorization: `Bearer ${TOKEN}` };
      const page = await send(port, 'GET', '/', evil);
      assert.equal(page.status, 421);
      const pause = await send(port, 'PUT', `/queues/api/queues/${IMAGE_QUEUE}/pause`, {
        ...evil,
        'content-type': 'application/json',
      });
      assert.equal(pause.status, 421);
      assert.equal(await h.queue.isPaused(), false, 'the queue was not paused');
      assert.equal((await send(port, 'GET', '/', { host: 'evil.example' })).status, 421, 'before the token check');

      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'dash.example', `DASH.example:${port}`]) {
        assert.equal((await send(port, 'GET', '/', { host, authorization: `Bearer ${TOKEN}` })).status, 200, host);
      }
      // A served Host with another site's Origin: the same-origin check on writes still refuses it.
      const crossSite = await send(port, 'PUT', `/queues/api/queues/${IMAGE_QUEUE}/pause`, {
        host: 'dash.example',
        origin: 'http://evil.example',
        authorization: `Bearer ${TOKEN}`,
      });
      assert.equal(crossSite.status, 403);
      assert.equal(await h.queue.isPaused(), false);
    });
  });
});
