import type { SortedLists } from './centre-neighbours.js';
import { type ColourHistogram, unpackKeys } from './colour-histogram.js';
import { COLOUR_TABLE_ENTRIES, SPREAD } from './morton.js';
import { MAP_PIXELS_WASM } from './wasm/map-pixels-binary.js';
import { type KernelExports, lazyKernel } from './wasm-kernel.js';

/**
 * The per-pixel loop of the cached mapping (cached-mapping.ts) as a WebAssembly kernel
 * (wasm/map-pixels.wat), with its colour table in the kernel's memory, and for RGB the search of
 * each new colour's entry too. Twice as fast as the TypeScript loop on a 12-MP photo once its
 * colours are in the table (74 against 140 ms); same labels, counts and error.
 */
export interface PixelMapper {
  /** The colour table (COLOUR_TABLE_ENTRIES slots, entry + 1, 0 = not met), in the kernel's memory. */
  readonly slots: Uint16Array;
  /**
   * Starts a mapping: its palette and ranks, and how a colour met for the first time finds its
   * entry (and enters it in `slots`): searched by the kernel in `lists` (RGB centres), or else by
   * `miss`. Zeroes the counts and the search's cell guesses; the table is the caller's to keep or
   * clear (all zero for a new mapping, as cached-mapping.ts requires).
   */
  start(palette8: Uint8Array, entries: number, rank: Uint8Array, newColour: SortedLists | MissHandler): void;
  /**
   * Maps pixels [start, end) of `data` (at most RUN_PIXELS) into `labels`; `label` is the previous
   * pixel's entry. Returns the run's summed squared error; `lastLabel` is then the run's last pixel's entry.
   */
  mapRun(data: Uint8Array | Uint8ClampedArray, start: number, end: number, labels: Uint8Array, label: number): number;
  readonly lastLabel: number;
  /** Pixels mapped to each of the first `entries` entries since start(). */
  counts(entries: number): Float64Array;
  /** Colours the kernel searched since start() (those handed to `miss` are the caller's to count). */
  readonly uniqueColours: number;
  /**
   * The unique colours of RGB pixels (a clustering sample, up to 2^20 colours), as buildHistogram
   * gives them: first-sight order, counts, each pixel's colour; null when there are more colours
   * (then buildHistogram counts them). Before start(): counting uses the table's memory, and
   * leaves the table all zero.
   */
  countColours(data: Uint8Array | Uint8ClampedArray): ColourHistogram | null;
}

/** Finds the entry of a colour met for the first time, and enters it in the table. */
export type MissHandler = (r: number, g: number, b: number, key: number, previous: number) => number;

/** The most pixels one mapRun takes: the kernel's buffers hold this many (pixel-runs.ts's runs are no longer). */
const RUN_PIXELS = 8192;

const SPREAD_AT = 0;
const RANK_AT = 1024;
const PALETTE_AT = 1280;
const COUNTS_AT = 2048;
const PIXELS_AT = 4096;
const LABELS_AT = 32768;
/** Counting (countColours): each run's colour indices, the colours in first-sight order, their counts. */
const RUN_INDICES_AT = 40960;
const COUNTED_COLOURS_AT = 17 << 20;
const COUNTS_OF_COLOURS_AT = 25 << 20;
const CENTRES_AT = 65536;
const NEAREST_GAPS_AT = 73728;
const ORDER_AT = 81920;
const GAPS_AT = 212992;
const SLOTS_AT = 1 << 20;
const CELL_GUESSES_AT = SLOTS_AT + 2 * COLOUR_TABLE_ENTRIES;
/** 6-bit cells of the RGB cube (cached-mapping.ts's cellGuesses). */
const CELLS = 1 << 18;

interface MappingKernel extends KernelExports {
  countRun: (count: number) => number;
  clearCounting: () => void;
  mapRun: (count: number, label: number) => number;
  lastLabel: { value: number };
  searchHere: { value: number };
  entries: { value: number };
  bucket: { value: number };
  uniqueColours: { value: number };
}

const instantiateKernel = lazyKernel<MappingKernel>(MAP_PIXELS_WASM);

/** Mappers by their table's memory: a workspace's colour table brings its kernel along. */
const mappers = new WeakMap<ArrayBufferLike, PixelMapper>();

/** The mapper whose table `slots` is, or null for a table of plain memory. */
export function pixelMapperOf(slots: Uint16Array): PixelMapper | null {
  return mappers.get(slots.buffer) ?? null;
}

/**
 * A new kernel instance (33 MB of memory, touched only where used), its table all zero; null
 * where WebAssembly is not available, and the caller maps in TypeScript.
 */
export function createPixelMapper(): PixelMapper | null {
  let miss: MissHandler = () => {
    throw new Error('PixelMapper.mapRun called before start()');
  };
  const kernel = instantiateKernel({ mapping: { miss: (...args: Parameters<MissHandler>) => miss(...args) } });
  if (kernel === null) return null;
  const memory = kernel.memory.buffer;
  const bytes = new Uint8Array(memory);
  new Uint32Array(memory, SPREAD_AT, 256).set(SPREAD);
  const counts = new Uint32Array(memory, COUNTS_AT, 256);
  const cellGuesses = new Uint16Array(memory, CELL_GUESSES_AT, CELLS);
  const mapper: PixelMapper = {
    slots: new Uint16Array(memory, SLOTS_AT, COLOUR_TABLE_ENTRIES),
    start(palette8: Uint8Array, entries: number, rank: Uint8Array, newColour: SortedLists | MissHandler): void {
      bytes.set(palette8.subarray(0, entries * 3), PALETTE_AT);
      bytes.set(rank.subarray(0, entries), RANK_AT);
      counts.fill(0);
      cellGuesses.fill(0);
      kernel.uniqueColours.value = 0;
      if (typeof newColour === 'function') {
        miss = newColour;
        kernel.searchHere.value = 0;
        return;
      }
      const listLength = entries * (entries - 1);
      new Float64Array(memory, CENTRES_AT, entries * 3).set(newColour.centres.subarray(0, entries * 3));
      new Float64Array(memory, NEAREST_GAPS_AT, entries).set(newColour.nearestGaps.subarray(0, entries));
      new Uint16Array(memory, ORDER_AT, listLength).set(newColour.order.subarray(0, listLength));
      new Float64Array(memory, GAPS_AT, listLength).set(newColour.gaps.subarray(0, listLength));
      kernel.entries.value = entries;
      kernel.bucket.value = newColour.bucket;
      kernel.searchHere.value = 1;
    },
    mapRun(data: Uint8Array | Uint8ClampedArray, start: number, end: number, labels: Uint8Array, label: number): number {
      if (end - start > RUN_PIXELS) throw new RangeError(`PixelMapper.mapRun: ${end - start} pixels, more than ${RUN_PIXELS}`);
      bytes.set(data.subarray(start * 3, end * 3), PIXELS_AT);
      const error = kernel.mapRun(end - start, label);
      labels.set(bytes.subarray(LABELS_AT, LABELS_AT + end - start), start);
      return error;
    },
    get lastLabel(): number {
      return kernel.lastLabel.value;
    },
    counts(entries: number): Float64Array {
      return Float64Array.from(counts.subarray(0, entries));
    },
    get uniqueColours(): number {
      return kernel.uniqueColours.value;
    },
    countColours(data: Uint8Array | Uint8ClampedArray): ColourHistogram | null {
      const pixels = data.length / 3;
      const pixelToUnique = new Uint32Array(pixels);
      const runIndices = new Uint32Array(memory, RUN_INDICES_AT, RUN_PIXELS);
      let size = 0;
      for (let p = 0; p < pixels; p += RUN_PIXELS) {
        const end = Math.min(pixels, p + RUN_PIXELS);
        bytes.set(data.subarray(p * 3, end * 3), PIXELS_AT);
        size = kernel.countRun(end - p);
        if (size < 0) break;
        pixelToUnique.set(runIndices.subarray(0, end - p), p);
      }
      if (size < 0) {
        kernel.clearCounting();
        return null;
      }
      const [red, green, blue] = [new Uint8Array(size), new Uint8Array(size), new Uint8Array(size)];
      unpackKeys(new Uint32Array(memory, COUNTED_COLOURS_AT, size), size, red, green, blue, null);
      const weights = Float64Array.from(new Uint32Array(memory, COUNTS_OF_COLOURS_AT, size));
      kernel.clearCounting();
      return { size, red, green, blue, alpha: null, weights, pixelToUnique };
    },
  };
  mappers.set(memory, mapper);
  return mapper;
}
