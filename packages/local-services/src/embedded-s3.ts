import { mkdir } from 'node:fs/promises';
import S3rver from 's3rver';
import { makeS3rverPutsAtomic } from './s3rver-atomic-put.js';
import { installListObjectsV2WithoutDes } from './s3rver-list-v2.js';

/** Where to store the objects and which port to listen on. */
export interface EmbeddedS3Options {
  /** Directory holding buckets and objects; created if missing, left in place on stop. */
  readonly directory: string;
  /** Port on 127.0.0.1. Default: 0, a free port chosen by the OS. */
  readonly port?: number;
}

/** A running s3rver and how to reach it. */
export interface EmbeddedS3 {
  /** e.g. `http://127.0.0.1:41234`; use it with path-style addressing. */
  readonly endpoint: string;
  /**
   * s3rver does not check SigV4 signatures, but it does reject an access key id it does not
   * know (InvalidAccessKeyId): these are the ones it knows.
   */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Stops listening; resolves when open connections have ended. */
  stop(): Promise<void>;
}

const S3RVER_CREDENTIALS = Object.freeze({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });

/** Starts an S3-compatible server (s3rver) in this process, on 127.0.0.1, logging nothing. */
export async function startEmbeddedS3(options: EmbeddedS3Options): Promise<EmbeddedS3> {
  makeS3rverPutsAtomic();
  const port = options.port ?? 0;
  if (typeof options.directory !== 'string' || options.directory === '') {
    throw new TypeError(`directory must be a non-empty path, received ${JSON.stringify(options.directory)}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer between 0 and 65535, received ${String(options.port)}`);
  }
  await mkdir(options.directory, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port, silent: true, directory: options.directory });
  installListObjectsV2WithoutDes(server);
  const address = await server.run().catch((error: unknown) => {
    throw new Error(`could not start the embedded S3 (s3rver) on 127.0.0.1:${port}`, { cause: error });
  });
  const endpoint = `http://127.0.0.1:${address.port}`;
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    credentials: S3RVER_CREDENTIALS,
    stop: () => (stopped ??= server.close()),
  };
}
