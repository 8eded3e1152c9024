/** An S3 location: `s3://bucket/prefix-or-key`. */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** An S3 bucket name as kpress accepts it (lower-case DNS-style, 3–63 characters). */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses `s3://bucket/key`; `what` names the argument in the error. */
export function parseS3Url(url: string, what: string): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!match) throw new TypeError(`${what} must be an s3://BUCKET/PREFIX URL, received ${JSON.stringify(url)}`);
  const bucket = match[1]!;
  if (!BUCKET_NAME.test(bucket)) throw new TypeError(`${what} has an invalid bucket name ${JSON.stringify(bucket)}`);
  return { bucket, key: match[2] ?? '' };
}

export function formatS3Url(location: S3Location): string {
  return `s3://${location.bucket}/${location.key}`;
}
