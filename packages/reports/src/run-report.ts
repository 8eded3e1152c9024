import type { JobFailureRecord, JobResultRecord, RunSnapshot } from '@kpress/runs';
import { BoundedHeap, Float64Collector, quantile } from './bounded-heap.js';

/** The phases a worker times for each image, in pipeline order. */
export const PHASES = ['download', 'decode', 'quantize', 'encode', 'upload', 'total'] as const;
export type Phase = (typeof PHASES)[number];

export const REPORT_VERSION = 1;

export interface ReportImageRow {
  readonly key: string;
  readonly output: string;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly psnr: number | null;
  readonly megapixels: number;
  readonly totalMs: number;
  /** bytesIn − bytesOut: what this image saved (negative when its output is larger). */
  readonly bytesSaved: number;
  /** Palette size written (the K chosen by --target-psnr, else --k); null for runs made before it was recorded. */
  readonly k: number | null;
}

/** A source left as it was because its output would not have been smaller (--skip-if-larger). */
export interface KeptOriginalRow {
  readonly key: string;
  readonly bytesIn: number;
  /** The size the output would have had. */
  readonly bytesOut: number;
}

export interface PhaseTiming {
  /** Milliseconds summed over every image that reported the phase. */
  readonly totalMs: number;
  /** `totalMs` divided by the images that reported the phase; null when none did. */
  readonly meanMs: number | null;
}

/** The run report: `report.json` as written, and what `report.html` shows. */
export interface RunReport {
  readonly version: typeof REPORT_VERSION;
  readonly runId: string;
  readonly source: string;
  readonly destination: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly origin: string;
  /** False when the report was made before every job finished (it then shows progress so far). */
  readonly complete: boolean;
  /** The run's state when the report was made: done, cancelled… (see docs/contract.md "Runs"). */
  readonly state: string;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  readonly counts: {
    readonly jobs: number;
    readonly done: number;
    /** Sources kept as they were (--skip-if-larger): counted apart from done and failed. */
    readonly keptOriginal: number;
    readonly skipped: number;
    /** Skipped because they failed permanently before with the same version and parameters. */
    readonly skippedFailed: number;
    /** Manifest lines naming an object already named. */
    readonly duplicates: number;
    readonly failed: number;
    /** Jobs that never ran because the run was cancelled. */
    readonly cancelled: number;
    readonly notImages: number;
    readonly listed: number;
  };
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** bytesOut / bytesIn (smaller is better); null when nothing was read. */
  readonly ratio: number | null;
  /** PSNR in dB over the images that have one (fully transparent images have none). */
  readonly psnr: {
    readonly count: number;
    readonly mean: number | null;
    readonly min: number | null;
    readonly p5: number | null;
    readonly median: number | null;
    readonly max: number | null;
  };
  readonly timingsMs: Readonly<Record<Phase, PhaseTiming>>;
  readonly megapixels: number;
  /** The slowest images by total time, slowest first. */
  readonly slowest: readonly { readonly key: string; readonly totalMs: number; readonly megapixels: number }[];
  /** Per-image rows, by key; at most `maxImageRows` of them (the first by key). */
  readonly images: {
    readonly total: number;
    readonly truncated: boolean;
    readonly rows: readonly ReportImageRow[];
  };
  /** Failures with their reasons; `truncated` when the run store kept fewer than failed. */
  readonly failures: {
    readonly total: number;
    readonly truncated: boolean;
    readonly items: readonly JobFailureRecord[];
  };
  /** Sources skipped because they failed before, with that failure; `truncated` as for failures. */
  readonly skippedFailed: {
    readonly total: number;
    readonly truncated: boolean;
    readonly items: readonly JobFailureRecord[];
  };
  /** What the run saved: the K chosen, bytes saved, sources kept and images below the quality target. */
  readonly savings: {
    /** Images written per palette size, keyed by K. */
    readonly kDistribution: Readonly<Record<string, number>>;
    /** bytesIn − bytesOut over the images written. */
    readonly bytesSaved: number;
    readonly keptOriginal: { readonly total: number; readonly truncated: boolean; readonly items: readonly KeptOriginalRow[] };
    /** Failures with code quality-too-low (even --k misses --target-psnr), from the failures kept. */
    readonly qualityTooLow: readonly JobFailureRecord[];
  };
  /** When this document was made: the only field that differs between two reports of a run. */
  readonly generatedAt: string;
}

export interface BuildReportOptions {
  /** Images listed row by row; larger runs list the first by key. Default 2,000. */
  readonly maxImageRows?: number;
  /** Slowest images listed. Default 10. */
  readonly slowest?: number;
  /** Default: now. */
  readonly generatedAt?: Date;
  /** Sources the run skipped because they failed before (RunStore.skippedFailures). Default none. */
  readonly skippedFailures?: readonly JobFailureRecord[];
}

const DEFAULT_MAX_IMAGE_ROWS = 2_000;
const DEFAULT_SLOWEST = 10;

/**
 * Aggregates a run's results in one streaming pass: O(1) memory per image except 8 bytes for its
 * PSNR (for exact percentiles), plus bounded heaps for the slowest images and the listed rows.
 * Deterministic for a given input, whatever order the results arrive in.
 */
export async function buildRunReport(
  snapshot: RunSnapshot,
  results: AsyncIterable<JobResultRecord> | Iterable<JobResultRecord>,
  failures: readonly JobFailureRecord[],
  options: BuildReportOptions = {},
): Promise<RunReport> {
  const maxImageRows = options.maxImageRows ?? DEFAULT_MAX_IMAGE_ROWS;
  const slowestCount = options.slowest ?? DEFAULT_SLOWEST;
  for (const [name, value] of [
    ['maxImageRows', maxImageRows],
    ['slowest', slowestCount],
  ] as const) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, received ${value}`);
  }

  const psnrs = new Float64Collector();
  let megapixels = 0;
  let images = 0;
  const phaseTotals = new Float64Array(PHASES.length);
  const phaseCounts = new Float64Array(PHASES.length);
  // Ties are broken by key so that the kept set does not depend on arrival order.
  const slowest = new BoundedHeap<ReportImageRow>(slowestCount, (a, b) =>
    a.totalMs !== b.totalMs ? a.totalMs > b.totalMs : a.key < b.key,
  );
  const rows = new BoundedHeap<ReportImageRow>(maxImageRows, (a, b) => (a.key !== b.key ? a.key < b.key : a.output < b.output));

  const kDistribution = new Map<number, number>();
  const kept = new BoundedHeap<KeptOriginalRow>(maxImageRows, (a, b) => a.key < b.key);
  let keptTotal = 0;
  for await (const result of results) {
    if (result.keptOriginal === true) {
      keptTotal++;
      kept.offer({ key: result.key, bytesIn: result.bytesIn, bytesOut: result.bytesOut });
      continue;
    }
    images++;
    if (typeof result.k === 'number') kDistribution.set(result.k, (kDistribution.get(result.k) ?? 0) + 1);
    megapixels += result.megapixels;
    if (result.psnr !== null && Number.isFinite(result.psnr)) {
      psnrs.push(result.psnr);
    }
    PHASES.forEach((phase, i) => {
      const ms = result.timingsMs[phase];
      if (typeof ms === 'number' && Number.isFinite(ms)) {
        phaseTotals[i]! += ms;
        phaseCounts[i]!++;
      }
    });
    const row: ReportImageRow = {
      key: result.key,
      output: result.output,
      bytesIn: result.bytesIn,
      bytesOut: result.bytesOut,
      psnr: result.psnr,
      megapixels: round(result.megapixels, 6),
      totalMs: result.timingsMs['total'] ?? 0,
      bytesSaved: result.bytesIn - result.bytesOut,
      k: result.k ?? null,
    };
    slowest.offer(row);
    rows.offer(row);
  }

  const ascending = psnrs.sorted();
  // Summed in sorted order, so the mean does not depend on the order results arrived in.
  let psnrSum = 0;
  for (const value of ascending) psnrSum += value;
  const timingsMs = Object.fromEntries(
    PHASES.map((phase, i) => {
      const count = phaseCounts[i]!;
      const total = phaseTotals[i]!;
      return [phase, { totalMs: round(total, 1), meanMs: count > 0 ? round(total / count, 2) : null }];
    }),
  ) as Record<Phase, PhaseTiming>;
  const psnrStat = (value: number | null): number | null => (value === null ? null : round(value, 4));

  return {
    version: REPORT_VERSION,
    runId: snapshot.runId,
    source: snapshot.source,
    destination: snapshot.destination,
    params: snapshot.params,
    origin: snapshot.origin,
    complete: snapshot.complete,
    state: snapshot.state,
    createdAt: new Date(snapshot.createdAt).toISOString(),
    finishedAt: snapshot.finishedAt === null ? null : new Date(snapshot.finishedAt).toISOString(),
    durationMs: snapshot.finishedAt === null ? null : snapshot.finishedAt - snapshot.createdAt,
    counts: {
      jobs: snapshot.jobs,
      done: snapshot.done,
      keptOriginal: snapshot.keptOriginal,
      skipped: snapshot.skipped,
      skippedFailed: snapshot.skippedFailed,
      duplicates: snapshot.duplicates,
      failed: snapshot.failed,
      cancelled: snapshot.cancelled,
      notImages: snapshot.notImages,
      listed: snapshot.listed,
    },
    bytesIn: snapshot.bytesIn,
    bytesOut: snapshot.bytesOut,
    ratio: snapshot.bytesIn > 0 ? round(snapshot.bytesOut / snapshot.bytesIn, 6) : null,
    psnr: {
      count: ascending.length,
      mean: psnrStat(ascending.length > 0 ? psnrSum / ascending.length : null),
      min: psnrStat(quantile(ascending, 0)),
      p5: psnrStat(quantile(ascending, 0.05)),
      median: psnrStat(quantile(ascending, 0.5)),
      max: psnrStat(quantile(ascending, 1)),
    },
    timingsMs,
    megapixels: round(megapixels, 6),
    slowest: slowest.sorted().map(({ key, totalMs, megapixels: mp }) => ({ key, totalMs, megapixels: mp })),
    images: { total: images, truncated: images > rows.size, rows: rows.sorted() },
    failures: { total: snapshot.failed, truncated: failures.length < snapshot.failed, items: failures },
    skippedFailed: {
      total: snapshot.skippedFailed,
      truncated: (options.skippedFailures ?? []).length < snapshot.skippedFailed,
      items: options.skippedFailures ?? [],
    },
    savings: {
      kDistribution: Object.fromEntries([...kDistribution].sort((a, b) => a[0] - b[0]).map(([k, n]) => [String(k), n])),
      bytesSaved: snapshot.bytesIn - snapshot.bytesOut,
      keptOriginal: { total: keptTotal, truncated: keptTotal > kept.size, items: kept.sorted() },
      qualityTooLow: failures.filter((failure) => failure.code === 'quality-too-low'),
    },
    generatedAt: (options.generatedAt ?? new Date()).toISOString(),
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
