import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { TOKEN_VARIABLE } from './access-policy.js';

/** The cookie a browser gets after opening a page with ?token=. */
export const SESSION_COOKIE = 'kpress_dashboard';

/**
 * Lets a request through only with the dashboard's token, on every route (pages, reports,
 * bull-board's UI and API):
 *   - `Authorization: Bearer TOKEN` (scripts, curl);
 *   - a browser opens any page once with `?token=TOKEN`: it gets an HttpOnly, SameSite=Strict
 *     cookie and is redirected to the same address without the token (kept out of the address
 *     bar and history); the cookie then authenticates every request from the dashboard's pages.
 * The cookie holds an HMAC of the token, not the token. Every comparison is constant-time, on
 * equal-length SHA-256 digests. Anything else is answered 401.
 */
export function requireToken(token: string) {
  if (typeof token !== 'string' || token.length === 0) throw new TypeError('token must be a non-empty string');
  const session = createHmac('sha256', token).update('kpress dashboard session v1').digest('base64url');
  return (req: Request, res: Response, next: NextFunction): void => {
    const authorization = req.get('authorization');
    if (authorization !== undefined) {
      const bearer = /^Bearer +(\S+) *$/i.exec(authorization)?.[1];
      return bearer !== undefined && sameSecret(bearer, token)
        ? next()
        : refuse(res, 'the Authorization header does not hold the token');
    }
    const cookie = readCookie(req.get('cookie'), SESSION_COOKIE);
    if (cookie !== undefined && sameSecret(cookie, session)) return next();
    const query = req.query['token'];
    if (typeof query === 'string' && (req.method === 'GET' || req.method === 'HEAD')) {
      if (!sameSecret(query, token)) return refuse(res, 'the token in the address is not the dashboard token');
      res
        .cookie(SESSION_COOKIE, session, { httpOnly: true, sameSite: 'strict', path: '/', secure: req.secure })
        .set('Cache-Control', 'no-store')
        .redirect(303, withoutToken(req.originalUrl));
      return;
    }
    refuse(res, 'no token');
  };
}

function refuse(res: Response, why: string): void {
  res
    .status(401)
    .set({ 'WWW-Authenticate': 'Bearer realm="kpress dashboard"', 'Cache-Control': 'no-store' })
    .type('text/plain; charset=utf-8')
    .send(
      `unauthorised (${why}): this dashboard needs its token (${TOKEN_VARIABLE}). ` +
        'Send "Authorization: Bearer TOKEN", or open /?token=TOKEN once in a browser (it sets a cookie).\n',
    );
}

/** Constant-time equality of two strings of any lengths (their SHA-256 digests are compared). */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The request's path and query without `token`, as a same-site path (never "//host"). */
function withoutToken(originalUrl: string): string {
  const url = new URL(originalUrl, 'http://dashboard.invalid');
  url.searchParams.delete('token');
  return `/${url.pathname.replace(/^\/+/, '')}${url.search}`;
}
