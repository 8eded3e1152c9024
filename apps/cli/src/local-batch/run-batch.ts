import { type CompressParams, failureCodeOf } from '@kpress/job-contract';
import { createCpuPool } from '@kpress/worker/cpu-pool';
import type { Logger } from 'pino';
import { makeOutputDirectory, readInput, writeOutput } from '../local-files.js';
import type { BatchOutcome } from './batch-summary.js';
import type { BatchItem } from './collect-inputs.js';
import { createProgressBar } from './progress-bar.js';

export interface BatchOptions {
  readonly params: CompressParams;
  readonly maxPixels: number;
  readonly jobTimeoutMs: number;
  /** Compress processes, one image each at a time (default: every core). */
  readonly processes: number;
  readonly logger: Logger;
  /** Where the progress bar goes (drawn only on a terminal). */
  readonly progress: NodeJS.WritableStream & { isTTY?: boolean };
  /** Aborted on Ctrl-C or SIGTERM: no image starts after it, those running are stopped. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Compresses every item on a pool of child processes (the worker's pool: a deadline per image,
 * a memory budget), writing each output as it comes; a failure is recorded and the batch goes on.
 * With skipIfLarger, an output not smaller than its source is not written ("kept-original").
 */
export async function runBatch(
  items: readonly BatchItem[],
  options: BatchOptions,
): Promise<{ outcomes: BatchOutcome[]; processes: number }> {
  const processes = Math.max(1, Math.min(options.processes, items.length));
  const pool = createCpuPool(processes, {
    jobTimeoutMs: options.jobTimeoutMs,
    niceIncrement: 0,
    warmUp: items.length > 1,
  });
  const bar = createProgressBar(items.length, options.progress);
  const { signal } = options;
  // Stops the running images at once (their processes are killed); outputs already being written finish.
  const stop = (): void => void pool.close();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    // Every process ready before the first image, so that the work spreads over all of them.
    try {
      await pool.ready;
    } catch (error) {
      // Interrupted while the processes started: nothing began.
      if (!signal?.aborted) throw error;
      return { outcomes: items.map((item) => ({ kind: 'interrupted', input: item.input })), processes };
    }
    const outcomes = await Promise.all(
      items.map(async (item): Promise<BatchOutcome> => {
        const outcome = await compressOne(item);
        bar.tick(item.input);
        return outcome;
      }),
    );
    return { outcomes, processes };
  } finally {
    signal?.removeEventListener('abort', stop);
    bar.end();
    await pool.close();
  }

  async function compressOne(item: BatchItem): Promise<BatchOutcome> {
    if (signal?.aborted) return { kind: 'interrupted', input: item.input };
    try {
      const bytes = await readInput(item.input);
      const compressed = await pool.compress(bytes, options.params, options.maxPixels);
      const kind = compressed.outcome;
      if (kind === 'compressed') {
        await makeOutputDirectory(item.output);
        await writeOutput(item.output, compressed.output.bytes);
      }
      const outcome: BatchOutcome = {
        kind,
        input: item.input,
        output: item.output,
        bytesIn: bytes.length,
        bytesOut: compressed.output.bytes.length,
        psnr: Number.isFinite(compressed.result.stats.psnr) ? compressed.result.stats.psnr : null,
        k: compressed.target?.k ?? options.params.k,
        pid: compressed.pid,
      };
      // The compress process's pid as a field of its own: pino's `pid` is this process's.
      const { pid: compressPid, ...fields } = outcome;
      options.logger.info(
        { ...fields, compressPid },
        kind === 'compressed' ? 'compressed' : 'kept original: the output would not be smaller',
      );
      return outcome;
    } catch (error) {
      if (signal?.aborted) return { kind: 'interrupted', input: item.input };
      // Files (LocalFileError) and compress processes (CompressFailedError) carry their code; anything else is ours.
      const code = failureCodeOf(error) ?? 'internal-error';
      const reason = (error as Error).message;
      options.logger.warn({ input: item.input, code, reason }, 'image failed');
      return { kind: 'failed', input: item.input, code, reason };
    }
  }
}
