import { createHash } from 'node:crypto';
import { type CompressParams, DEFAULT_PARAMS, PARAMS_OMITTED_AT_DEFAULT, resolveParams } from './params.js';
import { z } from 'zod';
import { MAX_KEY_BYTES, unsafeKeyReason } from './output-keys.js';
import { RUN_ID } from './run-id.js';
import { BUCKET_NAME } from './s3-url.js';

/** What a job carries: where to read, where to write, with which parameters. */
export interface ImageJob {
  readonly version: 1;
  readonly runId: string;
  readonly source: { readonly bucket: string; readonly key: string; readonly etag: string; readonly bytes: number };
  readonly output: { readonly bucket: string; readonly key: string };
  readonly params: CompressParams;
  /**
   * The job's number in its run (0, 1, 2, … in listing order), given by the producer: the run
   * counts the job's outcome once with one bit at this position. Absent in jobs of older producers.
   */
  readonly ordinal?: number;
}

/** S3 keys are at most 1024 bytes of UTF-8 (a JavaScript length would count UTF-16 units). */
const S3_KEY = z
  .string()
  .min(1)
  .refine((k) => Buffer.byteLength(k) <= MAX_KEY_BYTES, `must be at most ${MAX_KEY_BYTES} bytes`);
const KEY = S3_KEY.refine((k) => !k.split('/').includes('..'), 'must not contain ".." segments');
/** An output key must not address anything outside its prefix (see unsafeKeyReason). */
const OUTPUT_KEY = S3_KEY.superRefine((k, context) => {
  const unsafe = unsafeKeyReason(k);
  if (unsafe !== null) context.addIssue({ code: z.ZodIssueCode.custom, message: `${unsafe}` });
});
const BUCKET = z.string().regex(BUCKET_NAME, 'must be a valid bucket name');

const schema = z
  .object({
    version: z.literal(1),
    runId: z.string().regex(RUN_ID, 'must be 1–64 letters, digits, ".", "_" or "-"'),
    source: z.object({ bucket: BUCKET, key: KEY, etag: z.string().max(200), bytes: z.number().int().nonnegative() }).strict(),
    output: z.object({ bucket: BUCKET, key: OUTPUT_KEY }).strict(),
    params: z.record(z.unknown()),
    ordinal: z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 29 - 1)
      .optional(),
  })
  .strict();

/**
 * Validates a job's data on the worker side (a hand-made or corrupt job is rejected before any
 * I/O). Throws a TypeError naming the offending field.
 */
export function parseImageJob(data: unknown): ImageJob {
  const forbidden = forbiddenKeyPath(data, '', 0);
  if (forbidden !== null) throw new TypeError(`invalid job data: ${forbidden} is a forbidden key`);
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TypeError(`invalid job data: ${issue.path.join('.') || '(root)'} ${issue.message}`);
  }
  const params = resolveParams(parsed.data.params);
  return { ...parsed.data, params };
}

/** Keys that could reach an object's prototype: JSON.parse makes them own properties. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The path of the first forbidden key anywhere in `value`, or null. Checked before the schema,
 * because copying `{"__proto__": …}` into a fresh object (as a record schema does) would set the
 * copy's prototype instead of failing. Nesting deeper than the contract's is refused too.
 */
function forbiddenKeyPath(value: unknown, path: string, depth: number): string | null {
  if (typeof value !== 'object' || value === null) return null;
  if (depth > 4) return `${path || '(root)'} (nested too deep)`;
  for (const key of Object.keys(value)) {
    const at = path === '' ? key : `${path}.${key}`;
    if (FORBIDDEN_KEYS.has(key)) return at;
    const inner = forbiddenKeyPath((value as Record<string, unknown>)[key], at, depth + 1);
    if (inner !== null) return inner;
  }
  return null;
}

/**
 * Stable text of the parameters (defaults filled, in a fixed order). Parameters added later
 * (targetPsnr, skipIfLarger) are left out while at their default, so the hashes of jobs made
 * before them do not change and an incremental run does not redo an archive after an upgrade.
 */
export function paramsFingerprint(params: CompressParams): string {
  const names = (Object.keys(DEFAULT_PARAMS) as (keyof CompressParams)[]).filter(
    (name) => !PARAMS_OMITTED_AT_DEFAULT.includes(name) || params[name] !== DEFAULT_PARAMS[name],
  );
  const ordered = Object.fromEntries(names.map((name) => [name, params[name]]));
  return JSON.stringify(ordered);
}

/**
 * The content identity of a job: the same source object version (bucket, key, ETag), the same
 * destination and the same parameters give the same hash. Stored on the output's metadata
 * object, it tells a later `enqueue` that the work is already done.
 */
export function jobHash(job: Pick<ImageJob, 'source' | 'output' | 'params'>): string {
  return createHash('sha256')
    .update(
      [job.source.bucket, job.source.key, job.source.etag, job.output.bucket, job.output.key, paramsFingerprint(job.params)].join(
        '\0',
      ),
    )
    .digest('hex')
    .slice(0, 32);
}

/**
 * A source → output pair whatever its version: how the failure memory names a job, so that a
 * later failure of the same pair replaces the earlier one.
 */
export function failureIdentity(job: Pick<ImageJob, 'source' | 'output'>): string {
  return `s3://${job.source.bucket}/${job.source.key}\0s3://${job.output.bucket}/${job.output.key}`;
}

/** User-metadata name on every output object and metadata document: the job hash. */
export const JOB_HASH_METADATA = 'kpress-job-hash';

/**
 * User-metadata name on a metadata document whose job wrote no image: "kept-original" when the
 * output would not have been smaller than its source (--skip-if-larger). A later incremental run
 * with the same job hash skips the source (the same bytes and parameters give the same decision).
 */
export const OUTCOME_METADATA = 'kpress-outcome';

/**
 * BullMQ job id: unique per run and content, so enqueueing the same run twice adds nothing,
 * while a later run (e.g. --force) is a new job. BullMQ ids may not contain ":".
 */
export function jobIdFor(runId: string, hash: string): string {
  return `${runId}-${hash}`;
}
