/**
 * Per-example gradients of an MLP on the wasm backend, three ways side by side in one run:
 *
 *   (a) `vmap(grad(loss), { inAxes: [null, 0, 0] })(params, X, Y)`: all 32 per-example gradients at once;
 *   (b) a loop of 32 `grad(loss)(params, x_b, y_b)` calls (the examples split beforehand, not timed);
 *   (c) one `grad(meanLoss)(params, X, Y)` of the batch-mean loss (the usual batched gradient, which
 *       gives only the mean gradient, not per-example ones: the lower bound on the work).
 *
 * plus, for information, `jit` of (a) and (c). The loss: a 784-256-10 tanh MLP, softmax cross-entropy
 * of a one-hot label, batch 32. Before timing, the bench checks that (a) equals (b) and that the
 * batch mean of (a) equals (c).
 *
 * Acceptance targets (issue "vmap", item 6): (a) at most 4x (c), and at least 5x faster than (b).
 *
 *   npm run bench:vmap-grad
 *   npx tsx bench/vmap-grad.ts [--runs=20] [--warmup=5] [--batch=32] [--no-breakdown]
 *
 * Timing: the variants run interleaved (one call of each per round, rotating order), `runs` rounds
 * after `warmup`; every call ends with its results computed (wasm runs kernels synchronously) and
 * disposed. The table gives the wall-clock median [min-max] and the median CPU time of the process.
 * The breakdown replays the jaxprs of (a) and (c) one bind at a time and sums the time per primitive,
 * to show where the time goes, then times two what-if experiments (bench-only, the library is
 * unchanged): A, dot_general products that contract only size-1 dims (the per-example `x^T delta` of
 * a dense layer: a [32, 784, 256] outer product) run as one broadcasting multiply instead of
 * tfjs-wasm's BatchMatMul with inner size 1; B, `transpose(dot_general(a, b))` whose permutation swaps
 * the free-dim blocks folded into `dot_general(b, a)` (the transpose rule of dot_general emits such
 * pairs, as JAX's does; XLA folds them, tfjs runs the transpose as a full copy).
 */
import { performance } from 'node:perf_hooks';
import * as tfc from '../src/backend/tf.js';
import { dotGeneralP } from '../src/primitives/dot.js';
import { bind, evalJaxpr, getBackend, grad, jit, Jaxpr, JaxprEqn, Lit, makeJaxpr, np, numTensors, setBackend, tree, vmap, type Atom, type ClosedJaxpr, type Var } from '../src/index.js';

function option(name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : hit.slice(name.length + 3);
}
const RUNS = Number(option('runs', '20'));
const WARMUP = Number(option('warmup', '5'));
const B = Number(option('batch', '32'));
const BREAKDOWN = !process.argv.includes('--no-breakdown');
const D_IN = 784;
const D_HID = 256;
const D_OUT = 10;

await setBackend('wasm');

// ---- data -------------------------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(20261128);
const uniform = (n: number, lo: number, hi: number): Float32Array => Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
const glorot = (i: number, o: number): number => Math.sqrt(6 / (i + o));

interface Params {
  w1: np.Array;
  b1: np.Array;
  w2: np.Array;
  b2: np.Array;
}
const arr = (v: Float32Array, shape: number[]): np.Array => np.reshape(np.array(v), shape);
const params: Params = {
  w1: arr(uniform(D_IN * D_HID, -glorot(D_IN, D_HID), glorot(D_IN, D_HID)), [D_IN, D_HID]),
  b1: arr(uniform(D_HID, -0.1, 0.1), [D_HID]),
  w2: arr(uniform(D_HID * D_OUT, -glorot(D_HID, D_OUT), glorot(D_HID, D_OUT)), [D_HID, D_OUT]),
  b2: arr(uniform(D_OUT, -0.1, 0.1), [D_OUT]),
};
const xData = uniform(B * D_IN, 0, 1);
const yData = new Float32Array(B * D_OUT);
for (let b = 0; b < B; b++) yData[b * D_OUT + Math.floor(rand() * D_OUT)] = 1;
const X = arr(xData, [B, D_IN]);
const Y = arr(yData, [B, D_OUT]);
const xs = Array.from({ length: B }, (_, b) => arr(xData.slice(b * D_IN, (b + 1) * D_IN), [D_IN]));
const ys = Array.from({ length: B }, (_, b) => arr(yData.slice(b * D_OUT, (b + 1) * D_OUT), [D_OUT]));

// ---- the losses ---------------------------------------------------------------------------------

/** One example: x [784], y one-hot [10]. */
function loss(p: Params, x: np.Array, y: np.Array): np.Array {
  const h = np.tanh(np.matmul(x, p.w1).add(p.b1));
  const logits = np.matmul(h, p.w2).add(p.b2);
  return np.logsumexp(logits).sub(np.sum(logits.mul(y)));
}

/** The batch: X [B, 784], Y [B, 10]; the mean over the batch of the per-example loss. */
function meanLoss(p: Params, x: np.Array, y: np.Array): np.Array {
  const h = np.tanh(np.matmul(x, p.w1).add(p.b1));
  const logits = np.matmul(h, p.w2).add(p.b2);
  return np.mean(np.logsumexp(logits, { axis: 1 }).sub(np.sum(logits.mul(y), { axis: 1 })));
}

const perExample = vmap(grad(loss), { inAxes: [null, 0, 0] });
const gradOne = grad(loss);
const gradMean = grad(meanLoss);
const perExampleJit = jit(perExample);
const gradMeanJit = jit(gradMean);

const disposeTree = (t: unknown): void => tree.leaves(t).forEach((l) => (l as np.Array).dispose());

// ---- checks -------------------------------------------------------------------------------------

const NAMES = ['w1', 'b1', 'w2', 'b2'] as const;
function maxRel(a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
  }
  return err / (scale || 1);
}
{
  const v = perExample(params, X, Y);
  const vj = perExampleJit(params, X, Y);
  const m = gradMean(params, X, Y);
  for (const k of NAMES) {
    const loop = xs.map((x, b) => {
      const g = gradOne(params, x, ys[b]!);
      const d = g[k].dataSync().slice();
      disposeTree(g);
      return d;
    });
    const flat = new Float32Array(loop.reduce((n, d) => n + d.length, 0));
    let o = 0;
    for (const d of loop) {
      flat.set(d as Float32Array, o);
      o += d.length;
    }
    const e1 = maxRel(v[k].dataSync() as Float32Array, flat);
    const e2 = maxRel(vj[k].dataSync() as Float32Array, flat);
    const mean = np.mean(v[k], { axis: 0 });
    const e3 = maxRel(mean.dataSync() as Float32Array, m[k].dataSync() as Float32Array);
    mean.dispose();
    console.log(`check ${k}: vmap(grad) vs loop ${e1.toExponential(1)}, jit(vmap(grad)) vs loop ${e2.toExponential(1)}, mean of vmap(grad) vs grad(mean) ${e3.toExponential(1)} (max abs error / max abs value)`);
    if (!(e1 < 1e-4 && e2 < 1e-4 && e3 < 1e-4)) throw new Error(`per-example gradients of ${k} disagree`);
  }
  [v, vj, m].forEach(disposeTree);
}

// ---- timing -------------------------------------------------------------------------------------

const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
};

const variants: Record<string, () => void> = {
  'vmap(grad)': () => disposeTree(perExample(params, X, Y)),
  'loop of grad': () => {
    for (let b = 0; b < B; b++) disposeTree(gradOne(params, xs[b]!, ys[b]!));
  },
  'grad(mean loss)': () => disposeTree(gradMean(params, X, Y)),
  'jit(vmap(grad))': () => disposeTree(perExampleJit(params, X, Y)),
  'jit(grad(mean))': () => disposeTree(gradMeanJit(params, X, Y)),
};
const keys = Object.keys(variants);
const wall = new Map(keys.map((k) => [k, [] as number[]]));
const cpu = new Map(keys.map((k) => [k, [] as number[]]));
for (const k of keys) variants[k]!(); // first calls (jit traces, cached constants) before counting tensors
const tensors0 = numTensors();
for (let r = 0; r < WARMUP + RUNS; r++) {
  for (let j = 0; j < keys.length; j++) {
    const k = keys[(r + j) % keys.length]!;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    variants[k]!();
    const t1 = performance.now();
    const c1 = process.cpuUsage(c0);
    if (r >= WARMUP) {
      wall.get(k)!.push(t1 - t0);
      cpu.get(k)!.push((c1.user + c1.system) / 1000);
    }
  }
}
if (numTensors() !== tensors0) throw new Error(`leak: ${numTensors() - tensors0} tensors after timing`);

const med = (k: string): number => median(wall.get(k)!);
console.log(`\nPer-example gradients, MLP ${D_IN}-${D_HID}-10 (tanh), batch ${B}, backend ${getBackend()}; median of ${RUNS} runs after ${WARMUP} warm-up (ms per call)`);
console.log(`${'variant'.padEnd(18)} ${'wall median [min-max]'.padEnd(26)} cpu median`);
for (const k of keys) {
  const w = wall.get(k)!;
  console.log(`${k.padEnd(18)} ${`${med(k).toFixed(2)} [${Math.min(...w).toFixed(2)}-${Math.max(...w).toFixed(2)}]`.padEnd(26)} ${median(cpu.get(k)!).toFixed(2)}`);
}
const r1 = med('vmap(grad)') / med('grad(mean loss)');
const r2 = med('loop of grad') / med('vmap(grad)');
console.log(`\nvmap(grad) / grad(mean loss)      = ${r1.toFixed(2)}x   (target <= 4x: ${r1 <= 4 ? 'met' : 'MISSED'})`);
console.log(`loop of ${B} grad / vmap(grad)      = ${r2.toFixed(2)}x   (target >= 5x: ${r2 >= 5 ? 'met' : 'MISSED'})`);
const cmed = (k: string): number => median(cpu.get(k)!);
console.log(`by cpu medians: vmap(grad) / grad(mean loss) = ${(cmed('vmap(grad)') / cmed('grad(mean loss)')).toFixed(2)}x, loop / vmap(grad) = ${(cmed('loop of grad') / cmed('vmap(grad)')).toFixed(2)}x`);
console.log(`jit(vmap(grad)) / jit(grad(mean)) = ${(med('jit(vmap(grad))') / med('jit(grad(mean))')).toFixed(2)}x; loop / jit(vmap(grad)) = ${(med('loop of grad') / med('jit(vmap(grad))')).toFixed(2)}x`);

// ---- where the time goes -------------------------------------------------------------------------

/**
 * Replays a jaxpr equation by equation (one eager bind each; wasm kernels run synchronously, so the
 * clock around a bind covers its kernels), summing the time per primitive.
 */
function profile(closed: ClosedJaxpr, args: readonly np.Array[], reps: number): Map<string, { n: number; ms: number }> {
  const j = closed.jaxpr;
  const stats = new Map<string, { n: number; ms: number }>();
  for (let r = 0; r < reps; r++) {
    const env = new Map<Var, np.Array>();
    j.inBinders.forEach((v, i) => env.set(v, [...closed.consts, ...args][i]!));
    const made: np.Array[] = [];
    const read = (a: Atom): np.Array => {
      if (a instanceof Lit) {
        const l = np.array(a.val as number, { dtype: a.aval.dtype });
        made.push(l);
        return l;
      }
      return env.get(a)!;
    };
    for (const e of j.eqns) {
      const ins = e.inputs.map(read);
      const t0 = performance.now();
      const outs = bind(e.primitive, ins, e.params as never);
      const dt = performance.now() - t0;
      e.outBinders.forEach((v, i) => env.set(v, outs[i]!));
      made.push(...outs);
      const s = stats.get(e.primitive.name) ?? { n: 0, ms: 0 };
      s.n += 1 / reps;
      s.ms += dt / reps;
      stats.set(e.primitive.name, s);
    }
    new Set(made).forEach((t) => {
      if (!args.includes(t)) t.dispose();
    });
  }
  return stats;
}

/**
 * What-if A: a dot_general impl that computes products whose contracted dims all have size 1 (outer
 * products, e.g. the per-example `x^T delta` of a dense layer) as one broadcasting multiply
 * `[B, M, 1] * [B, 1, N]`, and defers to the library's impl otherwise.
 */
function outerProductImpl(orig: typeof dotGeneralP.impl): typeof dotGeneralP.impl {
  return (inputs, params) => {
    const [x, y] = inputs as [tfc.Tensor, tfc.Tensor];
    const [[lc, rc], [lb, rb]] = params.dimensionNumbers;
    if (x.dtype !== 'float32' || lc.some((d) => x.shape[d] !== 1) || params.preferredElementType !== undefined) return orig(inputs, params);
    const free = (t: tfc.Tensor, c: readonly number[], b: readonly number[]): number[] => t.shape.map((_, i) => i).filter((i) => !c.includes(i) && !b.includes(i));
    const [fx, fy] = [free(x, lc, lb), free(y, rc, rb)];
    const size = (t: tfc.Tensor, ds: readonly number[]): number => ds.reduce((n, d) => n * t.shape[d]!, 1);
    const outShape = [...lb.map((d) => x.shape[d]!), ...fx.map((d) => x.shape[d]!), ...fy.map((d) => y.shape[d]!)];
    return [
      tfc.tidy(() => {
        const a = tfc.reshape(tfc.transpose(x, [...lb, ...fx, ...lc]), [size(x, lb), size(x, fx), 1]);
        const b = tfc.reshape(tfc.transpose(y, [...rb, ...rc, ...fy]), [size(y, rb), 1, size(y, fy)]);
        return tfc.reshape(tfc.mul(a, b), outShape);
      }),
    ];
  };
}

/**
 * A what-if rewrite (what a jit pass, or dot_general's transpose rule choosing its operand order,
 * would do): `transpose(dot_general(a, b))` whose permutation swaps the two free-dim blocks becomes
 * `dot_general(b, a)`, which produces that layout directly. JAX leaves this to XLA.
 */
function foldDotTranspose(closed: ClosedJaxpr): { jaxpr: Jaxpr; folded: number } {
  const j = closed.jaxpr;
  const uses = new Map<Var, number>();
  for (const e of j.eqns) for (const a of e.inputs) if (!(a instanceof Lit)) uses.set(a, (uses.get(a) ?? 0) + 1);
  for (const a of j.outs) if (!(a instanceof Lit)) uses.set(a, (uses.get(a) ?? 0) + 1);
  const producer = new Map<Var, JaxprEqn>();
  for (const e of j.eqns) for (const v of e.outBinders) producer.set(v, e);
  const drop = new Set<JaxprEqn>();
  const replace = new Map<JaxprEqn, JaxprEqn>();
  for (const t of j.eqns) {
    if (t.primitive.name !== 'transpose' || t.inputs[0] instanceof Lit) continue;
    const d = producer.get(t.inputs[0]!);
    if (d === undefined || d.primitive.name !== 'dot_general' || uses.get(t.inputs[0]!) !== 1) continue;
    const { dimensionNumbers, preferredElementType } = d.params as { dimensionNumbers: [[number[], number[]], [number[], number[]]]; preferredElementType?: string };
    const [[lc, rc], [lb, rb]] = dimensionNumbers;
    const [a, b] = d.inputs as [Atom, Atom];
    const nb = lb.length;
    const na = a.aval.ndim - lc.length - nb;
    const nf = b.aval.ndim - rc.length - rb.length;
    const range = (lo: number, n: number): number[] => Array.from({ length: n }, (_, i) => lo + i);
    const swap = [...range(0, nb), ...range(nb + na, nf), ...range(nb, na)];
    const perm = (t.params as { permutation: number[] }).permutation;
    if (perm.join() !== swap.join()) continue;
    drop.add(d);
    replace.set(t, new JaxprEqn(d.primitive, [b, a], { dimensionNumbers: [[rc, lc], [rb, lb]], preferredElementType }, t.outBinders));
  }
  const eqns = j.eqns.filter((e) => !drop.has(e)).map((e) => replace.get(e) ?? e);
  return { jaxpr: new Jaxpr(j.inBinders, eqns, j.outs), folded: replace.size };
}

if (BREAKDOWN) {
  const flatArgs: [np.Array, np.Array, np.Array, np.Array, np.Array, np.Array] = [params.w1, params.b1, params.w2, params.b2, X, Y];
  const asTree = (f: (p: Params, x: np.Array, y: np.Array) => Params) => (w1: np.Array, b1: np.Array, w2: np.Array, b2: np.Array, x: np.Array, y: np.Array) => {
    const g = f({ w1, b1, w2, b2 }, x, y);
    return [g.w1, g.b1, g.w2, g.b2];
  };
  const closed = { vmap: makeJaxpr(asTree(perExample))(...flatArgs), mean: makeJaxpr(asTree(gradMean))(...flatArgs) };
  for (const [name, j] of [
    ['vmap(grad)', closed.vmap],
    ['grad(mean loss)', closed.mean],
  ] as const) {
    const stats = profile(j, flatArgs, 5);
    const total = [...stats.values()].reduce((n, s) => n + s.ms, 0);
    console.log(`\n${name}: ${j.jaxpr.eqns.length} equations, replayed one bind at a time: ${total.toFixed(2)} ms; by primitive:`);
    for (const [k, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8)) console.log(`  ${k.padEnd(22)} x${String(Math.round(s.n)).padEnd(4)} ${s.ms.toFixed(2)} ms`);
    const big = j.jaxpr.eqns.filter((e) => e.outBinders.some((v) => v.aval.size >= D_IN * D_HID));
    console.log(`  equations with an output of >= ${D_IN * D_HID} elements: ${big.map((e) => `${e.primitive.name} -> [${e.outBinders[0]!.aval.shape.join(',')}]`).join('; ')}`);
  }
  // What-ifs for the two costs the breakdown shows (experiments here, not changes to the library):
  //  A. outer products (dot_general contracting only size-1 dims) as a broadcasting multiply,
  //     instead of tfjs-wasm's BatchMatMul with an inner size of 1;
  //  B. A, plus transpose(dot_general) folded into one dot_general with swapped operands.
  const perEx = makeJaxpr(asTree((p, x, y) => gradOne(p, x, y)))(params.w1, params.b1, params.w2, params.b2, xs[0]!, ys[0]!);
  const folded = { vmap: foldDotTranspose(closed.vmap), mean: foldDotTranspose(closed.mean), one: foldDotTranspose(perEx) };
  const replay = (j: Jaxpr, c: readonly np.Array[], a: readonly np.Array[]) => () => evalJaxpr(j, [...c, ...a]).forEach((t) => t.dispose());
  const origImpl = dotGeneralP.impl;
  const setOuterProducts = (on: boolean): void => {
    (dotGeneralP as { impl: typeof origImpl }).impl = on ? outerProductImpl(origImpl) : origImpl;
  };
  const whatIf: Record<string, [boolean, () => void]> = {
    'as is: vmap(grad)': [false, variants['vmap(grad)']!],
    'as is: loop': [false, variants['loop of grad']!],
    'as is: grad(mean)': [false, variants['grad(mean loss)']!],
    'A: vmap(grad)': [true, variants['vmap(grad)']!],
    'A: loop': [true, variants['loop of grad']!],
    'A: grad(mean)': [true, variants['grad(mean loss)']!],
    'A+B: vmap(grad) jaxpr': [true, replay(folded.vmap.jaxpr, closed.vmap.consts, flatArgs)],
    'A+B: loop of jaxprs': [
      true,
      () => {
        for (let b = 0; b < B; b++) replay(folded.one.jaxpr, perEx.consts, [params.w1, params.b1, params.w2, params.b2, xs[b]!, ys[b]!])();
      },
    ],
    'A+B: grad(mean) jaxpr': [true, replay(folded.mean.jaxpr, closed.mean.consts, flatArgs)],
  };
  {
    // The what-ifs compute the same gradients.
    const base = perExample(params, X, Y);
    setOuterProducts(true);
    const withA = perExample(params, X, Y);
    const withAB = evalJaxpr(folded.vmap.jaxpr, [...closed.vmap.consts, ...flatArgs]);
    setOuterProducts(false);
    NAMES.forEach((k, i) => {
      const e1 = maxRel(withA[k].dataSync() as Float32Array, base[k].dataSync() as Float32Array);
      const e2 = maxRel(withAB[i]!.dataSync() as Float32Array, base[k].dataSync() as Float32Array);
      if (!(e1 < 1e-5 && e2 < 1e-5)) throw new Error(`what-if gradients of ${k} differ (${e1}, ${e2})`);
    });
    [base, withA, withAB].forEach(disposeTree);
  }
  const wk = Object.keys(whatIf);
  const ws = new Map(wk.map((k) => [k, [] as number[]]));
  const wc = new Map(wk.map((k) => [k, [] as number[]]));
  for (let r = 0; r < WARMUP + RUNS; r++)
    for (let i = 0; i < wk.length; i++) {
      const k = wk[(r + i) % wk.length]!;
      const [on, f] = whatIf[k]!;
      setOuterProducts(on);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      f();
      const t1 = performance.now();
      const c1 = process.cpuUsage(c0);
      if (r >= WARMUP) {
        ws.get(k)!.push(t1 - t0);
        wc.get(k)!.push((c1.user + c1.system) / 1000);
      }
    }
  setOuterProducts(false);
  const m = (k: string): number => median(ws.get(k)!);
  console.log(`\nwhat-ifs (A: outer products as a broadcasting multiply; B: ${folded.vmap.folded} transpose(dot_general) pairs folded), wall / cpu median ms:`);
  for (const k of wk) console.log(`  ${k.padEnd(24)} ${m(k).toFixed(2).padStart(8)} ${median(wc.get(k)!).toFixed(2).padStart(8)}`);
  for (const [tag, v, l, g] of [
    ['as is', 'as is: vmap(grad)', 'as is: loop', 'as is: grad(mean)'],
    ['A', 'A: vmap(grad)', 'A: loop', 'A: grad(mean)'],
    ['A+B', 'A+B: vmap(grad) jaxpr', 'A+B: loop of jaxprs', 'A+B: grad(mean) jaxpr'],
  ] as const)
    console.log(`  ${tag.padEnd(6)} vmap(grad) / grad(mean) = ${(m(v) / m(g)).toFixed(2)}x, loop / vmap(grad) = ${(m(l) / m(v)).toFixed(2)}x`);
  perEx.dispose();
  closed.vmap.dispose();
  closed.mean.dispose();
}

[X, Y, ...xs, ...ys].forEach((t) => t.dispose());
disposeTree(params);
perExampleJit.dispose();
gradMeanJit.dispose();
