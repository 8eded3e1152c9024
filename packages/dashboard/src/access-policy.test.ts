import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accessProblem, checkPublicHost, isLoopbackHost, normaliseHostName, servedHostNames } from './access-policy.js';

describe('access policy', () => {
  it('knows loopback addresses from the others', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'dash.example', '128.0.0.1', '::2']) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });

  it('needs the token for --admin and for any address but loopback, and nothing else', () => {
    assert.equal(accessProblem({ host: '127.0.0.1', admin: false, hasToken: false }), null);
    assert.match(
      accessProblem({ host: '127.0.0.1', admin: true, hasToken: false }) ?? '',
      /--admin needs KPRESS_DASHBOARD_TOKEN/,
    );
    assert.match(
      accessProblem({ host: '0.0.0.0', admin: false, hasToken: false }) ?? '',
      /--host 0\.0\.0\.0 .*KPRESS_DASHBOARD_TOKEN/,
    );
    assert.equal(accessProblem({ host: '0.0.0.0', admin: true, hasToken: true }), null);
  });

  it('reduces Host values to a lower-case name without port, IPv6 in brackets', () => {
    assert.equal(normaliseHostName('Dash.Example:8080'), 'dash.example');
    assert.equal(normaliseHostName('dash.example.'), 'dash.example');
    assert.equal(normaliseHostName('[::1]:3000'), '[::1]');
    assert.equal(normaliseHostName('::1'), '[::1]');
    assert.equal(normaliseHostName('127.0.0.1:3000'), '127.0.0.1');
  });

  it('serves the bound address, loopback names with loopback, and the public hosts', () => {
    assert.deepEqual([...servedHostNames('127.0.0.1', [])].sort(), ['127.0.0.1', '[::1]', 'localhost']);
    assert.deepEqual([...servedHostNames('10.0.0.5', ['Dash.Example'])].sort(), ['10.0.0.5', 'dash.example']);
    const wildcard = servedHostNames('0.0.0.0', []);
    assert.ok(wildcard.has('localhost') && wildcard.has('127.0.0.1') && !wildcard.has('evil.example'));
  });

  it('accepts host names and addresses as --public-host, nothing with a scheme, port or path', () => {
    for (const name of ['dash.example.com', 'localhost', '10.0.0.5', '[::1]', 'a-b.example.'])
      assert.equal(checkPublicHost(name), null, name);
    for (const name of ['https://dash.example', 'dash.example:8080', 'dash.example/x', '', 'under_score.example', '-x.example']) {
      assert.match(checkPublicHost(name) ?? '', /must be a host name/, name);
    }
  });
});
