import { InvalidOptionError } from './errors.js';
import { COLOUR_TABLE_ENTRIES } from './morton.js';
import { createPixelMapper } from './pixel-mapper.js';

/**
 * The large buffers quantize() fills, allocated ahead by its caller. Fresh memory costs a page
 * fault on first touch of every 4 KB (about 10 µs each on the virtual machines measured: 0.1 s
 * of a 12-MP photo's indices and colour table); a caller that has a core to spare while the image
 * decodes can touch these pages then (see @kpress/compress). The result is the same either way.
 */
export interface QuantizeWorkspace {
  /** Receives the palette index of every pixel (width × height entries); becomes the result's indices. */
  readonly indices: Uint8Array;
  /**
   * The colour cache that maps a large RGB photo's pixels (COLOUR_TABLE_ENTRIES slots, all zero),
   * or null for an image that is mapped without one.
   */
  readonly colourTable: Uint16Array | null;
}

/**
 * RGB images of at least this many pixels are clustered from a sample of their rows and mapped
 * through the colour cache (see quantize).
 */
export const SAMPLING_PIXELS = 1 << 22;

/**
 * A workspace for an image of width × height pixels: zero-filled, not yet touched. Whether the
 * colour table is needed is decided by the pixel count alone; for an image that turns out to
 * have translucent pixels it is left unused.
 */
export function createQuantizeWorkspace(width: number, height: number): QuantizeWorkspace {
  const pixels = width * height;
  return {
    indices: new Uint8Array(pixels),
    colourTable: pixels >= SAMPLING_PIXELS ? colourTable() : null,
  };
}

/**
 * In the memory of a WebAssembly kernel that maps pixels through it (pixel-mapper.ts), where
 * WebAssembly runs; else plain memory, mapped in TypeScript.
 */
function colourTable(): Uint16Array {
  return createPixelMapper()?.slots ?? new Uint16Array(COLOUR_TABLE_ENTRIES);
}

/** Throws when a workspace was made for another image size. */
export function checkWorkspace(workspace: QuantizeWorkspace, pixels: number): void {
  if (workspace.indices.length !== pixels) {
    throw new InvalidOptionError('workspace.indices', `a Uint8Array of width × height = ${pixels} entries`, workspace.indices);
  }
  if (workspace.colourTable !== null && workspace.colourTable.length !== COLOUR_TABLE_ENTRIES) {
    throw new InvalidOptionError(
      'workspace.colourTable',
      `a Uint16Array of ${COLOUR_TABLE_ENTRIES} entries`,
      workspace.colourTable,
    );
  }
}
