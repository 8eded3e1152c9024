/**
 * Small, structurally valid images in formats sharp's prebuilt libvips cannot decode, built box
 * by box (no encoder for them installs here): HEIC (HEIF holding an HEVC item) and JPEG 2000.
 */

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const box = (type: string, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  return Buffer.concat([u32(body.length + 8), Buffer.from(type, 'latin1'), body]);
};
const fullBox = (type: string, version: number, ...parts: Buffer[]): Buffer =>
  box(type, Buffer.from([version, 0, 0, 0]), ...parts);

/** A width×height HEIC: ftyp "heic", one primary "hvc1" item with hvcC and ispe properties. */
export function heicImage(width: number, height: number): Buffer {
  const payload = Buffer.from([0, 0, 0, 4, 0x26, 0x01, 0xaf, 0x00]);
  const ftyp = box('ftyp', Buffer.from('heic'), u32(0), Buffer.from('mif1heic'));
  const hdlr = fullBox('hdlr', 0, u32(0), Buffer.from('pict'), Buffer.alloc(12), Buffer.from([0]));
  const pitm = fullBox('pitm', 0, u16(1));
  const iinf = fullBox('iinf', 0, u16(1), fullBox('infe', 2, u16(1), u16(0), Buffer.from('hvc1'), Buffer.from([0])));
  // HEVCDecoderConfigurationRecord: version 1, Main profile, level 3.1, 4:2:0, 8-bit, no NAL arrays.
  const hvcC = box(
    'hvcC',
    Buffer.from([1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 0x5d, 0xf0, 0, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0, 0x0f, 0]),
  );
  const ispe = fullBox('ispe', 0, u32(width), u32(height));
  const iprp = box('iprp', box('ipco', hvcC, ispe), fullBox('ipma', 0, u32(1), u16(1), Buffer.from([2, 0x81, 0x02])));
  const meta = (offset: number): Buffer => {
    const iloc = fullBox('iloc', 0, Buffer.from([0x44, 0]), u16(1), u16(1), u16(0), u16(1), u32(offset), u32(payload.length));
    return fullBox('meta', 0, hdlr, pitm, iloc, iinf, iprp);
  };
  const mdatOffset = ftyp.length + meta(0).length + 8;
  return Buffer.concat([ftyp, meta(mdatOffset), box('mdat', payload)]);
}

/** A JP2 file's boxes: signature, ftyp "jp2 ", a jp2h header (ihdr, colr sRGB), a stub codestream. */
export function jpeg2000Image(width: number, height: number): Buffer {
  const signature = box('jP  ', Buffer.from([0x0d, 0x0a, 0x87, 0x0a]));
  const ftyp = box('ftyp', Buffer.from('jp2 '), u32(0), Buffer.from('jp2 '));
  const ihdr = box('ihdr', u32(height), u32(width), u16(3), Buffer.from([7, 7, 0, 0]));
  const colr = box('colr', Buffer.from([1, 0, 0]), u32(16));
  const codestream = box('jp2c', Buffer.from([0xff, 0x4f, 0xff, 0x51, 0, 0x2f]), Buffer.alloc(32), Buffer.from([0xff, 0xd9]));
  return Buffer.concat([signature, ftyp, box('jp2h', ihdr, colr), codestream]);
}
