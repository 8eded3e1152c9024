import { scanlineBytes, type EncodeMemory, type ImageSize, type OutputFormat } from '@kpress/codec';
import { createQuantizeWorkspace, type QuantizeWorkspace } from '@kpress/kmeans-core';
import { warmPages, type PageWarmer } from './warm-pages.js';

/**
 * The large buffers that quantizing and encoding an image fill, allocated when its decoding
 * starts (the header gives the size) and touched page by page while libvips decodes, so the
 * page faults of their first touch are paid while this thread would wait. On a 12-MP photo:
 * the indices (12 MB) and the PNG scanlines (12 MB) always, since every page of them is written
 * anyway; the quantizer's colour table (32 MB, of which a photo uses about a quarter) only with
 * a spare core, where touching all of it costs no one anything.
 */
export class DecodeTimeMemory {
  private workspace: QuantizeWorkspace | null = null;
  private scanlines: Uint8Array | undefined;
  private warmer: PageWarmer | null = null;

  constructor(
    private readonly format: OutputFormat,
    private readonly spareCore: boolean,
  ) {}

  /** For decodeImage's onDecodeStart. */
  readonly start = (size: ImageSize): void => {
    this.workspace = createQuantizeWorkspace(size.width, size.height);
    this.scanlines = this.format === 'png' ? new Uint8Array(scanlineBytes(size.width, size.height)) : undefined;
    const toWarm: ArrayBufferView[] = [this.workspace.indices];
    if (this.scanlines) toWarm.push(this.scanlines);
    if (this.spareCore && this.workspace.colourTable) toWarm.push(this.workspace.colourTable);
    this.warmer = warmPages(toWarm);
  };

  /** Stops touching pages: the decode has finished (or failed), the buffers are about to be used. */
  stop(): void {
    this.warmer?.stop();
  }

  /** Pages touched, once the touching has finished or been stopped (0 if it never started). */
  async pagesWarmed(): Promise<number> {
    if (this.warmer === null) return 0;
    await this.warmer.finished;
    return this.warmer.pagesTouched;
  }

  /**
   * The quantizer's buffers, once (a second quantize must not write over the first one's
   * indices), when made for an image of this many pixels (a 1-pixel image is quantized as 2).
   */
  takeWorkspace(pixels: number): QuantizeWorkspace | undefined {
    const workspace = this.workspace;
    this.workspace = null;
    return workspace !== null && workspace.indices.length === pixels ? workspace : undefined;
  }

  encodeMemory(): EncodeMemory {
    return { scanlines: this.scanlines };
  }
}
