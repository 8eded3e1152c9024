import type { RunState } from './run-state.js';

/** What a run was asked to do; stored when it is created. */
export interface RunDefinition {
  readonly runId: string;
  readonly source: string;
  readonly destination: string;
  /**
   * The listed prefix (s3://BUCKET/PREFIX) that output keys are relative to, or null when they
   * are whole source keys (a manifest). Workers check each job's output key against it.
   */
  readonly sourcePrefix?: string | null;
  readonly params: Readonly<Record<string, unknown>>;
  /** Why the run exists: "enqueue", "retry:RUN_ID" or "schedule:NAME". */
  readonly origin: string;
  /** How it lists (kept so `--resume` lists the rest the same way). Default: neither. */
  readonly flags?: RunFlags;
}

/** The enqueue options a resumed listing must keep. */
export interface RunFlags {
  readonly force: boolean;
  readonly retryFailed: boolean;
}

/** Counts and totals of a run, as `status` shows them. */
export interface RunSnapshot extends RunDefinition {
  readonly sourcePrefix: string | null;
  /** The run's one state (see RunState); `stateReason` says why for failed and cancelled runs. */
  readonly state: RunState;
  readonly stateReason: string | null;
  readonly createdAt: number;
  readonly finishedAt: number | null;
  readonly listingDone: boolean;
  readonly complete: boolean;
  // The listing's own fields (optional: snapshots built by hand, in report tests, may omit them).
  readonly flags?: RunFlags;
  /** Where the listing stands (last key listed, or manifest line); null before the first batch. */
  readonly checkpoint?: string | null;
  /** While back-pressure holds the listing: the run's waiting jobs, and the most it allows. */
  readonly listingPaused?: { readonly queued: number; readonly maxQueued: number } | null;
  /** How many times `--resume` took the listing over. */
  readonly resumes?: number;
  /** Objects seen while listing, images among them, and non-images left out. */
  readonly listed: number;
  readonly jobs: number;
  readonly skipped: number;
  /** Skipped because they failed permanently before with the same version and parameters. */
  readonly skippedFailed: number;
  /** Manifest lines naming an object already named: counted once. */
  readonly duplicates: number;
  readonly notImages: number;
  readonly done: number;
  /**
   * Jobs whose output would have been at least as large as the source (--skip-if-larger): no
   * image written, the source kept; counted apart from done and failed.
   */
  readonly keptOriginal: number;
  readonly failed: number;
  /** Jobs that never ran because the run was cancelled. */
  readonly cancelled: number;
  readonly active: number;
  readonly queued: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly meanPsnr: number | null;
}

export interface JobResultRecord {
  readonly key: string;
  readonly output: string;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly psnr: number | null;
  readonly megapixels: number;
  readonly timingsMs: Readonly<Record<string, number>>;
  /** Palette size written: the K chosen by --target-psnr, else --k. Absent in runs made before it. */
  readonly k?: number;
  /** True when no image was written (--skip-if-larger); bytesOut is then the size it would have had. */
  readonly keptOriginal?: boolean;
}

export interface JobFailureRecord {
  readonly key: string;
  readonly code: string;
  readonly reason: string;
}

export type JobOutcome =
  | { readonly status: 'done'; readonly result: JobResultRecord }
  | { readonly status: 'kept-original'; readonly result: JobResultRecord }
  | { readonly status: 'failed'; readonly failure: JobFailureRecord }
  | { readonly status: 'cancelled' };

/** What a claim on an output key found: the claim holds, the same source twice, or another owner. */
export type OutputClaim =
  { readonly kind: 'claimed' } | { readonly kind: 'duplicate' } | { readonly kind: 'collision'; readonly owner: string };

export interface FinishResult {
  /** False when this job's outcome had already been counted (a retry after a crash). */
  readonly counted: boolean;
  /**
   * True for the one call that completed the run, and for a retried job's call while the
   * completed run's report is not yet marked written (the first finalizer may have crashed).
   */
  readonly completedRun: boolean;
  /** The run's result buffer holds a full page: the caller should spill it (RunStore.spillResults). */
  readonly pageReady: boolean;
}

/** The run hash's counter of each outcome. */
export const COUNTERS: Readonly<Record<JobOutcome['status'], string>> = {
  done: 'done',
  'kept-original': 'keptOriginal',
  failed: 'failed',
  cancelled: 'cancelledJobs',
};

/** Failure records kept per run; further failures are counted but not listed. */
export const MAX_FAILURES_KEPT = 10_000;
/** Runs expire from Redis this long after their last change. */
export const RUN_TTL_SECONDS = 30 * 24 * 3600;
/** Job ordinals stay below this: a run's finished bitmap is at most 64 MiB (Redis caps bitmaps at 512 MiB). */
export const MAX_ORDINAL = 2 ** 29;
