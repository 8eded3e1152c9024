import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Repository root, from test/dist/support/. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SAMPLES = join(REPO_ROOT, 'samples');
export const CLI = join(REPO_ROOT, 'apps', 'cli', 'dist', 'main.js');
