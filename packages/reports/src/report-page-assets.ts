/**
 * The report page's only style sheet and script, inlined so the page works offline, from a
 * file:// URL or an S3 console preview. A Content-Security-Policy forbids any network access.
 */

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

export const REPORT_CSS = `
:root {
  --bg: #f6f7f9; --card: #fff; --text: #1b1f24; --muted: #5b6470; --line: #e2e5ea;
  --accent: #2f6fde; --ok: #1d7f46; --bad: #c0392b; --warn: #b7791f; --bar: #cfdcf6;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #111418; --card: #1a1e24; --text: #e6e9ee; --muted: #9aa4b1; --line: #2c323b;
    --accent: #7aa7ff; --ok: #4cc38a; --bad: #ff7b6e; --warn: #f0b44c; --bar: #2c426b; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  -webkit-text-size-adjust: 100%; }
main { max-width: 1100px; margin: 0 auto; padding: 16px; }
header { margin-bottom: 16px; }
h1 { font-size: 1.35rem; margin: 0 0 4px; display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
h1 code { font-size: 0.95rem; font-weight: 500; color: var(--muted); word-break: break-all; }
h2 { font-size: 1.05rem; margin: 0 0 10px; }
h2 small { display: block; font-weight: 400; margin: 2px 0 0; }
.badge { font-size: 0.75rem; font-weight: 600; padding: 2px 8px; border-radius: 999px; color: #fff; background: var(--ok); }
.badge.bad { background: var(--bad); } .badge.warn { background: var(--warn); }
.route { color: var(--muted); word-break: break-all; margin: 4px 0; }
.route b { color: var(--text); font-weight: 500; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0 0; padding: 0; list-style: none; }
.chips li { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 1px 8px; font-size: 0.85rem; }
.chips li span { color: var(--muted); }
section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px; margin: 0 0 14px; }
.cards { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 10px;
  background: none; border: 0; padding: 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 10px 12px; }
.card .label { color: var(--muted); font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.03em; }
.card .value { font-size: 1.45rem; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .sub { color: var(--muted); font-size: 0.85rem; }
.card.bad .value { color: var(--bad); }
.card.ok .value { color: var(--ok); }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.two > section { margin: 0; }
.stack { display: grid; gap: 14px; margin-bottom: 14px; }
.scale { position: relative; height: 34px; margin: 6px 4px 26px; border-radius: 6px;
  background: linear-gradient(90deg, #f3d6d2, #f5ecc8 40%, #d5efdf); }
.scale .tick { position: absolute; top: -4px; bottom: -4px; width: 2px; background: var(--text); }
.scale .tick span { position: absolute; top: 40px; transform: translateX(-50%); font-size: 0.75rem; color: var(--muted); white-space: nowrap; }
.scale .tick.median span { top: auto; bottom: 40px; }
.scale { margin-top: 26px; }
.scale .box { position: absolute; top: 6px; bottom: 6px; background: var(--accent); opacity: 0.35; border-radius: 3px; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(90px, 1fr)); gap: 6px; margin: 0; }
.stats div { border-left: 3px solid var(--line); padding-left: 8px; }
.stats dt { color: var(--muted); font-size: 0.8rem; }
.stats dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 0.8rem; color: var(--muted); font-weight: 600; white-space: nowrap; position: sticky; top: 0; background: var(--card); }
td.num, th.num { text-align: right; white-space: nowrap; }
td.key { overflow-wrap: anywhere; min-width: 10ch; }
td.reason { min-width: 24ch; }
tbody tr:hover { background: color-mix(in srgb, var(--accent) 7%, transparent); }
th button { all: unset; cursor: pointer; display: inline-flex; gap: 4px; align-items: center; }
th button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
th button::after { content: "↕"; opacity: 0.35; }
th[aria-sort="ascending"] button::after { content: "▲"; opacity: 1; color: var(--accent); }
th[aria-sort="descending"] button::after { content: "▼"; opacity: 1; color: var(--accent); }
.images-table { max-height: 70vh; overflow: auto; }
.barcell { width: 35%; }
tr.total td { font-weight: 600; }
.bar { height: 8px; border-radius: 4px; background: var(--bar); min-width: 2px; }
.note { color: var(--muted); font-size: 0.85rem; margin: 8px 0 0; }
.samples { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 8px; min-width: 0; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 6px; }
.pair div { position: relative; background: repeating-conic-gradient(#ddd 0 25%, #fff 0 50%) 0 0 / 12px 12px;
  border-radius: 4px; overflow: hidden; display: flex; align-items: center; justify-content: center; aspect-ratio: 4 / 3; }
.pair img { max-width: 100%; max-height: 100%; display: block; }
.pair small { position: absolute; left: 4px; top: 4px; background: rgba(0,0,0,.6); color: #fff; font-size: 0.7rem; padding: 0 5px; border-radius: 3px; }
.missing { color: var(--muted); font-size: 0.8rem; padding: 8px; text-align: center; }
.swatch { display: flex; flex-wrap: wrap; gap: 2px; margin: 8px 0 4px; }
.swatch i { width: 14px; height: 14px; border-radius: 2px; box-shadow: inset 0 0 0 1px rgba(0,0,0,.15); }
figcaption { font-size: 0.85rem; word-break: break-all; }
figcaption span { color: var(--muted); display: block; word-break: normal; }
ol.slowest { margin: 0; padding-left: 1.4em; }
ol.slowest li { margin: 2px 0; word-break: break-all; }
ol.slowest span { color: var(--muted); word-break: normal; }
footer { color: var(--muted); font-size: 0.8rem; text-align: center; margin: 8px 0 24px; }
@media (max-width: 720px) {
  main { padding: 10px; }
  .two { grid-template-columns: 1fr; }
  .cards { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }
  .card .value { font-size: 1.2rem; }
  .chips li { font-size: 0.8rem; }
  .images-table { max-height: none; }
  #failures thead { display: none; }
  #failures tr { display: block; padding: 8px 0; border-bottom: 1px solid var(--line); }
  #failures td { display: block; border: 0; padding: 1px 0; }
  .samples { grid-template-columns: 1fr; }
  th, td { padding: 5px 4px; font-size: 0.8rem; }
  td.key { overflow-wrap: break-word; min-width: 0; }
  th { white-space: normal; }
  th button { display: inline; }
  .hide-narrow { display: none; }
  .barcell { width: 22%; }
}
`;

/**
 * Sorts any `table.sortable` by the column whose header button is clicked: numbers by their
 * `data-value` (empty = no value, always last), text by code units like the server's key order.
 */
export const REPORT_SCRIPT = `
'use strict';
for (const table of document.querySelectorAll('table.sortable')) {
  const headers = Array.from(table.tHead.rows[0].cells);
  headers.forEach((th, column) => {
    const button = th.querySelector('button');
    if (!button) return;
    button.addEventListener('click', () => {
      const direction = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
      for (const other of headers) other.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', direction);
      const numeric = th.dataset.type === 'number';
      const sign = direction === 'ascending' ? 1 : -1;
      const body = table.tBodies[0];
      const keyed = Array.from(body.rows, (row, index) => {
        const cell = row.cells[column];
        const raw = cell.dataset.value ?? cell.textContent;
        return { row, index, empty: raw === '', value: numeric ? Number(raw) : raw };
      });
      keyed.sort((a, b) => {
        if (a.empty || b.empty) return a.empty === b.empty ? a.index - b.index : a.empty ? 1 : -1;
        const order = a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
        return order === 0 ? a.index - b.index : order * sign;
      });
      const fragment = document.createDocumentFragment();
      for (const { row } of keyed) fragment.appendChild(row);
      body.appendChild(fragment);
    });
  });
}
`;
