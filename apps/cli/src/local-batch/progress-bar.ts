/** A one-line progress bar redrawn in place on a terminal; silent elsewhere. */
export interface ProgressBar {
  tick(label: string): void;
  end(): void;
}

export function createProgressBar(total: number, output: NodeJS.WritableStream & { isTTY?: boolean }, width = 30): ProgressBar {
  if (output.isTTY !== true) return { tick: () => undefined, end: () => undefined };
  let done = 0;
  const draw = (label: string): void => {
    const share = total > 0 ? done / total : 1;
    const filled = Math.round(share * width);
    const name = label.length > 40 ? `…${label.slice(-39)}` : label;
    output.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${name}`);
  };
  draw('');
  return {
    tick(label) {
      done++;
      draw(label);
    },
    end() {
      output.write('\n');
    },
  };
}
