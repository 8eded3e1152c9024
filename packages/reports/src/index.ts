/** Run reports: report.json and a self-contained report.html for each finished run. */
export { completeRun, type RunCompletionDeps, type RunCompletionLogger } from './complete-run.js';
export { BoundedHeap, Float64Collector, quantile } from './bounded-heap.js';
export { escapeHtml } from './html-format.js';
export { renderReportHtml, type ReportSample } from './render-report-html.js';
export { MAX_FAILURE_ROWS } from './report-sections.js';
export { makeSample, MAX_SAMPLE_SOURCE_BYTES, pickSamples, THUMBNAIL_SIZE } from './report-samples.js';
export {
  buildRunReport,
  PHASES,
  REPORT_VERSION,
  type BuildReportOptions,
  type Phase,
  type PhaseTiming,
  type ReportImageRow,
  type RunReport,
} from './run-report.js';
export {
  writeRunReport,
  type ReportLogger,
  type WriteReportDeps,
  type WriteReportOptions,
  type WrittenReport,
} from './write-run-report.js';
export { resultPageStore } from './result-page-store.js';
