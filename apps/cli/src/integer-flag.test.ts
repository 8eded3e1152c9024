import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { integerFlag, parseDecimalInteger } from './integer-flag.js';
import { UsageError } from './usage-error.js';

void describe('parseDecimalInteger', () => {
  void it('reads plain decimal integers, signed or not', () => {
    assert.equal(parseDecimalInteger('16'), 16);
    assert.equal(parseDecimalInteger('-3'), -3);
    assert.equal(parseDecimalInteger('007'), 7);
  });

  void it('refuses what Number() would take but a person did not mean as an integer', () => {
    for (const raw of ['0x10', '1e1', '1.0', ' 16', '16 ', '', '+5', '0b11', 'Infinity', '99999999999999999999'])
      assert.equal(parseDecimalInteger(raw), null, JSON.stringify(raw));
  });
});

void describe('integerFlag', () => {
  void it('returns the fallback when the flag is absent and the value when in range', () => {
    assert.equal(integerFlag('port', undefined, 3000, { min: 0, max: 65535 }), 3000);
    assert.equal(integerFlag('port', '8080', 3000, { min: 0, max: 65535 }), 8080);
  });

  void it('throws a usage error naming flag, range and the text received', () => {
    for (const raw of ['0x10', '70000']) {
      assert.throws(
        () => integerFlag('port', raw, 3000, { min: 0, max: 65535 }),
        (error: unknown) =>
          error instanceof UsageError &&
          error.message === `--port must be an integer between 0 and 65535, received ${JSON.stringify(raw)}`,
      );
    }
  });
});
