import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PARAMS } from '@kpress/job-contract';
import { candidateFor, type CandidateRules } from './enqueue-candidates.js';
import type { SourceObject } from './source-objects.js';

const rules: CandidateRules = {
  runId: 'run-1',
  destination: { bucket: 'dst', key: 'out/' },
  params: DEFAULT_PARAMS,
  maxInputBytes: 1000,
  allowedBuckets: null,
};

function object(key: string, overrides: Partial<SourceObject> = {}): SourceObject {
  return {
    bucket: 'src',
    key,
    etag: 'e1',
    size: 10,
    relativeKey: key.replace(/^in\//, ''),
    exists: true,
    position: key,
    ...overrides,
  };
}

describe('candidateFor: what enqueue decides for one object, with no I/O', () => {
  it('turns an image into a job with its output key and a content hash', () => {
    const c = candidateFor(object('in/a/cat.jpg'), rules, 0);
    assert.equal(c.kind, 'job');
    if (c.kind !== 'job') return;
    assert.deepEqual(c.job.output, { bucket: 'dst', key: 'out/a/cat.png' });
    assert.match(c.hash, /^[0-9a-f]{32}$/);
    const changed = candidateFor(object('in/a/cat.jpg', { etag: 'e2' }), rules, 0);
    assert.ok(changed.kind === 'job' && changed.hash !== c.hash, 'a new ETag is a new hash');
  });

  it('counts other objects as not images', () => {
    assert.equal(candidateFor(object('in/notes.txt'), rules, 0).kind, 'not-image');
  });

  it('fails, before any job, keys that leave the destination, buckets not allowed, objects too large', () => {
    const failed = (o: SourceObject, r: CandidateRules = rules): string | null => {
      const c = candidateFor(o, r, 0);
      return c.kind === 'failed' ? c.failure.code : null;
    };
    assert.equal(failed(object('in/../etc/x.jpg', { relativeKey: '../etc/x.jpg' })), 'unsafe-key');
    assert.equal(failed(object('in/_kpress/runs/x.png', { relativeKey: '_kpress/runs/x.png' })), 'unsafe-key');
    assert.equal(failed(object('in/a.jpg'), { ...rules, allowedBuckets: new Set(['dst']) }), 'bucket-not-allowed');
    assert.equal(failed(object('in/big.jpg', { size: 1001 })), 'too-large');
  });

  it('fails a manifest entry whose output would replace it, or that lies inside the destination (unsafe-output)', () => {
    const sameBucket: CandidateRules = { ...rules, destination: { bucket: 'src', key: '' } };
    const self = candidateFor(object('cat.png', { relativeKey: 'cat.png' }), sameBucket, 0);
    assert.equal(self.kind === 'failed' && self.failure.code, 'unsafe-output');
    const inside = candidateFor(object('out/old.png', { bucket: 'dst', relativeKey: 'out/old.png' }), rules, 0);
    assert.equal(inside.kind === 'failed' && inside.failure.code, 'unsafe-output');
  });
});
