/**
 * Each 8-bit value with its bits spread three apart: bit i moves to bit 3i. A colour's Morton key
 * is (SPREAD[r] << 2) | (SPREAD[g] << 1) | SPREAD[b]: the bits of R, G and B interleaved, so that
 * nearby colours have nearby keys (the colour table's order, cached-mapping.ts).
 */
export const SPREAD = Uint32Array.from({ length: 256 }, (_, value) => {
  let spread = 0;
  for (let bit = 0; bit < 8; bit++) if (value & (1 << bit)) spread |= 1 << (3 * bit);
  return spread;
});

/** Slots of the colour table: one per 24-bit colour, at its Morton key. */
export const COLOUR_TABLE_ENTRIES = 1 << 24;
