import { readFile, writeFile, rename } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { buildMetadata } from '@kpress/compress';
import { CompressFailedError, createCpuPool, DEFAULT_JOB_TIMEOUT_MS } from '@kpress/worker';
import { PARAM_FLAGS, PARAM_HELP, paramsFromFlags } from '../param-flags.js';
import { UsageError } from '../usage-error.js';
import type { CommandContext } from './command.js';

export const COMPRESS_HELP = `Usage: kpress compress IN -o OUT [params] [--json] [--job-timeout S]

Quantizes one local image (no Redis or S3) and writes OUT. With --json, prints the metadata
document to stdout.

Options:
  -o, --output FILE     where to write the image (required)
  --json                print the metadata document (DESIGN.md) to stdout
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
  const jobTimeoutMs = timeoutFlag(values['job-timeout']);

  const started = performance.now();
  const bytes = await readInput(input);
  const compressed = await compressInChildProcess(bytes, params, context.config.maxPixels, jobTimeoutMs);
  // Write beside the target and rename, so OUT is never seen half-written.
  const temporary = `${output}.${process.pid}.tmp`;
  await writeFile(temporary, compressed.output.bytes);
  await rename(temporary, output);
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
  const pool = createCpuPool(1, { jobTimeoutMs, niceIncrement: 0 });
  try {
    return await pool.compress(bytes, params, maxPixels);
  } catch (error) {
    if (error instanceof CompressFailedError) throw new Error(`${error.code}: ${error.message}`);
    throw error;
  } finally {
    await pool.close();
  }
}

function timeoutFlag(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_JOB_TIMEOUT_MS;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400) {
    throw new UsageError(`--job-timeout must be an integer between 1 and 86400 (seconds), received ${JSON.stringify(raw)}`);
  }
  return seconds * 1000;
}

async function readInput(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`cannot read input ${path}: ${code === 'ENOENT' ? 'no such file' : String(error)}`, { cause: error });
  }
}

function checkExtension(output: string, format: string): void {
  const extension = extname(output).toLowerCase();
  if (extension !== `.${format}`) {
    throw new UsageError(`--output ${basename(output)} should end in .${format} for --format ${format}`);
  }
}
