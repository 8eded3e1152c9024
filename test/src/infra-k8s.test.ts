import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { jobMemoryUnderLimit, parseByteSize } from '@kpress/cli';
import { estimateCompressBytes } from '@kpress/compress';
import { IMAGE_QUEUE } from '@kpress/job-contract';
import { Deployment } from 'kubernetes-models/apps/v1';
import { CronJob } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret } from 'kubernetes-models/v1';
import {
  assertBucketsAllowed,
  baseManifests,
  documents,
  find,
  flagValue,
  INFRA,
  type Manifest,
  manifests,
  METRICS_PORT,
  parseYaml,
  podSpecs,
  run,
  WORKER_STOP_MARGIN_SECONDS,
} from './support/infra-files.js';

// The Kubernetes manifests under infra/k8s checked against their schemas (kubernetes-models) and
// against what kpress reads and does; the example overlay rendered by `kubectl kustomize` when
// kubectl is present.

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
