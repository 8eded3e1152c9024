import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { getPriority } from 'node:os';
import { describe, it } from 'node:test';
import { createCpuPool } from './cpu-pool.js';
import { COMPRESS_THREAD_NICE_INCREMENT, lowerThisThreadPriority } from './thread-priority.js';

/** The nice value field of a /proc stat line (the comm field may hold spaces and parentheses). */
function niceOfStat(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

/** The nice value of every thread of a process (default: this one), from /proc (Linux). */
async function threadNiceValues(pid: number | 'self' = 'self'): Promise<number[]> {
  const values: number[] = [];
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => null);
    if (stat === null) continue; // the thread ended meanwhile
    values.push(niceOfStat(stat));
  }
  return values;
}

/**
 * The nice value of a process's main thread, whose thread id is the process id. Not the first
 * entry of /proc/PID/task: once thread ids wrap past pid_max (32768 on a long-lived machine), a
 * V8 or libuv thread started before the priority change can hold a lower id than the main thread.
 */
async function mainThreadNice(pid: number): Promise<number> {
  return niceOfStat(await readFile(`/proc/${pid}/task/${pid}/stat`, 'utf8'));
}

describe('thread priority', () => {
  it('rejects an increment that is not a nice step', () => {
    assert.throws(() => lowerThisThreadPriority(-1), /increment must be an integer between 0 and 39, received -1/);
    assert.throws(() => lowerThisThreadPriority(2.5), /received 2.5/);
  });

  it('leaves other platforms alone, where it would renice the whole process', () => {
    assert.equal(lowerThisThreadPriority(10, 'darwin'), null);
    assert.equal(lowerThisThreadPriority(10, 'win32'), null);
    assert.equal(lowerThisThreadPriority(0), null);
  });

  it(
    "keeps every thread of the compress processes at the event loop's priority with an increment of 0",
    { skip: process.platform !== 'linux' },
    async () => {
      const mainNice = getPriority();
      const pool = createCpuPool(2, { niceIncrement: 0 });
      try {
        await pool.ready;
        const values = (await Promise.all(pool.processIds().map((pid) => threadNiceValues(pid)))).flat();
        assert.deepEqual([...new Set(values)], [mainNice], `threads have ${values.join(', ')}`);
      } finally {
        await pool.close();
      }
    },
  );

  it('refuses a pool increment outside 0–19', () => {
    assert.throws(
      () => createCpuPool(1, { niceIncrement: 20 }),
      /niceIncrement must be an integer between 0 and 19, received 20/,
    );
  });

  it('runs the compress processes below the event loop, and only them', { skip: process.platform !== 'linux' }, async () => {
    const mainNice = getPriority();
    const expected = Math.min(19, mainNice + COMPRESS_THREAD_NICE_INCREMENT);
    const pool = createCpuPool(2);
    try {
      await pool.ready;
      const values = await threadNiceValues();
      assert.deepEqual([...new Set(values)], [mainNice], 'the worker process keeps its priority');
      // The main thread of each (the quantizer; libvips' threads start later from it, at its nice).
      const compress = await Promise.all(pool.processIds().map(mainThreadNice));
      assert.deepEqual(compress, [expected, expected], `expected both compress processes at nice ${expected}`);
    } finally {
      await pool.close();
    }
  });
});
