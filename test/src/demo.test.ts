import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
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
