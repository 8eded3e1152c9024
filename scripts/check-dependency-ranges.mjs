#!/usr/bin/env node
// @ts-check
// Fails when one dependency is given different version ranges in the package.json files of the
// root and the workspaces (dependencies, devDependencies, peerDependencies, optionalDependencies),
// so that every workspace asks for, and is tested with, the same release line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const sections = /** @type {const} */ (['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']);

/**
 * @typedef {{ workspaces?: string[] } & Partial<Record<(typeof sections)[number], Record<string, string>>>} Manifest
 */

/** @param {string} folder */
function readManifest(folder) {
  return /** @type {Manifest} */ (JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')));
}

/** @type {Map<string, { where: string, range: string }[]>} dependency name -> where it is asked for */
const asked = new Map();
const rootManifest = readManifest('.');
for (const folder of ['.', ...(rootManifest.workspaces ?? [])]) {
  const manifest = readManifest(folder);
  for (const section of sections) {
    for (const [name, range] of Object.entries(manifest[section] ?? {})) {
      const where = `${folder === '.' ? 'package.json' : `${folder}/package.json`} ${section}`;
      asked.set(name, [...(asked.get(name) ?? []), { where, range }]);
    }
  }
}

const drifted = [...asked].filter(([, uses]) => new Set(uses.map((use) => use.range)).size > 1);
for (const [name, uses] of drifted) {
  console.error(`dependency ${name} has ${new Set(uses.map((use) => use.range)).size} different ranges; use one:`);
  for (const { where, range } of uses) console.error(`  ${range.padEnd(12)} ${where}`);
}
if (drifted.length > 0) process.exit(1);
console.log(`dependency ranges: ${asked.size} dependencies, one range each`);
