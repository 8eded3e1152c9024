/** The object does not exist (or was deleted after listing). Permanent. */
export class MissingObjectError extends Error {
  override readonly name = 'MissingObjectError';
  readonly permanent = true;
  constructor(
    readonly bucket: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`s3://${bucket}/${key} does not exist`, options);
  }
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
