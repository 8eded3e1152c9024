import { randomBytes } from 'node:crypto';

/** A sortable, readable run id: UTC time plus randomness, e.g. 20261127T081500Z-3f9a1c. */
export function newRunId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** A run id: 1–64 letters, digits, ".", "_" or "-" (safe in Redis keys, S3 keys and URLs). */
export const RUN_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function checkRunId(runId: string): string {
  if (!RUN_ID.test(runId)) {
    throw new TypeError(`run id must be 1–64 letters, digits, ".", "_" or "-", received ${JSON.stringify(runId)}`);
  }
  return runId;
}
