import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from './usage-error.js';

/**
 * Refuses, before any work, an output that is one of the inputs: the same path, or the same file
 * reached through a link (same device and inode). `kpress compress x.png -o x.png`, or a file
 * compressed into its own folder, would otherwise replace the original with its quantized copy.
 */
export async function refuseOverwritingInputs(
  items: readonly { readonly input: string; readonly output: string }[],
): Promise<void> {
  const inputs = new Map<string, string>();
  for (const item of items) {
    const identity = await fileIdentity(item.input);
    if (identity !== null) inputs.set(identity, item.input);
    inputs.set(resolve(item.input), item.input);
  }
  for (const item of items) {
    const identity = await fileIdentity(item.output);
    const input = inputs.get(resolve(item.output)) ?? (identity === null ? undefined : inputs.get(identity));
    if (input !== undefined) {
      throw new UsageError(
        `--output ${item.output} is the input ${input}: kpress never overwrites a source with its quantized copy; choose another --output`,
      );
    }
  }
}

/** "device:inode" of an existing file, or null when there is none (an output not yet written). */
async function fileIdentity(path: string): Promise<string | null> {
  try {
    const stats = await stat(path);
    return `${stats.dev}:${stats.ino}`;
  } catch {
    return null;
  }
}
