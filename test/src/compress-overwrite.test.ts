import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CLI, SAMPLES } from './support/repo.js';

const run = promisify(execFile);

async function kpress(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [CLI, ...args], { env: { ...process.env, LOG_LEVEL: 'warn' } });
    return { code: 0, stderr: '' };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

/** `kpress compress` never replaces a source with its quantized copy (found by hand: it did). */
describe('kpress compress: an output that is its own input', () => {
  let dir: string;
  let original: Buffer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kpress-overwrite-'));
    original = await readFile(join(SAMPLES, 'bird_small.png'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  async function fresh(name: string): Promise<string> {
    const path = join(dir, name);
    await copyFile(join(SAMPLES, 'bird_small.png'), path);
    return path;
  }

  it('x.png -o x.png: exit 2 naming both, the source untouched', async () => {
    const source = await fresh('same.png');
    const result = await kpress(['compress', source, '-o', source, '--k', '16']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--output .*same\.png is the input .*same\.png: kpress never overwrites a source/);
    assert.deepEqual(await readFile(source), original);
  });

  it('the same file through a symbolic link: exit 2, untouched', async () => {
    const source = await fresh('linked.png');
    const link = join(dir, 'link.png');
    await symlink(source, link);
    const result = await kpress(['compress', source, '-o', link]);
    assert.equal(result.code, 2, result.stderr);
    assert.deepEqual(await readFile(source), original);
  });

  it('a batch whose file input lands on itself (a file into its own folder): exit 2 before any image is written', async () => {
    const folder = join(dir, 'batch');
    await mkdir(folder);
    const source = join(folder, 'bird.png');
    await copyFile(join(SAMPLES, 'bird_small.png'), source);
    await copyFile(join(SAMPLES, 'china.jpg'), join(dir, 'china.jpg'));
    const result = await kpress(['compress', join(dir, 'china.jpg'), source, '-o', folder]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /is the input/);
    assert.deepEqual(await readFile(source), original);
    assert.deepEqual(await readdir(folder), ['bird.png'], 'nothing written, not even china.png');
  });
});
