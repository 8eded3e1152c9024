import { type ChildProcess, fork } from 'node:child_process';
import { readImageSize } from '@kpress/codec';
import { estimateCompressBytes } from '@kpress/compress';
import { formatMemorySize } from '@kpress/format';
import { DEFAULT_JOB_TIMEOUT_MS, type CompressParams, type FailureCode } from '@kpress/job-contract';
import type { CompressRequest, CompressSuccess, CompressThreadOptions, ThreadMessage } from './compress-messages.js';
import { baseMemoryBytes, defaultMemoryBudget } from './memory-budget.js';
import { COMPRESS_THREAD_NICE_INCREMENT } from './thread-priority.js';

/** An image the pool refused or could not process; `permanent` says whether a retry could help. */
export class CompressFailedError extends Error {
  override readonly name = 'CompressFailedError';
  constructor(
    message: string,
    readonly code: FailureCode,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

export interface CpuPool {
  /**
   * Settles when every process of the pool has warmed up (optimised code, a few hundred ms after
   * start). Jobs sent earlier wait for it; a worker that takes jobs only after it runs at full speed
   * from its first image. Rejects if a process dies during start-up.
   */
  readonly ready: Promise<void>;
  compress(bytes: Buffer, params: CompressParams, maxPixels: number): Promise<CompressSuccess>;
  /** Process ids of the compress processes (for diagnostics and tests). */
  processIds(): number[];
  /** Jobs running and waiting, and the memory estimated for the running ones. */
  load(): { readonly running: number; readonly waiting: number; readonly runningBytes: number };
  close(): Promise<void>;
}

export interface CpuPoolOptions {
  /**
   * Nice levels below the event loop that the processes run at once warm, on Linux (default
   * COMPRESS_THREAD_NICE_INCREMENT, 10; 0 keeps them at the worker's priority).
   */
  readonly niceIncrement?: number;
  /**
   * A job's deadline, counted from when a process starts it. Past it the process is killed and
   * replaced (the pool keeps its size) and the job fails permanently with code `timeout`.
   * Default DEFAULT_JOB_TIMEOUT_MS (300 s).
   */
  readonly jobTimeoutMs?: number;
  /**
   * Bytes the worker may use: its processes' base (baseMemoryBytes) plus the estimated peak of
   * every job in flight. A job waits until its estimate fits beside the others; one that cannot
   * fit even alone fails at once with `too-many-pixels`. Default defaultMemoryBudget().
   */
  readonly memoryBudgetBytes?: number;
  /**
   * Warm the quantizer up in each process before it takes jobs (default true): a worker's first
   * images then run optimised code. A one-shot compress skips it (≈ 0.3 s it would only wait).
   */
  readonly warmUp?: boolean;
}

interface Job {
  readonly request: CompressRequest;
  readonly needBytes: number;
  readonly resolve: (reply: CompressSuccess) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly child: ChildProcess;
  ready: boolean;
  /** Replaced: its exit is expected and says nothing about a job. */
  retired: boolean;
  job: Job | undefined;
  timer: NodeJS.Timeout | undefined;
}

/**
 * A fixed set of child processes running compress-process.js. Requests wait in order for a free
 * process and for room in the memory budget. A process that dies is replaced, and its job fails
 * with a retryable error; one that overruns the job deadline is killed, and its job fails for good.
 */
export function createCpuPool(processes: number, options: CpuPoolOptions = {}): CpuPool {
  const niceIncrement = options.niceIncrement ?? COMPRESS_THREAD_NICE_INCREMENT;
  if (!Number.isInteger(niceIncrement) || niceIncrement < 0 || niceIncrement > 19) {
    throw new RangeError(`niceIncrement must be an integer between 0 and 19, received ${String(options.niceIncrement)}`);
  }
  const jobTimeoutMs = options.jobTimeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
  if (!Number.isInteger(jobTimeoutMs) || jobTimeoutMs < 1) {
    throw new RangeError(`jobTimeoutMs must be a positive integer, received ${String(options.jobTimeoutMs)}`);
  }
  const budget = options.memoryBudgetBytes ?? defaultMemoryBudget();
  const jobBudget = budget - baseMemoryBytes(processes);
  if (!Number.isSafeInteger(budget) || jobBudget <= 0) {
    throw new RangeError(
      `memoryBudgetBytes must exceed the base of the worker and its ${processes} compress processes, ${formatMemorySize(baseMemoryBytes(processes))}, received ${String(options.memoryBudgetBytes)}`,
    );
  }
  const processOptions: CompressThreadOptions = { niceIncrement, warmUp: options.warmUp ?? true };
  const entry = new URL('./compress-process.js', import.meta.url);
  const waiting: Job[] = [];
  let inFlightBytes = 0;
  let nextId = 1;
  let closed = false;
  let warming = processes;
  let settleReady: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const ready = new Promise<void>((resolve, reject) => (settleReady = { resolve, reject }));
  // A pool closed or failed before anyone awaited `ready` must not raise an unhandled rejection.
  ready.catch(() => undefined);

  const spawn = (): Slot => {
    const child = fork(entry, [JSON.stringify(processOptions)], { serialization: 'advanced', execArgv: [] });
    const slot: Slot = { child, ready: false, retired: false, job: undefined, timer: undefined };
    child.on('message', (reply: ThreadMessage) => {
      if ('ready' in reply) {
        slot.ready = true;
        // Replacement processes also say ready; only the first `processes` count.
        if (warming > 0 && --warming === 0) settleReady?.resolve();
      } else if (slot.job?.request.id === reply.id) {
        const job = release(slot);
        if (reply.ok) job.resolve(reply);
        else job.reject(new CompressFailedError(reply.error.message, reply.error.code, reply.error.permanent));
      }
      dispatch();
    });
    child.on('error', (error) => replace(slot, error));
    child.on('exit', (code, signal) => replace(slot, new Error(`compress process exited with ${signal ?? `code ${code}`}`)));
    return slot;
  };

  const slots: Slot[] = Array.from({ length: processes }, spawn);

  /** Ends a slot's job: its deadline, its share of the memory budget. */
  function release(slot: Slot): Job {
    const job = slot.job!;
    clearTimeout(slot.timer);
    slot.job = undefined;
    inFlightBytes -= job.needBytes;
    return job;
  }

  /** Kills a slot's process (if it still runs) and puts a new one in its place. */
  function replace(slot: Slot, error: Error, failure?: CompressFailedError): void {
    if (slot.retired) return;
    slot.retired = true;
    if (warming > 0) settleReady?.reject(new Error(`a compress process failed while starting: ${error.message}`));
    if (slot.job !== undefined) {
      release(slot).reject(
        failure ?? new CompressFailedError(`compress process failed: ${error.message}`, 'thread-crashed', false),
      );
    }
    slot.child.kill('SIGKILL');
    if (closed) return;
    slots[slots.indexOf(slot)] = spawn();
    dispatch();
  }

  function timeOut(slot: Slot): void {
    const seconds = jobTimeoutMs / 1000;
    const message = `compressing took longer than the job timeout of ${seconds} s (--job-timeout); its process was stopped`;
    replace(slot, new Error(message), new CompressFailedError(message, 'timeout', true));
  }

  function dispatch(): void {
    for (;;) {
      const slot = slots.find((s) => s.ready && !s.retired && s.job === undefined);
      const next = waiting[0];
      // In order: the first job waits for room rather than be overtaken forever by smaller ones.
      if (slot === undefined || next === undefined || inFlightBytes + next.needBytes > jobBudget) return;
      waiting.shift();
      slot.job = next;
      inFlightBytes += next.needBytes;
      slot.timer = setTimeout(() => timeOut(slot), jobTimeoutMs);
      slot.child.send(next.request);
    }
  }

  /** Bytes a job may need at its peak, from its header; unreadable headers fail fast in the process. */
  async function estimateNeed(bytes: Buffer, params: CompressParams, maxPixels: number): Promise<number> {
    const size = await readImageSize(bytes);
    if (size === null || size.width * size.height > maxPixels)
      return estimateCompressBytes({ width: 1, height: 1 }, bytes.length, params.format);
    const need = estimateCompressBytes(size, bytes.length, params.format);
    if (need > jobBudget) {
      throw new CompressFailedError(
        `the image has ${size.width}×${size.height} pixels and needs about ${formatMemorySize(need)} to compress, more than the ${formatMemorySize(jobBudget)} that the worker's memory budget of ${formatMemorySize(budget)} (--memory-budget) leaves for jobs`,
        'too-many-pixels',
        true,
      );
    }
    return need;
  }

  return {
    ready,
    async compress(bytes, params, maxPixels) {
      if (closed) throw new Error('the compress pool is closed');
      const needBytes = await estimateNeed(bytes, params, maxPixels);
      if (closed) throw new Error('the compress pool is closed');
      return new Promise((resolve, reject) => {
        waiting.push({ request: { id: nextId++, bytes, params, maxPixels }, needBytes, resolve, reject });
        dispatch();
      });
    },
    load: () => ({
      running: slots.filter((s) => s.job !== undefined).length,
      waiting: waiting.length,
      runningBytes: inFlightBytes,
    }),
    processIds: () => slots.flatMap((slot) => (slot.child.pid === undefined ? [] : [slot.child.pid])),
    async close() {
      closed = true;
      settleReady?.reject(new Error('the compress pool is closed'));
      for (const job of waiting.splice(0)) job.reject(new Error('the compress pool is closed'));
      await Promise.all(
        slots.map(async (slot) => {
          if (slot.child.exitCode !== null || slot.child.signalCode !== null) return;
          const exited = new Promise((resolve) => slot.child.once('exit', resolve));
          replace(slot, new Error('the compress pool is closed'));
          await exited;
        }),
      );
    },
  };
}
