import { posix } from 'node:path';

/** Where kpress writes things under a destination prefix (DESIGN.md "Where results land"). */
export const RESERVED_DIRECTORY = '_kpress/';

/** A destination prefix ends in "/" unless empty. */
export function normalisePrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/**
 * The output key of a source object: its path relative to the source prefix (the whole key for
 * manifest entries), with the extension replaced by the output format's, under the destination
 * prefix. Rejects paths that would leave the destination (`..` segments, absolute paths) or land
 * in kpress's reserved directory.
 */
export function outputKeyFor(relativeKey: string, destinationPrefix: string, extension: string): string {
  const segments = relativeKey.split('/');
  if (relativeKey === '' || segments.some((s) => s === '..' || s === '.') || relativeKey.startsWith('/')) {
    throw new RangeError(
      `source key ${JSON.stringify(relativeKey)} has "." or ".." segments or a leading "/": refusing to write outside the destination`,
    );
  }
  const parsed = posix.parse(relativeKey);
  const stem = parsed.ext === '' ? parsed.base : parsed.name;
  const key = `${normalisePrefix(destinationPrefix)}${parsed.dir === '' ? '' : `${parsed.dir}/`}${stem}${extension}`;
  if (key.slice(normalisePrefix(destinationPrefix).length).startsWith(RESERVED_DIRECTORY)) {
    throw new RangeError(
      `source key ${JSON.stringify(relativeKey)} would write into kpress's reserved ${RESERVED_DIRECTORY} directory`,
    );
  }
  return key;
}

/** The metadata document sits beside its image: the image key + ".json". */
export function metadataKeyFor(outputKey: string): string {
  return `${outputKey}.json`;
}

export function reportKeys(destinationPrefix: string, runId: string): { json: string; html: string } {
  const base = `${normalisePrefix(destinationPrefix)}${RESERVED_DIRECTORY}runs/${runId}/`;
  return { json: `${base}report.json`, html: `${base}report.html` };
}

/** Extensions kpress treats as images when listing (case-insensitive). */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.jpg',
  '.jpeg',
  '.jpe',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
  '.heic',
  '.heif',
  '.jp2',
  '.jxl',
  '.svg',
]);

export function looksLikeImage(key: string): boolean {
  return IMAGE_EXTENSIONS.has(posix.extname(key).toLowerCase());
}
