/**
 * Float64 references for the notes' 2-D quartic (examples/quartic.ts): the loss,
 * its gradient (by hand), and the gradient-descent trajectory of the notes'
 * `gradient_descent` step `z - 0.1 * grad(loss)(z)`.
 */
import { notesMultipliers } from '../../examples/quartic.js';
import { data } from '../util/read.js';

/** The notes' multipliers as JS numbers (float32 values of JAX's uniform draw, entries 3 and 7 set to 1). */
export async function multipliers(): Promise<number[]> {
  const m = notesMultipliers();
  const out = Array.from(await data(m));
  m.dispose();
  return out;
}

/** loss_fn(z) in float64. */
export function lossRef(m: readonly number[], x0: number, y0: number): number {
  const y = 2 * y0;
  const x = 0.8 * x0 - 0.5;
  let s = 0;
  for (let i = 1; i <= 4; i++) s += m[i - 1]! * x ** i + m[3 + i]! * y ** i;
  return s + 0.1 * x * y;
}

/** grad(loss_fn)(z) in float64, by the chain rule. */
export function gradRef(m: readonly number[], x0: number, y0: number): [number, number] {
  const y = 2 * y0;
  const x = 0.8 * x0 - 0.5;
  let gx = 0.1 * y;
  let gy = 0.1 * x;
  for (let i = 1; i <= 4; i++) {
    gx += i * m[i - 1]! * x ** (i - 1);
    gy += i * m[3 + i]! * y ** (i - 1);
  }
  return [0.8 * gx, 2 * gy];
}

/** The points the notes' `plot_optim(gradient_descent, None)` collects (before each step). */
export function gdTrajectory(m: readonly number[], start: readonly [number, number], steps: number, lr = 0.1): [number, number][] {
  const pts: [number, number][] = [];
  let [x, y] = start;
  for (let k = 0; k < steps; k++) {
    pts.push([x, y]);
    const [gx, gy] = gradRef(m, x, y);
    x -= lr * gx;
    y -= lr * gy;
  }
  return pts;
}
