import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONFIG_VARIABLES } from '@kpress/cli';
import { PRODUCER_NODE_OPTIONS } from '@kpress/producer';
import { baseManifests, compose, find, kpressServices, manifests, podSpecs } from './support/infra-files.js';

// The environment variables that compose and the Kubernetes manifests set, checked against the
// configuration kpress reads.

/** Read by the AWS SDK's credential/region chain rather than kpress's configuration. */
const AWS_SDK_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION'];
// NODE_OPTIONS: Node's own, set for the producer (PRODUCER_NODE_OPTIONS).
const ALLOWED_VARIABLES = new Set([...CONFIG_VARIABLES, ...AWS_SDK_VARIABLES, 'NODE_OPTIONS']);
/** Read by `kpress dashboard` only, which infra/ does not deploy: workers and producers must not hold it. */
const DASHBOARD_ONLY_VARIABLES = new Set(['KPRESS_DASHBOARD_TOKEN']);

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
