import { readableFormatOf, startDecode } from '@kpress/codec';
import type { CompressSummary } from '@kpress/compress';
import { failureCodeOf, type CompressParams } from '@kpress/job-contract';

/** What the command writes and reports: the encoded bytes and the metadata's figures. */
export type OneImageResult = CompressSummary & { readonly output: { readonly bytes: Uint8Array } };

/**
 * One image for a one-shot `kpress compress IN -o OUT`. JPEG, PNG, GIF, WebP and TIFF, whose
 * decoding is bounded by their pixel count, are compressed in this process: no second Node and
 * sharp to start (about 0.2 s of a 12-MP photo's 1.5 s), and libvips decodes on every core. Any
 * other input (an SVG's filters can render for minutes; bytes of no known format) goes to a child
 * process, as a worker's jobs do, which the deadline can kill.
 *
 * The quantizer's modules (@kpress/compress and kmeans-core, with the CPU pool's) are loaded here,
 * not by the command's module: in-process, libvips decodes on its own thread while they load.
 */
export async function compressOneImage(
  bytes: Buffer,
  params: CompressParams,
  maxPixels: number,
  jobTimeoutMs: number,
): Promise<OneImageResult> {
  return readableFormatOf(bytes) !== null
    ? compressInProcess(bytes, params, maxPixels, jobTimeoutMs)
    : compressInChildProcess(bytes, params, maxPixels, jobTimeoutMs);
}

/**
 * The deadline is checked between steps (decode, quantize, encode): a raster's decode and the
 * quantizer's pass are bounded by KPRESS_MAX_PIXELS (about 10 s for 100 MP).
 */
async function compressInProcess(
  bytes: Buffer,
  params: CompressParams,
  maxPixels: number,
  jobTimeoutMs: number,
): Promise<OneImageResult> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    const seconds = jobTimeoutMs / 1000;
    const message = `timeout: compressing took longer than the job timeout of ${seconds} s (--job-timeout)`;
    timer = setTimeout(() => reject(new Error(message)), jobTimeoutMs);
  });
  try {
    // This process's only work: libvips decodes on the second core while this thread loads the
    // quantizer (about 80 ms of modules) and prepares its memory.
    const decoding = startDecode(bytes, { maxPixels });
    const compressing = import('@kpress/compress').then(({ compressImage }) =>
      compressImage(bytes, params, { maxPixels }, { spareCore: true, decoding }),
    );
    return await Promise.race([compressing, deadline]);
  } catch (error) {
    // Named errors carry their failure code (BadImageError, InvalidParamsError…): said as a worker says it.
    const code = failureCodeOf(error);
    if (code !== null && error instanceof Error) throw new Error(`${code}: ${error.message}`, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Past the deadline the child is killed, which also stops native decoding that would keep this process alive. */
async function compressInChildProcess(
  bytes: Buffer,
  params: CompressParams,
  maxPixels: number,
  jobTimeoutMs: number,
): Promise<OneImageResult> {
  // The pool's module alone: the package's index also loads BullMQ, Redis and S3 clients (~0.3 s of CPU at start).
  const { CompressFailedError, createCpuPool } = await import('@kpress/worker/cpu-pool');
  const pool = createCpuPool(1, { jobTimeoutMs, niceIncrement: 0, warmUp: false });
  try {
    return await pool.compress(bytes, params, maxPixels);
  } catch (error) {
    if (error instanceof CompressFailedError) throw new Error(`${error.code}: ${error.message}`, { cause: error });
    throw error;
  } finally {
    await pool.close();
  }
}
