import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLogLine } from './log-line.js';

const at = (hours: number, minutes: number, seconds: number): number => new Date(2025, 0, 2, hours, minutes, seconds).getTime();

void describe('formatLogLine', () => {
  void it('writes time, level, message and the other fields as key=value, without pid and hostname', () => {
    const line = JSON.stringify({
      level: 40,
      time: at(9, 5, 7),
      pid: 42,
      hostname: 'h',
      runId: '20250102T090507Z-abc',
      key: 'in/a cat.jpg',
      bytes: 2000,
      ok: false,
      msg: 'the object is too large',
    });
    assert.equal(
      formatLogLine(`${line}\n`),
      '09:05:07 warn  the object is too large runId=20250102T090507Z-abc key="in/a cat.jpg" bytes=2000 ok=false\n',
    );
  });

  void it('shows an error by its message and objects as JSON', () => {
    const line = JSON.stringify({
      level: 50,
      time: at(23, 59, 0),
      err: { type: 'Error', message: 'connect ECONNREFUSED', stack: 'Error: …' },
      counts: { a: 1 },
      msg: 'failed',
    });
    assert.equal(formatLogLine(line), '23:59:00 error failed err="connect ECONNREFUSED" counts={"a":1}\n');
  });

  void it('passes a line that is not JSON through', () => {
    assert.equal(formatLogLine('plain text'), 'plain text\n');
  });
});
