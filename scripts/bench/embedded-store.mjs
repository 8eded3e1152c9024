// The benchmarks' S3: the embedded s3rver in a temporary directory, and an ObjectStore on it.
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedS3 } from '@kpress/local-services';
import { createS3ObjectStore } from '@kpress/object-store';

// In memory where Linux offers it: the stand-in for a remote S3 shares the workers' cores, and
// ext4 file creation and deletion cost it CPU that a real S3 would spend on its own machines.
const MEMORY_FILESYSTEM = '/dev/shm';

/**
 * Starts s3rver in a fresh temporary directory (under /dev/shm when writable, else the OS temp
 * directory); `stop()` closes the store and server and deletes the directory.
 */
export async function startBenchStore(directoryPrefix) {
  const root = await access(MEMORY_FILESYSTEM, constants.W_OK).then(
    () => MEMORY_FILESYSTEM,
    () => tmpdir(),
  );
  const directory = await mkdtemp(join(root, directoryPrefix));
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
    directory,
    async stop() {
      store.destroy();
      await s3.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** How the bench output names where the objects live. */
export function storeMedium(directory) {
  return directory.startsWith(`${MEMORY_FILESYSTEM}/`) ? 'objects in memory, tmpfs' : 'objects on disk';
}
