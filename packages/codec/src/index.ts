/** codec: image decoding (sharp) and indexed output encoding for kpress. */
export {
  decodeImage,
  readImageSize,
  startDecode,
  type DecodedImage,
  type DecodeOptions,
  type ImageSize,
  type StartedDecode,
} from './decode.js';
export { encodeImage, expandPalette, OUTPUT_FORMATS, type EncodedImage, type EncodeMemory, type OutputFormat } from './encode.js';
export { bitDepthFor, encodeIndexedPng, scanlineBytes, type IndexedImage, type IndexedPngOptions } from './indexed-png.js';
export { IndexedPngStream, type IndexedPngStreamOptions } from './indexed-png-stream.js';
export { BadImageError, type BadImageCode } from './errors.js';
export { readableFormatOf } from './unsupported-formats.js';
