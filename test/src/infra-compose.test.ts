import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  assertBucketsAllowed,
  compose,
  flagValue,
  INFRA,
  METRICS_PORT,
  run,
  WORKER_STOP_MARGIN_SECONDS,
} from './support/infra-files.js';

// infra/compose.yaml checked against what kpress reads and does (and by `docker compose config`
// when docker is present).

describe('infra/compose.yaml', () => {
  const { services } = compose;

  it('runs Redis without eviction and with AOF, MinIO and the buckets, with health checks', () => {
    const redis = services.redis!;
    assert.match(redis.image!, /^redis:7/);
    assert.match(redis.command!.join(' '), /--appendonly yes/);
    assert.match(redis.command!.join(' '), /--maxmemory-policy noeviction/);
    assert.ok(redis.volumes?.some((v) => v.endsWith(':/data')) && redis.healthcheck);
    assert.match(services.minio!.image!, /^minio\/minio/);
    assert.ok(services.minio!.healthcheck);
    const buckets = Object.values(services).find((s) => s.image?.startsWith('minio/mc'));
    assert.match(buckets?.entrypoint?.join(' ') ?? '', /mc mb .*kpress-in.*kpress-out/);
  });

  it('has scalable workers that outlast their drain timeout, and a one-shot producer', () => {
    const worker = services.worker!;
    assert.equal(worker.container_name, undefined);
    assert.equal(worker.ports, undefined);
    assert.equal(worker.command?.[0], 'worker');
    assert.equal(flagValue(worker.command, '--port'), String(METRICS_PORT));
    const drain = Number(flagValue(worker.command, '--drain-timeout') ?? 60);
    assert.ok(
      durationSeconds(worker.stop_grace_period ?? '10s') >= drain + WORKER_STOP_MARGIN_SECONDS,
      'stop_grace_period must cover --drain-timeout + 10 s (the worker stops within that)',
    );
    const producer = services.producer!;
    assert.deepEqual(producer.profiles, ['run']);
    assert.deepEqual(producer.command, ['enqueue', 's3://kpress-in/', '--to', 's3://kpress-out/', '--wait']);
    for (const service of [worker, producer]) {
      assert.equal(service.depends_on?.redis?.condition, 'service_healthy');
      assert.ok(Object.values(service.depends_on ?? {}).some((d) => d.condition === 'service_completed_successfully'));
    }
    assertBucketsAllowed(producer.environment?.KPRESS_ALLOWED_BUCKETS, [
      producer.command[1]!,
      flagValue(producer.command, '--to')!,
    ]);
    for (const name of ['REDIS_URL', 'KPRESS_PREFIX', 'S3_ENDPOINT', 'S3_REGION', 'S3_FORCE_PATH_STYLE', 'LOG_LEVEL'])
      assert.ok(worker.environment?.[name] !== undefined, name);
  });

  it('passes `docker compose config`', async (t) => {
    const tool = await composeCommand();
    if (typeof tool === 'string') return t.skip(tool);
    const { stderr } = await run(tool[0], [...tool.slice(1), '-f', join(INFRA, 'compose.yaml'), 'config', '--quiet']);
    assert.equal(stderr.trim(), '');
  });
});

/** Seconds of a compose duration such as "90s", "2m" or "1m30s". */
function durationSeconds(text: string): number {
  const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  assert.ok(match && text !== '', `cannot read the duration ${JSON.stringify(text)}`);
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
}
/** `docker compose`, else `docker-compose`, else why neither can run. */
async function composeCommand(): Promise<[string, ...string[]] | string> {
  const works = async (command: string, args: string[]): Promise<boolean | 'missing'> => {
    try {
      await run(command, args);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : false;
    }
  };
  const docker = await works('docker', ['compose', 'version']);
  if (docker === true) return ['docker', 'compose'];
  if ((await works('docker-compose', ['version'])) === true) return ['docker-compose'];
  return docker === 'missing'
    ? 'the docker client is not installed'
    : 'the docker client has no compose plugin (`docker compose version` failed) and docker-compose is not installed';
}
