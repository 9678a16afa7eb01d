import { describe, expect, it } from 'vitest';
import { makeLoss, notesMultipliers } from '../../examples/quartic.js';
import { ArgumentError, grad, jit, np, numTensors, plot } from '../../src/index.js';
import { gdTrajectory, lossRef, multipliers } from './quartic.js';
import { byClass, parseXml } from './xml.js';
import { item, tolist } from '../util/read.js';

/** The notes' `gradient_descent`: z - 0.1 * grad(loss_fn)(z), state None (plus an info array, which plotOptim frees). */
const gd: plot.OptimStep<null> = (z, state, lossFn) => [np.sub(z, np.mul(grad(lossFn)(z), 0.1)), state, { loss: lossFn(z) }];

describe('plot.plotOptim', () => {
  it("gives the notes' gradient-descent iterates (float64 reference to 1e-4), their losses, and the figure", async () => {
    const m = await multipliers();
    const mm = notesMultipliers();
    const loss = makeLoss(mm);
    const { svg, points, losses } = await plot.plotOptim(gd, null, loss, { steps: 15, start: [-0.9, 0.4] });
    const want = gdTrajectory(m, [-0.9, 0.4], 15);
    expect(points.length).toBe(15);
    points.forEach((p, k) => {
      expect(Math.abs(p[0] - want[k]![0])).toBeLessThan(1e-4);
      expect(Math.abs(p[1] - want[k]![1])).toBeLessThan(1e-4);
    });
    losses.forEach((l, k) => expect(Math.abs(l - lossRef(m, ...want[k]!))).toBeLessThan(1e-4 * Math.max(1, Math.abs(l))));
    // GD converges towards the minimum: the loss decreases at every step.
    for (let k = 1; k < 15; k++) expect(losses[k]!).toBeLessThan(losses[k - 1]!);
    const doc = parseXml(svg);
    expect(byClass(doc, 'point').length).toBe(15);
    expect(byClass(doc, 'optim-path')[0]!.attrs['stroke']).toBe('red');
    mm.dispose();
  });

  it('frees every array the steps return; the caller keeps its initial state; a jitted step works', async () => {
    const mm = notesMultipliers();
    const loss = makeLoss(mm);
    // A step with a pytree state: a step counter and a momentum buffer, one leaf passed through unchanged.
    interface State {
      count: np.Array;
      mom: np.Array;
      fixed: np.Array;
    }
    const momentum: plot.OptimStep<State> = (z, s, lossFn) => {
      const mom = np.add(np.mul(s.mom, 0.5), grad(lossFn)(z));
      const next = np.sub(z, np.mul(mom, 0.05));
      return [next, { count: np.add(s.count, 1), mom, fixed: s.fixed }, {}];
    };
    const init = (): State => ({ count: np.array(0), mom: np.zeros([2]), fixed: np.ones([3]) });
    const warm = init();
    await plot.plotOptim(momentum, warm, loss, { steps: 3, grid: 10 }); // warm-up
    await plot.plotOptim(jit(gd, { staticArgnums: [2] }), null, loss, { steps: 3, grid: 10 });
    const before = numTensors();
    const s0 = init();
    const r = await plot.plotOptim(momentum, s0, loss, { steps: 6, grid: 10 });
    expect(r.points.length).toBe(6);
    // The initial state is still readable (not disposed) and is the caller's to free.
    expect(await tolist(s0.fixed)).toEqual([1, 1, 1]);
    expect(await item(s0.count)).toBe(0);
    for (const a of [s0.count, s0.mom, s0.fixed]) a.dispose();
    expect(numTensors()).toBe(before);
    // A jitted function holds handles on the arrays it closes over until it is disposed.
    const jgd = jit(gd, { staticArgnums: [2] });
    const jr = await plot.plotOptim(jgd, null, loss, { steps: 5, grid: 10 });
    jgd.dispose();
    expect(numTensors()).toBe(before);
    const want = gdTrajectory(await multipliers(), [-0.9, 0.4], 5);
    jr.points.forEach((p, k) => expect(Math.hypot(p[0] - want[k]![0], p[1] - want[k]![1])).toBeLessThan(1e-4));
    for (const a of [warm.count, warm.mom, warm.fixed]) a.dispose();
    mm.dispose();
  });

  it('passes the figure options on, draws extra paths, handles 0 steps and throws for bad ones', async () => {
    const loss = (z: np.Array) => np.sum(np.square(z));
    const stay: plot.OptimStep<null> = (z, s) => [z, s];
    const r = await plot.plotOptim(stay, null, loss, {
      steps: 2,
      start: [0.5, 0.25],
      color: 'blue',
      label: 'stay',
      paths: [{ points: [[0, 0]], label: 'origin', color: 'black' }],
      width: 300,
      height: 200,
      grid: 12,
    });
    expect(r.points).toEqual([
      [0.5, 0.25],
      [0.5, 0.25],
    ]);
    expect(r.losses.map((l) => Number(l.toFixed(6)))).toEqual([0.3125, 0.3125]);
    const doc = parseXml(r.svg);
    expect(doc.attrs['width']).toBe('300');
    expect(byClass(doc, 'optim-path').map((g) => g.attrs['stroke'])).toEqual(['blue', 'black']);
    expect(byClass(doc, 'legend')[0]!.children.filter((e) => e.name === 'text').map((e) => e.text)).toEqual(['stay', 'origin']);
    const none = await plot.plotOptim(stay, null, loss, { steps: 0, grid: 5 });
    expect(none.points).toEqual([]);
    expect(none.losses).toEqual([]);
    await expect(plot.plotOptim(stay, null, loss, { steps: -1 })).rejects.toThrow(ArgumentError);
    await expect(plot.plotOptim(stay, null, loss, { start: [Number.NaN, 0] })).rejects.toThrow(/start must be/);
    const before = numTensors();
    await expect(
      plot.plotOptim(
        () => {
          throw new Error('boom');
        },
        null,
        loss,
        { steps: 3 },
      ),
    ).rejects.toThrow('boom');
    expect(numTensors()).toBe(before);
  });
});
