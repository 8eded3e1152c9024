#!/usr/bin/env node
// @ts-check
// Runs every compiled test file of the workspaces with node's test runner: the unit tests of
// packages/* and apps/* (compiled by their tsconfig.test.json into dist-test/) and the integration
// and end-to-end tests of test/ (test/dist/). It first checks that no package's dist/ (published,
// copied into the image) holds a compiled test.
// `--unit` limits the run to the packages and apps (no integration or end-to-end tests);
// `--integration` to the integration and end-to-end tests of test/;
// `--only PATTERN` keeps the files whose path contains PATTERN.
import { spawn } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const integrationOnly = args.includes('--integration');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;

const workspaces = ['packages', 'apps'].flatMap((group) => readdirSync(join(root, group)).map((name) => join(root, group, name)));
const shippedTests = workspaces
  .map((workspace) => join(workspace, 'dist'))
  .filter((dir) => existsSync(dir))
  .flatMap(findTests);
if (shippedTests.length > 0) {
  console.error(
    `${shippedTests.length} compiled test files in a dist/ folder, which ships: ` +
      `${shippedTests.map((f) => relative(root, f)).join(', ')}\n` +
      'tests compile to dist-test/ (tsconfig.test.json); the build tsconfig.json must exclude *.test.ts ' +
      '(left over from an older build? `npm run clean && npm run build`)',
  );
  process.exit(1);
}

const roots = (integrationOnly ? [] : workspaces.map((workspace) => join(workspace, 'dist-test')))
  .concat(unitOnly ? [] : [join(root, 'test', 'dist')])
  .filter((dir) => existsSync(dir));

const files = roots
  .flatMap(findTests)
  .filter((file) => !only || file.includes(only))
  .sort();
if (files.length === 0) {
  console.error('no test files found: run `npm run build` first');
  process.exit(1);
}
// Integration files that starve, kill or measure processes run alone: another file beside them
// would change what they measure (CPU shares, RSS, failover windows). The rest run two at a time:
// they mostly wait on processes and services, and one at a time they took 12 of CI's 15 minutes.
const ALONE = ['faults-', 'hostile-inputs-memory', 'integrity-race', 'cluster-'];
const alone = files.filter((file) => !file.includes('dist-test') && ALONE.some((name) => file.includes(`/${name}`)));
const together = files.filter((file) => !alone.includes(file));
console.log(`running ${files.length} test files (${alone.length} one at a time, then ${together.length} two at a time)`);
let failed = false;
for (const [group, concurrency] of /** @type {const} */ ([
  [alone, 1],
  [together, 2],
])) {
  if (group.length > 0) failed = (await runFiles(group, concurrency)) || failed;
}
process.exit(failed ? 1 : 0);

/** @param {string[]} group @param {number} concurrency @returns {Promise<boolean>} whether any test failed */
function runFiles(group, concurrency) {
  const child = spawn(
    process.execPath,
    ['--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...group.map((f) => relative(root, f))],
    {
      cwd: root,
      stdio: 'inherit',
      // The AWS SDK's notice that its future releases need Node 22 is noise here (the SDK is pinned).
      env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env },
    },
  );
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal !== null || code !== 0)));
}

/** @param {string} dir @returns {string[]} */
function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.js') ? [path] : [];
  });
}
