import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { scanlineBytes } from '@kpress/codec';
import { DecodeTimeMemory } from './decode-time-memory.js';

const pagesOf = (bytes: number): number => Math.ceil(bytes / 4096);

void describe('DecodeTimeMemory', () => {
  test('a small PNG: indices and scanlines made at the header and touched; no colour table; the workspace is taken once', async () => {
    const memory = new DecodeTimeMemory('png', true);
    memory.start({ width: 300, height: 200 });
    assert.equal(await memory.pagesWarmed(), pagesOf(60_000) + pagesOf(scanlineBytes(300, 200)));
    assert.equal(memory.encodeMemory().scanlines?.length, scanlineBytes(300, 200));
    assert.equal(memory.takeWorkspace(59_999), undefined, 'a workspace for another size is not handed out');
    const fresh = new DecodeTimeMemory('png', true);
    fresh.start({ width: 300, height: 200 });
    const workspace = fresh.takeWorkspace(60_000);
    assert.equal(workspace?.indices.length, 60_000);
    assert.equal(workspace?.colourTable, null);
    assert.equal(
      fresh.takeWorkspace(60_000),
      undefined,
      'taken once: a second quantize must not write over the first one’s indices',
    );
    fresh.stop();
  });

  test('a 4-Mpx image: the colour table is touched only with a spare core', async () => {
    const withSpareCore = new DecodeTimeMemory('png', true);
    withSpareCore.start({ width: 2048, height: 2048 });
    const busy = new DecodeTimeMemory('png', false);
    busy.start({ width: 2048, height: 2048 });
    const common = pagesOf(2048 * 2048) + pagesOf(scanlineBytes(2048, 2048));
    assert.equal(await withSpareCore.pagesWarmed(), common + pagesOf(2 ** 24 * 2));
    assert.equal(await busy.pagesWarmed(), common);
    assert.equal(busy.takeWorkspace(2048 * 2048)?.colourTable?.length, 2 ** 24, 'the table is still handed to the quantizer');
  });

  test('WebP output: no scanline memory; stopped at once, nothing is touched', async () => {
    const memory = new DecodeTimeMemory('webp', true);
    memory.start({ width: 100, height: 100 });
    memory.stop();
    assert.equal(memory.encodeMemory().scanlines, undefined);
    assert.equal(await memory.pagesWarmed(), 0);
    assert.equal(await new DecodeTimeMemory('png', true).pagesWarmed(), 0, 'never started');
  });
});
