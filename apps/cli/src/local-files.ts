import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The input file's bytes; a missing, unreadable, directory or empty input is named with its reason. */
export async function readInput(path: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new Error(`cannot read input ${path}: ${fileProblem(error)}`, { cause: error });
  }
  // The codec speaks of objects (S3); a local file gets its own words.
  if (bytes.length === 0) throw new Error(`cannot read input ${path}: the file is empty (0 bytes)`);
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
    throw new Error(
      `cannot write ${output}: ${code === 'ENOENT' ? `directory ${directory} does not exist` : fileProblem(error)}`,
      {
        cause: error,
      },
    );
  }
  if (!isDirectory) throw new Error(`cannot write ${output}: ${directory} is not a directory`);
}

/** Writes beside the target and renames, so OUT is never seen half-written; no temporary file survives a failure. */
export async function writeOutput(output: string, bytes: Uint8Array): Promise<void> {
  const temporary = `${output}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, output);
  } catch (error) {
    await rm(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? `directory ${dirname(output)} does not exist` : fileProblem(error);
    throw new Error(`cannot write ${output}: ${reason}`, { cause: error });
  }
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
