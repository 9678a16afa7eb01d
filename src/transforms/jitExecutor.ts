/**
 * The jit executor: runs a jaxpr's equations directly with each primitive's
 * `impl` on tfjs tensors (no tracing, no wrappers), disposing every
 * intermediate right after its last use. Only the outputs survive.
 *
 * Unit-stride slices of rank at most 6 run as one Slice kernel, and `select_n`
 * with a full-shape predicate as one Select kernel.
 *
 * On wasm, float32 matrix products (`dot_general` of two rank-2 operands
 * without batch dims) run as one plain `matMul` (operands transposed first
 * where needed, as `dot_general`'s impl does) without the private copy of the
 * right operand that the impl makes: tfjs-backend-wasm caches XNNPACK's packed
 * weights by the data id of the right operand, whatever its shape, and the copy
 * keeps a buffer shared between arrays of different shapes from reading
 * another shape's cached weights. Here a registry records the shape each data
 * buffer has been multiplied in; a buffer is used directly when it has only
 * been used in this same shape (by this executor: the impls always copy), and
 * copied otherwise. Unchanged weights then keep their packed form across
 * calls, as they do in a hand-written tfjs program. (The registry sees only
 * tfjax's products: plain tfjs code multiplying a buffer it shares with a tfjax
 * array in another shape than a jitted function does meets tfjs's own cache
 * problem, as it would between two tfjs products of its own.)
 *
 * @packageDocumentation
 * @internal
 */
import { alias } from '../backend/index.js';
import * as tf from '../backend/tf.js';
import { onWebgpu } from '../backend/wgsl.js';
import { constant } from '../core/concrete.js';
import { Lit, type Atom, type Jaxpr, type JaxprEqn, type Var } from '../core/jaxpr.js';
import { sameShape } from '../core/shapedArray.js';
import type { DotGeneralParams } from '../primitives/dot.js';
import type { SliceParams } from '../primitives/indexing.js';

// The [K, N] shape each data buffer has been used in as a wasm matMul's right operand, by data id.
const rhsShapes = new WeakMap<object, string>();

/** A float32 rank-2 `dot_general` on wasm as one plain matMul; undefined where the impl must run. */
function wasmMatMul(eqn: JaxprEqn, [x, y]: readonly tf.Tensor[]): tf.Tensor | undefined {
  const { dimensionNumbers, preferredElementType } = eqn.params as DotGeneralParams;
  const [[lc, rc], [lb]] = dimensionNumbers;
  if (x!.rank !== 2 || y!.rank !== 2 || lb.length !== 0 || lc.length !== 1 || x!.dtype !== 'float32' || y!.dtype !== 'float32') return undefined;
  if ((preferredElementType ?? 'float32') !== 'float32' || x!.size === 0 || y!.size === 0 || tf.getBackend() !== 'wasm') return undefined;
  const temps: tf.Tensor[] = [];
  const own = (t: tf.Tensor): tf.Tensor => (temps.push(t), t);
  try {
    const a = lc[0] === 1 ? x! : own(tf.transpose(x!));
    let b = rc[0] === 0 ? y! : own(tf.transpose(y!));
    const key = `${b.shape[0]!},${b.shape[1]!}`;
    const seen = rhsShapes.get(b.dataId);
    if (seen !== undefined && seen !== key) b = own(tf.clone(b));
    else rhsShapes.set(b.dataId, key);
    return tf.matMul(a, b);
  } finally {
    for (const t of temps) t.dispose();
  }
}

/**
 * A unit-stride `slice` of rank at most 6 as one Slice kernel (the impl merges dims first, for
 * ranks above 6, with a reshape on each side); undefined where the impl must run.
 */
function directSlice(eqn: JaxprEqn, x: tf.Tensor): tf.Tensor | undefined {
  const { startIndices, limitIndices, strides } = eqn.params as SliceParams;
  if (x.rank > 6 || x.rank === 0 || (strides != null && strides.some((s) => s !== 1))) return undefined;
  const size = limitIndices.map((l, i) => l - startIndices[i]!);
  if (size.some((n) => n <= 0)) return undefined;
  return tf.slice(x, [...startIndices], size);
}

/**
 * `select_n(p, onFalse, onTrue)` with a predicate of the output's shape as one Select kernel:
 * a literal case becomes one Fill, an array case of another shape is broadcast by adding it to
 * zeros (the impl broadcasts every operand with tfjs's broadcastTo, a Tile kernel or a copy each,
 * and tf.where copies them again). Undefined where the impl must run (bool cases: tfjs-wasm's
 * Select mishandles them; a predicate to broadcast; ranks above 6).
 */
function directSelect(eqn: JaxprEqn, [p, f, t]: readonly tf.Tensor[]): tf.Tensor | undefined {
  const out = eqn.outBinders[0]!.aval;
  const shape = [...out.shape];
  if (eqn.inputs.length !== 3 || p!.dtype !== 'bool' || out.dtype === 'bool' || shape.length > 6 || !sameShape(p!.shape, shape) || p!.size === 0) return undefined;
  const dtype = out.dtype;
  const temps: tf.Tensor[] = [];
  const full = (x: tf.Tensor, a: Atom): tf.Tensor => {
    if (sameShape(x.shape, shape)) return x;
    const y = a instanceof Lit ? tf.fill(shape, Number(a.val), dtype) : tf.tidy(() => tf.add(tf.zeros(shape, dtype), x));
    temps.push(y);
    return y;
  };
  try {
    return tf.engine().runKernel('Select', { condition: p!, t: full(t!, eqn.inputs[2]!), e: full(f!, eqn.inputs[1]!) }) as tf.Tensor;
  } finally {
    for (const y of temps) y.dispose();
  }
}

// Each literal's cached scalar tensor (looked up again if the constant cache has dropped it).
const litTensors = new WeakMap<Lit, tf.Tensor>();
function litTensor(l: Lit): tf.Tensor {
  let t = litTensors.get(l);
  if (t === undefined || t.isDisposed) litTensors.set(l, (t = constant(l.val, l.aval.dtype, l.aval.weakType).tensor));
  return t;
}

// For each equation, the variables whose last read it is (computed once per jaxpr).
const lastUses = new WeakMap<Jaxpr, Var[][]>();

function lastUseOf(jaxpr: Jaxpr): Var[][] {
  const lu = lastUses.get(jaxpr);
  if (lu !== undefined) return lu;
  const keep = new Set<Var>([...jaxpr.inBinders, ...jaxpr.outs.filter((a): a is Var => !(a instanceof Lit))]);
  const seen = new Set<Var>();
  const uses: Var[][] = jaxpr.eqns.map(() => []);
  for (let e = jaxpr.eqns.length - 1; e >= 0; e--) {
    for (const a of jaxpr.eqns[e]!.inputs) {
      if (a instanceof Lit || keep.has(a) || seen.has(a)) continue;
      seen.add(a);
      uses[e]!.push(a);
    }
  }
  // Outputs that nothing reads are freed right away.
  jaxpr.eqns.forEach((eqn, e) => {
    for (const v of eqn.outBinders) if (!seen.has(v) && !keep.has(v)) uses[e]!.push(v);
  });
  lastUses.set(jaxpr, uses);
  return uses;
}

/**
 * Runs `jaxpr` on `inputs` (one tensor per in-binder). Returns one new tensor
 * per output (inputs passed through and repeated outputs are cloned); frees
 * everything else, also when a kernel throws.
 */
export function executeJaxpr(jaxpr: Jaxpr, inputs: readonly tf.Tensor[]): tf.Tensor[] {
  const env = new Map<Var, tf.Tensor>();
  jaxpr.inBinders.forEach((v, i) => env.set(v, inputs[i]!));
  const read = (a: Atom): tf.Tensor => (a instanceof Lit ? litTensor(a) : env.get(a)!);
  const lu = lastUseOf(jaxpr);
  const inputSet = new Set(inputs);
  try {
    jaxpr.eqns.forEach((eqn, e) => {
      const ins = eqn.inputs.map(read);
      const name = eqn.primitive.name;
      // On WebGPU, int32 slices and all selects run their impls, which keep every bit (tfjs-webgpu's
      // kernels round int32 through f32; its Select stops at rank 4).
      const exactInts = onWebgpu() && (name === 'select_n' || ins.some((t) => t.dtype === 'int32'));
      const direct =
        exactInts ? undefined : name === 'dot_general' ? wasmMatMul(eqn, ins) : name === 'slice' ? directSlice(eqn, ins[0]!) : name === 'select_n' ? directSelect(eqn, ins) : undefined;
      const outs = direct !== undefined ? [direct] : eqn.primitive.impl(ins, eqn.params as never);
      eqn.outBinders.forEach((v, i) => {
        const t = outs[i]!;
        env.set(v, ins.includes(t) ? alias(t) : t);
      });
      for (const v of lu[e]!) {
        env.get(v)!.dispose();
        env.delete(v);
      }
    });
    const result: tf.Tensor[] = [];
    const seen = new Set<tf.Tensor>();
    for (const a of jaxpr.outs) {
      let t = read(a);
      if (a instanceof Lit || inputSet.has(t) || seen.has(t)) t = alias(t);
      seen.add(t);
      result.push(t);
    }
    for (const [v, t] of env) if (!seen.has(t) && !inputSet.has(t) && !jaxpr.inBinders.includes(v)) t.dispose();
    return result;
  } catch (err) {
    for (const [, t] of env) if (!inputSet.has(t)) t.dispose();
    throw err;
  }
}
