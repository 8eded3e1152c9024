import { posix } from 'node:path';

/** Where kpress writes things under a destination prefix (docs/contract.md "Where results land"). */
export const RESERVED_DIRECTORY = '_kpress/';

/** A destination prefix ends in "/" unless empty. */
export function normalisePrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** S3's limit on a key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/** A source key kpress will not turn into an output key; `code` is the run failure's code. */
export class UnsafeKeyError extends RangeError {
  override readonly name = 'UnsafeKeyError';
  constructor(
    readonly code: 'unsafe-key' | 'key-too-long',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Why a key could address something outside its prefix, or null when it cannot: empty, a
 * leading "/" or "\", control characters, or a "." / ".." segment — also when separated by
 * "\" or percent-encoded (%2e%2e, even twice), as tools that sync a bucket to disk or decode
 * URLs would read them.
 */
export function unsafeKeyReason(key: string): string | null {
  if (key === '') return 'is empty';
  if (key.startsWith('/') || key.startsWith('\\')) return 'starts with "/" or "\\"';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'contains control characters';
  let decoded = key;
  for (let round = 0; round < 3 && decoded.includes('%'); round++) decoded = decodePercent(decoded);
  for (const form of new Set([key, decoded])) {
    if (form.split(/[/\\]/).some((segment) => segment === '.' || segment === '..'))
      return 'has "." or ".." segments (also "\\"-separated or percent-encoded)';
  }
  return null;
}

function decodePercent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The output key of a source object: its path relative to the source prefix (the whole key for
 * manifest entries), with the extension replaced by the output format's, under the destination
 * prefix. Throws an UnsafeKeyError for paths that could leave the destination (see
 * unsafeKeyReason), that land in kpress's reserved directory, or whose metadata key would exceed
 * S3's 1024-byte limit.
 */
export function outputKeyFor(relativeKey: string, destinationPrefix: string, extension: string): string {
  const unsafe = unsafeKeyReason(relativeKey);
  if (unsafe !== null) {
    throw new UnsafeKeyError(
      'unsafe-key',
      `source key ${JSON.stringify(relativeKey)} ${unsafe}: refusing to write outside the destination`,
    );
  }
  const prefix = normalisePrefix(destinationPrefix);
  const parsed = posix.parse(relativeKey);
  const stem = parsed.ext === '' ? parsed.base : parsed.name;
  const key = `${prefix}${parsed.dir === '' ? '' : `${parsed.dir}/`}${stem}${extension}`;
  if (key.slice(prefix.length).startsWith(RESERVED_DIRECTORY)) {
    throw new UnsafeKeyError(
      'unsafe-key',
      `source key ${JSON.stringify(relativeKey)} would write into kpress's reserved ${RESERVED_DIRECTORY} directory`,
    );
  }
  const unsafeOutput = unsafeKeyReason(key);
  if (unsafeOutput !== null) {
    throw new UnsafeKeyError('unsafe-key', `output key ${JSON.stringify(key)} ${unsafeOutput}: check the destination prefix`);
  }
  const bytes = Buffer.byteLength(metadataKeyFor(key));
  if (bytes > MAX_KEY_BYTES) {
    throw new UnsafeKeyError(
      'key-too-long',
      `its metadata key would be ${bytes} bytes, more than S3's limit of ${MAX_KEY_BYTES} (source key of ${Buffer.byteLength(relativeKey)} bytes)`,
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

/**
 * Page N of a run's per-image results (JSON lines, RESULT_PAGE_SIZE results each but the last),
 * beside its report: `_kpress/runs/RUN_ID/results/000042.jsonl`. Six digits sort pages in
 * order up to a billion results.
 */
export function resultPageKey(destinationPrefix: string, runId: string, page: number): string {
  return `${normalisePrefix(destinationPrefix)}${RESERVED_DIRECTORY}runs/${runId}/results/${String(page).padStart(6, '0')}.jsonl`;
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
