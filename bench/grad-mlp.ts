/**
 * Gradient of an MLP loss on the wasm backend, three libraries side by side in one process:
 *
 *   (a) tfjax   eager `valueAndGrad` (its own autodiff over tfjs-core kernels),
 *   (b) tfjs    `tf.valueAndGrads` (tfjs's tape autodiff, the baseline; from `@tensorflow/tfjs`),
 *   (c) jax-js  `valueAndGrad` on its own wasm backend (`@jax-js/jax`, installed in bench/ only).
 *
 * The loss: a 784-256-10 MLP on a batch of 128, hidden tanh or relu (relu = maximum(z, 0)),
 * softmax cross-entropy = mean over the batch of -sum(onehot * log_softmax(logits)); parameters are
 * the pytree `{ w1, b1, w2, b2 }`. Before timing, the bench checks that exactly one copy of
 * tfjs-core is loaded, that importing tfjs's gradient registry leaves tfjax's results bit for bit
 * the same, and that the three losses and gradients agree (and the loss with a float64 reference).
 *
 *   npm run bench:grad-mlp                       (installs bench/'s dependencies, then runs)
 *   npx tsx bench/grad-mlp.ts [--runs=20] [--warmup=5] [--act=tanh,relu] [--no-breakdown] [--untransposed-matmul]
 *
 * Each library writes the loss its own usual way: tfjax with np (maximum(z, 0), logsumexp), tfjs
 * with tf.relu and tf.logSoftmax, jax-js with jnp.maximum and nn.logSoftmax; same mathematics.
 *
 * The table also has a `jit(valueAndGrad(loss))` row for tfjax and for jax-js (traced once, during
 * the checks): jax-js's jit fuses kernels, tfjax's replays its optimized jaxpr.
 *
 * Timing: all variants run interleaved, `runs` calls each after `warmup` calls, each call producing
 * the loss and all four gradients ready to read (jax-js is lazy, so its calls end with
 * `blockUntilReady`; tfjs and tfjax on wasm run their kernels synchronously). The table gives the
 * wall-clock median [min-max] and the median CPU time of the process, which other processes on a
 * busy machine disturb much less; all three run on one thread. Leaks are checked after timing
 * (tfjs tensor count for tfjax and tfjs, reference counts of the held arrays for jax-js). The
 * breakdown that follows compares forward passes and replays tfjax's gradient jaxpr (the same
 * kernels without per-call tracing), and lists the kernels each call runs.
 *
 * `--untransposed-matmul` is a what-if experiment, not a measurement of the libraries as they are:
 * it re-registers tfjs-backend-wasm's BatchMatMul kernel so that transposed operands are first
 * transposed by the Transpose kernel and the product runs without transpose flags (tfjs-wasm's
 * transposed path is many times slower than its plain one). It changes tfjs and tfjax alike.
 */
import { evalJaxpr, getBackend, jit, makeJaxpr, np, numTensors, setBackend, tree, valueAndGrad, type Jitted } from '../src/index.js';
import * as tfc from '../src/backend/tf.js';
import { B, check, checkOneTfjsCore, D_HID, D_IN, D_OUT, fmt, loadJaxJs, lpad, mlpData, mlpF64, NAMES, option, pad, relErr, SHAPES, timeAll, type Act, type JArray, type JaxJs, type Name, type Timing } from './common.js';

// ---- options ------------------------------------------------------------------------------------

const RUNS = Number(option('runs', '20'));
const WARMUP = Number(option('warmup', '5'));
const ACTS = option('act', 'tanh,relu').split(',') as Act[];
const BREAKDOWN = !process.argv.includes('--no-breakdown');
const UNTRANSPOSED = process.argv.includes('--untransposed-matmul');
for (const a of ACTS) if (a !== 'tanh' && a !== 'relu') throw new Error(`--act: expected tanh and/or relu, got '${String(a)}'`);
if (!(RUNS >= 1 && WARMUP >= 0)) throw new Error('--runs must be >= 1 and --warmup >= 0');

// ---- data ---------------------------------------------------------------------------------------

const data = mlpData();

/** The loss in float64 plain JS: an independent reference for the three libraries' values. */
function lossF64(act: Act): number {
  return mlpF64(data, act).loss;
}

/**
 * The `--untransposed-matmul` experiment: wasm's BatchMatMul with transposeA/transposeB runs as
 * Transpose kernels on the flagged operands, then the plain product. Same kernel name, so both tfjs
 * and tfjax pick it up; the temporary transposes are freed inside the kernel.
 */
function registerUntransposedMatMul(): void {
  const orig = tfc.getKernel('BatchMatMul', 'wasm');
  const transpose = tfc.getKernel('Transpose', 'wasm');
  if (!orig || !transpose) throw new Error('--untransposed-matmul: the wasm BatchMatMul or Transpose kernel is not registered');
  tfc.unregisterKernel('BatchMatMul', 'wasm');
  tfc.registerKernel({
    ...orig,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
      const temps: tfc.TensorInfo[] = [];
      const swapLast = (x: tfc.TensorInfo): tfc.TensorInfo => {
        const perm = x.shape.map((_, i) => i);
        const n = perm.length;
        [perm[n - 2], perm[n - 1]] = [perm[n - 1]!, perm[n - 2]!];
        const y = transpose.kernelFunc({ inputs: { x }, attrs: { perm }, backend }) as tfc.TensorInfo;
        temps.push(y);
        return y;
      };
      const a = transposeA ? swapLast(inputs.a!) : inputs.a!;
      const b = transposeB ? swapLast(inputs.b!) : inputs.b!;
      const out = orig.kernelFunc({ inputs: { a, b }, attrs: { ...attrs, transposeA: false, transposeB: false }, backend });
      for (const t of temps) (backend as tfc.KernelBackend).disposeData(t.dataId);
      return out;
    },
  });
}

// ---- comparison helpers -------------------------------------------------------------------------

/** Loss value and gradients as host arrays. */
interface Result {
  loss: number;
  grads: Record<Name, Float32Array>;
}

function bitEqual(a: Result, b: Result): boolean {
  if (!Object.is(a.loss, b.loss)) return false;
  return NAMES.every((k) => {
    const u = new Uint32Array(a.grads[k].buffer, a.grads[k].byteOffset, a.grads[k].length);
    const v = new Uint32Array(b.grads[k].buffer, b.grads[k].byteOffset, b.grads[k].length);
    return u.length === v.length && u.every((w, i) => w === v[i]);
  });
}

async function main(): Promise<void> {
  // ---- (a) tfjax ----------------------------------------------------------------------------------

  await setBackend('wasm');
  check(getBackend() === 'wasm', `tfjax runs on '${getBackend()}', expected wasm`);
  if (UNTRANSPOSED) {
    registerUntransposedMatMul();
    console.log('*** what-if: --untransposed-matmul re-registered wasm\'s BatchMatMul (tfjs and tfjax alike): not the libraries as shipped ***\n');
  }

  interface Params {
    w1: np.Array;
    b1: np.Array;
    w2: np.Array;
    b2: np.Array;
  }

  function fromHost(values: Float32Array, shape: readonly number[]): np.Array {
    const t = tfc.tensor(values, [...shape], 'float32');
    const a = np.array(t); // np.array copies a tfjs tensor into a new handle
    t.dispose();
    return a;
  }

  const tx = {
    params: Object.fromEntries(NAMES.map((k) => [k, fromHost(data[k], SHAPES[k])])) as unknown as Params,
    x: fromHost(data.x, [B, D_IN]),
    y: fromHost(data.y, [B, D_OUT]),
  };

  function tfjaxLoss(act: Act): (p: Params, x: np.Array, y: np.Array) => np.Array {
    return (p, x, y) => {
      const z = np.matmul(x, p.w1).add(p.b1);
      const h = act === 'tanh' ? np.tanh(z) : np.maximum(z, 0);
      const logits = np.matmul(h, p.w2).add(p.b2);
      const logp = logits.sub(np.logsumexp(logits, { axis: 1, keepdims: true }));
      return np.mean(np.sum(y.mul(logp), { axis: 1 })).neg();
    };
  }

  type TfjaxVG = (p: Params, x: np.Array, y: np.Array) => [np.Array, Params];
  /** Per activation: eager `valueAndGrad`, and the same under `jit` (traced once, then replayed). */
  const tfjaxVG = Object.fromEntries(
    ACTS.map((a) => {
      const eager: TfjaxVG = valueAndGrad(tfjaxLoss(a));
      return [a, { eager, jit: jit(eager) }];
    }),
  ) as Record<Act, { eager: TfjaxVG; jit: Jitted<TfjaxVG> }>;

  function tfjaxRun(f: TfjaxVG): Result {
    const [value, grads] = f(tx.params, tx.x, tx.y);
    const out: Result = { loss: value.dataSync()[0]!, grads: {} as Record<Name, Float32Array> };
    for (const k of NAMES) out.grads[k] = grads[k].dataSync() as Float32Array;
    value.dispose();
    for (const g of tree.leaves(grads)) (g as np.Array).dispose();
    return out;
  }

  /** Results of tfjax before tfjs's gradient registry is loaded, to compare with the results after. */
  const tfjaxBefore = Object.fromEntries(ACTS.map((a) => [a, tfjaxRun(tfjaxVG[a].eager)])) as Record<Act, Result>;

  // ---- (b) tfjs: imported only now, after tfjax's reference results ------------------------------

  const tf: typeof import('@tensorflow/tfjs') = await import('@tensorflow/tfjs');
  checkOneTfjsCore(tf);

  const tj = {
    params: NAMES.map((k) => tf.keep(tf.tensor(data[k], [...SHAPES[k]], 'float32'))),
    x: tf.keep(tf.tensor(data.x, [B, D_IN], 'float32')),
    y: tf.keep(tf.tensor(data.y, [B, D_OUT], 'float32')),
  };

  function tfjsLoss(act: Act): (...p: import('@tensorflow/tfjs').Tensor[]) => import('@tensorflow/tfjs').Scalar {
    return (w1, b1, w2, b2) => {
      const z = tf.add(tf.matMul(tj.x, w1!), b1!);
      const h = act === 'tanh' ? tf.tanh(z) : tf.relu(z);
      const logits = tf.add(tf.matMul(h, w2!), b2!);
      const logp = tf.logSoftmax(logits);
      return tf.neg(tf.mean(tf.sum(tf.mul(tj.y, logp), 1))) as import('@tensorflow/tfjs').Scalar;
    };
  }

  function tfjsVG(act: Act): { value: import('@tensorflow/tfjs').Scalar; grads: import('@tensorflow/tfjs').Tensor[] } {
    return tf.valueAndGrads(tfjsLoss(act))(tj.params);
  }

  function tfjsRun(act: Act): Result {
    const { value, grads } = tfjsVG(act);
    const out: Result = { loss: value.dataSync()[0]!, grads: {} as Record<Name, Float32Array> };
    NAMES.forEach((k, i) => (out.grads[k] = grads[i]!.dataSync() as Float32Array));
    value.dispose();
    tf.dispose(grads);
    return out;
  }

  // ---- (c) jax-js ---------------------------------------------------------------------------------

  interface JParams {
    w1: JArray;
    b1: JArray;
    w2: JArray;
    b2: JArray;
  }

  const { jax, version: jaxVersion, threads: jaxThreads } = await loadJaxJs();
  const jnp: JaxJs['numpy'] = jax.numpy;

  const jj = {
    params: Object.fromEntries(NAMES.map((k) => [k, jnp.array(data[k]).reshape([...SHAPES[k]])])) as unknown as JParams,
    x: jnp.array(data.x).reshape([B, D_IN]),
    y: jnp.array(data.y).reshape([B, D_OUT]),
  };

  /** Each input is used once, so no `.ref` is needed inside: every use consumes its argument. */
  function jaxLoss(act: Act): (p: JParams, x: JArray, y: JArray) => JArray {
    return (p, x, y) => {
      const z = jnp.matmul(x, p.w1).add(p.b1);
      const h = act === 'tanh' ? jnp.tanh(z) : jnp.maximum(z, 0);
      const logits = jnp.matmul(h, p.w2).add(p.b2);
      const logp = jax.nn.logSoftmax(logits, -1);
      return jnp.mean(jnp.sum(y.mul(logp), 1)).neg();
    };
  }

  type JaxVG = (p: JParams, x: JArray, y: JArray) => [JArray, JParams];
  const jaxVGs = Object.fromEntries(
    ACTS.map((a) => {
      const eager: JaxVG = jax.valueAndGrad(jaxLoss(a));
      return [a, { eager, jit: jax.jit(eager) }];
    }),
  ) as Record<Act, { eager: JaxVG; jit: JaxVG & { dispose(): void } }>;

  /** One call: the arguments are passed as new references (`.ref`), so the held arrays survive it. */
  function jaxVG(f: JaxVG): [JArray, JParams] {
    return f(jax.tree.ref(jj.params), jj.x.ref, jj.y.ref);
  }

  function jaxRun(f: JaxVG): Result {
    const [value, grads] = jaxVG(f);
    const out: Result = { loss: value.dataSync()[0]!, grads: {} as Record<Name, Float32Array> };
    for (const k of NAMES) out.grads[k] = grads[k].dataSync(); // dataSync consumes the array
    return out;
  }

  function jaxRefCounts(): string {
    return [...NAMES.map((k) => jj.params[k].refCount), jj.x.refCount, jj.y.refCount].join(',');
  }

  // ---- correctness --------------------------------------------------------------------------------

  console.log(`\n== Same numbers (784-${D_HID}-${D_OUT} MLP, batch ${B}, wasm) ==`);
  console.log(`jax-js ${jaxVersion} on ${jax.defaultDevice()} (${jaxThreads ? 'multi-threaded' : 'one thread: no Worker global in Node'}); tfjs-backend-wasm one thread`);
  const TOL = 1e-4;
  for (const act of ACTS) {
    const ref = lossF64(act);
    const a = tfjaxRun(tfjaxVG[act].eager);
    const b = tfjsRun(act);
    const c = jaxRun(jaxVGs[act].eager);
    const aj = tfjaxRun(tfjaxVG[act].jit);
    const cj = jaxRun(jaxVGs[act].jit);
    console.log(
      `${act}: loss float64 ${ref.toFixed(7)} | tfjs ${b.loss.toFixed(7)} | tfjax ${a.loss.toFixed(7)} (jit ${aj.loss.toFixed(7)}) | jax-js ${c.loss.toFixed(7)} (jit ${cj.loss.toFixed(7)})`,
    );
    const others = [['tfjax', a], ['tfjax jit', aj], ['jax-js', c], ['jax-js jit', cj]] as const;
    for (const [lib, r] of [...others, ['tfjs', b] as const])
      check(Math.abs(r.loss - ref) <= TOL * Math.max(1, Math.abs(ref)), `${act}: ${lib}'s loss ${r.loss} differs from the float64 reference ${ref}`);
    const errs = NAMES.map((k) => `${k} ${others.map(([, r]) => relErr(r.grads[k], b.grads[k]).toExponential(1)).join('/')}`);
    console.log(`  grad error vs tfjs, max|d|/max|g| (tfjax/tfjax jit/jax-js/jax-js jit): ${errs.join('  ')}`);
    for (const [lib, r] of others) for (const k of NAMES) check(relErr(r.grads[k], b.grads[k]) <= TOL, `${act}: ${lib}'s d/d${k} differs from tfjs's`);
    const same = bitEqual(a, tfjaxBefore[act]);
    console.log(`  tfjax bit-identical before and after importing @tensorflow/tfjs (and running tf.valueAndGrads): ${same}`);
    check(same, `${act}: tfjax's results changed after importing tfjs's gradients`);
  }

  // ---- timing -------------------------------------------------------------------------------------

  interface Row {
    act: Act;
    tfjs: Timing;
    tfjax: Timing;
    tfjaxJit: Timing;
    jax: Timing;
    jaxJit: Timing;
  }
  const rows: Row[] = [];
  for (const act of ACTS) {
    const t0 = numTensors();
    const refs = jaxRefCounts();
    const tfjaxCall = (f: TfjaxVG) => (): void => {
      const [value, grads] = f(tx.params, tx.x, tx.y);
      value.dispose();
      for (const g of tree.leaves(grads)) (g as np.Array).dispose();
    };
    const jaxCall = (f: JaxVG) => async (): Promise<void> => {
      const out = jaxVG(f);
      await jax.blockUntilReady(out);
      jax.tree.dispose(out);
    };
    const t = await timeAll({
      tfjs: () => {
        const { value, grads } = tfjsVG(act);
        value.dispose();
        tf.dispose(grads);
      },
      tfjax: tfjaxCall(tfjaxVG[act].eager),
      tfjaxJit: tfjaxCall(tfjaxVG[act].jit),
      jax: jaxCall(jaxVGs[act].eager),
      jaxJit: jaxCall(jaxVGs[act].jit),
    }, WARMUP, RUNS);
    check(numTensors() === t0, `tfjax or tfjs leaked ${numTensors() - t0} tensors over ${WARMUP + RUNS} calls each`);
    check(jaxRefCounts() === refs, `jax-js: reference counts of the held arrays changed from ${refs} to ${jaxRefCounts()}`);
    rows.push({ act, ...t });
  }

  console.log(`\n== valueAndGrad of the MLP loss: ms per call, ${RUNS} calls each after ${WARMUP} warm-up, interleaved ==`);
  console.log('wall = median [min-max] of wall-clock time; cpu = median CPU time of this process (steadier on a busy machine);');
  console.log('jit rows: jit(valueAndGrad(loss)), traced once during the checks above; "jax-js (same mode)" = jax-js eager for eager rows, jit for jit rows');
  const head = `${pad('hidden', 7)}| ${pad('library', 26)}| ${pad('wall median [min-max]', 26)}| ${lpad('cpu', 7)} | wall/tfjs | cpu/tfjs | cpu/jax-js (same mode)`;
  console.log(head);
  console.log('-'.repeat(head.length));
  const ratio = (a: number, b: number): string => (a / b).toFixed(2);
  for (const r of rows) {
    const libs: [string, Timing, Timing][] = [
      ['tfjs tf.valueAndGrads', r.tfjs, r.jax],
      ['tfjax valueAndGrad', r.tfjax, r.jax],
      ['jax-js valueAndGrad', r.jax, r.jax],
      ['tfjax jit(valueAndGrad)', r.tfjaxJit, r.jaxJit],
      ['jax-js jit(valueAndGrad)', r.jaxJit, r.jaxJit],
    ];
    for (const [name, t, same] of libs) {
      console.log(
        `${pad(r.act, 7)}| ${pad(name, 26)}| ${pad(`${lpad(fmt(t.median), 7)} [${fmt(t.min)}-${fmt(t.max)}]`, 26)}| ${lpad(fmt(t.cpu), 7)} | ` +
          `${lpad(ratio(t.median, r.tfjs.median), 9)} | ${lpad(ratio(t.cpu, r.tfjs.cpu), 8)} | ${lpad(ratio(t.cpu, same.cpu), 10)}`,
      );
    }
  }

  // ---- where tfjax's time goes --------------------------------------------------------------------

  if (BREAKDOWN) {
    console.log(`\n== Where the time goes: ms per call (wall median / cpu median), ${RUNS} calls each, interleaved ==`);
    console.log('forward = the loss alone, eager (no autodiff); grad = valueAndGrad, eager;');
    console.log('grad jaxpr replay = tfjax\'s gradient program traced once (makeJaxpr) and run with evalJaxpr: the same');
    console.log('  primitives and kernels as the eager grad, without the per-call jvp/linearize/transpose tracing;');
    console.log('kernels = tfjs kernel calls per grad call and their summed time (tf.profile, one call).');
    // tf.profile returns the engine's one profile object, which the next profile call refills: summarize at once.
    type Kernels = Awaited<ReturnType<typeof tfc.profile>>;
    const summarize = (p: Kernels): { count: number; ms: number; byName: string } => {
      const m = new Map<string, [number, number]>();
      let ms = 0;
      for (const k of p.kernels) {
        const t = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
        const [n, sum] = m.get(k.name) ?? [0, 0];
        m.set(k.name, [n + 1, sum + t]);
        ms += t;
      }
      const byName = [...m.entries()]
        .sort((x, y) => y[1][1] - x[1][1])
        .map(([name, [n, t]]) => `${name} x${n} ${t.toFixed(2)}`)
        .join(', ');
      return { count: p.kernels.length, ms, byName };
    };
    const both = (t: Timing): string => `${fmt(t.median)} / ${fmt(t.cpu)}`;
    for (const act of ACTS) {
      const closed = makeJaxpr((p: Params, x: np.Array, y: np.Array) => valueAndGrad(tfjaxLoss(act))(p, x, y))(tx.params, tx.x, tx.y);
      const jaxprArgs = [...closed.consts, ...(tree.leaves([tx.params, tx.x, tx.y]) as np.Array[])]; // pytree order: sorted keys
      const prims = new Map<string, number>();
      for (const e of closed.jaxpr.eqns) prims.set(e.primitive.name, (prims.get(e.primitive.name) ?? 0) + 1);
      const t = await timeAll({
        fwdTfjs: () => tf.tidy(() => void tfjsLoss(act)(...tj.params)),
        fwdTfjax: () => tfjaxLoss(act)(tx.params, tx.x, tx.y).dispose(),
        gradTfjs: () => {
          const { value, grads } = tfjsVG(act);
          value.dispose();
          tf.dispose(grads);
        },
        gradTfjax: () => {
          const [value, grads] = tfjaxVG[act].eager(tx.params, tx.x, tx.y);
          value.dispose();
          for (const g of tree.leaves(grads)) (g as np.Array).dispose();
        },
        replay: () => tfc.tidy(() => void evalJaxpr(closed.jaxpr, jaxprArgs)),
      }, WARMUP, RUNS);
      closed.dispose();
      const profTfjax = summarize(
        await tfc.profile(() => {
          const [value, grads] = tfjaxVG[act].eager(tx.params, tx.x, tx.y);
          value.dispose();
          for (const g of tree.leaves(grads)) (g as np.Array).dispose();
        }),
      );
      const profTfjs = summarize(
        await tf.profile(() => {
          const { value, grads } = tfjsVG(act);
          value.dispose();
          tf.dispose(grads);
        }),
      );
      console.log(`${act}:`);
      console.log(`  forward loss       tfjs ${both(t.fwdTfjs)} | tfjax ${both(t.fwdTfjax)}`);
      console.log(`  valueAndGrad       tfjs ${both(t.gradTfjs)} | tfjax ${both(t.gradTfjax)} | tfjax grad jaxpr replay ${both(t.replay)} (${closed.jaxpr.eqns.length} equations)`);
      console.log(`  kernels per grad   tfjs ${profTfjs.count} (${fmt(profTfjs.ms)} ms) | tfjax ${profTfjax.count} (${fmt(profTfjax.ms)} ms)`);
      console.log(`    tfjs : ${profTfjs.byName}`);
      console.log(`    tfjax: ${profTfjax.byName}`);
      console.log(`  tfjax grad jaxpr: ${[...prims.entries()].map(([n, c]) => `${n} x${c}`).join(', ')}`);
    }
  }

  // ---- clean up -----------------------------------------------------------------------------------

  for (const a of [...NAMES.map((k) => tx.params[k]), tx.x, tx.y]) a.dispose();
  tf.dispose([...tj.params, tj.x, tj.y]);
  jax.tree.dispose([jj.params, jj.x, jj.y]);
  for (const a of ACTS) {
    tfjaxVG[a].jit.dispose();
    jaxVGs[a].jit.dispose();
  }
}

// tfjs-backend-wasm's Emscripten module rethrows uncaught exceptions with its whole minified source:
// report failures here instead.
main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
