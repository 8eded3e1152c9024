import type S3rver from 's3rver';

/**
 * s3rver 3.7 encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node ≥ 17)
 * refuses: every truncated page (more than 1000 keys) fails with a 500. This middleware answers
 * ListObjectsV2 through s3rver's own version 1 listing (which needs no token) and reshapes the
 * result into a version 2 one whose continuation token is simply the last key, base64url-encoded.
 *
 * It must run inside s3rver's XML serializer (it edits the plain-object body) and before its router.
 */
const listObjectsV2WithoutDes: S3rver.Middleware = async (ctx, next) => {
  const query = new URLSearchParams(ctx.querystring);
  if (ctx.method !== 'GET' || query.get('list-type') !== '2' || !/^\/[^/]+\/?$/.test(ctx.path)) {
    await next();
    return;
  }
  const token = query.get('continuation-token');
  const startAfter = query.get('start-after');
  const fetchOwner = query.get('fetch-owner') === 'true';
  for (const name of ['list-type', 'continuation-token', 'start-after', 'fetch-owner']) query.delete(name);
  const marker = token === null ? startAfter : Buffer.from(token, 'base64url').toString('utf8');
  if (marker !== null && marker !== '') query.set('marker', marker);
  ctx.querystring = query.toString();

  await next();

  const result = listBucketResult(ctx.body);
  if (result === undefined) return;
  const contents = Array.isArray(result['Contents']) ? (result['Contents'] as Record<string, unknown>[]) : [];
  const last = contents.at(-1);
  const truncated = result['IsTruncated'] === true && typeof last?.['Key'] === 'string';
  ctx.body = {
    ListBucketResult: {
      '@': result['@'],
      Name: result['Name'],
      Prefix: result['Prefix'],
      StartAfter: token === null && startAfter !== null ? startAfter : undefined,
      ContinuationToken: token ?? undefined,
      NextContinuationToken: truncated ? Buffer.from(String(last['Key']), 'utf8').toString('base64url') : undefined,
      KeyCount: contents.length,
      MaxKeys: result['MaxKeys'],
      Delimiter: result['Delimiter'],
      IsTruncated: truncated,
      Contents: contents.map(({ Owner, ...object }) => (fetchOwner ? { ...object, Owner } : object)),
      CommonPrefixes: result['CommonPrefixes'],
    },
  };
};

/** Inserts the middleware just before s3rver's router (the last entry), inside its XML serializer. */
export function installListObjectsV2WithoutDes(server: S3rver): void {
  server.middleware.splice(server.middleware.length - 1, 0, listObjectsV2WithoutDes);
}

function listBucketResult(body: unknown): Record<string, unknown> | undefined {
  if (typeof body !== 'object' || body === null || !('ListBucketResult' in body)) return undefined;
  const result = body.ListBucketResult;
  return typeof result === 'object' && result !== null ? (result as Record<string, unknown>) : undefined;
}
