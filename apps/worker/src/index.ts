/**
 * The kpress worker: `runWorker` (main.ts) is the worker process, BullMQ consumer of image jobs
 * with the CPU work in child processes. The rest is what `kpress compress` shares (the compress
 * pool) and what tests and deployment checks use.
 */
export { runWorker, type WorkerClients, WorkerSettingError, type WorkerSettings } from './main.js';
export { listenForStopSignals, type StopSignals } from './stop-signals.js';
export { createCpuPool, CompressFailedError, type CpuPool } from './cpu-pool.js';
export { COMPRESS_THREAD_NICE_INCREMENT } from './thread-priority.js';
export { defaultMemoryBudget, jobMemoryUnderLimit, parseByteSize } from './memory-budget.js';
export { createImageJobProcessor } from './process-image-job.js';
export { createWorkerMetrics } from './worker-metrics.js';
