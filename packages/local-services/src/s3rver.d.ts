// s3rver 3.x ships no types: the little of its API that embedded-s3.ts uses.
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';
  import type { Server } from 'node:http';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
  }

  /** The part of a Koa context that embedded-s3 reads and writes. */
  interface S3rverContext {
    readonly method: string;
    readonly path: string;
    querystring: string;
    body: unknown;
  }

  type S3rverMiddleware = (ctx: S3rverContext, next: () => Promise<void>) => Promise<void>;

  class S3rver {
    constructor(options?: S3rverOptions);
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    httpServer?: Server;
    /** Koa's middleware stack; the last entry is s3rver's router. Read when run() starts listening. */
    middleware: S3rverMiddleware[];
  }

  namespace S3rver {
    export type { S3rverContext as Context, S3rverMiddleware as Middleware };
  }

  export = S3rver;
}
