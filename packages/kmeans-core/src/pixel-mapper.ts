import { COLOUR_TABLE_ENTRIES, SPREAD } from './morton.js';
import { MAP_PIXELS_WASM } from './wasm/map-pixels-binary.js';

/**
 * The per-pixel loop of the cached mapping (cached-mapping.ts) as a WebAssembly kernel
 * (wasm/map-pixels.wat), with its colour table in the kernel's memory. Twice as fast as the
 * TypeScript loop on a 12-MP photo once its colours are in the table (74 against 140 ms), and
 * 50–100 ms faster in all; same labels, counts and error.
 */
export interface PixelMapper {
  /** The colour table (COLOUR_TABLE_ENTRIES slots, entry + 1, 0 = not met), in the kernel's memory. */
  readonly slots: Uint16Array;
  /**
   * Starts a mapping: its palette and ranks, and `miss`, which finds the entry of a colour met for
   * the first time and enters it in `slots`. Zeroes the counts; the table is the caller's to keep
   * or clear (all zero for a new mapping, as cached-mapping.ts requires).
   */
  start(palette8: Uint8Array, entries: number, rank: Uint8Array, miss: MissHandler): void;
  /**
   * Maps pixels [start, end) of `data` (at most RUN_PIXELS) into `labels`; `label` is the previous
   * pixel's entry. Returns the run's summed squared error; `lastLabel` is then the run's last pixel's entry.
   */
  mapRun(data: Uint8Array | Uint8ClampedArray, start: number, end: number, labels: Uint8Array, label: number): number;
  readonly lastLabel: number;
  /** Pixels mapped to each of the first `entries` entries since start(). */
  counts(entries: number): Float64Array;
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
const SLOTS_AT = 1 << 20;

interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
interface KernelExports {
  memory: { buffer: ArrayBuffer };
  mapRun: (count: number, label: number) => number;
  lastLabel: { value: number };
}

let compiled: object | null | undefined;

/** The kernel's module, compiled once; null where WebAssembly is not available (node --jitless). */
function kernelModule(): object | null {
  if (compiled !== undefined) return compiled;
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  try {
    compiled = api ? new api.Module(Uint8Array.from(atob(MAP_PIXELS_WASM), (c) => c.charCodeAt(0))) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

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
  const module = kernelModule();
  if (module === null) return null;
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly!;
  let miss: MissHandler = () => {
    throw new Error('PixelMapper.mapRun called before start()');
  };
  const instance = new api.Instance(module, { mapping: { miss: (...args: Parameters<MissHandler>) => miss(...args) } });
  const kernel = instance.exports as unknown as KernelExports;
  const memory = kernel.memory.buffer;
  const bytes = new Uint8Array(memory);
  new Uint32Array(memory, SPREAD_AT, 256).set(SPREAD);
  const counts = new Uint32Array(memory, COUNTS_AT, 256);
  const mapper: PixelMapper = {
    slots: new Uint16Array(memory, SLOTS_AT, COLOUR_TABLE_ENTRIES),
    start(palette8: Uint8Array, entries: number, rank: Uint8Array, handler: MissHandler): void {
      miss = handler;
      bytes.set(palette8.subarray(0, entries * 3), PALETTE_AT);
      bytes.set(rank.subarray(0, entries), RANK_AT);
      counts.fill(0);
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
  };
  mappers.set(memory, mapper);
  return mapper;
}
