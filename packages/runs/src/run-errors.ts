/** `--run-id` names a run that exists already: runs are never merged. */
export class RunExistsError extends Error {
  override readonly name = 'RunExistsError';
  constructor(readonly runId: string) {
    super(`run ${runId} exists already: choose another --run-id (runs are never merged)`);
  }
}

/** Another run of the same source → destination is still listing or running. */
export class RunConflictError extends Error {
  override readonly name = 'RunConflictError';
  constructor(
    readonly pair: string,
    readonly activeRunId: string,
    readonly activeState: string,
  ) {
    super(
      `run ${activeRunId} of ${pair} is still ${activeState}: follow it with "kpress status ${activeRunId} --wait", ` +
        `stop it with "kpress cancel ${activeRunId}", or queue anyway with --force`,
    );
  }
}
