/**
 * What the playground computes, shared by the page (main.ts) and its browser
 * test (scripts/test-browser.ts), which recomputes the paths in Node: the notes'
 * 2-D loss, the optimizers of `optim` with the notes' hyperparameters, and a
 * runner that takes one jitted step at a time and reads the iterate back.
 */
import { jit, np, optim, tree, type Jitted } from '../../src/index.js';
import { makeLoss, notesMultipliers } from '../quartic.js';

/** An optimizer over a point `z` of shape `[2]`, its state type erased. */
type PointOptimizer = optim.Optimizer<np.Array, unknown>;

/** One optimizer the page offers: an id (for data attributes), a label and a factory. */
export interface OptimizerSpec {
  readonly id: string;
  readonly label: string;
  readonly color: string;
  readonly make: () => PointOptimizer;
}

const erase = <S>(o: optim.Optimizer<np.Array, S>): PointOptimizer => o as unknown as PointOptimizer;

/** The notes' methods with the notes' step sizes (matplotlib's tab10 colors). */
export const OPTIMIZERS: readonly OptimizerSpec[] = [
  { id: 'gradientDescent', label: 'gradient descent (lr 0.1)', color: '#1f77b4', make: () => erase(optim.gradientDescent({ lr: 0.1 })) },
  { id: 'newton', label: 'Newton (lr 0.8)', color: '#d62728', make: () => erase(optim.newton({ lr: 0.8 })) },
  { id: 'dampedNewton', label: 'damped Newton (lr 0.8, λ 1)', color: '#ff7f0e', make: () => erase(optim.dampedNewton({ lr: 0.8, damping: 1 })) },
  { id: 'trustRegionNewton', label: 'trust-region Newton, |H| (lr 0.8)', color: '#9467bd', make: () => erase(optim.trustRegionNewton({ lr: 0.8 })) },
  { id: 'diagonalNewton', label: 'diagonal Newton (lr 0.5)', color: '#8c564b', make: () => erase(optim.diagonalNewton({ lr: 0.5 })) },
  { id: 'bfgs', label: 'BFGS (lr 0.15)', color: '#2ca02c', make: () => erase(optim.bfgs({ lr: 0.15 })) },
  { id: 'lbfgs', label: 'L-BFGS (lr 0.15, memory 15)', color: '#e377c2', make: () => erase(optim.lbfgs({ lr: 0.15, memory: 15 })) },
];

/** The notes' step count. */
export const STEPS = 15;

/** The notes' multipliers as numbers, drawn by `random.uniform` on the current backend (bit-identical on each). */
export async function multiplierValues(): Promise<number[]> {
  const m = notesMultipliers();
  try {
    return Array.from(await m.data());
  } finally {
    m.dispose();
  }
}

/** The notes' loss on the current backend; it holds one array (the multipliers). */
export function quarticLoss(multipliers: readonly number[]): { loss: (z: np.Array) => np.Array; dispose: () => void } {
  const m = np.array([...multipliers]);
  return { loss: makeLoss(m), dispose: () => m.dispose() };
}

type Step = Jitted<PointOptimizer['step']>;
const steps = new Map<string, { opt: PointOptimizer; step: Step }>();

/** The optimizer of `spec` and its jitted step (one per optimizer: traced once per loss). */
function compiled(spec: OptimizerSpec): { opt: PointOptimizer; step: Step } {
  let c = steps.get(spec.id);
  if (c === undefined) {
    const opt = spec.make();
    c = { opt, step: jit(opt.step, { staticArgnums: [2] }) };
    steps.set(spec.id, c);
  }
  return c;
}

const arraysOf = (x: unknown): np.Array[] => tree.leaves(x).filter((l): l is np.Array => l instanceof np.Array);

/**
 * One optimizer's path from a start point: `points` holds the start and then
 * each iterate, read back (float32 values as numbers) after every `step()`.
 */
export class PathRunner {
  readonly points: [number, number][];
  private z: np.Array;
  private state: unknown;

  constructor(
    readonly spec: OptimizerSpec,
    private readonly loss: (z: np.Array) => np.Array,
    start: readonly [number, number],
  ) {
    this.z = np.array([start[0], start[1]]);
    this.state = compiled(spec).opt.init(this.z);
    this.points = [[Math.fround(start[0]), Math.fround(start[1])]]; // the float32 values in z
  }

  /** Takes one step and returns the new iterate `[x, y]`. */
  async step(): Promise<[number, number]> {
    const [z, state, info] = compiled(this.spec).step(this.z, this.state, this.loss);
    const kept = new Set([z, ...arraysOf(state)]);
    for (const a of [this.z, ...arraysOf(this.state), ...arraysOf(info)]) if (!kept.has(a)) a.dispose();
    this.z = z;
    this.state = state;
    const v = await z.data();
    const p: [number, number] = [v[0]!, v[1]!];
    this.points.push(p);
    return p;
  }

  /** Frees the iterate and the state. */
  dispose(): void {
    for (const a of new Set([this.z, ...arraysOf(this.state)])) a.dispose();
  }
}

/** The whole path of `spec` from `start`: the start and `steps` iterates. */
export async function computePath(spec: OptimizerSpec, loss: (z: np.Array) => np.Array, start: readonly [number, number], steps = STEPS): Promise<[number, number][]> {
  const runner = new PathRunner(spec, loss, start);
  try {
    for (let i = 0; i < steps; i++) await runner.step();
    return runner.points;
  } finally {
    runner.dispose();
  }
}
