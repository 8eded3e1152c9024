import { posix } from 'node:path';
import type { OutputClaim } from '@kpress/runs';

/** An output key and the source that claimed it. */
export interface ClaimEntry {
  readonly output: string;
  readonly source: string;
}

/**
 * Output claims of a prefix listing, in memory. Two sources share an output only when they are
 * the same path with another extension (outputKeyFor keeps the directory and the name), so both
 * start with that stem; and a listing comes in key order, where every key between two keys with
 * a common prefix has it too. A claim is therefore dropped as soon as a source arrives that does
 * not start with its stem: no later source can collide with it. What stays open is a handful of
 * claims (usually the last source's), saved with each batch's checkpoint so a resumed listing
 * picks them up (see `open`).
 */
export interface SortedClaims {
  /** Claims each entry in listing order: the first source of an output owns it. */
  claim(entries: readonly ClaimEntry[]): OutputClaim[];
  /** The claims a later source could still collide with. */
  open(): ClaimEntry[];
  /** An independent copy: a batch claims on a copy that replaces the original once the batch is written. */
  fork(): SortedClaims;
}

/** Thrown when the listing is not in key order: claims could not be checked from memory. */
export class ListingOrderError extends Error {
  override readonly name = 'ListingOrderError';
}

export function createSortedClaims(initial: readonly ClaimEntry[] = []): SortedClaims {
  const owners = new Map<string, { source: string; stem: string }>();
  for (const { output, source } of initial) owners.set(output, { source, stem: stemOf(source) });
  return claimsOver(owners, null);
}

function claimsOver(owners: Map<string, { source: string; stem: string }>, lastSource: string | null): SortedClaims {
  let last = lastSource;
  return {
    fork: () => claimsOver(new Map(owners), last),
    claim(entries) {
      return entries.map(({ output, source }): OutputClaim => {
        // S3 lists in UTF-8 byte order; the string comparison first, as it is cheap and agrees outside rare surrogates.
        if (last !== null && source < last && Buffer.compare(Buffer.from(source), Buffer.from(last)) < 0) {
          throw new ListingOrderError(
            `the listing is not in key order (${source} came after ${last}): output collisions cannot be checked`,
          );
        }
        last = source;
        for (const [key, owner] of owners) if (!source.startsWith(owner.stem)) owners.delete(key);
        const owner = owners.get(output);
        if (owner === undefined) {
          owners.set(output, { source, stem: stemOf(source) });
          return { kind: 'claimed' };
        }
        return owner.source === source ? { kind: 'duplicate' } : { kind: 'collision', owner: owner.source };
      });
    },
    open() {
      return [...owners].map(([output, { source }]) => ({ output, source }));
    },
  };
}

/** The source without its extension: what every source with the same output starts with. */
function stemOf(source: string): string {
  const extension = posix.extname(source);
  return extension === '' ? source : source.slice(0, -extension.length);
}
