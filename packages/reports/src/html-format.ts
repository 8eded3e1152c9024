/** Escaping and number formatting for the HTML report. Every user-supplied string goes through `escapeHtml`. */

import { escapeHtml } from '@kpress/format';

export { escapeHtml };

/** Tagged template that escapes every interpolated value (`raw()` marks markup already made safe). Not named `html`, so formatters leave the templates alone. */
export function markup(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += toHtml(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function raw(trusted: string): SafeHtml {
  return new SafeHtml(trusted);
}

function toHtml(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(toHtml).join('');
  if (value === null || value === undefined || value === false) return '';
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return escapeHtml(JSON.stringify(value) ?? '');
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatInteger(value: number): string {
  return integer.format(value);
}

export function formatFixed(value: number | null, digits: number, unit = ''): string {
  return value === null ? '–' : `${value.toFixed(digits)}${unit}`;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  if (minutes < 60) return `${minutes} min ${seconds} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A number as the `data-value` attribute carries it: exact, and empty for "no value". */
export function dataValue(value: number | string | null): string {
  return value === null ? '' : String(value);
}
