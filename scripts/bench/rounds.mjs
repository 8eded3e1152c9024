// Figures over the benchmarks' repeated rounds: medians, and ratios paired within a round.

/** The median of some numbers, or null when there are none. */
export function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * top[field] ÷ bottom[field] for every top row that has a bottom row of the same round (the two
 * ran minutes apart at most, on the same machine state), in the order of `tops`.
 */
export function pairedRoundRatios(tops, bottoms, field) {
  return tops.flatMap((top) => {
    const bottom = bottoms.find((row) => row.round === top.round);
    return bottom && typeof top[field] === 'number' && bottom[field] > 0 ? [top[field] / bottom[field]] : [];
  });
}
