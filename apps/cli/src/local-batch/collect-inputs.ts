import { opendir, stat } from 'node:fs/promises';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import { looksLikeImage } from '@kpress/job-contract';
import { fileProblem } from '../local-files.js';
import { UsageError } from '../usage-error.js';
import { refuseOverwritingInputs } from '../overwrite-guard.js';

/** One image of a local batch: where it is read and where its output goes. */
export interface BatchItem {
  readonly input: string;
  readonly output: string;
}

/**
 * The images named by IN... : a file as itself (its output directly in OUTDIR), a folder as every
 * image below it (by extension, recursively, the tree mirrored in OUTDIR). Output names take the
 * format's extension. A folder's walk leaves out OUTDIR itself (it may sit inside an input).
 * Two inputs that would write one output (a.jpg and a.png), or an output that is an input, are a
 * usage error before any work.
 */
export async function collectInputs(inputs: readonly string[], outDir: string, extension: string): Promise<BatchItem[]> {
  const items: BatchItem[] = [];
  const outRoot = resolve(outDir);
  for (const input of inputs) {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(input)).isDirectory();
    } catch (error) {
      throw new Error(`cannot read input ${input}: ${fileProblem(error)}`, { cause: error });
    }
    if (!isDirectory) {
      items.push({ input, output: join(outDir, withExtension(basename(input), extension)) });
      continue;
    }
    if (resolve(input) === outRoot) {
      // The walk leaves OUTDIR out, so this folder would yield nothing: say why instead.
      throw new UsageError(
        `--output ${outDir} is the input folder ${input} itself: the outputs would land beside the originals (and replace any of the same name); write them into another folder`,
      );
    }
    for await (const file of walk(input, outRoot)) {
      items.push({ input: file, output: join(outDir, withExtension(relative(input, file), extension)) });
    }
  }
  const seen = new Map<string, string>();
  for (const item of items) {
    const earlier = seen.get(item.output);
    if (earlier !== undefined) {
      throw new UsageError(`${earlier} and ${item.input} would both be written to ${item.output}; compress them separately`);
    }
    seen.set(item.output, item.input);
  }
  await refuseOverwritingInputs(items);
  return items;
}

/** Image files below a folder, in name order, depth first; symbolic links are not followed. */
async function* walk(directory: string, skip: string): AsyncGenerator<string> {
  if (resolve(directory) === skip) return;
  let entries: { name: string; isDirectory(): boolean; isFile(): boolean }[];
  try {
    const handle = await opendir(directory);
    entries = [];
    for await (const entry of handle) entries.push(entry);
  } catch (error) {
    throw new Error(`cannot read folder ${directory}: ${fileProblem(error)}`, { cause: error });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) yield* walk(path, skip);
    else if (entry.isFile() && looksLikeImage(entry.name)) yield path;
  }
}

function withExtension(path: string, extension: string): string {
  const current = extname(path);
  return `${current === '' ? path : path.slice(0, -current.length)}${extension}`.split('/').join(sep);
}
