import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseS3Url } from './s3-url.js';
import { overlapReason } from './source-destination.js';

const overlap = (source: string, destination: string): string | null =>
  overlapReason(parseS3Url(source, 'source'), parseS3Url(destination, 'destination'));

describe('overlapReason', () => {
  it('refuses a destination equal to the source, with or without the trailing slash', () => {
    assert.match(overlap('s3://bkt/photos/', 's3://bkt/photos/') ?? '', /is the source/);
    assert.match(overlap('s3://bkt/photos/', 's3://bkt/photos') ?? '', /is the source/);
  });

  it('refuses a destination inside the source, also one a bare prefix lists (photos → photos-small/)', () => {
    assert.match(overlap('s3://bkt/photos/', 's3://bkt/photos/small/') ?? '', /inside the source/);
    assert.match(overlap('s3://bkt/photos', 's3://bkt/photos-small/') ?? '', /inside the source/);
    assert.match(overlap('s3://bkt/', 's3://bkt/out/') ?? '', /inside the source/);
  });

  it('refuses a source inside the destination', () => {
    assert.match(overlap('s3://bkt/out/in/', 's3://bkt/out/') ?? '', /source is inside the destination/);
    assert.match(overlap('s3://bkt/x/', 's3://bkt/') ?? '', /source is inside the destination/);
  });

  it('accepts disjoint prefixes and other buckets', () => {
    assert.equal(overlap('s3://bkt/photos/', 's3://bkt/small/'), null);
    assert.equal(overlap('s3://bkt/inplace/', 's3://bkt/in/'), null);
    assert.equal(overlap('s3://bkt/photos/', 's3://cbk/photos/'), null);
  });
});
