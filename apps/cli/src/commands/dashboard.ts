import { parseArgs } from 'node:util';
import { accessProblem, checkPublicHost, createDashboardServer, type DashboardServer, TOKEN_VARIABLE } from '@kpress/dashboard';
import { SCHEDULE_QUEUE } from '@kpress/job-contract';
import { createRunShards } from '@kpress/producer';
import { Queue } from 'bullmq';
import { connectRedis, createObjectStore } from '../clients.js';
import { integerFlag } from '../integer-flag.js';
import { UsageError } from '../usage-error.js';
import type { CommandContext } from './command.js';

const DASHBOARD_HELP = `Usage: kpress dashboard [--port P] [--host H] [--public-host NAME]... [--admin]

Serves, until SIGTERM or SIGINT:
  /                             recent runs: counts, mean PSNR, bytes in → out, report links
  /runs/RUN_ID/report.html      the run's report, read from S3 by the dashboard (also report.json)
  /queues                       bull-board for kpress's queues, read-only unless --admin

Access: nobody is let in by default. Without ${TOKEN_VARIABLE} the dashboard only listens on
loopback, read-only. With it, every request (pages, reports, bull-board's UI and API) must carry
the token, on loopback too: scripts send "Authorization: Bearer TOKEN"; a browser opens
http://HOST:PORT/?token=TOKEN once and gets an HttpOnly, SameSite=Strict cookie (the address is
then reloaded without the token). Anything else: 401. The token is needed for --admin and for any
--host but loopback (otherwise exit 2). Use a long random value (\`openssl rand -hex 32\`, at
least 16 characters), and HTTPS in front of the dashboard when it leaves the machine.

Requests whose Host header is not a name the dashboard serves are refused with 421 (this stops
DNS rebinding): the --host address, localhost/127.0.0.1/[::1] when it includes loopback, the
machine's addresses for 0.0.0.0 or ::, and each --public-host.

Options:
  --port P            port to listen on (default 3000)
  --host H            address to listen on (default 127.0.0.1); anything but loopback needs the token
  --public-host NAME  another host name the dashboard is reached by, e.g. behind a reverse proxy
                      or port-forward (repeatable; default: none)
  --admin             enable bull-board's queue actions (needs the token; default: read-only)`;

export async function runDashboard(argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'public-host': { type: 'string', multiple: true },
      admin: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout.write(`${DASHBOARD_HELP}\n`);
    return 0;
  }
  const port = integerFlag('port', values.port, 3000, { min: 0, max: 65535 });
  const host = values.host ?? '127.0.0.1';
  if (host === '') throw new UsageError('--host must not be empty');
  const publicHosts = values['public-host'] ?? [];
  for (const name of publicHosts) {
    const problem = checkPublicHost(name);
    if (problem !== null) throw new UsageError(`--public-host ${problem}`);
  }
  const admin = values.admin === true;
  const { config } = context;
  const token = config.dashboardToken?.reveal();
  // Checked before any connection is opened: exit 2 and nothing to clean up.
  const problem = accessProblem({ host, admin, hasToken: token !== undefined });
  if (problem !== null) throw new UsageError(problem);
  const logger = context.logger.child({ role: 'dashboard' });

  // 'worker', not 'client': a client connection stops reconnecting after a few attempts, right for
  // a one-shot command but it would leave a long-running dashboard dead after a Redis restart.
  // The worker connection reconnects forever and holds commands meanwhile, so pages wait out an
  // outage instead of failing; bull-board's queue calls expect such a normal BullMQ connection.
  const redis = await connectRedis(config, 'worker', logger);
  const store = createObjectStore(config);
  // Every shard's image queue, and the schedules (home shard); runs are found on their shard.
  const shards = createRunShards(redis, config.prefixes);
  const queues = [
    ...shards.all.map((shard) => shard.queue),
    new Queue(SCHEDULE_QUEUE, { connection: redis, prefix: config.prefix }),
  ];
  const server = createDashboardServer({
    queues,
    runs: shards.runs,
    store,
    admin,
    logger,
    ...(token === undefined ? {} : { token }),
    publicHosts,
  });
  try {
    const { port: bound } = await listenOrExplain(server, port, host);
    const address = `http://${host.includes(':') ? `[${host}]` : host}:${bound}/`;
    const access =
      token === undefined ? '' : `; token required: open ${address}?token=TOKEN once, or send "Authorization: Bearer TOKEN"`;
    context.stdout.write(`kpress dashboard on ${address} (${admin ? 'admin' : 'read-only'})${access}\n`);
    if (admin) logger.warn('admin mode: holders of the token can change the queues');

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

/** Listens, turning a port in use (or not allowed) into a usage error naming --port. */
async function listenOrExplain(server: DashboardServer, port: number, host: string): Promise<{ port: number }> {
  try {
    return await server.listen(port, host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`--port ${port} is already in use on ${host} (${(error as Error).message})`);
    if (code === 'EACCES') throw new UsageError(`--port ${port} is not allowed (${(error as Error).message})`);
    if (code === 'EADDRNOTAVAIL')
      throw new UsageError(`--host ${host} is not an address of this machine (${(error as Error).message})`);
    throw error;
  }
}
