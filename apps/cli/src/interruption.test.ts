import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listenForInterruption } from './interruption.js';

describe('listenForInterruption', () => {
  it('aborts on the first signal with 128 + its number, and with once lets the next one through', () => {
    const before = { SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') };
    const interruption = listenForInterruption(['SIGINT', 'SIGTERM'], { once: true });
    assert.equal(interruption.signal.aborted, false);
    process.emit('SIGTERM');
    assert.equal(interruption.signal.aborted, true);
    assert.equal(interruption.exitCode, 143);
    assert.equal(process.listenerCount('SIGTERM'), before.SIGTERM, 'its SIGTERM handler is gone after one signal');
    interruption.stop();
    assert.equal(process.listenerCount('SIGINT'), before.SIGINT);
  });

  it('keeps the first signal’s code, and without once keeps listening until stopped', () => {
    const before = { SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') };
    const interruption = listenForInterruption(['SIGINT', 'SIGTERM'], { once: false });
    process.emit('SIGINT');
    process.emit('SIGTERM');
    assert.equal(interruption.exitCode, 130);
    assert.equal(process.listenerCount('SIGINT'), before.SIGINT + 1);
    interruption.stop();
    assert.equal(process.listenerCount('SIGINT'), before.SIGINT);
    assert.equal(process.listenerCount('SIGTERM'), before.SIGTERM);
  });
});
