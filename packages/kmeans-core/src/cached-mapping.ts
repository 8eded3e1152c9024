import { CentreNeighbours } from './centre-neighbours.js';
import { type ColorSpace, srgbToOklab } from './colour-space.js';
import { assertNever } from './errors.js';
import { COLOUR_TABLE_ENTRIES, SPREAD } from './morton.js';
import { createPixelMapper, pixelMapperOf, type PixelMapper } from './pixel-mapper.js';
import { runEnd } from './pixel-runs.js';

export interface CachedMapping {
  /** Palette entry of every pixel (its position, with a `rank`). */
  readonly labels: Uint8Array;
  /** Pixels mapped to each entry (indexed by entry, not by rank). */
  readonly usage: Float64Array;
  /** Sum over pixels and R, G, B of the squared error against the 8-bit palette. */
  readonly squaredError: number;
  /** Distinct colours met. */
  readonly uniqueColours: number;
}

export interface CachedMappingBuffers {
  /** The clustering's search structure (same entries), whose neighbour order is nearly right. */
  readonly reused?: CentreNeighbours | undefined;
  /** Receives the labels: one entry per pixel. */
  readonly labels?: Uint8Array | undefined;
  /**
   * The colour table: COLOUR_TABLE_ENTRIES slots, all zero. One in a WebAssembly kernel's memory
   * (a workspace's, createQuantizeWorkspace) is mapped by that kernel; a plain one in TypeScript.
   */
  readonly slots?: Uint16Array | undefined;
  /** Position of each entry in the palette written: labels hold positions. Default: the entry itself. */
  readonly rank?: Uint8Array | undefined;
  /** Told after each run of pixels that pixels [0, pixelsDone) have their labels. */
  readonly onMapped?: ((pixelsDone: number) => void) | undefined;
}

/**
 * Maps every pixel of an RGB image to its exact nearest palette entry (in the working space,
 * against the rounded palette) without a histogram of the whole image: a colour is searched on
 * first sight (from the entry found for a colour nearby), and its entry kept in a table indexed by the
 * colour (2^24 16-bit slots, 32 MB). Every later pixel of that colour is one look-up. The table is
 * in Morton order (bits of R, G and B interleaved), so nearby colours share its pages and cache
 * lines: a 12-MP photo touches 2,085 of its 8,192 pages instead of 5,496 with R·2^16 + G·2^8 + B.
 * For large photos, where building the full unique-colour table costs as much as this pass.
 */
export function mapPixelsCached(
  data: Uint8Array | Uint8ClampedArray,
  space: ColorSpace,
  paletteCentres: Float64Array,
  palette8: Uint8Array,
  entries: number,
  buffers: CachedMappingBuffers = {},
): CachedMapping {
  const pixels = data.length / 3;
  const labels = buffers.labels ?? new Uint8Array(pixels);
  // The kernel's when it has one (WebAssembly), else TypeScript's loop below.
  const mapper = buffers.slots ? pixelMapperOf(buffers.slots) : createPixelMapper();
  const slots = buffers.slots ?? mapper?.slots ?? new Uint16Array(COLOUR_TABLE_ENTRIES); // entry + 1; 0 = not met yet
  const neighbours = buffers.reused ?? new CentreNeighbours(entries, 3);
  neighbours.update(paletteCentres);
  const pass: MappingPass = {
    data,
    space,
    palette8,
    neighbours,
    labels,
    slots,
    // Where to start the search for a new colour: the entry last found for its 6-bit cell (a
    // colour nearby), or else the previous pixel's.
    cellGuesses: new Uint16Array(1 << 18), // entry + 1; 0 = none yet
    point: new Float64Array(3),
    counts: new Uint32Array(entries),
    rank: buffers.rank ?? Uint8Array.from({ length: entries }, (_, entry) => entry),
    label: 0,
    uniqueColours: 0,
  };
  if (mapper) return mapWithKernel(mapper, pass, entries, buffers.onMapped);
  let squaredError = 0;
  const onMapped = buffers.onMapped;
  for (let p = 0; p < pixels;) {
    const end = runEnd(p, pixels);
    squaredError += mapRun(pass, p, end);
    onMapped?.(end);
    p = end;
  }
  const usage = Float64Array.from(pass.counts);
  return { labels, usage, squaredError, uniqueColours: pass.uniqueColours };
}

/** The same runs as mapPixelsCached's loop, each mapped by the kernel; new colours searched here. */
function mapWithKernel(
  mapper: PixelMapper,
  pass: MappingPass,
  entries: number,
  onMapped: ((pixelsDone: number) => void) | undefined,
): CachedMapping {
  const { data, labels } = pass;
  const pixels = data.length / 3;
  // RGB colours are searched by the kernel, in the same sorted lists; other spaces convert here.
  const searchedHere = pass.space === 'rgb';
  mapper.start(
    pass.palette8,
    entries,
    pass.rank,
    searchedHere ? pass.neighbours.sortedLists() : (r, g, b, key, previous) => mapNewColour(pass, r, g, b, key, previous),
  );
  let squaredError = 0;
  let label = 0;
  for (let p = 0; p < pixels;) {
    const end = runEnd(p, pixels);
    squaredError += mapper.mapRun(data, p, end, labels, label);
    label = mapper.lastLabel;
    onMapped?.(end);
    p = end;
  }
  const uniqueColours = searchedHere ? mapper.uniqueColours : pass.uniqueColours;
  return { labels, usage: mapper.counts(entries), squaredError, uniqueColours };
}

/** A mapping's buffers, and what carries from one run of pixels to the next. */
interface MappingPass {
  readonly data: Uint8Array | Uint8ClampedArray;
  readonly space: ColorSpace;
  readonly palette8: Uint8Array;
  readonly neighbours: CentreNeighbours;
  readonly labels: Uint8Array;
  readonly slots: Uint16Array;
  readonly cellGuesses: Uint16Array;
  readonly point: Float64Array;
  readonly counts: Uint32Array;
  readonly rank: Uint8Array;
  /** The previous pixel's entry. */
  label: number;
  uniqueColours: number;
}

/** Maps pixels [start, end); returns their squared error, an integer sum (at most 3 · 255² · 8192 < 2^31: runs are at most PIXEL_RUN, pixel-runs.ts). */
function mapRun(pass: MappingPass, start: number, end: number): number {
  const { data, palette8, labels, slots, counts, rank } = pass;
  let label = pass.label;
  let runError = 0;
  for (let p = start, o = start * 3; p < end; p++, o += 3) {
    const r = data[o]!;
    const g = data[o + 1]!;
    const b = data[o + 2]!;
    const key = (SPREAD[r]! << 2) | (SPREAD[g]! << 1) | SPREAD[b]!;
    const slot = slots[key]!;
    label = slot === 0 ? mapNewColour(pass, r, g, b, key, label) : slot - 1;
    labels[p] = rank[label]!;
    counts[label]!++;
    const e = label * 3;
    const dr = r - palette8[e]!;
    const dg = g - palette8[e + 1]!;
    const db = b - palette8[e + 2]!;
    runError = (runError + dr * dr + dg * dg + db * db) | 0;
  }
  pass.label = label;
  return runError;
}

/**
 * A colour met for the first time: its nearest entry, searched from the entry last found for
 * its 6-bit cell (a colour nearby) or else `previous`, and kept in the table. A function of its
 * own: inlined, the search made the per-pixel loop slower for every pixel (measured warm).
 */
function mapNewColour(pass: MappingPass, r: number, g: number, b: number, key: number, previous: number): number {
  toPoint(pass.space, r, g, b, pass.point);
  const cell = ((r >> 2) << 12) | ((g >> 2) << 6) | (b >> 2);
  const guess = pass.cellGuesses[cell]!;
  const label = pass.neighbours.search(pass.point, 0, guess === 0 ? previous : guess - 1);
  pass.cellGuesses[cell] = label + 1;
  pass.slots[key] = label + 1;
  pass.uniqueColours++;
  return label;
}

function toPoint(space: ColorSpace, r: number, g: number, b: number, out: Float64Array): void {
  switch (space) {
    case 'rgb':
      out[0] = r;
      out[1] = g;
      out[2] = b;
      return;
    case 'oklab':
      srgbToOklab(r, g, b, out, 0);
      return;
    default:
      assertNever(space);
  }
}

/** The rows 0, step, 2·step … of an image, one after another (a sample for clustering). */
export function sampleRows(
  data: Uint8Array | Uint8ClampedArray,
  channels: 3 | 4,
  width: number,
  height: number,
  step: number,
): Uint8Array {
  const rowBytes = width * channels;
  const rows = Math.ceil(height / step);
  const out = new Uint8Array(rows * rowBytes);
  for (let r = 0; r < rows; r++) out.set(data.subarray(r * step * rowBytes, (r * step + 1) * rowBytes), r * rowBytes);
  return out;
}
