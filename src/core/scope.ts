/**
 * Ownership (DESIGN "Ownership"): every array a function returns is a distinct
 * handle the caller owns; everything else made inside is disposed, also when the
 * function throws. Built on tfjs's engine scopes with explicit keep-lists.
 *
 * @packageDocumentation
 */
import { alias } from '../backend/index.js';
import * as tf from '../backend/tf.js';
import { ConcreteArray } from './concrete.js';

let depth = 0;

/**
 * Runs `fn` in a tfjs scope and keeps only the concrete arrays in its result
 * (found by walking arrays and plain objects); every other tensor made inside is
 * disposed, also when `fn` throws. Outputs that were not made inside the scope
 * (inputs passed through, cached constants) or that appear twice are cloned, so
 * each returned array is a handle of its own.
 *
 * @internal
 */
export function scoped<T>(fn: () => T): T {
  // Only the outermost scope frees: an inner one may return tracers whose
  // values (a JVPTracer's primal, a jaxpr's constants) are concrete arrays made
  // inside it, which the outer computation still reads.
  if (depth > 0) {
    depth++;
    try {
      return fn();
    } finally {
      depth--;
    }
  }
  const engine = tf.engine();
  engine.startScope('tfjax');
  const scopeId = engine.state.activeScope.id;
  let result: T;
  depth++;
  try {
    result = fn();
  } catch (e) {
    engine.endScope();
    throw e;
  } finally {
    depth--;
  }
  const keep: tf.Tensor[] = [];
  const seen = new Set<tf.Tensor>();
  const own = (x: ConcreteArray): ConcreteArray => {
    const t = x.tensor;
    if (t.scopeId === scopeId && !t.kept && !seen.has(t)) {
      seen.add(t);
      keep.push(t);
      return x;
    }
    const c = alias(t);
    seen.add(c);
    keep.push(c);
    return new ConcreteArray(c, x.aval.weakType);
  };
  result = walk(result, own) as T;
  engine.endScope(keep);
  return result;
}

function walk(v: unknown, own: (x: ConcreteArray) => ConcreteArray): unknown {
  if (v instanceof ConcreteArray) return own(v);
  if (Array.isArray(v)) {
    let changed = false;
    const out = v.map((e: unknown) => {
      const r = walk(e, own);
      if (r !== e) changed = true;
      return r;
    });
    return changed ? out : v;
  }
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    let changed = false;
    const o: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) {
      const r = walk(e, own);
      if (r !== e) changed = true;
      o[k] = r;
    }
    return changed ? o : v;
  }
  return v;
}
