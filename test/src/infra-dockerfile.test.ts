import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validate as validateDockerfile } from 'dockerfile-utils';
import { INFRA, METRICS_PORT } from './support/infra-files.js';
import { REPO_ROOT } from './support/repo.js';

// infra/Dockerfile checked by the validator of the Docker language server (dockerfile-utils:
// hadolint does not install here) and against kpress's own rules, and its .dockerignore.

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

  it('sets GLIBC_TUNABLES as bin/kpress does (its entrypoint starts main.js itself): large buffers on huge pages', () => {
    assert.ok(
      final.includes('ENV GLIBC_TUNABLES=glibc.malloc.hugetlb=1'),
      final.filter((line) => line.startsWith('ENV ')).join('; '),
    );
  });

  it('has a .dockerignore that keeps build output (dist/, compiled tests in dist-test/) and local state out of the context', () => {
    const entries = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim().replace(/^\*\*\//, ''))
      .filter((line) => line !== '' && !line.startsWith('#'));
    for (const entry of ['node_modules', 'dist', 'dist-test', '.git', 'out', '.bench', '*.tsbuildinfo'])
      assert.ok(entries.includes(entry), entry);
  });
});
