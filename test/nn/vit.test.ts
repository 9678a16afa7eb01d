/**
 * The notes' tiny ViT (patch-embedding conv, sin-cos position embedding, class
 * token from an Embed of one row, pre-LN blocks of multi-head attention with
 * dropout and a gelu MLP, a dense head), built from nn layers at a small size:
 * shapes, a Flax-shaped gradient tree, jit vs eager for the loss and its
 * gradient with dropout keys as arguments, dropout on vs off, one SGD step
 * lowers the loss, and no leaks across jitted steps. cpu and wasm.
 */
import { describe, expect, it } from 'vitest';
import { jit, nn, np, numTensors, random, tree, valueAndGrad } from '../../src/index.js';
import type { Array } from '../../src/core/array.js';
import { read } from '../numpy/redshape-util.js';
import { item } from '../util/read.js';

const F = 16;
const PATCH = 4;
const HEADS = 4;
const CLASSES = 10;
const DEPTH = 2;

interface Block {
  ln1: nn.layerNorm.Params;
  attn: nn.multiHeadAttention.Params;
  ln2: nn.layerNorm.Params;
  mlp1: nn.dense.Params;
  mlp2: nn.dense.Params;
}
interface ViT {
  patch: nn.conv.Params;
  cls: nn.embed.Params;
  blocks: Block[];
  head: nn.dense.Params;
}

function initViT(key: Array): ViT {
  const ks = random.unstack(random.split(key, 3 + DEPTH));
  return {
    patch: nn.conv.init(ks[0]!, 3, F, [PATCH, PATCH]),
    cls: nn.embed.init(ks[1]!, 1, F),
    blocks: ks.slice(3).map((k) => {
      const [a, b, c] = random.unstack(random.split(k, 3));
      return { ln1: nn.layerNorm.init(k, F), attn: nn.multiHeadAttention.init(a!, F, HEADS), ln2: nn.layerNorm.init(k, F), mlp1: nn.dense.init(b!, F, 2 * F), mlp2: nn.dense.init(c!, 2 * F, F) };
    }),
    head: nn.dense.init(ks[2]!, F, CLASSES),
  };
}

/** get_2d_sincos_pos_embed of the notes, `[1, n * n, F]`. */
function posEmbed(n: number): Array {
  const oneD = (pos: Array, d: number): Array => {
    const omega = np.div(1, np.pow(10000, np.div(np.arange(d / 2), d / 2)));
    const out = np.einsum('m,d->md', np.reshape(pos, [-1]), omega);
    return np.concatenate([np.sin(out), np.cos(out)], 1);
  };
  const grid = np.arange(n);
  const gh = np.reshape(np.broadcastTo(np.reshape(grid, [1, n]), [n, n]), [-1]); // meshgrid's first output
  const gw = np.reshape(np.broadcastTo(np.reshape(grid, [n, 1]), [n, n]), [-1]);
  return np.expandDims(np.concatenate([oneD(gh, F / 2), oneD(gw, F / 2)], 1), 0);
}

function applyViT(p: ViT, x: Array, key: Array | null, rate: number): Array {
  const deterministic = key === null;
  const keys = key === null ? [] : random.unstack(random.split(key, 3 * DEPTH));
  const b = x.shape[0]!;
  const n = x.shape[1]! / PATCH;
  let h = nn.conv.apply(p.patch, x, { strides: PATCH, padding: 'VALID' });
  h = np.add(np.reshape(h, [b, n * n, F]), posEmbed(n));
  h = np.concatenate([h, nn.embed.apply(p.cls, np.zeros([b, 1], { dtype: 'int32' }))], 1);
  p.blocks.forEach((blk, i) => {
    let y = nn.layerNorm.apply(blk.ln1, h);
    y = nn.multiHeadAttention.apply(blk.attn, y, { dropoutRate: rate, deterministic, dropoutKey: keys[3 * i] });
    h = np.add(h, y);
    y = nn.layerNorm.apply(blk.ln2, h);
    y = nn.gelu(nn.dense.apply(blk.mlp1, y));
    y = nn.dropout(keys[3 * i + 1], rate, y, { deterministic });
    y = nn.dropout(keys[3 * i + 2], rate, nn.dense.apply(blk.mlp2, y), { deterministic });
    h = np.add(h, y);
  });
  return nn.dense.apply(p.head, np.squeeze(h.slice(null, -1), null));
}

function loss(p: ViT, x: Array, labels: Array, key: Array | null): Array {
  const logits = applyViT(p, x, key, 0.3);
  return np.mean(np.sum(np.mul(np.neg(nn.logSoftmax(logits)), nn.oneHot(labels, CLASSES)), { axis: -1 }));
}

describe("the notes' tiny ViT from nn layers", () => {
  const params = initViT(random.key(0));
  const x = random.uniform(random.key(1), [3, 8, 8, 3]);
  const labels = random.randint(random.key(2), [3], 0, CLASSES);

  it('forward shapes and a Flax-shaped gradient tree', async () => {
    expect(applyViT(params, x, null, 0.3).shape).toEqual([3, CLASSES]);
    const [l, g] = valueAndGrad((p: ViT) => loss(p, x, labels, random.key(3)))(params);
    expect(Number.isFinite(await item(l) as number)).toBe(true);
    expect(tree.structure(g).toString()).toBe(tree.structure(params).toString());
    expect(tree.map((a: np.Array) => a.shape, g.blocks[0]!.attn.query)).toEqual({ kernel: [F, HEADS, F / HEADS], bias: [HEADS, F / HEADS] });
    expect((await Promise.all((tree.leaves(g) as Array[]).map(read))).every((v) => v.every(Number.isFinite))).toBe(true);
  });

  it('jit (keys as arguments) matches eager; dropout on differs from off; an SGD step lowers the loss', async () => {
    const vg = (p: ViT, xs: Array, ys: Array, k: Array | null): [Array, ViT] => valueAndGrad((q: ViT) => loss(q, xs, ys, k))(p) as [Array, ViT];
    const key = random.key(4);
    const [l0, g0] = vg(params, x, labels, key);
    const step = jit((p: ViT, xs: Array, ys: Array, k: Array) => vg(p, xs, ys, k));
    const [l1, g1] = step(params, x, labels, key);
    expect(Math.abs((await item(l1) as number) - (await item(l0) as number))).toBeLessThan(1e-5);
    const a = tree.leaves(g0) as Array[];
    const b = tree.leaves(g1) as Array[];
    for (const [i, ga] of a.entries()) {
      const bv = await read(b[i]!);
      (await read(ga)).forEach((v, j) => expect(Math.abs(bv[j]! - v)).toBeLessThan(1e-4 + 1e-3 * Math.abs(v)));
    }
    const [lOff] = vg(params, x, labels, null);
    expect(await item(lOff)).not.toBe(await item(l0));
    // Deterministic SGD on one batch lowers the loss.
    const sgd = (p: ViT, g: ViT): ViT => tree.map((w: np.Array, d: np.Array) => np.sub(w, np.mul(d, 0.05)), p, g) as ViT;
    const [, gd] = vg(params, x, labels, null);
    expect(await item(loss(sgd(params, gd), x, labels, null)) as number).toBeLessThan(await item(lOff) as number);
    // No leaks across jitted steps after the first.
    const run = (): void => {
      const [l, g] = step(params, x, labels, key);
      l.dispose();
      (tree.leaves(g) as Array[]).forEach((t) => t.dispose());
    };
    run();
    const before = numTensors();
    run();
    run();
    expect(numTensors()).toBe(before);
    expect(step.cacheSize).toBe(1);
    step.dispose();
  });
});
