/** The queue dashboard: bull-board, the run list and run reports proxied from S3. */
export { createDashboardServer, QUEUES_PATH, type DashboardOptions, type DashboardServer } from './dashboard-server.js';
export { escapeHtml, MAX_RUNS_LISTED } from './runs-page.js';
export { accessProblem, checkPublicHost, isLoopbackHost, TOKEN_VARIABLE } from './access-policy.js';
export { SESSION_COOKIE } from './token-auth.js';
