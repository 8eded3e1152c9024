import { formatBytes } from '@kpress/format';
import { formatInteger, markup, type SafeHtml } from './html-format.js';
import type { RunReport } from './run-report.js';

/** Rows of the kept-original and quality-too-low lists shown in the page (report.json has them all). */
const MAX_LISTED = 500;

/** What the run saved: bytes, the K chosen per image, sources kept as they were, images below the target. */
export function savingsSection(r: RunReport): SafeHtml {
  const { kDistribution, bytesSaved, keptOriginal, qualityTooLow } = r.savings;
  const ks = Object.entries(kDistribution);
  const most = Math.max(1, ...ks.map(([, n]) => n));
  const bars = ks.map(
    ([k, n]) =>
      markup`<li data-k="${k}" data-count="${n}"><span>K ${k}</span><i style="width:${Math.round((100 * n) / most)}%"></i><span>${formatInteger(n)}</span></li>`,
  );
  const kept = keptOriginal.items
    .slice(0, MAX_LISTED)
    .map(
      (row) =>
        markup`<li data-key="${row.key}">${row.key} <span>${formatBytes(row.bytesIn)}; output would be ${formatBytes(row.bytesOut)}</span></li>`,
    );
  const low = qualityTooLow
    .slice(0, MAX_LISTED)
    .map((f) => markup`<li data-key="${f.key}">${f.key} <span>${f.reason}</span></li>`);
  return markup`<section aria-labelledby="savings-title">
<h2 id="savings-title">Savings</h2>
<p data-field="bytes-saved" data-value="${bytesSaved}">${formatBytes(Math.max(0, bytesSaved))} saved over ${formatInteger(r.counts.done)} images written.</p>
${ks.length > 0 ? markup`<h3>Palette size chosen</h3><ul class="k-distribution">${bars}</ul>` : ''}
<h3>Kept original (${formatInteger(keptOriginal.total)})</h3>
${keptOriginal.total > 0 ? markup`<ul class="kept-original">${kept}</ul>` : markup`<p class="note">None: every output was smaller than its source, or --skip-if-larger was off.</p>`}
<h3>Quality too low (${formatInteger(qualityTooLow.length)})</h3>
${qualityTooLow.length > 0 ? markup`<ul class="quality-too-low">${low}</ul>` : markup`<p class="note">None.</p>`}
</section>`;
}
