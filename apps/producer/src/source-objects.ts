import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseS3Url, type S3Location } from '@kpress/job-contract';
import type { ObjectInfo, ObjectStore } from '@kpress/object-store';

/** An object to consider, with the path its output keeps (relative to the source prefix). */
export interface SourceObject extends ObjectInfo {
  readonly relativeKey: string;
  /** False when a manifest names an object that does not exist (the worker then reports it). */
  readonly exists: boolean;
  /**
   * Where the listing stands once this object is handled (its key in a prefix listing, its line
   * number in a manifest): the run's checkpoint, from which `--resume` continues.
   */
  readonly position: string;
}

/** Every object under a prefix, streamed page by page; after `startAfter` (a checkpoint) when given. */
export async function* objectsUnderPrefix(
  store: ObjectStore,
  source: S3Location,
  startAfter?: string,
): AsyncIterable<SourceObject> {
  const options = startAfter === undefined ? {} : { startAfter };
  for await (const object of store.list(source.bucket, source.key, options)) {
    if (object.key.endsWith('/')) continue; // "folder" placeholder objects
    yield {
      ...object,
      relativeKey: object.key.slice(source.key.length).replace(/^\/+/, ''),
      exists: true,
      position: object.key,
    };
  }
}

/**
 * The objects a manifest names, one s3:// URL per line (blank lines and # comments ignored),
 * read as a stream. Each is looked up (HEAD) for its ETag and size, `concurrency` at a time.
 * The relative path of a manifest entry is its whole key. With `afterLine` (a checkpoint), lines
 * up to that number are read but not looked up.
 */
export async function* objectsFromManifest(
  store: ObjectStore,
  path: string,
  options: { readonly concurrency?: number; readonly afterLine?: number } = {},
): AsyncIterable<SourceObject> {
  const concurrency = options.concurrency ?? 16;
  const afterLine = options.afterLine ?? 0;
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let batch: { location: S3Location; line: number }[] = [];
  let lineNumber = 0;
  const flush = async (): Promise<SourceObject[]> => {
    const found = await Promise.all(
      batch.map(async ({ location, line }): Promise<SourceObject> => {
        const head = await store.head(location.bucket, location.key);
        const position = String(line);
        return head
          ? {
              bucket: head.bucket,
              key: head.key,
              etag: head.etag,
              size: head.size,
              relativeKey: location.key,
              exists: true,
              position,
            }
          : { bucket: location.bucket, key: location.key, etag: '', size: 0, relativeKey: location.key, exists: false, position };
      }),
    );
    batch = [];
    return found;
  };
  for await (const raw of lines) {
    lineNumber++;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || lineNumber <= afterLine) continue;
    let location: S3Location;
    try {
      location = parseS3Url(line, `manifest ${path} line ${lineNumber}`);
    } catch (error) {
      throw new TypeError((error as Error).message);
    }
    if (location.key === '' || location.key.endsWith('/')) {
      throw new TypeError(`manifest ${path} line ${lineNumber}: ${JSON.stringify(line)} names a prefix, not an object`);
    }
    batch.push({ location, line: lineNumber });
    if (batch.length >= concurrency) yield* await flush();
  }
  if (batch.length > 0) yield* await flush();
}
