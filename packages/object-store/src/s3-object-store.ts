import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { MissingBucketError, MissingObjectError, ObjectTooLargeError } from './errors.js';
import type { GetResult, HeadResult, ObjectInfo, ObjectStore, PutOptions } from './object-store.js';
import { readLimited } from './read-limited.js';
import { isNotFound, toStorageError } from './s3-errors.js';

/** How to reach AWS S3 or an S3-compatible store (MinIO, s3rver). */
export interface S3StoreOptions {
  /** Base URL of an S3-compatible store, e.g. `http://127.0.0.1:9000`. Default: AWS for `region`. */
  readonly endpoint?: string;
  /** Signing region, e.g. `us-east-1`. */
  readonly region: string;
  /** `https://host/bucket/key` instead of `https://bucket.host/key`; S3-compatible stores need it. */
  readonly forcePathStyle: boolean;
  /** Static credentials. Default: the AWS SDK's usual chain (environment, profile, instance role). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Attempts per request, retries included, made by the SDK. Default: 3 (the SDK's). */
  readonly maxAttempts?: number;
}

/** Bodies above this size go up as a multipart upload, in parts of this size. */
const MULTIPART_THRESHOLD = 8 * 1024 * 1024;
const PART_SIZE = MULTIPART_THRESHOLD;
const UPLOAD_QUEUE_SIZE = 2;

/** An ObjectStore on the AWS SDK v3 S3 client. */
export function createS3ObjectStore(options: S3StoreOptions): ObjectStore {
  checkOptions(options);
  const client = new S3Client({
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    // Only checksum when the API demands it: S3-compatible stores reject the newer default trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: { ...options.credentials } }),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  });

  async function* list(
    bucket: string,
    prefix: string,
    options: { readonly startAfter?: string } = {},
  ): AsyncGenerator<ObjectInfo> {
    let continuationToken: string | undefined;
    do {
      const page = await client
        .send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            ContinuationToken: continuationToken,
            // S3 ignores StartAfter once a continuation token is sent.
            ...(continuationToken === undefined && options.startAfter !== undefined ? { StartAfter: options.startAfter } : {}),
          }),
        )
        .catch((error: unknown) => {
          throw toStorageError(error, { operation: 'ListObjectsV2', bucket, key: prefix });
        });
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield { bucket, key: object.Key, etag: unquote(object.ETag), size: object.Size ?? 0 };
      }
      continuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
  }

  async function head(bucket: string, key: string): Promise<HeadResult | null> {
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      const metadata: Record<string, string> = {};
      for (const [name, value] of Object.entries(out.Metadata ?? {})) metadata[name.toLowerCase()] = value;
      return { bucket, key, etag: unquote(out.ETag), size: out.ContentLength ?? 0, metadata };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw toStorageError(error, { operation: 'HeadObject', bucket, key });
    }
  }

  async function get(bucket: string, key: string, { maxBytes }: { readonly maxBytes: number }): Promise<GetResult> {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
      throw new RangeError(`maxBytes must be a non-negative integer, received ${String(maxBytes)}`);
    }
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = out.Body;
      if (!(body instanceof Readable)) {
        throw new Error(`GetObject s3://${bucket}/${key} returned no readable body`);
      }
      if (out.ContentLength !== undefined && out.ContentLength > maxBytes) {
        body.destroy();
        throw new ObjectTooLargeError(bucket, key, out.ContentLength, maxBytes);
      }
      const read = await readLimited(body, maxBytes);
      if (!read.ok) throw new ObjectTooLargeError(bucket, key, read.bytesSeen, maxBytes);
      return { body: read.body, etag: unquote(out.ETag) };
    } catch (error) {
      throw toStorageError(error, { operation: 'GetObject', bucket, key });
    }
  }

  async function put(bucket: string, key: string, body: Buffer, putOptions: PutOptions): Promise<void> {
    const params = {
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentType: putOptions.contentType,
      ...(putOptions.metadata === undefined ? {} : { Metadata: { ...putOptions.metadata } }),
    };
    try {
      if (body.byteLength <= MULTIPART_THRESHOLD) {
        await client.send(new PutObjectCommand({ ...params, ContentLength: body.byteLength }));
      } else {
        // Parts are only assembled on CompleteMultipartUpload, so readers never see half an object;
        // a failed upload is aborted (leavePartsOnError: false).
        const upload = new Upload({
          client,
          params,
          partSize: PART_SIZE,
          queueSize: UPLOAD_QUEUE_SIZE,
          leavePartsOnError: false,
        });
        await upload.done();
      }
    } catch (error) {
      throw toStorageError(error, { operation: 'PutObject', bucket, key, write: true });
    }
  }

  async function createBucket(bucket: string): Promise<void> {
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'BucketAlreadyOwnedByYou' || name === 'BucketAlreadyExists') return;
      throw toStorageError(error, { operation: 'CreateBucket', bucket, write: true });
    }
  }

  async function ping(bucket: string): Promise<void> {
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (error) {
      const mapped = toStorageError(error, { operation: 'HeadBucket', bucket });
      // HeadBucket has no body: a missing bucket is a bare 404, which reads as a missing object.
      throw mapped instanceof MissingObjectError ? new MissingBucketError(bucket, '', { cause: error }) : mapped;
    }
  }

  /** Any answer from the endpoint, even AccessDenied, means it is reachable; a network fault does not. */
  async function reachable(timeoutMs = 2_000): Promise<boolean> {
    try {
      await client.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(timeoutMs) });
      return true;
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      return status !== undefined && status < 500;
    }
  }

  return { list, head, get, put, createBucket, ping, reachable, destroy: () => client.destroy() };
}

function checkOptions(options: S3StoreOptions): void {
  if (typeof options.region !== 'string' || options.region === '') {
    throw new TypeError(`region must be a non-empty string such as "us-east-1", received ${JSON.stringify(options.region)}`);
  }
  if (options.endpoint !== undefined && !URL.canParse(options.endpoint)) {
    throw new TypeError(`endpoint must be a URL such as "http://127.0.0.1:9000", received ${JSON.stringify(options.endpoint)}`);
  }
  if (options.maxAttempts !== undefined && (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1)) {
    throw new RangeError(`maxAttempts must be an integer of at least 1, received ${String(options.maxAttempts)}`);
  }
}

/** S3 returns ETags quoted (`"abc"`); kpress stores and compares them bare. */
function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}
