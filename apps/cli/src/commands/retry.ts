import { parseArgs } from 'node:util';
import { resolveParams } from '@kpress/job-contract';
import { checkRunId, newRunId, parseS3Url } from '@kpress/job-contract';
import { objectsFromFailures } from '@kpress/producer';
import { runEnqueueFlow } from '../enqueue-flow.js';
import { openRunSession } from '../run-session.js';
import { asUsageError, UsageError } from '../usage-error.js';
import type { CommandContext } from './command.js';

const RETRY_HELP = `Usage: kpress retry RUN_ID [--wait] [--run-id ID]

Queues a new run of just the images RUN_ID failed on, with the same destination and parameters
(each object is looked up again: a changed object is read in its new version). Remembered
failures do not stop it. Prints the new run id, like enqueue.

Options:
  --wait        follow the new run to its end; exit 1 if any image failed
  --run-id ID   name the new run (default: time-stamped id)`;

export async function runRetry(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { wait: { type: 'boolean' }, 'run-id': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    context.stdout.write(`${RETRY_HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('retry takes exactly one RUN_ID ("kpress runs" lists them)');
  const failedRunId = positionals[0]!;
  const runId = values['run-id'] ? asUsageError(() => checkRunId(values['run-id']!)) : newRunId();
  const session = await openRunSession(context);
  try {
    const failedRun = await session.requireRun(failedRunId);
    const failures = await session.runs.failures(failedRunId);
    if (failures.length === 0) {
      context.stdout.write(`run ${failedRunId} has no failed images: nothing to retry\n`);
      return 0;
    }
    if (failures.length < failedRun.failed) {
      context.stderr.write(`run ${failedRunId} kept ${failures.length} of its ${failedRun.failed} failures: retrying those\n`);
    }
    const sourcePrefix = failedRun.source.startsWith('s3://') ? parseS3Url(failedRun.source, 'the run source') : null;
    return await runEnqueueFlow(
      session,
      {
        runId,
        objects: objectsFromFailures(session.store, failures, sourcePrefix),
        sourceLabel: `failures of run ${failedRunId} (${failedRun.source})`,
        sourcePrefix: null,
        relativeTo: sourcePrefix,
        mayRepeat: true,
        destination: parseS3Url(failedRun.destination, 'the run destination'),
        params: resolveParams(failedRun.params),
        force: false,
        retryFailed: true,
        dryRun: false,
        origin: `retry:${failedRunId}`,
        maxInputBytes: context.config.maxInputBytes,
        allowedBuckets: context.config.allowedBuckets,
      },
      { wait: values.wait === true },
      context,
    );
  } finally {
    await session.close();
  }
}
