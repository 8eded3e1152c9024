export type { GetResult, HeadResult, ObjectInfo, ObjectStore, PutOptions } from './object-store.js';
export { AccessDeniedError, MissingObjectError, ObjectTooLargeError, TransientStorageError } from './errors.js';
