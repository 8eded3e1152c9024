import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import {
  COMPRESS_THREAD_NICE_INCREMENT,
  defaultMemoryBudget,
  parseByteSize,
  runWorker as runWorkerApp,
  WorkerSettingError,
  type WorkerSettings,
} from '@kpress/worker';
import { DEFAULT_JOB_TIMEOUT_MS } from '@kpress/job-contract';
import type { Logger } from 'pino';
import { connectRedis, createObjectStore } from '../clients.js';
import { integerFlag } from '../integer-flag.js';
import { UsageError } from '../usage-error.js';
import type { CommandContext } from './command.js';

export const WORKER_HELP = `Usage: kpress worker [--concurrency N] [--port P] [--drain-timeout S] [--lock-duration MS]
                    [--compress-nice N] [--job-timeout S] [--memory-budget BYTES]

Processes image jobs until SIGTERM or SIGINT, then stops taking jobs, lets in-flight ones finish
(up to --drain-timeout seconds; later ones are handed back to other workers) and exits: 0 when
every in-flight job finished, 1 when some were handed back. The process ends within
--drain-timeout + 10 seconds of the signal, even with Redis or S3 unreachable.

Start-up order: signal handlers first (a signal during start-up stops it cleanly, exit 0), then
the health server on --port (a port in use: exit 2 before anything else is opened), then Redis,
the compress processes, and only then are jobs taken.

Options:
  --concurrency N     images processed at once, one compress process each (default: the cores)
  --port P            serve /healthz, /readyz and /metrics on port P of every interface
                      (default: none); /readyz answers 503 until jobs are taken and while stopping
  --drain-timeout S   seconds to finish in-flight jobs on shutdown (default 60)
  --lock-duration MS  job lock, renewed every half of it; a worker that cannot renew (dead, or its
                      event loop blocked) loses the job to another (default 60000)
  --compress-nice N   on Linux, run the compress processes N nice levels below the event loop, so
                      lock renewals and I/O never queue behind a quantizer; 0 keeps one priority
                      (default 10; with other busy processes on the same cores and no container
                      CPU limits, they get more of the CPU than kpress)
  --job-timeout S     seconds one image may take to decode, quantize and encode; past it its
                      process is killed and the image fails for good with code "timeout"
                      (default 300: a 100 MP photo takes about 10 s on one core)
  --memory-budget B   bytes the worker may use, e.g. 3435973836, 3276Mi or 3Gi; an image starts
                      only when its estimated peak (from its header) fits beside those in flight,
                      and one that can never fit fails with "too-many-pixels" (default 0.8 × the
                      container's memory limit, else half the machine's memory)`;

/** `kpress worker`: flags and environment into WorkerSettings, then the worker app (apps/worker main.ts). */
export async function runWorker(argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      concurrency: { type: 'string' },
      port: { type: 'string' },
      'drain-timeout': { type: 'string' },
      'lock-duration': { type: 'string' },
      'compress-nice': { type: 'string' },
      'job-timeout': { type: 'string' },
      'memory-budget': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout.write(`${WORKER_HELP}\n`);
    return 0;
  }
  const { config } = context;
  const settings: WorkerSettings = {
    concurrency: integerFlag('concurrency', values.concurrency, availableParallelism(), { min: 1, max: 256 }),
    port: values.port === undefined ? null : integerFlag('port', values.port, 0, { min: 0, max: 65535 }),
    drainMs: integerFlag('drain-timeout', values['drain-timeout'], 60, { min: 0, max: 86_400 }) * 1000,
    lockDurationMs: integerFlag('lock-duration', values['lock-duration'], 60_000, { min: 500, max: 3_600_000 }),
    niceIncrement: integerFlag('compress-nice', values['compress-nice'], COMPRESS_THREAD_NICE_INCREMENT, { min: 0, max: 19 }),
    jobTimeoutMs:
      integerFlag('job-timeout', values['job-timeout'], DEFAULT_JOB_TIMEOUT_MS / 1000, { min: 1, max: 86_400 }) * 1000,
    memoryBudgetBytes: memoryBudgetFlag(values['memory-budget']),
    prefixes: config.prefixes,
    maxPixels: config.maxPixels,
    maxInputBytes: config.maxInputBytes,
    allowedBuckets: config.allowedBuckets,
  };
  const clients = {
    connectRedis: (logger: Logger) => connectRedis(config, 'worker', logger),
    createObjectStore: () => createObjectStore(config),
  };
  try {
    return await runWorkerApp(settings, clients, context.logger);
  } catch (error) {
    if (!(error instanceof WorkerSettingError)) throw error;
    if (error.setting === 'port') throw new UsageError(`--port ${settings.port} ${error.problem}`);
    throw new UsageError(`--memory-budget: ${error.problem}`);
  }
}

function memoryBudgetFlag(raw: string | undefined): number {
  if (raw === undefined) return defaultMemoryBudget();
  const bytes = parseByteSize(raw);
  if (bytes === null) {
    throw new UsageError(`--memory-budget must be a number of bytes, or of Mi or Gi (e.g. 3Gi), received ${JSON.stringify(raw)}`);
  }
  return bytes;
}
