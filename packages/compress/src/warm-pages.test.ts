import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { warmPages } from './warm-pages.js';

void describe('warmPages', () => {
  test('touches every 4-KB page of every buffer, between event-loop turns, and leaves them zero', async () => {
    const bytes = new Uint8Array(10 * 4096 + 1); // 11 pages
    const table = new Uint16Array(300_000); // 600,000 bytes: 147 pages
    const view = new Uint8Array(new ArrayBuffer(8192 * 3), 4096, 8192); // 2 pages of a larger buffer
    const warmer = warmPages([bytes, table, view]);
    assert.equal(warmer.pagesTouched, 0, 'nothing is touched before the event loop turns');
    await warmer.finished;
    assert.equal(warmer.pagesTouched, 11 + 147 + 2);
    assert.ok(bytes.every((byte) => byte === 0));
    assert.ok(table.every((slot) => slot === 0));
    assert.ok(new Uint8Array(view.buffer).every((byte) => byte === 0));
  });

  test('stopped before its first slice, it touches nothing and still finishes', async () => {
    const warmer = warmPages([new Uint8Array(1 << 20)]);
    warmer.stop();
    await warmer.finished;
    assert.equal(warmer.pagesTouched, 0);
  });

  test('gives the event loop back between slices: a timer set meanwhile runs before it has touched 512 MB', async () => {
    const big = new Uint8Array(512 * 2 ** 20);
    const warmer = warmPages([big]);
    await new Promise((resolve) => setTimeout(resolve, 1));
    const touched = warmer.pagesTouched;
    warmer.stop();
    await warmer.finished;
    assert.ok(touched < big.length / 4096, `${touched} pages touched before a 1-ms timer ran`);
  });
});
