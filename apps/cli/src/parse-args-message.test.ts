import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs } from 'node:util';
import { parseArgsMessage } from './parse-args-message.js';

function messageFor(args: string[]): string | null {
  try {
    parseArgs({ args, strict: true, options: { output: { type: 'string', short: 'o' }, json: { type: 'boolean' } } });
  } catch (error) {
    return parseArgsMessage(error, 'compress');
  }
  return 'no error';
}

void describe('parseArgsMessage', () => {
  void it('names the option and the command help for each parseArgs error', () => {
    assert.equal(messageFor(['--bogus']), 'unknown option --bogus (kpress compress --help)');
    assert.equal(messageFor(['-x']), 'unknown option -x (kpress compress --help)');
    assert.equal(messageFor(['-o']), 'option --output needs a value (kpress compress --help)');
    assert.equal(messageFor(['--json=yes']), 'option --json takes no value (kpress compress --help)');
    assert.equal(messageFor(['extra']), 'unexpected argument "extra" (kpress compress --help)');
  });

  void it('leaves other errors alone', () => {
    assert.equal(parseArgsMessage(new Error('boom'), 'compress'), null);
    assert.equal(parseArgsMessage(undefined, 'compress'), null);
  });
});
