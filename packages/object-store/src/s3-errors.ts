import {
  AccessDeniedError,
  MissingBucketError,
  MissingCredentialsError,
  MissingObjectError,
  ObjectTooLargeError,
  TransientStorageError,
} from './errors.js';

/** What the adapter was doing when an error happened, for messages and typed errors. */
export interface StorageErrorContext {
  readonly operation: string;
  readonly bucket: string;
  readonly key?: string;
  /** A write: a 404 then means the bucket is missing, not the object. */
  readonly write?: boolean;
}

const MISSING_NAMES = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);
const DENIED_NAMES = new Set(['AccessDenied', 'Forbidden', 'InvalidAccessKeyId', 'SignatureDoesNotMatch']);
const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ServiceUnavailable',
  'InternalError',
]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED']);

interface ErrorFields {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly cause?: unknown;
  readonly errors?: unknown;
}

/** The HTTP status the SDK recorded for a service error, if any. */
function httpStatusOf(error: unknown): number | undefined {
  const status = fields(error)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** True for "this object (or bucket) does not exist": a 404, NoSuchKey or NotFound. */
export function isNotFound(error: unknown): boolean {
  const name = fields(error)?.name;
  return httpStatusOf(error) === 404 || (typeof name === 'string' && MISSING_NAMES.has(name));
}

/**
 * Turns whatever the SDK threw into one of the store's errors, so callers can decide to retry
 * on the class alone: missing → MissingObjectError (MissingBucketError for a missing bucket), no
 * credentials → MissingCredentialsError, denied → AccessDeniedError, network / 5xx /
 * throttling → TransientStorageError, anything else → an Error naming the request, with `cause`.
 */
export function toStorageError(error: unknown, context: StorageErrorContext): Error {
  if (
    error instanceof MissingObjectError ||
    error instanceof ObjectTooLargeError ||
    error instanceof AccessDeniedError ||
    error instanceof TransientStorageError ||
    error instanceof MissingCredentialsError
  ) {
    return error;
  }
  const where = context.key === undefined ? `s3://${context.bucket}` : `s3://${context.bucket}/${context.key}`;
  const reason = describe(error);
  if (fields(error)?.name === 'CredentialsProviderError') {
    return new MissingCredentialsError(
      `no AWS credentials found for ${context.operation} ${where}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ` +
        'or AWS_PROFILE naming a profile of ~/.aws/config, or run where a role provides them (instance profile, ' +
        `IRSA, ECS task role) (${reason})`,
      { cause: error },
    );
  }
  if (isNotFound(error) && context.write === true) {
    return new Error(`${context.operation} ${where} failed: the bucket does not exist (${reason})`, { cause: error });
  }
  if (fields(error)?.name === 'NoSuchBucket') {
    return new MissingBucketError(context.bucket, context.key ?? '', { cause: error });
  }
  if (isNotFound(error)) {
    return new MissingObjectError(context.bucket, context.key ?? '', { cause: error });
  }
  const status = httpStatusOf(error);
  const name = fields(error)?.name;
  if (status === 403 || (typeof name === 'string' && DENIED_NAMES.has(name))) {
    return new AccessDeniedError(`${context.operation} ${where} was denied (${reason}): check the credentials and policy`, {
      cause: error,
    });
  }
  if (isTransient(error)) {
    return new TransientStorageError(`${context.operation} ${where} failed for now (${reason}); a retry may succeed`, {
      cause: error,
    });
  }
  return new Error(`${context.operation} ${where} failed: ${reason}`, { cause: error });
}

function isTransient(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status !== undefined && status >= 500) return true;
  // A network fault may be wrapped (cause) or aggregated (happy-eyeballs AggregateError).
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.pop();
    if (seen.has(current)) continue;
    seen.add(current);
    const f = fields(current);
    if (f === undefined) continue;
    if (typeof f.name === 'string' && TRANSIENT_NAMES.has(f.name)) return true;
    if (typeof f.code === 'string' && (NETWORK_CODES.has(f.code) || TRANSIENT_NAMES.has(f.code))) return true;
    if (typeof f.message === 'string' && /socket hang up/i.test(f.message)) return true;
    pending.push(f.cause);
    if (Array.isArray(f.errors)) pending.push(...(f.errors as unknown[]));
  }
  return false;
}

function describe(error: unknown): string {
  const f = fields(error);
  if (f === undefined) return String(error);
  const parts = [typeof f.name === 'string' ? f.name : 'Error'];
  const status = httpStatusOf(error);
  if (status !== undefined) parts.push(`HTTP ${status}`);
  if (typeof f.code === 'string' && f.code !== f.name) parts.push(f.code);
  const message = typeof f.message === 'string' && f.message !== '' ? f.message : undefined;
  return message === undefined || message === f.name ? parts.join(' ') : `${parts.join(' ')}: ${message}`;
}

function fields(error: unknown): ErrorFields | undefined {
  return typeof error === 'object' && error !== null ? error : undefined;
}
