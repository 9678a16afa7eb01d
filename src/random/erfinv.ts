/**
 * The inverse error function for float32, built from primitives (tfjs has no
 * `erfinv` kernel), so it traces and differentiates like any library function.
 *
 * The approximation is M. Giles, "Approximating the erfinv function" (GPU
 * Computing Gems, 2011), single-precision version: with `w = -log(1 - x^2)`,
 * `erfinv(x) = x * p(w)` where `p` is a degree-8 polynomial in `w - 2.5` for
 * `w < 5` and in `sqrt(w) - 3` otherwise. XLA's `ErfInv` for f32 (what JAX's
 * `lax.erf_inv` runs) uses the same coefficients and the same steps (`log1p`
 * for `log(1 - x^2)`, Horner evaluation, `erfinv(+-1) = +-inf`), so results
 * agree with JAX to float32 rounding of the `log1p` and `sqrt` kernels.
 *
 * @packageDocumentation
 * @internal
 */
import type { Array } from '../core/array.js';
import { bind1 } from '../core/trace.js';
import { absP, add, eq, log1pP, ltP, mul, neg, select, sqrt, sub } from '../primitives/elementwise.js';
import { scalarLike } from '../primitives/helpers.js';

/** Giles' coefficients for `w < 5`, highest degree first (in `w - 2.5`). */
const CENTRAL = [
  2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941,
] as const;
/** Giles' coefficients for `w >= 5`, highest degree first (in `sqrt(w) - 3`). */
const TAIL = [
  -0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682,
] as const;

const P = {};

function horner(coefficients: readonly number[], w: Array): Array {
  let p = scalarLike(coefficients[0]!, w);
  for (let i = 1; i < coefficients.length; i++) p = add(scalarLike(coefficients[i]!, w), mul(p, w));
  return p;
}

/**
 * `erfinv(x)` elementwise for a float32 array `x` in `[-1, 1]` (NaN outside,
 * `+-inf` at `+-1`). Relative error about 1e-7 in float32 (Giles' bound
 * 3.7e-7 for the polynomial, plus rounding).
 *
 * @internal
 */
export function erfinv(x: Array): Array {
  // select_n's kernel cannot broadcast size-0 operands yet; an empty input needs no work.
  if (x.size === 0) return neg(x);
  const w = neg(bind1(log1pP, [neg(mul(x, x))], P));
  const central = horner(CENTRAL, sub(w, 2.5));
  const tail = horner(TAIL, sub(sqrt(w), 3));
  const p = select(bind1(ltP, [w, scalarLike(5, w)], P), central, tail);
  const atOne = eq(bind1(absP, [x], P), scalarLike(1, x));
  return select(atOne, mul(x, Infinity), mul(p, x));
}
