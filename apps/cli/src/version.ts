import { readFileSync } from 'node:fs';

/** kpress's version: the root package.json's (from apps/cli/dist/, three levels up; the image keeps it). */
export function kpressVersion(): string {
  const url = new URL('../../../package.json', import.meta.url);
  const manifest = JSON.parse(readFileSync(url, 'utf8')) as { name?: unknown; version?: unknown };
  if (manifest.name !== 'kpress' || typeof manifest.version !== 'string') {
    throw new Error(`${url.pathname} is not kpress's root package.json (name ${JSON.stringify(manifest.name)})`);
  }
  return manifest.version;
}
