import { parseArgs } from 'node:util';
import {
  checkScheduleName,
  parseS3Url,
  runRefusal,
  SCHEDULE_QUEUE,
  scheduleLockKey,
  type ScheduleTick,
} from '@kpress/job-contract';
import { Queue } from 'bullmq';
import { connectRedis } from '../clients.js';
import { PARAM_FLAGS, PARAM_HELP, paramsFromFlags } from '../param-flags.js';
import { removeScheduleTicks } from '../schedule-ticks.js';
import { asUsageError, UsageError } from '../usage-error.js';
import type { CommandContext } from './command.js';

const SCHEDULE_HELP = `Usage: kpress schedule add NAME --cron EXPR --from s3://BUCKET/PREFIX --to s3://BUCKET/PREFIX [params]
       kpress schedule list
       kpress schedule remove NAME

Scheduled incremental runs, on BullMQ job schedulers: each tick (processed by any running
kpress worker) starts a run of only the new or changed objects, with its own run id and report.
A tick that finds nothing new records an empty run; a tick that finds the previous one still
listing does nothing. "add" with an existing NAME replaces it.

Options:
  --cron EXPR    cron pattern, 5 fields, or 6 with seconds first ("*/30 * * * * *")
  --tz ZONE      time zone of the pattern (default UTC)
  --from URL     source prefix
  --to URL       destination prefix
${PARAM_HELP}`;

export async function runSchedule(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      ...PARAM_FLAGS,
      cron: { type: 'string' },
      tz: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [action, name, ...extra] = positionals;
  if (values.help || action === undefined) {
    context.stdout.write(`${SCHEDULE_HELP}\n`);
    return values.help ? 0 : 2;
  }
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const redis = await connectRedis(context.config, 'client', context.logger);
  const queue = new Queue(SCHEDULE_QUEUE, { connection: redis, prefix: context.config.prefix });
  try {
    switch (action) {
      case 'add': {
        const scheduleName = asUsageError(() => checkScheduleName(name ?? ''));
        if (!values.cron) throw new UsageError('schedule add needs --cron EXPR');
        if (!values.from || !values.to) throw new UsageError('schedule add needs --from s3://… and --to s3://…');
        const from = asUsageError(() => parseS3Url(values.from!, '--from'));
        const to = asUsageError(() => parseS3Url(values.to!, '--to'));
        const refusal = runRefusal(from, to, context.config.allowedBuckets);
        if (refusal !== null) throw new UsageError(`--from ${values.from} --to ${values.to}: ${refusal}`);
        const tz = values.tz ?? 'UTC';
        checkTimeZone(tz);
        const tick: ScheduleTick = {
          version: 1,
          name: scheduleName,
          from: values.from,
          to: values.to,
          params: paramsFromFlags(values),
        };
        try {
          await queue.upsertJobScheduler(
            scheduleName,
            { pattern: values.cron, tz },
            { name: 'tick', data: tick, opts: { removeOnComplete: 100, removeOnFail: 100 } },
          );
        } catch (error) {
          throw new UsageError(`--cron ${JSON.stringify(values.cron)} is not a valid cron pattern: ${(error as Error).message}`);
        }
        context.stdout.write(`schedule ${scheduleName}: ${values.cron} (${tz}) ${values.from} → ${values.to}\n`);
        return 0;
      }
      case 'list': {
        const schedulers = await queue.getJobSchedulers(0, -1, true);
        if (schedulers.length === 0) context.stdout.write('no schedules\n');
        for (const s of schedulers) {
          const tick = s.template?.data as ScheduleTick | undefined;
          const next = s.next ? new Date(s.next).toISOString() : '–';
          context.stdout.write(
            `${s.key}\t${s.pattern ?? `every ${s.every} ms`}\tnext ${next}\t${tick?.from ?? '?'} → ${tick?.to ?? '?'}\t${JSON.stringify(tick?.params ?? {})}\n`,
          );
        }
        return 0;
      }
      case 'remove': {
        const scheduleName = asUsageError(() => checkScheduleName(name ?? ''));
        const removed = await queue.removeJobScheduler(scheduleName);
        // BullMQ keeps the scheduler's finished ticks (jobs "repeat:NAME:…"); they go with it, as does the tick lock.
        const ticks = await removeScheduleTicks(queue, scheduleName);
        await redis.del(scheduleLockKey(context.config.prefix, scheduleName));
        context.logger.debug({ schedule: scheduleName, ticks }, 'removed the ticks of the schedule');
        if (!removed) {
          context.stderr.write(`kpress schedule: no schedule named ${scheduleName}\n`);
          return 1;
        }
        context.stdout.write(`removed schedule ${scheduleName}\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown schedule action ${JSON.stringify(action)}: use add, list or remove`);
    }
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

/** An IANA zone Node knows ("Europe/Paris", "UTC"); BullMQ would otherwise report it as a bad --cron. */
function checkTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new UsageError(`--tz must be an IANA time zone such as "Europe/Paris" or "UTC", received ${JSON.stringify(tz)}`);
  }
}
