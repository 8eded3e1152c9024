import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Command } from './commands/command.js';
import { parseArgsMessage } from './parse-args-message.js';
import { isConfigurationError, UsageError } from './usage-error.js';
import { kpressVersion } from './version.js';

export const USAGE = `Usage: kpress COMMAND [options]   (kpress COMMAND --help for details)

Commands:
  compress IN... -o OUT  quantize local files or folders (no Redis or S3)
  enqueue SRC --to DST   queue one job per image object of an S3 prefix or manifest
  status [RUN_ID]        state, counts, throughput, ETA and failures of a run (default: the latest)
  runs                   the runs, newest first, with their state
  cancel RUN_ID          stop a run: queued jobs removed, running ones finish
  retry RUN_ID           a new run of just the images RUN_ID failed on
  report [RUN_ID]        where a run's report is, and its summary
  worker                 process image jobs until SIGTERM
  dashboard              runs, reports and bull-board for the queues (read-only unless --admin)
  schedule add|list|remove   scheduled incremental runs
  demo                   the main job on embedded defaults (S3 server, Redis, sample images)
  help [COMMAND]         this text, or COMMAND's --help
  --version, -V          the version of kpress

Environment: REDIS_URL, KPRESS_PREFIX, S3_ENDPOINT, S3_REGION, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, KPRESS_ALLOWED_BUCKETS, KPRESS_MAX_PIXELS, LOG_LEVEL … (docs/contract.md).`;

/**
 * Commands load on demand: `kpress compress` should not pay for BullMQ, the AWS SDK or the
 * dashboard's web server at start-up.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  compress: async () => (await import('./commands/compress.js')).runCompress,
  enqueue: async () => (await import('./commands/enqueue.js')).runEnqueue,
  status: async () => (await import('./commands/status.js')).runStatus,
  runs: async () => (await import('./commands/runs.js')).runRuns,
  cancel: async () => (await import('./commands/cancel.js')).runCancel,
  retry: async () => (await import('./commands/retry.js')).runRetry,
  report: async () => (await import('./commands/report.js')).runReport,
  worker: async () => (await import('./commands/worker.js')).runWorker,
  dashboard: async () => (await import('./commands/dashboard.js')).runDashboard,
  demo: async () => (await import('./commands/demo.js')).runDemo,
  schedule: async () => (await import('./commands/schedule.js')).runSchedule,
};

export interface CliDependencies {
  readonly loadConfig: () => Config;
  /** The logger of one command (its name decides the default level). */
  readonly createLogger: (config: Config, command: string) => Logger;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** Runs one command and returns its exit code; usage errors print a message and return 2. */
export async function runCli(argv: string[], deps: CliDependencies): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    deps.stdout.write(`kpress ${kpressVersion()}\n`);
    return 0;
  }
  if (name === 'help' && rest[0] !== undefined) return runCli([rest[0], '--help'], deps);
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    deps.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    deps.stderr.write(`kpress: unknown command "${name}"\n\n${USAGE}\n`);
    return 2;
  }
  try {
    const config = deps.loadConfig();
    const logger = deps.createLogger(config, name);
    const command = await load();
    return await command(rest, { config, logger, stdout: deps.stdout, stderr: deps.stderr });
  } catch (error) {
    const usage = error instanceof UsageError || isConfigurationError(error) ? error.message : parseArgsMessage(error, name);
    if (usage !== null) {
      deps.stderr.write(`kpress ${name}: ${usage}\n`);
      return 2;
    }
    deps.stderr.write(`kpress ${name}: ${describeFailure(error)}\n`);
    return 1;
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
