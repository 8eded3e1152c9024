import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { readPngChunks, readPngHeader } from './support/png-chunks.js';
import { rgbPsnr } from './support/psnr.js';
import { CLI, SAMPLES } from './support/repo.js';

const run = promisify(execFile);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function kpress(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
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

describe('kpress compress', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kpress-compress-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a 16-colour indexed PNG of bit depth ≤ 4 whose PSNR matches an independent computation', async () => {
    const output = join(dir, 'b16.png');
    const result = await kpress(['compress', join(SAMPLES, 'bird_small.png'), '-o', output, '--k', '16', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const metadata = JSON.parse(result.stdout) as {
      quality: { psnr: number };
      palette: number[][];
      output: { bitDepth: number; bytes: number };
    };
    const png = await readFile(output);
    const header = readPngHeader(png);
    assert.equal(header.colourType, 3);
    assert.ok(header.bitDepth <= 4, `bit depth ${header.bitDepth}`);
    const plte = readPngChunks(png).find((c) => c.type === 'PLTE');
    assert.ok(plte);
    assert.ok(plte.data.length / 3 <= 16, `${plte.data.length / 3} palette entries`);
    assert.deepEqual(metadata.palette, chunkRgb(plte.data));
    assert.equal(metadata.output.bitDepth, header.bitDepth);
    assert.equal(metadata.output.bytes, png.length);

    const source = await sharp(join(SAMPLES, 'bird_small.png')).removeAlpha().raw().toBuffer();
    const decoded = await sharp(png).removeAlpha().raw().toBuffer();
    assert.ok(Math.abs(rgbPsnr(source, decoded) - metadata.quality.psnr) < 0.01);
  });

  it('is deterministic: two runs give byte-identical files', async () => {
    const [a, b] = [join(dir, 'a.png'), join(dir, 'b.png')];
    for (const out of [a, b])
      assert.equal((await kpress(['compress', join(SAMPLES, 'flower.jpg'), '-o', out, '--k', '64'])).code, 0);
    assert.deepEqual(await readFile(a), await readFile(b));
  });

  it('writes lossless WebP with --format webp', async () => {
    const output = join(dir, 'c.webp');
    const result = await kpress([
      'compress',
      join(SAMPLES, 'china.jpg'),
      '-o',
      output,
      '--k',
      '32',
      '--format',
      'webp',
      '--json',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const info = await sharp(output).metadata();
    assert.equal(info.format, 'webp');
    const pixels = await sharp(output).removeAlpha().raw().toBuffer();
    const colours = new Set<number>();
    for (let i = 0; i < pixels.length; i += 3) colours.add((pixels[i]! << 16) | (pixels[i + 1]! << 8) | pixels[i + 2]!);
    assert.ok(colours.size <= 32, `${colours.size} colours`);
  });

  it('exits 2 naming the flag for an invalid parameter', async () => {
    const result = await kpress(['compress', join(SAMPLES, 'bird_small.png'), '-o', join(dir, 'x.png'), '--k', '300']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--k must be an integer between 2 and 256, received 300/);
  });

  it('accepts only plain decimal integers for integer flags, naming the flag, its range and the value', async () => {
    const cases: [string, string, RegExp][] = [
      ['--k', '0x10', /^kpress compress: --k must be an integer between 2 and 256, received "0x10"\n$/],
      ['--k', '1e1', /^kpress compress: --k must be an integer between 2 and 256, received "1e1"\n$/],
      ['--k', ' 16', /^kpress compress: --k must be an integer between 2 and 256, received " 16"\n$/],
      ['--seed', '1.0', /^kpress compress: --seed must be an integer between 0 and 4294967295, received "1.0"\n$/],
      [
        '--batch-size',
        '0b1000000',
        /^kpress compress: --batch-size must be an integer between 16 and 1048576, received "0b1000000"\n$/,
      ],
    ];
    for (const [flag, value, expected] of cases) {
      const result = await kpress(['compress', join(SAMPLES, 'bird_small.png'), '-o', join(dir, 'i.png'), flag, value]);
      assert.equal(result.code, 2, `${flag} ${value}: ${result.stderr}`);
      assert.match(result.stderr, expected);
    }
  });

  it('says a directory given as input is a directory', async () => {
    const result = await kpress(['compress', dir, '-o', join(dir, 'd.png')]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `kpress compress: cannot read input ${dir}: is a directory\n`);
  });

  it('says the directory of the output does not exist, naming OUT', async () => {
    const missing = join(dir, 'no-such-dir');
    const output = join(missing, 'x.png');
    const result = await kpress(['compress', join(SAMPLES, 'bird_small.png'), '-o', output]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `kpress compress: cannot write ${output}: directory ${missing} does not exist\n`);
  });

  it('says an empty local file is an empty file, not an empty object', async () => {
    const empty = join(dir, 'empty.png');
    await writeFile(empty, Buffer.alloc(0));
    const result = await kpress(['compress', empty, '-o', join(dir, 'e.png')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /the file is empty/);
    assert.doesNotMatch(result.stderr, /object/);
  });

  it('names the image and the reason when it cannot be decoded (a truncated JPEG), and writes nothing', async () => {
    const truncated = join(dir, 'truncated.jpg');
    await writeFile(truncated, (await readFile(join(SAMPLES, 'china.jpg'))).subarray(0, 60_000));
    const output = join(dir, 'truncated.png');
    const result = await kpress(['compress', truncated, '-o', output]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^kpress compress: \S+truncated\.jpg: corrupt-image: the image data is corrupt or truncated/);
    await assert.rejects(readFile(output), /ENOENT/);
  });

  it('exits 2 naming the variable for a bad environment value', async () => {
    const result = await kpress(['compress', join(SAMPLES, 'bird_small.png'), '-o', join(dir, 'y.png')], {
      KPRESS_MAX_PIXELS: 'lots',
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /KPRESS_MAX_PIXELS/);
  });

  it('exits 1 with the reason for a file that is not an image', async () => {
    const result = await kpress(['compress', join(SAMPLES, 'ex7data2.csv'), '-o', join(dir, 'z.png')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /not an image/);
  });

  it('refuses an image over KPRESS_MAX_PIXELS before decoding', async () => {
    const result = await kpress(['compress', join(SAMPLES, 'china.jpg'), '-o', join(dir, 'w.png')], {
      KPRESS_MAX_PIXELS: '1000',
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /640×427 = 273280 pixels, more than the limit of 1000/);
  });
});

function chunkRgb(data: Buffer): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < data.length; i += 3) out.push([data[i]!, data[i + 1]!, data[i + 2]!]);
  return out;
}
