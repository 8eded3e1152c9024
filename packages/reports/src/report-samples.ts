import { metadataKeyFor } from '@kpress/job-contract';
import type { ObjectStore } from '@kpress/object-store';
import type { ReportSample } from './render-report-html.js';
import type { ReportImageRow } from './run-report.js';

/** Longest side of a thumbnail, in pixels. */
export const THUMBNAIL_SIZE = 160;
/** Sources larger than this are not downloaded for a thumbnail. */
export const MAX_SAMPLE_SOURCE_BYTES = 64 * 1024 * 1024;
const MAX_METADATA_BYTES = 4 * 1024 * 1024;
/** Decoding limit for thumbnails (sharp's own default is 268 MP). */
const MAX_SAMPLE_PIXELS = 100_000_000;

/** `count` rows spread evenly over `rows` (sorted by key), so samples do not all come from one folder. */
export function pickSamples(rows: readonly ReportImageRow[], count: number): ReportImageRow[] {
  if (rows.length <= count) return [...rows];
  return Array.from({ length: count }, (_, i) => rows[Math.floor((i * rows.length) / count)]!);
}

interface MetadataDocument {
  readonly source?: { readonly bucket?: unknown; readonly key?: unknown };
  readonly palette?: unknown;
}

/**
 * Thumbnails of one sample: the source (found through the output's metadata document, which
 * names its bucket, so manifest runs work too) and the output, each at most THUMBNAIL_SIZE px.
 * A missing or unreadable object gives a sample without that thumbnail and a `problem`, never
 * an error: a report is still worth writing.
 */
export async function makeSample(store: ObjectStore, destinationBucket: string, row: ReportImageRow): Promise<ReportSample> {
  const problems: string[] = [];
  let palette: number[][] = [];
  let before: string | null = null;
  let after: string | null = null;
  let sourceBucket: string | null = null;
  let sourceKey = row.key;
  try {
    const { body } = await store.get(destinationBucket, metadataKeyFor(row.output), { maxBytes: MAX_METADATA_BYTES });
    const metadata = JSON.parse(body.toString('utf8')) as MetadataDocument;
    palette = parsePalette(metadata.palette);
    if (typeof metadata.source?.bucket === 'string') sourceBucket = metadata.source.bucket;
    if (typeof metadata.source?.key === 'string') sourceKey = metadata.source.key;
  } catch (error) {
    problems.push(`metadata unreadable (${describe(error)})`);
  }
  try {
    const { body } = await store.get(destinationBucket, row.output, { maxBytes: MAX_SAMPLE_SOURCE_BYTES });
    after = await thumbnail(body, 'png');
  } catch (error) {
    problems.push(`output unreadable (${describe(error)})`);
  }
  if (sourceBucket !== null) {
    try {
      const { body } = await store.get(sourceBucket, sourceKey, { maxBytes: MAX_SAMPLE_SOURCE_BYTES });
      before = await thumbnail(body, 'jpeg');
    } catch (error) {
      problems.push(`source unreadable (${describe(error)})`);
    }
  }
  return {
    key: row.key,
    output: row.output,
    before,
    after,
    palette,
    psnr: row.psnr,
    bytesIn: row.bytesIn,
    bytesOut: row.bytesOut,
    problem: problems.length > 0 ? problems.join('; ') : null,
  };
}

async function thumbnail(body: Buffer, format: 'png' | 'jpeg'): Promise<string> {
  // Loaded on first use: importing the reports (as the producer does, to finish a run) must not
  // load libvips into a process that never makes a thumbnail.
  const { default: sharp } = await import('sharp');
  const resized = sharp(body, { limitInputPixels: MAX_SAMPLE_PIXELS, failOn: 'error' })
    .rotate()
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true });
  // The source as JPEG (small); the output as PNG, so its flat colours are not smeared by JPEG.
  const encoded =
    format === 'jpeg'
      ? await resized.flatten({ background: '#ffffff' }).jpeg({ quality: 82, mozjpeg: true }).toBuffer()
      : await resized.png({ compressionLevel: 9, palette: true, colours: 256, dither: 0 }).toBuffer();
  return `data:image/${format};base64,${encoded.toString('base64')}`;
}

function parsePalette(value: unknown): number[][] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((entry): entry is unknown[] => Array.isArray(entry) && entry.length >= 3)
    .slice(0, 256)
    .map((entry) => entry.slice(0, 4).map((channel) => (typeof channel === 'number' ? channel : 0)));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
