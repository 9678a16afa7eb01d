/**
 * convert_element_type from int32/bool to float32 gives a real float32 array on every backend:
 * on WebGPU, tfjs's Cast only relabels the int32 buffer, and a Transpose of the result then
 * failed to compile and returned zeros (which broke jacfwd, whose basis is such a cast).
 */
import { describe, expect, it } from 'vitest';
import { bind1, jacfwd, np, numTensors, primitives } from '../../src/index.js';
import { data } from '../util/read.js';

const toF32 = (x: np.Array): np.Array => bind1(primitives.convertP, [x], { newDType: 'float32', weakType: false });

describe('convert_element_type to float32, then transpose', () => {
  it('int32 and bool sources, rank 3, against the permuted values', async () => {
    const vals = Int32Array.from({ length: 24 }, (_, k) => k * 3 - 20);
    const i = np.array(vals).reshape([2, 3, 4]);
    const b = np.greater(i, 0);
    for (const [src, want] of [
      [i, (v: number) => v],
      [b, (v: number) => (v > 0 ? 1 : 0)],
    ] as const) {
      const t = np.transpose(toF32(src), [2, 0, 1]);
      expect(t.dtype).toBe('float32');
      const got = await data(t);
      for (let c = 0; c < 4; c++)
        for (let a = 0; a < 2; a++)
          for (let r = 0; r < 3; r++) expect(got[c * 6 + a * 3 + r]).toBe(want(vals[a * 12 + r * 4 + c]!));
    }
  });

  it('jacfwd of a transpose is the permutation matrix', async () => {
    const x = np.array([0, 1, 2, 3, 4, 5]);
    const J = jacfwd((v: np.Array) => np.transpose(v.reshape([2, 3])))(x);
    expect(J.shape).toEqual([3, 2, 6]);
    const got = await data(J);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 2; j++) for (let k = 0; k < 6; k++) expect(got[(i * 2 + j) * 6 + k]).toBe(k === j * 3 + i ? 1 : 0);
  });

  it('leaves no tensors behind', () => {
    const i = np.array(new Int32Array([1, 2, 3, 4]));
    toF32(i).dispose();
    const before = numTensors();
    toF32(i).dispose();
    expect(numTensors()).toBe(before);
  });
});
