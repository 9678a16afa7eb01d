/** `0 ** y` for negative y is inf on every backend (IEEE pow; tfjs-webgpu's pow gave 0), and so is norm's ord -1 with a zero. */
import { expect, it } from 'vitest';
import { np } from '../../src/index.js';
import { data, num } from '../util/read.js';

it('0 ** negative is inf; other special cases as Math.pow', async () => {
  const xs = [0, 0, 0, 0, -2, -2, 2, 0.25, 0];
  const ys = [-1, -2, 0, 0.5, 3, -1, -0.5, -1, -0.5];
  const got = await data(np.pow(np.array(xs), np.array(ys)));
  xs.forEach((x, i) => expect(got[i]).toBeCloseTo(Math.pow(x, ys[i]!), 6));
  expect(got[0]).toBe(Infinity);
  expect(await num(np.linalg.norm([3, -4, 0, 1.5], -1))).toBe(0);
});

it('0 ** negative is inf at rank 8 with broadcasting too', async () => {
  const x = np.reshape(np.array([0, 2, 0, 4]), [2, 1, 2, 1, 1, 1, 1, 1]);
  const y = np.reshape(np.array([-1, 2, -2]), [1, 3, 1, 1, 1, 1, 1, 1]);
  const got = await data(np.pow(x, y));
  const xs = [0, 2, 0, 4];
  const ys = [-1, 2, -2];
  const want: number[] = [];
  for (const i of [0, 1]) for (const j of [0, 1, 2]) for (const k of [0, 1]) want.push(Math.pow(xs[i * 2 + k]!, ys[j]!));
  expect(Array.from(got)).toEqual(want);
});
