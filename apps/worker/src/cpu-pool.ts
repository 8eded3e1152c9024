import { Worker } from 'node:worker_threads';
import type { CompressParams } from '@kpress/compress';
import type { CompressRequest, CompressSuccess, CompressThreadOptions, ThreadMessage } from './compress-messages.js';
import { COMPRESS_THREAD_NICE_INCREMENT } from './thread-priority.js';

/** An image the thread refused or could not process; `permanent` says whether a retry could help. */
export class CompressFailedError extends Error {
  override readonly name = 'CompressFailedError';
  constructor(
    message: string,
    readonly code: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

export interface CpuPool {
  /**
   * Settles when every thread of the pool has warmed up (optimised code, a few hundred ms after
   * start). Jobs sent earlier wait for it; a worker that takes jobs only after it runs at full speed
   * from its first image. Rejects if a thread dies during start-up.
   */
  readonly ready: Promise<void>;
  compress(bytes: Buffer, params: CompressParams, maxPixels: number): Promise<CompressSuccess>;
  close(): Promise<void>;
}

interface Pending {
  readonly resolve: (reply: CompressSuccess) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: boolean;
}

export interface CpuPoolOptions {
  /**
   * Nice levels below the event loop that the threads run at once warm, on Linux (default
   * COMPRESS_THREAD_NICE_INCREMENT, 10; 0 keeps them at the process's priority).
   */
  readonly niceIncrement?: number;
}

/**
 * A fixed set of worker threads running compress-thread.js. Requests beyond the thread count
 * wait in order. A thread that dies is replaced, and its job fails with a retryable error.
 */
export function createCpuPool(threads: number, options: CpuPoolOptions = {}): CpuPool {
  const niceIncrement = options.niceIncrement ?? COMPRESS_THREAD_NICE_INCREMENT;
  if (!Number.isInteger(niceIncrement) || niceIncrement < 0 || niceIncrement > 19) {
    throw new RangeError(`niceIncrement must be an integer between 0 and 19, received ${String(options.niceIncrement)}`);
  }
  const threadOptions: CompressThreadOptions = { niceIncrement };
  const entry = new URL('./compress-thread.js', import.meta.url);
  const pending = new Map<number, Pending>();
  const owners = new Map<number, Slot>();
  const waiting: { request: CompressRequest; pending: Pending }[] = [];
  let nextId = 1;
  let closed = false;
  let warming = threads;
  let settleReady: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const ready = new Promise<void>((resolve, reject) => (settleReady = { resolve, reject }));
  // A pool closed or failed before anyone awaited `ready` must not raise an unhandled rejection.
  ready.catch(() => undefined);

  const spawn = (): Slot => {
    const slot: Slot = { worker: new Worker(entry, { workerData: threadOptions }), busy: false };
    slot.worker.on('message', (reply: ThreadMessage) => {
      if ('ready' in reply) {
        // Replacement threads also say ready; only the first `threads` count.
        if (warming > 0 && --warming === 0) settleReady?.resolve();
        return;
      }
      const job = pending.get(reply.id);
      pending.delete(reply.id);
      owners.delete(reply.id);
      slot.busy = false;
      if (job) {
        if (reply.ok) job.resolve(reply);
        else job.reject(new CompressFailedError(reply.error.message, reply.error.code, reply.error.permanent));
      }
      dispatch();
    });
    slot.worker.on('error', (error) => failSlot(slot, error));
    slot.worker.on('exit', (code) => {
      if (!closed) failSlot(slot, new Error(`compress thread exited with code ${code}`));
    });
    return slot;
  };

  const slots: Slot[] = Array.from({ length: threads }, spawn);

  function failSlot(slot: Slot, error: Error): void {
    if (warming > 0) settleReady?.reject(new Error(`a compress thread failed while starting: ${error.message}`));
    for (const [id, owner] of owners) {
      if (owner !== slot) continue;
      pending.get(id)?.reject(new CompressFailedError(`compress thread failed: ${error.message}`, 'thread-crashed', false));
      pending.delete(id);
      owners.delete(id);
    }
    if (closed) return;
    const index = slots.indexOf(slot);
    if (index >= 0) {
      void slot.worker.terminate();
      slots[index] = spawn();
      dispatch();
    }
  }

  function dispatch(): void {
    for (const slot of slots) {
      if (slot.busy || waiting.length === 0) continue;
      const next = waiting.shift()!;
      slot.busy = true;
      pending.set(next.request.id, next.pending);
      owners.set(next.request.id, slot);
      slot.worker.postMessage(next.request, [next.request.bytes.buffer as ArrayBuffer]);
    }
  }

  return {
    ready,
    compress(bytes, params, maxPixels) {
      if (closed) return Promise.reject(new Error('the compress pool is closed'));
      // Copy into a buffer of our own so it can be transferred (S3 bodies may share a pool).
      const own = new Uint8Array(bytes.length);
      own.set(bytes);
      return new Promise((resolve, reject) => {
        waiting.push({ request: { id: nextId++, bytes: own, params, maxPixels }, pending: { resolve, reject } });
        dispatch();
      });
    },
    async close() {
      closed = true;
      settleReady?.reject(new Error('the compress pool is closed'));
      for (const { pending: job } of waiting.splice(0)) job.reject(new Error('the compress pool is closed'));
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}
