import type { RunFlags, RunSnapshot } from './run-records.js';
import { runStateOf } from './run-state.js';

/** A run's snapshot from its hash and the size of its active set, at time `now`. */
export function snapshotOf(hash: Readonly<Record<string, string | undefined>>, active: number, now: number): RunSnapshot {
  const number = (field: string): number => Number(hash[field] ?? 0);
  const jobs = number('jobs');
  const done = number('done');
  const failed = number('failed');
  const keptOriginal = number('keptOriginal');
  const psnrCount = number('psnrCount');
  const listingDone = hash.listingDone === '1';
  const cancelled = number('cancelledJobs');
  const { state, reason } = runStateOf(hash, now);
  return {
    runId: hash.runId ?? '',
    state,
    stateReason: reason,
    source: hash.source ?? '',
    destination: hash.destination ?? '',
    sourcePrefix: hash.sourcePrefix ? hash.sourcePrefix : null,
    params: JSON.parse(hash.params ?? '{}') as Record<string, unknown>,
    origin: hash.origin ?? 'enqueue',
    createdAt: number('createdAt'),
    finishedAt: hash.finishedAt ? Number(hash.finishedAt) : null,
    listingDone,
    complete: hash.finalized === '1',
    flags: JSON.parse(hash.flags ?? '{"force":false,"retryFailed":false}') as RunFlags,
    checkpoint: hash.checkpoint ?? null,
    listingPaused:
      hash.listingPaused !== undefined && state === 'listing'
        ? { queued: number('listingPaused'), maxQueued: number('maxQueued') }
        : null,
    resumes: number('resumes'),
    listed: number('listed'),
    jobs,
    skipped: number('skipped'),
    skippedFailed: number('skippedFailed'),
    duplicates: number('duplicates'),
    notImages: number('notImages'),
    done,
    keptOriginal,
    failed,
    cancelled,
    active: Math.min(active, Math.max(0, jobs - done - keptOriginal - failed - cancelled)),
    queued: state === 'cancelled' ? 0 : Math.max(0, jobs - done - keptOriginal - failed - cancelled - active),
    bytesIn: number('bytesIn'),
    bytesOut: number('bytesOut'),
    meanPsnr: psnrCount > 0 ? number('psnrSum') / psnrCount : null,
  };
}
