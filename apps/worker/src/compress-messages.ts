import type { CompressOutcome, CompressStats, TargetOutcome } from '@kpress/compress';
import type { CompressParams, FailureCode } from '@kpress/job-contract';

/** What a compress process is started with (its first argument, as JSON). */
export interface CompressThreadOptions {
  /** Nice levels below the worker its main thread runs once warm (Linux); 0 keeps its priority. */
  readonly niceIncrement: number;
  /** Run the quantizer's warm-up before taking jobs (a worker: yes; one-shot `kpress compress`: no). */
  readonly warmUp: boolean;
}

export interface CompressRequest {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly params: CompressParams;
  readonly maxPixels: number;
}

export interface CompressSuccess {
  readonly id: number;
  readonly ok: true;
  readonly output: { readonly bytes: Uint8Array; readonly format: string; readonly bitDepth: number; readonly extension: string };
  readonly source: { readonly width: number; readonly height: number; readonly format: string; readonly bytes: number };
  readonly result: { readonly palette: Uint8Array; readonly paletteAlpha: Uint8Array | null; readonly stats: CompressStats };
  readonly timingsMs: Readonly<Record<string, number>>;
  readonly target: TargetOutcome | null;
  readonly outcome: CompressOutcome;
  /** The compress process that did the work (a local batch reports how many took part). */
  readonly pid: number;
}

export interface CompressFailure {
  readonly id: number;
  readonly ok: false;
  readonly error: { readonly name: string; readonly message: string; readonly permanent: boolean; readonly code: FailureCode };
}

export type CompressReply = CompressSuccess | CompressFailure;

/** Sent once by a compress process when its warm-up is done and it runs optimised code. */
export interface ThreadReady {
  readonly ready: true;
}

export type ThreadMessage = CompressReply | ThreadReady;
