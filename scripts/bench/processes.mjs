// Child-process helpers shared by the pipeline and scale benchmarks.
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU seconds (user + system, all threads) a live process and its descendants have used, from /proc; null elsewhere. */
export async function processCpuSeconds(pid) {
  const own = await statOf(pid);
  if (own === null) return null;
  // A kpress worker compresses in child processes (its CPU pool): count the whole tree, children
  // included while they live (a child's time reaches its parent's cutime only when it exits).
  let seconds = own.cpuSeconds;
  for (const child of await descendantsOf(pid)) seconds += (await statOf(child))?.cpuSeconds ?? 0;
  return seconds;
}

/** utime + stime (+ cutime + cstime: children that have exited) of one process, and its parent. */
async function statOf(pid) {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    return { parent: Number(fields[1]), cpuSeconds: ticks / 100 }; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Every live process below `pid`. */
async function descendantsOf(pid) {
  const parents = new Map();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await statOf(Number(entry));
    if (stat !== null) parents.set(Number(entry), stat.parent);
  }
  const below = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next = [...parents].filter(([, parent]) => frontier.includes(parent)).map(([child]) => child);
    below.push(...next);
    frontier = next;
  }
  return below;
}

/**
 * How much CPU the machine really gives: one busy-loop process alone, then two at once. On two
 * free cores the pair takes about as long as one alone; when something else runs, it is slower.
 */
export async function cpuCheck() {
  const busy = () =>
    new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          '-e',
          'const t=performance.now();let x=0;for(let i=0;i<2e8;i++)x+=i%7;process.stdout.write(String(performance.now()-t))',
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      child.on('error', reject);
      child.on('exit', () => resolve(Number(out)));
    });
  const aloneMs = await busy();
  const pairMs = await Promise.all([busy(), busy()]);
  return { aloneMs, pairMs, effectiveCores: (2 * aloneMs) / Math.max(...pairMs), loadAverage1m: loadavg()[0] };
}

export function formatCpuCheck(check) {
  return (
    `busy loop alone ${check.aloneMs.toFixed(0)} ms, two at once ${check.pairMs.map((ms) => ms.toFixed(0)).join(' / ')} ms` +
    ` → ${check.effectiveCores.toFixed(2)} effective cores; load average ${check.loadAverage1m.toFixed(2)}`
  );
}

/** SIGTERM, then wait for exit (SIGKILL after 20 s); returns each exit code or signal. */
export async function stopWorkers(children) {
  return Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode ?? child.signalCode);
          const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
          child.once('exit', (code, signal) => {
            clearTimeout(timer);
            resolve(code ?? signal);
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** Waits until `count` workers are registered on the queue; fails if one exits or time runs out. */
export async function waitForWorkers(queue, children, count, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exited = children.find((child) => child.exitCode !== null || child.signalCode !== null);
    if (exited)
      throw new Error(
        `worker process ${exited.pid} exited during start-up (code ${exited.exitCode}, signal ${exited.signalCode})`,
      );
    const workers = await queue.getWorkers();
    if (workers.length >= count) break;
    if (Date.now() > deadline)
      throw new Error(`only ${workers.length} of ${count} workers registered on the queue after ${timeoutMs / 1000} s`);
    await sleep(100);
  }
  await sleep(300); // let the last one finish its first blocking fetch
}
