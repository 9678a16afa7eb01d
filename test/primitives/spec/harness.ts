/**
 * The harness of the primitive spec table (test/primitives/spec.test.ts): the
 * table's types, seeded samplers, and the checks each table case runs
 * (primal value, jvp against the float64 directional derivative, vjp by the
 * dot-product identity, exact zeros for zero-derivative cases, checkGrads).
 * Not a test file itself.
 */
import { expect } from 'vitest';
import * as tf from '../../../src/backend/tf.js';
import { bind, checkGrads, ConcreteArray, jvp, TfjaxError, vjp, type Primitive } from '../../../src/index.js';
import type { Array as JArray } from '../../../src/core/array.js';
import type { DType } from '../../../src/core/dtype.js';
import { scoped } from '../../../src/core/scope.js';
import { size, type Ref } from './refs.js';

// ---- table types ------------------------------------------------------------------

/** A uniform sampler on [0, 1). */
export type Rng = () => number;

/** One operand of a case. Float32 operands are differentiated; int32 and bool ones are held fixed. */
export interface Operand {
  readonly shape: readonly number[];
  /** float32 unless given. */
  readonly dtype?: DType;
  /** The domain sampler, one call per element (default uniform on [-2, 2)). */
  readonly sample?: (rng: Rng) => number;
  /** Fixed row-major values instead of samples (indices, predicates). */
  readonly values?: readonly number[];
  /** A weakly typed array (as made from a JS number). */
  readonly weak?: boolean;
}

/** A float64 directional derivative: primals and tangents (`undefined` for int/bool operands) to `J t`. */
export type DerivRef = (xs: readonly Ref[], ts: readonly (Ref | undefined)[]) => Ref | Ref[];

/** One call of a primitive: operands, params, and its float64 references. */
export interface Case {
  readonly label: string;
  readonly params: object;
  readonly operands: readonly Operand[];
  /** A joint sampler (e.g. values without ties across operands); overrides the per-operand ones. */
  readonly sample?: (rng: Rng) => number[][];
  /** The primitive's function in float64 JS (a list for primitives with several outputs). */
  readonly ref: (xs: readonly Ref[]) => Ref | Ref[];
  /**
   * The derivative: a float64 function of primals and tangents (analytic), or
   * `'linear'` (`ref` applied to the tangents, for ops linear in their float
   * operands), or central differences of `ref` in float64 when absent.
   */
  readonly deriv?: DerivRef | 'linear';
  /** Set for cases whose derivative is zero everywhere (a reason): jvp and vjp must give exact zeros. */
  readonly zeroDerivative?: string;
  /** Why `checkGrads` does not apply to this case (zero-derivative cases use their own reason). */
  readonly noCheckGrads?: string;
  /** Set (a reason) for primitives that run on the cpu and wasm backends only: skipped elsewhere. */
  readonly hostOnly?: string;
  /** Set (a reason) for primitives without reverse mode: vjp must throw, checkGrads runs forward mode only. */
  readonly fwdOnly?: string;
  /** Set (a reason) for primitives without forward mode: jvp must throw, checkGrads runs reverse mode only. */
  readonly revOnly?: string;
  /** Values involve no rounding (e.g. size-0 operands: empty sums are exactly 0): compared exactly. */
  readonly exact?: boolean;
  /**
   * A traceable step applied to the primitive's outputs before any check (and
   * mirrored in `ref`), e.g. a sign normalization of a decomposition that is
   * unique only up to signs; it must have a zero derivative where it is not the identity.
   */
  readonly post?: (outs: JArray[]) => JArray[];
}

/** The table entry of one primitive. */
export interface Entry {
  readonly name: string;
  readonly cases: readonly Case[];
}

// ---- samplers ---------------------------------------------------------------------

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed from a string (FNV-1a), so each case has its own fixed stream. */
export function seedOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Uniform on [lo, hi). */
export const uniform =
  (lo: number, hi: number) =>
  (r: Rng): number =>
    lo + (hi - lo) * r();

/** Magnitude uniform on [lo, hi), random sign: values away from 0. */
export const awayFromZero =
  (lo: number, hi: number) =>
  (r: Rng): number =>
    (r() < 0.5 ? -1 : 1) * (lo + (hi - lo) * r());

/** One of `values` (so that ties, zeros or halves occur). */
export const oneOf =
  (values: readonly number[]) =>
  (r: Rng): number =>
    values[Math.floor(r() * values.length)]!;

/** Random bools as 0/1. */
export const coin = (r: Rng): number => (r() < 0.5 ? 0 : 1);

/**
 * Distinct values for operands of `shapes`: grid points `step` apart (from
 * `lo`), shuffled, each jittered by under `step / 4`, so any two values differ
 * by more than `step / 2` (no ties, even under checkGrads' perturbations).
 */
export function distinct(shapes: readonly (readonly number[])[], lo: number, step: number) {
  return (r: Rng): number[][] => {
    const n = shapes.reduce((k, s) => k + size(s), 0);
    const grid = Array.from({ length: n }, (_, i) => lo + i * step);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [grid[i], grid[j]] = [grid[j]!, grid[i]!];
    }
    let k = 0;
    return shapes.map((s) => Array.from({ length: size(s) }, () => grid[k++]! + (r() * step) / 4));
  };
}

// ---- arrays -----------------------------------------------------------------------

/** Float32 operands hold float32-rounded values, so references see exactly what the kernels see. */
function sampleOperands(c: Case, rng: Rng): Ref[] {
  const raw = c.sample !== undefined ? c.sample(rng) : c.operands.map((op) => op.values ?? Array.from({ length: size(op.shape) }, () => (op.sample ?? uniform(-2, 2))(rng)));
  return c.operands.map((op, i) => {
    const v = raw[i]!;
    if (v.length !== size(op.shape)) throw new Error(`spec: operand ${i} of ${c.label} has ${v.length} values for shape [${op.shape.join(', ')}]`);
    return { shape: [...op.shape], data: Float64Array.from(v, (x) => ((op.dtype ?? 'float32') === 'float32' ? Math.fround(x) : x)) };
  });
}

/** An array holding a reference's values (strongly typed unless `weak`). */
export function toArray(r: Ref, dtype: DType = 'float32', weak = false): JArray {
  const values = dtype === 'float32' ? Float32Array.from(r.data) : dtype === 'int32' ? Int32Array.from(r.data) : Array.from(r.data, (v) => v !== 0);
  return new ConcreteArray(tf.tensor(values, [...r.shape], dtype), weak);
}

export async function read(a: JArray): Promise<Float64Array> {
  return Float64Array.from(await a.data());
}

const randomRef = (shape: readonly number[], rng: Rng): Ref => ({ shape: [...shape], data: Float64Array.from({ length: size(shape) }, () => Math.fround(rng() * 2 - 1)) });

// ---- comparisons ------------------------------------------------------------------

/** Tolerances: per element `|got - want| <= atol * max(1, max |want|) + rtol * |want|`. */
export interface Tol {
  readonly rtol: number;
  readonly atol: number;
}

/** Compares values with a tolerance (float) or exactly (int32, bool); NaN matches NaN. */
export function expectClose(what: string, got: Float64Array, want: Ref, tol: Tol | 'exact'): void {
  expect(got.length, `${what}: element count`).toBe(want.data.length);
  const scale = Math.max(1, ...Array.from(want.data, (v) => (Number.isFinite(v) ? Math.abs(v) : 0)));
  for (let k = 0; k < got.length; k++) {
    const [g, w] = [got[k]!, want.data[k]!];
    if (Number.isNaN(g) && Number.isNaN(w)) continue;
    const ok = tol === 'exact' || !Number.isFinite(w) ? g === w : Math.abs(g - w) <= tol.atol * scale + tol.rtol * Math.abs(w);
    if (!ok) throw new Error(`${what}: element ${k} of shape [${want.shape.join(', ')}]: got ${g}, want ${w} (|diff| ${Math.abs(g - w).toPrecision(3)})`);
  }
}

/** One output or several, as a list. */
export function listOf<T extends object>(x: T | readonly T[]): T[] {
  return Array.isArray(x) ? [...(x as readonly T[])] : [x as T];
}

function centralDifference(c: Case, xs: readonly Ref[], ts: readonly (Ref | undefined)[], h: number): Ref[] {
  const at = (s: number): Ref[] => listOf(c.ref(xs.map((x, i) => (ts[i] === undefined ? x : { shape: x.shape, data: x.data.map((v, k) => v + s * h * ts[i]!.data[k]!) }))));
  const [p, m] = [at(1), at(-1)];
  return p.map((po, o) => ({ shape: po.shape, data: po.data.map((v, k) => (v - m[o]!.data[k]!) / (2 * h)) }));
}

// ---- the checks -------------------------------------------------------------------

/** The prepared call of one case: sampled operands, their arrays, and `f` of the float operands. */
export interface Prepared {
  readonly xs: Ref[];
  readonly arrays: JArray[];
  readonly dtypes: DType[];
  /** Positions of the float32 (differentiated) operands. */
  readonly diff: number[];
  /** The primitive bound to the float operands, the other operands fixed (an array, or a list for several outputs). */
  readonly f: (...ds: JArray[]) => JArray | JArray[];
  /** The primitive bound to the operands at positions `which`, the others fixed. */
  fOf(which: readonly number[]): (...ds: JArray[]) => JArray | JArray[];
  /** The primitive bound to all operands. */
  readonly g: (...all: JArray[]) => JArray | JArray[];
  readonly rng: Rng;
  dispose(): void;
}

export function prepare(prim: Primitive<never>, c: Case, seedName: string): Prepared {
  const rng = mulberry32(seedOf(seedName));
  const xs = sampleOperands(c, rng);
  const dtypes = c.operands.map((op) => op.dtype ?? 'float32');
  const arrays = xs.map((x, i) => toArray(x, dtypes[i], c.operands[i]!.weak === true));
  const diff = dtypes.flatMap((d, i) => (d === 'float32' ? [i] : []));
  const g = (...all: JArray[]): JArray | JArray[] => {
    const outs = c.post === undefined ? bind(prim, all, c.params as never) : scoped(() => c.post!(bind(prim, all, c.params as never)));
    return outs.length === 1 ? outs[0]! : outs;
  };
  const fOf =
    (which: readonly number[]) =>
    (...ds: JArray[]): JArray | JArray[] =>
      g(...arrays.map((a, i) => (which.includes(i) ? ds[which.indexOf(i)]! : a)));
  return { xs, arrays, dtypes, diff, f: fOf(diff), fOf, g, rng, dispose: () => arrays.forEach((a) => a.dispose()) };
}

/** The primal output against `ref` (exact for int32/bool outputs). */
export async function checkValue(p: Prepared, c: Case, tol: Tol): Promise<void> {
  const want = listOf(c.ref(p.xs));
  const ys = listOf(p.g(...p.arrays));
  try {
    expect(ys.length, 'number of outputs').toBe(want.length);
    for (let o = 0; o < ys.length; o++) {
      expect(ys[o]!.shape, `output ${o} shape`).toEqual(want[o]!.shape);
      expectClose(`value of output ${o}`, await read(ys[o]!), want[o]!, ys[o]!.dtype === 'float32' && c.exact !== true ? tol : 'exact');
    }
  } finally {
    ys.forEach((y) => y.dispose());
  }
}

/**
 * jvp against the float64 directional derivative, then vjp by the identity
 * `<vjp(ct), t> = <ct, J t>` with the float64 `J t`, differentiating the
 * float operands at positions `which` (default all of them; the other float
 * operands are held fixed, i.e. have zero tangents in the reference, and reach
 * the rules as symbolic zeros).
 */
export async function checkDerivatives(p: Prepared, c: Case, tols: { jvp: Tol; vjp: { rtol: number }; fdStep: number }, which: readonly number[] = p.diff): Promise<void> {
  const ts = p.xs.map((x, i) => (which.includes(i) ? randomRef(x.shape, p.rng) : p.diff.includes(i) ? { shape: x.shape, data: new Float64Array(size(x.shape)) } : undefined));
  const tArrays = which.map((i) => toArray(ts[i]!));
  const dArrays = which.map((i) => p.arrays[i]!);
  const f = p.fOf(which);
  const Jt = listOf(c.deriv === 'linear' ? c.ref(p.xs.map((x, i) => ts[i] ?? x)) : c.deriv !== undefined ? c.deriv(p.xs, ts) : centralDifference(c, p.xs, ts, tols.fdStep));
  try {
    // jvp
    if (c.revOnly !== undefined) expect(() => jvp(f, dArrays, tArrays)).toThrow(TfjaxError);
    else await compareJvp(f, dArrays, tArrays, Jt, tols.jvp);
    if (c.fwdOnly !== undefined) {
      await expectNoReverseMode(f, dArrays);
      return;
    }
    // vjp
    const [out, vjpFn] = vjp(f, ...dArrays);
    const outs = listOf(out);
    // Random cotangents for float outputs; zeros of their own dtype for int32/bool outputs.
    const ct = outs.map((o) => (o.dtype === 'float32' ? randomRef(o.shape, p.rng) : { shape: o.shape, data: new Float64Array(o.size) }));
    const ctArrays = ct.map((r, o) => toArray(r, outs[o]!.dtype));
    try {
      const cts = vjpFn((Array.isArray(out) ? ctArrays : ctArrays[0]!) as never) as unknown as JArray[];
      let lhs = 0;
      let scale = 0;
      for (let k = 0; k < which.length; k++) {
        const t = ts[which[k]!]!;
        expect(cts[k]!.shape, `vjp cotangent ${k} shape`).toEqual(t.shape);
        const v = await read(cts[k]!);
        v.forEach((e, j) => {
          lhs += e * t.data[j]!;
          scale += Math.abs(e * t.data[j]!);
        });
        cts[k]!.dispose();
      }
      let rhs = 0;
      ct.forEach((r, o) =>
        r.data.forEach((e, j) => {
          rhs += e * Jt[o]!.data[j]!;
          scale += Math.abs(e * Jt[o]!.data[j]!);
        }),
      );
      if (!(Math.abs(lhs - rhs) <= tols.vjp.rtol * scale + 1e-30))
        throw new Error(`vjp: <vjp(ct), t> = ${lhs} but <ct, J t> = ${rhs} (float64 J t); |diff| ${Math.abs(lhs - rhs).toPrecision(3)} > ${tols.vjp.rtol} * ${scale.toPrecision(3)}`);
    } finally {
      outs.forEach((a) => a.dispose());
      ctArrays.forEach((a) => a.dispose());
      vjpFn.dispose();
    }
  } finally {
    tArrays.forEach((t) => t.dispose());
  }
}

/** jvp's output tangents against the float64 `J t` (exact zeros for int32/bool outputs). */
async function compareJvp(f: (...ds: JArray[]) => JArray | JArray[], dArrays: JArray[], tArrays: JArray[], Jt: readonly Ref[], tol: Tol): Promise<void> {
  const [y, ty] = jvp(f, dArrays, tArrays);
  const [ys, tys] = [listOf(y), listOf(ty)];
  try {
    expect(tys.length, 'number of output tangents').toBe(Jt.length);
    for (let o = 0; o < tys.length; o++) {
      expect(tys[o]!.shape, `jvp tangent ${o} shape`).toEqual(Jt[o]!.shape);
      // An int32/bool output (e.g. a loop counter) has an exactly zero tangent of its own dtype.
      if (ys[o]!.dtype !== 'float32') expectClose(`jvp tangent ${o} (non-float output)`, await read(tys[o]!), { shape: Jt[o]!.shape, data: new Float64Array(Jt[o]!.data.length) }, 'exact');
      else {
        expect(tys[o]!.dtype).toBe('float32');
        expectClose(`jvp tangent ${o}`, await read(tys[o]!), Jt[o]!, tol);
      }
    }
  } finally {
    ys.forEach((a) => a.dispose());
    tys.forEach((a) => a.dispose());
  }
}

/** For primitives without a transpose rule: vjpFn (the backward pass) throws a TfjaxError. */
async function expectNoReverseMode(f: (...ds: JArray[]) => JArray | JArray[], dArrays: JArray[]): Promise<void> {
  const [out, vjpFn] = vjp(f, ...dArrays);
  const outs = listOf(out);
  const ct = outs.map((o) => toArray({ shape: o.shape, data: new Float64Array(o.size).fill(1) }, o.dtype));
  try {
    expect(() => vjpFn((Array.isArray(out) ? ct : ct[0]!) as never)).toThrow(TfjaxError);
  } finally {
    [...outs, ...ct].forEach((a) => a.dispose());
    vjpFn.dispose();
  }
}

/**
 * For zero-derivative cases: jvp over ALL operands (random tangents for float
 * ones, zeros for int/bool ones) must give an exactly zero output tangent, and
 * vjp of a nonzero cotangent exactly zero cotangents for every operand.
 */
export async function checkZeroDerivatives(p: Prepared): Promise<void> {
  const tArrays = p.xs.map((x, i) => (p.dtypes[i] === 'float32' ? toArray(randomRef(x.shape, p.rng)) : toArray({ shape: x.shape, data: new Float64Array(size(x.shape)) }, p.dtypes[i])));
  try {
    const [y, ty] = jvp(p.g, p.arrays, tArrays);
    const [ys, tys] = [listOf(y), listOf(ty)];
    try {
      for (let o = 0; o < ys.length; o++) {
        expect(tys[o]!.shape).toEqual(ys[o]!.shape);
        const v = await read(tys[o]!);
        expect(
          v.every((e) => e === 0),
          `jvp tangent ${o} is not exactly zero: ${Array.from(v).slice(0, 8).join(', ')}`,
        ).toBe(true);
      }
    } finally {
      ys.forEach((a) => a.dispose());
      tys.forEach((a) => a.dispose());
    }
    const [out, vjpFn] = vjp(p.g, ...p.arrays);
    const outs = listOf(out);
    // A nonzero cotangent of each output's dtype (float: random; int/bool: ones).
    const ct = outs.map((o) => (o.dtype === 'float32' ? toArray(randomRef(o.shape, p.rng)) : toArray({ shape: o.shape, data: new Float64Array(o.size).fill(1) }, o.dtype)));
    try {
      const cts = vjpFn((Array.isArray(out) ? ct : ct[0]!) as never) as unknown as JArray[];
      expect(cts.length).toBe(p.arrays.length);
      for (let k = 0; k < cts.length; k++) {
        expect(cts[k]!.shape).toEqual(p.arrays[k]!.shape);
        const v = await read(cts[k]!);
        expect(
          v.every((e) => e === 0),
          `vjp cotangent ${k} is not exactly zero`,
        ).toBe(true);
        cts[k]!.dispose();
      }
    } finally {
      outs.forEach((a) => a.dispose());
      ct.forEach((a) => a.dispose());
      vjpFn.dispose();
    }
  } finally {
    tArrays.forEach((t) => t.dispose());
  }
}

/**
 * JAX's check_grads on the float operands at `order` in `modes`; with both
 * modes also forward-over-reverse (jvp of `x -> vjp(f)(x)(ct)`, the Hessian-
 * vector-product path, which check_grads' fwd-over-fwd and rev-over-rev miss),
 * and with several float operands, each one alone (the others fixed, so their
 * symbolic zero tangents flow through the higher-order rules).
 */
export async function runCheckGrads(p: Prepared, order: number, modes: readonly ('fwd' | 'rev')[]): Promise<void> {
  const args = p.diff.map((i) => p.arrays[i]!);
  await checkGrads(p.f, args, { order, modes });
  if (modes.includes('fwd') && modes.includes('rev')) {
    const y = p.f(...args);
    const outs = listOf(y);
    const cts = outs.map((o) => toArray(randomRef(o.shape, p.rng)));
    outs.forEach((o) => o.dispose());
    const ct = (Array.isArray(y) ? cts : cts[0]!) as never;
    const df = (...xs: JArray[]): JArray[] => scoped(() => vjp(p.f, ...xs)[1](ct) as unknown as JArray[]);
    try {
      await checkGrads(df, args, { order: 1, modes: ['fwd'], seed: 7 });
    } finally {
      cts.forEach((c) => c.dispose());
    }
  }
  if (p.diff.length > 1) for (const i of p.diff) await checkGrads(p.fOf([i]), [p.arrays[i]!], { order, modes, seed: i + 1 });
}
