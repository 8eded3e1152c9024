// Picture of part (b): original on the left, the k-colour result on the right, both upscaled with
// nearest-neighbour, captions under each and the palette swatches under the result.
import sharp from 'sharp';
import { document, esc, FONT } from './svg.mjs';

/**
 * @param {object} o
 * @param {Buffer} o.originalRgb   raw RGB pixels of the original
 * @param {Buffer} o.resultRgb     raw RGB pixels of the quantized image
 * @param {number} o.width
 * @param {number} o.height
 * @param {Uint8Array} o.palette   3 bytes per entry
 * @param {string[]} o.leftCaption  lines
 * @param {string[]} o.rightCaption lines
 * @param {string} o.title
 * @param {number} [o.scale]
 * @returns {Promise<Buffer>} PNG bytes
 */
export async function sideBySide({
  originalRgb,
  resultRgb,
  width,
  height,
  palette,
  leftCaption,
  rightCaption,
  title,
  scale = 3,
}) {
  const w = width * scale;
  const h = height * scale;
  const margin = 30;
  const gap = 40;
  const top = 60;
  const entries = palette.length / 3;
  const swatch = Math.min(40, Math.floor(w / entries));
  const captionTop = top + h + 26;
  const lineHeight = 20;
  const captionLines = Math.max(leftCaption.length, rightCaption.length);
  const swatchTop = captionTop + captionLines * lineHeight + 4;
  const canvasW = margin * 2 + w * 2 + gap;
  const canvasH = swatchTop + swatch + 44;
  const leftX = margin;
  const rightX = margin + w + gap;

  const upscale = (rgb) =>
    sharp(rgb, { raw: { width, height, channels: 3 } })
      .resize(w, h, { kernel: sharp.kernel.nearest })
      .png()
      .toBuffer();

  const text = [
    `<text x="${canvasW / 2}" y="36" ${FONT} font-size="20" font-weight="bold" text-anchor="middle">${esc(title)}</text>`,
    `<rect x="${leftX - 1}" y="${top - 1}" width="${w + 2}" height="${h + 2}" fill="none" stroke="#999"/>`,
    `<rect x="${rightX - 1}" y="${top - 1}" width="${w + 2}" height="${h + 2}" fill="none" stroke="#999"/>`,
  ];
  const caption = (lines, x) =>
    lines.forEach((line, i) =>
      text.push(
        `<text x="${x + w / 2}" y="${captionTop + i * lineHeight}" ${FONT} font-size="${i === 0 ? 16 : 14}" ` +
          `${i === 0 ? 'font-weight="bold" ' : ''}text-anchor="middle">${esc(line)}</text>`,
      ),
    );
  caption(leftCaption, leftX);
  caption(rightCaption, rightX);

  // Palette swatches, centred under the result, in palette order (most used first).
  const swatchX = rightX + (w - swatch * entries) / 2;
  for (let e = 0; e < entries; e++) {
    const [red, green, blue] = palette.subarray(e * 3, e * 3 + 3);
    text.push(
      `<rect x="${swatchX + e * swatch}" y="${swatchTop}" width="${swatch}" height="${swatch}" ` +
        `fill="rgb(${red},${green},${blue})" stroke="white" stroke-width="1"/>`,
    );
  }
  text.push(`<rect x="${swatchX}" y="${swatchTop}" width="${swatch * entries}" height="${swatch}" fill="none" stroke="#666"/>`);
  text.push(
    `<text x="${rightX + w / 2}" y="${swatchTop + swatch + 20}" ${FONT} font-size="13" fill="#444" text-anchor="middle">` +
      `palette: ${entries} colours, most used first</text>`,
  );

  const background = Buffer.from(document(canvasW, canvasH, text.join('\n')));
  return sharp(background)
    .composite([
      { input: await upscale(originalRgb), left: leftX, top },
      { input: await upscale(resultRgb), left: rightX, top },
    ])
    .png()
    .toBuffer();
}
