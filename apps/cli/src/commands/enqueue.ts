import { parseArgs } from 'node:util';
import { checkRunId, formatS3Url, newRunId, parseS3Url, runRefusal } from '@kpress/job-contract';
import { DEFAULT_MAX_QUEUED, objectsFromManifest, objectsUnderPrefix } from '@kpress/producer';
import { checkBucketExists } from '../bucket-check.js';
import { createObjectStore } from '../clients.js';
import { runEnqueueFlow } from '../enqueue-flow.js';
import { integerFlag } from '../integer-flag.js';
import { PARAM_FLAGS, PARAM_HELP, paramsFromFlags } from '../param-flags.js';
import { openRunSession } from '../run-session.js';
import { asUsageError, UsageError } from '../usage-error.js';
import type { CommandContext } from './command.js';
import { runResume } from './enqueue-resume.js';

const ENQUEUE_HELP = `Usage: kpress enqueue (s3://BUCKET/PREFIX | --manifest FILE) --to s3://BUCKET/PREFIX [params]
                      [--run-id ID] [--wait] [--dry-run] [--force] [--retry-failed] [--max-queued N]
                      [--shard N]
       kpress enqueue --resume RUN_ID [--manifest FILE] [--wait] [--max-queued N]

Lists the source prefix page by page (or reads a manifest: one s3:// URL per line) and queues one
job per image object. Prints the run id first (stdout), then where the report will be and how to
follow or cancel the run (stderr). Incremental: objects whose output exists for the same version
(ETag) and parameters are skipped, and so are objects that failed permanently before with the
same version and parameters (listed as "skipped (failed before)"), so a nightly run exits 0 unless
something new failed. The source and destination may not overlap (same bucket, one inside the
other), and an output written by one source is never overwritten by another (output-collision).

Options:
  --to s3://BUCKET/PREFIX   destination prefix (required; its bucket must exist)
  --manifest FILE           read source objects from FILE instead of listing a prefix; an object
                            named twice is queued once
  --run-id ID               name the run (default: time-stamped id); an id in use is refused
  --wait                    follow the run to its end; exit 1 if any image failed or the run
                            failed or was cancelled. Ctrl-C stops waiting, not the run
  --dry-run                 print what would be queued, skipped and refused (collisions too)
  --force                   re-do objects already done with these parameters, and queue even
                            while another run of this source → destination is listing or running
  --retry-failed            queue objects that failed before with the same version and parameters
  --max-queued N            back-pressure: the listing pauses while N jobs of the run wait in the
                            queue and goes on as workers drain them (default ${DEFAULT_MAX_QUEUED}, ≈ 27 MB
                            of Redis); "kpress status" then shows "listing paused: N queued"
  --shard N                 put the run on shard N (0-based) of KPRESS_PREFIX's list of prefixes
                            (default: one picked by the hash of the run id)
  --resume RUN_ID           finish the listing of a run whose producer stopped (state "failed":
                            "its producer stopped while listing"), from its checkpoint: same
                            source, destination and parameters; nothing listed before is queued
                            twice. A manifest run reads its manifest again (--manifest FILE if it
                            moved)
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
      'retry-failed': { type: 'boolean' },
      'max-queued': { type: 'string' },
      shard: { type: 'string' },
      resume: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout.write(`${ENQUEUE_HELP}\n`);
    return 0;
  }
  const maxQueued = integerFlag('max-queued', values['max-queued'], DEFAULT_MAX_QUEUED, { min: 1, max: 10_000_000 });
  if (values.resume !== undefined) {
    const runId = asUsageError(() => checkRunId(values.resume!));
    const refused = Object.keys(values).filter(
      (name) => !['resume', 'manifest', 'wait', 'max-queued'].includes(name) && values[name as keyof typeof values] !== undefined,
    );
    if (positionals.length > 0 || refused.length > 0) {
      const named = [...positionals, ...refused.map((name) => `--${name}`)].join(', ');
      throw new UsageError(`--resume continues a run with its own source, destination and parameters: drop ${named}`);
    }
    return runResume({ runId, manifest: values.manifest, maxQueued, wait: values.wait === true }, context);
  }
  if ((positionals.length === 1) === (values.manifest !== undefined) || positionals.length > 1) {
    throw new UsageError('enqueue takes exactly one source: an s3://BUCKET/PREFIX argument or --manifest FILE');
  }
  if (!values.to) throw new UsageError('enqueue needs --to s3://BUCKET/PREFIX');
  const destination = asUsageError(() => parseS3Url(values.to!, '--to'));
  const source = positionals[0] !== undefined ? asUsageError(() => parseS3Url(positionals[0]!, 'the source')) : null;
  const params = paramsFromFlags(values);
  const runId = values['run-id'] ? asUsageError(() => checkRunId(values['run-id']!)) : newRunId();
  const { config } = context;
  const shard =
    values.shard === undefined ? undefined : integerFlag('shard', values.shard, 0, { min: 0, max: config.prefixes.length - 1 });
  // Before any S3 or Redis access (enqueueRun checks again, for schedule ticks).
  const refusal = runRefusal(source, destination, config.allowedBuckets);
  if (refusal !== null) throw new UsageError(refusal);

  // Before Redis and before the run is recorded: a wrong bucket or missing credentials leave nothing behind.
  const probe = createObjectStore(config);
  try {
    if (source) await checkBucketExists(probe, source, `source ${positionals[0]}`);
    await checkBucketExists(probe, destination, `--to ${values.to}`);
  } finally {
    probe.destroy();
  }
  const session = await openRunSession(context);
  try {
    return await runEnqueueFlow(
      session,
      {
        runId,
        objects: source ? objectsUnderPrefix(session.store, source) : objectsFromManifest(session.store, values.manifest!),
        sourceLabel: source ? formatS3Url(source) : `manifest ${values.manifest}`,
        sourcePrefix: source,
        mayRepeat: source === null,
        destination,
        params,
        force: values.force === true,
        retryFailed: values['retry-failed'] === true,
        dryRun: values['dry-run'] === true,
        origin: 'enqueue',
        maxInputBytes: config.maxInputBytes,
        allowedBuckets: config.allowedBuckets,
        maxQueued,
      },
      { wait: values.wait === true, ...(shard === undefined ? {} : { shard }) },
      context,
    );
  } finally {
    await session.close();
  }
}
