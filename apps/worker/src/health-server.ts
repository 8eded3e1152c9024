import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';

export interface HealthChecks {
  /** Alive: the process works (it has done something recently, or is idle with Redis connected). */
  healthy(): Promise<boolean>;
  /** Ready: Redis and S3 answer. */
  ready(): Promise<boolean>;
  /** Prometheus text exposition. */
  metrics(): Promise<string>;
}

/** Serves /healthz, /readyz and /metrics on `port` (0 = a free port). */
export async function startHealthServer(
  port: number,
  checks: HealthChecks,
  logger: Logger,
): Promise<{ server: Server; port: number }> {
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
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve());
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : port };
}
