/**
 * tfjax: JAX's programming model in TypeScript. Composable function transforms
 * over typed pytrees, running on TensorFlow.js kernels (WebGPU where available,
 * wasm in Node by default, cpu as fallback).
 *
 * @packageDocumentation
 * @module tfjax
 */
import { ready } from './backend/index.js';

export * from './errors.js';
export { ready, setBackend, getBackend, startBackend, isSyncReadable, assertSyncReadable, numTensors, memoryBytes, type BackendName } from './backend/index.js';
export * as np from './numpy/index.js';
export * as tree from './tree/index.js';
export * as primitives from './primitives/index.js';
export * as random from './random/index.js';
export * as nn from './nn/index.js';
export * as lax from './lax/index.js';
export * as optim from './optim/index.js';
export * as plot from './plot/index.js';
export { ShapedArray } from './core/shapedArray.js';
export type { DType } from './core/dtype.js';
export { ConcreteArray } from './core/concrete.js';
export { definePrimitive, Zero, UndefPrimal, type Primitive, type PrimitiveRules, type MaybeZero } from './core/primitive.js';
export { bind, bind1, MainTrace, Trace, Tracer } from './core/trace.js';
export { Var, Lit, JaxprEqn, Jaxpr, ClosedJaxpr, typecheckJaxpr, evalJaxpr, type Atom } from './core/jaxpr.js';
export { JaxprTracer, JaxprTrace } from './core/makeJaxpr.js';
export { makeJaxpr } from './transforms/makeJaxpr.js';
export { jvp, JVPTracer, type ArraysOfArgs } from './transforms/jvp.js';
export { linearize, type Disposable } from './transforms/linearize.js';
export { vjp, vjpWithAux, linearTranspose, type VjpFn } from './transforms/vjp.js';
export { grad, valueAndGrad, type GradOptions } from './transforms/grad.js';
export { stopGradient } from './transforms/stopGradient.js';
export { customJvp, customVjp, checkpoint, type CustomJvpFunction, type CustomVjpFunction } from './lax/custom.js';
export { checkGrads, GradCheckError, type CheckGradsOptions, type CheckGradsFn } from './transforms/checkGrads.js';
export { jit, jitP, type Jitted, type JitOptions, type JitParams } from './transforms/jit.js';
export { vmap, BatchTracer, type VmapOptions } from './transforms/vmap.js';
export type { BDim } from './primitives/batching.js';
export { jacfwd, jacrev, jacobian, hessian, type Jacobian, type JacobianOptions } from './transforms/derived.js';

await ready();
