import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { BadImageError, decodeImage } from '@kpress/codec';
import { compressImage } from '@kpress/compress';
import { resolveParams } from '@kpress/job-contract';
import sharp from 'sharp';
import { CORPUS_K, makeHostileCorpus, type HostileInput } from './support/hostile-corpus.js';
import { rgbPsnr } from './support/psnr.js';
import { SAMPLES } from './support/repo.js';
import { heicImage, jpeg2000Image } from './support/unsupported-images.js';

const MAX_PIXELS = 100_000_000;

/** Each corpus item straight through decodeImage and compressImage: fast, no services. */
describe('hostile inputs: decodeImage and compressImage', () => {
  let corpus: HostileInput[];
  const params = resolveParams({ k: CORPUS_K });
  before(async () => {
    corpus = (await makeHostileCorpus({ large: false })).filter(
      (item) => item.expect.outcome === 'output' || item.expect.stage === 'worker',
    );
  });

  it('refuses each bad input with its specific code, and decodes every other one as expected', async () => {
    for (const item of corpus) {
      const expect = item.expect;
      if (expect.outcome === 'failure') {
        await assert.rejects(decodeImage(item.body, { maxPixels: MAX_PIXELS }), (error: unknown) => {
          assert.ok(error instanceof BadImageError, `${item.name}: a BadImageError`);
          assert.equal(error.code, expect.code, `${item.name}: ${error.message}`);
          return true;
        });
        continue;
      }
      const decoded = await decodeImage(item.body, { maxPixels: MAX_PIXELS });
      assert.deepEqual([decoded.width, decoded.height], [expect.width, expect.height], `${item.name}: dimensions`);
      assert.equal(decoded.channels, expect.alpha ? 4 : 3, `${item.name}: alpha only when some pixel is not opaque`);
      assert.equal(decoded.data.length, decoded.width * decoded.height * decoded.channels, `${item.name}: 8-bit samples`);
      const compressed = await compressImage(item.body, params, { maxPixels: MAX_PIXELS });
      const entries = compressed.result.palette.length / 3;
      assert.ok(entries >= 1 && entries <= expect.maxColours, `${item.name}: ${entries} palette entries`);
      assert.equal(compressed.result.indices.length, expect.width * expect.height);
    }
  });

  it('reduces 16-bit PNGs to 8-bit sRGB with the same picture (not clipped, not cast)', async () => {
    const raw = await sharp(join(SAMPLES, 'flower.jpg')).resize(64, 48).raw().toBuffer();
    const image = (): sharp.Sharp => sharp(raw, { raw: { width: 64, height: 48, channels: 3 } });
    const eight = await decodeImage(await image().png().toBuffer(), { maxPixels: MAX_PIXELS });
    const sixteen = await decodeImage(await image().toColourspace('rgb16').png().toBuffer(), { maxPixels: MAX_PIXELS });
    assert.ok(rgbPsnr(eight.data, sixteen.data) > 45, `PSNR ${rgbPsnr(eight.data, sixteen.data)}`);
  });

  it('converts CMYK and Display P3 to sRGB close to the original colours', async () => {
    const raw = await sharp(join(SAMPLES, 'flower.jpg')).resize(64, 48).raw().toBuffer();
    const image = (): sharp.Sharp => sharp(raw, { raw: { width: 64, height: 48, channels: 3 } });
    const reference = await decodeImage(await image().png().toBuffer(), { maxPixels: MAX_PIXELS });
    const cmyk = await decodeImage(await image().toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer(), {
      maxPixels: MAX_PIXELS,
    });
    assert.ok(rgbPsnr(reference.data, cmyk.data) > 20, `CMYK PSNR ${rgbPsnr(reference.data, cmyk.data)}`);
    const p3 = await decodeImage(await image().withIccProfile('p3').png().toBuffer(), { maxPixels: MAX_PIXELS });
    assert.ok(rgbPsnr(reference.data, p3.data) > 30, `P3 PSNR ${rgbPsnr(reference.data, p3.data)}`);
  });

  it('compresses a 1×1 image to an exact one-colour, 1-bit indexed PNG', async () => {
    const one = corpus.find((item) => item.expect.outcome === 'output' && item.expect.width === 1)!;
    const compressed = await compressImage(one.body, params, { maxPixels: MAX_PIXELS });
    assert.deepEqual([...compressed.result.palette], [0xc0, 0x30, 0x70]);
    assert.deepEqual([...compressed.result.indices], [0]);
    assert.equal(compressed.output.bitDepth, 1);
    assert.equal(compressed.result.stats.psnr, Infinity);
    const back = await sharp(compressed.output.bytes).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([back.info.width, back.info.height], [1, 1]);
    assert.deepEqual([...back.data.subarray(0, 3)], [0xc0, 0x30, 0x70]);
  });

  it('takes the first frame of an animation, never the whole strip', async () => {
    for (const item of corpus.filter((i) => i.key.startsWith('anim/'))) {
      const decoded = await decodeImage(item.body, { maxPixels: MAX_PIXELS });
      assert.deepEqual([decoded.width, decoded.height], [48, 32], item.name);
      // Frame 0 is red-dominant; frames 1 and 2 are green and blue.
      assert.ok(decoded.data[0]! > 200 && decoded.data[1]! < 80 && decoded.data[2]! < 80, `${item.name}: first frame`);
    }
  });
});

describe('hostile inputs: data-starved and undecodable formats', () => {
  it('fails a JPEG whose data stops after 2 kB as corrupt-image, fast, though its header claims 4000×3000', async () => {
    const whole = await sharp(join(SAMPLES, 'flower.jpg')).resize(4000, 3000, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();
    // The first 2,119 bytes, closed by an EOI marker: libjpeg reports "premature end of data
    // segment" as a warning only and fills the missing 12 MP with grey (a file simply cut short
    // already fails under failOn 'error').
    const starved = Buffer.concat([whole.subarray(0, 2119), Buffer.from([0xff, 0xd9])]);
    assert.equal(starved.length, 2121);
    assert.deepEqual([(await sharp(starved).metadata()).width, (await sharp(starved).metadata()).height], [4000, 3000]);
    const started = performance.now();
    await assert.rejects(compressImage(starved, resolveParams({ k: CORPUS_K }), { maxPixels: MAX_PIXELS }), (error: unknown) => {
      assert.ok(error instanceof BadImageError);
      assert.equal(error.code, 'corrupt-image');
      assert.match(error.message, /truncated: .*premature end of data segment/);
      return true;
    });
    const ms = performance.now() - started;
    assert.ok(ms < 3_000, `refused in ${Math.round(ms)} ms, before any quantization`);
  });

  it('fails a JPEG or PNG cut inside its header as corrupt-image (it is an image, damaged), and foreign bytes as not-an-image', async () => {
    // The sample files as they are (china.jpg's header runs past its first 3,000 bytes).
    const china = readFileSync(join(SAMPLES, 'china.jpg'));
    const png = readFileSync(join(SAMPLES, 'bird_small.png'));
    for (const [cut, format] of [
      [china.subarray(0, 3000), /JPEG header is corrupt or truncated/],
      [png.subarray(0, 40), /PNG header is corrupt or truncated/],
    ] as const) {
      await assert.rejects(decodeImage(cut, { maxPixels: MAX_PIXELS }), (error: unknown) => {
        assert.ok(error instanceof BadImageError);
        assert.equal(error.code, 'corrupt-image');
        assert.match(error.message, format);
        return true;
      });
    }
    await assert.rejects(
      decodeImage(Buffer.from('just some text, named .jpg'), { maxPixels: MAX_PIXELS }),
      /not an image format/,
    );
  });

  for (const [name, body, format] of [
    ['HEIC (no HEVC decoder in this build)', heicImage(64, 48), /HEIC/],
    ['JPEG 2000 (no decoder in this build)', jpeg2000Image(64, 48), /JPEG 2000/],
  ] as const) {
    it(`fails ${name} as unsupported-format, with a one-line reason naming the format`, async () => {
      await assert.rejects(decodeImage(body, { maxPixels: MAX_PIXELS }), (error: unknown) => {
        assert.ok(error instanceof BadImageError);
        assert.equal(error.code, 'unsupported-format', error.message);
        assert.match(error.message, format);
        assert.doesNotMatch(error.message, /\n/, 'one line');
        assert.ok(error.message.length < 200, error.message);
        return true;
      });
    });
  }
});
