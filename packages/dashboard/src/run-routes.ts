import { parseS3Url, reportKeys, RUN_ID } from '@kpress/job-contract';
import { MissingObjectError, type ObjectStore } from '@kpress/object-store';
import type { RunSnapshot, RunStore } from '@kpress/runs';
import { Router, type Request, type Response } from 'express';
import { MAX_RUNS_LISTED, renderRunsPage } from './runs-page.js';

/** An error the dashboard answers with its status and message as plain text. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RunRoutesOptions {
  readonly runs: RunStore;
  readonly store: ObjectStore;
  readonly admin: boolean;
  readonly queuesPath: string;
  readonly defaultLimit: number;
  readonly maxReportBytes: number;
}

/** The report files a run has, and the type each is served with. */
const REPORT_FILES: Readonly<Record<string, { readonly kind: 'html' | 'json'; readonly contentType: string }>> = {
  'report.html': { kind: 'html', contentType: 'text/html; charset=utf-8' },
  'report.json': { kind: 'json', contentType: 'application/json; charset=utf-8' },
};

/**
 * The report is HTML written by kpress, but it shows source keys and other user text: served from
 * the dashboard's origin, any script in it could drive the (admin) queue API. A CSP sandbox without
 * allow-same-origin gives it an opaque origin of its own; inline styles and scripts still work.
 */
const REPORT_CSP =
  "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

/** Our own pages carry no scripts and load nothing from elsewhere. */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** `/` and `/runs` (the run list) and `/runs/:runId/report.{html,json}` (reports proxied from S3). */
export function createRunRoutes(options: RunRoutesOptions): Router {
  const router = Router();

  const listRuns = async (req: Request, res: Response): Promise<void> => {
    const limit = parseLimit(req.query.limit, options.defaultLimit);
    const ids = await options.runs.recent(limit);
    const snapshots = await Promise.all(ids.map((id) => options.runs.get(id)));
    const html = renderRunsPage(
      snapshots.filter((s): s is RunSnapshot => s !== null),
      { queuesPath: options.queuesPath, admin: options.admin, limit },
    );
    res.set({ 'Content-Security-Policy': PAGE_CSP, 'Cache-Control': 'no-store' }).type('html').send(html);
  };
  router.get('/', listRuns);
  router.get('/runs', listRuns);

  router.get('/runs/:runId/:file', async (req: Request<{ runId: string; file: string }>, res: Response) => {
    const { runId, file } = req.params;
    const served = REPORT_FILES[file];
    if (!served) throw new HttpError(404, `no such file ${JSON.stringify(file)}: a run has report.html and report.json`);
    if (!RUN_ID.test(runId)) {
      throw new HttpError(400, `run id must be 1–64 letters, digits, ".", "_" or "-", received ${JSON.stringify(runId)}`);
    }
    const run = await options.runs.get(runId);
    if (!run) throw new HttpError(404, `no run ${runId} in Redis (unknown, or expired)`);
    const destination = parseS3Url(run.destination, `destination of run ${runId}`);
    const key = reportKeys(destination.key, runId)[served.kind];
    let body: Buffer;
    try {
      ({ body } = await options.store.get(destination.bucket, key, { maxBytes: options.maxReportBytes }));
    } catch (error) {
      if (!(error instanceof MissingObjectError)) throw error;
      const why = run.complete ? 'it was not written or has been deleted' : 'the run has not finished yet';
      throw new HttpError(404, `run ${runId} has no ${file} at s3://${destination.bucket}/${key}: ${why}`);
    }
    res.set({
      'Content-Type': served.contentType,
      'Cache-Control': 'no-store',
      ...(served.kind === 'html' ? { 'Content-Security-Policy': REPORT_CSP } : {}),
    });
    res.send(body);
  });

  return router;
}

function parseLimit(raw: unknown, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < 1 || value > MAX_RUNS_LISTED) {
    throw new HttpError(400, `limit must be an integer between 1 and ${MAX_RUNS_LISTED}, received ${JSON.stringify(raw)}`);
  }
  return value;
}
