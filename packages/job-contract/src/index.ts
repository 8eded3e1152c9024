/** The job contract shared by producer and worker: queue, payload schema, ids and keys. */
export { BACKOFF_DELAY_MS, DEFAULT_JOB_TIMEOUT_MS, IMAGE_QUEUE, JOB_ATTEMPTS, KEEP_COMPLETED, KEEP_FAILED } from './queue.js';
export {
  failureIdentity,
  JOB_HASH_METADATA,
  OUTCOME_METADATA,
  jobHash,
  jobIdFor,
  paramsFingerprint,
  parseImageJob,
  type ImageJob,
} from './job-payload.js';
export {
  IMAGE_EXTENSIONS,
  looksLikeImage,
  MAX_KEY_BYTES,
  metadataKeyFor,
  normalisePrefix,
  outputKeyFor,
  resultPageKey,
  RESERVED_DIRECTORY,
  reportKeys,
  UnsafeKeyError,
  unsafeKeyReason,
} from './output-keys.js';
export { checkRunId, newRunId, RUN_ID } from './run-id.js';
export { BUCKET_NAME, formatS3Url, parseS3Url, type S3Location } from './s3-url.js';
export {
  checkScheduleName,
  parseScheduleTick,
  SCHEDULE_NAME,
  SCHEDULE_QUEUE,
  scheduleLockKey,
  type ScheduleTick,
} from './schedule.js';
export {
  FAILURE_CODES,
  type FailureCode,
  failureCodeOf,
  isFailureCode,
  isPermanentFailure,
  isRememberedFailure,
} from './failure-codes.js';
export { decodeOwner, encodeOwner, OWNER_METADATA } from './output-ownership.js';
export { overlapReason, pairLabel, runRefusal } from './source-destination.js';
export {
  COLOR_SPACES,
  type ColorSpace,
  type CompressParams,
  DEFAULT_PARAMS,
  InvalidParamsError,
  OUTPUT_FORMATS,
  type OutputFormat,
  PARAM_LIMITS,
  PARAMS_OMITTED_AT_DEFAULT,
  resolveParams,
  TARGET_PSNR_RANGE,
  TARGET_SSIM_RANGE,
} from './params.js';
