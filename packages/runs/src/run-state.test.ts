import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LISTING_STALE_MS, runStateOf } from './run-state.js';

const now = 1_000_000_000;

describe('runStateOf', () => {
  it('a fresh heartbeat while listing is "listing"; a stale one is "failed", saying the producer stopped', () => {
    assert.deepEqual(runStateOf({ heartbeatAt: String(now - 1_000) }, now), { state: 'listing', reason: null });
    const stale = runStateOf({ heartbeatAt: String(now - LISTING_STALE_MS - 1) }, now);
    assert.equal(stale.state, 'failed');
    assert.match(stale.reason ?? '', /producer stopped while listing/);
  });

  it('listing done is "running", finalized is "done"', () => {
    assert.equal(runStateOf({ listingDone: '1' }, now).state, 'running');
    assert.equal(runStateOf({ listingDone: '1', finalized: '1' }, now).state, 'done');
  });

  it('a recorded failure keeps its reason; a cancel wins over it and over everything else', () => {
    assert.deepEqual(runStateOf({ state: 'failed', stateReason: 'listing stopped' }, now), {
      state: 'failed',
      reason: 'listing stopped',
    });
    assert.equal(runStateOf({ state: 'failed', cancelled: '1' }, now).state, 'cancelled');
    assert.equal(runStateOf({ finalized: '1', cancelled: '1' }, now).state, 'cancelled');
  });
});
