import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { readLimited } from './read-limited.js';

void describe('readLimited', () => {
  void it('reads a stream up to and including the limit', async () => {
    const read = await readLimited(Readable.from([Buffer.from('abc'), Buffer.from('def')]), 6);
    assert.deepEqual(read, { ok: true, body: Buffer.from('abcdef') });
  });

  void it('stops at the first chunk past the limit and destroys the stream', async () => {
    let pulled = 0;
    const stream = Readable.from(
      (function* () {
        for (; pulled < 100; pulled += 1) yield Buffer.alloc(10);
      })(),
    );
    const read = await readLimited(stream, 25);
    assert.deepEqual(read, { ok: false, bytesSeen: 30 });
    assert.ok(pulled < 100, 'the rest of the stream is never read');
    assert.equal(stream.destroyed, true);
  });
});
