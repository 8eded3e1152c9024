import { BACKOFF_DELAY_MS, isRememberedFailure, JOB_ATTEMPTS, jobIdFor } from '@kpress/job-contract';
import type { OutputClaim } from '@kpress/runs';
import type { Decision, Sink } from './enqueue-checks.js';
import type { EnqueueDeps, EnqueueProgress, EnqueueRequest } from './enqueue-run.js';

/** A batch's decisions: written to the queue and the run, or printed by a dry run. */
/** The real run: jobs queued, counters and failures recorded in the run, failures remembered. */
export function createRunSink(request: EnqueueRequest, deps: EnqueueDeps, progress: EnqueueProgress): Sink {
  const { runId } = request;
  return {
    seen: (sources) => deps.runs.markSeen(runId, sources),
    claim: (entries) => deps.runs.claimOutputs(runId, entries),
    write: async (decisions) => {
      const count = (kind: Decision['kind']): number => decisions.filter((d) => d.kind === kind).length;
      const skippedFailed = decisions.flatMap((d) => (d.kind === 'skip-failed' ? [d.before] : []));
      await deps.runs.addListing(runId, {
        listed: decisions.length,
        skipped: count('skip'),
        skippedFailed: skippedFailed.length,
        duplicates: count('duplicate'),
        notImages: count('not-image'),
      });
      await deps.runs.addSkippedFailures(runId, skippedFailed);
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
        await deps.runs.addJobs(runId, jobs.length);
      }
      progress.queued += jobs.length;
      progress.skipped += count('skip');
      progress.skippedFailed += skippedFailed.length;
      progress.duplicates += count('duplicate');
      progress.notImages += count('not-image');
      for (const d of decisions) if (d.kind === 'fail') await recordFailure(d);
    },
  };

  async function recordFailure(d: Extract<Decision, { kind: 'fail' }>): Promise<void> {
    const { candidate, failure } = d;
    deps.logger.warn({ runId, key: candidate.object.key, code: failure.code }, failure.reason);
    await deps.runs.addJobs(runId, 1);
    await deps.runs.finishJob(runId, `enqueue-${d.memory?.hash ?? candidate.source}`, {
      status: 'failed',
      failure: { key: candidate.source, ...failure },
    });
    progress.failed++;
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
    seen: (sources) =>
      resolved(
        sources.map((source) => {
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
