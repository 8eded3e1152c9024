import { parseArgs } from 'node:util';
import { createDashboardServer } from '@kpress/dashboard';
import { IMAGE_QUEUE, SCHEDULE_QUEUE } from '@kpress/job-contract';
import { createRunStore } from '@kpress/runs';
import { Queue } from 'bullmq';
import { connectRedis, createObjectStore } from '../clients.js';
import { integerFlag } from '../integer-flag.js';
import { UsageError } from '../usage-error.js';
import type { CommandContext } from './command.js';

export const DASHBOARD_HELP = `Usage: kpress dashboard [--port P] [--host H] [--admin]

Serves, until SIGTERM or SIGINT:
  /                             recent runs: counts, mean PSNR, bytes in → out, report links
  /runs/RUN_ID/report.html      the run's report, read from S3 by the dashboard (also report.json)
  /queues                       bull-board for kpress's queues, read-only unless --admin

There is no login: anyone who can reach the port sees runs and queues, and with --admin can retry,
clean, pause or remove jobs. Bind to 127.0.0.1 or put it behind an authenticating proxy.

Options:
  --port P    port to listen on (default 3000)
  --host H    address to listen on (default 0.0.0.0)
  --admin     enable bull-board's queue actions (default: read-only)`;

export async function runDashboard(argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      admin: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout.write(`${DASHBOARD_HELP}\n`);
    return 0;
  }
  const port = integerFlag('port', values.port, 3000, { min: 0, max: 65535 });
  const host = values.host ?? '0.0.0.0';
  if (host === '') throw new UsageError('--host must not be empty');
  const admin = values.admin === true;
  const { config } = context;
  const logger = context.logger.child({ role: 'dashboard' });

  // 'worker', not 'client': a client connection stops reconnecting after a few attempts, right for
  // a one-shot command but it would leave a long-running dashboard dead after a Redis restart.
  // The worker connection reconnects forever and holds commands meanwhile, so pages wait out an
  // outage instead of failing; bull-board's queue calls expect such a normal BullMQ connection.
  const redis = await connectRedis(config, 'worker', logger);
  const store = createObjectStore(config);
  const queues = [IMAGE_QUEUE, SCHEDULE_QUEUE].map((name) => new Queue(name, { connection: redis, prefix: config.prefix }));
  const server = createDashboardServer({ queues, runs: createRunStore(redis, config.prefix), store, admin, logger });
  try {
    const { port: bound } = await server.listen(port, host);
    context.stdout.write(
      `kpress dashboard on http://${host.includes(':') ? `[${host}]` : host}:${bound}/ (${admin ? 'admin' : 'read-only'})\n`,
    );
    if (admin) logger.warn('admin mode: anyone who can reach the dashboard can change the queues');

    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    logger.info({ signal }, 'signal received');
  } finally {
    await server.close();
    await Promise.all(queues.map((queue) => queue.close()));
    redis.disconnect();
    store.destroy();
  }
  logger.info('dashboard stopped');
  return 0;
}
