import { formatBytes } from '@kpress/format';
import { FINAL_STATES, type JobFailureRecord, type RunSnapshot, type RunStore } from '@kpress/runs';
import { pause } from './pause.js';
import { POLL_ONLY, type RunWake } from './run-wake.js';

/** Images finished per second since the run was created, and the time left at that pace. */
export function pace(snapshot: RunSnapshot, now: number): { perSecond: number; etaSeconds: number | null } {
  const finished = snapshot.done + snapshot.keptOriginal + snapshot.failed;
  const end = snapshot.finishedAt ?? now;
  const seconds = Math.max(0.001, (end - snapshot.createdAt) / 1000);
  const perSecond = finished / seconds;
  const remaining = Math.max(0, snapshot.jobs - finished - snapshot.cancelled);
  const settled = snapshot.complete || FINAL_STATES.has(snapshot.state);
  return { perSecond, etaSeconds: settled ? 0 : perSecond > 0 && snapshot.listingDone ? remaining / perSecond : null };
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** One line of counts: what a progress bar and plain progress lines show. */
export function progressLine(snapshot: RunSnapshot, now: number): string {
  const { perSecond, etaSeconds } = pace(snapshot, now);
  const finished = snapshot.done + snapshot.keptOriginal + snapshot.failed;
  const total = snapshot.listingDone ? String(snapshot.jobs) : `${snapshot.jobs}+`;
  const paused = snapshot.listingPaused ? ` · ${listingPausedText(snapshot.listingPaused)}` : '';
  return (
    `${finished}/${total} · done ${snapshot.done}${snapshot.keptOriginal > 0 ? ` · kept original ${snapshot.keptOriginal}` : ''} · skipped ${snapshot.skipped} · failed ${snapshot.failed} · ` +
    `active ${snapshot.active} · queued ${snapshot.queued}${paused} · ${perSecond.toFixed(2)} img/s · ETA ${formatDuration(etaSeconds)}`
  );
}

/** Back-pressure holding a run's listing, in the words status and progress lines use. */
function listingPausedText(paused: { readonly queued: number; readonly maxQueued: number }): string {
  return `listing paused: ${paused.queued} queued (--max-queued ${paused.maxQueued})`;
}

export function progressBar(snapshot: RunSnapshot, width = 30): string {
  const finished = snapshot.done + snapshot.keptOriginal + snapshot.failed;
  const share = snapshot.jobs > 0 ? Math.min(1, finished / snapshot.jobs) : snapshot.complete ? 1 : 0;
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(share * 100)).padStart(3)}%`;
}

/** The human status report of `kpress status`. */
export function formatStatus(
  snapshot: RunSnapshot,
  failures: readonly JobFailureRecord[],
  now: number,
  skippedFailures: readonly JobFailureRecord[] = [],
): string {
  const { perSecond, etaSeconds } = pace(snapshot, now);
  const ratio = snapshot.bytesOut > 0 ? snapshot.bytesIn / snapshot.bytesOut : null;
  const extras = [
    snapshot.skippedFailed > 0 ? `${snapshot.skippedFailed} skipped (failed before)` : '',
    snapshot.duplicates > 0 ? `${snapshot.duplicates} duplicates counted once` : '',
    snapshot.cancelled > 0 ? `${snapshot.cancelled} cancelled` : '',
    snapshot.keptOriginal > 0 ? `${snapshot.keptOriginal} kept original (output not smaller)` : '',
  ].filter((part) => part !== '');
  const lines = [
    `run ${snapshot.runId}: ${snapshot.state}${snapshot.stateReason ? ` (${snapshot.stateReason})` : ''}` +
      (snapshot.listingPaused && snapshot.state === 'listing'
        ? `, ${listingPausedText(snapshot.listingPaused)}; it goes on as workers drain the queue`
        : ''),
    `  from ${snapshot.source} to ${snapshot.destination}`,
    `  params ${JSON.stringify(snapshot.params)}`,
    `  queued ${snapshot.queued}, active ${snapshot.active}, done ${snapshot.done}, skipped ${snapshot.skipped}, failed ${snapshot.failed}` +
      `${extras.length > 0 ? `, ${extras.join(', ')}` : ''}` +
      ` (of ${snapshot.jobs} jobs; ${snapshot.listed} objects listed, ${snapshot.notImages} not images)`,
    `  throughput ${perSecond.toFixed(2)} images/s, ETA ${formatDuration(etaSeconds)}`,
    `  bytes ${formatBytes(snapshot.bytesIn)} → ${formatBytes(snapshot.bytesOut)}${ratio ? ` (${ratio.toFixed(2)}× smaller)` : ''}` +
      `${snapshot.meanPsnr !== null ? `, mean PSNR ${snapshot.meanPsnr.toFixed(2)} dB` : ''}`,
  ];
  if (failures.length > 0) {
    lines.push(`  failures (${snapshot.failed}):`);
    for (const f of failures.slice(0, 50)) lines.push(`    ${f.key}: [${f.code}] ${f.reason}`);
    if (failures.length > 50) lines.push(`    … ${failures.length - 50} more (kpress status --json lists them all)`);
  }
  if (skippedFailures.length > 0) {
    lines.push(`  skipped, failed before (${snapshot.skippedFailed}; --retry-failed or kpress retry tries them again):`);
    for (const f of skippedFailures.slice(0, 50)) lines.push(`    ${f.key}: [${f.code}] ${f.reason}`);
    if (snapshot.skippedFailed > 50) lines.push(`    … (kpress status --json lists them all)`);
  }
  return lines.join('\n');
}

export interface WatchOptions {
  /** The longest wait between two reads of the run (the poll when no event comes). */
  readonly intervalMs: number;
  /** Events that end a wait early (e.g. wakeOnJobEvents); a plain poll without. */
  readonly wake?: RunWake;
  /** Where progress goes (stderr): a redrawn bar on a terminal, a plain line per change otherwise. */
  readonly output: NodeJS.WritableStream & { isTTY?: boolean };
  readonly signal?: AbortSignal;
}

/**
 * Follows a run until it completes, reading its counters (one Redis round trip per read, whatever
 * the run's size) after each event of its jobs, at least every `intervalMs`. Returns the final snapshot.
 */
export async function watchRun(runs: RunStore, runId: string, options: WatchOptions): Promise<RunSnapshot> {
  const tty = options.output.isTTY === true;
  let lastLine = '';
  let lastPrinted = 0;
  let unavailableSince: number | null = null;
  for (;;) {
    let snapshot: RunSnapshot | null;
    try {
      snapshot = await runs.get(runId);
    } catch (error) {
      // Redis restarting or unreachable: the run goes on in the workers; keep waiting for it.
      if (unavailableSince === null) {
        unavailableSince = Date.now();
        options.output.write(
          `${tty ? '\n' : ''}Redis unavailable (${(error as Error).message}); still waiting for run ${runId}\n`,
        );
      }
      if (options.signal?.aborted) throw new Error('stopped waiting', { cause: error });
      await pause(options.intervalMs, options.signal);
      continue;
    }
    if (unavailableSince !== null) {
      options.output.write(`Redis is back after ${formatDuration((Date.now() - unavailableSince) / 1000)}\n`);
      unavailableSince = null;
    }
    if (!snapshot) throw new Error(`run ${runId} does not exist (or has expired)`);
    const now = Date.now();
    const line = progressLine(snapshot, now);
    if (tty) {
      options.output.write(`\r\x1b[2K${progressBar(snapshot)} ${line}`);
      if (snapshot.complete) options.output.write('\n');
    } else if (snapshot.complete || (line.replace(/ · [\d.]+ img\/s.*$/, '') !== lastLine && now - lastPrinted >= 1000)) {
      options.output.write(`${line}\n`);
      lastLine = line.replace(/ · [\d.]+ img\/s.*$/, '');
      lastPrinted = now;
    }
    if (snapshot.complete || FINAL_STATES.has(snapshot.state)) {
      if (tty && !snapshot.complete) options.output.write('\n');
      return snapshot;
    }
    await (options.wake ?? POLL_ONLY).next(options.intervalMs, options.signal);
    if (options.signal?.aborted) throw new Error('stopped waiting');
  }
}
