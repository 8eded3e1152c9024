/**
 * The one state a run is in. Every run settles: `done`, `failed` or `cancelled` are final.
 * - `listing`: its producer is still listing the source (and beats its heartbeat).
 * - `running`: every job is queued; some have not finished.
 * - `done`: every job finished (some may have failed: see the run's `failed` count).
 * - `failed`: the run could not list its source (the reason says why), or its producer stopped
 *   beating while listing (killed): what it queued still runs, but the run never completes.
 * - `cancelled`: `kpress cancel` stopped it; jobs in flight then finished, no others ran.
 */
export type RunState = 'listing' | 'running' | 'done' | 'failed' | 'cancelled';

export const FINAL_STATES: ReadonlySet<RunState> = new Set(['done', 'failed', 'cancelled']);

/** A listing producer writes its heartbeat this often… */
export const HEARTBEAT_INTERVAL_MS = 5_000;
/** …and a listing run whose heartbeat is older than this has lost its producer. */
export const LISTING_STALE_MS = 30_000;

/** The run hash fields that decide the state. */
export interface StateFields {
  readonly state?: string | undefined;
  readonly stateReason?: string | undefined;
  readonly cancelled?: string | undefined;
  readonly finalized?: string | undefined;
  readonly listingDone?: string | undefined;
  readonly heartbeatAt?: string | undefined;
  readonly createdAt?: string | undefined;
}

/** Derives the run's state (and why, for `failed`) from its hash at time `now`. */
export function runStateOf(fields: StateFields, now: number): { state: RunState; reason: string | null } {
  if (fields.cancelled === '1') return { state: 'cancelled', reason: fields.stateReason ?? null };
  if (fields.state === 'failed') return { state: 'failed', reason: fields.stateReason ?? 'failed' };
  if (fields.finalized === '1') return { state: 'done', reason: null };
  if (fields.listingDone === '1') return { state: 'running', reason: null };
  const beat = Number(fields.heartbeatAt ?? fields.createdAt ?? 0);
  if (now - beat > LISTING_STALE_MS) {
    const at = new Date(beat).toISOString();
    return {
      state: 'failed',
      reason: `its producer stopped while listing (no heartbeat since ${at}); jobs it queued still run — enqueue again to finish the listing`,
    };
  }
  return { state: 'listing', reason: null };
}
