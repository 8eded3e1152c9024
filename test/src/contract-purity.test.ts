import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { REPO_ROOT } from './support/repo.js';

/**
 * What importing a package loads, measured in a fresh process: its loaded CommonJS files (sharp
 * is CommonJS, so importing it from ESM lists it there) and the shared libraries it mapped
 * (libvips comes with sharp's native addon).
 */
function loadedBy(specifier: string): { sharpFiles: number; libvips: boolean } {
  const script = `
    import { createRequire } from 'node:module';
    await import(${JSON.stringify(specifier)});
    const require = createRequire(import.meta.url);
    const sharpFiles = Object.keys(require.cache).filter((path) => /[\\\\/]sharp[\\\\/]/.test(path)).length;
    const libvips = process.report.getReport().sharedObjects.some((path) => /libvips/.test(path));
    console.log(JSON.stringify({ sharpFiles, libvips }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: join(REPO_ROOT, 'test'),
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!) as { sharpFiles: number; libvips: boolean };
}

describe('dependencies point inward: the contract owns no implementation', () => {
  for (const specifier of ['@kpress/job-contract', '@kpress/producer', '@kpress/runs', '@kpress/dashboard']) {
    it(`importing ${specifier} loads no sharp and no libvips`, () => {
      assert.deepEqual(loadedBy(specifier), { sharpFiles: 0, libvips: false });
    });
  }

  it('the measure sees sharp when it is there (importing @kpress/compress loads it)', () => {
    const loaded = loadedBy('@kpress/compress');
    assert.ok(loaded.sharpFiles > 0 && loaded.libvips, JSON.stringify(loaded));
  });
});
