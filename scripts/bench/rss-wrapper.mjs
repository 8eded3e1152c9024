// Fallback peak-RSS probe when GNU time is missing: runs the kpress CLI in this process and, at
// exit, writes process.resourceUsage().maxRSS (kilobytes) as JSON to the file named by KPRESS_BENCH_RSS_FILE.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.KPRESS_BENCH_RSS_FILE;
  if (file) writeFileSync(file, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }));
});
// main.js reads process.argv.slice(2): the wrapper's path stands where main.js's would.
await import('../../apps/cli/dist/main.js');
