/** compress: one image from bytes to quantized output and metadata, shared by the CLI and workers. */
export {
  compressImage,
  type CompressedImage,
  type CompressLimits,
  type CompressResources,
  type CompressOutcome,
  type CompressStats,
  type CompressTimings,
  type TargetOutcome,
} from './compress-image.js';
export { QualityTooLowError } from './quality-too-low-error.js';
export { searchTarget, type QualityTarget, type SearchStep, type TargetSearchResult } from './target-search.js';
export { buildMetadata, type CompressSummary, type MetadataContext, type MetadataDocument, type ObjectRef } from './metadata.js';
export { BYTES_PER_PIXEL, estimateCompressBytes, FIXED_BYTES } from './memory-estimate.js';
