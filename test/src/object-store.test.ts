import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { findFreePort } from '@kpress/local-services';
import {
  AccessDeniedError,
  MissingObjectError,
  ObjectTooLargeError,
  TransientStorageError,
  createS3ObjectStore,
  type ObjectInfo,
  type ObjectStore,
} from '@kpress/object-store';
import { startTestS3, type TestS3 } from './support/s3-for-tests.js';

const MiB = 1024 * 1024;

void describe('S3 object store against a real S3-compatible server', () => {
  let s3: TestS3;
  let store: ObjectStore;

  before(async () => {
    s3 = await startTestS3();
    store = storeAt(s3.endpoint, s3);
  });
  after(async () => {
    store.destroy();
    await s3.stop();
  });

  /** A fresh bucket per test, so tests and files can run in parallel. */
  async function newBucket(): Promise<string> {
    const bucket = `kpress-test-${randomBytes(6).toString('hex')}`;
    await store.createBucket(bucket);
    return bucket;
  }

  void it('creates a bucket, and creating it again succeeds', async () => {
    const bucket = await newBucket();
    await store.createBucket(bucket);
    await store.ping(bucket);
    await assert.rejects(store.ping(`${bucket}-missing`), /does not exist/);
  });

  void it('puts and gets an object back, with the ETag the listing shows', async () => {
    const bucket = await newBucket();
    const body = Buffer.from('hello, kpress');
    await store.put(bucket, 'in/hello.txt', body, { contentType: 'text/plain' });

    const got = await store.get(bucket, 'in/hello.txt', { maxBytes: 1024 });
    assert.deepEqual(got.body, body);
    assert.equal(got.etag, md5(body), 'a single-part ETag is the MD5 of the body, without quotes');
    const listed = await collect(store.list(bucket, 'in/'));
    assert.deepEqual(listed, [{ bucket, key: 'in/hello.txt', etag: got.etag, size: body.byteLength }]);
  });

  void it('keeps user metadata, read back by head', async () => {
    const bucket = await newBucket();
    const metadata = { 'source-etag': 'abc123', 'kpress-run': 'run-1' };
    await store.put(bucket, 'meta.json', Buffer.from('{}'), { contentType: 'application/json', metadata });

    const head = await store.head(bucket, 'meta.json');
    assert.deepEqual(head, { bucket, key: 'meta.json', etag: md5(Buffer.from('{}')), size: 2, metadata });
  });

  void it('heads a missing key as null', async () => {
    const bucket = await newBucket();
    assert.equal(await store.head(bucket, 'nope.png'), null);
  });

  void it('fails to get a missing key with MissingObjectError', async () => {
    const bucket = await newBucket();
    await assert.rejects(store.get(bucket, 'nope.png', { maxBytes: 1024 }), (error: unknown) => {
      assert.ok(error instanceof MissingObjectError, `expected MissingObjectError, got ${String(error)}`);
      assert.equal(error.bucket, bucket);
      assert.equal(error.key, 'nope.png');
      assert.equal(error.permanent, true);
      return true;
    });
  });

  void it('refuses an object larger than maxBytes with ObjectTooLargeError', async () => {
    const bucket = await newBucket();
    await store.put(bucket, 'big.bin', randomBytes(4096), { contentType: 'application/octet-stream' });
    await assert.rejects(store.get(bucket, 'big.bin', { maxBytes: 1000 }), (error: unknown) => {
      assert.ok(error instanceof ObjectTooLargeError, `expected ObjectTooLargeError, got ${String(error)}`);
      assert.equal(error.size, 4096);
      assert.equal(error.maxBytes, 1000);
      return true;
    });
    // The refused response must not have left the connection unusable.
    assert.equal((await store.get(bucket, 'big.bin', { maxBytes: 4096 })).body.byteLength, 4096);
  });

  void it('uploads a 20 MiB body in parts and reads back the same bytes', async () => {
    const bucket = await newBucket();
    const proxy = await startRecordingProxy(s3.endpoint);
    const viaProxy = storeAt(proxy.endpoint, s3);
    try {
      const body = randomBytes(20 * MiB);
      await viaProxy.put(bucket, 'large.bin', body, { contentType: 'application/octet-stream', metadata: { part: 'yes' } });

      const parts = proxy.requests.filter((line) => line.startsWith('PUT ') && line.includes('partNumber='));
      assert.equal(parts.length, 3, `expected 3 parts of ≤ 8 MiB, saw: ${proxy.requests.join(', ')}`);
      assert.ok(proxy.requests.some((line) => line.startsWith('POST ') && line.includes('uploads')));
      const got = await store.get(bucket, 'large.bin', { maxBytes: 32 * MiB });
      assert.ok(got.body.equals(body), 'the multipart object reads back byte for byte');
      const head = await store.head(bucket, 'large.bin');
      assert.equal(head?.size, 20 * MiB);
      assert.deepEqual(head?.metadata, { part: 'yes' });
      // AWS and MinIO give multipart objects an "md5-of-parts-N" ETag; s3rver the MD5 of the whole.
      assert.ok(got.etag === md5(body) || got.etag.endsWith('-3'), `unexpected ETag ${got.etag}`);
    } finally {
      viaProxy.destroy();
      await proxy.stop();
    }
  });

  void it('lists more than one page of keys, each once and in order, and filters by prefix', async () => {
    const bucket = await newBucket();
    const keys = Array.from({ length: 1100 }, (_, i) => `page/item-${String(i).padStart(4, '0')}`);
    const others = ['other/a', 'other/b', 'pages-not-this'];
    await forEachLimited([...keys, ...others], 32, (key) =>
      store.put(bucket, key, Buffer.from(key), { contentType: 'text/plain' }),
    );

    const listed = await collect(store.list(bucket, 'page/'));
    assert.deepEqual(
      listed.map((object) => object.key),
      keys,
    );
    assert.ok(
      listed.every((object) => object.size === Buffer.byteLength(object.key) && object.etag === md5(Buffer.from(object.key))),
    );
    assert.equal((await collect(store.list(bucket, ''))).length, keys.length + others.length);
    assert.deepEqual(
      (await collect(store.list(bucket, 'other/'))).map((object) => object.key),
      ['other/a', 'other/b'],
    );
    assert.deepEqual(await collect(store.list(bucket, 'absent/')), []);
  });

  void it('reports a refused connection as a TransientStorageError', async () => {
    const closedPort = await findFreePort();
    const offline = createS3ObjectStore({
      endpoint: `http://127.0.0.1:${closedPort}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      maxAttempts: 1,
    });
    try {
      const attempts = [() => offline.get('any', 'key.png', { maxBytes: 10 }), () => offline.head('any', 'key.png')];
      for (const attempt of attempts) {
        await assert.rejects(attempt(), (error: unknown) => {
          assert.ok(error instanceof TransientStorageError, `expected TransientStorageError, got ${String(error)}`);
          assert.equal(error.permanent, false);
          assert.match(error.message, /key\.png/);
          assert.ok(error.cause !== undefined);
          return true;
        });
      }
    } finally {
      offline.destroy();
    }
  });

  void it('reports unknown credentials as an AccessDeniedError', async () => {
    const bucket = await newBucket();
    const stranger = storeAt(s3.endpoint, { accessKeyId: 'not-a-known-key', secretAccessKey: 'wrong' });
    try {
      await assert.rejects(stranger.get(bucket, 'x.png', { maxBytes: 10 }), (error: unknown) => {
        assert.ok(error instanceof AccessDeniedError, `expected AccessDeniedError, got ${String(error)}`);
        assert.match(error.message, new RegExp(`GetObject s3://${bucket}/x\\.png`));
        return true;
      });
    } finally {
      stranger.destroy();
    }
  });
});

function storeAt(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }): ObjectStore {
  const { accessKeyId, secretAccessKey } = credentials;
  return createS3ObjectStore({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
  });
}

async function collect(objects: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const all: ObjectInfo[] = [];
  for await (const object of objects) all.push(object);
  return all;
}

function md5(body: Buffer): string {
  return createHash('md5').update(body).digest('hex');
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < items.length; index = next++) await work(items[index] as T);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/** A pass-through HTTP proxy that records "METHOD path?query" of each request, to see the multipart calls. */
async function startRecordingProxy(target: string): Promise<{ endpoint: string; requests: string[]; stop(): Promise<void> }> {
  const upstream = new URL(target);
  const requests: string[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    requests.push(`${incoming.method ?? '?'} ${incoming.url ?? ''}`);
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    forward.on('error', (error) => outgoing.destroy(error));
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    requests,
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
