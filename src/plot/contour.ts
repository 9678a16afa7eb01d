/**
 * Contour plots of a 2-D loss with optimizer paths drawn over them, as the notes'
 * `plot_optim` draws them with matplotlib (`contour(X, Y, Z, levels=30,
 * cmap='viridis', alpha=0.4)`, `clabel(..., inline=True, fontsize=8)`, the path
 * as `'ro-'`, no ticks). Contour lines come from `d3-contour` (marching squares).
 *
 * @packageDocumentation
 */
import { contours } from 'd3-contour';
import type { Array as NpArray } from '../core/array.js';
import { ArgumentError, ShapeError } from '../errors.js';
import * as np from '../numpy/index.js';
import { vmap } from '../transforms/vmap.js';
import { viridis } from './colors.js';
import {
  axesBox,
  checkSize,
  dataToPixel,
  esc,
  frameSvg,
  hashId,
  legendSize,
  legendSvg,
  num,
  PT,
  svgDocument,
  textWidth,
  titleSvg,
  type Box,
  type LegendEntry,
} from './svg.js';
import { contourLevels, numberFormatter } from './ticks.js';

/**
 * A path of points drawn over a plot as dots joined by lines (matplotlib's `'ro-'`
 * when the color is red).
 *
 * @example
 * ```ts
 * import { plot } from 'tfjax';
 * const path: plot.PlotPath = { points: [[-0.9, 0.4], [-0.5, 0.1], [0.2, 0]], color: 'red', label: 'gradient descent' };
 * const svg = await plot.contourSvg((z) => z.mul(z).sum(), { paths: [path] });
 * console.log(svg.includes('gradient descent')); // true
 * ```
 * @category Plotting
 */
export interface PlotPath {
  /** The points `[x, y]` in data coordinates, in order. */
  points: readonly (readonly [number, number])[];
  /** Any SVG color; default `'red'`. */
  color?: string;
  /** The legend text; paths without a label get no legend row. */
  label?: string;
}

/**
 * Options of {@link contourSvg}. Sizes are in pixels at matplotlib's 100 dpi
 * (600 x 300 is the notes' `figsize=(6, 3)`).
 *
 * @example
 * ```ts
 * import { plot } from 'tfjax';
 * const opts: plot.ContourOptions = { xRange: [-2, 2], yRange: [-1, 1], levels: 10, grid: 50, labels: false };
 * const svg = await plot.contourSvg((z) => z.mul(z).sum(), opts);
 * console.log(svg.startsWith('<svg')); // true
 * ```
 * @category Plotting
 */
export interface ContourOptions {
  /** The x range of the grid `[xmin, xmax]`; default `[-1, 1]` (the notes'). */
  xRange?: readonly [number, number];
  /** The y range of the grid `[ymin, ymax]`; default `[-0.5, 0.5]` (the notes'). */
  yRange?: readonly [number, number];
  /**
   * A level count `n` (default 30, as the notes' `levels=30`): round levels chosen
   * as matplotlib's `MaxNLocator(n + 1)` chooses them over the grid's `[min, max]`
   * (steps of 1, 2, 2.5 or 5 times a power of ten, so usually fewer than `n` lines;
   * one level at or below the minimum and one at or above the maximum are kept, and
   * draw nothing, as in matplotlib). Or the levels themselves, in increasing order.
   */
  levels?: number | readonly number[];
  /** Grid points per axis (`n` or `[nx, ny]`), at least 2; default 100 (the notes' `linspace(..., 100)`). */
  grid?: number | readonly [number, number];
  /** Figure width in pixels; default 600. */
  width?: number;
  /** Figure height in pixels; default 300. */
  height?: number;
  /** Opacity of the contour lines and their labels; default 0.4 (the notes' `alpha=0.4`). */
  alpha?: number;
  /** Whether to label levels inline (8 pt, the line broken under the text, as `clabel(inline=True)`); default true. */
  labels?: boolean;
  /** Paths drawn over the contours (optimizer iterates). */
  paths?: readonly PlotPath[];
  /**
   * Whether to draw a legend of the labeled paths: inside the axes where it covers
   * the fewest path points (matplotlib's `loc='best'`), or `'outside'`, right of the
   * axes (which then narrow to make room, as matplotlib's `bbox_to_anchor=(1.02, 1)`
   * with a tight layout); default: inside, when some path has a label.
   */
  legend?: boolean | 'outside';
  /** A title above the axes; default none (the notes' figures have none). */
  title?: string;
}

/** One contour line in grid-index coordinates (`[i, j]`: sample `i` along x, `j` along y). */
export interface GridLine {
  points: [number, number][];
  closed: boolean;
}

/**
 * The contour lines at `level` of a row-major `ny` x `nx` grid of `values`
 * (`values[j * nx + i]` at grid point `(i, j)`), in grid-index coordinates.
 * d3-contour returns the boundaries of the regions where `value >= level`; the
 * parts of those boundaries that run along the outside of the grid are not contour
 * lines, so each ring is cut there into open lines that end on the grid's edge.
 *
 * @internal
 */
export function contourLines(values: readonly number[], nx: number, ny: number, level: number): GridLine[] {
  const mp = contours().size([nx, ny]).contour(values as number[], level);
  const lines: GridLine[] = [];
  // d3-contour puts sample (i, j) at (i + 0.5, j + 0.5); ring points at 0 or at nx (ny) lie outside the grid.
  const outside = (p: number[]): boolean => p[0] === 0 || p[0] === nx || p[1] === 0 || p[1] === ny;
  const toGrid = (p: number[]): [number, number] => [p[0]! - 0.5, p[1]! - 0.5];
  for (const polygon of mp.coordinates) {
    for (const ring of polygon) {
      const pts = ring.slice();
      const first = pts[0];
      const last = pts[pts.length - 1];
      if (pts.length > 1 && first && last && first[0] === last[0] && first[1] === last[1]) pts.pop();
      const start = pts.findIndex(outside);
      if (start < 0) {
        if (pts.length >= 2) lines.push({ points: pts.map(toGrid), closed: true });
        continue;
      }
      let run: [number, number][] = [];
      for (let k = 1; k <= pts.length; k++) {
        const p = pts[(start + k) % pts.length]!;
        if (outside(p)) {
          if (run.length >= 2) lines.push({ points: run, closed: false });
          run = [];
        } else {
          run.push(toGrid(p));
        }
      }
    }
  }
  return lines;
}

/** A rectangle rotated about its center, for label placement. */
interface Label {
  cx: number;
  cy: number;
  angle: number;
  w: number;
  h: number;
}

function labelBounds(l: Label): Box {
  const a = (l.angle * Math.PI) / 180;
  const hw = (Math.abs(Math.cos(a)) * l.w + Math.abs(Math.sin(a)) * l.h) / 2;
  const hh = (Math.abs(Math.sin(a)) * l.w + Math.abs(Math.cos(a)) * l.h) / 2;
  return { left: l.cx - hw, right: l.cx + hw, top: l.cy - hh, bottom: l.cy + hh };
}

const overlaps = (a: Box, b: Box): boolean => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/**
 * Where to put one inline label of width `w` on a pixel polyline: the straightest
 * stretch of the line (chord over arc length), nearer the middle on ties, with the
 * label inside `box` and clear of `placed`. `undefined` when the line is too short.
 */
function placeLabel(pts: readonly [number, number][], w: number, h: number, box: Box, placed: readonly Box[]): Label | undefined {
  const cum = [0];
  for (let i = 1; i < pts.length; i++) cum.push(cum[i - 1]! + Math.hypot(pts[i]![0] - pts[i - 1]![0], pts[i]![1] - pts[i - 1]![1]));
  const total = cum[cum.length - 1]!;
  if (total < 1.5 * w) return undefined;
  const at = (s: number): [number, number] => {
    let i = 1;
    while (i < cum.length - 1 && cum[i]! < s) i++;
    const seg = cum[i]! - cum[i - 1]!;
    const f = seg > 0 ? (s - cum[i - 1]!) / seg : 0;
    return [pts[i - 1]![0] + f * (pts[i]![0] - pts[i - 1]![0]), pts[i - 1]![1] + f * (pts[i]![1] - pts[i - 1]![1])];
  };
  let best: Label | undefined;
  let bestScore = -Infinity;
  const stride = Math.max(2, w / 4);
  for (let s = w / 2; s <= total - w / 2; s += stride) {
    const p0 = at(s - w / 2);
    const p1 = at(s + w / 2);
    const straight = Math.hypot(p1[0] - p0[0], p1[1] - p0[1]) / w;
    if (straight < 0.9) continue;
    const [cx, cy] = at(s);
    let angle = (Math.atan2(p1[1] - p0[1], p1[0] - p0[0]) * 180) / Math.PI;
    if (angle > 90) angle -= 180;
    if (angle <= -90) angle += 180;
    const label: Label = { cx, cy, angle, w, h };
    const b = labelBounds(label);
    if (b.left < box.left + 2 || b.right > box.right - 2 || b.top < box.top + 2 || b.bottom > box.bottom - 2) continue;
    if (placed.some((q) => overlaps(q, b))) continue;
    const score = straight - 0.1 * Math.abs(s - total / 2) / total;
    if (score > bestScore) {
      bestScore = score;
      best = label;
    }
  }
  return best;
}

/** Axis limits: `range`, widened to take in any of `values` outside it, plus 5% of the widened span on that side. */
function limits(range: readonly [number, number], values: readonly number[]): [number, number] {
  let lo = range[0];
  let hi = range[1];
  const finite = values.filter(Number.isFinite);
  const vmin = Math.min(...finite);
  const vmax = Math.max(...finite);
  const span = Math.max(hi, vmax) - Math.min(lo, vmin);
  if (vmin < lo) lo = vmin - 0.05 * span;
  if (vmax > hi) hi = vmax + 0.05 * span;
  return [lo, hi];
}

function checkRange(name: string, r: readonly [number, number]): void {
  if (!(Array.isArray(r) && r.length === 2 && Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[0] < r[1])) {
    throw new ArgumentError(`plot.contourSvg: ${name} must be [lo, hi] with finite lo < hi, got ${JSON.stringify(r)}`);
  }
}

function gridSize(grid: ContourOptions['grid']): [number, number] {
  const [nx, ny] = typeof grid === 'number' ? [grid, grid] : grid === undefined ? [100, 100] : [grid[0], grid[1]];
  if (!(Number.isInteger(nx) && Number.isInteger(ny) && nx >= 2 && ny >= 2)) {
    throw new ArgumentError(`plot.contourSvg: grid must be an integer >= 2 or a pair of them, got ${JSON.stringify(grid)}`);
  }
  return [nx, ny];
}

/**
 * The contour figure of values on a grid: `z[j * nx + i]` is the value at
 * `x = xRange[0] + i * dx`, `y = yRange[0] + j * dy` (row-major with y rows, as
 * `np.meshgrid` lays it out). {@link contourSvg} evaluates the grid and calls this.
 *
 * @internal
 */
export function contourGridSvg(z: ArrayLike<number>, nx: number, ny: number, opts: ContourOptions = {}): string {
  const width = opts.width ?? 600;
  const height = opts.height ?? 300;
  checkSize('plot.contourSvg', width, height);
  const xRange = opts.xRange ?? [-1, 1];
  const yRange = opts.yRange ?? [-0.5, 0.5];
  checkRange('xRange', xRange);
  checkRange('yRange', yRange);
  if (z.length !== nx * ny) throw new ShapeError(`plot.contourSvg: expected ${nx * ny} grid values (${ny} x ${nx}), got ${z.length}`);
  const alpha = opts.alpha ?? 0.4;
  const paths = opts.paths ?? [];
  for (const [k, p] of paths.entries()) {
    for (const [i, pt] of p.points.entries()) {
      if (!(Array.isArray(pt) && pt.length === 2 && typeof pt[0] === 'number' && typeof pt[1] === 'number')) {
        throw new ArgumentError(`plot.contourSvg: paths[${k}].points[${i}] must be [x, y] numbers, got ${JSON.stringify(pt)}`);
      }
    }
  }

  const values = Array.from(z, (v) => (Number.isFinite(v) ? v : NaN));
  let zmin = Infinity;
  let zmax = -Infinity;
  for (const v of values) {
    if (v < zmin) zmin = v;
    if (v > zmax) zmax = v;
  }
  let levels: number[];
  if (typeof opts.levels === 'number' || opts.levels === undefined) {
    const n = opts.levels ?? 30;
    if (!(Number.isInteger(n) && n >= 1)) throw new ArgumentError(`plot.contourSvg: levels must be a positive integer or a list of levels, got ${n}`);
    levels = zmin <= zmax ? contourLevels(zmin, zmax, n) : [];
  } else {
    levels = [...opts.levels];
    for (let i = 0; i < levels.length; i++) {
      if (!Number.isFinite(levels[i]) || (i > 0 && levels[i]! <= levels[i - 1]!)) {
        throw new ArgumentError(`plot.contourSvg: explicit levels must be finite and increasing, got ${JSON.stringify(opts.levels)}`);
      }
    }
  }

  const allX = paths.flatMap((p) => p.points.map((q) => q[0]));
  const allY = paths.flatMap((p) => p.points.map((q) => q[1]));
  const xlim = limits(xRange, allX);
  const ylim = limits(yRange, allY);
  const box = axesBox(width, height);
  const legend: LegendEntry[] = paths.flatMap((p) => (p.label === undefined ? [] : [{ label: p.label, color: p.color ?? 'red', marker: true }]));
  const outside = opts.legend === 'outside' && legend.length > 0;
  const [legendW] = outside ? legendSize(legend) : [0];
  if (outside) {
    box.right = width - legendW - 0.02 * width;
    if (box.right - box.left < 0.25 * width) {
      throw new ArgumentError(`plot.contourSvg: the legend (${Math.round(legendW)} px wide) leaves too little room outside the axes of a ${width} px wide figure; make it wider`);
    }
  }
  const toPx = dataToPixel(box, xlim, ylim);
  const gx = (i: number): number => xRange[0] + (i * (xRange[1] - xRange[0])) / (nx - 1);
  const gy = (j: number): number => yRange[0] + (j * (yRange[1] - yRange[0])) / (ny - 1);

  const lo = levels[0] ?? 0;
  const hi = levels[levels.length - 1] ?? 1;
  const fmt = numberFormatter(levels);
  const fs = 8 * PT;
  const lw = 1.5 * PT;
  const placed: Box[] = [];
  const lineParts: string[] = [];
  const labelParts: string[] = [];
  const masks: string[] = [];
  for (const [k, level] of levels.entries()) {
    const color = viridis(hi > lo ? (level - lo) / (hi - lo) : 0.5);
    const lines = contourLines(values, nx, ny, level).map((l) => ({
      closed: l.closed,
      px: l.points.map(([i, j]) => toPx(gx(i), gy(j))),
    }));
    const d = lines
      .map((l) => `M${l.px.map(([x, y]) => `${num(x)} ${num(y)}`).join('L')}${l.closed ? 'Z' : ''}`)
      .join('');
    const gaps: Label[] = [];
    if (opts.labels ?? true) {
      const text = fmt(level);
      const w = textWidth(text, fs) + 5;
      for (const l of lines) {
        const label = placeLabel(l.closed ? [...l.px, l.px[0]!] : l.px, w, fs, box, placed);
        if (label === undefined) continue;
        placed.push(labelBounds(label));
        gaps.push(label);
        labelParts.push(
          `<text transform="translate(${num(label.cx)} ${num(label.cy)}) rotate(${num(label.angle)})" y="${num(0.36 * fs)}" fill="${color}">${esc(text)}</text>`,
        );
      }
    }
    const maskId = `m${k}`;
    if (gaps.length > 0) {
      masks.push(
        `<mask id="@ID@-${maskId}" maskUnits="userSpaceOnUse" x="0" y="0" width="${num(width)}" height="${num(height)}">` +
          `<rect width="${num(width)}" height="${num(height)}" fill="white"/>` +
          gaps
            .map((g) => `<rect x="${num(-g.w / 2)}" y="${num(-g.h / 2)}" width="${num(g.w)}" height="${num(g.h)}" transform="translate(${num(g.cx)} ${num(g.cy)}) rotate(${num(g.angle)})" fill="black"/>`)
            .join('') +
          '</mask>',
      );
    }
    const mask = gaps.length > 0 ? ` mask="url(#@ID@-${maskId})"` : '';
    lineParts.push(`<path class="contour" data-level="${level}" stroke="${color}" d="${d}"${mask}/>`);
  }

  const pathParts: string[] = [];
  const pathPixels: [number, number][] = [];
  for (const p of paths) {
    const color = p.color ?? 'red';
    const px = p.points.map(([x, y]) => toPx(x, y));
    pathPixels.push(...px);
    const d = px.length > 1 ? `<path d="M${px.map(([x, y]) => `${num(x)} ${num(y)}`).join('L')}" fill="none" stroke-width="${num(lw)}" stroke-linejoin="round"/>` : '';
    const dots = px.map(([x, y]) => `<circle class="point" cx="${x}" cy="${y}" r="${num(3 * PT)}" fill="${esc(color)}"/>`).join('');
    const label = p.label === undefined ? '' : ` data-label="${esc(p.label)}"`;
    pathParts.push(`<g class="optim-path" stroke="${esc(color)}"${label}>${d}<g stroke-width="${num(PT)}">${dots}</g></g>`);
  }
  const showLegend = opts.legend === undefined ? legend.length > 0 : opts.legend !== false;
  const legendAt: [number, number] | undefined = outside ? [box.right + 0.01 * width, box.top] : undefined;

  const { left, right, top, bottom } = box;
  const clip = `<clipPath id="@ID@-clip"><rect x="${num(left)}" y="${num(top)}" width="${num(right - left)}" height="${num(bottom - top)}"/></clipPath>`;
  const content =
    `<defs>${clip}${masks.join('')}</defs>` +
    `<g class="contours" clip-path="url(#@ID@-clip)" fill="none" stroke-width="${num(lw)}" stroke-opacity="${alpha}" stroke-linejoin="round">${lineParts.join('')}</g>` +
    `<g class="contour-labels" font-size="${num(fs)}" text-anchor="middle" fill-opacity="${alpha}">${labelParts.join('')}</g>` +
    `<g class="paths" clip-path="url(#@ID@-clip)">${pathParts.join('')}</g>` +
    frameSvg(box) +
    titleSvg(box, opts.title) +
    (showLegend ? legendSvg(legend, box, pathPixels, legendAt) : '');
  const id = `tfjax-${hashId(content)}`;
  return svgDocument(width, height, content.replaceAll('@ID@', id));
}

/**
 * The contour plot of a 2-D function with paths drawn over it, as an SVG string:
 * the notes' `plot_optim` figure. `f` maps a point `z` (shape `[2]`) to a scalar;
 * it is evaluated on the whole `grid` x `grid` mesh over `xRange` x `yRange` in one
 * batched call, `vmap(f)` of the `[grid * grid, 2]` points, as the notes do with
 * `jax.vmap(loss_fn)(XY)`. Contour lines (marching squares, d3-contour) are
 * colored along viridis at opacity `alpha`, labeled inline, and clipped to the axes;
 * each path is drawn as dots joined by lines (`'ro-'`) in data coordinates. There
 * are no ticks, as in the notes.
 *
 * Layout, in pixels: the axes span `[0.125, 0.9] * width` across and
 * `[0.12, 0.89] * height` down (matplotlib's default subplot box); their limits are
 * `xRange` and `yRange`, widened where a path point lies outside them (to take it
 * in, plus 5% of the widened span on that side). The grid is read with an
 * asynchronous read, so this works on every backend.
 *
 * @param f - the function, `(z: np.Array) => np.Array` with `z` of shape `[2]` and a scalar result.
 * @param opts - see {@link ContourOptions}.
 * @returns a standalone `<svg>` document.
 * @throws ArgumentError for bad ranges, grid sizes or levels; ShapeError when `f` does not return a scalar.
 * @example
 * ```ts
 * import { np, plot } from 'tfjax';
 * const loss = (z: np.Array) => np.sum(np.mul(np.array([1, 4]), np.square(z)));
 * const svg = await plot.contourSvg(loss, {
 *   levels: 12,
 *   paths: [{ points: [[-0.9, 0.4], [-0.7, 0.08], [-0.56, 0.016]], color: 'red', label: 'GD' }],
 * });
 * console.log(svg.match(/class="contour"/g)!.length <= 15); // true
 * ```
 * @category Plotting
 */
export async function contourSvg(f: (z: NpArray) => NpArray, opts: ContourOptions = {}): Promise<string> {
  const [nx, ny] = gridSize(opts.grid);
  const xRange = opts.xRange ?? [-1, 1];
  const yRange = opts.yRange ?? [-0.5, 0.5];
  checkRange('xRange', xRange);
  checkRange('yRange', yRange);
  const xy = new Float32Array(2 * nx * ny);
  for (let j = 0; j < ny; j++) {
    const y = yRange[0] + (j * (yRange[1] - yRange[0])) / (ny - 1);
    for (let i = 0; i < nx; i++) {
      xy[2 * (j * nx + i)] = xRange[0] + (i * (xRange[1] - xRange[0])) / (nx - 1);
      xy[2 * (j * nx + i) + 1] = y;
    }
  }
  const flat = np.array(xy);
  const points = np.reshape(flat, [nx * ny, 2]);
  flat.dispose();
  let z: NpArray;
  try {
    z = vmap(f)(points);
  } finally {
    points.dispose();
  }
  let values: Float32Array | Int32Array | Uint8Array;
  try {
    if (z.size !== nx * ny) {
      throw new ShapeError(`plot.contourSvg: f must return a scalar for each point z of shape [2]; vmap(f) over ${nx * ny} points gave shape [${z.shape.join(', ')}]`);
    }
    values = await z.data();
  } finally {
    z.dispose();
  }
  return contourGridSvg(values, nx, ny, opts);
}
