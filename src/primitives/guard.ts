/**
 * The rank guard (DESIGN "Rank"): wasm elementwise kernels return garbage at
 * rank >= 7 and tfjs-webgpu's shader generator throws above rank 6. Every
 * kernel call of a primitive impl goes through one of these helpers, which merge
 * adjacent dimensions that the kernel treats alike before tfjs sees them.
 *
 * @packageDocumentation
 * @internal
 */
import { alias } from '../backend/index.js';
import * as tf from '../backend/tf.js';
import { boolViaFloat, exactInt32, onWebgpu } from '../backend/wgsl.js';
import { BackendError } from '../errors.js';

/** The highest rank handed to a tfjs kernel. */
export const MAX_KERNEL_RANK = 6;

/** NumPy broadcasting of shapes; `undefined` when they do not broadcast. */
export function broadcastShapes(...shapes: readonly (readonly number[])[]): number[] | undefined {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      const d = s[i]!;
      if (d === out[j] || d === 1) continue;
      if (out[j] === 1) out[j] = d;
      else return undefined;
    }
  }
  return out;
}

/**
 * Groups the output dims of an n-ary broadcasting op so that, within a group,
 * every input is either full or broadcast along all dims. Returns the collapsed
 * shape of each input and of the output.
 */
function collapseBroadcast(shapes: readonly (readonly number[])[], out: readonly number[]): { ins: number[][]; out: number[] } {
  const rank = out.length;
  const aligned = shapes.map((s) => [...new Array<number>(rank - s.length).fill(1), ...s]);
  const ins: number[][] = shapes.map(() => []);
  const outC: number[] = [];
  let prevKey = '';
  for (let j = 0; j < rank; j++) {
    if (out[j] === 1) continue;
    const key = aligned.map((s) => (s[j] === 1 ? 'b' : 'f')).join('');
    if (key === prevKey) {
      outC[outC.length - 1]! *= out[j]!;
      aligned.forEach((s, i) => (ins[i]![ins[i]!.length - 1]! *= s[j]!));
    } else {
      outC.push(out[j]!);
      aligned.forEach((s, i) => ins[i]!.push(s[j]!));
      prevKey = key;
    }
  }
  return { ins, out: outC };
}

function tooHigh(what: string, rank: number): BackendError {
  return new BackendError(`${what}: rank ${rank} after merging dimensions is above ${MAX_KERNEL_RANK}, which tfjs kernels cannot run`);
}

/**
 * Runs an elementwise kernel with NumPy broadcasting on inputs of any rank.
 * Shapes are assumed to broadcast (abstractEval checked them).
 */
export function elementwise(name: string, inputs: readonly tf.Tensor[], kernel: (...xs: tf.Tensor[]) => tf.Tensor): tf.Tensor {
  const out = broadcastShapes(...inputs.map((t) => t.shape))!;
  if (out.length <= MAX_KERNEL_RANK) return kernel(...inputs);
  const c = collapseBroadcast(
    inputs.map((t) => t.shape),
    out,
  );
  if (c.out.length > MAX_KERNEL_RANK) throw tooHigh(name, c.out.length);
  return tf.tidy(() => tf.reshape(kernel(...inputs.map((t, i) => tf.reshape(t, c.ins[i]!))), out));
}

/** Merges runs of dims that share a class (`cls[i]`); returns the merged shape and classes. */
export function mergeRuns<C>(shape: readonly number[], cls: readonly C[]): { shape: number[]; cls: C[] } {
  const s: number[] = [];
  const c: C[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (c.length > 0 && c[c.length - 1] === cls[i]) s[s.length - 1]! *= shape[i]!;
    else {
      s.push(shape[i]!);
      c.push(cls[i]!);
    }
  }
  return { shape: s, cls: c };
}

/**
 * Runs a reduction over `axes` on an input of any rank: runs of reduced and of
 * kept axes are merged first. `kernel(x, axes)` reduces without keeping dims.
 */
export function reduction(name: string, x: tf.Tensor, axes: readonly number[], kernel: (x: tf.Tensor, axes: number[]) => tf.Tensor): tf.Tensor {
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  if (axes.length === 0) return alias(x);
  if (x.rank <= MAX_KERNEL_RANK) return kernel(x, [...axes]);
  // Size-1 axes carry no data; dropping them first keeps the merge tight.
  const keep = x.shape.map((d) => d !== 1);
  const shape = x.shape.filter((_, i) => keep[i]);
  const cls = x.shape.map((_, i) => axes.includes(i)).filter((_, i) => keep[i]);
  const m = mergeRuns(shape, cls);
  if (m.shape.length > MAX_KERNEL_RANK) throw tooHigh(name, m.shape.length);
  const mAxes = m.cls.flatMap((r, i) => (r ? [i] : []));
  return tf.tidy(() => {
    const r = tf.reshape(x, m.shape);
    return tf.reshape(mAxes.length === 0 ? alias(r) : kernel(r, mAxes), outShape);
  });
}

/** Transposes an input of any rank: dims that stay adjacent are merged first. */
export function transposeGuarded(x: tf.Tensor, perm: readonly number[]): tf.Tensor {
  if (perm.every((p, i) => p === i)) return alias(x);
  // On WebGPU, int32 values move by position (tfjs-webgpu's Transpose rounds them through f32).
  if (x.dtype === 'int32' && onWebgpu()) return exactInt32(x, (t) => transposeAny(t, perm));
  // On WebGPU, bools move as 0/1 floats (tfjs-webgpu's Transpose of bool does not compile).
  if (x.dtype === 'bool' && onWebgpu()) return boolViaFloat(x, (t) => transposeAny(t, perm));
  return transposeAny(x, perm);
}

function transposeAny(x: tf.Tensor, perm: readonly number[]): tf.Tensor {
  if (x.rank <= MAX_KERNEL_RANK) return tf.transpose(x, [...perm]);
  // Drop size-1 dims, then merge runs of input dims that appear consecutively in perm.
  const outShape = perm.map((p) => x.shape[p]!);
  const live = perm.filter((p) => x.shape[p] !== 1);
  const groups: number[][] = [];
  for (const p of live) {
    const g = groups[groups.length - 1];
    if (g !== undefined && g[g.length - 1]! + 1 === p) g.push(p);
    else groups.push([p]);
  }
  const order = [...groups].sort((a, b) => a[0]! - b[0]!);
  const inShape = order.map((g) => g.reduce((n, p) => n * x.shape[p]!, 1));
  const newPerm = groups.map((g) => order.indexOf(g));
  if (order.length > MAX_KERNEL_RANK) return tf.tidy(() => tf.reshape(transposeByMoves(tf.reshape(x, inShape), newPerm), outShape));
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(x, inShape), newPerm), outShape));
}

/**
 * A transpose whose merged rank is still above 6 (nested vmaps give such
 * permutations), as a sequence of axis moves: output axis `t` is brought into
 * place by one rank-4 transpose `[before, rest, axis, after] -> [before, axis, rest, after]`,
 * so no kernel sees more than rank 4 (at most `rank - 1` passes over the data).
 */
function transposeByMoves(x: tf.Tensor, perm: readonly number[]): tf.Tensor {
  const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
  let y = x;
  let shape = [...x.shape];
  const at = perm.map((_, i) => i); // at[j]: the input axis now at position j
  for (let t = 0; t < perm.length; t++) {
    const c = at.indexOf(perm[t]!);
    if (c === t) continue;
    const view = [prod(shape.slice(0, t)), prod(shape.slice(t, c)), shape[c]!, prod(shape.slice(c + 1))];
    const next = tf.transpose(tf.reshape(y, view), [0, 2, 1, 3]);
    if (y !== x) y.dispose();
    shape = [...shape.slice(0, t), shape[c]!, ...shape.slice(t, c), ...shape.slice(c + 1)];
    at.splice(t, 0, at.splice(c, 1)[0]!);
    y = tf.reshape(next, shape);
    if (y !== next) next.dispose();
  }
  return y;
}

/**
 * Runs an elementwise one-input kernel (a cast, a compare with a scalar) on the
 * flat view of `x`, so any rank works (tfjs-webgpu's shaders stop at rank 6).
 */
export function flatUnary(x: tf.Tensor, kernel: (x: tf.Tensor) => tf.Tensor): tf.Tensor {
  if (x.rank <= MAX_KERNEL_RANK) return kernel(x);
  return tf.tidy(() => tf.reshape(kernel(tf.reshape(x, [x.size])), x.shape));
}
