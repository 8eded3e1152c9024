import { hostname } from 'node:os';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_JOB_TIMEOUT_MS } from '@kpress/job-contract';
import { compressOneImage } from '../compress-one-image.js';
import { PARAM_FLAGS, PARAM_HELP, paramsFromFlags } from '../param-flags.js';
import { integerFlag } from '../integer-flag.js';
import { checkOutputDirectory, readInput, readStdin, writeOutput } from '../local-files.js';
import { refuseOverwritingInputs } from '../overwrite-guard.js';
import { UsageError } from '../usage-error.js';
import type { CommandContext } from './command.js';

const COMPRESS_HELP = `Usage: kpress compress IN -o OUT [params] [--json] [--job-timeout S]
       kpress compress IN... -o OUTDIR [params] [--json] [--concurrency N] [--job-timeout S]

Quantizes local images (no Redis or S3). With one input file and OUT ending in .png or .webp,
writes OUT; "-" as IN reads standard input and as OUT writes standard output. Otherwise IN...
are files and folders (searched recursively for images), compressed on every core into OUTDIR
(created if needed) with each folder's tree mirrored; a progress bar shows on a terminal, and a
summary is printed at the end. Exit 1 if any image failed. With --skip-if-larger, an output not
smaller than its source is not written (the source is listed as "kept original"; not a failure).

Options:
  -o, --output OUT      the image to write, or the folder of a batch (required)
  --json                one image: print its metadata document (docs/contract.md); a batch: its summary
  --concurrency N       a batch's compress processes (default: one per core)
  --job-timeout S       give up on an image after S seconds (it fails as "timeout"), as a worker does (default 300)
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
      concurrency: { type: 'string' },
      'job-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout.write(`${COMPRESS_HELP}\n`);
    return 0;
  }
  if (positionals.length === 0)
    throw new UsageError('compress needs at least one input (a file, a folder, or - for standard input)');
  if (!values.output) throw new UsageError('compress needs --output (-o) FILE or FOLDER');
  const params = paramsFromFlags(values);
  const output = values.output;
  const jobTimeoutMs =
    integerFlag('job-timeout', values['job-timeout'], DEFAULT_JOB_TIMEOUT_MS / 1000, { min: 1, max: 86_400 }) * 1000;
  const single = positionals.length === 1 && (output === '-' || /\.(png|webp)$/i.test(output));
  if (!single) {
    if (positionals.includes('-') || output === '-') {
      throw new UsageError('"-" (standard input or output) takes exactly one image: kpress compress - -o OUT, or IN -o -');
    }
    const concurrency =
      values.concurrency === undefined ? undefined : integerFlag('concurrency', values.concurrency, 1, { min: 1, max: 256 });
    const { runCompressBatch } = await import('../local-batch/compress-batch.js');
    return runCompressBatch(positionals, output, { params, jobTimeoutMs, concurrency, json: values.json === true }, context);
  }
  if (values.concurrency !== undefined) throw new UsageError('--concurrency applies to a batch (-o FOLDER), not to one image');
  const input = positionals[0]!;
  if (output !== '-') checkExtension(output, params.format);
  if (input !== '-' && output !== '-') await refuseOverwritingInputs([{ input, output }]);

  const started = performance.now();
  const bytes = input === '-' ? await readStdin(process.stdin) : await readInput(input);
  // Checked before quantizing, so a typo in OUT costs no work.
  if (output !== '-') await checkOutputDirectory(output);
  const compressed = await compressOneImage(bytes, params, context.config.maxPixels, jobTimeoutMs).catch((error: unknown) => {
    // Named like a batch's failures: which image, then the code and the reason.
    const name = input === '-' ? 'standard input' : input;
    throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  });
  const kept = compressed.outcome === 'kept-original';
  if (kept) {
    // Like pngquant --skip-if-larger: nothing written, and said so. Not a failure.
    context.stderr.write(
      `kept original: the output (${compressed.output.bytes.length} bytes) would not be smaller than ${input} (${bytes.length} bytes); ${output} not written\n`,
    );
  } else if (output === '-') {
    context.stdout.write(compressed.output.bytes);
  } else {
    await writeOutput(output, compressed.output.bytes);
  }
  // Loaded with the quantizer by compressOneImage: no cost here.
  const { buildMetadata } = await import('@kpress/compress');
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
  if (values.json) (output === '-' ? context.stderr : context.stdout).write(`${JSON.stringify(metadata, null, 2)}\n`);
  return 0;
}

function checkExtension(output: string, format: string): void {
  const extension = extname(output).toLowerCase();
  if (extension !== `.${format}`) {
    throw new UsageError(`--output ${basename(output)} should end in .${format} for --format ${format}`);
  }
}
