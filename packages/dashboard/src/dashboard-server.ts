import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { ObjectStore } from '@kpress/object-store';
import type { RunStore } from '@kpress/runs';
import type { Queue } from 'bullmq';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { accessProblem, checkPublicHost, servedHostNames } from './access-policy.js';
import { refuseUnknownHosts } from './host-check.js';
import { createRunRoutes, HttpError } from './run-routes.js';
import { MAX_RUNS_LISTED } from './runs-page.js';
import { requireToken } from './token-auth.js';

export interface DashboardOptions {
  /** Queues shown by bull-board at /queues. The caller owns them and their Redis connection. */
  readonly queues: readonly Queue[];
  /** Run progress in Redis, for the run list. */
  readonly runs: RunStore;
  /** Where run reports are read from; browsers never need S3 credentials. */
  readonly store: ObjectStore;
  /**
   * False: bull-board is read-only (no retry, clean, pause, add, remove…), enforced twice: by
   * bull-board (each queue adapter in readOnlyMode) and by a guard refusing any request but
   * GET/HEAD to its API. True: every bull-board action, for holders of `token` (required).
   */
  readonly admin: boolean;
  /**
   * Required on every request when set (see requireToken: a Bearer header, or a cookie a browser
   * gets from ?token=). Required to listen on an address other than loopback, and for `admin`.
   * Default: none, for a read-only dashboard on loopback.
   */
  readonly token?: string;
  /**
   * Host names the dashboard is reached by besides the address it listens on (a reverse proxy's
   * name, a DNS name): requests with any other Host are refused with 421. Default: none.
   */
  readonly publicHosts?: readonly string[];
  readonly logger: Logger;
  /** Runs listed at / without `?limit` (default 50). */
  readonly recentRuns?: number;
  /** Largest report served, in bytes (default 64 MiB). */
  readonly maxReportBytes?: number;
}

export interface DashboardServer {
  /**
   * Starts listening; port 0 picks a free port, returned. Rejects, without listening, on an
   * address other than loopback when no token is set.
   */
  listen(port: number, host: string): Promise<{ port: number }>;
  /** Stops listening and closes open connections (keep-alive ones too). */
  close(): Promise<void>;
}

/** bull-board's mount point. */
export const QUEUES_PATH = '/queues';

/** The dashboard: bull-board for the queues, a run list and run reports proxied from S3. */
export function createDashboardServer(options: DashboardOptions): DashboardServer {
  checkOptions(options);
  const logger = options.logger.child({ component: 'dashboard' });
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((_req, res, next) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
    next();
  });
  // Before any route: the Host check (421), then the token (401).
  let served: ReadonlySet<string> = new Set();
  app.use(refuseUnknownHosts(() => served));
  if (options.token !== undefined) app.use(requireToken(options.token));

  const board = new ExpressAdapter();
  board.setBasePath(QUEUES_PATH);
  createBullBoard({
    queues: options.queues.map(
      (queue) => new BullMQAdapter(queue, { readOnlyMode: !options.admin, prefix: boardPrefix(queue, options.queues) }),
    ),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: options.admin ? 'kpress queues (admin)' : 'kpress queues' } },
  });
  app.use(`${QUEUES_PATH}/api`, options.admin ? refuseCrossSiteWrites : refuseWrites);
  app.use(QUEUES_PATH, board.getRouter() as express.Router);

  app.use(
    createRunRoutes({
      runs: options.runs,
      store: options.store,
      admin: options.admin,
      queuesPath: QUEUES_PATH,
      defaultLimit: options.recentRuns ?? 50,
      maxReportBytes: options.maxReportBytes ?? 64 * 1024 * 1024,
    }),
  );
  app.use((req: Request, _res: Response, next: NextFunction) => next(new HttpError(404, `no page at ${req.path}`)));
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const known = error instanceof HttpError;
    if (!known) logger.error({ err: error, method: req.method, path: req.path }, 'dashboard request failed');
    const status = known ? error.status : 500;
    const message = known ? error.message : `internal error: ${error instanceof Error ? error.message : String(error)}`;
    res.status(status).type('text/plain; charset=utf-8').send(`${message}\n`);
  });

  const server = createServer(app);
  return {
    listen(port, host) {
      const problem = accessProblem({ host, admin: options.admin, hasToken: options.token !== undefined });
      if (problem !== null) return Promise.reject(new Error(`the dashboard will not listen: ${problem}`));
      served = servedHostNames(host, options.publicHosts ?? []);
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const auth = options.token === undefined ? 'none' : 'token';
          logger.info({ host, port: address.port, admin: options.admin, auth }, 'dashboard listening');
          resolve({ port: address.port });
        });
      });
    },
    close() {
      return new Promise((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/** Read-only mode: bull-board refuses writes per queue; this refuses them for the whole API too. */
function refuseWrites(req: Request, res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  res.status(405).set('Allow', 'GET, HEAD').json({
    error: 'read-only dashboard',
    message: 'queue actions are disabled; restart with `kpress dashboard --admin` to enable them',
  });
}

/**
 * Admin mode: a page on another site must not drive the API through an admin's browser. Browsers
 * send Origin on cross-origin writes (and Sec-Fetch-Site where supported); curl sends neither.
 */
function refuseCrossSiteWrites(req: Request, res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  const origin = req.get('origin');
  const site = req.get('sec-fetch-site');
  const crossOrigin = origin !== undefined && origin !== 'null' && hostOf(origin) !== req.get('host');
  if (crossOrigin || origin === 'null' || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
    res.status(403).json({ error: 'cross-site request', message: 'queue actions must come from the dashboard itself' });
    return;
  }
  next();
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

/** A queue's name on the board: its Redis prefix goes first when another queue has the same name (shards). */
function boardPrefix(queue: Queue, queues: readonly Queue[]): string {
  return queues.filter((other) => other.name === queue.name).length > 1 ? `${queue.opts.prefix ?? 'bull'}:` : '';
}

function checkOptions(options: DashboardOptions): void {
  const queues: readonly Queue[] = options.queues;
  if (!Array.isArray(options.queues) || queues.length === 0) {
    const received = Array.isArray(options.queues) ? 'an empty array' : typeof options.queues;
    throw new TypeError(`queues must be a non-empty array of BullMQ queues, received ${received}`);
  }
  const names = queues.map((q) => q.qualifiedName);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) throw new TypeError(`queues must have distinct prefixes or names, received "${duplicate}" twice`);
  if (typeof options.admin !== 'boolean') throw new TypeError(`admin must be a boolean, received ${String(options.admin)}`);
  const { token, publicHosts } = options;
  if (token !== undefined && (typeof token !== 'string' || token.length === 0)) {
    throw new TypeError(
      `token must be a non-empty string, received ${typeof token === 'string' ? 'an empty string' : typeof token}`,
    );
  }
  const adminProblem = accessProblem({ host: '127.0.0.1', admin: options.admin, hasToken: token !== undefined });
  if (adminProblem !== null) throw new TypeError(adminProblem);
  for (const name of publicHosts ?? []) {
    const problem = checkPublicHost(name);
    if (problem !== null) throw new TypeError(`publicHosts: each ${problem}`);
  }
  const { recentRuns, maxReportBytes } = options;
  if (recentRuns !== undefined && (!Number.isInteger(recentRuns) || recentRuns < 1 || recentRuns > MAX_RUNS_LISTED)) {
    throw new TypeError(`recentRuns must be an integer between 1 and ${MAX_RUNS_LISTED}, received ${String(recentRuns)}`);
  }
  if (maxReportBytes !== undefined && (!Number.isInteger(maxReportBytes) || maxReportBytes < 1)) {
    throw new TypeError(`maxReportBytes must be a positive integer, received ${String(maxReportBytes)}`);
  }
}
