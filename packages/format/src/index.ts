/** How kpress writes quantities for people, the same in the CLI, the reports and the dashboard. No dependencies. */
export { formatBytes } from './format-bytes.js';
export { formatMemorySize } from './format-memory-size.js';
export { escapeHtml } from './escape-html.js';
