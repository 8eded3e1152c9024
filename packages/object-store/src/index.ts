export type { GetResult, HeadResult, ObjectInfo, ObjectStore, PutOptions } from './object-store.js';
export {
  AccessDeniedError,
  MissingBucketError,
  MissingCredentialsError,
  MissingObjectError,
  ObjectTooLargeError,
  TransientStorageError,
} from './errors.js';
export type { S3StoreOptions } from './s3-object-store.js';
export { createS3ObjectStore } from './s3-object-store.js';
