import { Array as NpArray } from '../../src/core/array.js';
import { ShapedArray } from '../../src/core/shapedArray.js';

/** A minimal concrete subclass of the abstract array, so tree tests need no backend. */
export class FakeArray extends NpArray {
  get aval(): ShapedArray {
    return new ShapedArray([2], 'float32');
  }
  async data(): Promise<Float32Array> {
    return new Float32Array(2);
  }
  dataSync(): Float32Array {
    return new Float32Array(2);
  }
  dispose(): void {}
}
