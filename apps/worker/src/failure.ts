import { AccessDeniedError, MissingObjectError, ObjectTooLargeError, TransientStorageError } from '@kpress/object-store';
import type { BadImageCode } from '@kpress/codec';
import type { FailureCode } from '@kpress/job-contract';
import { CompressFailedError } from './cpu-pool.js';

/** Compile-time: every code the decoder can give is one of the contract's failure codes. */
const decoderCodesAreFailureCodes: BadImageCode extends FailureCode ? true : never = true;
void decoderCodesAreFailureCodes;

/** How a job failure is reported and whether retrying could help. */
export interface FailureVerdict {
  readonly permanent: boolean;
  /** Stable code for scripts and reports (FAILURE_CODES in the job contract). */
  readonly code: FailureCode;
  readonly reason: string;
}

/** Named errors carry their retry decision; anything unknown is assumed transient. */
export function classifyFailure(error: unknown): FailureVerdict {
  if (error instanceof CompressFailedError) return { permanent: error.permanent, code: error.code, reason: error.message };
  if (error instanceof MissingObjectError)
    return { permanent: true, code: 'missing-object', reason: 'the object does not exist' };
  if (error instanceof ObjectTooLargeError) return { permanent: true, code: 'too-large', reason: error.message };
  if (error instanceof AccessDeniedError) return { permanent: true, code: 'access-denied', reason: error.message };
  if (error instanceof JobRefusedError) return { permanent: true, code: error.code, reason: error.message };
  if (error instanceof InvalidJobError) return { permanent: true, code: 'invalid-job', reason: error.message };
  if (error instanceof TransientStorageError) return { permanent: false, code: 'storage-unavailable', reason: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { permanent: false, code: 'internal-error', reason: message };
}

/** Job data that does not match the contract: never executed, never retried. */
export class InvalidJobError extends Error {
  override readonly name = 'InvalidJobError';
}

/** A job the worker will not run as asked (it would overwrite a source, or another source's output). */
export class JobRefusedError extends Error {
  override readonly name = 'JobRefusedError';
  constructor(
    readonly code: 'unsafe-output' | 'output-collision',
    message: string,
  ) {
    super(message);
  }
}
