import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { FAILURE_CODES, failureCodeOf, isPermanentFailure, isRememberedFailure } from './failure-codes.js';
import { InvalidParamsError } from './params.js';

describe('FAILURE_CODES: one vocabulary of outcomes', () => {
  it('reads the code an error carries, and nothing else', () => {
    assert.equal(failureCodeOf(new InvalidParamsError('k', 'k must be …')), 'invalid-params');
    assert.equal(failureCodeOf({ code: 'corrupt-image' }), 'corrupt-image');
    assert.equal(failureCodeOf({ code: 'ENOENT' }), null, 'a Node error code is not a failure code');
    assert.equal(failureCodeOf(new Error('x')), null);
    assert.equal(failureCodeOf(null), null);
  });

  it('remembers only permanent failures about the object itself', () => {
    for (const [code, { permanent, remembered }] of Object.entries(FAILURE_CODES)) {
      if (remembered) assert.ok(permanent, `${code}: only a permanent failure can be remembered`);
    }
    assert.equal(isRememberedFailure('corrupt-image'), true);
    assert.equal(isRememberedFailure('access-denied'), false, 'a permission can be fixed without changing the object');
    assert.equal(isRememberedFailure('storage-unavailable'), false);
    assert.equal(isPermanentFailure('internal-error'), false);
  });

  it("docs/contract.md lists every code, with the table's permanent and remembered flags", () => {
    const contract = readFileSync(new URL('../../../docs/contract.md', import.meta.url), 'utf8');
    for (const [code, { permanent, remembered }] of Object.entries(FAILURE_CODES)) {
      const cells = contract
        .split('\n')
        .filter((line) => line.startsWith('|'))
        .map((line) => line.split('|').map((cell) => cell.trim()))
        .find((row) => row[1]?.includes(`\`${code}\``));
      assert.ok(cells, `docs/contract.md has a row for ${code}`);
      assert.equal(cells[2], permanent ? 'yes' : 'no', `${code}: permanent`);
      assert.equal(cells[3], remembered ? 'yes' : 'no', `${code}: remembered`);
    }
  });
});
