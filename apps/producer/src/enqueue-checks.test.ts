import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PARAMS, failureIdentity } from '@kpress/job-contract';
import { type Candidate, candidateFor, type CandidateRules } from './enqueue-candidates.js';
import { applyCollisions, claimOutputs, type Decision, firstDecisions } from './enqueue-checks.js';
import type { SourceObject } from './source-objects.js';

const destination = { bucket: 'dst', key: 'out/' };
const rules: CandidateRules = { runId: 'run-1', destination, params: DEFAULT_PARAMS, maxInputBytes: 1000, allowedBuckets: null };

/** Each candidate gets the next ordinal, as a listing numbers its objects. */
let nextOrdinal = 0;

function candidate(key: string, overrides: Partial<SourceObject> = {}): Candidate {
  const object = { bucket: 'src', key, etag: 'e1', size: 10, relativeKey: key, exists: true, position: key, ...overrides };
  return candidateFor(object, rules, nextOrdinal++);
}

const kinds = (decisions: readonly (Decision | null)[]): (string | null)[] => decisions.map((d) => d?.kind ?? null);

describe("enqueue's decisions for a batch, step by step", () => {
  const batch = [candidate('a.jpg'), candidate('notes.txt'), candidate('big.jpg', { size: 5000 }), candidate('b.png')];

  it('first: a repeated source is a duplicate whatever it is; then not-image and known failures; jobs stay open', () => {
    assert.deepEqual(kinds(firstDecisions(batch, [true, true, true, true])), [null, 'not-image', 'fail', null]);
    assert.deepEqual(kinds(firstDecisions(batch, [false, false, false, true])), ['duplicate', 'duplicate', 'duplicate', null]);
    const failed = firstDecisions(batch, [true, true, true, true])[2];
    assert.ok(failed?.kind === 'fail');
    assert.equal(failed.failure.code, 'too-large');
    assert.ok(failed.memory !== null, 'a too-large object is remembered by its identity and hash');
  });

  it('an output owned by another source fails the open job as output-collision, remembered; decided ones keep their decision', () => {
    const decisions = firstDecisions(batch, [true, true, true, true]);
    applyCollisions(
      batch,
      decisions,
      new Map([
        [0, 's3://src/a.png'],
        [2, 's3://src/other.jpg'],
      ]),
    );
    assert.deepEqual(kinds(decisions), ['fail', 'not-image', 'fail', null]);
    const [collision, job] = [decisions[0], batch[0]];
    assert.ok(collision?.kind === 'fail' && job?.kind === 'job');
    assert.equal(collision.failure.code, 'output-collision');
    assert.match(collision.failure.reason, /s3:\/\/dst\/out\/a\.png belongs to s3:\/\/src\/a\.png; not overwritten/);
    assert.deepEqual(collision.memory, { identity: failureIdentity(job.job), hash: job.hash });
    assert.ok(decisions[2]?.kind === 'fail' && decisions[2].failure.code === 'too-large', 'the earlier failure stands');
  });

  it('claims only the open jobs: queued when claimed, a duplicate when the run has the source, a collision when another owns it', async () => {
    const sameOutput = [candidate('a.jpg'), candidate('b.png'), candidate('c.jpg'), candidate('notes.txt')];
    const decisions = firstDecisions(sameOutput, [true, true, true, true]);
    const asked: string[] = [];
    await claimOutputs(
      sameOutput,
      decisions,
      (entries) => {
        asked.push(...entries.map((e) => e.source));
        return Promise.resolve([{ kind: 'claimed' }, { kind: 'duplicate' }, { kind: 'collision', owner: 's3://src/c.png' }]);
      },
      destination,
    );
    assert.deepEqual(asked, ['s3://src/a.jpg', 's3://src/b.png', 's3://src/c.jpg'], 'the not-image is not claimed');
    assert.deepEqual(kinds(decisions), ['queue', 'duplicate', 'fail', 'not-image']);
    const collision = decisions[2];
    assert.ok(collision?.kind === 'fail');
    assert.equal(collision.failure.code, 'output-collision');
  });
});
