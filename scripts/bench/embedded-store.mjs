// The benchmarks' S3: the embedded s3rver in a temporary directory, and an ObjectStore on it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedS3 } from '@kpress/local-services';
import { createS3ObjectStore } from '@kpress/object-store';

/** Starts s3rver in a fresh temporary directory; `stop()` closes the store and server and deletes the directory. */
export async function startBenchStore(directoryPrefix) {
  const directory = await mkdtemp(join(tmpdir(), directoryPrefix));
  const s3 = await startEmbeddedS3({ directory });
  const store = createS3ObjectStore({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: s3.credentials,
  });
  return {
    s3,
    store,
    async stop() {
      store.destroy();
      await s3.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
