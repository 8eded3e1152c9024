import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NoSuchKey, S3ServiceException } from '@aws-sdk/client-s3';
import {
  AccessDeniedError,
  MissingBucketError,
  MissingCredentialsError,
  MissingObjectError,
  TransientStorageError,
} from './errors.js';
import { toStorageError } from './s3-errors.js';

const context = { operation: 'GetObject', bucket: 'photos', key: 'in/cat.jpg' };

function serviceError(name: string, status: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

void describe('toStorageError', () => {
  void it('maps NoSuchKey and a bare 404 to MissingObjectError', () => {
    const noSuchKey = new NoSuchKey({ message: 'gone', $metadata: { httpStatusCode: 404 } });
    for (const error of [noSuchKey, serviceError('NotFound', 404)]) {
      const mapped = toStorageError(error, context);
      assert.ok(mapped instanceof MissingObjectError);
      assert.equal(mapped.key, 'in/cat.jpg');
      assert.equal(mapped.cause, error);
    }
  });

  void it('maps a 404 on a write to an error about the bucket', () => {
    const mapped = toStorageError(serviceError('NoSuchBucket', 404), { ...context, operation: 'PutObject', write: true });
    assert.ok(!(mapped instanceof MissingObjectError));
    assert.match(mapped.message, /PutObject s3:\/\/photos\/in\/cat\.jpg failed: the bucket does not exist/);
  });

  void it('maps NoSuchBucket on a read or a listing to MissingBucketError, which says the bucket is missing', () => {
    const mapped = toStorageError(serviceError('NoSuchBucket', 404), {
      operation: 'ListObjectsV2',
      bucket: 'photos',
      key: 'in/',
    });
    assert.ok(mapped instanceof MissingBucketError);
    assert.ok(mapped instanceof MissingObjectError, 'still a missing object for code that asks only that');
    assert.equal(mapped.message, 'bucket photos does not exist');
    assert.equal(mapped.bucket, 'photos');
  });

  void it('maps the SDK finding no credentials to MissingCredentialsError naming the variables to set', () => {
    const error = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    const mapped = toStorageError(error, context);
    assert.ok(mapped instanceof MissingCredentialsError);
    assert.match(
      mapped.message,
      /^no AWS credentials found for GetObject s3:\/\/photos\/in\/cat\.jpg: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE/,
    );
    assert.equal(mapped.cause, error);
  });

  void it('maps 403 to AccessDeniedError naming the request', () => {
    const mapped = toStorageError(serviceError('AccessDenied', 403), context);
    assert.ok(mapped instanceof AccessDeniedError);
    assert.match(mapped.message, /GetObject s3:\/\/photos\/in\/cat\.jpg was denied/);
  });

  void it('maps 5xx, throttling and network faults to TransientStorageError', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const cases: unknown[] = [
      serviceError('InternalError', 500),
      serviceError('SlowDown', 503),
      serviceError('RequestTimeout', 400),
      Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
      new Error('socket hang up'),
      Object.assign(new AggregateError([refused], ''), { code: undefined }),
      new Error('wrapped', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }),
    ];
    for (const error of cases) {
      const mapped = toStorageError(error, context);
      assert.ok(mapped instanceof TransientStorageError, `${String(error)} should be transient`);
      assert.equal(mapped.cause, error);
    }
  });

  void it('wraps anything else in an Error naming operation, bucket and key', () => {
    const error = serviceError('InvalidBucketName', 400);
    const mapped = toStorageError(error, context);
    assert.equal(mapped.constructor, Error);
    assert.match(mapped.message, /^GetObject s3:\/\/photos\/in\/cat\.jpg failed: InvalidBucketName HTTP 400/);
    assert.equal(mapped.cause, error);
  });
});
