import { type ImageJob, outputKeyFor, paramsFingerprint, parseS3Url } from '@kpress/job-contract';
import { resolveParams } from '@kpress/job-contract';
import type { RunSnapshot } from '@kpress/runs';

/**
 * Why a job does not belong to its run, or null when it does: the run must exist and still be
 * open, and the job's output must be exactly the key that the run's destination and the job's
 * source produce, with the run's parameters. A job added to the queue by hand can then write
 * nothing its run would not have written: not a source key, not `_kpress/`, not another prefix.
 */
export function provenanceProblem(job: ImageJob, run: RunSnapshot | null): string | null {
  if (run === null) return `run ${job.runId} does not exist`;
  if (run.complete) return `run ${job.runId} has ended`;
  const destination = parseS3Url(run.destination, `destination of run ${run.runId}`);
  if (job.output.bucket !== destination.bucket) {
    return `its output bucket ${job.output.bucket} is not the run's destination bucket ${destination.bucket}`;
  }
  let relativeKey = job.source.key;
  if (run.sourcePrefix !== null) {
    const prefix = parseS3Url(run.sourcePrefix, `source of run ${run.runId}`);
    if (job.source.bucket !== prefix.bucket || !job.source.key.startsWith(prefix.key)) {
      return `its source s3://${job.source.bucket}/${job.source.key} is not under the run's source ${run.sourcePrefix}`;
    }
    relativeKey = job.source.key.slice(prefix.key.length).replace(/^\/+/, '');
  }
  let expected: string;
  try {
    expected = outputKeyFor(relativeKey, destination.key, `.${job.params.format}`);
  } catch (error) {
    return (error as Error).message;
  }
  if (expected !== job.output.key) {
    return `its output key ${JSON.stringify(job.output.key)} is not the run's key for this source (${JSON.stringify(expected)})`;
  }
  if (paramsFingerprint(resolveParams(run.params)) !== paramsFingerprint(job.params)) {
    return `its parameters differ from run ${run.runId}'s`;
  }
  return null;
}
