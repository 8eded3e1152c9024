/** The kpress CLI's configuration, for tools that check deployments against it (no side effects). */
export { CONFIG_VARIABLES, loadConfig, type Config } from './config.js';
export { runCli, USAGE, type CliDependencies } from './run-cli.js';
/** How a worker budgets memory under a container limit, to check manifests' limits against. */
export { jobMemoryUnderLimit, parseByteSize } from '@kpress/worker';
