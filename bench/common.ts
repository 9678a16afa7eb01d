/**
 * Helpers shared by the benches: command-line options, the seeded PRNG, interleaved wall + CPU
 * timing, error measures, table formatting, the MLP problem (shapes, data, float64 loss), loading
 * `@jax-js/jax` from bench/'s own install (typed locally, so the repo typechecks without it), and
 * the check that tfjax and `@tensorflow/tfjs` share one copy of tfjs-core.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as tfc from '../src/backend/tf.js';

// ---- options ------------------------------------------------------------------------------------

/** The value of `--name=value` on the command line, or `fallback`. */
export function option(name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : hit.slice(name.length + 3);
}

/** Whether `--name` is on the command line. */
export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

// ---- data ---------------------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so every run and every library sees the same numbers. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- the MLP problem ----------------------------------------------------------------------------

export type Act = 'tanh' | 'relu';
export const B = 128;
export const D_IN = 784;
export const D_HID = 256;
export const D_OUT = 10;
export const SHAPES = { w1: [D_IN, D_HID], b1: [D_HID], w2: [D_HID, D_OUT], b2: [D_OUT] } as const;
export type Name = keyof typeof SHAPES;
/** Parameter names, in the order the benches print them (and pass them to tfjs). */
export const NAMES: Name[] = ['w1', 'b1', 'w2', 'b2'];

/** Inputs, one-hot labels and parameters of the 784-256-10 MLP at batch 128 (Glorot-uniform weights). */
export interface MlpData {
  x: Float32Array;
  y: Float32Array;
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
}

/** The MLP's data from the seed 20240611: the same numbers in every bench and every run. */
export function mlpData(): MlpData {
  const rand = mulberry32(20240611);
  const uniform = (n: number, lo: number, hi: number): Float32Array => Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
  const glorot = (fanIn: number, fanOut: number): number => Math.sqrt(6 / (fanIn + fanOut));
  const data: MlpData = {
    x: uniform(B * D_IN, 0, 1), // pixel-like inputs
    y: new Float32Array(B * D_OUT), // one-hot labels
    w1: uniform(D_IN * D_HID, -glorot(D_IN, D_HID), glorot(D_IN, D_HID)),
    b1: uniform(D_HID, -0.1, 0.1),
    w2: uniform(D_HID * D_OUT, -glorot(D_HID, D_OUT), glorot(D_HID, D_OUT)),
    b2: uniform(D_OUT, -0.1, 0.1),
  };
  for (let i = 0; i < B; i++) data.y[i * D_OUT + Math.floor(rand() * D_OUT)] = 1;
  return data;
}

/**
 * The loss (mean over the batch of -sum(onehot * log_softmax(logits))) and its gradients in
 * float64 plain JS: an independent reference for every library's values.
 */
export function mlpF64(data: MlpData, act: Act): { loss: number; grads: Record<Name, Float64Array> } {
  const { x, y, w1, b1, w2, b2 } = data;
  let total = 0;
  const g = { w1: new Float64Array(D_IN * D_HID), b1: new Float64Array(D_HID), w2: new Float64Array(D_HID * D_OUT), b2: new Float64Array(D_OUT) };
  const h = new Float64Array(D_HID);
  const dh = new Float64Array(D_HID);
  const logits = new Float64Array(D_OUT);
  for (let n = 0; n < B; n++) {
    for (let j = 0; j < D_HID; j++) {
      let s = b1[j]!;
      for (let k = 0; k < D_IN; k++) s += x[n * D_IN + k]! * w1[k * D_HID + j]!;
      h[j] = act === 'tanh' ? Math.tanh(s) : Math.max(s, 0);
    }
    let m = -Infinity;
    for (let c = 0; c < D_OUT; c++) {
      let s = b2[c]!;
      for (let j = 0; j < D_HID; j++) s += h[j]! * w2[j * D_OUT + c]!;
      logits[c] = s;
      m = Math.max(m, s);
    }
    let z = 0;
    for (let c = 0; c < D_OUT; c++) z += Math.exp(logits[c]! - m);
    const lse = m + Math.log(z);
    let ySum = 0;
    for (let c = 0; c < D_OUT; c++) {
      total -= y[n * D_OUT + c]! * (logits[c]! - lse);
      ySum += y[n * D_OUT + c]!;
    }
    // d loss / d logits = (softmax * sum(y) - y) / B, then back through the layers.
    dh.fill(0);
    for (let c = 0; c < D_OUT; c++) {
      const d = (Math.exp(logits[c]! - lse) * ySum - y[n * D_OUT + c]!) / B;
      g.b2[c]! += d;
      for (let j = 0; j < D_HID; j++) {
        g.w2[j * D_OUT + c]! += h[j]! * d;
        dh[j]! += w2[j * D_OUT + c]! * d;
      }
    }
    for (let j = 0; j < D_HID; j++) {
      const dz = act === 'tanh' ? dh[j]! * (1 - h[j]! * h[j]!) : h[j]! > 0 ? dh[j]! : 0;
      if (dz === 0) continue;
      g.b1[j]! += dz;
      for (let k = 0; k < D_IN; k++) g.w1[k * D_HID + j]! += x[n * D_IN + k]! * dz;
    }
  }
  return { loss: total / B, grads: g };
}

// ---- timing -------------------------------------------------------------------------------------

/** Milliseconds per call: wall clock (median, min, max) and this process's CPU time (median). */
export interface Timing {
  median: number;
  min: number;
  max: number;
  cpu: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Times several functions interleaved, one call of each per round (in a rotating order), so that
 * a change of load on the machine during the run hits all of them alike. CPU time (user + system
 * of this process) is less disturbed than wall time by other processes on a busy machine.
 */
export async function timeAll<K extends string>(fns: Record<K, () => void | Promise<void>>, warmup: number, runs: number): Promise<Record<K, Timing>> {
  const keys = Object.keys(fns) as K[];
  const wall = new Map<K, number[]>(keys.map((k) => [k, []]));
  const cpu = new Map<K, number[]>(keys.map((k) => [k, []]));
  for (let round = 0; round < warmup + runs; round++) {
    for (let j = 0; j < keys.length; j++) {
      const k = keys[(round + j) % keys.length]!;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await fns[k]();
      const t1 = performance.now();
      const c1 = process.cpuUsage(c0);
      if (round >= warmup) {
        wall.get(k)!.push(t1 - t0);
        cpu.get(k)!.push((c1.user + c1.system) / 1000);
      }
    }
  }
  const out = {} as Record<K, Timing>;
  for (const k of keys) {
    const w = wall.get(k)!;
    out[k] = { median: median(w), min: Math.min(...w), max: Math.max(...w), cpu: median(cpu.get(k)!) };
  }
  return out;
}

// ---- comparison and formatting ------------------------------------------------------------------

/** max |a - b| / max |b|: the error of `a` relative to the scale of `b`. */
/** The tensors of {@link mlpFloor}: parameters, batch, and the scalars -1/B, 1/B, 1 (kept). */
export interface FloorTensors {
  w1: tfc.Tensor;
  b1: tfc.Tensor;
  w2: tfc.Tensor;
  b2: tfc.Tensor;
  x: tfc.Tensor;
  y: tfc.Tensor;
  negInvB: tfc.Tensor;
  invB: tfc.Tensor;
  one: tfc.Tensor;
}

/**
 * The MLP's (tanh) loss and [dw1, db1, dw2, db2] by hand in tfjs kernels: the floor of
 * bench/jit.ts and bench/backends.ts. `flags`: transposes as matMul's transpose flags.
 */
export function mlpFloor(ft: FloorTensors, flags = false): tfc.Tensor[] {
  const { w1, b1, w2, b2, x, y, negInvB, invB, one } = ft;
  return tfc.tidy(() => {
    const h = tfc.tanh(tfc.add(tfc.matMul(x, w1), b1));
    const logits = tfc.add(tfc.matMul(h, w2), b2);
    const shifted = tfc.sub(logits, tfc.max(logits, 1, true));
    const e = tfc.exp(shifted);
    const se = tfc.sum(e, 1, true);
    const logp = tfc.sub(shifted, tfc.log(se));
    const loss = tfc.mul(tfc.sum(tfc.mul(y, logp)), negInvB);
    // d loss / d logits = (softmax * rowsum(y) - y) / B, softmax = e / se.
    const dlogits = tfc.mul(tfc.sub(tfc.mul(e, tfc.div(tfc.sum(y, 1, true), se)), y), invB);
    const db2 = tfc.sum(dlogits, 0);
    const dw2 = flags ? tfc.matMul(h, dlogits, true, false) : tfc.matMul(tfc.transpose(h), dlogits);
    const dh = flags ? tfc.matMul(dlogits, w2, false, true) : tfc.matMul(dlogits, tfc.transpose(w2));
    const dz = tfc.mul(dh, tfc.sub(one, tfc.mul(h, h)));
    const db1 = tfc.sum(dz, 0);
    const dw1 = flags ? tfc.matMul(x, dz, true, false) : tfc.matMul(tfc.transpose(x), dz);
    return [loss, dw1, db1, dw2, db2];
  });
}

export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return d / (s || 1);
}

export const fmt = (ms: number): string => ms.toFixed(2);
export const pad = (s: string, n: number): string => s.padEnd(n);
export const lpad = (s: string, n: number): string => s.padStart(n);

export function check(ok: boolean, message: string): void {
  if (!ok) {
    throw new Error(message);
  }
}

// ---- tfjs kernels -------------------------------------------------------------------------------

/** Kernels one call runs (tf.profile): count, summed kernel time, and `Name xN` by count. */
export async function kernelsOf(f: () => void): Promise<{ count: number; ms: number; byName: string; names: string[] }> {
  // tf.profile returns the engine's one profile object, which the next profile call refills: summarize at once.
  const p = await tfc.profile(f);
  const m = new Map<string, [number, number]>();
  let ms = 0;
  for (const k of p.kernels) {
    const t = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const [n, sum] = m.get(k.name) ?? [0, 0];
    m.set(k.name, [n + 1, sum + t]);
    ms += t;
  }
  const byName = [...m.entries()]
    .sort((x, y) => y[1][0] - x[1][0] || x[0].localeCompare(y[0]))
    .map(([name, [n]]) => `${name} x${n}`)
    .join(', ');
  return { count: p.kernels.length, ms, byName, names: p.kernels.map((k) => k.name) };
}

// ---- one tfjs-core ------------------------------------------------------------------------------

/**
 * Prints and checks that `@tensorflow/tfjs` (imported by the caller as `tf`) and tfjax resolve
 * and load the same tfjs-core file, so they share one engine, one Tensor class, one backend.
 */
export function checkOneTfjsCore(tf: typeof import('@tensorflow/tfjs')): void {
  const require = createRequire(import.meta.url);
  console.log('== One copy of tfjs-core ==');
  const fromBench = require.resolve('@tensorflow/tfjs-core');
  const fromTfjax = createRequire(fileURLToPath(new URL('../src/backend/tf.ts', import.meta.url))).resolve('@tensorflow/tfjs-core');
  const fromTfjs = createRequire(require.resolve('@tensorflow/tfjs')).resolve('@tensorflow/tfjs-core');
  const esm = fileURLToPath(import.meta.resolve('@tensorflow/tfjs-core'));
  const loaded = Object.keys(require.cache).filter((p) => p.includes('/@tensorflow/tfjs-core/'));
  const tfjsVersion = (require('@tensorflow/tfjs/package.json') as { version: string }).version;
  console.log(`@tensorflow/tfjs ${tfjsVersion} (tfjs-core ${tf.version_core})`);
  console.log(`tfjs-core resolved from bench/, src/backend/tf.ts, @tensorflow/tfjs, ESM: ${fromBench}`);
  console.log(`tfjs-core module files loaded: ${loaded.length} (${loaded.join(', ')})`);
  const same = {
    'tf.engine() === tfjax engine': tf.engine() === tfc.engine(),
    'tf.Tensor === tfjax Tensor class': tf.Tensor === tfc.Tensor,
    'tf.valueAndGrads is tfjs-core\'s': tf.valueAndGrads === tfc.valueAndGrads,
    'one tfjs-core file': fromTfjax === fromBench && fromTfjs === fromBench && esm === fromBench && loaded.length === 1 && loaded[0] === fromBench,
  };
  for (const [what, ok] of Object.entries(same)) console.log(`  ${what}: ${ok}`);
  check(Object.values(same).every(Boolean), 'more than one copy of tfjs-core is loaded');
  check(tf.getBackend() === 'wasm', `tfjs's backend is '${tf.getBackend()}' after importing @tensorflow/tfjs`);
}

/** Checks that tfjs-core is loaded once (without importing @tensorflow/tfjs). */
export function checkOneTfjsCoreFile(): void {
  const require = createRequire(import.meta.url);
  const fromBench = require.resolve('@tensorflow/tfjs-core');
  const fromTfjax = createRequire(fileURLToPath(new URL('../src/backend/tf.ts', import.meta.url))).resolve('@tensorflow/tfjs-core');
  const loaded = Object.keys(require.cache).filter((p) => p.includes('/@tensorflow/tfjs-core/'));
  console.log(`tfjs-core ${tfc.version_core}: one file loaded, ${fromBench}`);
  check(fromTfjax === fromBench && loaded.length === 1 && loaded[0] === fromBench, `more than one copy of tfjs-core: ${loaded.join(', ')}`);
}

// ---- jax-js -------------------------------------------------------------------------------------

/** The part of jax-js's API the benches use, typed locally so the repo typechecks without bench/'s install. */
export interface JArray {
  readonly ref: JArray;
  readonly refCount: number;
  readonly shape: number[];
  add(y: JArray | number): JArray;
  sub(y: JArray | number): JArray;
  mul(y: JArray | number): JArray;
  div(y: JArray | number): JArray;
  neg(): JArray;
  reshape(shape: number[]): JArray;
  slice(...index: (number | null | [] | [number] | [number, number])[]): JArray;
  dataSync(): Float32Array;
  dispose(): void;
}

export interface JaxJs {
  init(...devices: string[]): Promise<string[]>;
  defaultDevice(device?: string): string;
  blockUntilReady<T>(x: T): Promise<T>;
  valueAndGrad<F extends (...args: any[]) => JArray>(f: F): (...args: Parameters<F>) => [JArray, Parameters<F>[0]];
  grad<F extends (...args: any[]) => JArray>(f: F): (...args: Parameters<F>) => Parameters<F>[0];
  hessian<F extends (x: JArray) => JArray>(f: F): (x: JArray) => JArray;
  jit<F extends (...args: any[]) => unknown>(f: F): F & { dispose(): void };
  numpy: {
    array(data: Float32Array | number[] | number[][]): JArray;
    matmul(x: JArray, y: JArray): JArray;
    dot(x: JArray, y: JArray): JArray;
    tanh(x: JArray): JArray;
    maximum(x: JArray, y: number): JArray;
    power(x: JArray, y: number): JArray;
    stack(xs: JArray[], axis?: number): JArray;
    sum(x: JArray, axis?: number): JArray;
    mean(x: JArray, axis?: number): JArray;
    linalg: { inv(a: JArray): JArray };
  };
  nn: { logSoftmax(x: JArray, axis?: number): JArray };
  tree: { ref<T>(t: T): T; dispose(t: unknown): void };
}

/** Loads `@jax-js/jax` from bench/node_modules and starts its wasm device. */
export async function loadJaxJs(): Promise<{ jax: JaxJs; version: string; threads: boolean }> {
  const benchDir = fileURLToPath(new URL('.', import.meta.url));
  let jax: JaxJs;
  try {
    const specifier = '@jax-js/jax'; // resolved from bench/node_modules (bench/package.json)
    jax = (await import(specifier)) as JaxJs;
  } catch (e) {
    console.error(`Cannot load @jax-js/jax: install bench/'s dependencies with \`npm install --prefix bench\` (in ${benchDir}).`);
    throw e;
  }
  const jaxEntry = fileURLToPath(import.meta.resolve('@jax-js/jax'));
  const version = (JSON.parse(readFileSync(join(dirname(jaxEntry), '..', 'package.json'), 'utf8')) as { version: string }).version;
  const devices = await jax.init('wasm');
  check(devices.includes('wasm'), `jax-js: the wasm device did not start (got ${devices.join(', ')})`);
  jax.defaultDevice('wasm');
  const threads = typeof SharedArrayBuffer !== 'undefined' && typeof (globalThis as { Worker?: unknown }).Worker !== 'undefined';
  return { jax, version, threads };
}
