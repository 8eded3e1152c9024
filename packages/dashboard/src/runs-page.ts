import { escapeHtml, formatBytes } from '@kpress/format';
import type { RunSnapshot } from '@kpress/runs';

export { escapeHtml };

export interface RunsPageOptions {
  /** Where bull-board is mounted, for the navigation link. */
  readonly queuesPath: string;
  readonly admin: boolean;
  /** Runs asked for; says "showing the latest N" when the page is full. */
  readonly limit: number;
}

/**
 * The run list: one self-contained HTML page (inline CSS, no scripts, nothing from a CDN) whose
 * every piece of run-provided text goes through escapeHtml.
 */
export function renderRunsPage(runs: readonly RunSnapshot[], options: RunsPageOptions): string {
  const rows = runs.map(renderRow).join('\n');
  const body =
    runs.length === 0
      ? '<p class="empty">No runs in Redis under this prefix yet. Start one with <code>kpress enqueue</code>.</p>'
      : `<table>
<thead><tr><th>run</th><th>origin</th><th>created (UTC)</th><th>finished (UTC)</th><th class="n">jobs</th><th class="n">done</th><th class="n">skipped</th><th class="n">failed</th><th class="n">mean PSNR</th><th class="n">bytes in → out</th><th>report</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${runs.length >= options.limit ? `<p class="note">Showing the latest ${options.limit} runs; add <code>?limit=N</code> (up to ${MAX_RUNS_LISTED}) for more.</p>` : ''}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kpress runs</title>
<style>${STYLE}</style>
</head>
<body>
<header><strong>kpress</strong> <nav><a href="/">runs</a> · <a href="${escapeHtml(options.queuesPath)}">queues</a></nav>
<span class="mode">${options.admin ? 'admin mode: queue actions enabled' : 'read-only'}</span></header>
<main>
<h1>Recent runs</h1>
${body}
</main>
</body>
</html>
`;
}

/** Upper bound of `?limit`. */
export const MAX_RUNS_LISTED = 500;

function renderRow(run: RunSnapshot): string {
  const id = encodeURIComponent(run.runId);
  const state = run.state === 'done' ? '' : ` <span class="running">${run.state}</span>`;
  const failed = run.failed > 0 ? ` class="n bad"` : ` class="n"`;
  return `<tr>
<td><code>${escapeHtml(run.runId)}</code>${state}<div class="where" title="${escapeHtml(run.source)}">${escapeHtml(run.source)} → ${escapeHtml(run.destination)}</div></td>
<td>${escapeHtml(run.origin)}</td>
<td>${formatTime(run.createdAt)}</td>
<td>${run.finishedAt === null ? '–' : formatTime(run.finishedAt)}</td>
<td class="n">${run.jobs}</td><td class="n">${run.done}</td><td class="n">${run.skipped}</td><td${failed}>${run.failed}</td>
<td class="n">${run.meanPsnr === null ? '–' : `${run.meanPsnr.toFixed(2)} dB`}</td>
<td class="n" title="${run.bytesIn} → ${run.bytesOut} bytes">${formatBytes(run.bytesIn)} → ${formatBytes(run.bytesOut)}${ratio(run)}</td>
<td><a href="/runs/${id}/report.html">report</a> · <a href="/runs/${id}/report.json">json</a></td>
</tr>`;
}

function formatTime(epochMs: number): string {
  if (!Number.isFinite(epochMs) || epochMs <= 0) return '–';
  return new Date(epochMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '');
}

function ratio(run: RunSnapshot): string {
  if (run.bytesIn <= 0) return '';
  return ` <span class="ratio">(${((100 * run.bytesOut) / run.bytesIn).toFixed(0)}%)</span>`;
}

const STYLE = `
body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2330;background:#f6f7f9}
header{display:flex;gap:1.5em;align-items:baseline;padding:.7em 1.5em;background:#1d2330;color:#fff}
header a{color:#9fc3ff}.mode{margin-left:auto;font-size:.85em;color:#c9d1dd}
main{padding:1em 1.5em}h1{font-size:1.3em}
table{border-collapse:collapse;background:#fff;width:100%}
th,td{padding:.45em .6em;border-bottom:1px solid #e3e6eb;text-align:left;vertical-align:top}
th{background:#eef0f4;font-weight:600;white-space:nowrap}.n{text-align:right;white-space:nowrap}
.bad{color:#b3261e;font-weight:600}.running{font-size:.8em;color:#8a5a00;background:#fff1cc;padding:0 .4em;border-radius:3px}
.where{font-size:.8em;color:#5b6576;max-width:32em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.ratio{color:#5b6576}.note,.empty{color:#5b6576}code{font-size:.95em}
`;
