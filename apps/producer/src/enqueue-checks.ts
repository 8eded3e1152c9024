import {
  decodeOwner,
  failureIdentity,
  JOB_HASH_METADATA,
  metadataKeyFor,
  OUTCOME_METADATA,
  type S3Location,
} from '@kpress/job-contract';
import type { ObjectStore } from '@kpress/object-store';
import type { FailureMemory, JobFailureRecord, OutputClaim } from '@kpress/runs';
import { type Candidate, type EnqueueFailure, type MemoryKey } from './enqueue-candidates.js';

/** HEAD requests in flight at once when checking for existing outputs. */
export const HEAD_CONCURRENCY = 64;

/** One object's fate after the batch checks. */
export type Decision =
  | { readonly kind: 'queue'; readonly candidate: Extract<Candidate, { kind: 'job' }> }
  | { readonly kind: 'skip'; readonly candidate: Candidate }
  | { readonly kind: 'skip-failed'; readonly candidate: Candidate; readonly before: JobFailureRecord }
  | { readonly kind: 'duplicate'; readonly candidate: Candidate }
  | { readonly kind: 'not-image'; readonly candidate: Candidate }
  | { readonly kind: 'fail'; readonly candidate: Candidate; readonly failure: EnqueueFailure; readonly memory: MemoryKey | null };

/** For each entry: whether the claim holds, the same source came twice, or another source owns the output. */
export type ClaimOutputs = (entries: readonly { output: string; source: string }[]) => Promise<OutputClaim[]>;

/** Where a batch's decisions go: the queue and run record, or a dry run's printout. */
export type BatchSink = (decisions: readonly Decision[], checkpoint: string) => Promise<void>;

/** Per-run bookkeeping that a dry run keeps in memory instead of Redis. */
export interface Sink {
  /** For each source, true the first time the run sees it (or sees it at the same listing position again). */
  readonly seen: (entries: readonly { source: string; position: string }[]) => Promise<boolean[]>;
  /** Where the batch's decisions go, with the listing position after the batch. */
  readonly claim: ClaimOutputs;
  readonly write: BatchSink;
}

/**
 * What each object of a batch is before any I/O: a repeat of a source the run has seen
 * (`firstSeen` false: counted once, as a duplicate), not an image, a failure `candidateFor`
 * found, or still open (null): a job the checks below may skip, recall or fail.
 */
export function firstDecisions(candidates: readonly Candidate[], firstSeen: readonly boolean[]): (Decision | null)[] {
  return candidates.map((candidate, i) => {
    if (!firstSeen[i]) return { kind: 'duplicate', candidate };
    if (candidate.kind === 'not-image') return { kind: 'not-image', candidate };
    if (candidate.kind === 'failed') return { kind: 'fail', candidate, failure: candidate.failure, memory: candidate.memory };
    return null;
  });
}

/**
 * HEADs each job's metadata document: done already with this hash (skip, once a HEAD of the image
 * shows the same hash), or owned by another
 * source (returned by index: a collision, decided after the failure memory had its say).
 */
export async function checkExistingOutputs(
  candidates: readonly Candidate[],
  decisions: (Decision | null)[],
  destinationEmpty: boolean,
  force: boolean,
  store: ObjectStore,
): Promise<Map<number, string>> {
  const collisions = new Map<number, string>();
  if (destinationEmpty) return collisions;
  const open = candidates.flatMap((c, i) => (decisions[i] === null && c.kind === 'job' && c.object.exists ? [i] : []));
  for (let start = 0; start < open.length; start += HEAD_CONCURRENCY) {
    await Promise.all(
      open.slice(start, start + HEAD_CONCURRENCY).map(async (i) => {
        const candidate = candidates[i] as Extract<Candidate, { kind: 'job' }>;
        const { output } = candidate.job;
        const head = await store.head(output.bucket, metadataKeyFor(output.key));
        if (head === null) return;
        const owner = decodeOwner(head.metadata);
        if (owner !== null && owner !== candidate.source) collisions.set(i, owner);
        else if (!force && head.metadata[JOB_HASH_METADATA] === candidate.hash) {
          // A source kept as it was (--skip-if-larger) has a metadata document and no image: the
          // same version and parameters would keep it again, so it is skipped like a done one.
          if (head.metadata[OUTCOME_METADATA] === 'kept-original') {
            decisions[i] = { kind: 'skip', candidate };
            return;
          }
          // Trusted only when the image carries the same hash: a torn pair (a crash between the
          // two PUTs, or two runs racing) is redone, never skipped.
          const image = await store.head(output.bucket, output.key);
          if (image?.metadata[JOB_HASH_METADATA] === candidate.hash) decisions[i] = { kind: 'skip', candidate };
        }
      }),
    );
  }
  return collisions;
}

/** Outputs found owned by another source fail as output-collision. */
export function applyCollisions(
  candidates: readonly Candidate[],
  decisions: (Decision | null)[],
  collisions: Map<number, string>,
): void {
  for (const [i, owner] of collisions) {
    const candidate = candidates[i] as Extract<Candidate, { kind: 'job' }>;
    if (decisions[i] !== null) continue;
    decisions[i] = {
      kind: 'fail',
      candidate,
      failure: outputCollision(candidate.job.output, owner),
      memory: { identity: failureIdentity(candidate.job), hash: candidate.hash },
    };
  }
}

/** Sources that failed permanently before with the same hash are skipped, unless retryFailed. */
export async function recallFailures(
  candidates: readonly Candidate[],
  decisions: (Decision | null)[],
  retryFailed: boolean,
  memory: FailureMemory,
): Promise<void> {
  if (retryFailed) return;
  const open = candidates.flatMap((c, i) => (decisions[i] === null && c.kind === 'job' ? [i] : []));
  const recalled = await memory.recall(
    open.map((i) => {
      const c = candidates[i] as Extract<Candidate, { kind: 'job' }>;
      return { identity: failureIdentity(c.job), hash: c.hash };
    }),
  );
  open.forEach((i, n) => {
    const before = recalled[n];
    if (before) {
      decisions[i] = {
        kind: 'skip-failed',
        candidate: candidates[i]!,
        before: {
          key: before.source,
          code: before.code,
          reason: `failed before (run ${before.runId}, ${new Date(before.at).toISOString()}): ${before.reason}`,
        },
      };
    }
  });
}

/** Within the run, the first source to claim an output key owns it; another one collides. */
export async function claimOutputs(
  candidates: readonly Candidate[],
  decisions: (Decision | null)[],
  claim: ClaimOutputs,
  destination: S3Location,
): Promise<void> {
  const open = candidates.flatMap((c, i) => (decisions[i] === null && c.kind === 'job' ? [i] : []));
  const owners = await claim(
    open.map((i) => {
      const c = candidates[i] as Extract<Candidate, { kind: 'job' }>;
      return { output: c.job.output.key, source: c.source };
    }),
  );
  open.forEach((i, n) => {
    const candidate = candidates[i] as Extract<Candidate, { kind: 'job' }>;
    const claim = owners[n];
    if (claim?.kind === 'duplicate') decisions[i] = { kind: 'duplicate', candidate };
    else if (claim?.kind === 'collision') {
      decisions[i] = {
        kind: 'fail',
        candidate,
        failure: outputCollision({ bucket: destination.bucket, key: candidate.job.output.key }, claim.owner),
        memory: { identity: failureIdentity(candidate.job), hash: candidate.hash },
      };
    } else decisions[i] = { kind: 'queue', candidate };
  });
}

function outputCollision(output: { bucket: string; key: string }, owner: string): EnqueueFailure {
  return {
    code: 'output-collision',
    reason: `its output s3://${output.bucket}/${output.key} belongs to ${owner}; not overwritten`,
  };
}
