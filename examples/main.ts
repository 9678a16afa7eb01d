/**
 * The README's main job. For now: a tour of the notes' 2-D problem on the
 * default backend — the loss, its gradient and Hessian at the notes' start
 * point, and the notes' gradient descent (lr 0.1) and Newton (lr 0.8) steps
 * as jitted pure functions, 15 steps each. The full optimizer comparison with
 * contour plots lands with the 2-D experiment issue.
 *
 * Usage: npm start [-- --out DIR]   (default DIR: out/)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { getBackend, grad, hessian, jit, np } from '../src/index.js';
import { makeLoss, notesMultipliers } from './quartic.js';

function parseOut(argv: readonly string[]): string {
  const i = argv.indexOf('--out');
  if (i >= 0) {
    const dir = argv[i + 1];
    if (dir === undefined || dir.startsWith('--')) throw new Error('--out needs a folder: npm start -- --out DIR');
    return resolve(dir);
  }
  return resolve('out');
}

// The inverse of a 2x2 matrix from its entries (np.linalg arrives with the linalg issue).
function inv2(h: np.Array): np.Array {
  const [a, b, c, d] = [np.slice(h, 0, 0), np.slice(h, 0, 1), np.slice(h, 1, 0), np.slice(h, 1, 1)];
  const det = np.sub(np.mul(a, d), np.mul(b, c));
  return np.div(np.stack([np.stack([d, np.neg(b)]), np.stack([np.neg(c), a])]), det);
}

const outDir = parseOut(process.argv.slice(2));
const multipliers = notesMultipliers();
const loss = makeLoss(multipliers);
const z0 = np.array([-0.9, 0.4]);

console.log(`tfjax tour of the notes' 2-D problem (backend: ${getBackend()})`);
console.log(`multipliers = random.uniform(random.key(1), [8]) with [3] = [7] = 1: ${fmt(multipliers.tolist())}`);
console.log(`loss(z0)    = ${fmt(loss(z0).item())}   at z0 = [-0.9, 0.4]`);
console.log(`grad(z0)    = ${fmt(grad(loss)(z0).tolist())}`);
console.log(`hessian(z0) = ${fmt(hessian(loss)(z0).tolist())}`);

const steps = {
  gradientDescent: jit((z: np.Array) => np.sub(z, np.mul(grad(loss)(z), 0.1))),
  newton: jit((z: np.Array) => np.sub(z, np.mul(np.matmul(inv2(hessian(loss)(z)), grad(loss)(z)), 0.8))),
};

const rows: { method: string; step: number; x: number; y: number; loss: number }[] = [];
for (const [method, step] of Object.entries(steps)) {
  let z = np.array(z0);
  for (let k = 0; k <= 15; k++) {
    const [x, y] = z.tolist() as number[];
    rows.push({ method, step: k, x: x!, y: y!, loss: loss(z).item() as number });
    const next = step(z);
    z.dispose();
    z = next;
  }
  z.dispose();
}

console.log('\nmethod           step      x         y        loss');
for (const r of rows.filter((r) => [0, 1, 3, 5, 10, 15].includes(r.step)))
  console.log(`${r.method.padEnd(16)} ${String(r.step).padStart(4)} ${fmt(r.x).padStart(9)} ${fmt(r.y).padStart(9)} ${fmt(r.loss).padStart(10)}`);

mkdirSync(outDir, { recursive: true });
writeFileSync(resolve(outDir, 'tour.csv'), ['method,step,x,y,loss', ...rows.map((r) => `${r.method},${r.step},${r.x},${r.y},${r.loss}`)].join('\n') + '\n');
writeFileSync(resolve(outDir, 'tour.json'), JSON.stringify({ backend: getBackend(), multipliers: multipliers.tolist(), rows }, null, 2) + '\n');
console.log(`\nwrote ${resolve(outDir, 'tour.csv')} and tour.json`);

function fmt(v: unknown): string {
  if (typeof v === 'number') return v.toFixed(4);
  if (Array.isArray(v)) return `[${v.map(fmt).join(', ')}]`;
  return String(v);
}
