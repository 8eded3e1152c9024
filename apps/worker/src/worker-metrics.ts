/**
 * Prometheus counters and histograms of one worker process, rendered in the text exposition
 * format. Small and dependency-free: kpress exports a handful of series.
 */
export interface Counter {
  inc(by?: number): void;
  readonly value: number;
}

export interface WorkerMetrics {
  readonly completed: Counter;
  readonly failed: Counter;
  readonly retried: Counter;
  observe(timingsMs: Readonly<Record<string, number>>, megapixels: number, bytesIn: number, bytesOut: number): void;
  render(extra?: string): string;
}

const BUCKETS_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const PHASES = ['download', 'decode', 'quantize', 'encode', 'upload', 'total'] as const;

export function createWorkerMetrics(): WorkerMetrics {
  const counter = (): Counter => {
    let value = 0;
    return {
      inc: (by = 1) => void (value += by),
      get value() {
        return value;
      },
    };
  };
  const completed = counter();
  const failed = counter();
  const retried = counter();
  const megapixels = counter();
  const bytesIn = counter();
  const bytesOut = counter();
  const histograms = new Map(
    PHASES.map((phase) => [phase, { buckets: new Array<number>(BUCKETS_SECONDS.length).fill(0), sum: 0, count: 0 }]),
  );

  return {
    completed,
    failed,
    retried,
    observe(timingsMs, mp, inBytes, outBytes) {
      completed.inc();
      megapixels.inc(mp);
      bytesIn.inc(inBytes);
      bytesOut.inc(outBytes);
      for (const phase of PHASES) {
        const ms = timingsMs[phase];
        const histogram = histograms.get(phase);
        if (ms === undefined || !histogram) continue;
        const seconds = ms / 1000;
        histogram.sum += seconds;
        histogram.count++;
        BUCKETS_SECONDS.forEach((le, i) => {
          if (seconds <= le) histogram.buckets[i]!++;
        });
      }
    },
    render(extra = '') {
      const lines = [
        '# HELP kpress_jobs_completed_total Image jobs completed by this worker.',
        '# TYPE kpress_jobs_completed_total counter',
        `kpress_jobs_completed_total ${completed.value}`,
        '# HELP kpress_jobs_failed_total Image jobs failed for good by this worker.',
        '# TYPE kpress_jobs_failed_total counter',
        `kpress_jobs_failed_total ${failed.value}`,
        '# HELP kpress_jobs_retried_total Attempts that failed transiently and were left for a retry.',
        '# TYPE kpress_jobs_retried_total counter',
        `kpress_jobs_retried_total ${retried.value}`,
        '# HELP kpress_megapixels_processed_total Megapixels quantized.',
        '# TYPE kpress_megapixels_processed_total counter',
        `kpress_megapixels_processed_total ${megapixels.value}`,
        '# HELP kpress_bytes_in_total Bytes of source images read.',
        '# TYPE kpress_bytes_in_total counter',
        `kpress_bytes_in_total ${bytesIn.value}`,
        '# HELP kpress_bytes_out_total Bytes of quantized images written.',
        '# TYPE kpress_bytes_out_total counter',
        `kpress_bytes_out_total ${bytesOut.value}`,
        '# HELP kpress_phase_duration_seconds Time per phase of an image job.',
        '# TYPE kpress_phase_duration_seconds histogram',
      ];
      for (const [phase, histogram] of histograms) {
        BUCKETS_SECONDS.forEach((le, i) =>
          lines.push(`kpress_phase_duration_seconds_bucket{phase="${phase}",le="${le}"} ${histogram.buckets[i]}`),
        );
        lines.push(`kpress_phase_duration_seconds_bucket{phase="${phase}",le="+Inf"} ${histogram.count}`);
        lines.push(`kpress_phase_duration_seconds_sum{phase="${phase}"} ${histogram.sum}`);
        lines.push(`kpress_phase_duration_seconds_count{phase="${phase}"} ${histogram.count}`);
      }
      return `${lines.join('\n')}\n${extra}`;
    },
  };
}
