import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedS3 } from '@kpress/local-services';
import { createS3ObjectStore } from '@kpress/object-store';
const s3 = await startEmbeddedS3({ directory: await mkdtemp(join(tmpdir(), 's3-')) });
const store = createS3ObjectStore({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: s3.credentials });
await store.createBucket('bkt');
const body = Buffer.alloc(60_000, 7);
const N = 300;
for (const phase of ['put', 'get', 'put-meta', 'head']) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    if (phase === 'put') await store.put('bkt', `k/${i}.png`, body, { contentType: 'image/png', metadata: { 'kpress-job-hash': 'abc' } });
    else if (phase === 'get') await store.get('bkt', `k/${i}.png`, { maxBytes: 1e8 });
    else if (phase === 'put-meta') await store.put('bkt', `k/${i}.png.json`, Buffer.from('{"a":1}'.repeat(300)), { contentType: 'application/json' });
    else await store.head('bkt', `k/${i}.png`);
  }
  const c = process.cpuUsage(c0);
  console.log(phase, ((c.user + c.system) / 1000 / N).toFixed(2), 'ms CPU per request (client+server)', ((performance.now() - t0) / N).toFixed(2), 'ms wall');
}
await s3.stop(); store.destroy();
