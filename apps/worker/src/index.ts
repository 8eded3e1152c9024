/** The kpress worker: BullMQ consumer of image jobs, CPU work in child processes. */
export { createCpuPool, CompressFailedError, DEFAULT_JOB_TIMEOUT_MS, type CpuPool, type CpuPoolOptions } from './cpu-pool.js';
export { COMPRESS_THREAD_NICE_INCREMENT } from './thread-priority.js';
export { classifyFailure, InvalidJobError, type FailureVerdict } from './failure.js';
export { startHealthServer, type HealthChecks } from './health-server.js';
export { createImageWorker, type ImageWorker, type ImageWorkerOptions } from './image-worker.js';
export { defaultMemoryBudget, formatBytes, jobMemoryUnderLimit, parseByteSize } from './memory-budget.js';
export { createImageJobProcessor, type ImageJobResult, type ProcessorDeps } from './process-image-job.js';
export { createWorkerMetrics, type WorkerMetrics } from './worker-metrics.js';
