import { BACKOFF_DELAY_MS, isRememberedFailure, JOB_ATTEMPTS, jobIdFor } from '@kpress/job-contract';
import type { OutputClaim } from '@kpress/runs';
import type { Decision, Sink } from './enqueue-checks.js';
import type { EnqueueDeps, EnqueueProgress, EnqueueRequest } from './enqueue-run.js';
import { createSortedClaims, type SortedClaims } from './sorted-claims.js';

/** A batch's decisions: written to the queue and the run, or printed by a dry run. */
/** The real run: jobs queued, counters and failures recorded in the run, failures remembered. */
export function createRunSink(request: EnqueueRequest, deps: EnqueueDeps, progress: EnqueueProgress): Sink {
  const { runId } = request;
  // A prefix listing comes in key order: its claims are checked in memory, keeping only those a
  // later key could collide with (saved with each checkpoint). A manifest or retry list is in
  // no order: its claims are kept in the run (Redis).
  // A batch claims on a copy, kept once the batch is written: a batch tried again (a Redis
  // failover) claims from where the last written batch left the listing, not from its own claims.
  let sorted: SortedClaims | null = null;
  let batchClaims: SortedClaims | null = null;
  const sortedClaims = async (): Promise<SortedClaims> =>
    (sorted ??= createSortedClaims(request.resumed === true ? await deps.runs.openClaims(runId) : []));
  const claimInMemory = async (entries: Parameters<SortedClaims['claim']>[0]): Promise<OutputClaim[]> => {
    batchClaims = (await sortedClaims()).fork();
    return batchClaims.claim(entries);
  };
  return {
    seen: (entries) => deps.runs.markSeen(runId, entries),
    // A prefix listing never names a source twice and a manifest's repeats are caught by `seen`,
    // so a claim by the same source is this run's own, from a batch its killed producer had not
    // committed: a resumed listing queues it again (same job id: BullMQ keeps one job).
    claim: async (entries) =>
      (request.mayRepeat ? await deps.runs.claimOutputs(runId, entries) : await claimInMemory(entries)).map(
        (claim): OutputClaim => (claim.kind === 'duplicate' ? { kind: 'claimed' } : claim),
      ),
    write: async (decisions, checkpoint) => {
      const count = (kind: Decision['kind']): number => decisions.filter((d) => d.kind === kind).length;
      const skippedFailed = decisions.flatMap((d) => (d.kind === 'skip-failed' ? [d.before] : []));
      // Failures first: finishJob counts each (by its id) once, even when a resume redoes the batch.
      const failures = decisions.flatMap((d) => (d.kind === 'fail' ? [d] : []));
      for (const d of failures) await recordFailure(d);
      const jobs = decisions.flatMap((d) => (d.kind === 'queue' ? [d.candidate] : []));
      if (jobs.length > 0) {
        await deps.queue.addBulk(
          jobs.map((c) => ({
            name: 'image',
            data: c.job,
            opts: {
              jobId: jobIdFor(runId, c.hash),
              attempts: JOB_ATTEMPTS,
              backoff: { type: 'exponential', delay: BACKOFF_DELAY_MS, jitter: 0.5 },
            },
          })),
        );
      }
      // Then the batch's counters and checkpoint, all at once: the batch is counted exactly once.
      await deps.runs.commitBatch(runId, {
        listed: decisions.length,
        skipped: count('skip'),
        skippedFailed: skippedFailed.length,
        duplicates: count('duplicate'),
        notImages: count('not-image'),
        jobs: jobs.length + failures.length,
        skippedFailures: skippedFailed,
        checkpoint,
        ...(request.mayRepeat ? {} : { openClaims: (batchClaims ?? (await sortedClaims())).open() }),
      });
      if (batchClaims !== null) [sorted, batchClaims] = [batchClaims, null];
      progress.queued += jobs.length;
      progress.skipped += count('skip');
      progress.skippedFailed += skippedFailed.length;
      progress.duplicates += count('duplicate');
      progress.notImages += count('not-image');
      progress.failed += failures.length;
    },
  };

  async function recordFailure(d: Extract<Decision, { kind: 'fail' }>): Promise<void> {
    const { candidate, failure } = d;
    deps.logger.warn({ runId, key: candidate.object.key, code: failure.code }, failure.reason);
    await deps.runs.finishJob(
      runId,
      `enqueue-${d.memory?.hash ?? candidate.source}`,
      { status: 'failed', failure: { key: candidate.source, ...failure } },
      candidate.ordinal,
    );
    if (d.memory && isRememberedFailure(failure.code)) {
      await deps.failureMemory.remember(d.memory.identity, {
        hash: d.memory.hash,
        source: candidate.source,
        code: failure.code,
        reason: failure.reason,
        runId,
        at: Date.now(),
      });
    }
  }
}

/** A dry run: the same checks, printed; claims and duplicates tracked in memory (one listing's worth). */
export function createDryRunSink(deps: EnqueueDeps, progress: EnqueueProgress): Sink {
  const seenSources = new Set<string>();
  const owners = new Map<string, string>();
  return {
    seen: (entries) =>
      resolved(
        entries.map(({ source }) => {
          if (seenSources.has(source)) return false;
          seenSources.add(source);
          return true;
        }),
      ),
    claim: (entries) =>
      resolved(
        entries.map(({ output, source }): OutputClaim => {
          const owner = owners.get(output);
          if (owner === undefined) {
            owners.set(output, source);
            return { kind: 'claimed' };
          }
          return owner === source ? { kind: 'duplicate' } : { kind: 'collision', owner };
        }),
      ),
    write: (decisions) => {
      for (const d of decisions) {
        const source = d.candidate.source;
        const output = d.candidate.kind === 'job' ? d.candidate.job.output.key : null;
        switch (d.kind) {
          case 'queue':
            progress.queued++;
            deps.onDryRunEntry?.({ action: 'queue', source, output });
            break;
          case 'skip':
            progress.skipped++;
            deps.onDryRunEntry?.({ action: 'skip', source, output, reason: 'already done with these parameters' });
            break;
          case 'skip-failed':
            progress.skippedFailed++;
            deps.onDryRunEntry?.({ action: 'skip', source, output, reason: `[${d.before.code}] ${d.before.reason}` });
            break;
          case 'duplicate':
            progress.duplicates++;
            deps.onDryRunEntry?.({ action: 'skip', source, output, reason: 'named twice: counted once' });
            break;
          case 'not-image':
            progress.notImages++;
            break;
          case 'fail':
            progress.failed++;
            deps.onDryRunEntry?.({ action: 'fail', source, output, reason: `[${d.failure.code}] ${d.failure.reason}` });
            break;
        }
      }
      return resolved(undefined);
    },
  };
}

function resolved<T>(value: T): Promise<T> {
  return Promise.resolve(value);
}
