import { compressImage } from '@kpress/compress';
import { resolveParams } from '@kpress/job-contract';
import { metadataKeyFor, outputKeyFor, RESERVED_DIRECTORY } from '@kpress/job-contract';
import type { ObjectStore } from '@kpress/object-store';
import sharp from 'sharp';
import { readPngChunks } from './png-chunks.js';

/** A source image of a fault scenario: where it lives and its bytes. */
export interface SourceImage {
  readonly key: string;
  readonly body: Buffer;
}

/**
 * The output a fault-free run must produce for each source: compressed in this process by the
 * same code the workers run (kpress compress), keyed by output key.
 */
export async function referenceOutputs(
  images: readonly SourceImage[],
  sourcePrefix: string,
  destinationPrefix: string,
  params: Record<string, unknown>,
): Promise<Map<string, Buffer>> {
  const resolved = resolveParams(params);
  const references = new Map<string, Buffer>();
  for (const image of images) {
    const compressed = await compressImage(image.body, resolved, { maxPixels: 100_000_000 });
    const key = outputKeyFor(image.key.slice(sourcePrefix.length), destinationPrefix, compressed.output.extension);
    references.set(key, Buffer.from(compressed.output.bytes));
  }
  return references;
}

/** Whether `png` decodes to the end (every row, every chunk), as a reader would need it. */
async function decodesFully(png: Buffer): Promise<boolean> {
  try {
    await sharp(png, { failOn: 'truncated' }).raw().toBuffer();
    return readPngChunks(png).at(-1)?.type === 'IEND';
  } catch {
    return false;
  }
}

interface MetadataDoc {
  readonly output?: { readonly key?: unknown; readonly bytes?: unknown };
  readonly palette?: unknown;
}

/** The palette of a PNG's PLTE chunk, as [r, g, b] triples. */
function plteOf(png: Buffer): number[][] {
  const plte = readPngChunks(png).find((c) => c.type === 'PLTE');
  if (!plte) return [];
  const entries: number[][] = [];
  for (let i = 0; i + 2 < plte.data.length; i += 3) entries.push([plte.data[i]!, plte.data[i + 1]!, plte.data[i + 2]!]);
  return entries;
}

/** Problems of one image + metadata pair (empty when both are complete and agree). */
async function checkPair(store: ObjectStore, bucket: string, imageKey: string, image?: Buffer): Promise<string[]> {
  const problems: string[] = [];
  const png = image ?? (await store.get(bucket, imageKey, { maxBytes: 1 << 28 })).body;
  if (!(await decodesFully(png))) problems.push(`${imageKey}: the image does not decode fully (${png.length} bytes)`);
  const head = await store.head(bucket, metadataKeyFor(imageKey));
  if (head === null) return [...problems, `${imageKey}: no metadata document`];
  const text = (await store.get(bucket, metadataKeyFor(imageKey), { maxBytes: 1 << 24 })).body.toString('utf8');
  let doc: MetadataDoc;
  try {
    doc = JSON.parse(text) as MetadataDoc;
  } catch {
    return [...problems, `${imageKey}.json: not JSON (${text.length} chars)`];
  }
  if (doc.output?.key !== imageKey) problems.push(`${imageKey}.json: output.key is ${String(doc.output?.key)}`);
  if (doc.output?.bytes !== png.length)
    problems.push(`${imageKey}.json: output.bytes ${String(doc.output?.bytes)} ≠ ${png.length}`);
  const palette = Array.isArray(doc.palette) ? (doc.palette as number[][]).map((entry) => entry.slice(0, 3)) : null;
  if (JSON.stringify(palette) !== JSON.stringify(plteOf(png))) problems.push(`${imageKey}.json: palette ≠ the PNG's PLTE`);
  return problems;
}

export interface OutputVerdict {
  /** Output keys with a complete image, a consistent metadata document and the reference's bytes. */
  good: number;
  readonly missing: string[];
  /** Images whose bytes differ from the fault-free reference. */
  readonly mismatching: string[];
  /** Partial images, missing or inconsistent metadata documents. */
  readonly broken: string[];
  /** Objects under the destination that no source explains (stray or doubled outputs). */
  readonly unexpected: string[];
}

/**
 * Compares everything under `destinationPrefix` (reports aside) with the expected outputs: each
 * must be complete and consistent with its metadata, and equal its reference bytes unless the
 * reference is null (not computed: the soak compares a sample).
 */
export async function verifyOutputs(
  store: ObjectStore,
  bucket: string,
  destinationPrefix: string,
  references: ReadonlyMap<string, Buffer | null>,
): Promise<OutputVerdict> {
  const listed = new Set<string>();
  for await (const object of store.list(bucket, destinationPrefix)) {
    if (!object.key.slice(destinationPrefix.length).startsWith(RESERVED_DIRECTORY)) listed.add(object.key);
  }
  const verdict: OutputVerdict = { good: 0, missing: [], mismatching: [], broken: [], unexpected: [] };
  const expectedKeys = new Set<string>();
  for (const key of references.keys()) expectedKeys.add(key).add(metadataKeyFor(key));
  verdict.unexpected.push(...[...listed].filter((key) => !expectedKeys.has(key)));
  const entries = [...references];
  // Bounded concurrency: thousands of outputs in the soak.
  for (let i = 0; i < entries.length; i += 16) {
    await Promise.all(
      entries.slice(i, i + 16).map(async ([key, reference]) => {
        if (!listed.has(key)) {
          verdict.missing.push(key);
          return;
        }
        const png = (await store.get(bucket, key, { maxBytes: 1 << 28 })).body;
        const problems = await checkPair(store, bucket, key, png);
        if (problems.length > 0) verdict.broken.push(...problems);
        else if (reference !== null && !png.equals(reference)) verdict.mismatching.push(key);
        else verdict.good++;
      }),
    );
  }
  return verdict;
}

export interface ListingWatch {
  /** Listings taken and objects checked while watching. */
  readonly stats: () => { listings: number; checked: number };
  /** Stops watching; resolves with every violation seen (a partial object listed under an output key). */
  stop(): Promise<string[]>;
}

/**
 * Lists the destination every `intervalMs` while a fault happens and checks each listed object
 * once per version: a PNG must decode fully and match its listed size; a metadata document must
 * parse and point at an existing, complete image of the size it claims.
 */
export function watchListing(store: ObjectStore, bucket: string, prefix: string, intervalMs = 50): ListingWatch {
  const violations: string[] = [];
  const seen = new Set<string>();
  let listings = 0;
  let checked = 0;
  let running = true;

  const checkObject = async (key: string, size: number): Promise<void> => {
    const got = await store.get(bucket, key, { maxBytes: 1 << 28 }).catch((error: unknown) => error as Error);
    // Listed, then gone or unreadable: a reader would have seen a key without a usable object.
    if (got instanceof Error) return void violations.push(`${key}: listed but unreadable (${got.message})`);
    if (got.body.length !== size) violations.push(`${key}: listed with ${size} bytes, read ${got.body.length}`);
    if (key.endsWith('.png')) {
      if (!(await decodesFully(got.body))) violations.push(`${key}: listed but does not decode fully`);
      return;
    }
    let doc: MetadataDoc;
    try {
      doc = JSON.parse(got.body.toString('utf8')) as MetadataDoc;
    } catch {
      return void violations.push(`${key}: listed metadata is not JSON`);
    }
    const imageKey = key.slice(0, -'.json'.length);
    const image = await store.get(bucket, imageKey, { maxBytes: 1 << 28 }).catch(() => null);
    if (image === null) return void violations.push(`${key}: metadata listed before its image exists`);
    if (image.body.length !== doc.output?.bytes)
      violations.push(`${key}: claims ${String(doc.output?.bytes)} bytes, image has ${image.body.length}`);
    if (!(await decodesFully(image.body))) violations.push(`${key}: its image does not decode fully`);
  };

  const loop = (async () => {
    while (running) {
      const started = Date.now();
      const pending: Promise<void>[] = [];
      for await (const object of store.list(bucket, prefix)) {
        const version = `${object.key}@${object.etag}/${object.size}`;
        if (seen.has(version) || object.key.includes(`/${RESERVED_DIRECTORY}`)) continue;
        seen.add(version);
        checked++;
        pending.push(checkObject(object.key, object.size));
      }
      await Promise.all(pending);
      listings++;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - (Date.now() - started))));
    }
  })();

  return {
    stats: () => ({ listings, checked }),
    async stop() {
      running = false;
      await loop;
      return violations;
    },
  };
}
