/** One object of a listing or a HEAD. */
export interface ObjectInfo {
  readonly bucket: string;
  readonly key: string;
  /** The ETag without surrounding quotes. */
  readonly etag: string;
  readonly size: number;
}

export interface HeadResult extends ObjectInfo {
  /** User metadata (x-amz-meta-*), names lower-cased, without the prefix. */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface GetResult {
  readonly body: Buffer;
  readonly etag: string;
}

export interface PutOptions {
  readonly contentType: string;
  /** User metadata stored with the object (x-amz-meta-*); keys lower-case ASCII. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * The storage kpress needs, owned by kpress so logic never touches the AWS SDK. The S3 adapter
 * implements it against AWS S3 or any S3-compatible store (MinIO, s3rver).
 *
 * Errors: MissingObjectError and ObjectTooLargeError are permanent (a retry cannot help);
 * AccessDeniedError too; TransientStorageError (network, 5xx, SlowDown) is worth retrying.
 */
export interface ObjectStore {
  /**
   * Every object under `prefix` in key order, page by page (ListObjectsV2), without holding the
   * listing in memory; with `startAfter`, only the keys after it (how a listing resumes).
   */
  list(bucket: string, prefix: string, options?: { readonly startAfter?: string }): AsyncIterable<ObjectInfo>;
  /** The object's info and user metadata, or null when it does not exist. */
  head(bucket: string, key: string): Promise<HeadResult | null>;
  /** The whole object, refusing (before reading past it) one larger than `maxBytes`. */
  get(bucket: string, key: string, options: { readonly maxBytes: number }): Promise<GetResult>;
  /** Writes the object atomically (a multipart upload for large bodies: visible only when complete). */
  put(bucket: string, key: string, body: Buffer, options: PutOptions): Promise<void>;
  /** Creates the bucket; succeeds if it already exists. */
  createBucket(bucket: string): Promise<void>;
  /** Fails unless the store answers (for readiness probes). */
  ping(bucket: string): Promise<void>;
  /** Whether the store answers at all (any reply, even access denied), within `timeoutMs` (default 2 s). */
  reachable(timeoutMs?: number): Promise<boolean>;
  /** Releases sockets. */
  destroy(): void;
}
