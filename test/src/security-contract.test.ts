import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '@kpress/cli';
import { MAX_KEY_BYTES, outputKeyFor, parseImageJob, UnsafeKeyError } from '@kpress/job-contract';
import type { ObjectStore } from '@kpress/object-store';
import type { FailureMemory, RunStore } from '@kpress/runs';
import { createImageJobProcessor, createWorkerMetrics, type CpuPool } from '@kpress/worker';
import { type Job, UnrecoverableError } from 'bullmq';
import pino from 'pino';

describe('security: output keys never leave the destination prefix', () => {
  const refused = [
    '..',
    '../x.jpg',
    'a/../../x.jpg',
    'a/..',
    './x.jpg',
    'a/./b.jpg',
    '/etc/passwd.jpg',
    '\\x.jpg',
    'a\\..\\..\\x.jpg',
    '..\\x.jpg',
    'a/%2e%2e/x.jpg',
    '%2E%2E/x.jpg',
    'a/%252e%252e/x.jpg',
    '%2e/x.jpg',
    'a/\u0000/x.jpg',
    'a/b\nc.jpg',
    '',
    '_kpress/runs/x/report.json',
  ];
  for (const key of refused) {
    it(`refuses ${JSON.stringify(key)}`, () => {
      assert.throws(
        () => outputKeyFor(key, 'out/', '.png'),
        (error: unknown) => error instanceof UnsafeKeyError && error.code === 'unsafe-key',
      );
    });
  }

  it('keeps odd but safe keys under the prefix, as they are', () => {
    const cases: [string, string][] = [
      ['фото/日本語 café.jpg', 'out/фото/日本語 café.png'],
      ['with spaces/my photo.jpg', 'out/with spaces/my photo.png'],
      ['a..b/c...jpg', 'out/a..b/c...png'],
      ['.hidden/x.jpg', 'out/.hidden/x.png'],
      ['a//b.jpg', 'out/a//b.png'],
      ['%41bc.jpg', 'out/%41bc.png'],
      ['a/_kpress/x.jpg', 'out/a/_kpress/x.png'],
    ];
    for (const [key, expected] of cases) {
      const output = outputKeyFor(key, 'out', '.png');
      assert.equal(output, expected);
      assert.ok(output.startsWith('out/'));
    }
  });

  it('refuses a destination prefix that itself climbs out', () => {
    assert.throws(() => outputKeyFor('x.jpg', 'out/../other/', '.png'), UnsafeKeyError);
    assert.throws(() => outputKeyFor('x.jpg', '/abs/', '.png'), UnsafeKeyError);
  });

  it('refuses keys whose metadata key would pass S3’s 1024-byte limit, counting UTF-8 bytes', () => {
    const fits = `${'a'.repeat(MAX_KEY_BYTES - 'out/'.length - '.png.json'.length)}.jpg`;
    assert.equal(Buffer.byteLength(`${outputKeyFor(fits, 'out/', '.png')}.json`), MAX_KEY_BYTES);
    assert.throws(
      () => outputKeyFor(`a${fits}`, 'out/', '.png'),
      (error: unknown) => error instanceof UnsafeKeyError && error.code === 'key-too-long',
    );
    // 400 characters, 1200 bytes.
    assert.throws(() => outputKeyFor(`${'日'.repeat(400)}.jpg`, 'out/', '.png'), /1024/);
    assert.throws(() => outputKeyFor(`${'x/'.repeat(2000)}y.jpg`, 'out/', '.png'), /more than S3's limit/);
  });
});

const VALID = {
  version: 1,
  runId: 'run-1',
  source: { bucket: 'src-bucket', key: 'in/a.jpg', etag: '"abc"', bytes: 10 },
  output: { bucket: 'dst-bucket', key: 'out/a.png' },
  params: { k: 8 },
};

/** Malicious or broken job data: each must be refused before any I/O. */
const MALICIOUS: [string, unknown][] = [
  ['an extra root field', { ...VALID, command: 'rm -rf /' }],
  ['an extra source field', { ...VALID, source: { ...VALID.source, endpoint: 'http://evil' } }],
  ['an unknown parameter', { ...VALID, params: { k: 8, shell: true } }],
  ['source key traversal', { ...VALID, source: { ...VALID.source, key: '../../etc/passwd' } }],
  ['output key traversal', { ...VALID, output: { ...VALID.output, key: 'out/../../escape.png' } }],
  ['absolute output key', { ...VALID, output: { ...VALID.output, key: '/etc/cron.d/x' } }],
  ['percent-encoded traversal', { ...VALID, output: { ...VALID.output, key: 'out/%2e%2e/%2e%2e/x.png' } }],
  ['backslash traversal', { ...VALID, output: { ...VALID.output, key: 'out\\..\\..\\x.png' } }],
  ['a bucket name with a slash', { ...VALID, output: { ...VALID.output, bucket: 'dst/../other' } }],
  ['version as a string', { ...VALID, version: '1' }],
  ['bytes as a string', { ...VALID, source: { ...VALID.source, bytes: '10' } }],
  ['k as a string', { ...VALID, params: { k: '8' } }],
  ['k out of range', { ...VALID, params: { k: 100000 } }],
  ['source null', { ...VALID, source: null }],
  ['an array', [VALID]],
  ['a string', JSON.stringify(VALID)],
  ['null', null],
  ['a huge key', { ...VALID, source: { ...VALID.source, key: 'k'.repeat(100_000) } }],
  ['a key of 1025 UTF-8 bytes in 513 characters', { ...VALID, source: { ...VALID.source, key: `${'é'.repeat(512)}x` } }],
  ['a huge run id', { ...VALID, runId: 'r'.repeat(10_000) }],
  ['a huge etag', { ...VALID, source: { ...VALID.source, etag: 'e'.repeat(1 << 20) } }],
  ['a huge string parameter', { ...VALID, params: { colorSpace: 'x'.repeat(1 << 20) } }],
  ['__proto__ at the root', JSON.parse(`{"__proto__":{"polluted":1},${JSON.stringify(VALID).slice(1)}`)],
  ['__proto__ in source', JSON.parse(JSON.stringify(VALID).replace('"bytes":10', '"bytes":10,"__proto__":{"polluted":1}'))],
  ['__proto__ in params', JSON.parse(JSON.stringify(VALID).replace('{"k":8}', '{"__proto__":{"format":"webp","polluted":1}}'))],
  [
    'constructor.prototype in params',
    JSON.parse(JSON.stringify(VALID).replace('{"k":8}', '{"constructor":{"prototype":{"polluted":1}}}')),
  ],
  ['deep nesting', { ...VALID, params: { k: { a: { b: { c: { d: { e: 1 } } } } } } }],
];

describe('security: malicious job payloads are rejected without any I/O', () => {
  it('parses the valid payload (the baseline)', () => {
    assert.equal(parseImageJob(VALID).params.k, 8);
  });

  for (const [name, data] of MALICIOUS) {
    it(`rejects ${name}`, async () => {
      assert.throws(() => parseImageJob(data));
      const io = recordingDeps();
      const processor = createImageJobProcessor(io.deps);
      await assert.rejects(processor(fakeJob(data)), UnrecoverableError);
      assert.deepEqual(io.calls, [], 'no S3, Redis or compress call');
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined, 'Object.prototype untouched');
    });
  }

  it('refuses a valid job outside KPRESS_ALLOWED_BUCKETS before any S3 access', async () => {
    const io = recordingDeps(new Set(['src-bucket']));
    await assert.rejects(createImageJobProcessor(io.deps)(fakeJob(VALID)), /bucket-not-allowed: .*dst-bucket/);
    assert.deepEqual(io.calls, ['runs.get'], 'only the run is looked up (to count the failure); no S3 access');
  });
});

describe('security: configuration', () => {
  it('parses KPRESS_ALLOWED_BUCKETS (unset = any) and refuses bad names, naming the variable', () => {
    assert.equal(loadConfig({}).allowedBuckets, null);
    assert.deepEqual([...loadConfig({ KPRESS_ALLOWED_BUCKETS: 'a-src, b-dst' }).allowedBuckets!], ['a-src', 'b-dst']);
    assert.throws(() => loadConfig({ KPRESS_ALLOWED_BUCKETS: 'ok-bucket,Bad_Bucket' }), /KPRESS_ALLOWED_BUCKETS/);
  });

  it('never echoes a Redis password in a configuration error', () => {
    for (const url of ['http://kpress:S3cr3t-pw@host:6379', 'redis//kpress:S3cr3t-pw@host']) {
      assert.throws(
        () => loadConfig({ REDIS_URL: url }),
        (error: Error) => /REDIS_URL/.test(error.message) && !error.message.includes('S3cr3t-pw'),
      );
    }
  });

  it('takes REDIS_TLS_CA_FILE only with a rediss:// URL', () => {
    assert.equal(loadConfig({ REDIS_URL: 'rediss://h:6380', REDIS_TLS_CA_FILE: '/etc/ca.pem' }).redisTlsCaFile, '/etc/ca.pem');
    assert.throws(() => loadConfig({ REDIS_URL: 'redis://h:6379', REDIS_TLS_CA_FILE: '/etc/ca.pem' }), /rediss:\/\//);
  });
});

function fakeJob(data: unknown): Job {
  return { id: 'job-1', data, attemptsMade: 0, opts: { attempts: 3 } } as unknown as Job;
}

/** Processor dependencies that record every call and do nothing. */
function recordingDeps(allowedBuckets: ReadonlySet<string> | null = null): {
  deps: Parameters<typeof createImageJobProcessor>[0];
  calls: string[];
} {
  const calls: string[] = [];
  const recorder = <T extends object>(name: string, result: (method: string) => unknown = () => undefined): T =>
    new Proxy({} as T, {
      get: (_target, method) => (): unknown => {
        calls.push(`${name}.${String(method)}`);
        return Promise.resolve(result(String(method)));
      },
    });
  return {
    calls,
    deps: {
      store: recorder<ObjectStore>('store'),
      runs: recorder<RunStore>('runs', (method) => (method === 'get' ? null : { completedRun: false })),
      failureMemory: recorder<FailureMemory>('failureMemory'),
      pool: recorder<CpuPool>('pool'),
      logger: pino({ level: 'silent' }),
      metrics: createWorkerMetrics(),
      maxPixels: 1e8,
      maxInputBytes: 1 << 20,
      allowedBuckets,
    },
  };
}
