import { formatBytes } from '@kpress/format';
import type { FailureCode } from '@kpress/job-contract';

/** What became of one image of a local batch. */
export type BatchOutcome =
  | {
      readonly kind: 'compressed' | 'kept-original';
      readonly input: string;
      readonly output: string;
      readonly bytesIn: number;
      /** The output's size (for kept-original: the size it would have had; nothing was written). */
      readonly bytesOut: number;
      readonly psnr: number | null;
      readonly k: number;
      readonly pid: number;
    }
  | { readonly kind: 'failed'; readonly input: string; readonly code: FailureCode; readonly reason: string }
  /** Not started, or stopped, because the batch was interrupted (Ctrl-C, SIGTERM): nothing written. */
  | { readonly kind: 'interrupted'; readonly input: string };

export interface BatchSummary {
  readonly images: number;
  readonly compressed: number;
  readonly keptOriginal: number;
  readonly failed: number;
  /** Images not compressed because the batch was interrupted (Ctrl-C, SIGTERM); none written. */
  readonly interrupted: number;
  /** Bytes of the images written, and of their sources. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Mean PSNR of the images written that have one. */
  readonly meanPsnr: number | null;
  /** Compress processes the batch ran on. */
  readonly processes: number;
  /** Of them, those that wrote or weighed at least one output (failures do not say where they ran). */
  readonly processesUsed: number;
  readonly seconds: number;
  readonly keptOriginalFiles: readonly string[];
  readonly failures: readonly { readonly input: string; readonly code: FailureCode; readonly reason: string }[];
}

export function summarise(outcomes: readonly BatchOutcome[], seconds: number, processes: number): BatchSummary {
  let bytesIn = 0;
  let bytesOut = 0;
  let psnrSum = 0;
  let psnrCount = 0;
  const pids = new Set<number>();
  const kept: string[] = [];
  const failures: { input: string; code: FailureCode; reason: string }[] = [];
  let interrupted = 0;
  for (const outcome of outcomes) {
    if (outcome.kind === 'interrupted') {
      interrupted++;
      continue;
    }
    if (outcome.kind === 'failed') {
      failures.push({ input: outcome.input, code: outcome.code, reason: outcome.reason });
      continue;
    }
    pids.add(outcome.pid);
    if (outcome.kind === 'kept-original') {
      kept.push(outcome.input);
      continue;
    }
    bytesIn += outcome.bytesIn;
    bytesOut += outcome.bytesOut;
    if (outcome.psnr !== null) {
      psnrSum += outcome.psnr;
      psnrCount++;
    }
  }
  return {
    images: outcomes.length,
    compressed: outcomes.length - kept.length - failures.length - interrupted,
    keptOriginal: kept.length,
    failed: failures.length,
    interrupted,
    bytesIn,
    bytesOut,
    meanPsnr: psnrCount > 0 ? Math.round((psnrSum / psnrCount) * 100) / 100 : null,
    processes,
    processesUsed: pids.size,
    seconds: Math.round(seconds * 10) / 10,
    keptOriginalFiles: kept,
    failures,
  };
}

/** The summary as a person reads it. */
export function formatSummary(summary: BatchSummary): string {
  const saved = summary.bytesIn > 0 ? ` (${(100 * (1 - summary.bytesOut / summary.bytesIn)).toFixed(1)}% smaller)` : '';
  const lines = [
    `${plural(summary.images, 'image')} in ${summary.seconds.toFixed(1)} s on ${plural(summary.processes, 'process', 'processes')}: ` +
      `${summary.compressed} compressed, ${summary.keptOriginal} kept original, ${summary.failed} failed`,
    `bytes ${formatBytes(summary.bytesIn)} → ${formatBytes(summary.bytesOut)}${saved}` +
      `${summary.meanPsnr !== null ? `, mean PSNR ${summary.meanPsnr.toFixed(2)} dB` : ''}`,
  ];
  if (summary.interrupted > 0) {
    lines.push(
      `interrupted: ${plural(summary.interrupted, 'image')} not compressed, nothing of them written (the outputs listed as compressed are complete)`,
    );
  }
  for (const file of summary.keptOriginalFiles) lines.push(`kept original (output not smaller): ${file}`);
  for (const failure of summary.failures) lines.push(`failed: ${failure.input}: [${failure.code}] ${failure.reason}`);
  return lines.join('\n');
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
