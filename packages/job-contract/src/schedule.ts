import { type CompressParams, resolveParams } from './params.js';
import { z } from 'zod';

/** BullMQ queue whose job schedulers fire scheduled runs; `kpress worker` processes its ticks. */
export const SCHEDULE_QUEUE = 'schedules';

/** What each tick of a schedule does: an incremental enqueue from `from` to `to`. */
export interface ScheduleTick {
  readonly version: 1;
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly params: CompressParams;
}

export const SCHEDULE_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** The Redis key a schedule's tick holds while it lists, so two ticks never list at once; removed with the schedule. */
export function scheduleLockKey(prefix: string, name: string): string {
  return `${prefix}:schedule-lock:${name}`;
}

const schema = z
  .object({
    version: z.literal(1),
    name: z.string().regex(SCHEDULE_NAME, 'must be 1–40 lower-case letters, digits or "-"'),
    from: z.string().startsWith('s3://'),
    to: z.string().startsWith('s3://'),
    params: z.record(z.unknown()),
  })
  .strict();

export function checkScheduleName(name: string): string {
  if (!SCHEDULE_NAME.test(name)) {
    throw new TypeError(
      `schedule name must be 1–40 lower-case letters, digits or "-", starting with a letter or digit, received ${JSON.stringify(name)}`,
    );
  }
  return name;
}

/** Validates a tick's data on the worker side. */
export function parseScheduleTick(data: unknown): ScheduleTick {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TypeError(`invalid schedule tick: ${issue.path.join('.') || '(root)'} ${issue.message}`);
  }
  return {
    ...parsed.data,
    params: resolveParams(parsed.data.params),
  };
}
