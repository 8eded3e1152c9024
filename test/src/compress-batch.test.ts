import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { readPngHeader } from './support/png-chunks.js';
import { rgbPsnr } from './support/psnr.js';
import { CLI, SAMPLES } from './support/repo.js';

const run = promisify(execFile);

async function kpress(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function filesBelow(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

interface Summary {
  images: number;
  compressed: number;
  keptOriginal: number;
  failed: number;
  bytesIn: number;
  bytesOut: number;
  meanPsnr: number | null;
  processes: number;
  processesUsed: number;
  keptOriginalFiles: string[];
  failures: { input: string; code: string; reason: string }[];
}

describe('kpress compress on folders (local batch)', () => {
  let dir: string;
  let tree: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kpress-batch-'));
    tree = join(dir, 'photos');
    await mkdir(join(tree, '2024', 'summer'), { recursive: true });
    await mkdir(join(tree, 'scans'), { recursive: true });
    await copyFile(join(SAMPLES, 'china.jpg'), join(tree, 'china.jpg'));
    await copyFile(join(SAMPLES, 'flower.jpg'), join(tree, '2024', 'summer', 'flower.jpg'));
    await copyFile(join(SAMPLES, 'bird_small.png'), join(tree, 'scans', 'bird.png'));
    await writeFile(join(tree, 'scans', 'notes.txt'), 'not an image\n');
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("logs each image once, as JSON with one pid (the command's) and the compress process's apart", async () => {
    const out = join(dir, 'out-logged');
    const result = await kpress(['compress', tree, '-o', out, '--k', '8', '--concurrency', '2'], { LOG_LEVEL: 'info' });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stderr
      .split('\n')
      .filter((line) => line.includes('"msg":"compressed"'))
      .map((line) => ({ line, fields: JSON.parse(line) as { pid: number; compressPid: number; input: string } }));
    assert.equal(lines.length, 3, result.stderr);
    for (const { line, fields } of lines) {
      assert.equal(line.match(/"pid"/g)?.length, 1, `pid logged once: ${line}`);
      assert.ok(Number.isInteger(fields.compressPid) && fields.compressPid !== fields.pid, line);
    }
    assert.equal(new Set(lines.map(({ fields }) => fields.pid)).size, 1, 'every line names the command, not a compress process');
  });

  it('mirrors the tree in OUTDIR, on more than one process, and prints a summary', async () => {
    const out = join(dir, 'out');
    const result = await kpress(['compress', tree, '-o', out, '--k', '32', '--concurrency', '2', '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await filesBelow(out), ['2024/summer/flower.png', 'china.png', 'scans/bird.png']);
    const summary = JSON.parse(result.stdout) as Summary;
    assert.equal(summary.images, 3);
    assert.equal(summary.compressed, 3);
    assert.equal(summary.failed, 0);
    assert.equal(summary.processes, 2);
    assert.equal(summary.processesUsed, 2, 'the images were spread over both compress processes');
    assert.ok(summary.bytesOut > 0 && summary.bytesOut < summary.bytesIn);
    const flower = await sharp(await readFile(join(out, '2024/summer/flower.png')))
      .raw()
      .toBuffer();
    const source = await sharp(join(SAMPLES, 'flower.jpg')).raw().toBuffer();
    assert.ok(rgbPsnr(source, flower) > 20);
  });

  it('with --target-psnr and --skip-if-larger: each image reaches the target, a source not beaten is kept, a miss fails (exit 1)', async () => {
    const mixed = join(dir, 'mixed');
    await mkdir(mixed);
    // A tiny noisy JPEG: no PNG of it is smaller.
    const noise = Buffer.alloc(64 * 48 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    await writeFile(
      join(mixed, 'noise.jpg'),
      await sharp(noise, { raw: { width: 64, height: 48, channels: 3 } })
        .jpeg({ quality: 20 })
        .toBuffer(),
    );
    await copyFile(join(SAMPLES, 'flower.jpg'), join(mixed, 'flower.jpg'));
    const out = join(dir, 'mixed-out');
    const result = await kpress(['compress', mixed, '-o', out, '--target-psnr', '33', '--skip-if-larger', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as Summary;
    assert.deepEqual(summary.keptOriginalFiles, [join(mixed, 'noise.jpg')]);
    assert.deepEqual(await filesBelow(out), ['flower.png']);
    assert.ok(summary.meanPsnr !== null && summary.meanPsnr >= 33);

    const strict = await kpress(['compress', mixed, '-o', join(dir, 'strict-out'), '--k', '4', '--target-psnr', '40', '--json']);
    assert.equal(strict.code, 1, 'an image failed');
    const failed = JSON.parse(strict.stdout) as Summary;
    assert.equal(failed.failed, 2);
    assert.deepEqual(
      failed.failures.map((f) => f.code),
      ['quality-too-low', 'quality-too-low'],
    );
    assert.deepEqual(await filesBelow(join(dir, 'strict-out')), [], 'nothing written');
  });

  it('reads standard input and writes standard output for one image with "-"', async () => {
    const child = spawn(process.execPath, [CLI, 'compress', '-', '-o', '-', '--k', '8'], {
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stdin.end(await readFile(join(SAMPLES, 'bird_small.png')));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0);
    const png = Buffer.concat(chunks);
    const meta = await sharp(png).metadata();
    assert.equal(meta.format, 'png');
    assert.equal(meta.width, 128);
    assert.equal(readPngHeader(png).colourType, 3, 'an indexed PNG');
  });

  it('refuses "-" in a batch and two inputs that would write one output, before any work', async () => {
    const dash = await kpress(['compress', '-', tree, '-o', join(dir, 'x')]);
    assert.equal(dash.code, 2);
    assert.match(dash.stderr, /"-" \(standard input or output\) takes exactly one image/);
    const twin = join(dir, 'twin');
    await mkdir(twin);
    await copyFile(join(SAMPLES, 'bird_small.png'), join(twin, 'a.png'));
    await copyFile(join(SAMPLES, 'flower.jpg'), join(twin, 'a.jpg'));
    const result = await kpress(['compress', twin, '-o', join(dir, 'twin-out')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /a\.jpg and .*a\.png would both be written to .*a\.png/);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} in the middle (found by hand with Ctrl-C: a compress process died with an EPIPE trace): exit 128 + its number, the rest said, every output complete`, async () => {
      const many = join(dir, `many-${signal}`);
      const out = join(dir, `many-${signal}-out`);
      await mkdir(many);
      for (let i = 0; i < 16; i++) await copyFile(join(SAMPLES, 'china.jpg'), join(many, `c${String(i).padStart(2, '0')}.jpg`));
      const child = spawn(process.execPath, [CLI, 'compress', many, '-o', out, '--k', '256', '--concurrency', '2', '--json'], {
        env: { ...process.env, LOG_LEVEL: 'info' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      let signalled = false;
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // Once, to the command alone, as a supervisor would: a second signal ends it at once, by design.
        if (!signalled && stderr.includes('"msg":"compressed"')) signalled = child.kill(signal);
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, signal === 'SIGINT' ? 130 : 143, stderr);
      assert.doesNotMatch(stderr, /EPIPE|Unhandled|\n\s+at /, 'no stack trace from the command or its compress processes');
      const summary = JSON.parse(stdout) as Summary & { interrupted: number };
      assert.equal(summary.images, 16);
      assert.equal(summary.failed, 0, 'images stopped by the interruption are not failures');
      assert.ok(summary.compressed >= 1 && summary.interrupted >= 1, stdout);
      assert.equal(summary.compressed + summary.interrupted, 16);
      const written = await filesBelow(out);
      assert.equal(written.length, summary.compressed, `only complete outputs, no temporary file: ${written.join(', ')}`);
      for (const file of written) {
        assert.match(file, /^c\d\d\.png$/);
        const meta = await sharp(await readFile(join(out, file))).metadata();
        assert.equal(meta.width, 640, `${file} decodes whole`);
      }
      const compressPids = [...stderr.matchAll(/"compressPid":(\d+)/g)].map((match) => Number(match[1]));
      assert.ok(compressPids.length > 0);
      for (const pid of new Set(compressPids)) {
        assert.throws(() => process.kill(pid, 0), /ESRCH/, `compress process ${pid} is gone`);
      }
    });
  }

  it('a folder compressed into itself (found by hand: "no images found"): exit 2 saying why, nothing written', async () => {
    const same = join(dir, 'same');
    await mkdir(same);
    await copyFile(join(SAMPLES, 'flower.jpg'), join(same, 'photo.jpg'));
    await copyFile(join(SAMPLES, 'bird_small.png'), join(same, 'photo.png'));
    const before = await filesBelow(same);
    const bird = await readFile(join(same, 'photo.png'));
    const result = await kpress(['compress', same, '-o', `${same}/`]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /--output .*same\/ is the input folder .*same itself: the outputs would land beside the originals/,
    );
    assert.deepEqual(await filesBelow(same), before);
    assert.deepEqual(await readFile(join(same, 'photo.png')), bird, 'the original PNG is untouched');
  });

  it('-o NAME.jpg for one image (found by hand: it made a folder named NAME.jpg): exit 2, nothing created', async () => {
    const named = join(dir, 'china-small.jpg');
    const result = await kpress(['compress', join(tree, 'china.jpg'), '-o', named]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /--output .*china-small\.jpg ends in \.jpg, like an image file: one image is written to a \.png path/,
    );
    // Two inputs into a name ending in .png: a batch, refused the same way.
    const two = await kpress(['compress', join(tree, 'china.jpg'), join(tree, 'scans'), '-o', join(dir, 'both.png')]);
    assert.equal(two.code, 2, two.stderr);
    assert.match(two.stderr, /both\.png ends in \.png, like an image file: .* several into a folder/);
    await assert.rejects(stat(named), /ENOENT/);
    // -o naming the input itself (found by hand: the message spoke only of batches): exit 2, the input untouched.
    const input = join(tree, 'china.jpg');
    const original = await readFile(input);
    const itself = await kpress(['compress', input, '-o', input]);
    assert.equal(itself.code, 2, itself.stderr);
    assert.match(
      itself.stderr,
      /china\.jpg is a file: one image is written to a \.png path \(or \.webp with --format webp\), several into a folder/,
    );
    assert.deepEqual(await readFile(input), original);
    // A folder that already exists under such a name is still a batch's OUTDIR.
    const folder = join(dir, 'odd.jpg');
    await mkdir(folder);
    const batch = await kpress(['compress', join(tree, 'china.jpg'), '-o', folder]);
    assert.equal(batch.code, 0, batch.stderr);
    assert.ok((await stat(join(folder, 'china.png'))).isFile());
  });
});
