import { resolveParams } from '@kpress/job-contract';
import { parseS3Url } from '@kpress/job-contract';
import { objectsFromManifest, objectsUnderPrefix, takeOverListing } from '@kpress/producer';
import { ResumeRefusedError, RunConflictError } from '@kpress/runs';
import { runEnqueueFlow } from '../enqueue-flow.js';
import { openRunSession } from '../run-session.js';
import { UsageError } from '../usage-error.js';
import type { CommandContext } from './command.js';

export interface ResumeOptions {
  readonly runId: string;
  /** A manifest run's file, when not at the path the run recorded. */
  readonly manifest: string | undefined;
  readonly maxQueued: number;
  readonly wait: boolean;
}

/**
 * `kpress enqueue --resume RUN_ID`: finishes the listing of a run whose producer stopped, from
 * the checkpoint its last committed batch left, with the run's own source, destination,
 * parameters and flags. Objects before the checkpoint are not listed again; the batch in flight
 * when the producer died is redone, counted once, its jobs queued once (same job ids).
 */
export async function runResume(options: ResumeOptions, context: CommandContext): Promise<number> {
  const session = await openRunSession(context);
  try {
    let taken;
    try {
      taken = await takeOverListing(session.runs, options.runId, options.manifest);
    } catch (error) {
      if (error instanceof ResumeRefusedError || error instanceof RunConflictError) throw new UsageError(error.message);
      throw error;
    }
    const { run, from } = taken;
    const sourcePrefix = from.kind === 'prefix' ? parseS3Url(run.source, 'the run source') : null;
    context.stderr.write(
      `resuming the listing of run ${run.runId} ` +
        (from.kind === 'prefix'
          ? from.startAfter === undefined
            ? 'from the start\n'
            : `after ${from.startAfter}\n`
          : `after line ${from.afterLine} of ${from.path}\n`),
    );
    const flags = run.flags ?? { force: false, retryFailed: false };
    return await runEnqueueFlow(
      session,
      {
        runId: run.runId,
        objects:
          from.kind === 'prefix'
            ? objectsUnderPrefix(session.store, sourcePrefix!, from.startAfter)
            : objectsFromManifest(session.store, from.path, { afterLine: from.afterLine }),
        sourceLabel: run.source,
        sourcePrefix,
        relativeTo: run.sourcePrefix === null ? null : parseS3Url(run.sourcePrefix, 'the run source prefix'),
        mayRepeat: from.kind === 'manifest',
        destination: parseS3Url(run.destination, 'the run destination'),
        params: resolveParams(run.params),
        force: flags.force,
        retryFailed: flags.retryFailed,
        dryRun: false,
        origin: run.origin,
        maxInputBytes: context.config.maxInputBytes,
        allowedBuckets: context.config.allowedBuckets,
        maxQueued: options.maxQueued,
        resumed: true,
      },
      { wait: options.wait },
      context,
    );
  } catch (error) {
    if (error instanceof ResumeRefusedError) throw new UsageError(error.message);
    throw error;
  } finally {
    await session.close();
  }
}
