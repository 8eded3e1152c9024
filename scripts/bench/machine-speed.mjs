// @ts-check
/**
 * The machine's speed at a moment, on work that does not change with kpress's code: a fixed
 * JavaScript loop (a hash table of 2^22 pseudo-random colours in 32 MB, the kind of work the
 * quantizer does), run in a fresh Node process so that the caller's heap and compiled code do not
 * weigh on it, and sharp decoding an image (native, on every core). Benchmarks print it at their
 * start and end: on these shared virtual machines the same code measured 1273 and 1461 ms end to
 * end a day apart, and the loop alone 116–157 ms within minutes; a reader comparing runs of
 * different days needs to tell a slower machine from slower code.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import sharp from 'sharp';

const JS_LOOP = `
  const slots = new Uint32Array(1 << 23);
  const ms = [];
  for (let run = 0; run < 7; run++) {
    const started = performance.now();
    slots.fill(0);
    let state = 12345;
    for (let i = 0; i < 1 << 22; i++) {
      state = (Math.imul(state, 1103515245) + 12345) | 0;
      const colour = (state >>> 8) & 0xffffff;
      let slot = Math.imul(colour, 0x9e3779b1) >>> 9;
      while (slots[slot] !== 0 && slots[slot] !== colour + 1) slot = (slot + 1) & ((1 << 23) - 1);
      slots[slot] = colour + 1;
    }
    ms.push(performance.now() - started);
  }
  console.log(ms.sort((a, b) => a - b)[3]);`;

/**
 * @param {string} image decoded three times (median); skipped when the file is missing
 * @returns {Promise<{ jsMs: number | null, sharpDecodeMs: number | null }>}
 */
export async function measureMachineSpeed(image) {
  const child = spawnSync(process.execPath, ['-e', JS_LOOP], { encoding: 'utf8', timeout: 60_000 });
  const jsMs = child.status === 0 ? Math.round(Number(child.stdout) * 10) / 10 : null;
  /** @type {number[]} */
  const decodes = [];
  for (let round = 0; round < 3 && existsSync(image); round++) {
    const started = performance.now();
    await sharp(image, { limitInputPixels: false }).raw().toBuffer();
    decodes.push(performance.now() - started);
  }
  decodes.sort((a, b) => a - b);
  return { jsMs, sharpDecodeMs: decodes.length > 0 ? Math.round(decodes[1] ?? decodes[0] ?? 0) : null };
}

/**
 * One line for a benchmark's output.
 * @param {{ jsMs: number | null, sharpDecodeMs: number | null }} start
 * @param {{ jsMs: number | null, sharpDecodeMs: number | null }} end
 * @param {string} imageName
 */
export function describeMachineSpeed(start, end, imageName) {
  const ms = (/** @type {number | null} */ x) => (x === null ? 'n/a' : `${x} ms`);
  return `machine speed (fixed work, the same whatever kpress's code; compare between runs): JavaScript loop ${ms(start.jsMs)} at start, ${ms(end.jsMs)} at end; sharp decoding ${imageName} ${ms(start.sharpDecodeMs)} at start, ${ms(end.sharpDecodeMs)} at end`;
}
