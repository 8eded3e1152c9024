import { parseS3Url, reportKeys } from '@kpress/job-contract';
import type { ObjectStore } from '@kpress/object-store';
import type { RunStore } from '@kpress/runs';
import { renderReportHtml, type ReportSample } from './render-report-html.js';
import { makeSample, pickSamples } from './report-samples.js';
import { resultPageStore } from './result-page-store.js';
import { buildRunReport, type RunReport } from './run-report.js';

/** The logging this module needs; a pino Logger fits. */
export interface ReportLogger {
  info(bindings: object, message: string): void;
  warn(bindings: object, message: string): void;
}

export interface WriteReportDeps {
  readonly runs: RunStore;
  readonly store: ObjectStore;
  readonly logger: ReportLogger;
}

export interface WriteReportOptions {
  /** Images shown before/after with their palette. Default 12. */
  readonly samples?: number;
  /** Images listed in the page's table (and report.json's rows). Default 2,000. */
  readonly maxImageRows?: number;
  /** Default: now. */
  readonly generatedAt?: Date;
}

export interface WrittenReport {
  readonly report: RunReport;
  readonly bucket: string;
  readonly jsonKey: string;
  readonly htmlKey: string;
}

const DEFAULT_SAMPLES = 12;

/**
 * Builds the run's report from the run store (results streamed page by page from the run's
 * result pages in S3, the last ones from Redis; a complete run's are all spilled first) and writes
 * `report.json` and `report.html` under the destination's `_kpress/runs/RUN_ID/`, then marks a
 * complete run's report written in the run store. Writing twice
 * gives the same documents except `generatedAt`: rows, samples and thumbnails depend only on
 * the run's stored outcomes and objects.
 */
export async function writeRunReport(
  deps: WriteReportDeps,
  runId: string,
  options: WriteReportOptions = {},
): Promise<WrittenReport> {
  const sampleCount = options.samples ?? DEFAULT_SAMPLES;
  if (!Number.isInteger(sampleCount) || sampleCount < 0 || sampleCount > 100) {
    throw new RangeError(`samples must be an integer between 0 and 100, received ${sampleCount}`);
  }
  const snapshot = await deps.runs.get(runId);
  if (snapshot === null) throw new Error(`run ${runId} not found: it never existed or has expired`);
  const destination = parseS3Url(snapshot.destination, `destination of run ${runId}`);
  const pages = resultPageStore(deps.store, snapshot.destination, runId);
  // A complete run's last results leave Redis now: the run then keeps O(1) keys and bytes there.
  if (snapshot.complete) await deps.runs.spillResults(runId, pages, { all: true });
  const failures = await deps.runs.failures(runId);
  const skippedFailures = await deps.runs.skippedFailures(runId);
  const report = await buildRunReport(snapshot, deps.runs.results(runId, pages), failures, {
    skippedFailures,
    ...(options.maxImageRows === undefined ? {} : { maxImageRows: options.maxImageRows }),
    ...(options.generatedAt === undefined ? {} : { generatedAt: options.generatedAt }),
  });

  // One at a time: thumbnails are a small cost next to the run, and the process may be a busy worker.
  const samples: ReportSample[] = [];
  for (const row of pickSamples(report.images.rows, sampleCount)) {
    const sample = await makeSample(deps.store, destination.bucket, row);
    if (sample.problem !== null) deps.logger.warn({ runId, key: row.key, problem: sample.problem }, 'report sample incomplete');
    samples.push(sample);
  }

  const keys = reportKeys(destination.key, runId);
  await deps.store.put(destination.bucket, keys.json, Buffer.from(`${JSON.stringify(report, null, 2)}\n`), {
    contentType: 'application/json',
  });
  await deps.store.put(destination.bucket, keys.html, Buffer.from(renderReportHtml(report, samples)), {
    contentType: 'text/html; charset=utf-8',
  });
  // Only now: until then a retried job of the run is offered the finalization again.
  if (snapshot.complete) await deps.runs.markReported(runId);
  deps.logger.info(
    { runId, report: `s3://${destination.bucket}/${keys.html}`, images: report.images.total, failed: report.counts.failed },
    'run report written',
  );
  return { report, bucket: destination.bucket, jsonKey: keys.json, htmlKey: keys.html };
}
