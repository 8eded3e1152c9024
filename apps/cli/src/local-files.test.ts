import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isFailureCode } from '@kpress/job-contract';
import { LocalFileError, makeOutputDirectory, readInput, writeOutput } from './local-files.js';

/** The code and message a failing file operation rejects with. */
async function failureOf(operation: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await operation.then(
    () => assert.fail('expected the operation to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof LocalFileError, String(error));
  assert.ok(isFailureCode(error.code), `${error.code} is in FAILURE_CODES`);
  return { code: error.code, message: error.message };
}

describe('local files fail with a code from FAILURE_CODES', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kpress-local-files-'));
    await writeFile(join(dir, 'empty.png'), '');
    await writeFile(join(dir, 'a-file'), 'not a folder');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('a missing input is missing-object, as a missing S3 object is', async () => {
    assert.deepEqual(await failureOf(readInput(join(dir, 'nope.png'))), {
      code: 'missing-object',
      message: `cannot read input ${join(dir, 'nope.png')}: no such file`,
    });
  });

  it('an empty input is not-an-image, as an empty S3 object is', async () => {
    assert.equal((await failureOf(readInput(join(dir, 'empty.png')))).code, 'not-an-image');
  });

  it('a directory given as an input is source-unreadable', async () => {
    assert.deepEqual(await failureOf(readInput(dir)), {
      code: 'source-unreadable',
      message: `cannot read input ${dir}: is a directory`,
    });
  });

  it('an output under a file where a folder should be is output-unwritable, for the folder and for the file', async () => {
    const output = join(dir, 'a-file', 'out.png');
    assert.equal((await failureOf(makeOutputDirectory(output))).code, 'output-unwritable');
    assert.equal((await failureOf(writeOutput(output, new Uint8Array([1])))).code, 'output-unwritable');
  });
});
