import { runEnd } from './pixel-runs.js';

/**
 * The unique colours of an image with their pixel counts, and for every pixel the index of its
 * unique colour. k-means runs on the (usually far fewer) weighted unique colours; mapping the
 * image back is then one table look-up per pixel.
 */
export interface ColourHistogram {
  readonly size: number;
  readonly red: Uint8Array;
  readonly green: Uint8Array;
  readonly blue: Uint8Array;
  /** Alpha of each unique colour, or null for images without an alpha channel. */
  readonly alpha: Uint8Array | null;
  readonly weights: Float64Array;
  /** Unique-colour index of each pixel. */
  readonly pixelToUnique: Uint32Array;
}

/**
 * Counts unique colours with an open-addressing hash table keyed by the packed colour. For
 * RGBA, every fully transparent pixel counts as the one colour (0, 0, 0, 0).
 */
export function buildHistogram(data: Uint8Array | Uint8ClampedArray, channels: 3 | 4): ColourHistogram {
  const pixels = data.length / channels;
  if (channels === 3 && pixels >= DIRECT_TABLE_PIXELS) return buildRgbHistogramDirect(data, pixels);
  const bits = tableBits(pixels);
  const table: HashedColours = {
    capacity: 1 << bits,
    shift: 32 - bits,
    keys: new Uint32Array(1 << bits),
    slots: new Int32Array(1 << bits), // unique index + 1; 0 = empty
    packed: new Uint32Array(1 << (bits - 1)),
    counts: new Float64Array(1 << (bits - 1)),
    size: 0,
    lastKey: -1,
    lastIndex: 0,
    pixelToUnique: new Uint32Array(pixels),
  };
  for (let p = 0; p < pixels;) {
    const end = runEnd(p, pixels);
    countRun(table, data, channels, p, end);
    p = end;
  }
  const { size, packed } = table;
  const red = new Uint8Array(size);
  const green = new Uint8Array(size);
  const blue = new Uint8Array(size);
  const alpha = channels === 4 ? new Uint8Array(size) : null;
  unpackKeys(packed, size, red, green, blue, alpha);
  return { size, red, green, blue, alpha, weights: table.counts.slice(0, size), pixelToUnique: table.pixelToUnique };
}

/** An open-addressing table of packed colours, and what carries from one run of pixels to the next. */
interface HashedColours {
  capacity: number;
  shift: number;
  keys: Uint32Array;
  slots: Int32Array;
  /** Packed colour of each unique index, in order of first sight. */
  packed: Uint32Array;
  counts: Float64Array;
  size: number;
  lastKey: number;
  lastIndex: number;
  readonly pixelToUnique: Uint32Array;
}

/**
 * Bits of the table's first capacity: one slot per pixel, from 2^12 to 2^20 (8 MB of slots and
 * keys, 6 MB of colours and counts). A photo's 1-MP clustering sample has 140,000 to 350,000
 * colours: grown from 2^12 the table doubled eight times, each re-inserting every colour in code
 * a one-shot runs cold (about 20 ms of a 12-MP compress, measured with fresh processes). The
 * pages of a larger table that no colour hashes to are never touched.
 */
function tableBits(pixels: number): number {
  return Math.min(20, Math.max(12, Math.ceil(Math.log2(Math.max(pixels, 1)))));
}

/** Counts pixels [start, end) into the table. */
function countRun(table: HashedColours, data: Uint8Array | Uint8ClampedArray, channels: 3 | 4, start: number, end: number): void {
  const pixelToUnique = table.pixelToUnique;
  let { keys, slots, packed, counts, size, lastKey, lastIndex, capacity, shift } = table;
  for (let p = start, o = start * channels; p < end; p++, o += channels) {
    let key: number;
    if (channels === 3) {
      key = (data[o]! << 16) | (data[o + 1]! << 8) | data[o + 2]!;
    } else {
      const a = data[o + 3]!;
      key = a === 0 ? 0 : ((data[o]! << 24) | (data[o + 1]! << 16) | (data[o + 2]! << 8) | a) >>> 0;
    }
    if (key === lastKey) {
      counts[lastIndex]!++;
      pixelToUnique[p] = lastIndex;
      continue;
    }
    // Fibonacci hashing: the product's high bits mix every bit of the key (its low bits would
    // depend on the key's low bits alone, and runs of similar colours would collide).
    // One before the slot: each look-up, not just a collision, steps to the next slot. A cold one-shot
    // compiles this loop before the presized table's first collision; a step only collisions took
    // then had no type feedback, and its first collision threw the compiled loop away.
    let h = (Math.imul(key, 0x9e3779b1) >>> shift) - 1;
    let index: number;
    for (;;) {
      h = (h + 1) & (capacity - 1);
      const slot = slots[h]!;
      if (slot === 0) {
        index = size++;
        slots[h] = size;
        keys[h] = key;
        packed[index] = key;
        counts[index] = 0;
        break;
      }
      if (keys[h] === key) {
        index = slot - 1;
        break;
      }
    }
    counts[index]!++;
    pixelToUnique[p] = index;
    lastKey = key;
    lastIndex = index;

    if (size * 2 >= capacity) {
      table.size = size;
      doubleCapacity(table);
      ({ keys, slots, packed, counts, capacity, shift } = table);
    }
  }
  table.size = size;
  table.lastKey = lastKey;
  table.lastIndex = lastIndex;
}

/** Doubles the table and re-inserts every colour. */
function doubleCapacity(table: HashedColours): void {
  const capacity = table.capacity << 1;
  const shift = table.shift - 1;
  const keys = new Uint32Array(capacity);
  const slots = new Int32Array(capacity);
  const packed = table.packed;
  for (let u = 0; u < table.size; u++) {
    const k = packed[u]!;
    let g = Math.imul(k, 0x9e3779b1) >>> shift;
    while (slots[g] !== 0) g = (g + 1) & (capacity - 1);
    slots[g] = u + 1;
    keys[g] = k;
  }
  Object.assign(table, {
    capacity,
    shift,
    keys,
    slots,
    packed: grow(packed, capacity >> 1),
    counts: grow(table.counts, capacity >> 1),
  });
}

/** The channels of each packed colour (RGB in the low 24 bits, or RGBA in 32). */
export function unpackKeys(
  packed: Uint32Array,
  size: number,
  red: Uint8Array,
  green: Uint8Array,
  blue: Uint8Array,
  alpha: Uint8Array | null,
): void {
  for (let u = 0; u < size; u++) {
    const key = packed[u]!;
    if (alpha) {
      red[u] = key >>> 24;
      green[u] = (key >>> 16) & 255;
      blue[u] = (key >>> 8) & 255;
      alpha[u] = key & 255;
    } else {
      red[u] = key >>> 16;
      green[u] = (key >>> 8) & 255;
      blue[u] = key & 255;
    }
  }
}

function grow<T extends Uint32Array | Float64Array>(array: T, length: number): T {
  const bigger = new (array.constructor as new (n: number) => T)(length);
  bigger.set(array);
  return bigger;
}

/** From this many pixels on, an RGB histogram indexes a 2^24-entry table (64 MB) directly. */
const DIRECT_TABLE_PIXELS = 1 << 21;

function buildRgbHistogramDirect(data: Uint8Array | Uint8ClampedArray, pixels: number): ColourHistogram {
  const table = new Int32Array(1 << 24); // unique index + 1; 0 = unseen
  const pixelToUnique = new Uint32Array(pixels);
  let size = 0;
  for (let p = 0, o = 0; p < pixels; p++, o += 3) {
    const key = (data[o]! << 16) | (data[o + 1]! << 8) | data[o + 2]!;
    let slot = table[key]!;
    if (slot === 0) slot = table[key] = ++size;
    pixelToUnique[p] = slot - 1;
  }
  const red = new Uint8Array(size);
  const green = new Uint8Array(size);
  const blue = new Uint8Array(size);
  const weights = new Float64Array(size);
  for (let key = 0; key < 1 << 24; key++) {
    const slot = table[key]!;
    if (slot === 0) continue;
    red[slot - 1] = key >>> 16;
    green[slot - 1] = (key >>> 8) & 255;
    blue[slot - 1] = key & 255;
  }
  for (let p = 0; p < pixels; p++) weights[pixelToUnique[p]!]!++;
  return { size, red, green, blue, alpha: null, weights, pixelToUnique };
}
