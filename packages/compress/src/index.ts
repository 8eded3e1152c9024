/** compress: one image from bytes to quantized output and metadata, shared by the CLI and workers. */
export {
  compressImage,
  type CompressedImage,
  type CompressLimits,
  type CompressStats,
  type CompressTimings,
} from './compress-image.js';
export { buildMetadata, type CompressSummary, type MetadataContext, type MetadataDocument, type ObjectRef } from './metadata.js';
export { DEFAULT_PARAMS, InvalidParamsError, resolveParams, type CompressParams } from './params.js';
export { BYTES_PER_PIXEL, estimateCompressBytes, FIXED_BYTES } from './memory-estimate.js';
