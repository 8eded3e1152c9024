// Tiny SVG plotting helpers for the tutorial example: linear scales, axes with ticks, markers.
// Text uses the generic "sans-serif" family; sharp renders it with librsvg and fontconfig.

import { escapeHtml } from '@kpress/format';

export const FONT = 'font-family="sans-serif"';

/** Escapes text for SVG content and attribute values (SVG is XML: HTML's escaping serves). */
export const esc = (text) => escapeHtml(String(text));

/** Rounded coordinate for compact SVG. */
export const r = (v) => Math.round(v * 100) / 100;

/** "Nice" tick values (1, 2, 5 × 10^n steps) covering [min, max]. */
function niceTicks(min, max, count = 6) {
  const span = max - min || 1;
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  // 10 × magnitude ≥ raw always, so a step is always found.
  const step = /** @type {number} */ ([1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw));
  const ticks = [];
  for (let t = Math.floor(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Math.round(t / step) * step);
  if (ticks[0] > min) ticks.unshift(ticks[0] - step);
  const last = ticks[ticks.length - 1];
  if (last < max) ticks.push(last + step);
  return { ticks, step };
}

/** Formats a tick value with as many decimals as its step needs. */
function tickLabel(value, step) {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return Math.abs(value) >= 1e4 ? value.toExponential(1) : value.toFixed(decimals);
}

/**
 * A plot panel at (left, top) of size width × height with data ranges from nice ticks.
 * Returns { x, y, svg } where x/y map data to pixels and svg draws the frame, ticks, labels.
 */
export function panel({ left, top, width, height, xs, ys, title, xLabel, yLabel, grid = true }) {
  const xt = niceTicks(Math.min(...xs), Math.max(...xs));
  const yt = niceTicks(Math.min(...ys), Math.max(...ys));
  const [x0, x1] = [xt.ticks[0], xt.ticks[xt.ticks.length - 1]];
  const [y0, y1] = [yt.ticks[0], yt.ticks[yt.ticks.length - 1]];
  const x = (v) => left + ((v - x0) / (x1 - x0)) * width;
  const y = (v) => top + height - ((v - y0) / (y1 - y0)) * height;
  const parts = [`<rect x="${left}" y="${top}" width="${width}" height="${height}" fill="white" stroke="none"/>`];
  for (const t of xt.ticks) {
    const px = r(x(t));
    if (grid) parts.push(`<line x1="${px}" y1="${top}" x2="${px}" y2="${top + height}" stroke="#e6e6e6"/>`);
    parts.push(`<line x1="${px}" y1="${top + height}" x2="${px}" y2="${top + height + 5}" stroke="black"/>`);
    parts.push(
      `<text x="${px}" y="${top + height + 19}" ${FONT} font-size="13" text-anchor="middle">${tickLabel(t, xt.step)}</text>`,
    );
  }
  for (const t of yt.ticks) {
    const py = r(y(t));
    if (grid) parts.push(`<line x1="${left}" y1="${py}" x2="${left + width}" y2="${py}" stroke="#e6e6e6"/>`);
    parts.push(`<line x1="${left - 5}" y1="${py}" x2="${left}" y2="${py}" stroke="black"/>`);
    parts.push(`<text x="${left - 8}" y="${py + 4.5}" ${FONT} font-size="13" text-anchor="end">${tickLabel(t, yt.step)}</text>`);
  }
  parts.push(`<rect x="${left}" y="${top}" width="${width}" height="${height}" fill="none" stroke="black"/>`);
  if (title) {
    parts.push(
      `<text x="${left + width / 2}" y="${top - 12}" ${FONT} font-size="16" font-weight="bold" text-anchor="middle">${esc(title)}</text>`,
    );
  }
  if (xLabel) {
    parts.push(
      `<text x="${left + width / 2}" y="${top + height + 40}" ${FONT} font-size="14" text-anchor="middle">${esc(xLabel)}</text>`,
    );
  }
  if (yLabel) {
    const cx = left - 48;
    const cy = top + height / 2;
    parts.push(
      `<text x="${cx}" y="${cy}" ${FONT} font-size="14" text-anchor="middle" transform="rotate(-90 ${cx} ${cy})">${esc(yLabel)}</text>`,
    );
  }
  return { x, y, svg: parts.join('\n') };
}

/** An "x" marker centred on (cx, cy). */
export function cross(cx, cy, size, stroke, width = 2) {
  const s = size / 2;
  return (
    `<line x1="${r(cx - s)}" y1="${r(cy - s)}" x2="${r(cx + s)}" y2="${r(cy + s)}" stroke="${stroke}" stroke-width="${width}"/>` +
    `<line x1="${r(cx - s)}" y1="${r(cy + s)}" x2="${r(cx + s)}" y2="${r(cy - s)}" stroke="${stroke}" stroke-width="${width}"/>`
  );
}

/** Complete SVG document of the given size on a white background. */
export function document(width, height, body) {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`
  );
}
