import { formatBytes } from '@kpress/format';
import { dataValue, escapeHtml, formatFixed, formatInteger, formatMs, markup, raw, type SafeHtml } from './html-format.js';
import type { ReportSample } from './render-report-html.js';
import type { RunReport } from './run-report.js';

/** Failures listed row by row in the page (report.json lists every one the run store kept). */
export const MAX_FAILURE_ROWS = 2_000;

const DATA_URI = /^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/=]+$/;

export function samplesSection(samples: readonly ReportSample[]): SafeHtml | string {
  if (samples.length === 0) return '';
  const figures = samples.map(
    (s) => markup`<figure>
<div class="pair">${thumbnail(s.before, 'before', s.key)}${thumbnail(s.after, 'after', s.output)}</div>
<div class="swatch" title="${s.palette.length} colours">${s.palette.map(swatch)}</div>
<figcaption>${raw(breakable(s.key))}<span>${s.palette.length} colours · PSNR ${formatFixed(s.psnr, 2, ' dB')} · ${formatBytes(s.bytesIn)} → ${formatBytes(s.bytesOut)}${s.problem ? ` · ${s.problem}` : ''}</span></figcaption>
</figure>`,
  );
  return markup`<section aria-labelledby="samples-title">
<h2 id="samples-title">Before and after <small class="note">${samples.length} sample images, with their palettes</small></h2>
<div class="samples">
${figures}
</div>
</section>`;
}

function thumbnail(uri: string | null, label: string, alt: string): SafeHtml {
  const image =
    uri !== null && DATA_URI.test(uri)
      ? markup`<img src="${uri}" alt="${label}: ${alt}">`
      : markup`<span class="missing">no ${label} thumbnail</span>`;
  return markup`<div>${image}<small>${label}</small></div>`;
}

function swatch(colour: readonly number[]): SafeHtml {
  const hex = `#${[0, 1, 2]
    .map((i) => Math.max(0, Math.min(255, Math.round(Number(colour[i] ?? 0)))))
    .map((v) => v.toString(16).padStart(2, '0'))
    .join('')}`;
  return markup`<i style="background:${hex}" title="${hex}"></i>`;
}

export function slowestSection(r: RunReport): SafeHtml | string {
  if (r.slowest.length === 0) return '';
  const items = r.slowest.map(
    (s) => markup`<li>${raw(breakable(s.key))} <span>${formatMs(s.totalMs)} · ${formatFixed(s.megapixels, 2, ' MP')}</span></li>`,
  );
  return markup`<section aria-labelledby="slowest-title">
<h2 id="slowest-title">Slowest images</h2>
<ol class="slowest">${items}</ol>
</section>`;
}

export function imagesSection(r: RunReport): SafeHtml {
  const { rows, total, truncated } = r.images;
  const header = (label: string, type: 'text' | 'number', sort: string, extra = ''): SafeHtml =>
    markup`<th scope="col" data-type="${type}" data-sort="${sort}" class="${type === 'number' ? 'num' : ''} ${extra}"><button type="button">${label}</button></th>`;
  // Built as plain strings: up to thousands of rows, each value escaped or numeric.
  const body = rows
    .map((row) => {
      const ratio = row.bytesIn > 0 ? row.bytesOut / row.bytesIn : null;
      return (
        `<tr><td class="key">${breakable(row.key)}</td>` +
        `<td class="num" data-value="${row.bytesIn}">${formatBytes(row.bytesIn)}</td>` +
        `<td class="num" data-value="${row.bytesOut}">${formatBytes(row.bytesOut)}</td>` +
        `<td class="num hide-narrow" data-value="${dataValue(ratio)}">${formatFixed(ratio, 3)}</td>` +
        `<td class="num" data-value="${dataValue(row.psnr)}">${formatFixed(row.psnr, 2)}</td>` +
        `<td class="num hide-narrow" data-value="${row.megapixels}">${formatFixed(row.megapixels, 2)}</td>` +
        `<td class="num" data-value="${row.totalMs}">${formatMs(row.totalMs)}</td></tr>\n`
      );
    })
    .join('');
  const note = truncated
    ? `Showing the first ${formatInteger(rows.length)} of ${formatInteger(total)} images by key (truncated; the totals above count every image).`
    : `All ${formatInteger(total)} images. Tap a column header to sort.`;
  return markup`<section aria-labelledby="images-title">
<h2 id="images-title">Images</h2>
<p class="note" data-field="images-note" data-truncated="${String(truncated)}">${note}</p>
<div class="scroll images-table"><table class="sortable" id="images">
<thead><tr>${header('key', 'text', 'key')}${header('bytes in', 'number', 'bytesIn')}${header('bytes out', 'number', 'bytesOut')}${header('ratio', 'number', 'ratio', 'hide-narrow')}${header('PSNR', 'number', 'psnr')}${header('MP', 'number', 'megapixels', 'hide-narrow')}${header('ms', 'number', 'totalMs')}</tr></thead>
<tbody>
${raw(body)}</tbody></table></div>
</section>`;
}

export function failuresSection(r: RunReport): SafeHtml {
  const { items, total, truncated } = r.failures;
  if (total === 0) {
    return markup`<section aria-labelledby="failures-title"><h2 id="failures-title">Failures</h2><p class="note">No image failed.</p></section>`;
  }
  const shown = items.slice(0, MAX_FAILURE_ROWS);
  const note =
    truncated || shown.length < items.length
      ? `Showing ${formatInteger(shown.length)} of ${formatInteger(total)} failures.`
      : `${formatInteger(total)} ${total === 1 ? 'image' : 'images'} failed; bad input is never retried.`;
  const rows = shown.map(
    (f) =>
      markup`<tr><td class="key">${raw(breakable(f.key))}</td><td><code>${f.code}</code></td><td class="reason">${f.reason}</td></tr>\n`,
  );
  return markup`<section aria-labelledby="failures-title">
<h2 id="failures-title">Failures</h2>
<p class="note">${note}</p>
<div class="scroll"><table id="failures">
<thead><tr><th>source</th><th>code</th><th>reason</th></tr></thead>
<tbody>
${rows}</tbody></table></div>
</section>`;
}

/** Sources skipped because they failed before: listed so old failures stay visible without failing the run. */
export function skippedFailedSection(r: RunReport): SafeHtml | '' {
  const { items, total, truncated } = r.skippedFailed;
  if (total === 0) return '';
  const shown = items.slice(0, MAX_FAILURE_ROWS);
  const note =
    truncated || shown.length < items.length
      ? `Showing ${formatInteger(shown.length)} of ${formatInteger(total)}.`
      : `${formatInteger(total)} ${total === 1 ? 'source' : 'sources'} failed before with the same version and parameters, so not tried again (kpress retry or --retry-failed does).`;
  const rows = shown.map(
    (f) =>
      markup`<tr><td class="key">${raw(breakable(f.key))}</td><td><code>${f.code}</code></td><td class="reason">${f.reason}</td></tr>\n`,
  );
  return markup`<section aria-labelledby="skipped-failed-title">
<h2 id="skipped-failed-title">Skipped: failed before</h2>
<p class="note">${note}</p>
<div class="scroll"><table id="skipped-failed">
<thead><tr><th>source</th><th>code</th><th>reason</th></tr></thead>
<tbody>
${rows}</tbody></table></div>
</section>`;
}

/** An escaped key that a narrow screen may wrap after each "/". */
function breakable(key: string): string {
  return escapeHtml(key).replaceAll('/', '/<wbr>');
}
