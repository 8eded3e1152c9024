/**
 * kmeans-core: weighted mini-batch k-means and k-means colour quantization. Pure: no I/O, no
 * runtime dependencies, deterministic for a given seed.
 */
export { kmeans, type KmeansOptions, type KmeansResult } from './kmeans.js';
export { quantize, type QuantizeResult, type QuantizeStats } from './quantize.js';
export type { MappingListener } from './sampled-mapping.js';
export { createQuantizeWorkspace, type QuantizeWorkspace } from './quantize-workspace.js';
export { QUANTIZE_DEFAULTS, type QuantizeImage, type QuantizeOptions, type ResolvedQuantizeOptions } from './quantize-options.js';
export { COLOR_SPACES, type ColorSpace } from './colour-space.js';
export { measureQuality, psnrFromMse, type Quality } from './quality.js';
export { measureSsim, SsimMeter } from './ssim.js';
export { InvalidOptionError, assertNever } from './errors.js';
export { createRandom, type Random } from './random.js';
