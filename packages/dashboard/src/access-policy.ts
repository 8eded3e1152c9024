import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** The environment variable holding the dashboard's token, named in every message about it. */
export const TOKEN_VARIABLE = 'KPRESS_DASHBOARD_TOKEN';

/** Whether listening on `host` serves this machine only (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const bare = unbracket(host.toLowerCase());
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(bare);
  return false;
}

/** Whether listening on `host` means every interface. */
function isWildcardHost(host: string): boolean {
  const bare = unbracket(host);
  return bare === '0.0.0.0' || bare === '::' || bare === '0:0:0:0:0:0:0:0';
}

/**
 * Why the dashboard must not start with these settings, or null when it may. Nobody is let in by
 * default: queue actions (--admin) always need the token, and so does an address other machines
 * can reach.
 */
export function accessProblem(settings: {
  readonly host: string;
  readonly admin: boolean;
  readonly hasToken: boolean;
}): string | null {
  if (settings.hasToken) return null;
  if (settings.admin) {
    return `--admin needs ${TOKEN_VARIABLE}: queue actions are never open to whoever reaches the port (set it to a long random string, e.g. \`openssl rand -hex 32\`)`;
  }
  if (!isLoopbackHost(settings.host)) {
    return `--host ${settings.host} can be reached from other machines: set ${TOKEN_VARIABLE} (a long random string, e.g. \`openssl rand -hex 32\`) or listen on 127.0.0.1`;
  }
  return null;
}

/**
 * The host names (lower case, IPv6 in brackets, no port) that requests may carry in Host: the
 * address listened on; the loopback names when that includes loopback; every interface address
 * for a wildcard address; and `publicHosts`. Any other name, e.g. an attacker's domain rebound
 * to this address (DNS rebinding), is refused before any route.
 */
export function servedHostNames(host: string, publicHosts: readonly string[]): ReadonlySet<string> {
  const names = new Set<string>(publicHosts.map((name) => normaliseHostName(name)));
  const wildcard = isWildcardHost(host);
  if (!wildcard) names.add(normaliseHostName(host));
  if (wildcard || isLoopbackHost(host)) for (const name of ['localhost', '127.0.0.1', '[::1]']) names.add(name);
  if (wildcard) {
    for (const addresses of Object.values(networkInterfaces())) {
      for (const { address } of addresses ?? []) names.add(normaliseHostName(address));
    }
  }
  return names;
}

const HOST_NAME = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Checks a --public-host value: a DNS name or an IP address, without scheme, port or path. */
export function checkPublicHost(name: string): string | null {
  const bare = unbracket(name.toLowerCase().replace(/\.$/, ''));
  if (isIP(bare) !== 0 || (HOST_NAME.test(bare) && bare.length <= 253)) return null;
  return `must be a host name such as dashboard.example.com or an IP address (no scheme, port or path), received ${JSON.stringify(name)}`;
}

/** The host name of a Host header value or an address: lower case, no port, IPv6 in brackets. */
export function normaliseHostName(value: string): string {
  let name = value.trim().toLowerCase();
  if (name.startsWith('[')) {
    const end = name.indexOf(']');
    name = end < 0 ? name : name.slice(0, end + 1);
  } else if (isIP(name) === 6) {
    name = `[${name}]`;
  } else {
    const colon = name.lastIndexOf(':');
    if (colon >= 0) name = name.slice(0, colon);
  }
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
