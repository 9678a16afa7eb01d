/**
 * Loss curves, as the notes' `plot_losses` draws them: each series smoothed by a
 * moving average over 100 steps, one line per series in matplotlib's color cycle,
 * a legend, a title, and the y axis from -0.05.
 *
 * @packageDocumentation
 */
import { ArgumentError } from '../errors.js';
import { TAB10 } from './colors.js';
import { axesBox, checkSize, dataToPixel, esc, frameSvg, hashId, legendSvg, num, PT, svgDocument, ticksSvg, titleSvg } from './svg.js';

/**
 * One curve of {@link lossCurvesSvg}.
 *
 * @example
 * ```ts
 * import { plot } from 'tfjax';
 * const s: plot.LossSeries = { label: 'SGD', values: [3, 2, 1.5, 1.2, 1.1], color: 'black' };
 * console.log(plot.lossCurvesSvg([s], { smooth: 1 }).includes('SGD')); // true
 * ```
 * @category Plotting
 */
export interface LossSeries {
  /** The legend text. */
  label: string;
  /** The loss at each step (non-finite values leave a gap). */
  values: ArrayLike<number>;
  /** Any SVG color; default: matplotlib's color cycle (`C0`, `C1`, ... by position). */
  color?: string;
}

/**
 * Options of {@link lossCurvesSvg}. Sizes are in pixels at 100 dpi (500 x 300 is
 * the notes' `figsize=(5, 3)`).
 *
 * @example
 * ```ts
 * import { plot } from 'tfjax';
 * const opts: plot.LossCurvesOptions = { ylim: 2, title: 'Train Loss', smooth: 10 };
 * const svg = plot.lossCurvesSvg([{ label: 'a', values: Array.from({ length: 50 }, (_, i) => 1 / (i + 1)) }], opts);
 * console.log(svg.includes('Train Loss')); // true
 * ```
 * @category Plotting
 */
export interface LossCurvesOptions {
  /**
   * The y limits. A number `t` gives `[-0.05, t]` (the notes' `set_ylim(-0.05, ylim)`);
   * a pair gives them exactly; by default the bottom is -0.05 (lower only if a value
   * is) and the top is the largest value plus 5% of the span (the notes' `ylim=None`).
   */
  ylim?: number | readonly [number, number];
  /** A title above the axes; default none. */
  title?: string;
  /**
   * The moving-average window (the notes' `np.convolve(loss, np.ones(100), 'valid') / 100`);
   * default 100, capped at each series' length; 1 draws the raw values. The x axis
   * counts the averaged points, as in the notes.
   */
  smooth?: number;
  /** Figure width in pixels; default 500. */
  width?: number;
  /** Figure height in pixels; default 300. */
  height?: number;
  /** Whether to draw the legend; default true (the notes' `axs.legend()`). */
  legend?: boolean;
}

/** The 'valid' moving average of `v` over `w` points (a running sum, in float64). */
function movingAverage(v: ArrayLike<number>, w: number): number[] {
  const n = v.length;
  const out: number[] = [];
  for (let i = 0; i + w <= n; i++) {
    let s = 0;
    for (let k = i; k < i + w; k++) s += v[k]!;
    out.push(s / w);
  }
  return out;
}

/**
 * Loss curves as an SVG string, the notes' `plot_losses(losses, labels, title,
 * colors, ylim)`: each series smoothed by a moving average (`smooth`, default 100,
 * as the notes'), drawn as a 1.5 pt line against the averaged step index, with
 * ticks, a legend (best corner) and a title. Lines are clipped to the axes.
 *
 * @param series - the curves: `{ label, values, color? }`.
 * @param opts - see {@link LossCurvesOptions}.
 * @returns a standalone `<svg>` document.
 * @throws ArgumentError for a bad window, limits or size.
 * @example
 * ```ts
 * import { plot } from 'tfjax';
 * const steps = Array.from({ length: 1000 }, (_, i) => i);
 * const svg = plot.lossCurvesSvg(
 *   [
 *     { label: 'SGD', values: steps.map((i) => 2 * Math.exp(-i / 300) + 0.1 * Math.sin(i)) },
 *     { label: 'Adam', values: steps.map((i) => 2 * Math.exp(-i / 100)) },
 *   ],
 *   { title: 'Train Loss', ylim: 2 },
 * );
 * console.log(svg.match(/class="loss-curve"/g)!.length); // 2
 * ```
 * @category Plotting
 */
export function lossCurvesSvg(series: readonly LossSeries[], opts: LossCurvesOptions = {}): string {
  const width = opts.width ?? 500;
  const height = opts.height ?? 300;
  checkSize('plot.lossCurvesSvg', width, height);
  const smooth = opts.smooth ?? 100;
  if (!(Number.isInteger(smooth) && smooth >= 1)) throw new ArgumentError(`plot.lossCurvesSvg: smooth must be a positive integer window, got ${smooth}`);
  const curves = series.map((s, k) => ({
    label: s.label,
    color: s.color ?? TAB10[k % TAB10.length]!,
    y: movingAverage(s.values, Math.max(1, Math.min(smooth, s.values.length))),
  }));
  const finiteY = curves.flatMap((c) => c.y.filter(Number.isFinite));
  const n = Math.max(0, ...curves.map((c) => c.y.length));
  // x limits: the data range plus 5% margins (matplotlib's autoscale).
  const xmax = Math.max(n - 1, 0);
  const xspan = xmax > 0 ? xmax : 1;
  const xlim: [number, number] = xmax > 0 ? [-0.05 * xspan, xmax + 0.05 * xspan] : [-0.05, 0.05];
  let ylim: [number, number];
  if (typeof opts.ylim === 'number') {
    ylim = [-0.05, opts.ylim];
  } else if (opts.ylim !== undefined) {
    ylim = [opts.ylim[0], opts.ylim[1]];
  } else {
    const lo = finiteY.length > 0 ? Math.min(...finiteY) : 0;
    const hi = finiteY.length > 0 ? Math.max(...finiteY) : 1;
    const span = hi > lo ? hi - lo : Math.max(Math.abs(hi), 1);
    ylim = [Math.min(-0.05, lo - 0.05 * span), hi + 0.05 * span];
  }
  if (!(Number.isFinite(ylim[0]) && Number.isFinite(ylim[1]) && ylim[0] < ylim[1])) {
    throw new ArgumentError(`plot.lossCurvesSvg: ylim must give finite limits lo < hi, got [${ylim.join(', ')}]`);
  }

  const box = axesBox(width, height);
  const toPx = dataToPixel(box, xlim, ylim);
  const avoid: [number, number][] = [];
  const lines = curves.map((c) => {
    let d = '';
    let pen = false;
    c.y.forEach((v, i) => {
      if (!Number.isFinite(v)) {
        pen = false;
        return;
      }
      const [x, y] = toPx(i, v);
      avoid.push([x, y]);
      d += `${pen ? 'L' : 'M'}${num(x)} ${num(y)}`;
      pen = true;
    });
    return `<path class="loss-curve" data-label="${esc(c.label)}" stroke="${esc(c.color)}" d="${d}"/>`;
  });
  const { left, right, top, bottom } = box;
  const content =
    `<defs><clipPath id="@ID@-clip"><rect x="${num(left)}" y="${num(top)}" width="${num(right - left)}" height="${num(bottom - top)}"/></clipPath></defs>` +
    `<g class="curves" clip-path="url(#@ID@-clip)" fill="none" stroke-width="${num(1.5 * PT)}" stroke-linejoin="round" stroke-linecap="square">${lines.join('')}</g>` +
    ticksSvg(box, xlim, ylim) +
    frameSvg(box) +
    titleSvg(box, opts.title) +
    ((opts.legend ?? true) ? legendSvg(curves.map((c) => ({ label: c.label, color: c.color, marker: false })), box, avoid) : '');
  return svgDocument(width, height, content.replaceAll('@ID@', `tfjax-${hashId(content)}`));
}
