import type { CompressParams } from '@kpress/job-contract';
import {
  failureIdentity,
  type FailureCode,
  type ImageJob,
  jobHash,
  looksLikeImage,
  normalisePrefix,
  outputKeyFor,
  type S3Location,
  UnsafeKeyError,
} from '@kpress/job-contract';
import type { SourceObject } from './source-objects.js';

/** What enqueue decides for one listed object, before any job is queued. */
export type Candidate =
  | { readonly kind: 'not-image'; readonly object: SourceObject; readonly source: string; readonly ordinal: number }
  | {
      readonly kind: 'failed';
      readonly object: SourceObject;
      readonly source: string;
      readonly ordinal: number;
      readonly failure: EnqueueFailure;
      readonly memory: MemoryKey | null;
    }
  | {
      readonly kind: 'job';
      readonly object: SourceObject;
      readonly source: string;
      readonly ordinal: number;
      readonly job: ImageJob;
      readonly hash: string;
    };

/** How the failure memory names a pair and its version: see FailureMemory. */
export interface MemoryKey {
  readonly identity: string;
  readonly hash: string;
}

export interface EnqueueFailure {
  readonly code: FailureCode;
  readonly reason: string;
}

export interface CandidateRules {
  readonly runId: string;
  readonly destination: S3Location;
  readonly params: CompressParams;
  readonly maxInputBytes: number;
  /** Buckets jobs may read (KPRESS_ALLOWED_BUCKETS); null: any. */
  readonly allowedBuckets: ReadonlySet<string> | null;
}

/**
 * Decides, with no I/O, what one object becomes: not an image, a failure known before any job
 * runs (unsafe key, bucket not allowed, too large, an output that would overwrite a source), or a
 * job with its content hash. `ordinal` is the object's number in the run's listing (0, 1, 2, …):
 * its job's, or its failure's, bit in the run's finished bitmap.
 */
export function candidateFor(object: SourceObject, rules: CandidateRules, ordinal: number): Candidate {
  const source = `s3://${object.bucket}/${object.key}`;
  if (object.exists && !looksLikeImage(object.key)) return { kind: 'not-image', object, source, ordinal };
  const fail = (code: FailureCode, reason: string, memory: MemoryKey | null = null): Candidate => ({
    kind: 'failed',
    object,
    source,
    ordinal,
    failure: { code, reason },
    memory,
  });
  let outputKey: string;
  try {
    outputKey = outputKeyFor(object.relativeKey, rules.destination.key, `.${rules.params.format}`);
  } catch (error) {
    return fail(error instanceof UnsafeKeyError ? error.code : 'unsafe-key', (error as Error).message);
  }
  if (rules.allowedBuckets && !rules.allowedBuckets.has(object.bucket)) {
    return fail('bucket-not-allowed', `bucket ${object.bucket} is not in KPRESS_ALLOWED_BUCKETS`);
  }
  if (object.bucket === rules.destination.bucket) {
    if (outputKey === object.key)
      return fail('unsafe-output', 'its output key is the source key itself: the source would be overwritten');
    if (object.key.startsWith(normalisePrefix(rules.destination.key))) {
      return fail(
        'unsafe-output',
        `it lies inside the destination s3://${rules.destination.bucket}/${rules.destination.key}: kpress does not read what it writes`,
      );
    }
  }
  const job: ImageJob = {
    version: 1,
    runId: rules.runId,
    source: { bucket: object.bucket, key: object.key, etag: object.etag, bytes: object.size },
    output: { bucket: rules.destination.bucket, key: outputKey },
    params: rules.params,
    ordinal,
  };
  const hash = jobHash(job);
  if (object.size > rules.maxInputBytes) {
    return fail('too-large', `the object is ${object.size} bytes, more than the limit of ${rules.maxInputBytes}`, {
      identity: failureIdentity(job),
      hash,
    });
  }
  return { kind: 'job', object, source, ordinal, job, hash };
}
