/**
 * Image formats that this build of sharp (libvips) cannot read, recognised from their first bytes
 * once sharp has refused them, so that such an input is reported as an unsupported format rather
 * than as bytes that are not an image.
 */
const SIGNATURES: readonly { readonly name: string; readonly matches: (input: Buffer) => boolean }[] = [
  // JP2 / JPX file: the 12-byte signature box "jP  \r\n\x87\n".
  { name: 'JPEG 2000', matches: (b) => startsWith(b, 0, [0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a]) },
  // Raw JPEG 2000 codestream (.j2k, .j2c): SOC then SIZ markers.
  { name: 'JPEG 2000', matches: (b) => startsWith(b, 0, [0xff, 0x4f, 0xff, 0x51]) },
  // JPEG XL: bare codestream, or the ISO BMFF container's signature box "JXL \r\n\x87\n".
  { name: 'JPEG XL', matches: (b) => startsWith(b, 0, [0xff, 0x0a]) },
  { name: 'JPEG XL', matches: (b) => startsWith(b, 0, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a]) },
  // HEIC: an ISO BMFF "ftyp" box whose major brand is one of HEVC-coded HEIF's.
  {
    name: 'HEIC',
    matches: (b) =>
      startsWith(
        b,
        4,
        [...'ftyp'].map((c) => c.charCodeAt(0)),
      ) && HEVC_BRANDS.has(ascii(b, 8, 4)),
  },
];

const HEVC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);

/** Formats this build reads, by their first bytes: a refused input that starts like one is damaged, not foreign. */
const READABLE: readonly { readonly name: string; readonly matches: (input: Buffer) => boolean }[] = [
  { name: 'JPEG', matches: (b) => startsWith(b, 0, [0xff, 0xd8, 0xff]) },
  { name: 'PNG', matches: (b) => startsWith(b, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { name: 'GIF', matches: (b) => ascii(b, 0, 4) === 'GIF8' },
  { name: 'WebP', matches: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP' },
  { name: 'TIFF', matches: (b) => startsWith(b, 0, [0x49, 0x49, 0x2a, 0]) || startsWith(b, 0, [0x4d, 0x4d, 0, 0x2a]) },
];

/** The name of a format kpress reads that `input` starts like (so a refusal means damage), or null. */
export function readableFormatOf(input: Buffer): string | null {
  return READABLE.find((signature) => signature.matches(input))?.name ?? null;
}

/** The name of an image format kpress recognises but cannot decode, or null. */
export function unsupportedFormatOf(input: Buffer): string | null {
  return SIGNATURES.find((signature) => signature.matches(input))?.name ?? null;
}

function startsWith(input: Buffer, offset: number, bytes: readonly number[]): boolean {
  return input.length >= offset + bytes.length && bytes.every((byte, i) => input[offset + i] === byte);
}

function ascii(input: Buffer, offset: number, length: number): string {
  return input.subarray(offset, offset + length).toString('latin1');
}
