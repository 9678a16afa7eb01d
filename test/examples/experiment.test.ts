/**
 * The README's main job (examples/experiment.ts) against float64 references: the
 * minimizer, gradient descent's trajectory and losses, the notes' claims (Newton
 * overshoots in y at step 3, trust-region equals Newton, BFGS with a line search
 * reaches the minimizer), and the files it writes: parseable SVGs whose dots sit
 * at the pixels of the iterates, PNGs, the CSV and JSON tables. Also: no leaks.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExperiment, type Experiment } from '../../examples/experiment.js';
import { numTensors } from '../../src/index.js';
import { byClass, parseXml } from '../plot/xml.js';
import { gdTrajectory, gradRef, lossRef } from '../plot/quartic.js';

const ONLY = ['gradient-descent', 'newton', 'trust-region-newton', 'bfgs-armijo'];
const STEPS = 15;
let dir: string;
let ex: Experiment;
let leaked: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tfjax-experiment-'));
  await runExperiment(join(dir, 'warm'), { only: ONLY, grid: 10, steps: 2 }); // cached scalar constants
  const before = numTensors();
  ex = await runExperiment(join(dir, 'out'), { only: ONLY, grid: 40 });
  leaked = numTensors() - before;
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (name: string) => {
  const r = ex.runs.find((x) => x.name === name);
  if (r === undefined) throw new Error(`no run ${name}`);
  return r;
};

/** The float64 minimizer by Newton's method on gradRef, with a central-difference Hessian. */
function minimizerRef(m: readonly number[]): [number, number] {
  let [x, y] = [-0.9, 0.4];
  const h = 1e-6;
  for (let k = 0; k < 50; k++) {
    const [gx, gy] = gradRef(m, x, y);
    const [a, b] = [(gradRef(m, x + h, y)[0] - gradRef(m, x - h, y)[0]) / (2 * h), (gradRef(m, x, y + h)[0] - gradRef(m, x, y - h)[0]) / (2 * h)];
    const d = (gradRef(m, x, y + h)[1] - gradRef(m, x, y - h)[1]) / (2 * h);
    const det = a * d - b * b;
    x -= (d * gx - b * gy) / det;
    y -= (a * gy - b * gx) / det;
  }
  return [x, y];
}

describe('runExperiment (the README main job)', () => {
  it('leaks no tensors', () => {
    expect(leaked).toBe(0);
  });

  it("uses JAX's multipliers and finds the float64 minimizer", () => {
    // random.uniform(random.key(1), (8,)) under JAX's classic Threefry, to 4 decimals; entries 3 and 7 set to 1.
    const jax = [0.2024, 0.9623, 0.0609, 1, 0.8376, 0.0591, 0.0229, 1];
    ex.multipliers.forEach((v, i) => expect(Math.abs(v - jax[i]!)).toBeLessThan(5e-5));
    const [x, y] = minimizerRef(ex.multipliers);
    expect(Math.hypot(...gradRef(ex.multipliers, x, y))).toBeLessThan(1e-10);
    expect(Math.abs(ex.minimizer[0] - x)).toBeLessThan(1e-5);
    expect(Math.abs(ex.minimizer[1] - y)).toBeLessThan(1e-5);
    expect(Math.abs(ex.minLoss - lossRef(ex.multipliers, x, y))).toBeLessThan(1e-5);
  });

  it('gradient descent: the float64 trajectory, its losses and distances', () => {
    const r = run('gradient-descent');
    const ref = gdTrajectory(ex.multipliers, [-0.9, 0.4], STEPS + 1);
    expect(r.points).toHaveLength(STEPS + 1);
    r.points.forEach(([x, y], k) => {
      expect(Math.abs(x - ref[k]![0])).toBeLessThan(1e-4);
      expect(Math.abs(y - ref[k]![1])).toBeLessThan(1e-4);
      expect(Math.abs(r.losses[k]! - lossRef(ex.multipliers, x, y))).toBeLessThan(1e-5);
      expect(r.distances[k]).toBeCloseTo(Math.hypot(x - ex.minimizer[0], y - ex.minimizer[1]), 12);
    });
    expect(r.distances[STEPS]).toBeLessThan(0.1); // the notes: close after 15 steps
  });

  it("the notes' claims: Newton overshoots in y at step 3; trust-region equals Newton; BFGS with Armijo reaches the minimizer", () => {
    const newton = run('newton');
    expect(newton.points[3]![1]).toBeLessThan(ex.minimizer[1] - 0.05);
    run('trust-region-newton').points.forEach(([x, y], k) => {
      expect(Math.abs(x - newton.points[k]![0])).toBeLessThan(1e-6);
      expect(Math.abs(y - newton.points[k]![1])).toBeLessThan(1e-6);
    });
    expect(run('bfgs-armijo').distances[STEPS]).toBeLessThan(1e-4);
  });

  it('writes one figure per optimizer with the first 15 iterates as dots at their pixels, and an overlay', () => {
    const L = 0.125 * 600;
    const R = 0.9 * 600;
    const T = 0.12 * 300;
    const B = 0.89 * 300;
    // The axes show the notes' window [-1, 1] x [-0.5, 0.5], widened (documented: by 5% of the span beyond
    // the extreme point) where a path leaves it, as Newton's does in y.
    const lim = (lo: number, hi: number, v: number[]): [number, number] => {
      const [vmin, vmax] = [Math.min(...v), Math.max(...v)];
      const span = Math.max(hi, vmax) - Math.min(lo, vmin);
      return [vmin < lo ? vmin - 0.05 * span : lo, vmax > hi ? vmax + 0.05 * span : hi];
    };
    for (const r of ex.runs) {
      const svg = parseXml(readFileSync(r.figure.svg, 'utf8'));
      const dots = byClass(svg, 'point');
      expect(dots).toHaveLength(STEPS);
      const drawn = r.points.slice(0, STEPS);
      const [x0, x1] = lim(-1, 1, drawn.map((p) => p[0]));
      const [y0, y1] = lim(-0.5, 0.5, drawn.map((p) => p[1]));
      dots.forEach((c, k) => {
        const [x, y] = r.points[k]!;
        expect(Number(c.attrs['cx'])).toBeCloseTo(L + ((x - x0) / (x1 - x0)) * (R - L), 6);
        expect(Number(c.attrs['cy'])).toBeCloseTo(B - ((y - y0) / (y1 - y0)) * (B - T), 6);
      });
      const png = readFileSync(r.figure.png);
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    }
    const overlay = parseXml(readFileSync(ex.overlay.svg, 'utf8'));
    expect(byClass(overlay, 'optim-path')).toHaveLength(ONLY.length);
    expect(byClass(overlay, 'point')).toHaveLength(ONLY.length * STEPS);
    expect(byClass(overlay, 'legend')).toHaveLength(1);
  });

  it('writes the table as CSV and JSON', () => {
    const csv = readFileSync(join(dir, 'out', 'results.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('method,step,x,y,loss,distance');
    expect(csv).toHaveLength(1 + ONLY.length * (STEPS + 1));
    const last = csv.find((l) => l.startsWith(`gradient-descent,${STEPS},`))!.split(',').map(Number);
    expect(last[5]).toBeCloseTo(run('gradient-descent').distances[STEPS]!, 12);
    const json = JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8')) as Experiment;
    expect(json.runs.map((r) => r.name)).toEqual(ONLY);
    expect(json.backend).toBe(ex.backend);
  });
});
