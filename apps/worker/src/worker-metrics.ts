import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus metrics of one worker process (prom-client), with Node's default metrics —
 * among them `nodejs_eventloop_lag_seconds`, the signal that job-lock renewal depends on.
 * Series names are part of the contract (dashboards and alerts use them): unchanged from the
 * hand-written exposition they replace.
 */
export interface WorkerMetrics {
  readonly completed: { inc(by?: number): void };
  readonly failed: { inc(by?: number): void };
  readonly retried: { inc(by?: number): void };
  observe(timingsMs: Readonly<Record<string, number>>, megapixels: number, bytesIn: number, bytesOut: number): void;
  /** Reads the image queue's depth when /metrics is scraped; unset until the worker takes jobs. */
  setQueueDepth(read: (() => Promise<Readonly<Record<string, number>>>) | null): void;
  /** The text exposition format. */
  render(): Promise<string>;
  readonly contentType: string;
}

const BUCKETS_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const PHASES = ['download', 'decode', 'quantize', 'encode', 'upload', 'total'] as const;

export function createWorkerMetrics(): WorkerMetrics {
  // A registry per worker (not prom-client's global one), so tests can run several in a process.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const counter = (name: string, help: string): Counter => new Counter({ name, help, registers: [registry] });
  const completed = counter('kpress_jobs_completed_total', 'Image jobs completed by this worker.');
  const failed = counter('kpress_jobs_failed_total', 'Image jobs failed for good by this worker.');
  const retried = counter('kpress_jobs_retried_total', 'Attempts that failed transiently and were left for a retry.');
  const megapixels = counter('kpress_megapixels_processed_total', 'Megapixels quantized.');
  const bytesIn = counter('kpress_bytes_in_total', 'Bytes of source images read.');
  const bytesOut = counter('kpress_bytes_out_total', 'Bytes of quantized images written.');
  const phases = new Histogram({
    name: 'kpress_phase_duration_seconds',
    help: 'Time per phase of an image job.',
    labelNames: ['phase'],
    buckets: BUCKETS_SECONDS,
    registers: [registry],
  });
  let readQueueDepth: (() => Promise<Readonly<Record<string, number>>>) | null = null;
  new Gauge({
    name: 'kpress_queue_jobs',
    help: 'Jobs in the image queue by state.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      if (readQueueDepth === null) return;
      for (const [state, count] of Object.entries(await readQueueDepth())) this.set({ state }, count);
    },
  });

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
        if (ms !== undefined) phases.observe({ phase }, ms / 1000);
      }
    },
    setQueueDepth(read) {
      readQueueDepth = read;
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
