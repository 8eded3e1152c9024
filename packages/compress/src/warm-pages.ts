/**
 * Touches fresh buffers one page at a time, in short slices between turns of the event loop,
 * until every page is touched or stop() is called. A page's first touch is a page fault (about
 * 10 µs each on the virtual machines measured, 0.3–0.4 s of a 12-MP photo's compress); done while
 * this thread would only wait (libvips decoding on its own threads), it is off the critical path.
 * Writes a zero byte per page: the buffers must still be all zero, as fresh ones are.
 */
export interface PageWarmer {
  /** Stops before the next slice; synchronous, so the caller may use the buffers at once. */
  stop(): void;
  /** Pages touched so far. */
  readonly pagesTouched: number;
  /** Resolves when every page has been touched or the warmer was stopped. */
  readonly finished: Promise<void>;
}

/** 4 KB: the x86-64 page size, and a divisor of the larger pages of other systems. */
const PAGE_BYTES = 4096;
/** Time of one slice: short, so the decode's completion is picked up within a couple of ms. */
const SLICE_MS = 2;

export function warmPages(buffers: readonly ArrayBufferView[]): PageWarmer {
  const views = buffers.map((buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));
  let view = 0;
  let offset = 0;
  let stopped = false;
  let pagesTouched = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));

  const slice = (): void => {
    if (stopped) return finish();
    const until = performance.now() + SLICE_MS;
    while (view < views.length) {
      const bytes = views[view]!;
      // 64 pages between clock reads.
      for (let n = 0; n < 64 && offset < bytes.length; n++, offset += PAGE_BYTES, pagesTouched++) bytes[offset] = 0;
      if (offset >= bytes.length) {
        view++;
        offset = 0;
      }
      if (performance.now() >= until) break;
    }
    if (view < views.length) setImmediate(slice);
    else finish();
  };
  setImmediate(slice);

  return {
    stop: () => {
      stopped = true;
    },
    get pagesTouched() {
      return pagesTouched;
    },
    finished,
  };
}
