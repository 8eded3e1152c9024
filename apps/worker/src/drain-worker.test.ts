import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { countInFlight, drainWorker } from './drain-worker.js';

const logger = pino({ level: 'silent' });
const never = (): Promise<void> => new Promise(() => undefined);

describe('drainWorker', () => {
  it('returns at the deadline when close() never settles (BullMQ waiting for a Redis that is gone)', async () => {
    const started = Date.now();
    const result = await drainWorker({ close: never }, { deadlineMs: 50, inFlight: () => 0, logger, name: 'test' });
    assert.deepEqual(result, { drained: true, closed: false });
    assert.ok(Date.now() - started < 1_000);
  });

  it('reports jobs still in flight at the deadline as not drained', async () => {
    const result = await drainWorker({ close: never }, { deadlineMs: 10, inFlight: () => 2, logger, name: 'test' });
    assert.deepEqual(result, { drained: false, closed: false });
  });

  it('drained and closed when close() settles in time', async () => {
    const result = await drainWorker(
      { close: () => Promise.resolve() },
      { deadlineMs: 1_000, inFlight: () => 1, logger, name: 'test' },
    );
    assert.deepEqual(result, { drained: true, closed: true });
  });
});

describe('countInFlight', () => {
  it('counts calls until they settle, rejections included', async () => {
    let release: () => void = () => undefined;
    const counter = countInFlight(async (fail: boolean) => {
      await new Promise<void>((resolve) => (release = resolve));
      if (fail) throw new Error('boom');
      return 'ok';
    });
    const ok = counter.run(false);
    assert.equal(counter.inFlight(), 1);
    release();
    assert.equal(await ok, 'ok');
    const failing = counter.run(true);
    assert.equal(counter.inFlight(), 1);
    release();
    await assert.rejects(failing, /boom/);
    assert.equal(counter.inFlight(), 0);
  });
});
