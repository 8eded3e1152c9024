import { loadConfig } from './config.js';
import { withHugePages } from './huge-pages.js';
import { createLogger } from './logger.js';
import { runCli } from './run-cli.js';

// The AWS SDK warns on Node 20 that *future* SDK releases will need Node 22; kpress pins its SDK
// in package-lock.json and supports Node ≥ 20, so the warning is noise in every process.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Read by glibc when a process starts: for the processes this one starts (huge-pages.ts).
process.env.GLIBC_TUNABLES = withHugePages(process.env.GLIBC_TUNABLES);

// Wiring only: environment → config → logger → command. Exit codes: 0 ok, 1 failure, 2 usage.
process.exitCode = await runCli(process.argv.slice(2), {
  loadConfig: () => loadConfig(process.env),
  createLogger: (config, command) => createLogger(config, { command, stderr: process.stderr }),
  stdout: process.stdout,
  stderr: process.stderr,
});

// The command has returned: whatever it left open (a connection a failure path did not close, a
// socket a library keeps after the worker's shutdown) must not keep the process alive. Unref'd:
// a process with nothing left open exits at once; output drains within the grace period.
const EXIT_GRACE_MS = 2_000;
setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
