import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { mapPixelsCached } from './cached-mapping.js';
import { buildHistogram } from './colour-histogram.js';
import { COLOUR_TABLE_ENTRIES } from './morton.js';
import { createPixelMapper, pixelMapperOf } from './pixel-mapper.js';
import { createQuantizeWorkspace, createRandom } from './index.js';
import { photoLike } from './testing/photo-like.js';

/** The TypeScript loop: a colour table of plain memory is never the kernel's. */
const plainTable = (): Uint16Array => new Uint16Array(COLOUR_TABLE_ENTRIES);

void describe('the WebAssembly mapping kernel (pixel-mapper.ts) against the TypeScript loop', () => {
  const { data } = photoLike(250, 160, 5);
  const random = createRandom(8);
  for (const [space, entries] of [
    ['rgb', 16],
    ['rgb', 256],
    ['oklab', 64],
  ] as const) {
    test(`${space}, ${entries} entries with a shuffled rank: the same labels, usage, error, colours and progress`, () => {
      const palette = Uint8Array.from({ length: entries * 3 }, () => random.below(256));
      const centres = Float64Array.from(palette);
      const rank = Uint8Array.from({ length: entries }, (_, entry) => entry).sort(() => random.below(3) - 1);
      const progress = { plain: [] as number[], kernel: [] as number[] };
      const plain = mapPixelsCached(data, space, centres, palette, entries, {
        slots: plainTable(),
        rank,
        onMapped: (done) => progress.plain.push(done),
      });
      const mapper = createPixelMapper();
      assert.ok(mapper, 'WebAssembly is available in these tests');
      const kernel = mapPixelsCached(data, space, centres, palette, entries, {
        slots: mapper.slots,
        rank,
        onMapped: (done) => progress.kernel.push(done),
      });
      assert.deepEqual(kernel.labels, plain.labels);
      assert.deepEqual(kernel.usage, plain.usage);
      assert.equal(kernel.squaredError, plain.squaredError);
      assert.equal(kernel.uniqueColours, plain.uniqueColours);
      assert.deepEqual(progress.kernel, progress.plain);
    });
  }

  test('without a table given, the mapping makes a kernel of its own: the same result', () => {
    const palette = Uint8Array.from({ length: 32 * 3 }, () => random.below(256));
    const centres = Float64Array.from(palette);
    const plain = mapPixelsCached(data, 'rgb', centres, palette, 32, { slots: plainTable() });
    const own = mapPixelsCached(data, 'rgb', centres, palette, 32);
    assert.deepEqual(own.labels, plain.labels);
    assert.deepEqual(own.usage, plain.usage);
    assert.equal(own.squaredError, plain.squaredError);
  });

  test("a large image's workspace holds its colour table in a kernel's memory; a small image's has none", () => {
    const workspace = createQuantizeWorkspace(2048, 2048);
    assert.ok(workspace.colourTable);
    assert.equal(workspace.colourTable.length, COLOUR_TABLE_ENTRIES);
    assert.notEqual(pixelMapperOf(workspace.colourTable), null);
    assert.equal(pixelMapperOf(plainTable()), null);
    assert.equal(createQuantizeWorkspace(640, 480).colourTable, null);
  });

  test("counting a sample's colours: buildHistogram's colours, order, counts and pixel indices; the table left all zero", () => {
    const mapper = createPixelMapper()!;
    const counted = mapper.countColours(data);
    assert.ok(counted);
    const expected = buildHistogram(data, 3);
    assert.equal(counted.size, expected.size);
    assert.deepEqual(counted.red, expected.red);
    assert.deepEqual(counted.green, expected.green);
    assert.deepEqual(counted.blue, expected.blue);
    assert.deepEqual(counted.weights, expected.weights);
    assert.deepEqual(counted.pixelToUnique, expected.pixelToUnique);
    assert.ok(mapper.slots.every((slot) => slot === 0));
    // Counted again from a clean table: the same.
    assert.deepEqual(mapper.countColours(data)?.pixelToUnique, expected.pixelToUnique);
  });

  test('more than 2^20 colours: not counted (buildHistogram counts them), and the table left all zero', () => {
    const distinct = Uint8Array.from(
      { length: 1_100_000 * 3 },
      (_, i) => ((Math.floor(i / 3) * 2654435761) >>> (8 * (i % 3))) & 255,
    );
    assert.ok(buildHistogram(distinct, 3).size > 1 << 20);
    const mapper = createPixelMapper()!;
    assert.equal(mapper.countColours(distinct), null);
    assert.ok(mapper.slots.every((slot) => slot === 0));
    assert.ok(mapper.countColours(data), 'counts again after giving up');
  });

  test('a run longer than the kernel holds is refused', () => {
    const mapper = createPixelMapper()!;
    mapper.start(new Uint8Array(3), 1, new Uint8Array(1), () => 0);
    assert.throws(() => mapper.mapRun(new Uint8Array(9000 * 3), 0, 9000, new Uint8Array(9000), 0), /9000 pixels, more than 8192/);
  });

  test('where WebAssembly is missing (node --jitless), no kernel is made and the TypeScript loop maps', () => {
    const module = fileURLToPath(new URL('./index.js', import.meta.url));
    const script = `
      const core = await import(${JSON.stringify(module)});
      const workspace = core.createQuantizeWorkspace(2048, 2048);
      console.log(typeof WebAssembly, workspace.colourTable.constructor.name, workspace.colourTable.length);`;
    const child = spawnSync(process.execPath, ['--jitless', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), `undefined Uint16Array ${COLOUR_TABLE_ENTRIES}`);
  });
});
