/**
 * `np.einsum`: Einstein summation over any number of operands, built from
 * primitives (STYLE principle 1: einsum is a library function, not a
 * primitive). The steps follow `jnp.einsum`:
 *
 * 1. parse the spec (letters, one `...` per term, explicit `->` output or the
 *    implicit one: `...` then the letters that appear once, sorted);
 * 2. per operand, drop size-1 axes whose index has a larger size elsewhere
 *    (broadcasting), take diagonals of repeated indices (`ii->i`: a `select_n`
 *    with an `iota` equality mask, then a sum over one of the two axes), and sum
 *    the indices no other operand and not the output needs;
 * 3. contract left to right, pairwise, with one `dot_general` each: indices in
 *    both operands that are still needed later (by a later operand or the
 *    output) are batch dims, the other shared ones are contracted;
 * 4. transpose to the output order.
 *
 * @packageDocumentation
 */
import type { Array } from '../core/array.js';
import { fmtShape } from '../core/shapedArray.js';
import { ShapeError } from '../errors.js';
import { iota } from '../primitives/creation.js';
import { dotGeneral } from '../primitives/dot.js';
import * as E from '../primitives/elementwise.js';
import { scalarLike } from '../primitives/helpers.js';
import * as S from '../primitives/structural.js';
import type { ArrayInput } from './core.js';
import { withProductOperands } from './products.js';

/** An index: a letter's char code, or `ELLIPSIS + i` for the i-th axis under `...`. */
type Label = number;
const ELLIPSIS = 1000;

interface Parsed {
  inputs: Label[][];
  output: Label[];
}

const labelName = (l: Label): string => (l >= ELLIPSIS ? `...[${l - ELLIPSIS}]` : String.fromCharCode(l));

function specError(spec: string, why: string): ShapeError {
  return new ShapeError(`np.einsum: bad spec "${spec}": ${why}`);
}

/** Splits one term into letters and an optional ellipsis position. */
function parseTerm(spec: string, term: string, where: string): { letters: Label[]; ellipsisAt: number | null } {
  const letters: Label[] = [];
  let ellipsisAt: number | null = null;
  for (let i = 0; i < term.length; i++) {
    const ch = term[i]!;
    if (ch === '.') {
      if (term.slice(i, i + 3) !== '...') throw specError(spec, `${where} has a '.' that is not part of '...'`);
      if (ellipsisAt !== null) throw specError(spec, `${where} has more than one '...'`);
      ellipsisAt = letters.length;
      i += 2;
    } else if (/[a-zA-Z]/.test(ch)) letters.push(ch.charCodeAt(0));
    else throw specError(spec, `${where} has the character '${ch}'; indices are letters a-z and A-Z, with at most one '...'`);
  }
  return { letters, ellipsisAt };
}

function parse(spec: string, shapes: readonly (readonly number[])[]): Parsed {
  const s = spec.replace(/\s+/g, '');
  const arrows = s.split('->');
  if (arrows.length > 2) throw specError(spec, "more than one '->'");
  const terms = arrows[0]!.split(',');
  if (terms.length !== shapes.length)
    throw specError(spec, `it has ${terms.length} input term${terms.length === 1 ? '' : 's'} but ${shapes.length} operand${shapes.length === 1 ? ' was' : 's were'} given`);
  let ellRank = 0;
  const parsed = terms.map((t, j) => {
    const p = parseTerm(spec, t, `input term ${j} ('${t}')`);
    const rank = shapes[j]!.length;
    if (p.ellipsisAt === null ? p.letters.length !== rank : p.letters.length > rank)
      throw specError(spec, `input term ${j} ('${t}') names ${p.letters.length} ${p.ellipsisAt === null ? '' : 'or more '}axes but operand ${j} has shape ${fmtShape(shapes[j]!)} (rank ${rank})`);
    const e = rank - p.letters.length;
    ellRank = Math.max(ellRank, e);
    return { ...p, e };
  });
  // The `...` axes align at the right (NumPy broadcasting): an operand with e of them gets the last e labels.
  const inputs = parsed.map((p) => {
    if (p.ellipsisAt === null) return p.letters;
    const ell = globalThis.Array.from({ length: p.e }, (_, i) => ELLIPSIS + ellRank - p.e + i);
    return [...p.letters.slice(0, p.ellipsisAt), ...ell, ...p.letters.slice(p.ellipsisAt)];
  });
  const allEll = globalThis.Array.from({ length: ellRank }, (_, i) => ELLIPSIS + i);
  let output: Label[];
  if (arrows.length === 2) {
    const o = parseTerm(spec, arrows[1]!, `the output term ('${arrows[1]}')`);
    const seen = new Set<Label>();
    for (const l of o.letters) {
      if (seen.has(l)) throw specError(spec, `the output index '${labelName(l)}' appears more than once`);
      seen.add(l);
      if (!inputs.some((ls) => ls.includes(l))) throw specError(spec, `the output index '${labelName(l)}' appears in no input term`);
    }
    // Without '...' in the output, the '...' axes are summed (as jnp.einsum).
    output = o.ellipsisAt === null ? o.letters : [...o.letters.slice(0, o.ellipsisAt), ...allEll, ...o.letters.slice(o.ellipsisAt)];
  } else {
    const count = new Map<Label, number>();
    for (const ls of inputs) for (const l of ls) if (l < ELLIPSIS) count.set(l, (count.get(l) ?? 0) + 1);
    const once = [...count.entries()].filter(([, n]) => n === 1).map(([l]) => l);
    output = [...allEll, ...once.sort((a, b) => a - b)];
  }
  return { inputs, output };
}

/** The size of every index, checking that sizes agree (or are 1, which broadcasts). */
function indexSizes(spec: string, inputs: readonly Label[][], shapes: readonly (readonly number[])[]): Map<Label, number> {
  const size = new Map<Label, number>();
  const from = new Map<Label, number>();
  inputs.forEach((ls, j) =>
    ls.forEach((l, ax) => {
      const d = shapes[j]![ax]!;
      const prev = size.get(l);
      if (prev === undefined || prev === 1) {
        size.set(l, d);
        from.set(l, j);
      } else if (d !== prev && d !== 1) {
        const k = from.get(l)!;
        throw new ShapeError(
          `np.einsum: in "${spec}", index '${labelName(l)}' has size ${prev} in operand ${k} (shape ${fmtShape(shapes[k]!)}) ` +
            `but size ${d} in operand ${j} (shape ${fmtShape(shapes[j]!)})`,
        );
      }
    }),
  );
  return size;
}

interface Term {
  x: Array;
  labels: Label[];
}

/** Sums the axes whose label fails `keep`. */
function sumOut(t: Term, keep: (l: Label) => boolean): Term {
  const axes = t.labels.flatMap((l, i) => (keep(l) ? [] : [i]));
  if (axes.length === 0) return t;
  return { x: S.reduceSum(t.x, axes), labels: t.labels.filter((l) => keep(l)) };
}

/** Removes size-1 axes whose index is larger elsewhere, and takes the diagonals of repeated indices. */
function normalize(t: Term, size: Map<Label, number>): Term {
  let { x, labels } = t;
  const squeeze = labels.map((l, i) => x.aval.shape[i] === 1 && size.get(l)! !== 1);
  if (squeeze.some(Boolean)) {
    x = S.reshape(
      x,
      x.aval.shape.filter((_, i) => !squeeze[i]),
    );
    labels = labels.filter((_, i) => !squeeze[i]);
  }
  for (;;) {
    const a = labels.findIndex((l, i) => labels.indexOf(l) !== i);
    if (a < 0) break;
    const first = labels.indexOf(labels[a]!);
    // Keep x where the index along `first` equals the index along `a`, then sum over `a`.
    const n = x.aval.shape[a]!;
    const maskShape = x.aval.shape.map((d, i) => (i === first || i === a ? n : 1));
    const mask = E.eq(iota('int32', maskShape, first), iota('int32', maskShape, a));
    x = S.reduceSum(E.select(mask, x, scalarLike(0, x.aval.withWeak(false))), [a]);
    labels = labels.filter((_, i) => i !== a);
  }
  return { x, labels };
}

/**
 * Einstein summation, as `numpy.einsum` / `jnp.einsum`: `spec` names the axes
 * of each operand with letters (`'ij,jk->ik'`); indices missing from the
 * output are summed. Supports any number of operands (contracted left to
 * right), repeated indices within an operand (diagonals: `'ii->i'`, `'ii'` is
 * the trace), `...` for broadcast leading axes, and the implicit output when
 * there is no `->` (the `...` axes, then the indices that appear once, sorted).
 * Size-1 axes broadcast against the same index elsewhere.
 *
 * @param spec - the subscripts, e.g. `'bij,bjk->bik'`.
 * @param operands - the arrays, one per input term.
 * @returns the result.
 * @example
 * ```ts
 * import { np } from 'tfjax';
 * const a = np.array([[1, 2], [3, 4]]);
 * console.log(np.einsum('ij,jk->ik', a, a).tolist()); // [[7, 10], [15, 22]]
 * console.log(np.einsum('ii', a).item()); // 5
 * console.log(np.einsum('i,j->ij', [1, 2], [3, 4]).tolist()); // [[3, 4], [6, 8]]
 * ```
 * @category Products
 */
export function einsum(spec: string, ...operands: ArrayInput[]): Array {
  if (typeof spec !== 'string') throw new ShapeError(`np.einsum: the first argument must be the spec string, got ${typeof spec}`);
  if (operands.length === 0) throw new ShapeError(`np.einsum: "${spec}" needs at least one operand`);
  return withProductOperands(operands, (...xs) => {
    const shapes = xs.map((x) => x.aval.shape);
    const { inputs, output } = parse(spec, shapes);
    const size = indexSizes(spec, inputs, shapes);
    const outSet = new Set(output);
    let terms = xs.map((x, j) => normalize({ x, labels: inputs[j]! }, size));
    // Sum, in each operand, the indices that no other operand and not the output has.
    terms = terms.map((t, j) => sumOut(t, (l) => outSet.has(l) || terms.some((u, k) => k !== j && u.labels.includes(l))));
    let acc = terms[0]!;
    for (let j = 1; j < terms.length; j++) {
      const later = new Set<Label>(output);
      for (let k = j + 1; k < terms.length; k++) for (const l of terms[k]!.labels) later.add(l);
      let rhs = terms[j]!;
      const lhs = sumOut(acc, (l) => later.has(l) || rhs.labels.includes(l));
      rhs = sumOut(rhs, (l) => later.has(l) || lhs.labels.includes(l));
      const shared = lhs.labels.filter((l) => rhs.labels.includes(l));
      const batch = shared.filter((l) => later.has(l));
      const contract = shared.filter((l) => !later.has(l));
      const x = dotGeneral(lhs.x, rhs.x, [
        [contract.map((l) => lhs.labels.indexOf(l)), contract.map((l) => rhs.labels.indexOf(l))],
        [batch.map((l) => lhs.labels.indexOf(l)), batch.map((l) => rhs.labels.indexOf(l))],
      ]);
      acc = { x, labels: [...batch, ...lhs.labels.filter((l) => !shared.includes(l)), ...rhs.labels.filter((l) => !shared.includes(l))] };
    }
    acc = sumOut(acc, (l) => outSet.has(l));
    // An output index can be missing only if every operand had it as a broadcast size-1 axis.
    const missing = output.filter((l) => !acc.labels.includes(l));
    let x = acc.x;
    let labels = acc.labels;
    if (missing.length > 0) {
      x = S.reshape(x, [...x.aval.shape, ...missing.map(() => 1)]);
      labels = [...labels, ...missing];
    }
    return S.transpose(
      x,
      output.map((l) => labels.indexOf(l)),
    );
  });
}
