import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSortedClaims, ListingOrderError } from './sorted-claims.js';

const entry = (source: string, output: string) => ({ source: `s3://in/${source}`, output });

describe('sorted claims: output collisions of a prefix listing, from memory', () => {
  it('finds two sources with the same output however many keys lie between them', () => {
    const claims = createSortedClaims();
    const result = claims.claim([
      entry('a/cat.gif', 'out/a/cat.png'),
      entry('a/cat.gif.png', 'out/a/cat.gif.png'), // between them in key order, another output
      entry('a/cat.jpg', 'out/a/cat.png'),
    ]);
    assert.deepEqual(result, [{ kind: 'claimed' }, { kind: 'claimed' }, { kind: 'collision', owner: 's3://in/a/cat.gif' }]);
  });

  it('keeps only the claims a later key could still collide with', () => {
    const claims = createSortedClaims();
    claims.claim([entry('a/cat.jpg', 'out/a/cat.png'), entry('a/cow.jpg', 'out/a/cow.png'), entry('b/dog.jpg', 'out/b/dog.png')]);
    assert.deepEqual(claims.open(), [{ output: 'out/b/dog.png', source: 's3://in/b/dog.jpg' }]);
  });

  it('carries the open claims over to a resumed listing', () => {
    const first = createSortedClaims();
    first.claim([entry('a/cat.gif', 'out/a/cat.png')]);
    const resumed = createSortedClaims(first.open());
    assert.deepEqual(resumed.claim([entry('a/cat.jpg', 'out/a/cat.png')]), [{ kind: 'collision', owner: 's3://in/a/cat.gif' }]);
  });

  it('refuses a listing out of key order, naming both keys', () => {
    const claims = createSortedClaims();
    claims.claim([entry('b.jpg', 'out/b.png')]);
    assert.throws(() => claims.claim([entry('a.jpg', 'out/a.png')]), ListingOrderError);
  });

  it('holds a handful of claims over a million keys', () => {
    const claims = createSortedClaims();
    for (let i = 0; i < 1_000_000; i += 1000) {
      const batch = Array.from({ length: 1000 }, (_, j) => {
        const name = `${String(i + j).padStart(7, '0')}`;
        return entry(`x/${name}.jpg`, `out/x/${name}.png`);
      });
      claims.claim(batch);
    }
    assert.equal(claims.open().length, 1);
  });
});
