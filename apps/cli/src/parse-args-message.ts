/**
 * node:util parseArgs errors in kpress's words, pointing at the command's help:
 * "Unknown option '--bogus'. To specify a positional argument …" becomes
 * "unknown option --bogus (kpress compress --help)". Null for anything that is not a parseArgs error.
 */
export function parseArgsMessage(error: unknown, command: string): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) return null;
  const message = (error as Error).message;
  const help = `(kpress ${command} --help)`;
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]} ${help}`;
  // "Option '-o, --output <value>' argument missing": name the long form.
  const missing = /^Option '(?:-\w, )?(--?[\w-]+) <value>' argument missing/.exec(message);
  if (missing) return `option ${missing[1]} needs a value ${help}`;
  const noValue = /^Option '(?:-\w, )?(--?[\w-]+)' does not take an argument/.exec(message);
  if (noValue) return `option ${noValue[1]} takes no value ${help}`;
  const positional = /^Unexpected argument '([^']*)'/.exec(message);
  if (positional) return `unexpected argument ${JSON.stringify(positional[1])} ${help}`;
  return `${message} ${help}`;
}
