import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from './config.js';
import { UsageError } from './usage-error.js';

describe('loadConfig: KPRESS_PREFIX', () => {
  it('a single prefix is one shard, home to everything, as before', () => {
    const config = loadConfig({ KPRESS_PREFIX: 'kp' });
    assert.deepEqual(config.prefixes, ['kp']);
    assert.equal(config.prefix, 'kp');
  });

  it('defaults to the one prefix "kpress"', () => {
    const config = loadConfig({});
    assert.deepEqual(config.prefixes, ['kpress']);
    assert.equal(config.prefixSet, false);
  });

  it('a comma-separated list is the shards, in order, spaces around commas ignored; the first is home', () => {
    const config = loadConfig({ KPRESS_PREFIX: '{kp0}, {kp1},{kp2}' });
    assert.deepEqual(config.prefixes, ['{kp0}', '{kp1}', '{kp2}']);
    assert.equal(config.prefix, '{kp0}');
    assert.ok(Object.isFrozen(config.prefixes));
  });

  it('refuses an empty entry, a colon and a prefix named twice', () => {
    assert.throws(() => loadConfig({ KPRESS_PREFIX: 'a,,b' }), /KPRESS_PREFIX must be a prefix, or a comma-separated list/);
    assert.throws(() => loadConfig({ KPRESS_PREFIX: 'a:b' }), /KPRESS_PREFIX must be a prefix/);
    assert.throws(
      () => loadConfig({ KPRESS_PREFIX: 'a,b,a' }),
      (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.match(error.message, /KPRESS_PREFIX must not name a prefix twice \(received "a,b,a"\)/);
        return true;
      },
    );
  });

  it('with REDIS_CLUSTER_NODES, every prefix of the list needs a {hash tag}, and the one without is named', () => {
    const nodes = { REDIS_CLUSTER_NODES: '127.0.0.1:7000' };
    assert.deepEqual(loadConfig({ ...nodes, KPRESS_PREFIX: '{a},{b}' }).prefixes, ['{a}', '{b}']);
    assert.throws(
      () => loadConfig({ ...nodes, KPRESS_PREFIX: '{a},b' }),
      /KPRESS_PREFIX must hold a \{hash tag\} such as \{kpress\} with REDIS_CLUSTER_NODES \(in each prefix of a list\).*received "b"/,
    );
  });
});
