/**
 * A small runner for hand-written WGSL compute kernels on tfjs-backend-webgpu
 * (4.22), for what tfjs's own kernels cannot do exactly: 32-bit integer math
 * (tfjs-webgpu computes int32 ops in f32), and the loops of linear algebra.
 *
 * A kernel is defined once with {@link wgslKernel} (its WGSL text is fixed, so
 * the compiled pipeline is cached by tfjs) and run with {@link runWgsl} on
 * tensors of any shape. The runner hides tfjs's program interface:
 *
 * - Every input and the output are bound as flat storage arrays with the names
 *   given in `inputs` and `result`: `array<f32>` for float32 and
 *   `array<i32>` for int32 and bool (0/1). Read and write them directly by flat
 *   index (`A[i]`, `result[i] = ...`). Do not use tfjs's generated getters
 *   (`getA(...)`, `setOutputAtIndex`): they convert through f32 and lose the
 *   low bits of int32 values above 2^24. For uint32 math, `bitcast<u32>(A[i])`
 *   and `bitcast<i32>(u)`.
 * - The body must define `fn main(index : i32)`; it runs once per thread,
 *   `index` going over `0 .. threads - 1` (threads default to the output
 *   size). Threads of the last workgroup can lie beyond; every kernel must
 *   begin with `if (index >= uniforms.threads) { return; }` (or an equivalent
 *   bound) — the runner declares the `threads` uniform.
 * - The output buffer comes from tfjs's pool and is not cleared: the threads
 *   together must write every output element.
 * - Scalar uniforms are declared by name and type in the kernel and given
 *   values per run; read them as `uniforms.name`.
 * - Shapes are the caller's business: inputs are flattened before the kernel
 *   sees them (so any rank works) and the output is reshaped to `shape`;
 *   pass sizes and strides as uniforms.
 *
 * Runs only on the `webgpu` backend (a BackendError elsewhere); it never reads
 * to the host. Size-0 outputs skip the kernel.
 *
 * For instance, wrapping uint32 addition of two int32 tensors `a`, `b` of equal
 * size (internal API, so not a runnable doc example; see test/backend/wgsl.test.ts):
 *
 * ```ts
 * const addU32 = wgslKernel({
 *   name: 'add_u32',
 *   inputs: ['A', 'B'],
 *   body: `
 *     fn main(index : i32) {
 *       if (index >= uniforms.threads) { return; }
 *       result[index] = bitcast<i32>(bitcast<u32>(A[index]) + bitcast<u32>(B[index]));
 *     }`,
 * });
 * const sum = runWgsl(addU32, [a, b], { shape: a.shape, dtype: 'int32' });
 * ```
 *
 * @packageDocumentation
 * @internal
 */
import { BackendError } from '../errors.js';
import * as tf from './tf.js';

/** WGSL scalar types a uniform can have. */
export type WgslScalar = 'i32' | 'u32' | 'f32';

/** What {@link wgslKernel} takes. @internal */
export interface WgslKernelSpec {
  /** A name for tfjs's pipeline cache and shader labels (letters, digits, `_`); unique per WGSL text. */
  name: string;
  /** Names of the input storage arrays, in the order tensors are passed to {@link runWgsl} (capitalized, e.g. `'A'`, `'Keys'`). */
  inputs: readonly string[];
  /** Scalar uniforms besides `threads`, by name, in a fixed order. Default none. */
  uniforms?: Readonly<Record<string, WgslScalar>>;
  /** The WGSL text: helper functions and `fn main(index : i32)`. */
  body: string;
  /** Threads per workgroup (default 64). */
  workgroupSize?: number;
}

/** A compiled-once WGSL kernel, from {@link wgslKernel}. @internal */
export interface WgslKernel {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly uniformNames: readonly string[];
  readonly uniformTypes: readonly WgslScalar[];
  readonly body: string;
  readonly workgroupSize: number;
  /** tfjs's shader key prefix: the name plus a hash of the text (tfjs appends ranks and dtypes). */
  readonly shaderKey: string;
}

/** Options of one {@link runWgsl} call. @internal */
export interface WgslRunOptions {
  /** The output shape. */
  shape: readonly number[];
  /** The output dtype (bool is stored as i32 0/1). */
  dtype: 'float32' | 'int32' | 'bool';
  /** How many threads run `main` (default: the output size). */
  threads?: number;
  /** Values of the kernel's declared uniforms (all of them). */
  uniforms?: Readonly<Record<string, number>>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** FNV-1a of a string, as 8 hex digits. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * Defines a WGSL kernel for {@link runWgsl} (see the module comment for what the
 * body may use). Define kernels once, at module level: the text is hashed into
 * tfjs's pipeline cache key here.
 *
 * @param spec - name, input names, uniforms, WGSL body, workgroup size.
 * @returns the kernel.
 * @throws TypeError for names that are not WGSL identifiers.
 * @internal
 */
export function wgslKernel(spec: WgslKernelSpec): WgslKernel {
  const uniforms = Object.entries(spec.uniforms ?? {});
  for (const n of [spec.name, ...spec.inputs, ...uniforms.map(([u]) => u)]) {
    if (!NAME.test(n)) throw new TypeError(`wgslKernel: '${n}' is not a WGSL identifier`);
  }
  if (uniforms.some(([u]) => u === 'threads')) throw new TypeError(`wgslKernel ${spec.name}: 'threads' is declared by the runner`);
  const workgroupSize = spec.workgroupSize ?? 64;
  return {
    name: spec.name,
    inputs: [...spec.inputs],
    uniformNames: uniforms.map(([u]) => u),
    uniformTypes: uniforms.map(([, t]) => t),
    body: spec.body,
    workgroupSize,
    shaderKey: `tfjax_${spec.name}_${fnv1a(`${workgroupSize}|${uniforms.map(([u, t]) => `${u}:${t}`).join(',')}|${spec.body}`)}`,
  };
}

/** The part of tfjs-webgpu's program interface that the runner fills in. */
interface Program {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms?: string;
  size: boolean;
  getUserCode: () => string;
}

type ProgramUniform = { type: 'int32' | 'uint32' | 'float32'; data: number[] }[];

/** The part of tfjs-webgpu's `WebGPUBackend` used here. */
interface WebGPUBackendLike {
  runWebGPUProgram(program: Program, inputs: tf.TensorInfo[], outputDtype: tf.DataType, uniforms?: ProgramUniform): tf.TensorInfo;
}

function webgpuBackend(kernel: string): WebGPUBackendLike {
  const name = tf.getBackend();
  const backend = tf.backend() as unknown as Partial<WebGPUBackendLike>;
  if (name !== 'webgpu' || typeof backend.runWebGPUProgram !== 'function')
    throw new BackendError(`WGSL kernel ${kernel}: runs only on the webgpu backend, the current backend is ${name}`);
  return backend as WebGPUBackendLike;
}

const UNIFORM_TYPE: Record<WgslScalar, 'int32' | 'uint32' | 'float32'> = { i32: 'int32', u32: 'uint32', f32: 'float32' };

/**
 * Runs `kernel` on `inputs` (tensors of any shape; flattened for the kernel)
 * and returns a new tensor of `opts.shape` and `opts.dtype` that the caller
 * owns. Nothing is read to the host; the inputs are not disposed.
 *
 * @param kernel - from {@link wgslKernel}.
 * @param inputs - one tensor per declared input, in order.
 * @param opts - output shape and dtype, thread count, uniform values.
 * @returns the output tensor.
 * @throws BackendError off the webgpu backend; TypeError for a wrong number of inputs or missing uniforms.
 * @internal
 */
export function runWgsl(kernel: WgslKernel, inputs: readonly tf.Tensor[], opts: WgslRunOptions): tf.Tensor {
  const backend = webgpuBackend(kernel.name);
  if (inputs.length !== kernel.inputs.length)
    throw new TypeError(`WGSL kernel ${kernel.name}: takes ${kernel.inputs.length} inputs (${kernel.inputs.join(', ')}), got ${inputs.length}`);
  const size = opts.shape.reduce((a, b) => a * b, 1);
  const threads = opts.threads ?? size;
  if (size === 0 || threads === 0) return tf.zeros([...opts.shape], opts.dtype);
  const values = opts.uniforms ?? {};
  const programUniforms: ProgramUniform = [{ type: 'int32', data: [threads] }];
  kernel.uniformNames.forEach((u, i) => {
    const v = values[u];
    if (v === undefined) throw new TypeError(`WGSL kernel ${kernel.name}: no value for uniform '${u}'`);
    programUniforms.push({ type: UNIFORM_TYPE[kernel.uniformTypes[i]!], data: [v] });
  });
  const declared = ['threads : i32,', ...kernel.uniformNames.map((u, i) => `${u} : ${kernel.uniformTypes[i]!},`)].join(' ');
  const groups = Math.ceil(threads / kernel.workgroupSize);
  const program: Program = {
    variableNames: [...kernel.inputs],
    outputShape: [size],
    shaderKey: kernel.shaderKey,
    dispatchLayout: { x: [0] },
    dispatch: [groups, 1, 1],
    workgroupSize: [kernel.workgroupSize, 1, 1],
    uniforms: declared,
    size: false,
    getUserCode: () => kernel.body,
  };
  // A flat view of each input (a reshape shares the data; size-0 inputs get one dummy element,
  // since WebGPU cannot bind an empty buffer).
  const flat = inputs.map((t) => (t.size === 0 ? tf.zeros([1], t.dtype) : tf.reshape(t, [t.size])));
  try {
    const info = backend.runWebGPUProgram(program, flat, opts.dtype, programUniforms);
    const out = tf.engine().makeTensorFromTensorInfo(info);
    if (opts.shape.length === 1) return out;
    const shaped = tf.reshape(out, [...opts.shape]);
    out.dispose();
    return shaped;
  } finally {
    flat.forEach((t) => t.dispose());
  }
}

/**
 * Whether the current backend is `webgpu` (where {@link runWgsl} works).
 *
 * @internal
 */
export function onWebgpu(): boolean {
  return tf.getBackend() === 'webgpu';
}

const IOTA = wgslKernel({
  name: 'iota_i32',
  inputs: [],
  uniforms: { offset: 'i32' },
  body: `
    fn main(index : i32) {
      if (index >= uniforms.threads) { return; }
      result[index] = f32(uniforms.offset + index);
    }`,
});

const JOIN = wgslKernel({
  name: 'join_i32',
  inputs: ['A', 'B'],
  uniforms: { na: 'i32' },
  body: `
    fn main(index : i32) {
      if (index >= uniforms.threads) { return; }
      if (index < uniforms.na) { result[index] = A[index]; } else { result[index] = B[index - uniforms.na]; }
    }`,
});

/**
 * The positions `offset .. offset + size - 1` in `shape`, as float32 (exact below 2^24). They
 * start at 1: position 0 is the zero that fills (gather out of range, padding), see TAKE.
 * tfjs-webgpu's kernels are made for float32 (its general Transpose does not even compile for
 * int32 and returns zeros), and position arithmetic stays far below 2^24.
 */
function positions(shape: readonly number[], offset: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const flat = runWgsl(IOTA, [], { shape: [size], dtype: 'float32', uniforms: { offset } });
  const shaped = tf.reshape(flat, [...shape]);
  flat.dispose();
  return shaped;
}

const TAKE = wgslKernel({
  name: 'take_i32',
  inputs: ['X', 'Idx'],
  body: `
    fn main(index : i32) {
      if (index >= uniforms.threads) { return; }
      let p = i32(Idx[index]);
      result[index] = select(0, X[max(p - 1, 0)], p > 0);
    }`,
});

/** Below this size, positions survive tfjs-webgpu's f32 kernels exactly. */
const EXACT_POSITIONS = 2 ** 24 - 1;

/**
 * Runs a data-movement kernel (`move`: a slice, transpose, broadcast, ... of
 * one tensor, built from tfjs ops) on an int32 tensor without losing bits on
 * WebGPU. tfjs-webgpu's data-movement kernels read int32 values through f32, so
 * values above 2^24 in magnitude come out rounded (and its general Transpose
 * does not compile for int32 at all: zeros); here `move` runs on the float32
 * positions `0 .. size - 1` instead (exact below 2^24), and a WGSL kernel
 * takes `x`'s raw values at the moved positions. Elsewhere (other backends,
 * other dtypes, 2^24 elements or more, size 0) it is just `move(x)`.
 *
 * @param x - the tensor to move.
 * @param move - the movement; each output element must be one input element or a zero fill.
 * @returns a new tensor, `move(x)` with every bit kept.
 * @internal
 */
export function exactInt32(x: tf.Tensor, move: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  if (x.dtype !== 'int32' || !onWebgpu() || x.size === 0 || x.size >= EXACT_POSITIONS) return move(x);
  const ids = positions(x.shape, 1);
  let idx: tf.Tensor | undefined;
  try {
    idx = move(ids);
    return runWgsl(TAKE, [x, idx], { shape: idx.shape, dtype: 'int32' });
  } finally {
    if (idx !== ids) idx?.dispose();
    ids.dispose();
  }
}

/**
 * {@link exactInt32} for movements of several int32 tensors into one
 * (concatenate, select): `move` runs on the positions of each input within
 * their flat concatenation, and a WGSL kernel takes the raw values there.
 * Elsewhere (other backends or dtypes, 2^24 elements or more in all, any
 * input of size 0) it is just `move(xs)`.
 *
 * @param xs - the tensors to combine (all int32 for the exact path).
 * @param move - the combination; each output element must be one input element or a zero fill.
 * @returns a new tensor, `move(xs)` with every bit kept.
 * @internal
 */
export function exactInt32Many(xs: readonly tf.Tensor[], move: (ts: tf.Tensor[]) => tf.Tensor): tf.Tensor {
  const total = xs.reduce((n, t) => n + t.size, 0);
  if (!onWebgpu() || xs.some((t) => t.dtype !== 'int32' || t.size === 0) || total >= EXACT_POSITIONS) return move([...xs]);
  const ids: tf.Tensor[] = [];
  let source: tf.Tensor | undefined;
  let idx: tf.Tensor | undefined;
  try {
    let offset = 1;
    for (const t of xs) {
      ids.push(positions(t.shape, offset));
      offset += t.size;
    }
    // The flat concatenation of the inputs, joined pairwise (exactly).
    source = tf.reshape(xs[0]!, [xs[0]!.size]);
    let na = xs[0]!.size;
    for (const t of xs.slice(1)) {
      const next = runWgsl(JOIN, [source, t], { shape: [na + t.size], dtype: 'int32', uniforms: { na } });
      source.dispose();
      source = next;
      na += t.size;
    }
    idx = move(ids);
    return runWgsl(TAKE, [source, idx], { shape: idx.shape, dtype: 'int32' });
  } finally {
    if (idx !== undefined && !ids.includes(idx)) idx.dispose();
    for (const t of ids) t.dispose();
    source?.dispose();
  }
}

/** Strips leading 1s. */
function stripOnes(shape: readonly number[]): number[] {
  let i = 0;
  while (i < shape.length && shape[i] === 1) i++;
  return shape.slice(i);
}

/**
 * `x` broadcast to `shape`, with adjacent dims of the same kind merged first, as an add to
 * zeros: tfjs-webgpu's Tile reads to the host at rank 5 and up (which fails under Dawn).
 */
function broadcastMerged(x: tf.Tensor, shape: readonly number[]): tf.Tensor {
  const padded = [...new globalThis.Array<number>(shape.length - x.rank).fill(1), ...x.shape];
  const inS: number[] = [];
  const outS: number[] = [];
  let last: boolean | undefined;
  shape.forEach((d, i) => {
    if (d === 1) return;
    const kept = padded[i] === d;
    if (kept === last) {
      inS[inS.length - 1]! *= padded[i]!;
      outS[outS.length - 1]! *= d;
    } else {
      inS.push(padded[i]!);
      outS.push(d);
    }
    last = kept;
  });
  return tf.tidy(() => tf.reshape(tf.add(tf.zeros(outS, x.dtype), tf.reshape(x, inS)), [...shape]));
}

/**
 * Runs an elementwise WGSL kernel over the broadcast `shape` of `inputs`,
 * where the kernel reads input `k` at `index % uniforms.n<k>` (the runner
 * passes `n0`, `n1`, ... : the kernel must declare them as i32 uniforms, in
 * this order, before any of its own). That flat-index modulo is NumPy
 * broadcasting when an input's shape (less leading 1s) is a suffix of `shape`;
 * other inputs are broadcast first, exactly ({@link exactInt32}).
 *
 * @param kernel - from {@link wgslKernel}, declaring `n0 .. n<k-1>` first.
 * @param inputs - the operands.
 * @param shape - the broadcast output shape.
 * @param dtype - the output dtype.
 * @param uniforms - values of the kernel's other uniforms.
 * @returns a new tensor of `shape`.
 * @internal
 */
export function runWgslElementwise(
  kernel: WgslKernel,
  inputs: readonly tf.Tensor[],
  shape: readonly number[],
  dtype: WgslRunOptions['dtype'],
  uniforms: Readonly<Record<string, number>> = {},
): tf.Tensor {
  const ops = inputs.map((t): [tf.Tensor, boolean] => {
    const s = stripOnes(t.shape);
    const suffix = shape.slice(shape.length - s.length);
    if (s.length <= shape.length && s.every((d, i) => d === suffix[i])) return [t, false];
    return [exactInt32(t, (x) => broadcastMerged(x, shape)), true];
  });
  try {
    const sizes = Object.fromEntries(ops.map(([t], i) => [`n${i}`, Math.max(1, t.size)]));
    return runWgsl(
      kernel,
      ops.map(([t]) => t),
      { shape, dtype, uniforms: { ...sizes, ...uniforms } },
    );
  } finally {
    for (const [t, own] of ops) if (own) t.dispose();
  }
}

/** WGSL expressions of the int32 binary ops on `a`, `b` (i32; wrapping like JAX's int32). */
const INT32_OPS = {
  add: ['a + b', 'int32'],
  sub: ['a - b', 'int32'],
  mul: ['a * b', 'int32'],
  max: ['max(a, b)', 'int32'],
  min: ['min(a, b)', 'int32'],
  eq: ['i32(a == b)', 'bool'],
  ne: ['i32(a != b)', 'bool'],
  lt: ['i32(a < b)', 'bool'],
  le: ['i32(a <= b)', 'bool'],
  gt: ['i32(a > b)', 'bool'],
  ge: ['i32(a >= b)', 'bool'],
} as const;

const INT32_KERNELS = new Map(
  Object.entries(INT32_OPS).map(([name, [expr]]) => [
    name,
    wgslKernel({
      name: `int32_${name}`,
      inputs: ['A', 'B'],
      uniforms: { n0: 'i32', n1: 'i32' },
      body: `
    fn main(index : i32) {
      if (index >= uniforms.threads) { return; }
      let a = A[index % uniforms.n0];
      let b = B[index % uniforms.n1];
      result[index] = ${expr};
    }`,
    }),
  ]),
);

/**
 * An int32 binary op (`add`, `sub`, `mul`, `max`, `min`, comparisons) done
 * exactly in WGSL on WebGPU, where tfjs-webgpu computes int32 arithmetic and
 * comparisons in f32 (inexact above 2^24); wrapping on overflow like JAX's
 * int32. Undefined when it does not apply (another backend, another dtype, an
 * op not listed, size 0).
 *
 * @param name - the primitive's name.
 * @param a - first operand.
 * @param b - second operand.
 * @returns the result, or undefined.
 * @internal
 */
export function int32Binary(name: string, a: tf.Tensor, b: tf.Tensor): tf.Tensor | undefined {
  const kernel = INT32_KERNELS.get(name);
  if (kernel === undefined || a.dtype !== 'int32' || b.dtype !== 'int32' || !onWebgpu() || a.size === 0 || b.size === 0) return undefined;
  const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  return runWgslElementwise(kernel, [a, b], shape, INT32_OPS[name as keyof typeof INT32_OPS][1]);
}

const SELECT = wgslKernel({
  name: 'select_n',
  inputs: ['P', 'T', 'F'],
  uniforms: { n0: 'i32', n1: 'i32', n2: 'i32' },
  body: `
    fn main(index : i32) {
      if (index >= uniforms.threads) { return; }
      result[index] = select(F[index % uniforms.n2], T[index % uniforms.n1], P[index % uniforms.n0] != 0);
    }`,
});

/**
 * `where(p, t, f)` on WebGPU as one WGSL kernel copying raw words (any dtype,
 * any rank, NumPy broadcasting to `shape`): tfjs-webgpu's Select rounds int32
 * through f32 and supports rank 4 at most.
 *
 * @param p - the bool predicate.
 * @param t - values where `p` holds.
 * @param f - values elsewhere (same dtype as `t`).
 * @param shape - the broadcast shape.
 * @returns a new tensor of `shape` and `t`'s dtype.
 * @internal
 */
export function selectWgsl(p: tf.Tensor, t: tf.Tensor, f: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (shape.reduce((a, b) => a * b, 1) === 0) return tf.zeros([...shape], t.dtype);
  return runWgslElementwise(SELECT, [p, t, f], shape, t.dtype as WgslRunOptions['dtype']);
}

const BOOL_TO_F32 = wgslKernel({
  name: 'bool_to_f32',
  inputs: ['A'],
  body: `
    fn main(index : i32) {
      if (index >= uniforms.threads) { return; }
      result[index] = f32(A[index] != 0);
    }`,
});

/**
 * Runs a data-movement kernel (`move`, built from tfjs ops) on a bool tensor on
 * WebGPU as 0/1 float32 values, then compares with 0: tfjs-webgpu stores bool
 * as i32 but generates f32 shaders for its data-movement kernels (Transpose,
 * Concat, Slice...), which then fail to compile and give zeros or garbage.
 * Elsewhere (other backends or dtypes, size 0) it is just `move(x)`.
 *
 * @param x - the tensor to move.
 * @param move - the movement; each output element must be one input element or a zero fill.
 * @returns a new bool tensor, `move(x)`.
 * @internal
 */
export function boolViaFloat(x: tf.Tensor, move: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  if (x.dtype !== 'bool' || !onWebgpu() || x.size === 0) return move(x);
  const f = runWgsl(BOOL_TO_F32, [x], { shape: x.shape, dtype: 'float32' });
  try {
    return tf.tidy(() => {
      const m = move(f);
      return tf.reshape(tf.notEqual(tf.reshape(m, [m.size]), 0), m.shape);
    });
  } finally {
    f.dispose();
  }
}
