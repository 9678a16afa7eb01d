/**
 * The notes' 2-D problem: a convex fourth-order polynomial in (x, y), with
 * multipliers from `random.uniform(random.key(1), [8])` and entries 3 and 7 set
 * to 1, plus a small `0.1 * x * y` coupling (Second-Order Optimization notes,
 * "Example: 2D Classical Optimization").
 */
import { np, random } from '../src/index.js';

/** The notes' multipliers: JAX's classic-Threefry `uniform(key(1), (8,))`, entries 3 and 7 set to 1. */
export function notesMultipliers(): np.Array {
  const key = random.key(1);
  const u = random.uniform(key, [8]);
  const m = np.at(u, 3).set(1);
  const out = np.at(m, 7).set(1);
  for (const a of [key, u, m]) a.dispose();
  return out;
}

/** `loss_fn(z)` of the notes, for a multiplier vector `multipliers` of length 8. */
export function makeLoss(multipliers: np.Array): (z: np.Array) => np.Array {
  return (z: np.Array) => {
    const y = np.mul(np.slice(z, 1), 2);
    const x = np.sub(np.mul(np.slice(z, 0), 0.8), 0.5);
    const xs = [1, 2, 3, 4].map((i) => np.pow(x, i));
    const ys = [1, 2, 3, 4].map((i) => np.pow(y, i));
    const all = np.stack([...xs, ...ys]);
    return np.add(np.dot(all, multipliers), np.mul(np.mul(x, y), 0.1));
  };
}
