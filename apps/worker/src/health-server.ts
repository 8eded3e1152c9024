import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { settleWithin } from './settle-within.js';

export interface HealthChecks {
  /** Alive: the process works (it has done something recently, or is idle with Redis connected). */
  healthy(): Promise<boolean>;
  /** Ready: Redis and S3 answer. */
  ready(): Promise<boolean>;
  /** Prometheus text exposition. */
  metrics(): Promise<string>;
}

export interface HealthServer {
  readonly server: Server;
  /** The port listened on (the one picked by the OS for port 0). */
  readonly port: number;
  /** Stops listening and drops open connections (keep-alive ones too); settles within `timeoutMs`. */
  close(timeoutMs: number): Promise<void>;
}

/** The health port cannot be listened on: taken by another process, or privileged. */
export class PortUnavailableError extends Error {
  override readonly name = 'PortUnavailableError';
  /** What is wrong with the port, and the system's reason: "is already in use (listen EADDRINUSE…)". */
  readonly problem: string;
  constructor(
    readonly port: number,
    readonly code: 'EADDRINUSE' | 'EACCES',
    cause: Error,
  ) {
    const problem = `${code === 'EADDRINUSE' ? 'is already in use' : 'is not allowed'} (${cause.message})`;
    super(`port ${port} ${problem}`, { cause });
    this.problem = problem;
  }
}

/**
 * Serves /healthz, /readyz and /metrics on `port` (0 = a free port) of every interface. Rejects
 * with PortUnavailableError when the port is taken (EADDRINUSE) or not allowed (EACCES).
 */
export async function startHealthServer(port: number, checks: HealthChecks, logger: Logger): Promise<HealthServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const answer = async (): Promise<[number, string, string]> => {
      switch (path) {
        case '/healthz':
          return (await checks.healthy()) ? [200, 'text/plain', 'ok\n'] : [503, 'text/plain', 'unhealthy\n'];
        case '/readyz':
          return (await checks.ready()) ? [200, 'text/plain', 'ready\n'] : [503, 'text/plain', 'not ready\n'];
        case '/metrics':
          return [200, 'text/plain; version=0.0.4', await checks.metrics()];
        default:
          return [404, 'text/plain', 'not found\n'];
      }
    };
    answer()
      .catch((error: unknown): [number, string, string] => {
        logger.warn({ err: error, path }, 'health check failed');
        return [503, 'text/plain', 'check failed\n'];
      })
      .then(([status, type, body]) => {
        response.writeHead(status, { 'content-type': type });
        response.end(body);
      })
      .catch(() => response.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const { code } = error;
      reject(code === 'EADDRINUSE' || code === 'EACCES' ? new PortUnavailableError(port, code, error) : error);
    });
    server.listen(port, '0.0.0.0', () => resolve());
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : port,
    async close(timeoutMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await settleWithin(closed, timeoutMs);
    },
  };
}
