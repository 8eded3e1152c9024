import type { Readable } from 'node:stream';

/** The body read, or how many bytes had arrived when it passed the limit (the stream is then destroyed). */
export type LimitedRead = { readonly ok: true; readonly body: Buffer } | { readonly ok: false; readonly bytesSeen: number };

/**
 * Reads a stream to the end, unless it grows past `maxBytes`: then it stops reading, destroys
 * the stream (freeing the socket) and reports the size seen, so a body without Content-Length
 * can never fill memory.
 */
export async function readLimited(stream: Readable, maxBytes: number): Promise<LimitedRead> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += buffer.byteLength;
    if (total > maxBytes) {
      stream.destroy();
      return { ok: false, bytesSeen: total };
    }
    chunks.push(buffer);
  }
  return { ok: true, body: Buffer.concat(chunks, total) };
}
