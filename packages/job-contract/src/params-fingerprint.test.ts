import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveParams } from './params.js';
import { jobHash, paramsFingerprint } from './job-payload.js';

const job = {
  source: { bucket: 'src', key: 'in/a.jpg', etag: '"e1"', bytes: 10 },
  output: { bucket: 'dst', key: 'out/a.png' },
};

void describe('paramsFingerprint', () => {
  test('leaves targetPsnr and skipIfLarger out at their defaults: hashes made before them still hold', () => {
    // The text every job hash was made from before the two parameters existed.
    const before =
      '{"k":16,"seed":1,"colorSpace":"rgb","dither":false,"format":"png","batchSize":1024,"maxSteps":100,"lloydIterations":60}';
    assert.equal(paramsFingerprint(resolveParams({})), before);
  });

  test('a quality target or skip-if-larger makes another job', () => {
    const plain = jobHash({ ...job, params: resolveParams({ k: 256 }) });
    const target = jobHash({ ...job, params: resolveParams({ k: 256, targetPsnr: 38 }) });
    const skip = jobHash({ ...job, params: resolveParams({ k: 256, skipIfLarger: true }) });
    assert.equal(new Set([plain, target, skip]).size, 3);
    assert.match(
      paramsFingerprint(resolveParams({ targetPsnr: 38, skipIfLarger: true })),
      /"targetPsnr":38,"skipIfLarger":true}$/,
    );
  });
});
