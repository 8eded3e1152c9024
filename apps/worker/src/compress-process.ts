/**
 * Child-process entry: decode → quantize → encode away from the worker's event loop, so a BullMQ
 * worker keeps renewing its job locks while images are crunched. One job at a time per process.
 *
 * A process rather than a worker thread, so that a job past its deadline can be stopped: sharp
 * runs libvips on the libuv thread pool, which a thread's terminate() leaves running (measured: a
 * filtered 9000×9000 SVG kept a core busy for minutes after terminate()), while SIGKILL ends it.
 */
import sharp from 'sharp';
import { compressImage } from '@kpress/compress';
import { failureCodeOf, isPermanentFailure } from '@kpress/job-contract';
import type { CompressReply, CompressRequest, CompressThreadOptions, ThreadReady } from './compress-messages.js';
import { lowerThisThreadPriority } from './thread-priority.js';
import { warmUpQuantizer } from './warm-up.js';

const options = JSON.parse(process.argv[2] ?? '{}') as CompressThreadOptions;

// Parallelism comes from one job per process; libvips threads on top would oversubscribe the cores.
sharp.concurrency(1);
sharp.cache(false);

// The pool is this process's only reason to live: when it goes (even killed), so does this.
process.on('disconnect', () => process.exit(0));

// Before listening: the pool sends requests only after `ready`, so they meet optimised code. At
// the process's priority, so that a busy machine does not delay a new worker's readiness.
if (options.warmUp !== false) warmUpQuantizer();
lowerThisThreadPriority(options.niceIncrement);

process.on('message', (request: CompressRequest) => {
  void handle(request).then(sendToPool);
});
sendToPool({ ready: true } satisfies ThreadReady);

/**
 * Sends a message to the pool; if the pool has gone meanwhile (its process interrupted while this
 * one was busy compressing), this process has no one to answer and ends quietly. Without the
 * callback, the closed channel's EPIPE was an unhandled 'error' event: a stack trace on the
 * terminal of a user who pressed Ctrl-C.
 */
function sendToPool(message: CompressReply | ThreadReady): void {
  if (!process.connected) process.exit(0);
  process.send?.(message, undefined, undefined, (error: Error | null) => {
    if (error !== null) process.exit(0);
  });
}

async function handle(request: CompressRequest): Promise<CompressReply> {
  try {
    const input = Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength);
    const compressed = await compressImage(input, request.params, { maxPixels: request.maxPixels });
    return {
      id: request.id,
      ok: true,
      output: {
        bytes: compressed.output.bytes,
        format: compressed.output.format,
        bitDepth: compressed.output.bitDepth,
        extension: compressed.output.extension,
      },
      source: compressed.source,
      result: {
        palette: compressed.result.palette,
        paletteAlpha: compressed.result.paletteAlpha,
        stats: compressed.result.stats,
      },
      timingsMs: compressed.timingsMs,
      target: compressed.target,
      outcome: compressed.outcome,
      pid: process.pid,
    };
  } catch (error) {
    // Named errors carry their code (BadImageError, InvalidParamsError…); the table decides retries.
    const code = failureCodeOf(error) ?? 'internal-error';
    return {
      id: request.id,
      ok: false,
      error: {
        name: error instanceof Error ? error.name : 'Error',
        message: error instanceof Error ? error.message : String(error),
        permanent: isPermanentFailure(code),
        code,
      },
    };
  }
}
