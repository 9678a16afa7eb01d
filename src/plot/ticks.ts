/**
 * Round tick and contour-level values, chosen the way matplotlib's `MaxNLocator`
 * chooses them (steps of 1, 2, 2.5 or 5 times a power of ten), and number labels
 * with as few decimals as keep them distinct (matplotlib's `ScalarFormatter`).
 * Written from matplotlib's documented behaviour, not its code.
 *
 * @packageDocumentation
 */

/** matplotlib's default `MaxNLocator` steps, extended one decade down and one step up. */
const STEPS = [1, 2, 2.5, 5, 10];
const EXTENDED = [...STEPS.slice(0, -1).map((s) => s / 10), ...STEPS, 10 * STEPS[1]!];

/** Python's `divmod` for floats: the remainder takes the sign of the divisor. */
function divmod(x: number, step: number): [number, number] {
  let m = x % step;
  if (m !== 0 && m < 0 !== step < 0) m += step;
  return [Math.round((x - m) / step), m];
}

/** `ticks` rounded to the step's decimals, so that `0.30000000000000004` reads `0.3`. */
function clean(ticks: number[], step: number): number[] {
  const decimals = Math.max(0, Math.min(15, 3 - Math.floor(Math.log10(step))));
  return ticks.map((t) => {
    const r = Number(t.toFixed(decimals));
    return Math.abs(r - t) <= Math.abs(step) * 1e-9 ? r : t;
  });
}

/**
 * Tick values covering `[vmin, vmax]` with at most `nbins` intervals between them
 * inside the range, at round steps (`MaxNLocator(nbins, min_n_ticks).tick_values`).
 * The first tick is at or below `vmin` and the last at or above `vmax`.
 *
 * @internal
 */
export function maxNLocator(vmin: number, vmax: number, nbins: number, minNTicks = 2): number[] {
  if (!Number.isFinite(vmin) || !Number.isFinite(vmax)) return [];
  if (vmin > vmax) [vmin, vmax] = [vmax, vmin];
  if (vmax - vmin <= 1e-13 * Math.max(Math.abs(vmin), Math.abs(vmax), 1e-14)) {
    // matplotlib's `nonsingular`: widen a zero-width range.
    const d = vmin === 0 ? 1 : Math.abs(vmin) * 1e-3;
    vmin -= d;
    vmax += d;
  }
  const dv = vmax - vmin;
  const meanv = (vmax + vmin) / 2;
  const offset = Math.abs(meanv) / dv < 100 ? 0 : Math.sign(meanv) * 10 ** Math.floor(Math.log10(Math.abs(meanv)));
  const scale = 10 ** Math.floor(Math.log10(dv / nbins));
  const lo = vmin - offset;
  const hi = vmax - offset;
  const steps = EXTENDED.map((s) => s * scale);
  const raw = (hi - lo) / nbins;
  let istep = steps.findIndex((s) => s >= raw);
  if (istep < 0) istep = steps.length - 1;
  let ticks: number[] = [];
  let chosen = steps[istep]!;
  for (let k = istep; k >= 0; k--) {
    const step = steps[k]!;
    const best = Math.floor(lo / step) * step;
    const tol = offset > 0 ? Math.min(0.4999, Math.max(1e-10, 10 ** (Math.log10(offset / step) - 12))) : 1e-10;
    // The integer multiples of `step` (from `best`) at or below `lo` and at or above `hi`, with a tolerance.
    const [d0, m0] = divmod(lo - best, step);
    const low = Math.abs(m0 / step - 1) < tol ? d0 + 1 : d0;
    const [d1, m1] = divmod(hi - best, step);
    const high = Math.abs(m1 / step) < tol ? d1 : d1 + 1;
    ticks = [];
    for (let i = low; i <= high; i++) ticks.push(i * step + best + offset);
    chosen = step;
    const inside = ticks.filter((t) => t - offset <= hi && t - offset >= lo).length;
    if (inside >= minNTicks) break;
  }
  return clean(ticks, chosen);
}

/**
 * Contour levels for `levels` requested over data in `[zmin, zmax]`, as matplotlib's
 * `contour(..., levels=n)` picks them: `MaxNLocator(n + 1, min_n_ticks=1)` ticks,
 * trimmed to the last one at or below `zmin` through the first one at or above
 * `zmax`. The two end levels usually draw no line (they lie outside the data); the
 * colormap spans all of them, as in matplotlib.
 *
 * @internal
 */
export function contourLevels(zmin: number, zmax: number, levels: number): number[] {
  const lev = maxNLocator(zmin, zmax, levels + 1, 1);
  let i0 = 0;
  for (let i = 0; i < lev.length; i++) if (lev[i]! < zmin) i0 = i;
  let i1 = lev.length;
  for (let i = lev.length - 1; i >= 0; i--) if (lev[i]! > zmax) i1 = i + 1;
  if (i1 - i0 < 3) return lev;
  return lev.slice(i0, i1);
}

/**
 * A formatter for numbers at the given positions: fixed notation with the fewest
 * decimals (up to 10) that keep every position's label equal to its value within
 * a millionth of the spacing (as matplotlib's `ScalarFormatter` picks its
 * precision), or exponent notation for very large or small magnitudes.
 *
 * @internal
 */
export function numberFormatter(locs: readonly number[]): (v: number) => string {
  const finite = locs.filter(Number.isFinite);
  if (finite.length === 0) return (v) => String(v);
  const big = Math.max(...finite.map(Math.abs));
  const sorted = [...finite].sort((a, b) => a - b);
  let spacing = Infinity;
  for (let i = 1; i < sorted.length; i++) if (sorted[i]! > sorted[i - 1]!) spacing = Math.min(spacing, sorted[i]! - sorted[i - 1]!);
  if (!Number.isFinite(spacing)) spacing = big === 0 ? 1 : big;
  if (big >= 1e6 || (big > 0 && big < 1e-4) || spacing < 1e-8) {
    return (v) => (v === 0 ? '0' : v.toExponential(Math.max(0, Math.min(6, Math.ceil(Math.log10(big / spacing)))))).replace('e+', 'e');
  }
  let decimals = 0;
  while (decimals < 10 && finite.some((v) => Math.abs(Number(v.toFixed(decimals)) - v) > spacing * 1e-6)) decimals++;
  return (v) => {
    const s = v.toFixed(decimals);
    return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
  };
}
