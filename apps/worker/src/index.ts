/** The kpress worker: BullMQ consumer of image jobs, CPU work in child processes. */
export { createCpuPool, CompressFailedError, DEFAULT_JOB_TIMEOUT_MS, type CpuPool, type CpuPoolOptions } from './cpu-pool.js';
export { COMPRESS_THREAD_NICE_INCREMENT } from './thread-priority.js';
export { countInFlight, drainWorker, type DrainOptions, type DrainResult, type InFlightCounter } from './drain-worker.js';
export { classifyFailure, InvalidJobError, type FailureVerdict } from './failure.js';
export { PortUnavailableError, startHealthServer, type HealthChecks, type HealthServer } from './health-server.js';
export { createImageWorker, type ImageWorker, type ImageWorkerOptions } from './image-worker.js';
export { defaultMemoryBudget, formatBytes, jobMemoryUnderLimit, parseByteSize } from './memory-budget.js';
export { createImageJobProcessor, type ImageJobResult, type ProcessorDeps } from './process-image-job.js';
export { settleWithin, type Settled } from './settle-within.js';
export { listenForStopSignals, STOP_SIGNALS, type StopSignals } from './stop-signals.js';
export { createWorkerHealth, type RunningWorker, type WorkerHealth } from './worker-health-checks.js';
export { createWorkerMetrics, type WorkerMetrics } from './worker-metrics.js';
export { runWorker, type WorkerClients, WorkerSettingError, type WorkerSettings } from './main.js';
