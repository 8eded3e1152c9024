import type { ObjectStore } from '@kpress/object-store';
import type { RunReport } from '@kpress/reports';
import { eventually, type PipelineHarness } from './pipeline-harness.js';
import { makePhotos } from './test-images.js';

/** A key that needs escaping everywhere it is shown. */
export const AWKWARD_KEY = `in/odd <name> & "quoted" 'key'.jpg`;

export interface ReportInputs {
  /** Source keys expected to compress. */
  readonly good: readonly string[];
  /** Source keys expected to fail, with the failure code. */
  readonly bad: ReadonlyMap<string, string>;
}

/**
 * Uploads `good` distinct photos (one under an awkward key), a text file named .jpg, a truncated
 * JPEG and a non-image to `bucket` under `in/`.
 */
export async function uploadReportInputs(store: ObjectStore, bucket: string, good: number): Promise<ReportInputs> {
  const photos = await makePhotos(good + 1);
  const keys: string[] = [];
  for (const [i, photo] of photos.slice(0, good).entries()) {
    const key = i === 0 ? AWKWARD_KEY : `in/${i % 2 === 0 ? 'a' : 'b'}/${photo.name}`;
    await store.put(bucket, key, photo.body, { contentType: 'image/jpeg' });
    keys.push(key);
  }
  const jpeg = photos[good]!.body;
  await store.put(bucket, 'in/bad/text.jpg', Buffer.from('this is a text file, not a JPEG\n'), { contentType: 'image/jpeg' });
  await store.put(bucket, 'in/bad/truncated.jpg', jpeg.subarray(0, Math.floor(jpeg.length / 2)), { contentType: 'image/jpeg' });
  await store.put(bucket, 'in/notes.txt', Buffer.from('not an image'), { contentType: 'text/plain' });
  return {
    good: keys,
    bad: new Map([
      ['in/bad/text.jpg', 'not-an-image'],
      ['in/bad/truncated.jpg', 'corrupt-image'],
    ]),
  };
}

export interface StoredReport {
  readonly json: RunReport;
  readonly jsonText: string;
  readonly html: string;
}

/** Every key under `prefix` in `bucket`. */
export async function listKeys(store: ObjectStore, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.list(bucket, prefix)) keys.push(object.key);
  return keys.sort();
}

/** Waits for a run's report.html (written after report.json), then reads both. */
export async function waitForReport(
  h: PipelineHarness,
  bucket: string,
  destinationPrefix: string,
  runId: string,
): Promise<StoredReport> {
  const base = `${destinationPrefix}_kpress/runs/${runId}/`;
  await eventually(
    async () => ((await h.store.head(bucket, `${base}report.html`)) ? true : undefined),
    30_000,
    `report of ${runId}`,
  );
  const jsonText = (await h.store.get(bucket, `${base}report.json`, { maxBytes: 1 << 26 })).body.toString('utf8');
  const html = (await h.store.get(bucket, `${base}report.html`, { maxBytes: 1 << 26 })).body.toString('utf8');
  return { json: JSON.parse(jsonText) as RunReport, jsonText, html };
}

/** The pino log records in a process's output whose message is `msg` (and, if given, for `runId`). */
export function logRecords(output: string, msg: string, runId?: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return null;
      }
    })
    .filter((r): r is Record<string, unknown> => r !== null && r['msg'] === msg && (runId === undefined || r['runId'] === runId));
}
