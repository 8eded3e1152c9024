import { pairLabel, parseS3Url } from '@kpress/job-contract';
import { ResumeRefusedError, RunConflictError, type RunSnapshot, type RunStore } from '@kpress/runs';

/** Where a resumed listing continues: a prefix after its last key, or a manifest after its line. */
export type ResumePoint =
  | { readonly kind: 'prefix'; readonly startAfter: string | undefined }
  | { readonly kind: 'manifest'; readonly path: string; readonly afterLine: number };

const MANIFEST_LABEL = 'manifest ';

/**
 * Hands the listing of a run whose producer stopped (killed, or its listing failed) to this
 * producer: the run's source → destination pair is taken again (refused while another run of
 * it is listing or running), the run returns to `listing`, and the point to list from is
 * returned with the run. Only prefix and manifest runs can resume (a retry's list is its own).
 */
export async function takeOverListing(
  runs: RunStore,
  runId: string,
  manifestPath?: string,
): Promise<{ run: RunSnapshot; from: ResumePoint }> {
  const run = await runs.get(runId);
  if (run === null) throw new ResumeRefusedError(`no run ${runId} to resume`);
  const isPrefix = run.source.startsWith('s3://');
  if (!isPrefix && !run.source.startsWith(MANIFEST_LABEL)) {
    throw new ResumeRefusedError(`run ${runId} lists ${run.source}: only a prefix or manifest listing can be resumed`);
  }
  const pair = pairLabel(run.source, parseS3Url(run.destination, 'the run destination'));
  const taken = await runs.takePair(pair, runId, false);
  if (!taken.taken) throw new RunConflictError(pair, taken.active.runId, taken.active.state);
  const checkpoint = await runs.resumeListing(runId);
  if (isPrefix) return { run, from: { kind: 'prefix', startAfter: checkpoint ?? undefined } };
  const afterLine = checkpoint === null ? 0 : Number(checkpoint);
  return { run, from: { kind: 'manifest', path: manifestPath ?? run.source.slice(MANIFEST_LABEL.length), afterLine } };
}
