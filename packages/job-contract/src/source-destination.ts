import { normalisePrefix } from './output-keys.js';
import { formatS3Url, type S3Location } from './s3-url.js';

/**
 * Why a run from `source` into `destination` could read what it writes or write over what it
 * reads, or null when it cannot: in one bucket, the destination equal to the source, nested in
 * it, or containing it. A listing of prefix P covers every key that starts with P (not only
 * "P/…"), so `s3://b/photos` and `s3://b/photos-small/` overlap too.
 */
export function overlapReason(source: S3Location, destination: S3Location): string | null {
  if (source.bucket !== destination.bucket) return null;
  const written = normalisePrefix(destination.key);
  const read = source.key;
  if (normalisePrefix(read) === written) return 'the destination is the source: its images would be overwritten';
  if (written.startsWith(read))
    return 'the destination is inside the source: every later run would compress earlier outputs and reports again';
  if (read.startsWith(written)) return 'the source is inside the destination: outputs would be written over the images read';
  return null;
}

/** The identity of a run's source → destination pair, whatever its parameters. */
export function pairLabel(source: string, destination: S3Location): string {
  return `${source} → s3://${destination.bucket}/${normalisePrefix(destination.key)}`;
}

/**
 * Why a run from `source` (a listed prefix; null for a manifest, whose entries are checked one by
 * one) into `destination` must not start, or null when it may: a bucket outside
 * KPRESS_ALLOWED_BUCKETS (`allowed`, null for any), or a source and destination that overlap.
 * The one check behind `enqueue`, `schedule add` and every schedule tick.
 */
export function runRefusal(
  source: S3Location | null,
  destination: S3Location,
  allowed: ReadonlySet<string> | null,
): string | null {
  for (const [what, location] of [
    ['source', source],
    ['destination', destination],
  ] as const) {
    if (allowed && location && !allowed.has(location.bucket)) {
      return `the ${what} bucket ${location.bucket} is not in KPRESS_ALLOWED_BUCKETS`;
    }
  }
  const overlap = source ? overlapReason(source, destination) : null;
  return overlap === null ? null : `refusing ${formatS3Url(source!)} → ${formatS3Url(destination)}: ${overlap}`;
}
