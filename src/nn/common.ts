/**
 * Checks shared by the layers: sizes, parameter arrays, inputs.
 *
 * @packageDocumentation
 * @internal
 */
import { Array } from '../core/array.js';
import { fmtShape } from '../core/shapedArray.js';
import { ArgumentError, ShapeError } from '../errors.js';

/** Throws unless `n` is a positive integer. @internal */
export function checkSize(fn: string, name: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new ArgumentError(`${fn}: ${name} must be a positive integer, got ${String(n)}`);
  return n;
}

/** The parameter `params[name]` (path `path` in messages), checked to be an array of rank `ndim` (or one of several). @internal */
export function param(fn: string, params: unknown, name: string, ndim: number | readonly number[], path = 'params'): Array {
  if (params === null || typeof params !== 'object')
    throw new ArgumentError(`${fn}: ${path} must be an object holding '${name}', got ${params === null ? 'null' : typeof params}`);
  const v = (params as Record<string, unknown>)[name];
  if (!(v instanceof Array))
    throw new ArgumentError(`${fn}: ${path}.${name} must be an array, got ${v === undefined ? 'nothing (is this the right parameter tree?)' : typeof v}`);
  const ranks = typeof ndim === 'number' ? [ndim] : ndim;
  if (!ranks.includes(v.ndim)) throw new ShapeError(`${fn}: ${path}.${name} must have rank ${ranks.join(' or ')}, got shape ${fmtShape(v.shape)}`);
  return v;
}

/** The optional parameter `params[name]`, checked to have `shape` when present. @internal */
export function optionalParam(fn: string, params: object, name: string, shape: readonly number[], path = 'params'): Array | undefined {
  const v = (params as Record<string, unknown>)[name];
  if (v === undefined || v === null) return undefined;
  if (!(v instanceof Array)) throw new ArgumentError(`${fn}: ${path}.${name} must be an array when given, got ${typeof v}`);
  if (v.ndim !== shape.length || v.shape.some((d, i) => d !== shape[i]))
    throw new ShapeError(`${fn}: ${path}.${name} must have shape ${fmtShape(shape)}, got ${fmtShape(v.shape)}`);
  return v;
}
