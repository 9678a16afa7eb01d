/**
 * `jit` on the wasm backend: eager vs jit, side by side in one process, for
 *
 *   (a) `valueAndGrad` of the MLP loss (784-256-10, batch 128, tanh, softmax cross-entropy with
 *       `nn.logSoftmax`), beside its FLOOR: a hand-written tfjs program (tfjs-core ops directly: no
 *       tfjax, no tf.grad) computing the same loss and gradients with the fewest kernels we could
 *       write (forward matMul, add, tanh, matMul, add, max, sub, exp, sum, log, sub; loss mul, sum,
 *       mul; backward by hand: d logits = (softmax * rowsum(y) - y) / B, three transposes and three
 *       matMuls, 1 - h^2);
 *   (b) `hessian` of the notes' 2-D quartic (examples/quartic.ts, `makeLoss(notesMultipliers())`)
 *       at z0 = [-0.9, 0.4];
 *   (c) the notes' Newton step `z - 0.8 * inv(hessian(loss)(z)) @ grad(loss)(z)`, with
 *       `np.linalg.inv` when the library has it, else the explicit 2x2 inverse of examples/main.ts
 *       (the run says which); (c2) the same step with the explicit 2x2 inverse, to compare with
 *       jax-js, whose `numpy.linalg.inv` does not run under its `jit` (0.1.25: "routine primitive
 *       triangular_solve input is not imm");
 *
 * and `@jax-js/jax` (installed in bench/ only) eager and `jit` on (a), (b) and (c2).
 *
 *   npm run bench:jit                          (installs bench/'s dependencies, then runs)
 *   npx tsx bench/jit.ts [--runs=30] [--warmup=5] [--no-breakdown] [--jaxpr]
 *
 * Before timing, every variant's values are checked: (a) against a float64 JS reference of the loss
 * and all four gradients (and the floor against tfjax jit), (b) and (c) against the analytic float64
 * Hessian and Newton step. Timing: all variants of a problem run interleaved (one call each per
 * round, rotating order), `runs` rounds after `warmup`; each call ends with its results computed
 * (tfjs-wasm runs kernels synchronously; jax-js calls end with `blockUntilReady`) and disposed. The
 * table gives ms per call: the wall-clock median [min-max] and the median CPU time of the process
 * (steadier on a busy machine; everything runs on one thread), and ratios of CPU medians. Leaks are
 * checked after timing. The breakdown counts the tfjs kernels one call runs (tf.profile) and the
 * equations of the traced and the optimized jaxprs; `--jaxpr` prints the optimized jaxpr of (a).
 *
 * The floor writes its three transposes explicitly: tfjs-wasm's matMul with transpose flags leaves
 * XNNPACK for a naive loop (27 kernels instead of 30, but several times slower; the breakdown times
 * it too). The floor multiplies by the same weight tensors on every call, so tfjs-wasm reuses
 * XNNPACK's packed weights from one call to the next (they are cached by the tensor's data id);
 * tfjax's jit does the same for a weight used in a single shape (see src/transforms/jitExecutor.ts).
 */
import * as tfc from '../src/backend/tf.js';
import { ConcreteArray, getBackend, grad, hessian, jit, makeJaxpr, nn, np, numTensors, setBackend, tree, valueAndGrad, type Jitted } from '../src/index.js';
import { scoped } from '../src/core/scope.js';
import { optimizeJaxpr } from '../src/transforms/jitPasses.js';
import { makeLoss, notesMultipliers } from '../examples/quartic.js';
import { B, check, checkOneTfjsCoreFile, D_IN, D_OUT, flag, fmt, kernelsOf, loadJaxJs, lpad, mlpData, mlpF64, mlpFloor, NAMES, option, pad, relErr, SHAPES, timeAll, type JArray, type JaxJs, type Name, type Timing } from './common.js';

const RUNS = Number(option('runs', '30'));
const WARMUP = Number(option('warmup', '5'));
const BREAKDOWN = !flag('no-breakdown');
const PRINT_JAXPR = flag('jaxpr');
if (!(RUNS >= 1 && WARMUP >= 0)) throw new Error('--runs must be >= 1 and --warmup >= 0');
const TOL = 1e-4;

async function main(): Promise<void> {
  await setBackend('wasm');
  check(getBackend() === 'wasm', `tfjax runs on '${getBackend()}', expected wasm`);
  checkOneTfjsCoreFile();
  const { jax, version: jaxVersion, threads: jaxThreads } = await loadJaxJs();
  const jnp: JaxJs['numpy'] = jax.numpy;
  console.log(`jax-js ${jaxVersion} on ${jax.defaultDevice()} (${jaxThreads ? 'multi-threaded' : 'one thread: no Worker global in Node'}); tfjs-backend-wasm one thread`);

  // ==== (a) valueAndGrad of the MLP loss ==========================================================

  const data = mlpData();
  const ref = mlpF64(data, 'tanh');

  interface Params {
    w1: np.Array;
    b1: np.Array;
    w2: np.Array;
    b2: np.Array;
  }
  const fromHost = (values: Float32Array, shape: readonly number[]): np.Array => {
    const t = tfc.tensor(values, [...shape], 'float32');
    const a = np.array(t); // a new handle on the same buffer
    t.dispose();
    return a;
  };
  const tx = {
    params: Object.fromEntries(NAMES.map((k) => [k, fromHost(data[k], SHAPES[k])])) as unknown as Params,
    x: fromHost(data.x, [B, D_IN]),
    y: fromHost(data.y, [B, D_OUT]),
  };

  /** The loss as JAX users write it: `-mean(sum(y * log_softmax(logits), 1))`. */
  function mlpLoss(p: Params, x: np.Array, y: np.Array): np.Array {
    const h = np.tanh(np.matmul(x, p.w1).add(p.b1));
    const logits = np.matmul(h, p.w2).add(p.b2);
    return np.mean(np.sum(y.mul(nn.logSoftmax(logits, { axis: 1 })), { axis: 1 })).neg();
  }
  type VG = (p: Params, x: np.Array, y: np.Array) => [np.Array, Params];
  const mlpEager: VG = valueAndGrad(mlpLoss);
  const mlpJit: Jitted<VG> = jit(valueAndGrad(mlpLoss));

  // The floor: tfjs-core ops on the tensors the tfjax arrays hold (the same buffers).
  const tensorOf = (a: np.Array): tfc.Tensor => {
    check(a instanceof ConcreteArray, 'the floor needs concrete arrays');
    return (a as ConcreteArray).tensor;
  };
  const ft = {
    w1: tensorOf(tx.params.w1),
    b1: tensorOf(tx.params.b1),
    w2: tensorOf(tx.params.w2),
    b2: tensorOf(tx.params.b2),
    x: tensorOf(tx.x),
    y: tensorOf(tx.y),
    negInvB: tfc.keep(tfc.scalar(-1 / B)),
    invB: tfc.keep(tfc.scalar(1 / B)),
    one: tfc.keep(tfc.scalar(1)),
  };

  const floor = (flags = false): tfc.Tensor[] => mlpFloor(ft, flags);

  // jax-js, as bench/grad-mlp.ts writes it (each input used once, so no `.ref` inside).
  interface JParams {
    w1: JArray;
    b1: JArray;
    w2: JArray;
    b2: JArray;
  }
  const jj = {
    params: Object.fromEntries(NAMES.map((k) => [k, jnp.array(data[k]).reshape([...SHAPES[k]])])) as unknown as JParams,
    x: jnp.array(data.x).reshape([B, D_IN]),
    y: jnp.array(data.y).reshape([B, D_OUT]),
  };
  const jaxMlpLoss = (p: JParams, x: JArray, y: JArray): JArray => {
    const h = jnp.tanh(jnp.matmul(x, p.w1).add(p.b1));
    const logits = jnp.matmul(h, p.w2).add(p.b2);
    return jnp.mean(jnp.sum(y.mul(jax.nn.logSoftmax(logits, -1)), 1)).neg();
  };
  type JVG = (p: JParams, x: JArray, y: JArray) => [JArray, JParams];
  const jaxMlpEager: JVG = jax.valueAndGrad(jaxMlpLoss);
  const jaxMlpJit = jax.jit(jaxMlpEager);
  const jaxMlpCall = (f: JVG): [JArray, JParams] => f(jax.tree.ref(jj.params), jj.x.ref, jj.y.ref);

  // ---- values of (a) ----
  interface MlpResult {
    loss: number;
    grads: Record<Name, Float32Array>;
  }
  const tfjaxMlp = (f: VG): MlpResult => {
    const [v, g] = f(tx.params, tx.x, tx.y);
    const out: MlpResult = { loss: v.item() as number, grads: {} as Record<Name, Float32Array> };
    for (const k of NAMES) out.grads[k] = g[k].dataSync() as Float32Array;
    v.dispose();
    for (const a of tree.leaves(g)) (a as np.Array).dispose();
    return out;
  };
  const floorMlp = (flags = false): MlpResult => {
    const [loss, ...gs] = floor(flags);
    const out: MlpResult = { loss: loss!.dataSync()[0]!, grads: {} as Record<Name, Float32Array> };
    NAMES.forEach((k, i) => (out.grads[k] = gs[i]!.dataSync() as Float32Array));
    tfc.dispose([loss!, ...gs]);
    return out;
  };
  const jaxMlp = (f: JVG): MlpResult => {
    const [v, g] = jaxMlpCall(f);
    const out: MlpResult = { loss: v.dataSync()[0]!, grads: {} as Record<Name, Float32Array> };
    for (const k of NAMES) out.grads[k] = g[k].dataSync(); // dataSync consumes the array
    return out;
  };

  console.log(`\n== Same numbers ==`);
  const mlpResults: [string, MlpResult][] = [
    ['floor', floorMlp()],
    ['floor (transpose flags)', floorMlp(true)],
    ['tfjax eager', tfjaxMlp(mlpEager)],
    ['tfjax jit', tfjaxMlp(mlpJit)],
    ['jax-js eager', jaxMlp(jaxMlpEager)],
    ['jax-js jit', jaxMlp(jaxMlpJit)],
  ];
  console.log(`(a) MLP 784-256-10 tanh, batch ${B}: loss float64 ${ref.loss.toFixed(7)}; error vs float64, |loss - ref| and max|g - ref|/max|ref| per gradient:`);
  for (const [name, r] of mlpResults) {
    const errs = NAMES.map((k) => relErr(r.grads[k], ref.grads[k]));
    console.log(`  ${pad(name, 24)} loss ${r.loss.toFixed(7)} (${Math.abs(r.loss - ref.loss).toExponential(1)})  ${NAMES.map((k, i) => `${k} ${errs[i]!.toExponential(1)}`).join('  ')}`);
    check(Math.abs(r.loss - ref.loss) <= TOL * Math.max(1, Math.abs(ref.loss)), `(a) ${name}: loss ${r.loss} differs from the float64 reference ${ref.loss}`);
    for (const [k, e] of NAMES.map((k, i) => [k, errs[i]!] as const)) check(e <= TOL, `(a) ${name}: d/d${k} differs from the float64 reference (${e})`);
  }
  {
    const [, fl] = mlpResults[0]!;
    const [, jt] = mlpResults[3]!;
    const errs = NAMES.map((k) => `${k} ${relErr(fl.grads[k], jt.grads[k]).toExponential(1)}`);
    console.log(`  floor vs tfjax jit: loss ${Math.abs(fl.loss - jt.loss).toExponential(1)}, ${errs.join('  ')}`);
  }

  // ==== (b) hessian of the quartic, (c) the Newton step ==========================================

  const multipliers = notesMultipliers();
  const m = Float64Array.from(multipliers.dataSync());
  const quartic = makeLoss(multipliers);
  const z0v = [-0.9, 0.4];
  const z0 = np.array(z0v);

  // Float64 references: loss = sum_i m[i-1] x^i + m[i+3] y^i + 0.1 x y, x = 0.8 z0 - 0.5, y = 2 z1.
  const qx = 0.8 * z0v[0]! - 0.5;
  const qy = 2 * z0v[1]!;
  const d1 = (c: (i: number) => number, t: number): number => [1, 2, 3, 4].reduce((s, i) => s + c(i) * i * t ** (i - 1), 0);
  const d2 = (c: (i: number) => number, t: number): number => [2, 3, 4].reduce((s, i) => s + c(i) * i * (i - 1) * t ** (i - 2), 0);
  const gRef = [0.8 * (d1((i) => m[i - 1]!, qx) + 0.1 * qy), 2 * (d1((i) => m[i + 3]!, qy) + 0.1 * qx)];
  const hRef = [0.64 * d2((i) => m[i - 1]!, qx), 0.8 * 2 * 0.1, 0.8 * 2 * 0.1, 4 * d2((i) => m[i + 3]!, qy)];
  const det = hRef[0]! * hRef[3]! - hRef[1]! * hRef[2]!;
  const hInv = [hRef[3]! / det, -hRef[1]! / det, -hRef[2]! / det, hRef[0]! / det];
  const newtonRef = [0, 1].map((r) => z0v[r]! - 0.8 * (hInv[2 * r]! * gRef[0]! + hInv[2 * r + 1]! * gRef[1]!));

  // The 2x2 inverse from its entries (examples/main.ts), used when np.linalg.inv is missing.
  function inv2(h: np.Array): np.Array {
    const [a, b, c, d] = [np.slice(h, 0, 0), np.slice(h, 0, 1), np.slice(h, 1, 0), np.slice(h, 1, 1)];
    const dt = np.sub(np.mul(a, d), np.mul(b, c));
    return np.div(np.stack([np.stack([d, np.neg(b)]), np.stack([np.neg(c), a])]), dt);
  }
  const linalgInv = (np as unknown as { linalg?: { inv?: (a: np.Array) => np.Array } }).linalg?.inv;
  const inv = linalgInv ?? inv2;
  const invName = linalgInv !== undefined ? 'np.linalg.inv' : 'the explicit 2x2 inverse (np.linalg.inv is not in the library yet)';

  const hessEager = hessian(quartic) as (z: np.Array) => np.Array;
  const hessJit = jit(hessian(quartic) as (z: np.Array) => np.Array);
  // Eagerly, `scoped` frees the intermediates (the Hessian, the gradient, the inverse...) as np functions do inside.
  const newton = (z: np.Array): np.Array => scoped(() => np.sub(z, np.mul(np.matmul(inv(hessian(quartic)(z) as np.Array), grad(quartic)(z)), 0.8)));
  const newtonJit = jit(newton);

  const jm = jnp.array(Float32Array.from(m));
  const jz0 = jnp.array(z0v);
  const jaxQuartic = (z: JArray): JArray => {
    const y = z.ref.slice(1).mul(2);
    const x = z.slice(0).mul(0.8).sub(0.5);
    const pows = (t: JArray): JArray[] => [1, 2, 3, 4].map((i) => jnp.power(t.ref, i));
    const all = jnp.stack([...pows(x), ...pows(y)]);
    return jnp.dot(all, jm.ref).add(x.mul(y).mul(0.1));
  };
  const jaxHessEager = jax.hessian(jaxQuartic);
  const jaxHessJit = jax.jit(jax.hessian(jaxQuartic));
  const newton2 = (z: np.Array): np.Array => scoped(() => np.sub(z, np.mul(np.matmul(inv2(hessian(quartic)(z) as np.Array), grad(quartic)(z)), 0.8)));
  const newton2Jit = jit(newton2);
  const jaxInv2 = (h: JArray): JArray => {
    const [a, b, c, d] = [h.ref.slice(0, 0), h.ref.slice(0, 1), h.ref.slice(1, 0), h.slice(1, 1)];
    const dt = a.ref.mul(d.ref).sub(b.ref.mul(c.ref));
    return jnp.stack([jnp.stack([d, b.neg()]), jnp.stack([c.neg(), a])]).div(dt);
  };
  const jaxNewton = (z: JArray): JArray => z.ref.sub(jnp.matmul(jaxInv2(jax.hessian(jaxQuartic)(z.ref)), jax.grad(jaxQuartic)(z)).mul(0.8));
  const jaxNewtonJit = jax.jit(jaxNewton);

  const host = (a: np.Array): number[] => {
    const v = Array.from(a.dataSync());
    a.dispose();
    return v;
  };
  const jhost = (a: JArray): number[] => Array.from(a.dataSync());
  const small: [string, string, number[], number[]][] = [
    ['(b)', 'tfjax eager', host(hessEager(z0)), hRef],
    ['(b)', 'tfjax jit', host(hessJit(z0)), hRef],
    ['(b)', 'jax-js eager', jhost(jaxHessEager(jz0.ref)), hRef],
    ['(b)', 'jax-js jit', jhost(jaxHessJit(jz0.ref)), hRef],
    ['(c)', 'tfjax eager', host(newton(z0)), newtonRef],
    ['(c)', 'tfjax jit', host(newtonJit(z0)), newtonRef],
    ['(c2)', 'tfjax eager', host(newton2(z0)), newtonRef],
    ['(c2)', 'tfjax jit', host(newton2Jit(z0)), newtonRef],
    ['(c2)', 'jax-js eager', jhost(jaxNewton(jz0.ref)), newtonRef],
    ['(c2)', 'jax-js jit', jhost(jaxNewtonJit(jz0.ref)), newtonRef],
  ];
  console.log(`(b) hessian of the notes' quartic at z0 = [${z0v.join(', ')}]: float64 [${hRef.map((v) => v.toFixed(5)).join(', ')}]`);
  console.log(`(c) Newton step z0 - 0.8 inv(H) g with ${invName}, (c2) with the 2x2 inverse: float64 [${newtonRef.map((v) => v.toFixed(6)).join(', ')}]`);
  for (const [prob, name, got, want] of small) {
    const e = relErr(got, want);
    console.log(`  ${pad(prob, 4)} ${pad(name, 13)} [${got.map((v) => v.toFixed(6)).join(', ')}]  max|d|/max|ref| ${e.toExponential(1)}`);
    check(e <= TOL, `${prob} ${name}: ${got.join(', ')} differs from the float64 reference ${want.join(', ')}`);
  }

  // ==== timing ====================================================================================

  const jaxRefCounts = (): string => [...NAMES.map((k) => jj.params[k].refCount), jj.x.refCount, jj.y.refCount, jm.refCount, jz0.refCount].join(',');
  const t0 = numTensors();
  const refs0 = jaxRefCounts();
  const disposeAll = (...xs: unknown[]): void => {
    for (const a of tree.leaves(xs)) (a as np.Array).dispose();
  };
  const jaxDone = async (out: unknown): Promise<void> => {
    await jax.blockUntilReady(out);
    jax.tree.dispose(out);
  };

  const ta = await timeAll(
    {
      floor: () => tfc.dispose(floor()),
      eager: () => disposeAll(mlpEager(tx.params, tx.x, tx.y)),
      jit: () => disposeAll(mlpJit(tx.params, tx.x, tx.y)),
      jaxEager: () => jaxDone(jaxMlpCall(jaxMlpEager)),
      jaxJit: () => jaxDone(jaxMlpCall(jaxMlpJit)),
    },
    WARMUP,
    RUNS,
  );
  const tb = await timeAll(
    {
      eager: () => disposeAll(hessEager(z0)),
      jit: () => disposeAll(hessJit(z0)),
      jaxEager: () => jaxDone(jaxHessEager(jz0.ref)),
      jaxJit: () => jaxDone(jaxHessJit(jz0.ref)),
    },
    WARMUP,
    RUNS,
  );
  const tc = await timeAll(
    {
      eager: () => disposeAll(newton(z0)),
      jit: () => disposeAll(newtonJit(z0)),
    },
    WARMUP,
    RUNS,
  );
  const tc2 = await timeAll(
    {
      eager: () => disposeAll(newton2(z0)),
      jit: () => disposeAll(newton2Jit(z0)),
      jaxEager: () => jaxDone(jaxNewton(jz0.ref)),
      jaxJit: () => jaxDone(jaxNewtonJit(jz0.ref)),
    },
    WARMUP,
    RUNS,
  );
  check(numTensors() === t0, `tfjax or the floor leaked ${numTensors() - t0} tensors over ${WARMUP + RUNS} calls each`);
  check(jaxRefCounts() === refs0, `jax-js: reference counts of the held arrays changed from ${refs0} to ${jaxRefCounts()}`);

  console.log(`\n== ms per call, ${RUNS} calls each after ${WARMUP} warm-up, interleaved within each problem ==`);
  console.log('wall = median [min-max] of wall-clock time; cpu = median CPU time of this process (steadier on a busy machine);');
  console.log('ratios are of cpu medians: jit/eager; /floor = tfjax jit over the hand-written tfjs floor; tfjax/jax-js in the same mode');
  const head = `${pad('problem', 22)}| ${pad('variant', 13)}| ${pad('wall median [min-max]', 26)}| ${lpad('cpu', 7)} | jit/eager | /floor | tfjax/jax-js`;
  console.log(head);
  console.log('-'.repeat(head.length));
  const r2 = (a: number, b: number): string => (a / b).toFixed(2);
  const row = (prob: string, name: string, t: Timing, cols: [string, string, string]): void =>
    console.log(`${pad(prob, 22)}| ${pad(name, 13)}| ${pad(`${lpad(fmt(t.median), 7)} [${fmt(t.min)}-${fmt(t.max)}]`, 26)}| ${lpad(fmt(t.cpu), 7)} | ${lpad(cols[0], 9)} | ${lpad(cols[1], 6)} | ${lpad(cols[2], 12)}`);
  type Group = { eager: Timing; jit: Timing; floor?: Timing; jaxEager?: Timing; jaxJit?: Timing };
  const problems: [string, Group][] = [
    ['(a) MLP valueAndGrad', ta],
    ['(b) quartic hessian', tb],
    [linalgInv !== undefined ? '(c) Newton, linalg.inv' : '(c) Newton, 2x2 inv', tc],
    ['(c2) Newton, 2x2 inv', tc2],
  ];
  const opt = (a: Timing | undefined, b: Timing | undefined): string => (a !== undefined && b !== undefined ? r2(a.cpu, b.cpu) : '');
  for (const [prob, t] of problems) {
    if (t.floor !== undefined) row(prob, 'floor (tfjs)', t.floor, ['', '1.00', '']);
    row(prob, 'tfjax eager', t.eager, ['', opt(t.eager, t.floor), opt(t.eager, t.jaxEager)]);
    row(prob, 'tfjax jit', t.jit, [r2(t.jit.cpu, t.eager.cpu), opt(t.jit, t.floor), opt(t.jit, t.jaxJit)]);
    if (t.jaxEager !== undefined) row(prob, 'jax-js eager', t.jaxEager, ['', opt(t.jaxEager, t.floor), '']);
    if (t.jaxJit !== undefined) row(prob, 'jax-js jit', t.jaxJit, [opt(t.jaxJit, t.jaxEager), opt(t.jaxJit, t.floor), '']);
  }
  const goal = ta.jit.cpu / ta.floor.cpu;
  console.log(`\n(a) tfjax jit / floor (cpu medians): ${goal.toFixed(2)} (goal: at most 1.15) ${goal <= 1.15 ? 'met' : 'MISSED'}`);
  console.log(`(c) uses ${invName}; (c2) and jax-js use the explicit 2x2 inverse`);

  // ==== breakdown =================================================================================

  if (BREAKDOWN) {
    console.log('\n== Kernels per call (tf.profile) and jaxpr equations ==');
    const prims = (eqns: readonly { primitive: { name: string } }[]): string => {
      const c = new Map<string, number>();
      for (const e of eqns) c.set(e.primitive.name, (c.get(e.primitive.name) ?? 0) + 1);
      return [...c.entries()].map(([n, k]) => `${n} x${k}`).join(', ');
    };
    const mlpKernels: [string, () => void][] = [
      ['floor', () => tfc.dispose(floor())],
      ['floor, flags', () => tfc.dispose(floor(true))],
      ['tfjax eager', () => disposeAll(mlpEager(tx.params, tx.x, tx.y))],
      ['tfjax jit', () => disposeAll(mlpJit(tx.params, tx.x, tx.y))],
    ];
    console.log('(a) MLP valueAndGrad:');
    for (const [name, f] of mlpKernels) {
      const k = await kernelsOf(f);
      console.log(`  ${pad(name, 13)} ${lpad(String(k.count), 3)} kernels: ${k.byName}`);
    }
    const flagsTime = await timeAll({ flags: () => tfc.dispose(floor(true)) }, 1, 5);
    console.log(`  (floor with matMul transpose flags instead of Transpose kernels: ${fmt(flagsTime.flags.cpu)} ms cpu per call, over 5 calls)`);
    const traced = makeJaxpr(valueAndGrad(mlpLoss))(tx.params, tx.x, tx.y);
    const opt = optimizeJaxpr(traced.jaxpr);
    console.log(`  traced jaxpr: ${traced.jaxpr.eqns.length} equations; optimized (what jit runs): ${opt.eqns.length}: ${prims(opt.eqns)}`);
    if (PRINT_JAXPR) console.log(opt.toString());
    traced.dispose();
    // The same loss with np.logsumexp (as bench/grad-mlp.ts writes it): its shift is not under stopGradient.
    const lseLoss = (p: Params, x: np.Array, y: np.Array): np.Array => {
      const h = np.tanh(np.matmul(x, p.w1).add(p.b1));
      const logits = np.matmul(h, p.w2).add(p.b2);
      const logp = logits.sub(np.logsumexp(logits, { axis: 1, keepdims: true }));
      return np.mean(np.sum(y.mul(logp), { axis: 1 })).neg();
    };
    const lseJit = jit(valueAndGrad(lseLoss));
    const lseOpt = optimizeJaxpr(makeJaxpr(valueAndGrad(lseLoss))(tx.params, tx.x, tx.y).jaxpr);
    const lseK = await kernelsOf(() => disposeAll(lseJit(tx.params, tx.x, tx.y)));
    console.log(`  the loss written with np.logsumexp instead of nn.logSoftmax: ${lseOpt.eqns.length} equations, ${lseK.count} kernels per jit call`);
    lseJit.dispose();

    const smallKernels: [string, (z: np.Array) => np.Array, (z: np.Array) => np.Array, (z: np.Array) => np.Array][] = [
      ['(b) hessian', hessEager, hessJit, hessian(quartic) as (z: np.Array) => np.Array],
      ['(c) Newton', newton, newtonJit, newton],
      ['(c2) Newton', newton2, newton2Jit, newton2],
    ];
    for (const [name, eager, jitted, f] of smallKernels) {
      const ke = await kernelsOf(() => disposeAll(eager(z0)));
      const kj = await kernelsOf(() => disposeAll(jitted(z0)));
      const tr = makeJaxpr(f)(z0);
      const o = optimizeJaxpr(tr.jaxpr);
      console.log(`${name}: kernels per call eager ${ke.count}, jit ${kj.count} (${kj.byName}); jaxpr ${tr.jaxpr.eqns.length} equations traced, ${o.eqns.length} optimized`);
      tr.dispose();
    }
  }

  // ---- clean up -----------------------------------------------------------------------------------

  for (const a of [...NAMES.map((k) => tx.params[k]), tx.x, tx.y, multipliers, z0]) a.dispose();
  tfc.dispose([ft.negInvB, ft.invB, ft.one]);
  for (const f of [mlpJit, hessJit, newtonJit, newton2Jit]) f.dispose();
  jax.tree.dispose([jj.params, jj.x, jj.y, jm, jz0]);
  for (const f of [jaxMlpJit, jaxHessJit, jaxNewtonJit]) f.dispose();
}

// tfjs-backend-wasm's Emscripten module rethrows uncaught exceptions with its whole minified source:
// report failures here instead.
main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
