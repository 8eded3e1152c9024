import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startPipelineHarness, type CliResult, type PipelineHarness } from './support/pipeline-harness.js';
import { CLI, REPO_ROOT, SAMPLES } from './support/repo.js';

const execFileAsync = promisify(execFile);

/** Runs the CLI with exactly `env` (plus PATH), so no variable of the test's own environment leaks in. */
async function kpress(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: unknown; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Runs the CLI with its stdout and stderr on a pseudo-terminal (util-linux `script`), as a person sees it. */
async function kpressOnTerminal(args: string[], env: Record<string, string>): Promise<string> {
  const command = [process.execPath, CLI, ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
  const { stdout } = await execFileAsync('script', ['-qec', command, '/dev/null'], {
    env: { PATH: process.env['PATH'] ?? '', TERM: 'dumb', ...env },
  });
  return stdout.replaceAll('\r\n', '\n');
}

describe('CLI messages a person understands', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kpress-messages-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names an unknown option and where to look, for every command', async () => {
    const cases: [string[], string][] = [
      [['compress', join(SAMPLES, 'bird_small.png'), '-o', join(dir, 'x.png'), '--bogus'], 'compress'],
      [['status', 'some-run', '--bogus'], 'status'],
      [['enqueue', 's3://b/in/', '--to', 's3://b/out/', '--bogus'], 'enqueue'],
      [['schedule', 'list', '--bogus'], 'schedule'],
      [['worker', '--bogus'], 'worker'],
    ];
    for (const [args, command] of cases) {
      const result = await kpress(args);
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stderr, `kpress ${command}: unknown option --bogus (kpress ${command} --help)\n`);
    }
  });

  it('names an option given without its value', async () => {
    const result = await kpress(['compress', join(SAMPLES, 'bird_small.png'), '--output']);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'kpress compress: option --output needs a value (kpress compress --help)\n');
  });

  it('prints the version of the root package.json for --version and -V', async () => {
    const { version } = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const result = await kpress([flag]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `kpress ${version}\n`);
    }
  });

  it('prints a command’s help for "help COMMAND", and refuses an unknown one', async () => {
    const viaHelp = await kpress(['help', 'compress']);
    const viaFlag = await kpress(['compress', '--help']);
    assert.equal(viaHelp.code, 0, viaHelp.stderr);
    assert.match(viaHelp.stdout, /^Usage: kpress compress IN -o OUT/);
    assert.equal(viaHelp.stdout, viaFlag.stdout);
    const unknown = await kpress(['help', 'nosuch']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^kpress: unknown command "nosuch"/);
  });

  it('exits 2 naming the AWS credential variables when S3 commands find no credentials', async () => {
    const home = await mkdtemp(join(tmpdir(), 'kpress-empty-home-'));
    const prefix = `kpress-test-${randomBytes(4).toString('hex')}`;
    try {
      // No AWS_* variable, no S3_ENDPOINT, a HOME without ~/.aws, and no instance metadata service.
      const result = await kpress(['enqueue', 's3://kpress-no-credentials/in/', '--to', 's3://kpress-no-credentials/out/'], {
        HOME: home,
        AWS_EC2_METADATA_DISABLED: 'true',
        KPRESS_PREFIX: prefix,
      });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /^kpress enqueue: no AWS credentials found/);
      assert.match(result.stderr, /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
      assert.match(result.stderr, /AWS_PROFILE/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('CLI messages about S3 and logs', () => {
  let h: PipelineHarness;
  before(async () => {
    h = await startPipelineHarness();
  });
  after(async () => {
    await h.close();
  });

  it('says the bucket of --to does not exist, and records no run', async () => {
    const missing = h.bucket('missing');
    const result = await h.cli(['enqueue', `s3://${h.source}/in/`, '--to', `s3://${missing}/out/`]);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stderr, `kpress enqueue: bucket ${missing} does not exist (--to s3://${missing}/out/)\n`);
    assert.deepEqual(await h.runs.recent(10), []);
  });

  it('says the bucket of the source does not exist', async () => {
    const missing = h.bucket('nosource');
    const result = await h.cli(['enqueue', `s3://${missing}/in/`, '--to', `s3://${h.destination}/out/`]);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stderr, `kpress enqueue: bucket ${missing} does not exist (source s3://${missing}/in/)\n`);
  });

  it('logs each field once: a failure logged by enqueue carries its runId once', async () => {
    await h.store.put(h.source, 'big/large.jpg', Buffer.alloc(2_000), { contentType: 'image/jpeg' });
    const result = await h.cli(['enqueue', `s3://${h.source}/big/`, '--to', `s3://${h.destination}/big-out/`], {
      KPRESS_MAX_INPUT_BYTES: '1000',
    });
    assert.equal(result.code, 0, result.stderr);
    const warning = result.stderr.split('\n').find((line) => line.startsWith('{') && line.includes('"too-large"'));
    assert.ok(warning, `a JSON warning line in ${result.stderr}`);
    assert.equal(warning.match(/"runId"/g)?.length, 1, warning);
  });

  it('writes logs as short lines on a terminal, JSON otherwise, and hides info lines of one-shot commands', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kpress-tty-'));
    try {
      const args = ['compress', join(SAMPLES, 'bird_small.png'), '-o', join(dir, 'o.png'), '--k', '4'];
      const env = { HOME: dir };
      const verbose = await kpressOnTerminal(args, { ...env, LOG_LEVEL: 'info' });
      assert.match(
        verbose,
        /^\d\d:\d\d:\d\d info {2}compressed input=\S+bird_small\.png output=\S+o\.png bytesIn=\d+ bytesOut=\d+ psnr=[\d.]+$/m,
      );
      assert.doesNotMatch(verbose, /\{"level"/);
      assert.equal(await kpressOnTerminal(args, env), '', 'no info line on a terminal unless LOG_LEVEL asks for it');
      const piped = await kpress(args, { ...env, LOG_LEVEL: 'info' });
      assert.equal(piped.code, 0, piped.stderr);
      assert.match(piped.stderr, /^\{"level":30,.*"msg":"compressed"/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
