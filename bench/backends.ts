/**
 * The same work on cpu, wasm and webgpu side by side, each beside its floor (hand-written tfjs on
 * the same backend):
 *
 *   (m) a 512x512 float32 matmul: floor `tf.matMul`; tfjax `np.matmul` eager and under `jit`;
 *   (a) `valueAndGrad` of the MLP loss of bench/jit.ts (784-256-10, batch 128, tanh, softmax
 *       cross-entropy with `nn.logSoftmax`), tfjax eager and `jit`; floor: bench/jit.ts's
 *       hand-written forward and backward in tfjs-core ops (no tfjax, no tf.grad), in its two
 *       forms: explicit Transpose kernels (fastest on wasm) and matMul's transpose flags (no extra
 *       kernels, often faster on webgpu). The floor for the ratios is the faster of the two medians.
 *
 *   npm run bench:backends
 *   npx tsx bench/backends.ts [--backends=cpu,wasm,webgpu] [--runs=20] [--warmup=5] [--modes=read,sync]
 *
 * Each backend runs in its own child process (this script with `--child=<backend>` and
 * TFJAX_BACKEND set), one after the other: a backend's start-up, caches, memory and a possible
 * crash in Dawn stay in its process, and the processes never compete for the cores. The parent
 * prints each child's output as it comes, then one table with every backend side by side. A
 * backend that fails to start (no WebGPU, say) is reported and the others still run; the exit
 * status is then 1.
 *
 * WebGPU in Node goes through tfjax's own start-up (src/backend/webgpu.ts): Dawn with its default
 * backends and a core adapter first (Vulkan on an NVIDIA machine), else Dawn's OpenGL ES backend
 * with a compatibility-level adapter (Mesa llvmpipe on a machine without a GPU); DAWN_OPTS picks
 * Dawn's options by hand. The child prints the adapter it got.
 *
 * Timing is honest on every backend: each timed call ends with its results computed, waited for
 * inside the timed region, and only then disposed. Two ways of waiting (`--modes`), both timed:
 *   read:  `await x.data()` of every result (the product; the loss and all four gradients), as a
 *          program that uses the values does; includes the copy to the host;
 *   sync:  wait until the device has finished the work, without reading: on webgpu, submit tfjs's
 *          pending commands and `await device.queue.onSubmittedWorkDone()`; on cpu and wasm the
 *          kernels have run when the call returns (tfjs runs them synchronously).
 * On webgpu, when the device has the 'timestamp-query' feature, a third row `kern` gives tf.time's
 * kernelMs: the sum of the kernels' GPU times by timestamp queries, without dispatch, submit and
 * wait overheads (measured after the wall timings, not interleaved).
 * Before timing, every variant's values are checked against float64 references computed in plain
 * JS (read with `await data()`). Variants run interleaved (one call of each per round, rotating
 * order), `runs` rounds after `warmup` (the warm-up compiles WebGPU's shaders and fills tfjs's
 * caches). Tables give the wall-clock median [min-max] in ms per call and the ratio of medians to
 * the floor of the same backend and wait mode. Leaks are checked after timing.
 */
import { spawn } from 'node:child_process';
import * as tfc from '../src/backend/tf.js';
import type { Jitted, np } from '../src/index.js';
import { B, check, D_HID, D_IN, D_OUT, fmt, lpad, median, mlpData, mlpF64, mlpFloor, mulberry32, NAMES, option, pad, relErr, SHAPES, timeAll, type Name, type Timing } from './common.js';

const ALL_BACKENDS = ['cpu', 'wasm', 'webgpu'] as const;
type BackendChoice = (typeof ALL_BACKENDS)[number];
const ALL_MODES = ['read', 'sync'] as const;
type Mode = (typeof ALL_MODES)[number];
/** Rows of the tables: the two waits, and (webgpu with timestamp queries) tf.time's GPU kernel time. */
type TableMode = Mode | 'kernel';

const RUNS = Number(option('runs', '20'));
const WARMUP = Number(option('warmup', '5'));
const BACKENDS = option('backends', ALL_BACKENDS.join(',')).split(',').filter(Boolean) as BackendChoice[];
const MODES = option('modes', ALL_MODES.join(',')).split(',').filter(Boolean) as Mode[];
const CHILD = option('child', '');
const M = 512;

if (!(RUNS >= 1 && WARMUP >= 0)) throw new Error('--runs must be >= 1 and --warmup >= 0');
for (const b of BACKENDS) if (!(ALL_BACKENDS as readonly string[]).includes(b)) throw new Error(`--backends: expected some of ${ALL_BACKENDS.join(',')}, got '${b}'`);
for (const m of MODES) if (!(ALL_MODES as readonly string[]).includes(m)) throw new Error(`--modes: expected some of ${ALL_MODES.join(',')}, got '${m}'`);
if (MODES.length === 0) throw new Error('--modes: give at least one of read,sync');

/** What a child reports to the parent (one line on stdout, after RESULT_TAG). */
interface ChildResult {
  backend: string;
  adapter?: string;
  startMs: number;
  /** `${problem}.${variant}.${mode}` -> timing */
  timings: Record<string, Timing>;
}
const RESULT_TAG = '@@backends-result ';

/** Problems and their variants, in the order the tables print them. */
const PROBLEMS = {
  matmul: { title: `(m) ${M}x${M} matmul`, variants: { floor: 'floor tf.matMul', eager: 'tfjax eager', jit: 'tfjax jit' } },
  mlp: { title: '(a) MLP valueAndGrad', variants: { floor: 'floor, transposes', floorFlags: 'floor, flags', eager: 'tfjax eager', jit: 'tfjax jit' } },
} as const;
type Problem = keyof typeof PROBLEMS;

// ==== child: one backend ===========================================================================

/** Something a timed call returns: a tfjs tensor or a tfjax array. */
interface Result {
  data(): Promise<unknown>;
  dispose(): void;
}

/** The parts of tfjs-backend-webgpu's backend used to wait for the GPU (fields of WebGPUBackend). */
interface WebgpuBackendLike {
  device: GPUDevice;
  commandEncoder: GPUCommandEncoder | null;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

/** Waits until the device has finished all the work issued so far, without reading anything back. */
async function deviceDone(): Promise<void> {
  if (tfc.getBackend() !== 'webgpu') return; // cpu and wasm ran the kernels synchronously
  const b = tfc.backend() as unknown as WebgpuBackendLike;
  b.endComputePassEncoder();
  if (b.commandEncoder !== null) b.submitQueue(); // tfjs batches dispatches: submit what is pending
  await b.device.queue.onSubmittedWorkDone();
}

/** Describes the adapter navigator.gpu gives now (tfjax installed it, compatibility-wrapped if needed). */
async function describeAdapter(): Promise<string> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (gpu === undefined) return 'navigator.gpu is undefined';
  const compat = (gpu as unknown as Record<symbol, unknown>)[Symbol.for('tfjax.backend.compatWrapped')] === true;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) return 'requestAdapter() gave null';
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const extra = adapter as unknown as { featureLevel?: string; isFallbackAdapter?: boolean; isCompatibilityMode?: boolean };
  const level = extra.featureLevel ?? (adapter.features.has('core-features-and-limits') ? 'core' : compat ? 'compatibility' : 'core?');
  const fields = info === undefined ? [] : [`vendor '${info.vendor}'`, `architecture '${info.architecture}'`, `device '${info.device}'`, `description '${info.description}'`];
  const l = adapter.limits;
  return [
    `feature level ${level}${compat ? ' (tfjax asks for compatibility adapters: no core adapter was found)' : ''}`,
    ...fields,
    `fallback ${String((info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter ?? extra.isFallbackAdapter ?? '?')}`,
    `features [${[...adapter.features].sort().join(', ')}]`,
    `maxStorageBufferBindingSize ${l.maxStorageBufferBindingSize}, maxComputeInvocationsPerWorkgroup ${l.maxComputeInvocationsPerWorkgroup}, maxComputeWorkgroupStorageSize ${l.maxComputeWorkgroupStorageSize}`,
    `DAWN_OPTS '${process.env.DAWN_OPTS ?? ''}'`,
  ].join('\n  ');
}

async function child(backend: BackendChoice): Promise<void> {
  check((ALL_BACKENDS as readonly string[]).includes(backend), `--child: expected one of ${ALL_BACKENDS.join(',')}, got '${backend}'`);
  const t0 = performance.now();
  // Imported here, not at the top: loading tfjax starts its default backend, which the parent does not need.
  const { ConcreteArray, getBackend, jit, nn, np, numTensors, ready, valueAndGrad } = await import('../src/index.js');
  await ready(); // TFJAX_BACKEND names the backend: a failure to start is an error here
  const startMs = performance.now() - t0;
  check(getBackend() === backend, `tfjax runs on '${getBackend()}', expected ${backend}`);
  console.log(`== ${backend}: started in ${startMs.toFixed(0)} ms (tfjs-core ${tfc.version_core}, node ${process.version}) ==`);
  let adapter: string | undefined;
  if (backend === 'webgpu') {
    adapter = await describeAdapter();
    console.log(`adapter:\n  ${adapter}`);
    console.log(`WEBGPU_CPU_FORWARD ${String(tfc.env().get('WEBGPU_CPU_FORWARD'))}, WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE ${String(tfc.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE'))}`);
  }
  const tol = backend === 'webgpu' ? 1e-3 : 1e-4;

  const fromHost = (values: Float32Array, shape: readonly number[]): np.Array => {
    const t = tfc.tensor(values, [...shape], 'float32');
    const a = np.array(t); // a new handle on the same buffer
    t.dispose();
    return a;
  };
  const tensorOf = (a: np.Array): tfc.Tensor => {
    check(a instanceof ConcreteArray, 'the floor needs concrete arrays');
    return (a as InstanceType<typeof ConcreteArray>).tensor;
  };

  // ---- (m) matmul ----
  const rand = mulberry32(12345);
  const av = Float32Array.from({ length: M * M }, () => rand() * 2 - 1);
  const bv = Float32Array.from({ length: M * M }, () => rand() * 2 - 1);
  const ma = fromHost(av, [M, M]);
  const mb = fromHost(bv, [M, M]);
  const mta = tensorOf(ma);
  const mtb = tensorOf(mb);
  const matmulJit: Jitted<(a: np.Array, b: np.Array) => np.Array> = jit((a: np.Array, b: np.Array) => np.matmul(a, b));
  const matmulVariants: Record<keyof (typeof PROBLEMS)['matmul']['variants'], () => Result[]> = {
    floor: () => [tfc.matMul(mta, mtb)],
    eager: () => [np.matmul(ma, mb)],
    jit: () => [matmulJit(ma, mb)],
  };
  const mRef = new Float64Array(M * M);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < M; k++) {
      const aik = av[i * M + k]!;
      for (let j = 0; j < M; j++) mRef[i * M + j]! += aik * bv[k * M + j]!;
    }
  }

  // ---- (a) MLP ----
  const data = mlpData();
  const ref = mlpF64(data, 'tanh');
  interface Params {
    w1: np.Array;
    b1: np.Array;
    w2: np.Array;
    b2: np.Array;
  }
  const params = Object.fromEntries(NAMES.map((k) => [k, fromHost(data[k], SHAPES[k])])) as unknown as Params;
  const x = fromHost(data.x, [B, D_IN]);
  const y = fromHost(data.y, [B, D_OUT]);
  check(D_HID === SHAPES.w1[1], 'the MLP shapes of bench/common.ts changed');

  /** The loss as JAX users write it (bench/jit.ts): `-mean(sum(y * log_softmax(logits), 1))`. */
  function mlpLoss(p: Params, xs: np.Array, ys: np.Array): np.Array {
    const h = np.tanh(np.matmul(xs, p.w1).add(p.b1));
    const logits = np.matmul(h, p.w2).add(p.b2);
    return np.mean(np.sum(ys.mul(nn.logSoftmax(logits, { axis: 1 })), { axis: 1 })).neg();
  }
  type VG = (p: Params, xs: np.Array, ys: np.Array) => [np.Array, Params];
  const mlpEager: VG = valueAndGrad(mlpLoss);
  const mlpJit: Jitted<VG> = jit(valueAndGrad(mlpLoss));
  const flat = ([v, g]: [np.Array, Params]): np.Array[] => [v, ...NAMES.map((k) => g[k])];

  const ft = {
    w1: tensorOf(params.w1),
    b1: tensorOf(params.b1),
    w2: tensorOf(params.w2),
    b2: tensorOf(params.b2),
    x: tensorOf(x),
    y: tensorOf(y),
    negInvB: tfc.keep(tfc.scalar(-1 / B)),
    invB: tfc.keep(tfc.scalar(1 / B)),
    one: tfc.keep(tfc.scalar(1)),
  };
  const floor = (flags: boolean): tfc.Tensor[] => mlpFloor(ft, flags);
  const mlpVariants: Record<keyof (typeof PROBLEMS)['mlp']['variants'], () => Result[]> = {
    floor: () => floor(false),
    floorFlags: () => floor(true),
    eager: () => flat(mlpEager(params, x, y)),
    jit: () => flat(mlpJit(params, x, y)),
  };

  // ---- values, read asynchronously ----
  const readAll = async (outs: Result[]): Promise<Float32Array[]> => {
    const vals = (await Promise.all(outs.map((o) => o.data()))) as Float32Array[];
    for (const o of outs) o.dispose();
    return vals;
  };
  console.log(`values vs float64 (max|d|/max|ref|, tolerance ${tol}):`);
  for (const [name, f] of Object.entries(matmulVariants)) {
    const [prod] = await readAll(f());
    const e = relErr(prod!, mRef);
    console.log(`  (m) ${pad(name, 11)} ${e.toExponential(1)}`);
    check(e <= tol, `(m) ${name} on ${backend}: the product differs from the float64 reference (${e})`);
  }
  for (const [name, f] of Object.entries(mlpVariants)) {
    const [loss, ...gs] = await readAll(f());
    const lossErr = Math.abs(loss![0]! - ref.loss);
    const errs = NAMES.map((k, i) => relErr(gs[i]!, ref.grads[k as Name]));
    console.log(`  (a) ${pad(name, 11)} loss ${loss![0]!.toFixed(6)} (|d| ${lossErr.toExponential(1)})  ${NAMES.map((k, i) => `${k} ${errs[i]!.toExponential(1)}`).join('  ')}`);
    check(lossErr <= tol * Math.max(1, Math.abs(ref.loss)), `(a) ${name} on ${backend}: loss ${loss![0]} differs from the float64 reference ${ref.loss}`);
    errs.forEach((e, i) => check(e <= tol, `(a) ${name} on ${backend}: d/d${NAMES[i]} differs from the float64 reference (${e})`));
  }

  // ---- timing ----
  const waitFor = async (outs: Result[], mode: Mode): Promise<void> => {
    if (mode === 'read') await Promise.all(outs.map((o) => o.data()));
    else await deviceDone();
    for (const o of outs) o.dispose();
  };
  const timed = (variants: Record<string, () => Result[]>): Record<string, () => Promise<void>> =>
    Object.fromEntries(MODES.flatMap((mode) => Object.entries(variants).map(([name, f]) => [`${name}.${mode}`, () => waitFor(f(), mode)])));
  const n0 = numTensors();
  const timings: Record<string, Timing> = {};
  for (const [problem, variants] of [
    ['matmul', matmulVariants],
    ['mlp', mlpVariants],
  ] as const) {
    const t = await timeAll(timed(variants), WARMUP, RUNS);
    for (const [k, v] of Object.entries(t)) timings[`${problem}.${k}`] = v;
  }
  // GPU time by timestamp queries (tf.time's kernelMs: the sum over the kernels of each one's GPU
  // time), on webgpu when the device has 'timestamp-query'. Not interleaved; after the wall timings.
  const kernelTimes = await gpuKernelTimes({ matmul: matmulVariants, mlp: mlpVariants });
  Object.assign(timings, kernelTimes);
  check(numTensors() === n0, `${backend}: ${numTensors() - n0} tensors leaked over the timed calls`);

  console.log(`ms per call on ${backend}, ${RUNS} calls each after ${WARMUP} warm-up, interleaved; wall median [min-max]; ratio of medians to the floor:`);
  for (const problem of Object.keys(PROBLEMS) as Problem[]) {
    for (const mode of modesOf(timings)) {
      const fl = floorOf(timings, problem, mode);
      for (const [v, label] of Object.entries(PROBLEMS[problem].variants)) {
        const t = timings[`${problem}.${v}.${mode}`]!;
        console.log(`  ${pad(PROBLEMS[problem].title, 22)} ${pad(mode === 'kernel' ? 'kern' : mode, 4)} ${pad(label, 17)} ${lpad(fmt(t.median), 9)} [${fmt(t.min)}-${fmt(t.max)}]  x${(t.median / fl).toFixed(2)}`);
      }
    }
  }

  for (const a of [ma, mb, x, y, ...NAMES.map((k) => params[k])]) a.dispose();
  tfc.dispose([ft.negInvB, ft.invB, ft.one]);
  matmulJit.dispose();
  mlpJit.dispose();
  const result: ChildResult = { backend, startMs, timings, ...(adapter === undefined ? {} : { adapter }) };
  console.log(RESULT_TAG + JSON.stringify(result));
}

/** tf.time's GPU kernel time per call (median of RUNS after WARMUP), on webgpu with timestamp queries; {} elsewhere. */
async function gpuKernelTimes(problems: Record<Problem, Record<string, () => Result[]>>): Promise<Record<string, Timing>> {
  if (tfc.getBackend() !== 'webgpu') return {};
  const b = tfc.backend() as unknown as { supportTimestampQuery?: boolean };
  if (b.supportTimestampQuery !== true) {
    console.log('(no GPU kernel times: the device has no timestamp-query feature)');
    return {};
  }
  const out: Record<string, Timing> = {};
  try {
    for (const [problem, variants] of Object.entries(problems)) {
      for (const [name, f] of Object.entries(variants)) {
        const ms: number[] = [];
        for (let i = 0; i < WARMUP + RUNS; i++) {
          let outs: Result[] = [];
          const info = await tfc.time(() => {
            outs = f();
          });
          await Promise.all(outs.map((o) => o.data()));
          for (const o of outs) o.dispose();
          const k = info.kernelMs;
          if (typeof k !== 'number') throw new Error(`tf.time gave no kernel time: ${JSON.stringify(k)}`);
          if (i >= WARMUP) ms.push(k);
        }
        out[`${problem}.${name}.kernel`] = { median: median(ms), min: Math.min(...ms), max: Math.max(...ms), cpu: NaN };
      }
    }
  } catch (e) {
    console.log(`(GPU kernel times failed: ${e instanceof Error ? e.message : String(e)})`);
    return {};
  }
  return out;
}

/** The wait modes present in `timings`, in table order. */
function modesOf(timings: Record<string, Timing>): TableMode[] {
  return ([...MODES, 'kernel'] as TableMode[]).filter((m) => Object.keys(timings).some((k) => k.endsWith(`.${m}`)));
}

/** The floor's median for a problem and wait mode: the faster of its floor variants. */
function floorOf(timings: Record<string, Timing>, problem: Problem, mode: TableMode): number {
  const floors = Object.keys(PROBLEMS[problem].variants).filter((v) => v.startsWith('floor'));
  return Math.min(...floors.map((v) => timings[`${problem}.${v}.${mode}`]?.median ?? Infinity));
}


// ==== parent: one child per backend, then the side-by-side table ==================================

function runChild(backend: BackendChoice): Promise<{ result?: ChildResult; code: number | null; signal: string | null }> {
  const passOn = process.argv.slice(2).filter((a) => !a.startsWith('--backends=') && !a.startsWith('--child='));
  const args = [...process.execArgv, process.argv[1]!, `--child=${backend}`, ...passOn];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { env: { ...process.env, TFJAX_BACKEND: backend }, stdio: ['ignore', 'pipe', 'inherit'] });
    let result: ChildResult | undefined;
    let buffered = '';
    const onLine = (line: string): void => {
      if (line.startsWith(RESULT_TAG)) result = JSON.parse(line.slice(RESULT_TAG.length)) as ChildResult;
      else console.log(line);
    };
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      lines.forEach(onLine);
    });
    p.on('error', reject);
    p.on('close', (code, signal) => {
      if (buffered) onLine(buffered);
      resolve({ ...(result === undefined ? {} : { result }), code, signal });
    });
  });
}

async function parent(): Promise<void> {
  console.log(`bench/backends.ts: backends ${BACKENDS.join(', ')}; each in its own child process, one after the other; runs ${RUNS}, warm-up ${WARMUP}; wait modes ${MODES.join(', ')}`);
  const results: ChildResult[] = [];
  const failed: string[] = [];
  for (const b of BACKENDS) {
    console.log('');
    const { result, code, signal } = await runChild(b);
    if (result !== undefined) results.push(result);
    else failed.push(`${b} (exit ${code ?? signal})`);
  }
  if (results.length > 0) {
    console.log(`\n== Side by side: median wall ms per call (ratio to the floor on the same backend and wait mode) ==`);
    const colW = 20;
    const head = `${pad('problem', 22)} ${pad('wait', 4)} ${pad('variant', 17)}|${results.map((r) => lpad(r.backend, colW)).join(' |')}`;
    console.log(head);
    console.log('-'.repeat(head.length));
    const modes = ([...MODES, 'kernel'] as TableMode[]).filter((m) => results.some((r) => modesOf(r.timings).includes(m)));
    for (const problem of Object.keys(PROBLEMS) as Problem[]) {
      for (const mode of modes) {
        for (const [v, label] of Object.entries(PROBLEMS[problem].variants)) {
          const cells = results.map((r) => {
            const t = r.timings[`${problem}.${v}.${mode}`];
            return lpad(t === undefined ? '-' : `${fmt(t.median)} (x${(t.median / floorOf(r.timings, problem, mode)).toFixed(2)})`, colW);
          });
          console.log(`${pad(PROBLEMS[problem].title, 22)} ${pad(mode === 'kernel' ? 'kern' : mode, 4)} ${pad(label, 17)}|${cells.join(' |')}`);
        }
      }
    }
    console.log(`start-up (ready()): ${results.map((r) => `${r.backend} ${r.startMs.toFixed(0)} ms`).join(', ')}`);
    console.log('read = await data() of every result inside the timed call; sync = wait for the device without reading (webgpu: onSubmittedWorkDone);');
    if (modes.includes('kernel')) console.log('kern = tf.time kernelMs on webgpu: the sum of the kernels\' GPU times by timestamp queries (no dispatch, submit or wait overhead).');
    console.log('The MLP floor for the ratios is the faster of its two forms on each backend.');
  }
  if (failed.length > 0) {
    console.log(`\nFAILED: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

// tfjs-backend-wasm's Emscripten module rethrows uncaught exceptions with its whole minified source:
// report failures here instead. Exit explicitly: Dawn's instance must not be collected while a device lives.
const main = CHILD ? child(CHILD as BackendChoice) : parent();
main.then(
  () => process.exit(process.exitCode ?? 0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
