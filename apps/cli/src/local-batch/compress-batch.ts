import { mkdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { looksLikeImage, type CompressParams } from '@kpress/job-contract';
import { fileProblem } from '../local-files.js';
import { listenForInterruption } from '../interruption.js';
import { UsageError } from '../usage-error.js';
import type { CommandContext } from '../commands/command.js';
import { formatSummary, summarise } from './batch-summary.js';
import { collectInputs } from './collect-inputs.js';
import { runBatch } from './run-batch.js';

export interface CompressBatchOptions {
  readonly params: CompressParams;
  readonly jobTimeoutMs: number;
  /** Compress processes; default one per core. */
  readonly concurrency: number | undefined;
  /** Print the summary as JSON instead of lines. */
  readonly json: boolean;
}

/** `kpress compress IN... -o OUTDIR`: every image below IN..., the trees mirrored in OUTDIR. Exit 1 if any failed. */
export async function runCompressBatch(
  inputs: readonly string[],
  outDir: string,
  options: CompressBatchOptions,
  context: CommandContext,
): Promise<number> {
  const started = performance.now();
  await prepareOutDir(outDir);
  const items = await collectInputs(inputs, outDir, `.${options.params.format}`);
  if (items.length === 0)
    throw new UsageError(`no images found in ${inputs.join(', ')} (looked for image file extensions, recursively)`);
  // Ctrl-C or SIGTERM: stop starting images, stop those running, keep what is written, then say so.
  const interruption = listenForInterruption(['SIGINT', 'SIGTERM'], { once: true });
  let result: Awaited<ReturnType<typeof runBatch>>;
  try {
    result = await runBatch(items, {
      params: options.params,
      maxPixels: context.config.maxPixels,
      jobTimeoutMs: options.jobTimeoutMs,
      processes: options.concurrency ?? availableParallelism(),
      logger: context.logger,
      progress: context.stderr,
      signal: interruption.signal,
    });
  } finally {
    interruption.stop();
  }
  const summary = summarise(result.outcomes, (performance.now() - started) / 1000, result.processes);
  context.stdout.write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`);
  if (interruption.signal.aborted) return interruption.exitCode;
  return summary.failed > 0 ? 1 : 0;
}

/** Where compress writes, said when OUT is neither. */
const OUTPUT_RULE = 'one image is written to a .png path (or .webp with --format webp), several into a folder';

/**
 * OUTDIR exists as a folder or is created; a file in its place is a usage error, and so is a new
 * OUTDIR named like an image (`-o photo.jpg` means a file that kpress cannot write, not a folder).
 */
async function prepareOutDir(outDir: string): Promise<void> {
  try {
    if (!(await stat(outDir)).isDirectory()) throw new UsageError(`--output ${outDir} is a file: ${OUTPUT_RULE}`);
    return;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new Error(`cannot write into ${outDir}: ${fileProblem(error)}`, { cause: error });
  }
  if (looksLikeImage(outDir)) {
    throw new UsageError(
      `--output ${outDir} ends in ${extname(outDir)}, like an image file: ${OUTPUT_RULE}, whose name must not end like an image`,
    );
  }
  await mkdir(outDir, { recursive: true });
}
