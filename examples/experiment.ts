/**
 * The notes' 2-D experiment ("Example: 2D Classical Optimization"): every
 * optimizer from the same start (-0.9, 0.4) on the notes' quartic, 15 steps
 * each, as jitted pure steps. Returns each run's iterates and losses and the
 * distance to the minimizer, and writes one contour figure per optimizer (the
 * notes' `plot_optim`: 15 points, the start first) plus an overlay of all paths,
 * as SVG and PNG, and the table as CSV and JSON.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getBackend, grad, jit, np, optim, plot } from '../src/index.js';
import { writeFigure } from '../src/plot/node.js';
import { makeLoss, notesMultipliers } from './quartic.js';

/** One optimizer of the comparison: a name for files, a label for figures, and the optimizer. */
export interface Method {
  readonly name: string;
  readonly label: string;
  readonly opt: optim.Optimizer<np.Array, unknown>;
}

/** The notes' seven optimizers with the notes' hyperparameters, their notes-code variants, and BFGS/L-BFGS with a line search. */
export function methods(): Method[] {
  // Each optimizer has its own state type; the runner only passes states along.
  const m = <S>(name: string, label: string, opt: optim.Optimizer<np.Array, S>): Method => ({
    name,
    label,
    opt: opt as unknown as optim.Optimizer<np.Array, unknown>,
  });
  return [
    m('gradient-descent', 'gradient descent (lr 0.1)', optim.gradientDescent({ lr: 0.1 })),
    m('newton', 'Newton (lr 0.8)', optim.newton({ lr: 0.8 })),
    m('damped-newton', 'damped Newton (lr 0.8, damping 1)', optim.dampedNewton({ lr: 0.8, damping: 1 })),
    m('trust-region-newton', 'trust-region Newton (lr 0.8)', optim.trustRegionNewton({ lr: 0.8 })),
    m('bfgs', 'BFGS (lr 0.15)', optim.bfgs({ lr: 0.15 })),
    m('lbfgs', 'L-BFGS (lr 0.15, memory 10)', optim.lbfgs({ lr: 0.15 })),
    m('diagonal-newton', 'diagonal Newton (lr 0.5)', optim.diagonalNewton({ lr: 0.5 })),
    m('bfgs-notes', "BFGS, the notes' code (lr 0.15)", optim.bfgs({ lr: 0.15, variant: 'notes' })),
    m('lbfgs-notes', "L-BFGS, the notes' code (lr 0.15)", optim.lbfgs({ lr: 0.15, variant: 'notes' })),
    m('diagonal-newton-notes', "diagonal Newton, the notes' row sums (lr 0.5)", optim.diagonalNewton({ lr: 0.5, variant: 'notes' })),
    m('bfgs-armijo', 'BFGS + backtracking (Armijo)', optim.bfgs({ lineSearch: true })),
    m('lbfgs-wolfe', 'L-BFGS + Wolfe line search', optim.lbfgs({ lineSearch: { kind: 'wolfe' } })),
  ];
}

/** One optimizer's run. */
export interface Run {
  readonly name: string;
  readonly label: string;
  /** The iterates, the start first: `steps + 1` points. */
  readonly points: [number, number][];
  /** The loss at each point. */
  readonly losses: number[];
  /** Euclidean distance of each point to the minimizer. */
  readonly distances: number[];
  /** The figure's files. */
  readonly figure: { svg: string; png: string };
}

/** What {@link runExperiment} returns. */
export interface Experiment {
  readonly backend: string;
  readonly multipliers: number[];
  readonly start: [number, number];
  /** The minimizer, from 30 full Newton steps (its gradient norm is `gradNorm`). */
  readonly minimizer: [number, number];
  readonly minLoss: number;
  readonly gradNorm: number;
  readonly steps: number;
  readonly runs: Run[];
  readonly overlay: { svg: string; png: string };
  readonly files: string[];
}

/** Options of {@link runExperiment}. */
export interface ExperimentOptions {
  /** Steps per optimizer; default 15 (the notes'). */
  readonly steps?: number;
  /** Which methods (by name); default all of {@link methods}. */
  readonly only?: readonly string[];
  /** Contour grid points per axis; default 100 (the notes'). */
  readonly grid?: number;
}

const START: [number, number] = [-0.9, 0.4];
/** matplotlib's tab10 colors, then two more, for the overlay's paths. */
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#000000', '#8b0000'];

/** Runs the comparison and writes its files under `outDir`. */
export async function runExperiment(outDir: string, opts: ExperimentOptions = {}): Promise<Experiment> {
  const steps = opts.steps ?? 15;
  const grid = opts.grid ?? 100;
  const multipliers = notesMultipliers();
  const loss = makeLoss(multipliers);
  const files: string[] = [];
  mkdirSync(outDir, { recursive: true });
  try {
    const { minimizer, minLoss, gradNorm } = await findMinimizer(loss);
    const runs: Run[] = [];
    const chosen = methods().filter((m) => opts.only === undefined || opts.only.includes(m.name));
    for (const m of chosen) {
      const { points, losses } = await trajectory(m.opt, loss, steps);
      const distances = points.map(([x, y]) => Math.hypot(x - minimizer[0], y - minimizer[1]));
      // The notes' plot_optim: `steps` points, the start first (the last step's result is not drawn).
      const svg = await plot.contourSvg(loss, { grid, paths: [{ points: points.slice(0, steps), color: 'red' }], title: m.label });
      const figure = writeFigure(join(outDir, 'figures', m.name), svg);
      files.push(figure.svg, figure.png);
      runs.push({ name: m.name, label: m.label, points, losses, distances, figure });
    }
    const paths = runs.map((r, i) => ({ points: r.points.slice(0, steps), color: PALETTE[i % PALETTE.length]!, label: r.label }));
    const title = `${steps} points of each optimizer from (-0.9, 0.4)`;
    const overlaySvg = await plot.contourSvg(loss, { grid, paths, width: 1150, height: 480, legend: 'outside', title });
    const overlay = writeFigure(join(outDir, 'overlay'), overlaySvg);
    files.push(overlay.svg, overlay.png);

    const multipliersList = Array.from(await multipliers.data());
    const result: Experiment = { backend: getBackend(), multipliers: multipliersList, start: START, minimizer, minLoss, gradNorm, steps, runs, overlay, files };
    const csv = join(outDir, 'results.csv');
    const header = ['method', 'step', 'x', 'y', 'loss', 'distance'];
    const lines = runs.flatMap((r) => r.points.map(([x, y], k) => [r.name, k, x, y, r.losses[k], r.distances[k]].join(',')));
    writeFileSync(csv, [header.join(','), ...lines].join('\n') + '\n');
    const json = join(outDir, 'results.json');
    writeFileSync(json, JSON.stringify(result, null, 2) + '\n');
    files.push(csv, json);
    return result;
  } finally {
    multipliers.dispose();
  }
}

/** `steps` jitted steps of `opt` from the start; the iterates (start first) and their losses, read asynchronously. */
async function trajectory(opt: optim.Optimizer<np.Array, unknown>, loss: (z: np.Array) => np.Array, steps: number) {
  const step = jit(opt.step, { staticArgnums: [2] });
  const jloss = jit(loss);
  let z = np.array(START);
  let state = opt.init(z);
  const points: [number, number][] = [];
  const losses: number[] = [];
  try {
    for (let k = 0; k <= steps; k++) {
      const v = await z.data();
      points.push([v[0]!, v[1]!]);
      const l = jloss(z);
      losses.push((await l.data())[0]!);
      l.dispose();
      if (k === steps) break;
      const [z1, s1, info] = step(z, state, loss);
      disposeTree(info);
      z.dispose();
      disposeTree(state);
      z = z1;
      state = s1;
    }
  } finally {
    z.dispose();
    disposeTree(state);
    step.dispose();
    jloss.dispose();
  }
  return { points, losses };
}

/** The minimizer by 30 full Newton steps from the start, with its loss and gradient norm. */
async function findMinimizer(loss: (z: np.Array) => np.Array) {
  const newton = optim.newton({ lr: 1 });
  const step = jit(newton.step, { staticArgnums: [2] });
  let z = np.array(START);
  try {
    for (let k = 0; k < 30; k++) {
      const [z1, , info] = step(z, null, loss);
      disposeTree(info);
      z.dispose();
      z = z1;
    }
    // Transforms free their intermediates; a plain eager call of `loss` would leave its own behind.
    const g = grad(loss)(z);
    const jloss = jit(loss);
    const l = jloss(z);
    jloss.dispose();
    const [zv, gv, lv] = await Promise.all([z.data(), g.data(), l.data()]);
    g.dispose();
    l.dispose();
    return { minimizer: [zv[0]!, zv[1]!] as [number, number], minLoss: lv[0]!, gradNorm: Math.hypot(gv[0]!, gv[1]!) };
  } finally {
    z.dispose();
    step.dispose();
  }
}

function disposeTree(x: unknown): void {
  if (x instanceof np.Array) x.dispose();
  else if (Array.isArray(x)) x.forEach(disposeTree);
  else if (x !== null && typeof x === 'object') Object.values(x).forEach(disposeTree);
}
