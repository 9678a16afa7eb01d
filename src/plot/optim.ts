/**
 * The notes' `plot_optim`: run an optimizer step from a start point, collect the
 * iterates, and draw them over the loss's contour plot.
 *
 * @packageDocumentation
 */
import type { Array as NpArray } from '../core/array.js';
import { ConcreteArray } from '../core/concrete.js';
import { scoped } from '../core/scope.js';
import { ArgumentError } from '../errors.js';
import * as np from '../numpy/index.js';
import * as tree from '../tree/index.js';
import { vmap } from '../transforms/vmap.js';
import { contourSvg, type ContourOptions } from './contour.js';

/**
 * An optimizer step as {@link plotOptim} calls it: `step(params, state, lossFn)`
 * returning `[params, state, ...]` (the `optim` steps return `[params, state,
 * info]`; the notes' steps return `(z, state)`). Write it as pure array code, as
 * in the notes: {@link plotOptim} runs each call in a scope that frees everything
 * made inside except the returned params and state, and frees those when the next
 * step replaces them.
 *
 * @example
 * ```ts
 * import { grad, np, plot } from 'tfjax';
 * const gd: plot.OptimStep<null> = (z, state, lossFn) => [np.sub(z, np.mul(grad(lossFn)(z), 0.1)), state];
 * const { points } = await plot.plotOptim(gd, null, (z) => np.sum(np.square(z)), { steps: 3 });
 * console.log(points.length); // 3
 * ```
 * @category Plotting
 */
export type OptimStep<S> = (params: NpArray, state: S, lossFn: (z: NpArray) => NpArray) => readonly [NpArray, S, ...unknown[]];

/**
 * Options of {@link plotOptim}: the run (`steps`, `start`) and the figure (every
 * option of {@link ContourOptions}; `paths` are drawn after the optimizer's own).
 *
 * @example
 * ```ts
 * import { np, plot } from 'tfjax';
 * const opts: plot.PlotOptimOptions = { steps: 5, start: [0.5, -0.3], label: 'stay', color: 'blue', levels: 8 };
 * const { points } = await plot.plotOptim((z, s) => [z, s], null, (z) => np.sum(np.square(z)), opts);
 * console.log(points); // five times [0.5, -0.3] (float32 values)
 * ```
 * @category Plotting
 */
export interface PlotOptimOptions extends ContourOptions {
  /** The number of steps; default 15 (the notes'). */
  steps?: number;
  /** The start point `[x, y]`; default `[-0.9, 0.4]` (the notes'). */
  start?: readonly [number, number];
  /** The color of the optimizer's path; default `'red'` (the notes' `'ro-'`). */
  color?: string;
  /** A legend label for the optimizer's path; default none. */
  label?: string;
}

/**
 * What {@link plotOptim} returns.
 *
 * @example
 * ```ts
 * import { np, plot } from 'tfjax';
 * const r: plot.PlotOptimResult = await plot.plotOptim((z, s) => [z, s], null, (z) => np.sum(np.square(z)), { steps: 2 });
 * console.log(r.points.length, r.losses.length, r.svg.length > 0); // 2 2 true
 * ```
 * @category Plotting
 */
export interface PlotOptimResult {
  /** The figure, a standalone `<svg>` document. */
  svg: string;
  /** The iterates `[x, y]`, each taken before a step (the start point first), `steps` of them. */
  points: [number, number][];
  /** `lossFn` at each of `points`. */
  losses: number[];
}

/** The concrete arrays among the leaves of a pytree (`null` and numbers have none). */
function arraysIn(x: unknown): NpArray[] {
  return tree.leaves(x).filter((l): l is NpArray => l instanceof ConcreteArray);
}

/**
 * The notes' `plot_optim(optim_fn, opt_state, steps=15)`: starting from `start`,
 * records the iterate `z` and then steps, `steps` times (so the last step's result is
 * not drawn, as in the notes), then draws the iterates over the contour plot of
 * `lossFn` ({@link contourSvg}; the figure's options come from `opts`).
 *
 * Memory: each step runs in a scope that frees its intermediates and its `info`;
 * the params and state it returns are freed once the next step has replaced them,
 * and the final ones at the end. The `state` you pass in stays yours (it is not
 * disposed). Iterates are read asynchronously, so this works on every backend.
 *
 * @param step - the optimizer step, e.g. an `optim` optimizer's `step` (or its `jit`).
 * @param state - the initial optimizer state (a pytree of arrays, or `null`).
 * @param lossFn - the loss, a function of a point `z` of shape `[2]`.
 * @param opts - see {@link PlotOptimOptions}.
 * @returns the figure, the iterates and their losses.
 * @example
 * ```ts
 * import { grad, np, plot } from 'tfjax';
 * const loss = (z: np.Array) => np.sum(np.mul(np.array([1, 4]), np.square(z)));
 * const gd: plot.OptimStep<null> = (z, state, lossFn) => [np.sub(z, np.mul(grad(lossFn)(z), 0.1)), state];
 * const { svg, points, losses } = await plot.plotOptim(gd, null, loss, { steps: 15, start: [-0.9, 0.4] });
 * console.log(points[1]); // about [-0.72, 0.08]
 * console.log(losses[0] > losses[14], svg.includes('<circle')); // true true
 * ```
 * @category Plotting
 */
export async function plotOptim<S>(step: OptimStep<S>, state: S, lossFn: (z: NpArray) => NpArray, opts: PlotOptimOptions = {}): Promise<PlotOptimResult> {
  const steps = opts.steps ?? 15;
  if (!(Number.isInteger(steps) && steps >= 0)) throw new ArgumentError(`plot.plotOptim: steps must be a non-negative integer, got ${steps}`);
  const start = opts.start ?? [-0.9, 0.4];
  if (!(start.length === 2 && start.every(Number.isFinite))) {
    throw new ArgumentError(`plot.plotOptim: start must be [x, y] finite numbers, got ${JSON.stringify(start)}`);
  }
  const callerOwned = new Set(arraysIn(state));
  let z: NpArray = np.array([start[0], start[1]]);
  let s = state;
  const points: [number, number][] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const v = await z.data();
      points.push([v[0]!, v[1]!]);
      const params = z;
      const st = s;
      // In a scope: the step's intermediates (and its info) are freed, only new params and state kept.
      const [z1, s1] = scoped((): [NpArray, S] => {
        const out = step(params, st, lossFn);
        if (!Array.isArray(out) || out.length < 2) {
          throw new ArgumentError(`plot.plotOptim: the step must return [params, state, ...], got ${typeof out}`);
        }
        return [out[0], out[1]];
      });
      const keep = new Set([z1, ...arraysIn(s1)]);
      for (const a of [z, ...arraysIn(s)]) if (!keep.has(a) && !callerOwned.has(a)) a.dispose();
      z = z1;
      s = s1;
    }
  } finally {
    for (const a of new Set([z, ...arraysIn(s)])) if (!callerOwned.has(a)) a.dispose();
  }
  const losses: number[] = [];
  if (points.length > 0) {
    const pts = np.array(points);
    try {
      const l = vmap(lossFn)(pts);
      try {
        losses.push(...(await l.data()));
      } finally {
        l.dispose();
      }
    } finally {
      pts.dispose();
    }
  }
  const { steps: _steps, start: _start, color, label, paths = [], ...contour } = opts;
  const path = { points, color: color ?? 'red', ...(label === undefined ? {} : { label }) };
  const svg = await contourSvg(lossFn, { ...contour, paths: [path, ...paths] });
  return { svg, points, losses };
}
