import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { buildMetadata } from '@kpress/compress';
import { CompressFailedError, createCpuPool, DEFAULT_JOB_TIMEOUT_MS } from '@kpress/worker';
import { PARAM_FLAGS, PARAM_HELP, paramsFromFlags } from '../param-flags.js';
import { integerFlag } from '../integer-flag.js';
import { UsageError } from '../usage-error.js';
import type { CommandContext } from './command.js';

export const COMPRESS_HELP = `Usage: kpress compress IN -o OUT [params] [--json] [--job-timeout S]

Quantizes one local image (no Redis or S3) and writes OUT. With --json, prints the metadata
document to stdout.

Options:
  -o, --output FILE     where to write the image (required)
  --json                print the metadata document (docs/contract.md) to stdout
  --job-timeout S       give up after S seconds (exit 1, "timeout"), as a worker does (default 300)
${PARAM_HELP}`;

export async function runCompress(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      ...PARAM_FLAGS,
      output: { type: 'string', short: 'o' },
      json: { type: 'boolean' },
      'job-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout.write(`${COMPRESS_HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`compress takes exactly one input file, received ${positionals.length}`);
  if (!values.output) throw new UsageError('compress needs --output (-o) FILE');
  const params = paramsFromFlags(values);
  const input = positionals[0]!;
  const output = values.output;
  checkExtension(output, params.format);
  const jobTimeoutMs =
    integerFlag('job-timeout', values['job-timeout'], DEFAULT_JOB_TIMEOUT_MS / 1000, { min: 1, max: 86_400 }) * 1000;

  const started = performance.now();
  const bytes = await readInput(input);
  // Checked before quantizing, so a typo in OUT costs no work.
  await checkOutputDirectory(output);
  const compressed = await compressInChildProcess(bytes, params, context.config.maxPixels, jobTimeoutMs);
  await writeOutput(output, compressed.output.bytes);
  const metadata = buildMetadata(compressed, {
    runId: null,
    jobId: null,
    source: { bucket: null, key: input, etag: null },
    output: { bucket: null, key: output },
    params,
    extraTimingsMs: { total: Math.round((performance.now() - started) * 10) / 10 },
    worker: { host: hostname(), pid: process.pid },
    createdAt: new Date(),
  });
  context.logger.info(
    { input, output, bytesIn: bytes.length, bytesOut: compressed.output.bytes.length, psnr: metadata.quality.psnr },
    'compressed',
  );
  if (values.json) context.stdout.write(`${JSON.stringify(metadata, null, 2)}\n`);
  return 0;
}

/**
 * In a child process, as a worker does: past the deadline it is killed, which also stops native
 * decoding (an SVG's filters can render for many minutes) that would keep this process alive.
 */
async function compressInChildProcess(
  bytes: Buffer,
  params: Parameters<ReturnType<typeof createCpuPool>['compress']>[1],
  maxPixels: number,
  jobTimeoutMs: number,
): ReturnType<ReturnType<typeof createCpuPool>['compress']> {
  const pool = createCpuPool(1, { jobTimeoutMs, niceIncrement: 0, warmUp: false });
  try {
    return await pool.compress(bytes, params, maxPixels);
  } catch (error) {
    if (error instanceof CompressFailedError) throw new Error(`${error.code}: ${error.message}`);
    throw error;
  } finally {
    await pool.close();
  }
}

/** The input file's bytes; a missing, unreadable, directory or empty input is named with its reason. */
async function readInput(path: string): Promise<Buffer> {
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

async function checkOutputDirectory(output: string): Promise<void> {
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
async function writeOutput(output: string, bytes: Uint8Array): Promise<void> {
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
function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return (code === undefined ? undefined : FILE_PROBLEMS[code]) ?? (error as Error).message;
}

function checkExtension(output: string, format: string): void {
  const extension = extname(output).toLowerCase();
  if (extension !== `.${format}`) {
    throw new UsageError(`--output ${basename(output)} should end in .${format} for --format ${format}`);
  }
}
