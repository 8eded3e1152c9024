/**
 * The tutorial's naive full-batch k-means, for comparison only: K initial centroids are K distinct
 * pixels drawn with a seeded PRNG, then a fixed number of iterations of "assign every pixel to
 * its nearest centroid / move every centroid to the mean of its pixels" over ALL pixels (no
 * histogram, no sampling, no acceleration). Empty clusters keep their old centroid. Finally the
 * centroids are rounded to 8 bits and every pixel is mapped to its nearest rounded centroid.
 */

/** mulberry32: small, seeded, deterministic. Returns floats in [0, 1). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Index of the centroid nearest to pixel (r, g, b); ties go to the lowest index. */
function nearest(centroids, k, r, g, b) {
  let best = 0;
  let bestDistance = Infinity;
  for (let c = 0, o = 0; c < k; c++, o += 3) {
    const dr = r - centroids[o];
    const dg = g - centroids[o + 1];
    const db = b - centroids[o + 2];
    const d = dr * dr + dg * dg + db * db;
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

/**
 * @param {Uint8Array} rgb tightly packed RGB pixels
 * @returns {{ palette: Uint8Array, indices: Uint8Array, rgb: Uint8Array }} palette (K×3, rounded), index and RGB of every pixel
 */
export function naiveKmeans(rgb, k, { iterations = 10, seed = 1 } = {}) {
  const n = rgb.length / 3;
  const random = mulberry32(seed);
  const centroids = new Float64Array(k * 3);
  const drawn = new Set();
  while (drawn.size < Math.min(k, n)) drawn.add(Math.floor(random() * n));
  let c = 0;
  for (const p of drawn) {
    centroids[c * 3] = rgb[p * 3];
    centroids[c * 3 + 1] = rgb[p * 3 + 1];
    centroids[c * 3 + 2] = rgb[p * 3 + 2];
    c++;
  }
  const sums = new Float64Array(k * 3);
  const counts = new Float64Array(k);
  for (let it = 0; it < iterations; it++) {
    sums.fill(0);
    counts.fill(0);
    for (let p = 0, o = 0; p < n; p++, o += 3) {
      const r = rgb[o];
      const g = rgb[o + 1];
      const b = rgb[o + 2];
      const j = nearest(centroids, k, r, g, b);
      sums[j * 3] += r;
      sums[j * 3 + 1] += g;
      sums[j * 3 + 2] += b;
      counts[j]++;
    }
    for (let j = 0; j < k; j++) {
      if (counts[j] === 0) continue; // empty cluster: keep the old centroid
      centroids[j * 3] = sums[j * 3] / counts[j];
      centroids[j * 3 + 1] = sums[j * 3 + 1] / counts[j];
      centroids[j * 3 + 2] = sums[j * 3 + 2] / counts[j];
    }
  }
  const palette = new Uint8Array(k * 3);
  for (let i = 0; i < k * 3; i++) palette[i] = Math.min(255, Math.max(0, Math.round(centroids[i])));
  const rounded = Float64Array.from(palette);
  const indices = new Uint8Array(n);
  const out = new Uint8Array(n * 3);
  for (let p = 0, o = 0; p < n; p++, o += 3) {
    const j = nearest(rounded, k, rgb[o], rgb[o + 1], rgb[o + 2]);
    indices[p] = j;
    out[o] = palette[j * 3];
    out[o + 1] = palette[j * 3 + 1];
    out[o + 2] = palette[j * 3 + 2];
  }
  return { palette, indices, rgb: out };
}
