import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

interface StoredObject {
  readonly bucket: string;
  readonly key: string;
  readonly content: Buffer | Readable;
  readonly metadata: Record<string, string>;
}

interface FilesystemStoreShape {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
}

let installed = false;

/**
 * s3rver 3.7 writes an object straight into its final file and resolves before that file is
 * flushed, so a listing or GET during a PUT sees a partial object (its size is the file's size
 * at that moment) — and a rewrite truncates a complete object first. Real S3 and MinIO make a
 * PUT visible only when complete, and kpress's guarantee (no partial object ever visible under
 * an output key) is tested against that: startEmbeddedS3 replaces s3rver's putObject with a
 * write to a temporary file, renamed over the object once fully written. Idempotent.
 */
export function makeS3rverPutsAtomic(): void {
  if (installed) return;
  installed = true;
  const require = createRequire(import.meta.url);
  const FilesystemStore = require('s3rver/lib/stores/filesystem.js') as { prototype: FilesystemStoreShape };
  FilesystemStore.prototype.putObject = async function putObject(this: FilesystemStoreShape, object: StoredObject) {
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    const temporary = `${objectPath}.partial-${randomBytes(6).toString('hex')}`;
    const md5 = createHash('md5');
    let size = 0;
    try {
      const chunks = Buffer.isBuffer(object.content) ? [object.content] : object.content;
      await pipeline(
        (async function* count(source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            md5.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        })(chunks as AsyncIterable<Buffer>),
        createWriteStream(temporary),
      );
      await rename(temporary, objectPath);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    const digest = md5.digest('hex');
    await this.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
}
