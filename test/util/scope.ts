/**
 * `scoped` for async test bodies: the library's `scoped(fn)` frees what `fn` made when `fn`
 * returns, which for an async `fn` is at its first `await`, before the rest of the body ran.
 * `scopedAsync` keeps one tfjs scope open until the promise settles, then frees every tensor
 * made inside it (tests using it return nothing that must survive). Tests of one file run one
 * at a time, so no other test's tensors land in the scope meanwhile.
 */
import * as tf from '../../src/backend/tf.js';

/** Runs `fn` inside one tfjs scope that ends (freeing all tensors made in it) when `fn` settles. */
export async function scopedAsync(fn: () => Promise<unknown>): Promise<void> {
  const engine = tf.engine();
  engine.startScope('tfjax-test');
  try {
    await fn();
  } finally {
    engine.endScope();
  }
}
