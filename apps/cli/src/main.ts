import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { runCli } from './run-cli.js';

// Wiring only: environment → config → logger → command. Exit codes: 0 ok, 1 failure, 2 usage.
process.exitCode = await runCli(process.argv.slice(2), {
  loadConfig: () => loadConfig(process.env),
  createLogger,
  stdout: process.stdout,
  stderr: process.stderr,
});
