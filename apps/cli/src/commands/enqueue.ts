import { parseArgs } from 'node:util';
import { checkRunId, formatS3Url, IMAGE_QUEUE, newRunId, parseS3Url } from '@kpress/job-contract';
import { enqueueRun, formatStatus, objectsFromManifest, objectsUnderPrefix, watchRun } from '@kpress/producer';
import { createRunStore } from '@kpress/runs';
import { Queue } from 'bullmq';
import { checkBucketExists } from '../bucket-check.js';
import { connectRedis, createObjectStore } from '../clients.js';
import { PARAM_FLAGS, PARAM_HELP, paramsFromFlags } from '../param-flags.js';
import { completeRun } from '../run-completion.js';
import { asUsageError, UsageError } from '../usage-error.js';
import type { CommandContext } from './command.js';

export const ENQUEUE_HELP = `Usage: kpress enqueue (s3://BUCKET/PREFIX | --manifest FILE) --to s3://BUCKET/PREFIX [params]
                      [--run-id ID] [--wait] [--dry-run] [--force]

Lists the source prefix page by page (or reads a manifest: one s3:// URL per line) and queues one
job per image object. Prints the run id. Objects whose output already exists for the same
version (ETag) and parameters are skipped unless --force.

Options:
  --to s3://BUCKET/PREFIX   destination prefix (required)
  --manifest FILE           read source objects from FILE instead of listing a prefix
  --run-id ID               name the run (default: time-stamped id)
  --wait                    show progress until the run ends; exit 1 if any image failed
  --dry-run                 list what would be queued and skipped; queue nothing
  --force                   re-do objects already done with these parameters
${PARAM_HELP}`;

export async function runEnqueue(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      ...PARAM_FLAGS,
      to: { type: 'string' },
      manifest: { type: 'string' },
      'run-id': { type: 'string' },
      wait: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      force: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout.write(`${ENQUEUE_HELP}\n`);
    return 0;
  }
  if ((positionals.length === 1) === (values.manifest !== undefined) || positionals.length > 1) {
    throw new UsageError('enqueue takes exactly one source: an s3://BUCKET/PREFIX argument or --manifest FILE');
  }
  if (!values.to) throw new UsageError('enqueue needs --to s3://BUCKET/PREFIX');
  const destination = asUsageError(() => parseS3Url(values.to!, '--to'));
  const source = positionals[0] !== undefined ? asUsageError(() => parseS3Url(positionals[0]!, 'the source')) : null;
  const params = paramsFromFlags(values);
  const runId = values['run-id'] ? asUsageError(() => checkRunId(values['run-id']!)) : newRunId();
  const { config, logger } = context;
  for (const location of source ? [source, destination] : [destination]) {
    if (config.allowedBuckets && !config.allowedBuckets.has(location.bucket))
      throw new UsageError(`bucket ${location.bucket} is not in KPRESS_ALLOWED_BUCKETS`);
  }

  const store = createObjectStore(config);
  try {
    // Before Redis and before the run is recorded: a wrong bucket or missing credentials leave nothing behind.
    if (source) await checkBucketExists(store, source, `source ${positionals[0]}`);
    await checkBucketExists(store, destination, `--to ${values.to}`);
  } catch (error) {
    store.destroy();
    throw error;
  }
  const redis = await connectRedis(config, 'client', logger);
  const queue = new Queue(IMAGE_QUEUE, { connection: redis, prefix: config.prefix });
  const runs = createRunStore(redis, config.prefix);
  try {
    const objects = source ? objectsUnderPrefix(store, source) : objectsFromManifest(store, values.manifest!);
    const dryRun = values['dry-run'] === true;
    const progress = await enqueueRun(
      {
        runId,
        objects,
        sourceLabel: source ? formatS3Url(source) : `manifest ${values.manifest}`,
        destination,
        params,
        force: values.force === true,
        dryRun,
        origin: 'enqueue',
        maxInputBytes: config.maxInputBytes,
        allowedBuckets: config.allowedBuckets,
      },
      {
        store,
        runs,
        queue,
        // Not logger.child({ runId }): enqueueRun puts the runId in its lines itself (schedule ticks share it).
        logger,
        onProgress: (p) => {
          const line = `listing: ${p.listed} objects seen, ${p.queued} queued, ${p.skipped} skipped, ${p.notImages} not images, ${p.failed} failed`;
          // Redrawn in place on a terminal; a line per batch (500 objects) otherwise.
          context.stderr.write(isTerminal(context.stderr) ? `\r\x1b[2K${line}` : `${line}\n`);
        },
        onDryRunEntry: (entry) =>
          context.stdout.write(
            `${entry.action.padEnd(5)} ${entry.source}${entry.output ? ` → ${entry.output}` : ''}${entry.reason ? ` (${entry.reason})` : ''}\n`,
          ),
        onRunComplete: (id) => completeRun({ runs, store, logger }, id),
      },
    );
    if (isTerminal(context.stderr)) context.stderr.write('\n');
    const summary = `listed ${progress.listed}, queued ${progress.queued}, skipped ${progress.skipped}, not images ${progress.notImages}, failed ${progress.failed}`;
    if (dryRun) {
      context.stdout.write(`dry run: ${summary}\n`);
      return 0;
    }
    context.stdout.write(`${runId}\n`);
    context.stderr.write(`run ${runId}: ${summary}\n`);
    if (!values.wait) return 0;
    const final = await watchRun(runs, runId, {
      intervalMs: 500,
      output: context.stderr,
    });
    context.stderr.write(`${formatStatus(final, await runs.failures(runId, 50), Date.now())}\n`);
    return final.failed > 0 ? 1 : 0;
  } finally {
    await queue.close();
    redis.disconnect();
    store.destroy();
  }
}

function isTerminal(stream: NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}
