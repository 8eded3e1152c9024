// The deployment files under infra/, read once and typed for the infra-*.test.ts files: the YAML
// documents of compose and the Kubernetes manifests, and the helpers their checks share.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './repo.js';

export const run = promisify(execFile);
export const INFRA = join(REPO_ROOT, 'infra');
export const METRICS_PORT = 9464;
/** A worker ends within --drain-timeout + this after SIGTERM (`kpress worker --help`). */
export const WORKER_STOP_MARGIN_SECONDS = 10;

export interface Probe {
  httpGet?: { path: string; port: number | string };
}
export interface Container {
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
export interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
}
export interface Manifest {
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
export interface ComposeService {
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

export function parseYaml(text: string, name: string): unknown[] {
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
export const documents = yamlFiles(INFRA).flatMap((path) =>
  parseYaml(readFileSync(path, 'utf8'), relative(REPO_ROOT, path)).map((content) => ({ path, content })),
);
export const compose = documents.find((d) => d.path.endsWith('compose.yaml'))!.content as {
  services: Record<string, ComposeService>;
};
export const manifests = documents
  .filter((d) => d.path.includes('/k8s/') && !d.path.endsWith('kustomization.yaml'))
  .map((d) => d.content as Manifest);
export const baseManifests = documents.filter((d) => d.path.includes('/k8s/base/')).map((d) => d.content as Manifest);
export const find = (list: Manifest[], kind: string): Manifest => {
  const found = list.find((m) => m.kind === kind);
  assert.ok(found, `no ${kind} among the manifests`);
  return found;
};
/** Services that run the kpress image (the others are Redis, MinIO, mc: their own variables). */
export const kpressServices = Object.entries(compose.services).filter(([, s]) => s.build?.dockerfile === 'infra/Dockerfile');
export const podSpecs = (list: Manifest[]): PodSpec[] =>
  list.flatMap((m) => [m.spec?.template?.spec, m.spec?.jobTemplate?.spec.template.spec].filter((s) => s !== undefined));

export function flagValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

/** When KPRESS_ALLOWED_BUCKETS is set, the runs a manifest starts must stay within it. */
export function assertBucketsAllowed(allowed: string | undefined, urls: string[]): void {
  if (!allowed) return;
  const buckets = allowed.split(',').map((b) => b.trim());
  for (const url of urls)
    assert.ok(buckets.includes(new URL(url).hostname), `${url} is outside KPRESS_ALLOWED_BUCKETS ${allowed}`);
}
