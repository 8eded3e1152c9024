#!/usr/bin/env node
// Takes a screenshot of a local HTML file (e.g. a run report) with Debian's headless Chromium:
//   node scripts/screenshot.mjs out/demo/_kpress/runs/RUN/report.html out/demo-report.png [width]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [input, output, width = '1280'] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node scripts/screenshot.mjs PAGE.html OUT.png [width]');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: Number(width), height: 900 } });
  await page.goto(pathToFileURL(resolve(input)).href);
  await page.screenshot({ path: output, fullPage: true });
  console.log(`wrote ${output}`);
} finally {
  await browser.close();
}
