import type { CentreNeighbours } from './centre-neighbours.js';
import { mapPixelsCached } from './cached-mapping.js';
import type { ColorSpace } from './colour-space.js';
import { compactPalette, dropUnusedEntries } from './palette-mapping.js';
import { psnrFromMse, type Quality } from './quality.js';
import { SAMPLING_PIXELS, type QuantizeWorkspace } from './quantize-workspace.js';
import type { QuantizeImage } from './quantize-options.js';

/**
 * Watches a large photo's pixels being mapped to the palette, so that a caller can encode and
 * measure rows while later rows are still being mapped. Only an RGB photo clustered from a
 * sample of its rows (at least 4 Mpx), without dithering, is mapped this way; for any other
 * image no call is made.
 */
export interface MappingListener {
  /** Before any pixel is mapped: the palette the indices will refer to, in its final order. */
  readonly start: (palette: Uint8Array) => void;
  /** Pixels [0, pixelsDone) of `indices` hold their final entries. */
  readonly mapped: (indices: Uint8Array, pixelsDone: number) => void;
}

/**
 * RGB images of at least SAMPLING_PIXELS (4 Mpx) are clustered from every n-th row, n chosen so that
 * about SAMPLE_PIXELS take part: on a 12-MP photo, building the unique-colour table and the
 * importance map of every pixel cost more than all the clustering (measured: PSNR within 0.01 dB).
 */
const SAMPLE_PIXELS = 1 << 20;

/** Every how many rows a photo's clustering sample takes one (1: every row, no sampling). */
export function sampleRowStep(image: QuantizeImage): number {
  const pixels = image.width * image.height;
  if (image.channels !== 3 || pixels < SAMPLING_PIXELS) return 1;
  return Math.min(image.height, Math.ceil(pixels / SAMPLE_PIXELS));
}

/**
 * Each entry's position in the palette written: most used first by the pixels of the sample
 * (`labels` of its unique colours, `counts` their pixels; ordered as compactPalette orders), so
 * that the indices are final as soon as a pixel is mapped. Entries the sample never used go last.
 */
export function rankBySampleUsage(labels: Uint32Array, counts: Float64Array, entries: number): Uint8Array {
  const { remap, size } = compactPalette(labels, counts, entries, () => 255);
  const rank = new Uint8Array(entries);
  for (let entry = 0, unused = size; entry < entries; entry++) rank[entry] = remap[entry]! >= 0 ? remap[entry]! : unused++;
  return rank;
}

export interface SampledMappingInput {
  readonly data: Uint8Array | Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
  readonly space: ColorSpace;
  /** The rounded palette (RGB, clustering order) and its centres in the working space. */
  readonly palette8: Uint8Array;
  readonly paletteCentres: Float64Array;
  readonly entries: number;
  /** Position written for each entry (rankBySampleUsage). */
  readonly rank: Uint8Array;
}

export interface SampledMappingBuffers {
  readonly neighbours: CentreNeighbours | undefined;
  readonly workspace: QuantizeWorkspace | undefined;
  readonly listener: MappingListener | undefined;
}

export interface SampledMapping {
  readonly palette: Uint8Array;
  readonly indices: Uint8Array;
  readonly quality: Quality;
  readonly uniqueColours: number;
}

/**
 * Exact nearest entry of every pixel through a colour cache, written as its position in the
 * palette (`rank`); then, if some entry is used by no pixel, the entry is dropped and the
 * indices renumbered, most used first.
 */
export function mapSampled(
  input: SampledMappingInput,
  { neighbours, workspace, listener }: SampledMappingBuffers,
): SampledMapping {
  const { data, width, height, space, palette8, paletteCentres, entries, rank } = input;
  let palette: Uint8Array = new Uint8Array(entries * 3);
  for (let entry = 0; entry < entries; entry++) palette.set(palette8.subarray(entry * 3, entry * 3 + 3), rank[entry]! * 3);
  listener?.start(palette);
  const labels = workspace?.indices ?? new Uint8Array(width * height);
  const mapping = mapPixelsCached(data, space, paletteCentres, palette8, entries, {
    reused: neighbours,
    labels,
    slots: workspace?.colourTable ?? undefined,
    rank,
    onMapped: listener ? (pixelsDone: number) => listener.mapped(labels, pixelsDone) : undefined,
  });
  const indices = mapping.labels;
  if (mapping.usage.some((pixels) => pixels === 0)) palette = dropUnusedEntries(palette8, rank, mapping.usage, indices);
  const mse = mapping.squaredError / (3 * indices.length);
  return { palette, indices, quality: { mse, psnr: psnrFromMse(mse) }, uniqueColours: mapping.uniqueColours };
}
