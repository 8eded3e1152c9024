import type { NextFunction, Request, Response } from 'express';
import { normaliseHostName } from './access-policy.js';

/**
 * Refuses (421 Misdirected Request) a request whose Host is not one the dashboard serves, before
 * any route: a page on an attacker's domain that resolves to this address (DNS rebinding) is
 * same-origin with it in the browser, and would otherwise read pages and drive the queue API.
 * `served()` is read per request: the names are known once the server listens.
 */
export function refuseUnknownHosts(served: () => ReadonlySet<string>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.get('host');
    const name = header === undefined ? undefined : normaliseHostName(header);
    if (name !== undefined && served().has(name)) return next();
    res
      .status(421)
      .type('text/plain; charset=utf-8')
      .send(
        `misdirected request: Host ${JSON.stringify(header ?? '')} is not a name this dashboard serves ` +
          '(start it with --public-host NAME for each name it is reached by)\n',
      );
  };
}
