import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { withHugePages } from './huge-pages.js';

const LAUNCHER = fileURLToPath(new URL('../bin/kpress', import.meta.url));
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('withHugePages (the tunable for the processes kpress starts)', () => {
  it('sets glibc.malloc.hugetlb=1 when no tunable is set', () => {
    assert.equal(withHugePages(undefined), 'glibc.malloc.hugetlb=1');
    assert.equal(withHugePages(''), 'glibc.malloc.hugetlb=1');
  });
  it("keeps the caller's other tunables", () => {
    assert.equal(withHugePages('glibc.malloc.arena_max=2'), 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
  });
  it("leaves the caller's own hugetlb setting as it is", () => {
    assert.equal(withHugePages('glibc.malloc.hugetlb=0'), 'glibc.malloc.hugetlb=0');
    assert.equal(
      withHugePages('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2'),
      'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2',
    );
  });
});

describe('main.js: the processes kpress starts (compress processes, demo workers) inherit its environment', () => {
  // A preload prints the environment main.js leaves behind, which fork and spawn pass on.
  const printAtExit = `data:text/javascript,process.on('exit', () => process.stderr.write('tunables=' + process.env.GLIBC_TUNABLES))`;
  const tunablesAfter = (tunables: string | undefined): string => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (tunables === undefined) delete env.GLIBC_TUNABLES;
    else env.GLIBC_TUNABLES = tunables;
    const run = spawnSync(process.execPath, ['--import', printAtExit, MAIN, '--version'], { env, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    return /tunables=(.*)$/.exec(run.stderr)?.[1] ?? '';
  };

  it("carries glibc.malloc.hugetlb=1, with the caller's tunables and their own hugetlb setting kept", () => {
    assert.equal(tunablesAfter(undefined), 'glibc.malloc.hugetlb=1');
    assert.equal(tunablesAfter('glibc.malloc.arena_max=2'), 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
    assert.equal(tunablesAfter('glibc.malloc.hugetlb=0'), 'glibc.malloc.hugetlb=0');
  });
});

describe('bin/kpress (the launcher)', () => {
  // A stand-in `node` first on PATH prints what the launcher gave it: its environment's tunables and its arguments.
  const dir = mkdtempSync(join(tmpdir(), 'kpress-launcher-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'node'), '#!/bin/sh\nprintf "%s\\n" "tunables=${GLIBC_TUNABLES-unset}" "$@"\n');
  chmodSync(join(dir, 'node'), 0o755);
  const launch = (command: string, args: string[], tunables: string | undefined): string[] => {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` };
    if (tunables === undefined) delete env.GLIBC_TUNABLES;
    else env.GLIBC_TUNABLES = tunables;
    const [tunableLine = '', script = '', ...rest] = execFileSync(command, args, { env, encoding: 'utf8' }).trimEnd().split('\n');
    return [tunableLine, resolve(script), ...rest];
  };

  it('runs dist/main.js with the arguments as given, hugetlb set', () => {
    const args = ['compress', 'a b.jpg', '-o', '$HOME.png', '--k', '16'];
    assert.deepEqual(launch(LAUNCHER, args, undefined), ['tunables=glibc.malloc.hugetlb=1', MAIN, ...args]);
  });
  it("keeps the caller's tunables and their own hugetlb setting, as withHugePages does", () => {
    for (const tunables of [
      'glibc.malloc.arena_max=2',
      'glibc.malloc.hugetlb=0',
      'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0',
    ]) {
      assert.deepEqual(launch(LAUNCHER, ['--version'], tunables), [`tunables=${withHugePages(tunables)}`, MAIN, '--version']);
    }
  });
  it('finds dist/main.js when started through a link, as npm links it into node_modules/.bin', () => {
    const link = join(dir, 'kpress');
    symlinkSync(LAUNCHER, link);
    assert.deepEqual(launch(link, ['--version'], undefined), ['tunables=glibc.malloc.hugetlb=1', MAIN, '--version']);
  });
});
