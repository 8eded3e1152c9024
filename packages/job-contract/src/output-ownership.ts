/**
 * S3 user metadata on every output image and metadata document: the source that produced it.
 * The first source to write an output key owns it; another source that maps to the same key
 * (`cat.jpg` and `cat.png`) never overwrites it, in this run or any later one.
 * Percent-encoded: user metadata travels in HTTP headers, keys may be any UTF-8.
 */
export const OWNER_METADATA = 'kpress-source';

export function encodeOwner(sourceUrl: string): string {
  return encodeURIComponent(sourceUrl);
}

/** The owner recorded on an output, or null when none (not written by kpress, or by an older one). */
export function decodeOwner(metadata: Readonly<Record<string, string>>): string | null {
  const raw = metadata[OWNER_METADATA];
  if (raw === undefined || raw === '') return null;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
