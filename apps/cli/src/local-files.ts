import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FailureCode } from '@kpress/job-contract';

/**
 * A local input that cannot be read or an output that cannot be written, with the failure code
 * `kpress compress` reports for it: the same vocabulary as S3 objects (missing-object,
 * access-denied, not-an-image), and source-unreadable / output-unwritable for the rest.
 */
export class LocalFileError extends Error {
  override readonly name = 'LocalFileError';
  constructor(
    message: string,
    readonly code: FailureCode,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The input file's bytes; a missing, unreadable, directory or empty input is named with its reason. */
export async function readInput(path: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new LocalFileError(`cannot read input ${path}: ${fileProblem(error)}`, readFailureCode(error), { cause: error });
  }
  // The codec speaks of objects (S3); a local file gets its own words, and the codec's code.
  if (bytes.length === 0) throw new LocalFileError(`cannot read input ${path}: the file is empty (0 bytes)`, 'not-an-image');
  return bytes;
}

/** All of standard input (`-`), refused when empty. */
export async function readStdin(stdin: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  const bytes = Buffer.concat(chunks);
  if (bytes.length === 0) throw new Error('cannot read input -: standard input is empty (0 bytes)');
  return bytes;
}

export async function checkOutputDirectory(output: string): Promise<void> {
  const directory = dirname(output);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(directory)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new LocalFileError(
      `cannot write ${output}: ${code === 'ENOENT' ? `directory ${directory} does not exist` : fileProblem(error)}`,
      writeFailureCode(error),
      { cause: error },
    );
  }
  if (!isDirectory) throw new LocalFileError(`cannot write ${output}: ${directory} is not a directory`, 'output-unwritable');
}

/** Writes beside the target and renames, so OUT is never seen half-written; no temporary file survives a failure. */
export async function writeOutput(output: string, bytes: Uint8Array): Promise<void> {
  const temporary = `${output}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, output);
  } catch (error) {
    // Nothing to remove when the folder itself is unusable (rm then fails with ENOTDIR): the write's error is the one to report.
    await rm(temporary, { force: true }).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? `directory ${dirname(output)} does not exist` : fileProblem(error);
    throw new LocalFileError(`cannot write ${output}: ${reason}`, writeFailureCode(error), { cause: error });
  }
}

/** Creates the directory an output goes into (and its parents), or a LocalFileError naming it. */
export async function makeOutputDirectory(output: string): Promise<void> {
  const directory = dirname(output);
  try {
    await mkdir(directory, { recursive: true });
  } catch (error) {
    throw new LocalFileError(
      `cannot write ${output}: cannot create ${directory}: ${fileProblem(error)}`,
      writeFailureCode(error),
      {
        cause: error,
      },
    );
  }
}

function isPermissionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM';
}

function readFailureCode(error: unknown): FailureCode {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing-object';
  return isPermissionError(error) ? 'access-denied' : 'source-unreadable';
}

function writeFailureCode(error: unknown): FailureCode {
  return isPermissionError(error) ? 'access-denied' : 'output-unwritable';
}

const FILE_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOSPC: 'no space left on the device',
};

/** A file system error in a few words: "no such file", "is a directory", "permission denied" … */
export function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return (code === undefined ? undefined : FILE_PROBLEMS[code]) ?? (error as Error).message;
}
