import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { getTestRedis, type TestRedis } from './support/redis-for-tests.js';
import { CLI } from './support/repo.js';

const execFileAsync = promisify(execFile);

describe('kpress demo', () => {
  let redisService: TestRedis;
  let redis: Redis;
  let out: string;
  const prefix = `kpress-test-${randomBytes(4).toString('hex')}`;

  before(async () => {
    redisService = await getTestRedis();
    redis = new Redis(redisService.url, { maxRetriesPerRequest: 1 });
    out = await mkdtemp(join(tmpdir(), 'kpress-demo-out-'));
  });

  after(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.unlink(...keys);
    redis.disconnect();
    await redisService.stop();
    await rm(out, { recursive: true, force: true });
  });

  async function keysUnderPrefix(): Promise<string[]> {
    const found: string[] = [];
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 })) found.push(...(keys as string[]));
    return found;
  }

  it('runs on KPRESS_PREFIX, writes its outputs to --out and leaves no key behind in Redis', async () => {
    const { stdout } = await execFileAsync(process.execPath, [CLI, 'demo', '--images', '2', '--workers', '1', '--out', out], {
      env: { ...process.env, REDIS_URL: redisService.url, KPRESS_PREFIX: prefix, LOG_LEVEL: 'warn' },
      timeout: 180_000,
    });
    assert.match(stdout, new RegExp(`Redis: .* \\(KPRESS_PREFIX=${prefix}\\)`));
    assert.match(stdout, /Summary: 5 images/);
    const written = await readdir(out, { recursive: true });
    assert.ok(
      written.some((name) => name.endsWith('report.html')),
      `a report in ${written.join(', ')}`,
    );
    assert.ok(written.filter((name) => name.endsWith('.png')).length >= 5, written.join(', '));
    assert.deepEqual(await keysUnderPrefix(), [], 'no key left under the prefix');
  });

  it('Ctrl-C in the middle of the run: exit 130, workers stopped, no key, no S3 data left (as the README promises)', async () => {
    const child = spawn(process.execPath, [CLI, 'demo', '--images', '30', '--workers', '1', '--out', join(out, 'interrupted')], {
      env: { ...process.env, REDIS_URL: redisService.url, KPRESS_PREFIX: prefix, LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // Once: a second Ctrl-C ends the demo at once, clean-up or not.
      if (!interrupted && /^Run \S+: queued/m.test(stdout)) interrupted = child.kill('SIGINT');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 130, `${stdout}\n${stderr}`);
    assert.match(stderr, /kpress demo: interrupted; stopping the workers and removing what the demo made/);
    assert.deepEqual(await keysUnderPrefix(), [], 'no key left under the prefix');
    const s3Data = /\(data in (\S+)\)/.exec(stdout)?.[1];
    assert.ok(s3Data !== undefined, stdout);
    await assert.rejects(stat(s3Data), /ENOENT/, 'the embedded S3 data directory is removed');
    const pids = /worker processes \(pids ([\d, ]+)\)/.exec(stdout)?.[1]?.split(', ').map(Number) ?? [];
    assert.ok(pids.length === 1, stdout);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} stopped`);
  });

  it('refuses a KPRESS_PREFIX that already holds keys, since it removes every key under its prefix', async () => {
    await redis.set(`${prefix}:someone-else`, '1');
    try {
      await execFileAsync(process.execPath, [CLI, 'demo', '--images', '1', '--workers', '1', '--out', join(out, 'unused')], {
        env: { ...process.env, REDIS_URL: redisService.url, KPRESS_PREFIX: prefix, LOG_LEVEL: 'warn' },
      });
      assert.fail('the demo should refuse');
    } catch (error) {
      const e = error as { code: number; stderr: string };
      assert.equal(e.code, 2, e.stderr);
      assert.match(e.stderr, new RegExp(`KPRESS_PREFIX=${prefix} already holds keys`));
    }
    assert.equal(await redis.get(`${prefix}:someone-else`), '1', 'nothing of it removed');
  });
});
