import type { Logger } from 'pino';

/** The signals that ask a kpress process to stop. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

export interface StopSignals {
  /** The first stop signal received so far, or null. */
  readonly received: NodeJS.Signals | null;
  /** Resolves with the first stop signal (at once if one already came). */
  readonly next: Promise<NodeJS.Signals>;
  /** Removes the handlers: later signals get Node's default behaviour again. */
  dispose(): void;
}

/**
 * Installs SIGTERM and SIGINT handlers now, before anything is started: a signal that arrives
 * during start-up is remembered and leads to an orderly stop instead of Node's default exit,
 * which would leave half-started work behind. Signals after the first are logged and ignored:
 * the shutdown they ask for is already under way, with a deadline of its own.
 */
export function listenForStopSignals(logger: Logger): StopSignals {
  let received: NodeJS.Signals | null = null;
  let resolveNext: (signal: NodeJS.Signals) => void = () => undefined;
  const next = new Promise<NodeJS.Signals>((resolve) => (resolveNext = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received !== null) {
      logger.warn({ signal, first: received }, 'already stopping: the shutdown deadline still applies');
      return;
    }
    received = signal;
    logger.info({ signal }, 'signal received');
    resolveNext(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return {
    get received() {
      return received;
    },
    next,
    dispose() {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    },
  };
}
