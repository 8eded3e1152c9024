// Figure of part (a): the 2-D points coloured by final cluster with the path of every centroid
// over the Lloyd iterations (like the tutorial's plotProgresskMeans), and the inertia per iteration.
import { cross, document, esc, FONT, panel, r } from './svg.mjs';

const CLUSTER_COLOURS = ['#e4572e', '#2e9e4f', '#2f6fdb', '#a05fc8', '#e0a100', '#17a2b8'];

/**
 * @param {Float64Array} points  x1, x2 pairs
 * @param {Uint32Array} labels   final cluster of each point
 * @param {Float64Array[]} history  centroids before the first iteration, then after each one
 * @param {number[]} inertia     inertia of the initial centroids, then after each iteration
 * @param {boolean} converged    whether Lloyd stopped because assignments stopped changing
 * @returns {string} SVG document
 */
export function kmeansFigure(points, labels, history, inertia, converged) {
  const k = history[0].length / 2;
  const n = points.length / 2;
  const xs = [];
  const ys = [];
  for (let i = 0; i < n; i++) (xs.push(points[2 * i]), ys.push(points[2 * i + 1]));
  for (const c of history) for (let j = 0; j < k; j++) (xs.push(c[2 * j]), ys.push(c[2 * j + 1]));

  const width = 1080;
  const height = 540;
  const body = [];
  const iterations = history.length - 1;
  const left = panel({
    left: 70,
    top: 50,
    width: 560,
    height: 420,
    xs,
    ys,
    title: `Iteration number ${iterations}${converged ? ' (converged)' : ''}`,
    xLabel: 'x1',
    yLabel: 'x2',
  });
  body.push(left.svg);
  for (let i = 0; i < n; i++) {
    const colour = CLUSTER_COLOURS[labels[i] % CLUSTER_COLOURS.length];
    body.push(
      `<circle cx="${r(left.x(points[2 * i]))}" cy="${r(left.y(points[2 * i + 1]))}" r="4.2" ` +
        `fill="${colour}" fill-opacity="0.35" stroke="${colour}" stroke-width="1.2"/>`,
    );
  }
  // Centroid paths: black line through every position, black x at each one, start ringed.
  for (let j = 0; j < k; j++) {
    const path = history.map((c) => `${r(left.x(c[2 * j]))},${r(left.y(c[2 * j + 1]))}`).join(' ');
    body.push(`<polyline points="${path}" fill="none" stroke="black" stroke-width="1.8"/>`);
    history.forEach((c, t) =>
      body.push(cross(left.x(c[2 * j]), left.y(c[2 * j + 1]), t === iterations ? 14 : 10, 'black', t === iterations ? 3.2 : 2.2)),
    );
    const [sx, sy] = [left.x(history[0][2 * j]), left.y(history[0][2 * j + 1])];
    body.push(`<circle cx="${r(sx)}" cy="${r(sy)}" r="9" fill="none" stroke="black" stroke-width="1.2" stroke-dasharray="3 2"/>`);
  }

  // Inertia per iteration (the distortion the tutorial's k-means lowers at every step).
  const its = inertia.map((_, t) => t);
  const right = panel({
    left: 730,
    top: 50,
    width: 310,
    height: 300,
    xs: its,
    ys: [0, ...inertia],
    title: 'Inertia per iteration',
    xLabel: 'iteration',
    yLabel: 'sum of squared distances',
  });
  body.push(right.svg);
  const line = inertia.map((v, t) => `${r(right.x(t))},${r(right.y(v))}`).join(' ');
  body.push(`<polyline points="${line}" fill="none" stroke="#333" stroke-width="2"/>`);
  inertia.forEach((v, t) => body.push(`<circle cx="${r(right.x(t))}" cy="${r(right.y(v))}" r="4" fill="#2f6fdb"/>`));
  body.push(
    `<text x="${right.x(its.at(-1))}" y="${r(right.y(inertia.at(-1)) - 12)}" ${FONT} font-size="13" text-anchor="end">` +
      `${esc(inertia[inertia.length - 1].toFixed(2))}</text>`,
  );
  body.push(legend(730, 410, k));
  return document(width, height, body.join('\n'));
}

function legend(x, y, k) {
  const rows = [];
  for (let j = 0; j < k; j++) {
    const colour = CLUSTER_COLOURS[j % CLUSTER_COLOURS.length];
    rows.push(
      `<circle cx="${x + 8}" cy="${y + j * 22}" r="5" fill="${colour}" fill-opacity="0.35" stroke="${colour}" stroke-width="1.2"/>`,
    );
    rows.push(`<text x="${x + 22}" y="${y + j * 22 + 5}" ${FONT} font-size="13">cluster ${j + 1}</text>`);
  }
  const ty = y + k * 22;
  rows.push(cross(x + 8, ty, 10, 'black', 2.2));
  rows.push(`<text x="${x + 22}" y="${ty + 5}" ${FONT} font-size="13">centroid after each iteration (line: its path)</text>`);
  rows.push(`<circle cx="${x + 8}" cy="${ty + 22}" r="7" fill="none" stroke="black" stroke-width="1.2" stroke-dasharray="3 2"/>`);
  rows.push(`<text x="${x + 22}" y="${ty + 27}" ${FONT} font-size="13">initial centroid</text>`);
  return rows.join('\n');
}
