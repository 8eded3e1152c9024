import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { CONFIG_VARIABLES, jobMemoryUnderLimit, parseByteSize } from '@kpress/cli';
import { estimateCompressBytes } from '@kpress/compress';
import { IMAGE_QUEUE } from '@kpress/job-contract';
import { PRODUCER_NODE_OPTIONS } from '@kpress/producer';
import { Deployment } from 'kubernetes-models/apps/v1';
import { validate as validateDockerfile } from 'dockerfile-utils';
import { CronJob } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './support/repo.js';

// Deployment files under infra/ checked against what kpress reads and does: the Dockerfile (the
// validator of the Docker language server, dockerfile-utils: hadolint does not install here, and
// kpress's own rules), compose, and the Kubernetes manifests (schemas from kubernetes-models, the
// rendered overlay from `kubectl kustomize` when kubectl is present).

const run = promisify(execFile);
const INFRA = join(REPO_ROOT, 'infra');
const METRICS_PORT = 9464;
/** Read by the AWS SDK's credential/region chain rather than kpress's configuration. */
const AWS_SDK_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION'];
// NODE_OPTIONS: Node's own, set for the producer (PRODUCER_NODE_OPTIONS).
const ALLOWED_VARIABLES = new Set([...CONFIG_VARIABLES, ...AWS_SDK_VARIABLES, 'NODE_OPTIONS']);
/** Read by `kpress dashboard` only, which infra/ does not deploy: workers and producers must not hold it. */
const DASHBOARD_ONLY_VARIABLES = new Set(['KPRESS_DASHBOARD_TOKEN']);
/** A worker ends within --drain-timeout + this after SIGTERM (`kpress worker --help`). */
const WORKER_STOP_MARGIN_SECONDS = 10;

interface Probe {
  httpGet?: { path: string; port: number | string };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    template?: { spec: PodSpec };
    jobTemplate?: { spec: { template: { spec: PodSpec } } };
    concurrencyPolicy?: string;
    scaleTargetRef?: { name: string };
    minReplicaCount?: number;
    maxReplicaCount?: number;
    triggers?: { type: string; metadata: Record<string, string> }[];
  };
}
interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  profiles?: string[];
  container_name?: string;
  ports?: string[];
  volumes?: string[];
  stop_grace_period?: string;
}

function parseYaml(text: string, name: string): unknown[] {
  // `merge`: compose files use YAML merge keys (<<: *anchor), as docker compose reads them.
  return parseAllDocuments(text, { merge: true }).map((document) => {
    assert.deepEqual(document.errors, [], `${name}: YAML errors`);
    return document.toJS() as unknown;
  });
}
function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}
const documents = yamlFiles(INFRA).flatMap((path) =>
  parseYaml(readFileSync(path, 'utf8'), relative(REPO_ROOT, path)).map((content) => ({ path, content })),
);
const compose = documents.find((d) => d.path.endsWith('compose.yaml'))!.content as { services: Record<string, ComposeService> };
const manifests = documents
  .filter((d) => d.path.includes('/k8s/') && !d.path.endsWith('kustomization.yaml'))
  .map((d) => d.content as Manifest);
const baseManifests = documents.filter((d) => d.path.includes('/k8s/base/')).map((d) => d.content as Manifest);
const find = (list: Manifest[], kind: string): Manifest => {
  const found = list.find((m) => m.kind === kind);
  assert.ok(found, `no ${kind} among the manifests`);
  return found;
};
/** Services that run the kpress image (the others are Redis, MinIO, mc: their own variables). */
const kpressServices = Object.entries(compose.services).filter(([, s]) => s.build?.dockerfile === 'infra/Dockerfile');
const podSpecs = (list: Manifest[]): PodSpec[] =>
  list.flatMap((m) => [m.spec?.template?.spec, m.spec?.jobTemplate?.spec.template.spec].filter((s) => s !== undefined));

/** Seconds of a compose duration such as "90s", "2m" or "1m30s". */
function durationSeconds(text: string): number {
  const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  assert.ok(match && text !== '', `cannot read the duration ${JSON.stringify(text)}`);
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
}
function flagValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Namespace': Namespace,
  'apps/v1/Deployment': Deployment,
  'batch/v1/CronJob': CronJob,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};
function validateSchema(manifest: Manifest): void {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  assert.ok(Model, `no schema for ${manifest.apiVersion} ${manifest.kind}`);
  assert.doesNotThrow(() => new Model(manifest as never).validate(), `${manifest.kind} ${manifest.metadata.name}`);
}

/** The checks that hold for the base and for any rendered overlay. */
function checkWorkloads(list: Manifest[]): void {
  const deployment = find(list, 'Deployment');
  const pod = deployment.spec!.template!.spec;
  const worker = pod.containers[0]!;
  assert.match(worker.image, /(^|\/)kpress(:[\w.-]+)?$/);
  assert.equal(worker.args?.[0], 'worker');
  assert.equal(flagValue(worker.args, '--port'), String(METRICS_PORT));
  const drain = Number(flagValue(worker.args, '--drain-timeout'));
  assert.equal(drain, 120);
  assert.ok(
    pod.terminationGracePeriodSeconds! >= drain + WORKER_STOP_MARGIN_SECONDS,
    'terminationGracePeriodSeconds must cover --drain-timeout + 10 s (the worker stops within that)',
  );
  assert.deepEqual(worker.livenessProbe?.httpGet, { path: '/healthz', port: METRICS_PORT });
  assert.deepEqual(worker.readinessProbe?.httpGet, { path: '/readyz', port: METRICS_PORT });
  assert.ok(worker.ports?.some((p) => p.containerPort === METRICS_PORT));
  assert.ok(worker.resources?.requests?.cpu && worker.resources.limits?.memory, 'worker resources');
  const configMap = find(list, 'ConfigMap');
  const secret = find(list, 'Secret');
  for (const spec of podSpecs(list)) {
    assert.equal(spec.securityContext?.runAsNonRoot, true);
    for (const container of spec.containers) {
      assert.deepEqual(
        container.envFrom?.map((source) => source.configMapRef?.name ?? source.secretRef?.name),
        [configMap.metadata.name, secret.metadata.name],
      );
    }
  }

  const scaled = find(list, 'ScaledObject');
  assert.equal(scaled.spec?.scaleTargetRef?.name, deployment.metadata.name);
  assert.equal(scaled.spec?.minReplicaCount, 0);
  const triggers = scaled.spec?.triggers ?? [];
  const query = triggers.find((t) => t.type === 'prometheus')?.metadata.query ?? '';
  for (const state of ['waiting', 'prioritized', 'active']) assert.ok(query.includes(state), `query counts ${state}`);
  assert.match(query, /kpress_queue_jobs/);
  // The redis triggers read BullMQ's lists where kpress's configuration puts them.
  const redisUrl = new URL(configMap.data!.REDIS_URL!);
  const queueKey = `${configMap.data!.KPRESS_PREFIX}:${IMAGE_QUEUE}`;
  const redisTriggers = triggers.filter((t) => t.type === 'redis');
  assert.deepEqual(
    redisTriggers.map((t) => t.metadata.listName),
    [`${queueKey}:wait`, `${queueKey}:active`],
  );
  for (const t of redisTriggers) assert.equal(t.metadata.address, `${redisUrl.hostname}:${redisUrl.port || 6379}`);

  const cron = find(list, 'CronJob');
  assert.equal(cron.spec?.concurrencyPolicy, 'Forbid');
  const enqueue = cron.spec.jobTemplate!.spec.template.spec.containers[0]!;
  assert.equal(enqueue.image, worker.image);
  assert.equal(enqueue.args?.[0], 'enqueue');
  assert.match(enqueue.args?.[1] ?? '', /^s3:\/\//);
  assert.match(flagValue(enqueue.args, '--to') ?? '', /^s3:\/\//);
  assert.ok(enqueue.args?.includes('--wait'));
  assertBucketsAllowed(configMap.data!.KPRESS_ALLOWED_BUCKETS, [enqueue.args[1]!, flagValue(enqueue.args, '--to')!]);
}

/** When KPRESS_ALLOWED_BUCKETS is set, the runs a manifest starts must stay within it. */
function assertBucketsAllowed(allowed: string | undefined, urls: string[]): void {
  if (!allowed) return;
  const buckets = allowed.split(',').map((b) => b.trim());
  for (const url of urls)
    assert.ok(buckets.includes(new URL(url).hostname), `${url} is outside KPRESS_ALLOWED_BUCKETS ${allowed}`);
}

describe('infra/Dockerfile', () => {
  const text = readFileSync(join(INFRA, 'Dockerfile'), 'utf8');
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const args = new Map(
    instructions.flatMap((line) => [...line.matchAll(/^ARG (\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!] as const)),
  );
  const stages: string[][] = [];
  for (const line of instructions) {
    if (line.startsWith('FROM ')) stages.push([]);
    stages.at(-1)?.push(line);
  }
  const final = stages.at(-1) ?? [];

  it('passes the Dockerfile validator (dockerfile-utils) without an error or a warning', () => {
    const problems = validateDockerfile(text).map(
      (d) => `line ${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`,
    );
    assert.deepEqual(problems, []);
  });

  it('is multi-stage, on an active LTS Node (22 or 24), with tsc -b in a build stage', () => {
    assert.ok(stages.length >= 2);
    for (const stage of stages) {
      const image = stage[0]!.split(/\s+/)[1]!.replace(/^\$\{(\w+)\}$/, (_, name: string) => args.get(name) ?? name);
      assert.match(image, /^node:(22|24)[.\w-]*$/, stage[0]);
    }
    assert.ok(stages.slice(0, -1).some((stage) => stage.some((line) => /^RUN npx tsc -b/.test(line))));
  });

  it('installs production dependencies only, runs as a non-root user behind tini', () => {
    const npmCi = final.filter((line) => /^RUN npm ci\b/.test(line));
    assert.equal(npmCi.length, 1);
    assert.match(npmCi[0]!, /--omit=dev/);
    assert.ok(final.some((line) => /apt-get install .*\btini\b/.test(line)));
    const user = final.filter((line) => line.startsWith('USER ')).at(-1);
    assert.ok(user && !/^USER (root|0)(:|$)/.test(user), `final USER: ${user}`);
    assert.ok(final.indexOf(user) > final.findIndex((line) => line.startsWith('RUN ')), 'USER after the last RUN');
    const exec = (name: string): unknown => JSON.parse(final.find((line) => line.startsWith(`${name} `))!.slice(name.length));
    assert.deepEqual(exec('ENTRYPOINT'), ['/usr/bin/tini', '--', 'node', 'apps/cli/dist/main.js']);
    assert.deepEqual(exec('CMD'), ['worker', '--port', String(METRICS_PORT)]);
    assert.ok(final.includes(`EXPOSE ${METRICS_PORT}`));
  });

  it('has a .dockerignore that keeps build output and local state out of the context', () => {
    const entries = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim().replace(/^\*\*\//, ''))
      .filter((line) => line !== '' && !line.startsWith('#'));
    for (const entry of ['node_modules', 'dist', '.git', 'out', '.bench', '*.tsbuildinfo'])
      assert.ok(entries.includes(entry), entry);
  });
});

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

describe('infra/k8s', () => {
  it('every manifest matches its Kubernetes (or KEDA) schema', () => {
    assert.ok(manifests.length >= 7);
    for (const manifest of manifests) validateSchema(manifest);
  });

  it('base: probes, grace period, KEDA triggers and CronJob fit the worker and the configuration', () => {
    checkWorkloads(baseManifests);
  });

  it('base: the worker memory limit holds the largest image KPRESS_MAX_PIXELS allows, at the --concurrency it runs', () => {
    const worker = find(baseManifests, 'Deployment').spec!.template!.spec.containers[0]!;
    const data = find(baseManifests, 'ConfigMap').data!;
    const limit = parseByteSize(worker.resources?.limits?.memory ?? '');
    assert.ok(limit !== null, `a memory limit in bytes, Mi or Gi: ${worker.resources?.limits?.memory}`);
    const concurrency = Number(flagValue(worker.args ?? [], '--concurrency'));
    assert.ok(Number.isInteger(concurrency) && concurrency >= 1, "the worker sets --concurrency (else it uses the node's cores)");
    assert.equal(flagValue(worker.args ?? [], '--memory-budget'), undefined, 'the budget follows the limit (its default)');
    const maxPixels = Number(data.KPRESS_MAX_PIXELS);
    const maxInputBytes = Number(data.KPRESS_MAX_INPUT_BYTES);
    const forJobs = jobMemoryUnderLimit(limit, concurrency);
    // The costliest output format, the largest input: an image the configuration accepts must
    // never be refused for memory (too-many-pixels from the budget).
    const largest = estimateCompressBytes({ width: maxPixels, height: 1 }, maxInputBytes, 'webp');
    assert.ok(largest <= forJobs, `one ${maxPixels / 1e6} MP image needs ${largest} B, the limit leaves ${forJobs} B for jobs`);
    // Requests: at least one typical job (PNG output) on top of the processes' base.
    const request = parseByteSize(worker.resources?.requests?.memory ?? '');
    assert.ok(request !== null && request <= limit, 'a memory request within the limit');
  });

  it('the example overlay renders with its image tag, replica bounds and buckets', async (t) => {
    const overlay = documents.find((d) => d.path.endsWith('overlays/example/kustomization.yaml'))!.content;
    assert.match(JSON.stringify(overlay), /newTag/);
    let rendered: string;
    try {
      ({ stdout: rendered } = await run('kubectl', ['kustomize', join(INFRA, 'k8s', 'overlays', 'example')]));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return t.skip('kubectl is not installed: overlay not rendered');
      throw error;
    }
    const list = parseYaml(rendered, 'kubectl kustomize output') as Manifest[];
    for (const manifest of list) validateSchema(manifest);
    checkWorkloads(list);
    const worker = find(list, 'Deployment').spec!.template!.spec.containers[0]!;
    assert.match(worker.image, /:\d+\.\d+\.\d+$/, 'a pinned image tag');
    const scaled = find(list, 'ScaledObject').spec!;
    assert.ok(scaled.maxReplicaCount! > 20, 'the overlay raises maxReplicaCount');
    const args = find(list, 'CronJob').spec!.jobTemplate!.spec.template.spec.containers[0]!.args!;
    assert.ok(!args.includes('s3://kpress-in/'), 'the overlay sets its own buckets');
  });
});

describe('environment variables in infra/', () => {
  const configMap = find(baseManifests, 'ConfigMap');
  const secret = find(baseManifests, 'Secret');
  const used: (readonly [where: string, name: string])[] = [
    ...kpressServices.flatMap(([name, s]) => Object.keys(s.environment ?? {}).map((v) => [`compose ${name}`, v] as const)),
    ...Object.keys(configMap.data ?? {}).map((v) => ['ConfigMap', v] as const),
    ...Object.keys({ ...secret.data, ...secret.stringData }).map((v) => ['Secret', v] as const),
    ...podSpecs(manifests).flatMap((spec) =>
      spec.containers.flatMap((c) => (c.env ?? []).map((e) => [`container ${c.name}`, e.name] as const)),
    ),
  ];

  it('uses only names that kpress (or the AWS SDK) reads', () => {
    assert.ok(kpressServices.length >= 2, 'compose services built from infra/Dockerfile');
    const unknown = used.filter(([, name]) => !ALLOWED_VARIABLES.has(name)).map(([where, name]) => `${where}: ${name}`);
    assert.deepEqual(unknown, [], `not read by kpress's configuration (${CONFIG_VARIABLES.join(', ')})`);
  });

  it('runs the producer (CronJob, compose `producer`) with PRODUCER_NODE_OPTIONS, and nothing else with NODE_OPTIONS', () => {
    const cronJob = find(baseManifests, 'CronJob').spec!.jobTemplate!.spec.template.spec.containers[0]!;
    assert.equal(cronJob.env?.find((e) => e.name === 'NODE_OPTIONS')?.value, PRODUCER_NODE_OPTIONS);
    assert.equal(compose.services.producer?.environment?.NODE_OPTIONS, PRODUCER_NODE_OPTIONS);
    const elsewhere = used.filter(([where, name]) => name === 'NODE_OPTIONS' && !/producer|enqueue/.test(where));
    assert.deepEqual(elsewhere, [], 'workers keep Node defaults');
  });

  it('sets every configuration variable in the ConfigMap or the Secret', () => {
    const set = new Set([...Object.keys(configMap.data ?? {}), ...Object.keys({ ...secret.data, ...secret.stringData })]);
    assert.deepEqual(
      CONFIG_VARIABLES.filter((name) => !set.has(name) && !DASHBOARD_ONLY_VARIABLES.has(name)),
      [],
    );
    const dashboardOnly = [...DASHBOARD_ONLY_VARIABLES].filter((name) => set.has(name) || used.some(([, n]) => n === name));
    assert.deepEqual(dashboardOnly, [], 'the dashboard token is not handed to workers or producers');
    assert.ok(set.has('AWS_ACCESS_KEY_ID') && set.has('AWS_SECRET_ACCESS_KEY'));
  });
});

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
