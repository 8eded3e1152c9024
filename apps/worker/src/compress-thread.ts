/**
 * Worker-thread entry: decode → quantize → encode off the main event loop, so a BullMQ worker
 * keeps renewing its job locks while images are crunched. One job at a time per thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { compressImage } from '@kpress/compress';
import type { CompressReply, CompressRequest, CompressThreadOptions, ThreadReady } from './compress-messages.js';
import { lowerThisThreadPriority } from './thread-priority.js';
import { warmUpQuantizer } from './warm-up.js';

// Parallelism comes from one job per thread; libvips threads on top would oversubscribe the cores.
sharp.concurrency(1);
sharp.cache(false);

// Before listening: requests sent meanwhile wait in the port and meet optimised code. At the
// process's priority, so that a busy machine does not delay a new worker's readiness.
warmUpQuantizer();
lowerThisThreadPriority((workerData as CompressThreadOptions).niceIncrement);

parentPort?.on('message', (request: CompressRequest) => {
  void handle(request).then(({ reply, transfer }) => parentPort?.postMessage(reply, transfer));
});
parentPort?.postMessage({ ready: true } satisfies ThreadReady);

async function handle(request: CompressRequest): Promise<{ reply: CompressReply; transfer: ArrayBuffer[] }> {
  try {
    const input = Buffer.from(request.bytes);
    const compressed = await compressImage(input, request.params, { maxPixels: request.maxPixels });
    const bytes = new Uint8Array(compressed.output.bytes);
    return {
      reply: {
        id: request.id,
        ok: true,
        output: {
          bytes,
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
      },
      transfer: [bytes.buffer],
    };
  } catch (error) {
    const e = error as { name?: string; message?: string; permanent?: boolean; code?: string; param?: string };
    return {
      reply: {
        id: request.id,
        ok: false,
        error: {
          name: e?.name ?? 'Error',
          message: e?.message ?? String(error),
          permanent: e?.permanent === true,
          code: e?.code ?? (e?.name === 'InvalidParamsError' ? 'invalid-params' : 'internal-error'),
        },
      },
      transfer: [],
    };
  }
}
