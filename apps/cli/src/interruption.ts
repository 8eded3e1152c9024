/** The signals a command treats as "stop": Ctrl-C, and a supervisor's or `timeout`'s request. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The code a shell reports for a command ended by a signal: 128 + its number. */
const SIGNAL_EXIT_CODES: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

export interface Interruption {
  /** Aborted when one of the signals arrives. */
  readonly signal: AbortSignal;
  /** 128 + the number of the signal received (130 for Ctrl-C); 130 before any arrives. */
  readonly exitCode: number;
  /** Stops listening (call it when the command ends). */
  stop(): void;
}

/**
 * Turns the signals into an AbortSignal, so a command can stop what it does, clean up and say so.
 * With `once`, each handler goes after its first signal: a second Ctrl-C then ends the process at
 * once (Node's default), clean-up or not.
 */
export function listenForInterruption(signals: readonly StopSignal[], options: { readonly once: boolean }): Interruption {
  const controller = new AbortController();
  let exitCode = SIGNAL_EXIT_CODES.SIGINT;
  const handlers = signals.map((name) => {
    const handler = (): void => {
      if (!controller.signal.aborted) exitCode = SIGNAL_EXIT_CODES[name];
      controller.abort();
    };
    if (options.once) process.once(name, handler);
    else process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    get exitCode() {
      return exitCode;
    },
    stop() {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}
