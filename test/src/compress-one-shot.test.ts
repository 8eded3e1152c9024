import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { CLI, SAMPLES } from './support/repo.js';

const run = promisify(execFile);

/**
 * What the README promises about a one-shot `kpress compress IN -o OUT`: a JPEG, PNG, GIF, WebP
 * or TIFF is compressed in the command's own process; any other input goes to a child process
 * (which --job-timeout can kill). Every Node process started reads NODE_OPTIONS, so a preloaded
 * script that notes its pid counts them.
 */
describe('kpress compress, one image: where it runs', () => {
  let dir: string;
  let preload: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kpress-one-shot-'));
    preload = join(dir, 'note-pid.cjs');
    await writeFile(preload, "require('node:fs').appendFileSync(process.env.KPRESS_TEST_PIDS, process.pid + '\\n');\n");
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  async function nodeProcessesFor(input: string, name: string): Promise<number> {
    const pids = join(dir, `${name}.pids`);
    await writeFile(pids, '');
    await run(process.execPath, [CLI, 'compress', input, '-o', join(dir, `${name}.png`), '--k', '16'], {
      env: { ...process.env, LOG_LEVEL: 'warn', NODE_OPTIONS: `--require ${preload}`, KPRESS_TEST_PIDS: pids },
    });
    return (await readFile(pids, 'utf8')).trim().split('\n').length;
  }

  it('compresses a JPEG and a PNG in its own process: one Node process each', async () => {
    assert.equal(await nodeProcessesFor(join(SAMPLES, 'china.jpg'), 'china'), 1);
    assert.equal(await nodeProcessesFor(join(SAMPLES, 'bird_small.png'), 'bird'), 1);
  });

  it('hands an SVG to a child process: two Node processes, and the output is still right', async () => {
    const svg = join(dir, 'square.svg');
    await writeFile(
      svg,
      '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30" fill="#c03020"/></svg>',
    );
    assert.equal(await nodeProcessesFor(svg, 'square'), 2);
    const { data, info } = await sharp(join(dir, 'square.png')).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [40, 30]);
    assert.deepEqual([...data.subarray(0, 3)], [0xc0, 0x30, 0x20]);
  });
});
