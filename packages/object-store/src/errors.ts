/** The object does not exist (or was deleted after listing). Permanent. */
export class MissingObjectError extends Error {
  override readonly name: string = 'MissingObjectError';
  readonly permanent = true;
  constructor(
    readonly bucket: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`s3://${bucket}/${key} does not exist`, options);
  }
}

/**
 * The bucket itself does not exist (so neither does any object in it). Permanent. A
 * MissingObjectError, so code that only asks "is the object there?" needs no new case.
 */
export class MissingBucketError extends MissingObjectError {
  override readonly name: string = 'MissingBucketError';
  constructor(bucket: string, key: string, options?: { cause?: unknown }) {
    super(bucket, key, options);
    this.message = `bucket ${bucket} does not exist`;
  }
}

/**
 * The AWS SDK found no credentials (no AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, no profile, no
 * role): a configuration mistake, not a storage fault; every request would fail the same way.
 */
export class MissingCredentialsError extends Error {
  override readonly name = 'MissingCredentialsError';
  readonly permanent = true;
}

/** The object is larger than the worker accepts. Permanent. */
export class ObjectTooLargeError extends Error {
  override readonly name = 'ObjectTooLargeError';
  readonly permanent = true;
  constructor(
    readonly bucket: string,
    readonly key: string,
    readonly size: number,
    readonly maxBytes: number,
  ) {
    super(`s3://${bucket}/${key} is ${size} bytes, more than the limit of ${maxBytes}`);
  }
}

/** The credentials may not read or write this object or bucket. Permanent for the job. */
export class AccessDeniedError extends Error {
  override readonly name = 'AccessDeniedError';
  readonly permanent = true;
}

/** A network fault, a 5xx or SlowDown: the same request may succeed later. */
export class TransientStorageError extends Error {
  override readonly name = 'TransientStorageError';
  readonly permanent = false;
}
