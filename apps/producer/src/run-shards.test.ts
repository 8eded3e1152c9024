import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashedIndex } from './run-shards.js';

describe('hashedIndex: the shard of a run with none chosen', () => {
  it('is the same for the same run id, and within range', () => {
    for (const id of ['a', '20261202T051757Z-abcdef', 'nightly-20261202T000000Z-000001']) {
      assert.equal(hashedIndex(id, 3), hashedIndex(id, 3));
      assert.ok(hashedIndex(id, 3) >= 0 && hashedIndex(id, 3) < 3);
      assert.equal(hashedIndex(id, 1), 0);
    }
  });

  it('spreads run ids over every shard about evenly', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[hashedIndex(`run-${i}`, 3)]!++;
    for (const count of counts) assert.ok(count > 850 && count < 1150, `counts ${counts.join(', ')}`);
  });
});
