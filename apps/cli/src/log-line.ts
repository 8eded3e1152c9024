/** pino's numeric levels, by name. */
const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** Fields every line has, shown in their own place (time, level, message) or not at all on a terminal (pid, hostname). */
const OMITTED = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/**
 * One pino JSON line as a person reads it on a terminal: `HH:MM:SS level message key=value …`,
 * time local, strings quoted only when they hold spaces, quotes or "=", an error as its message.
 * A line that is not pino JSON is passed through unchanged.
 */
export function formatLogLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof entry['time'] === 'number' ? new Date(entry['time']) : new Date();
  const clock = [time.getHours(), time.getMinutes(), time.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  const level = (typeof entry['level'] === 'number' ? LEVEL_NAMES[entry['level']] : undefined) ?? String(entry['level']);
  const fields = Object.entries(entry)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  const message = typeof entry['msg'] === 'string' ? entry['msg'] : '';
  return `${[clock, level.padEnd(5), message, ...fields].filter((part) => part !== '').join(' ')}\n`;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value !== null && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
    // pino's serialised error: {type, message, stack}; the message is what a person needs.
    return JSON.stringify((value as { message: string }).message);
  }
  return JSON.stringify(value) ?? String(value);
}
